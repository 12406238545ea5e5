#!/usr/bin/env python3
"""floe-source joining tracks: gapless, crossfaded, and with silence trimmed.

Three 4-second tones (WAV, so their lengths are exact) play once through
four floe-source runs at the same time, each writing its MP3 to a file:
  - crossfade 0: gapless; the file lasts 12 s and never falls silent;
  - crossfade 2: each join overlaps by 2 s, so 8 s, and never silent; this
    run also streams to floe, and a listener's capture never falls silent
    at a track boundary either;
  - crossfade 2 with --trim-silence, on tones padded with 1 s of silence at
    both ends: the silence is trimmed before the fade, 8 s, never silent;
  - the padded tones gapless without trimming: the 2 s of silence between
    tracks is there (which shows the silence check can see a gap);
  - a 1.5 s jingle between two 4 s tones under a 3 s crossfade: its joins
    last 0.75 s each (half of it), so 8 s in all, never silent;
  - an MP3 with 4 KiB of garbage in the middle plays to its end;
  - tones at -20 and -6 dBFS: normalized (the default) they come out at
    one level (each measured, EBU R128, brought to -16 LUFS); with
    --no-normalize 14 dB apart;
  - two tones mastered at -1 dBFS crossfaded over 3 s: mid-fade their sum
    would pass full scale; the limiter turns it down instead of clipping:
    no sample of the decoded file at full scale, and THD+N through the
    fade below -40 dB (hard clipping, as before: about -22 dB).
floe-source exits by itself (status 0) at the end of a --once playlist.
"""
import math
import os
import subprocess

from floe_source_lib import (ANALYSIS_RATE, Source, decode_errors, icy_changes, pcm, probe, tone,
                             window_levels, write)
from floelib import Floe, Listener, tap, tmpdir, wait_for, wait_mount

d = tmpdir()
FREQS = (440, 660, 880)
plain = write(os.path.join(d, "plain.m3u"), "".join(
    os.path.basename(tone(os.path.join(d, "p%d.wav" % f), f, 4)) + "\n" for f in FREQS))
padded = write(os.path.join(d, "padded.m3u"), "".join(
    os.path.basename(tone(os.path.join(d, "s%d.wav" % f), f, 4, lead=1, trail=1)) + "\n"
    for f in FREQS))


def silent_stretches(path, skip_end=0.1):
    """Silent 20 ms windows (as seconds), ignoring the very start and end."""
    levels = window_levels(pcm(path))
    edge = int(skip_end / 0.02)
    return [round(i * 0.02, 2) for i, v in enumerate(levels) if edge <= i < len(levels) - edge
            and v < 0.01]


for i in (1, 2):     # 440 Hz at -1 dBFS, 6 s, lossless
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "aevalsrc=0.8913*sin(2*PI*440*t)|0.8913*sin(2*PI*440*t):d=6:s=44100",
                    "-c:a", "pcm_s16le", os.path.join(d, "loud%d.wav" % i)], check=True)
loud = write(os.path.join(d, "loud.m3u"), "loud1.wav\nloud2.wav\n")
for name, amp in (("quiet", 0.1), ("hot", 0.5)):      # -20 and -6 dBFS, 4 s each
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                    "aevalsrc=%s*sin(2*PI*1000*t)|%s*sin(2*PI*1000*t):d=4:s=44100" % (amp, amp),
                    "-c:a", "pcm_s16le", os.path.join(d, name + ".wav")], check=True)
levels = write(os.path.join(d, "levels.m3u"), "quiet.wav\nhot.wav\n")
# 4 KiB of garbage in the middle of a 6 s MP3 (a bad sector, a broken upload).
clean = open(tone(os.path.join(d, "whole.mp3"), 550, 6), "rb").read()
with open(os.path.join(d, "broken.mp3"), "wb") as f:
    f.write(clean[:len(clean) // 2] + os.urandom(4096) + clean[len(clean) // 2:])
damaged = write(os.path.join(d, "damaged.m3u"), "broken.mp3\n")
jingle = write(os.path.join(d, "jingle.m3u"), "".join(
    os.path.basename(tone(os.path.join(d, "j%d.wav" % f), f, secs)) + "\n"
    for f, secs in ((440, 4), (880, 1.5), (660, 4))))


def thd_n(samples, f0, start, end, win=0.05):
    """THD+N (dB) of samples[start s:end s] around a tone f0: in each window,
    what is left once the best-fitting f0 sinusoid is taken out, against
    the whole, over all windows."""
    n = int(win * ANALYSIS_RATE)
    resid = total = 0.0
    for a in range(int(start * ANALYSIS_RATE), int(end * ANALYSIS_RATE) - n, n):
        w = samples[a:a + n]
        s_ = [math.sin(2 * math.pi * f0 * (a + k) / ANALYSIS_RATE) for k in range(n)]
        c_ = [math.cos(2 * math.pi * f0 * (a + k) / ANALYSIS_RATE) for k in range(n)]
        bs = 2.0 / n * sum(x * y for x, y in zip(w, s_))
        bc = 2.0 / n * sum(x * y for x, y in zip(w, c_))
        for k in range(n):
            e = w[k] - bs * s_[k] - bc * c_[k]
            resid += e * e
            total += w[k] * w[k]
    return 10 * math.log10(resid / total) if total and resid else -200.0


floe = Floe()
runs = {}
for name, playlist, extra in (("gapless", plain, ["--crossfade", "0"]),
                              ("xfade", plain, ["--crossfade", "2"]),
                              ("trim", padded, ["--crossfade", "2", "--trim-silence"]),
                              ("untrimmed", padded, ["--crossfade", "0"]),
                              ("loud", loud, ["--crossfade", "3", "--no-normalize"]),
                              ("jingle", jingle, ["--crossfade", "3"]),
                              ("normalized", levels, ["--crossfade", "0"]),
                              ("raw", levels, ["--crossfade", "0", "--no-normalize"]),
                              ("damaged", damaged, [])):
    out = os.path.join(d, name + ".mp3")
    args = ["--playlist", playlist, "--once", "--file", out] + extra
    if name == "xfade":
        args += ["--url", "http://source:hackme@127.0.0.1:%d/xfade.mp3" % floe.port, "-v"]
    runs[name] = (Source(args, name=name), out)

tap.ok(wait_mount(floe, "/xfade.mp3"), "the crossfading run streams to floe too")
lst = Listener(floe, "/xfade.mp3", icy=True)

for name, (src, out) in runs.items():
    done = wait_for(lambda: not src.alive(), 90)
    tap.ok(done and src.proc.returncode == 0 and "end of the playlist" in src.log(),
           "%s: floe-source exits 0 at the end of a --once playlist" % name, src.log())

for name, (src, out) in runs.items():
    errs = decode_errors(open(out, "rb").read(), d, name + "-check.mp3")
    tap.ok(errs == "", "%s: the MP3 file decodes without errors" % name, errs)

dur = {name: probe(out)[3] for name, (src, out) in runs.items()}
quiet = {name: silent_stretches(out) for name, (src, out) in runs.items()}

# LAME adds up to ~0.08 s of delay and padding to what it encodes.
tap.ok(12.0 <= dur["gapless"] <= 12.15,
       "gapless: 3 x 4 s last 12 s, nothing lost or added (%.3f s)" % dur["gapless"])
tap.ok(not quiet["gapless"], "gapless: never falls to silence at a boundary",
       "silent at %s" % quiet["gapless"][:20])
tap.ok(8.0 <= dur["xfade"] <= 8.15,
       "crossfade 2 s: each join overlaps by 2 s, 8 s in all (%.3f s)" % dur["xfade"])
tap.ok(not quiet["xfade"], "crossfade: never falls to silence at a boundary",
       "silent at %s" % quiet["xfade"][:20])
tap.ok(8.0 <= dur["trim"] <= 8.15,
       "trim + crossfade: the 1 s silences are trimmed before the fade (%.3f s)" % dur["trim"])
tap.ok(not quiet["trim"], "trim + crossfade: never falls to silence",
       "silent at %s" % quiet["trim"][:20])
tap.ok(17.9 <= dur["untrimmed"] <= 18.15 and len(quiet["untrimmed"]) >= 2 * 90,
       "control: untrimmed padded tones keep their silence (%.2f s, %d silent windows)"
       % (dur["untrimmed"], len(quiet["untrimmed"])))

tap.ok(8.0 <= dur["jingle"] <= 8.15 and not quiet["jingle"],
       "a 1.5 s jingle under a 3 s crossfade fades in and out within itself: 4 + 1.5 + 4 s "
       "less two 0.75 s joins (%.3f s), never silent" % dur["jingle"])
tap.ok(dur["damaged"] >= 5.8,
       "an MP3 with 4 KiB of garbage mid-file plays to its end (%.2f s of 6)" % dur["damaged"])


def halves_db(path):
    """RMS level (dB) of the middle of each 4 s track."""
    lv = window_levels(pcm(path))
    a = [v for v in lv[25:175]]
    b = [v for v in lv[225:375]]
    return (20 * math.log10(sum(a) / len(a)), 20 * math.log10(sum(b) / len(b)))


na, nb = halves_db(runs["normalized"][1])
ra, rb = halves_db(runs["raw"][1])
tap.ok(abs(na - nb) < 1.0 and abs((rb - ra) - 14) < 1.5,
       "loudness: tones at -20 and -6 dBFS come out at %.1f and %.1f dB (normalized to "
       "-16 LUFS), %.1f and %.1f with --no-normalize" % (na, nb, ra, rb))
tap.ok(all("LUFS measured" in l for l in runs["normalized"][0].log().splitlines()
           if "playing:" in l), "the log says how loud each track measured",
       runs["normalized"][0].log()[-600:])
samples = pcm(runs["loud"][1])
peak = max(abs(v) for v in samples)
tap.ok(peak < 32767 * 0.995, "loud crossfade: no sample at full scale (peak %.2f dBFS)"
       % (20 * math.log10(peak / 32768.0)))
dist = thd_n(samples, 440, 3.2, 5.8)
tap.ok(dist < -40, "loud crossfade: THD+N through the fade %.1f dB (under -40 dB: turned "
       "down, not clipped)" % dist)

# The listener of the crossfading run: no silence at any boundary. Its
# source has gone: floe sends what it still holds, then closes.
wait_for(lambda: lst.closed, 30)
lst.close()
audio, changes, err = icy_changes(lst.body(), 16000)
cap = os.path.join(d, "listener.mp3")
with open(cap, "wb") as f:
    f.write(audio)
lq = silent_stretches(cap, 0.2)
tap.ok(err is None and len(audio) > 100000 and not lq,
       "crossfade: a listener's capture never falls to silence (%d bytes)" % len(audio),
       err or "silent at %s" % lq[:20])
tap.ok(len([t for _, t in changes if t]) >= 3, "the listener saw the three titles",
       "%r\n%s\n%s" % (changes, runs["xfade"][0].log(), floe.read_log()))
tap.is_eq(floe.stop(), 0, "floe exits cleanly")
