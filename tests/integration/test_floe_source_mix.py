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
    tracks is there (which shows the silence check can see a gap).
floe-source exits by itself (status 0) at the end of a --once playlist.
"""
import os

from floe_source_lib import Source, decode_errors, icy_changes, pcm, probe, tone, window_levels, write
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


floe = Floe()
runs = {}
for name, playlist, extra in (("gapless", plain, ["--crossfade", "0"]),
                              ("xfade", plain, ["--crossfade", "2"]),
                              ("trim", padded, ["--crossfade", "2", "--trim-silence"]),
                              ("untrimmed", padded, ["--crossfade", "0"])):
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
