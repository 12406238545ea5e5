#!/usr/bin/env python3
"""floe-source paces in real time from the monotonic clock.

A 128 kbps CBR stream carries exactly 16000 bytes per second of audio, so a
listener on floe (which forwards what it gets at once) can measure how much
audio floe-source has sent against the wall clock. Over 62 seconds after
the initial burst, the audio sent must stay within 0.5 s of the time that
passed (the issue's bound; deliberately generous: an absolute schedule keeps
it within a few milliseconds). The playlist's track changes and a skip in
the middle must not disturb it either. This is the one timing assertion in
floe-source's tests.
"""
import os
import time

from floe_source_lib import Source, tone, write
from floelib import Floe, Listener, tap, tmpdir, wait_mount

BYTES_PER_SECOND = 16000
MEASURE_SECONDS = 62
BOUND_SECONDS = 0.5

d = tmpdir()
names = [os.path.basename(tone(os.path.join(d, "p%d.mp3" % i), f, 9, "Pace", "Track %d" % i))
         for i, f in enumerate((300, 450, 600))]
playlist = write(os.path.join(d, "list.m3u"), "\n".join(names) + "\n")

floe = Floe()
src = Source(["--playlist", playlist, "--url",
              "http://source:hackme@127.0.0.1:%d/pace.mp3" % floe.port, "--crossfade", "1"])
tap.ok(wait_mount(floe, "/pace.mp3"), "floe-source streams", src.log())
lst = Listener(floe, "/pace.mp3")
time.sleep(4)   # past the initial burst (floe's and floe-source's)

t0, b0 = time.monotonic(), len(lst.body())
worst = 0.0
skipped = False
while time.monotonic() - t0 < MEASURE_SECONDS:
    time.sleep(1)
    t, b = time.monotonic(), len(lst.body())
    drift = (b - b0) / BYTES_PER_SECOND - (t - t0)
    worst = max(worst, abs(drift))
    if not skipped and t - t0 > MEASURE_SECONDS / 2:
        skipped = src.ctl("skip")[0] == 0
t1, b1 = time.monotonic(), len(lst.body())
drift = (b1 - b0) / BYTES_PER_SECOND - (t1 - t0)
tap.ok(t1 - t0 >= 60, "measured over %.1f s (at least a minute)" % (t1 - t0))
tap.ok(abs(drift) < BOUND_SECONDS,
       "audio sent stays within %.1f s of wall-clock time: %+.3f s after %.0f s"
       % (BOUND_SECONDS, drift, t1 - t0))
tap.ok(worst < BOUND_SECONDS, "... at every second of the run (worst %.3f s)" % worst)
tap.ok(skipped, "a skip in the middle did not disturb the pace")
tap.ok(src.log().count("playing: Pace - Track") >= 6, "tracks changed during the run",
       src.log())
lst.close()
src.stop()
tap.is_eq(floe.stop(), 0, "floe exits cleanly")
