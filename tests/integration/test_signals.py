#!/usr/bin/env python3
"""Signals: SIGHUP reloads the config and reopens the logs; SIGTERM stops.

With a source streaming and listeners reading, the config file is changed
(new <location>, a new <mount> with <max-listeners>1) and floe gets SIGHUP:
the listeners' streams stay contiguous in the source's (no gap, no
reconnect), /admin/stats shows the new location and the new limit is
enforced. Renaming error.log and access.log away and sending SIGHUP gives
new log files that are written to (logrotate). A SIGHUP with a broken
config keeps the old config running and logs an error. SIGTERM with a
source and listeners connected: floe exits 0, listeners see EOF, and the
pidfile is removed.
"""
import os
import re
import signal
import threading
import time

from floelib import (LoopFeeder, Floe, Listener, RawSource, contiguous_in, icy_split, media, mp3_frames_offset,
                     stat_value, tap, wait_for, wait_mount)

LIMITED = "<mount><mount-name>/limited.mp3</mount-name><max-listeners>1</max-listeners></mount>"
RATE = 2 * 16000      # 128 kbps at twice real time




def edit_config(floe, old, new):
    with open(floe.config) as f:
        text = f.read()
    if old not in text:
        tap.bail("the test config has no %r to edit" % old)
    with open(floe.config, "w") as f:
        f.write(text.replace(old, new, 1))


def hup_and_wait(floe, log_marker):
    """SIGHUP, then wait until the error log has grown past log_marker
    (the reload's log line). Returns the new part of the log."""
    before = len(floe.read_log())
    floe.signal(signal.SIGHUP)
    wait_for(lambda: len(floe.read_log()) > before and log_marker in floe.read_log()[before:], 10)
    return floe.read_log()[before:]


def holder(floe, mount):
    """A listener that stays connected: (listener, status code)."""
    lst = Listener(floe, mount)
    return lst, lst.head()[0]


def refused(floe, mount):
    """Is a new listener refused with icecast2's 403 max listeners reached?"""
    st, _, body = floe.get(mount)
    return st == 403 and b"max listeners reached" in body.lower()


def streaming(lst, n=48000):
    """Did the listener get n more bytes (and is still connected)?"""
    lst.wait_bytes(len(lst.body()) + n)
    return not lst.closed


def location(floe):
    return stat_value(floe.stats(), None, "location")

# ---------------------------------------------------------------- setup

with open(media("tone.mp3"), "rb") as f:
    audio = f.read()
audio = audio[mp3_frames_offset(audio):]
looped = audio * 3

floe = Floe()
pidfile = os.path.join(floe.logdir, "floe.pid")
sources = {m: RawSource(floe, m) for m in ("/live.mp3", "/limited.mp3")}
tap.ok(all(s.ok() for s in sources.values()), "sources on /live.mp3 and /limited.mp3 accepted")
feeders = [LoopFeeder(s, audio, RATE) for s in sources.values()]
wait_mount(floe, "/live.mp3")
plain, icy = Listener(floe, "/live.mp3"), Listener(floe, "/live.mp3", icy=True)
for lst in (plain, icy):
    lst.wait_bytes(70000)

first = [holder(floe, "/limited.mp3") for _ in range(2)]
tap.is_eq([st for _, st in first], [200, 200], "before the reload /limited.mp3 takes two listeners")
for lst, _ in first:
    lst.close()
wait_for(lambda: stat_value(floe.stats(), "/limited.mp3", "listeners") == "0", 10)

# ---------------------------------------------------------------- SIGHUP with a new config

edit_config(floe, "<location>Test</location>", "<location>Reloaded</location>")
edit_config(floe, "<paths>", LIMITED + "\n  <paths>")
connections = stat_value(floe.stats(), None, "source_total_connections")
log = hup_and_wait(floe, "config reloaded")
tap.ok(floe.alive(), "floe is still running after SIGHUP", log)
tap.is_eq(location(floe), "Reloaded", "/admin/stats shows the new <location>")
tap.ok(streaming(plain) and streaming(icy), "the listeners keep streaming across the reload")
tap.ok(contiguous_in(plain.body(), looped),
       "the plain listener's stream is one contiguous run of the source's (no gap, %d bytes)"
       % len(plain.body()))
audio_in, _, err = icy_split(icy.body(), 16000)
tap.ok(err is None and contiguous_in(audio_in, looped),
       "the ICY listener's framing and audio are intact across the reload", err)
tap.is_eq(stat_value(floe.stats(), None, "source_total_connections"), connections,
          "no source reconnected")

one, st = holder(floe, "/limited.mp3")
tap.ok(st == 200 and refused(floe, "/limited.mp3"),
       "the new <max-listeners>1 is enforced: a second listener gets 403 max listeners reached")

# ---------------------------------------------------------------- log rotation

logs = {n: os.path.join(floe.logdir, n) for n in ("error.log", "access.log")}
wait_for(lambda: os.path.exists(logs["access.log"]), 10)
for path in logs.values():
    if os.path.exists(path):
        os.rename(path, path + ".1")
hup_and_wait(floe, "config reloaded")
one.close()        # leaving writes an access.log line
tap.ok("config reloaded" in floe.read_log() and os.path.exists(logs["error.log"] + ".1"),
       "after rename + SIGHUP a new error.log is created and written")
tap.ok(wait_for(lambda: "/limited.mp3" in floe.read_log("access.log"), 10),
       "and a new access.log gets the next listener's line")

# ---------------------------------------------------------------- SIGHUP with a broken config

with open(floe.config) as f:
    good = f.read()
with open(floe.config, "w") as f:
    f.write(good.replace("</limits>", "</limitz>", 1))
log = hup_and_wait(floe, "reload failed")
tap.ok(floe.alive() and "EROR" in log and "reload failed" in log,
       "a broken config on SIGHUP: floe keeps running and logs an error", log)
stderr = open(os.path.join(floe.dir, "stderr.txt")).read()
tap.ok(re.search(re.escape(floe.config) + r":\d+: error:", stderr),
       "the config error itself (file:line) is printed to stderr", stderr)
tap.ok(location(floe) == "Reloaded" and streaming(plain),
       "the old config stays in effect and the stream goes on")
held, st = holder(floe, "/limited.mp3")
tap.ok(st == 200 and refused(floe, "/limited.mp3"), "the old <max-listeners>1 still holds")
held.close()
tap.ok(contiguous_in(plain.body(), looped), "still one contiguous run of the source's bytes")

# ---------------------------------------------------------------- SIGTERM

tap.ok(os.path.exists(pidfile), "the pidfile exists while floe runs")
rc = floe.stop()
tap.is_eq(rc, 0, "SIGTERM with a source and listeners connected: floe exits 0")
tap.ok(wait_for(lambda: plain.closed and icy.closed, 10), "the listeners see EOF")
tap.ok(not os.path.exists(pidfile), "the pidfile is removed")
for f in feeders:
    f.stop()
