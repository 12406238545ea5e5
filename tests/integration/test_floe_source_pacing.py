#!/usr/bin/env python3
"""floe-source paces in real time: a gross-error check against the real floe.

The pacer's arithmetic (frames due = rate x elapsed + lead, no drift over
hours of jittery ticks, catching up after a stall) is proved exactly, with
an injected clock, by source-client/tests/test_pacer.c. This test only
checks that the binary really uses it: that floe-source neither sends
faster than real time (2x speed, or no pacing at all: the looping playlist
would pour out) nor stalls, across track changes and a skip.

It holds whatever the machine's load, because it asserts only what load
cannot change:
 - never too fast: a 128 kbps CBR stream carries exactly 16000 bytes per
   second of audio, and floe forwards at once what it gets, so by any moment
   t the listener can hold at most floe's burst (what floe-source sent before
   the listener came) plus the audio due by t on floe-source's schedule:
   (t - t_spawn + floe-source's --burst) seconds, t_spawn taken before
   floe-source was started. A loaded machine only delays audio, so it can
   only keep the count further under this bound; at 2x speed the count
   passes it within seconds.
 - never stalled: the listener receives RUN_SECONDS of audio (an event,
   waited for with a generous deadline that only bounds how long a stall
   takes to be noticed).
"""
import os
import time

from floe_source_lib import Source, tone, write
from floelib import Floe, Listener, tap, tmpdir, wait_mount

BYTES_PER_SECOND = 16000
# How much audio the listener must receive: long enough that 2x speed would
# overshoot the bound below by seconds, and to cross several track changes.
RUN_SECONDS = 12
# floe's burst to a new listener, and floe-source's (--burst): both are
# audio sent ahead of real time on purpose.
FLOE_BURST = BYTES_PER_SECOND
SOURCE_BURST = 1
# Slack in the bound: LAME may finish a frame (418 bytes) a little ahead of
# the samples due, and a tick produces up to one 20 ms tick early at most.
# Half a second is far above that and far below what 2x speed adds.
SLACK_SECONDS = 0.5
# Deadline for RUN_SECONDS of audio to arrive: only a stall misses it.
STALL_DEADLINE = 120

d = tmpdir()
names = [os.path.basename(tone(os.path.join(d, "p%d.mp3" % i), f, 3, "Pace", "Track %d" % i))
         for i, f in enumerate((300, 450, 600))]
playlist = write(os.path.join(d, "list.m3u"), "\n".join(names) + "\n")

floe = Floe(burst_size=FLOE_BURST)
t_spawn = time.monotonic()
src = Source(["--playlist", playlist, "--url",
              "http://source:hackme@127.0.0.1:%d/pace.mp3" % floe.port, "--crossfade", "1",
              "--burst", str(SOURCE_BURST)])
tap.ok(wait_mount(floe, "/pace.mp3", 30), "floe-source streams", src.log())
lst = Listener(floe, "/pace.mp3")


def bound(t):
    """The most audio (seconds) the listener can hold at time t if paced."""
    return FLOE_BURST / BYTES_PER_SECOND + (t - t_spawn) + SOURCE_BURST + SLACK_SECONDS


worst = None        # (audio - bound, audio, elapsed) at the closest approach
skipped = False
deadline = time.monotonic() + STALL_DEADLINE
audio = 0.0
while audio < RUN_SECONDS and time.monotonic() < deadline and not lst.closed:
    time.sleep(0.1)
    audio = len(lst.body()) / BYTES_PER_SECOND
    t = time.monotonic()        # after the count: the bound only grows
    over = audio - bound(t)
    if worst is None or over > worst[0]:
        worst = (over, audio, t - t_spawn)
    if not skipped and audio > RUN_SECONDS / 2:
        skipped = src.ctl("skip")[0] == 0
tap.ok(audio >= RUN_SECONDS, "the listener received %d s of audio (no stall)" % RUN_SECONDS,
       "%.1f s of audio after %.0f s" % (audio, time.monotonic() - t_spawn))
tap.ok(worst is not None and worst[0] <= 0,
       "never ahead of real time: at most burst + elapsed + %g s, at every look" % SLACK_SECONDS,
       worst and "%.2f s of audio %.2f s after floe-source started: %.2f s over" %
       (worst[1], worst[2], worst[0]))
if worst is not None:
    tap.diag("closest to the bound: %.2f s of audio %.2f s after floe-source started (%+.2f s)"
             % (worst[1], worst[2], worst[0]))
tap.ok(skipped, "a skip in the middle did not disturb the pace")
tap.ok(src.log().count("playing: Pace - Track") >= 4, "tracks changed during the run",
       src.log())
lst.close()
src.stop()
tap.is_eq(floe.stop(), 0, "floe exits cleanly")
