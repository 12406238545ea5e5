#!/usr/bin/env python3
"""floe-source against the real floe: one decode, two outputs (MP3 128k to
/core.mp3 with a copy in a file, AAC 64k to /core.aac).

The playlist (M3U with #EXTINF) mixes MP3 (ID3), FLAC and Ogg Vorbis
(Vorbis comments), WAV (RIFF INFO) and Ogg Opus (no tags: its #EXTINF
title), each a tone of its own frequency, with a missing file and two
corrupt ones among them. An ICY listener on each mount checks that: the
titles arrive in order as "Artist - Title" (or the #EXTINF title); each
title change sits at its track's boundary in the audio (the tone before and
after tells which track is heard); bad files are logged and skipped without
the audio ever stopping; ffmpeg decodes both captures without an error and
ffprobe finds the expected codec, rate, channels and duration; the file
output decodes whole; the logs say what plays and that both outputs are up.
"""
import os
import subprocess
import time

from floe_source_lib import (Source, adts_whole, decode_errors, frequency, icy_changes,
                             nearest, pcm, probe, tone, window_levels, write)
from floelib import Floe, Listener, mp3_whole, tap, tmpdir, wait_for, wait_mount

d = tmpdir()
TRACKS = [  # file, frequency, artist, title, #EXTINF title, expected title
    ("a.mp3", 440, "Alpha", "One", None, "Alpha - One"),
    ("b.flac", 660, "Beta", "Two", "Ignored (tags win)", "Beta - Two"),
    ("c.wav", 880, "Gamma", "Three", None, "Gamma - Three"),
    ("d.ogg", 1100, "Delta", "Four", None, "Delta - Four"),
    ("e.opus", 1320, None, None, "Listed Opus", "Listed Opus"),
]
SECONDS = 5
FREQS = [t[1] for t in TRACKS]
WANT = [t[5] for t in TRACKS]
# The listeners stay until the MP3 one has heard this much audio after the
# last title change (the tone after each change is checked).
AFTER_LAST = 2
CBR = 16000             # bytes a second of the 128 kbps MP3 stream
# The most audio a listener can get beyond the time it listened: floe's
# burst (64 KiB, 4.1 s at 128 kbps) and floe-source's (1 s), and a second
# of slack for frames and the write interval. Load can only make it less.
AHEAD_SECONDS = 6

lines = ["#EXTM3U"]
for i, (name, freq, artist, title, listed, _) in enumerate(TRACKS):
    tone(os.path.join(d, name), freq, SECONDS, artist, title)
    if listed:
        lines.append("#EXTINF:%d,%s" % (SECONDS, listed))
    lines.append(name)
    if i == 0:
        lines.append("missing.mp3")
        lines.append("corrupt.mp3")
    if i == 2:
        lines.append("corrupt.flac")
with open(os.path.join(d, "corrupt.mp3"), "wb") as f:
    f.write(os.urandom(40000))
with open(os.path.join(d, "corrupt.flac"), "wb") as f:
    f.write(b"fLaC" + os.urandom(40000))
playlist = write(os.path.join(d, "list.m3u"), "\n".join(lines) + "\n")
dump = os.path.join(d, "dump.mp3")

floe = Floe()
base = "http://source:hackme@127.0.0.1:%d" % floe.port
src = Source(["--playlist", playlist, "--url", base + "/core.mp3", "--format", "mp3",
              "--bitrate", "128", "--file", dump,
              "--url", base + "/core.aac", "--format", "aac", "--bitrate", "64",
              "--name", "Core Test", "--genre", "Testing"])
tap.ok(wait_mount(floe, "/core.mp3") and wait_mount(floe, "/core.aac"),
       "floe-source is accepted on /core.mp3 and /core.aac", src.log())
mp3 = Listener(floe, "/core.mp3", icy=True)
aac = Listener(floe, "/core.aac", icy=True)
st, hd = mp3.head()
tap.ok(st == 200 and hd.get("content-type") == "audio/mpeg" and hd.get("icy-name") == "Core Test"
       and hd.get("icy-genre") == "Testing" and "bitrate=128" in hd.get("ice-audio-info", ""),
       "MP3 mount: audio/mpeg with the ice-* description floe-source sent", hd)
st, hd = aac.head()
tap.ok(st == 200 and hd.get("content-type") == "audio/aac" and "bitrate=64" in hd.get(
    "ice-audio-info", ""), "AAC mount: audio/aac, 64 kbps", hd)



def heard_all():
    """Has each listener heard every title, and the MP3 one AFTER_LAST s of
    the last track?"""
    audio, changes, _ = icy_changes(mp3.body(), 16000)
    titles = [t for _, t in changes if t]
    aac_titles = [t for _, t in icy_changes(aac.body(), 16000)[1] if t]
    if titles[:len(WANT)] != WANT or aac_titles[:len(WANT)] != WANT:
        return False
    last = [off for off, t in changes if t == WANT[-1]][0]
    return len(audio) >= last + AFTER_LAST * CBR


# Listen until that is so: a deadline only bounds how long a stall takes to
# show (the titles check below then says what was missing).
started = time.monotonic()
wait_for(heard_all, 120, 0.5)
listened = time.monotonic() - started
mp3.close()
aac.close()

# ---- titles, in order, at the track boundaries
audio, changes, err = icy_changes(mp3.body(), 16000)
titles = [t for _, t in changes if t]
want = WANT
tap.ok(err is None, "MP3 capture: ICY framing parses end to end", err)
tap.is_eq(titles[:len(want)], want,
          "titles in playlist order: tags as 'Artist - Title', else the #EXTINF title")

cap = os.path.join(d, "capture.mp3")
with open(cap, "wb") as f:
    f.write(audio)
samples = pcm(cap)
# CBR 128 kbps: 16000 bytes a second, so a byte offset is a time.
misplaced = []
for off, title in changes:
    if title not in want:
        continue
    i = want.index(title)
    t = off / 16000.0
    after = nearest(frequency(samples, t + 0.3), FREQS)
    if after != FREQS[i]:
        misplaced.append("%s at %.2f s: %s Hz heard after it" % (title, t, after))
    if i > 0 and t > 1.5:
        before = nearest(frequency(samples, t - 1.3), FREQS)
        if before != FREQS[i - 1]:
            misplaced.append("%s at %.2f s: %s Hz heard before it" % (title, t, before))
tap.ok(not misplaced and len(changes) >= len(want),
       "each StreamTitle change is at its track's boundary in the audio", "\n".join(misplaced))

# ---- skipped files, and the stream never stopped for them
log = src.log()
tap.ok("skipping " + os.path.join(d, "missing.mp3") in log and "No such file" in log,
       "the missing file is logged and skipped", log)
tap.ok("skipping " + os.path.join(d, "corrupt.mp3") in log and
       "skipping " + os.path.join(d, "corrupt.flac") in log,
       "the corrupt files are logged and skipped", log)
levels = window_levels(samples)
quiet = [i * 0.02 for i, v in enumerate(levels[5:-5], 5) if v < 0.01]
tap.ok(len(levels) > 1000 and not quiet,
       "the audio never drops to silence (no gap where files were skipped)",
       "silent 20 ms windows at %s s" % quiet[:10])

# ---- decoding the captures
errs = decode_errors(mp3_whole(audio), d, "check.mp3")
tap.ok(errs == "", "ffmpeg decodes the MP3 listener's capture without errors", errs)
codec, rate, ch, dur = probe(cap)
tap.ok((codec, rate, ch) == ("mp3", "44100", "2"), "ffprobe: MP3, 44100 Hz, stereo",
       (codec, rate, ch))
tap.ok(abs(dur - len(audio) / 16000.0) < 0.2 and dur <= listened + AHEAD_SECONDS,
       "MP3 capture: its bytes' length, never more than was listened to plus the bursts "
       "(%.1f s for %.1f s)" % (dur, listened))
mp3_dur = dur

aac_audio, aac_changes, err = icy_changes(aac.body(), 16000)
whole = adts_whole(aac_audio)
tap.ok(err is None and len(whole) > len(aac_audio) - 2000,
       "AAC capture: ICY framing parses, whole ADTS frames from the start", err)
errs = decode_errors(whole, d, "check.aac")
tap.ok(errs == "", "ffmpeg decodes the AAC listener's capture without errors", errs)
codec, rate, ch, dur = probe(os.path.join(d, "check.aac"))
tap.ok((codec, rate, ch) == ("aac", "44100", "2") and
       len(TRACKS) * SECONDS - SECONDS <= dur <= listened + AHEAD_SECONDS + 4,
       "ffprobe: AAC, 44100 Hz, stereo, %.1f s for %.1f s listened" % (dur, listened),
       (codec, rate, ch, dur))
tap.is_eq([t for _, t in aac_changes if t][:len(want)], want, "AAC mount gets the same titles")

# ---- the file output, and the logs
src.stop()
errs = decode_errors(open(dump, "rb").read(), d, "dump-check.mp3")
tap.ok(errs == "" and probe(dump)[3] > mp3_dur - 1,
       "the file output decodes whole, and holds at least what the MP3 listener heard "
       "(%.1f s, %.1f s)" % (probe(dump)[3], mp3_dur), errs)
log = src.log()
tap.ok(all(("playing: " + t[5]) in log for t in TRACKS),
       "the log says what is playing, track by track", log)
tap.ok("output /core.mp3: connected" in log and "output /core.aac: connected" in log and
       "(mp3 128k -> 127.0.0.1:%d/core.mp3 + %s): up" % (floe.port, dump) in log,
       "the log shows each output and that it is connected", log)
tap.ok("flac" in log and "vorbis" in log and "pcm_s16le" in log and "opus" in log and
       "mpg123" in log, "FLAC, Ogg Vorbis, WAV and Ogg Opus via libavcodec; MP3 via mpg123")
tap.is_eq(floe.stop(), 0, "floe exits cleanly")
