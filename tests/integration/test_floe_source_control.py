#!/usr/bin/env python3
"""Controlling a running floe-source: `floe-source ctl` over the control
socket (now, next, queue FILE, skip, reload, status, help), the signals
(SIGUSR1 skips, SIGHUP reloads) and reloading when the playlist file
changes, which keeps the current track playing and changes what comes
next. A listener on floe sees each title as it happens, and its capture
decodes cleanly and never falls silent through skips and reloads.
"""
import os
import signal

from floe_source_lib import (FLOE_SOURCE, Source, decode_errors, icy_changes, pcm, tone,
                             window_levels, write)
from floelib import Floe, Listener, mp3_whole, tap, tmpdir, wait_for, wait_mount

d = tmpdir()
for name, f in (("A", 440), ("B", 660), ("C", 880), ("D", 1100)):
    tone(os.path.join(d, name + ".mp3"), f, 40, "Ctl", name)
playlist = write(os.path.join(d, "list.m3u"), "A.mp3\nB.mp3\nC.mp3\n")

floe = Floe()
src = Source(["--playlist", playlist, "--crossfade", "2", "--url",
              "http://source:hackme@127.0.0.1:%d/ctl.mp3" % floe.port])
tap.ok(wait_mount(floe, "/ctl.mp3"), "floe-source streams", src.log())
lst = Listener(floe, "/ctl.mp3", icy=True)


def seen_titles():
    """The titles the listener has seen, each change once."""
    titles = [t for _, t in icy_changes(lst.body(), 16000)[1] if t]
    return [t for i, t in enumerate(titles) if i == 0 or titles[i - 1] != t]


def now():
    return src.ctl("now")[1].split("\n")[0]


def nxt():
    return src.ctl("next")[1].split("\n")[0]


def wait_now(title, timeout=30):
    return wait_for(lambda: now() == title, timeout)


rc, out = src.ctl("now")
tap.ok(rc == 0 and out.startswith("Ctl - A\n  file: %s, at 0:0" % os.path.join(d, "A.mp3")),
       "ctl now: the title, file and position", out)
tap.ok(nxt().startswith("Ctl - B ("), "ctl next: B")

# queue a file (a relative path: ctl makes it absolute for the server)
old = os.getcwd()
os.chdir(d)
rc, out = src.ctl("queue", "D.mp3")
os.chdir(old)
tap.ok(rc == 0 and out.startswith("queued: %s" % os.path.join(d, "D.mp3")), "ctl queue FILE", out)
tap.ok(nxt() == "Ctl - D (%s, queued)" % os.path.join(d, "D.mp3"), "ctl next: the queued file")
# the skip must come after the listener's first ICY block named A: that block
# is 16000 bytes in, and a quick skip could rename the mount before it
tap.ok(wait_for(lambda: seen_titles() == ["Ctl - A"], 30, 0.1), "the listener sees A first",
       seen_titles())
rc, out = src.ctl("skip")
tap.ok(rc == 0 and out.strip() == "skipping: Ctl - A", "ctl skip answers what it skips", out)
tap.ok(wait_now("Ctl - D"), "after the skip the queued file plays", now())
tap.ok(nxt().startswith("Ctl - B ("), "then the playlist goes on with B")

# the playlist file changes: reloaded by itself, the current track goes on
write(playlist, "C.mp3\nD.mp3\nA.mp3\nB.mp3\n")
tap.ok(src.wait_log("the playlist %s changed: reloading" % playlist, 30),
       "a changed playlist file is reloaded", src.log())
tap.ok(now() == "Ctl - D" and nxt().startswith("Ctl - A ("),
       "... keeping the current track (D), continuing after it (A)", (now(), nxt()))

# SIGHUP reloads; SIGUSR1 skips
write(playlist, "D.mp3\nC.mp3\nB.mp3\n")
src.signal(signal.SIGHUP)
tap.ok(src.wait_log("SIGHUP: reloading the playlist") and
       wait_for(lambda: nxt().startswith("Ctl - C ("), 30), "SIGHUP reloads: next is C",
       nxt())
pos_before = src.ctl("now")[1]
src.signal(signal.SIGUSR1)
tap.ok(wait_now("Ctl - C") and "skipping Ctl - D (SIGUSR1)" in src.log(),
       "SIGUSR1 skips to the next track", src.log()[-800:])

rc, out = src.ctl("reload")
tap.ok(rc == 0 and out.startswith("reloaded %s: 3 entries; next: Ctl - B" % playlist),
       "ctl reload", out)
rc, out = src.ctl("status")
tap.ok(rc == 0 and "now: Ctl - C" in out and "next: Ctl - B" in out and
       "output /ctl.mp3 (mp3 128k -> 127.0.0.1:%d/ctl.mp3): up" % floe.port in out,
       "ctl status: now, next and the output's connection", out)
rc, out = src.ctl("help")
tap.ok(rc == 0 and all(c in out for c in ("skip", "now", "next", "queue", "reload", "status")),
       "ctl help lists the commands", out)
rc, out = src.ctl("queue", os.path.join(d, "missing.mp3"))
tap.ok(rc == 1 and "cannot read" in out, "queueing a missing file: an error", out)
text = write(os.path.join(d, "notes.txt"), "not audio\n" * 100)
rc, out = src.ctl("queue", text)
tap.ok(rc == 1 and "cannot play" in out, "queueing a text file: refused at once", out)
rc, out = src.ctl("queue", os.path.join(d, "A.mp3"))
rc, out = src.ctl("status")
tap.ok("queue: 1 file" in out and "queued: %s" % os.path.join(d, "A.mp3") in out,
       "ctl status lists the queue", out)
rc, out = src.ctl("dance")
tap.ok(rc == 2 and "unknown command" in out, "an unknown command: usage, exit 2", out)
rc, out = src.ctl("queue")
tap.ok(rc == 2, "queue without a file: usage, exit 2", out)
import subprocess
r = subprocess.run([FLOE_SOURCE, "ctl", "--socket", os.path.join(d, "none.sock"), "now"],
                   capture_output=True, text=True)
tap.ok(r.returncode == 1 and "cannot connect" in r.stderr, "ctl without a running floe-source",
       r.stderr)

# what the listener heard, once C's title has reached it


wait_for(lambda: seen_titles()[-1:] == ["Ctl - C"], 30, 0.2)
lst.close()
audio, changes, err = icy_changes(lst.body(), 16000)
seen = seen_titles()
tap.is_eq(seen, ["Ctl - A", "Ctl - D", "Ctl - C"],
          "the listener saw A, then D (queued, after the skip), then C (after SIGUSR1)")
errs = decode_errors(mp3_whole(audio), d, "capture.mp3")
tap.ok(err is None and errs == "", "the listener's capture decodes cleanly", err or errs)
levels = window_levels(pcm(os.path.join(d, "capture.mp3")))
quiet = [i for i, v in enumerate(levels[5:-5]) if v < 0.01]
tap.ok(not quiet, "skips crossfade: the audio never falls silent", quiet[:10])
tap.is_eq(src.stop(), 0, "floe-source exits 0 on SIGTERM")
tap.is_eq(floe.stop(), 0, "floe exits cleanly")
