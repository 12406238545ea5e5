#!/usr/bin/env python3
"""Mount options radio platforms write: <listenurl> (the public URL stats
report), icecast-kh's <limit-rate> (a source sending faster than that is
read no faster: the kernel's window pushes back on it, nobody else waits)
and <intro> (a file from webroot each new listener hears first, then the
live stream from a frame boundary, with ICY framing counted across both).
"""
import os
import threading
import time

from floelib import (Floe, Listener, LoopFeeder, RawSource, capture_errors, icy_split,
                     mp3_frame_list, sine_mp3_frames, stat_value, tap, tmpdir, wait_for,
                     wait_mount)

RATE_BITS = 128000
RATE = RATE_BITS // 8       # bytes a second

web = tmpdir()
intro = sine_mp3_frames(880, 3)         # 3 s: longer than one metaint (16000 bytes)
with open(os.path.join(web, "jingle.mp3"), "wb") as f:
    f.write(intro)
floe = Floe(webroot=web, mounts="""
<mount><mount-name>/intro.mp3</mount-name><intro>jingle.mp3</intro></mount>
<mount><mount-name>/nointro.mp3</mount-name><intro>/missing.mp3</intro></mount>
<mount><mount-name>/pub.mp3</mount-name>
  <listenurl>https://radio.example.org/listen/pub.mp3</listenurl></mount>
<mount><mount-name>/slow.mp3</mount-name><limit-rate>%d</limit-rate></mount>
<mount><mount-name>/k.mp3</mount-name><limit-rate>128k</limit-rate></mount>
""" % RATE_BITS)

# ---- listenurl
src = RawSource(floe, "/pub.mp3")
src.send(os.urandom(4096))
wait_mount(floe, "/pub.mp3")
other = RawSource(floe, "/other.mp3")
other.send(os.urandom(4096))
wait_mount(floe, "/other.mp3")
stats = floe.stats()
tap.is_eq(stat_value(stats, "/pub.mp3", "listenurl"), "https://radio.example.org/listen/pub.mp3",
          "listenurl: stats report the operator's URL")
tap.is_eq(stat_value(stats, "/other.mp3", "listenurl"),
          "http://127.0.0.1:%d/other.mp3" % floe.port, "without it, floe's own")
src.close()
other.close()

# ---- limit-rate: a source pushing 2 MB as fast as it can
t0 = time.monotonic()
slow = RawSource(floe, "/slow.mp3")
tap.ok(slow.ok(), "source on /slow.mp3 accepted", slow.response)
data = os.urandom(2 * 1024 * 1024)
pushed = [0]


def push():
    try:
        for i in range(0, len(data), 65536):
            slow.send(data[i:i + 65536])
            pushed[0] += 65536
    except OSError:
        pass


th = threading.Thread(target=push, daemon=True)
th.start()


def bytes_read(m="/slow.mp3"):
    v = stat_value(floe.stats(), m, "total_bytes_read")
    return int(v) if v is not None else 0


tap.ok(wait_for(lambda: bytes_read() >= 3 * RATE, 60), "floe reads the source", bytes_read())
tap.ok(wait_for(lambda: pushed[0] >= 1024 * 1024, 60),
       "the source pushed a megabyte into its socket", pushed[0])
got = bytes_read()
elapsed = time.monotonic() - t0
# floe's clock for this source started after t0: it cannot have been allowed more
bound = RATE * (elapsed + 1) + 1
tap.ok(got <= bound, "limit-rate %d: %d bytes read in %.1f s (at most %d allowed)" %
       (RATE_BITS, got, elapsed, bound), got)
tap.ok(pushed[0] - got >= 256 * 1024, "the rest waits in the kernel, not in floe",
       (pushed[0], got))
log = floe.read_log()
tap.ok("slow.mp3" in log and not any("busy" in ln for ln in log.splitlines()[-20:]),
       "no complaints in the error log")
slow.close()

# 128k means 128,000 bits a second, as icecast-kh reads it
t0 = time.monotonic()
k = RawSource(floe, "/k.mp3")
k.send(os.urandom(200000))
tap.ok(wait_for(lambda: bytes_read("/k.mp3") >= RATE, 30), "128k: read at first")
got = bytes_read("/k.mp3")
tap.ok(got <= RATE * (time.monotonic() - t0 + 1) + 1, "128k is 16,000 bytes a second", got)
k.close()
# ---- intro
live = sine_mp3_frames(440, 10)
src = RawSource(floe, "/intro.mp3")
feed = LoopFeeder(src, live, RATE)
tap.ok(wait_mount(floe, "/intro.mp3"), "source on /intro.mp3")
plain = Listener(floe, "/intro.mp3")
icy = Listener(floe, "/intro.mp3", icy=True)
tap.ok(plain.wait_bytes(len(intro) + 40000) and icy.wait_bytes(len(intro) + 40000),
       "both listeners get the intro and more")
body = plain.body()
tap.ok(body.startswith(intro), "the listener's first bytes are the intro, whole")
rest = body[len(intro):len(intro) + 30000]
frames = mp3_frame_list(live)
starts = set()
off = 0
for fr in frames:
    starts.add(off)
    off += len(fr)
doubled = live + live
at = doubled.find(rest[:4096])
tap.ok(len(rest) == 30000 and at >= 0 and at % len(live) in starts and rest in doubled,
       "then the live stream, from a frame boundary, byte for byte", at)
tap.ok(not capture_errors(body[:len(intro) + 30000], tmpdir(), "intro.mp3"),
       "the splice decodes cleanly")
audio, metas, err = icy_split(icy.body(), 16000)
tap.ok(err is None and audio.startswith(intro) and len(metas) >= 2 and
       len(audio) >= len(intro) + 4096 and audio[len(intro):len(intro) + 4096] in doubled,
       "with ICY metadata: blocks every 16000 bytes, intro included, then the stream",
       (err, len(metas)))
tap.ok(wait_for(lambda: int(stat_value(floe.stats(), "/intro.mp3", "total_bytes_sent") or 0) >=
                2 * len(intro), 10), "the intro's bytes count as sent")
nosrc = RawSource(floe, "/nointro.mp3")
nosrc.send(live[:40000])
wait_mount(floe, "/nointro.mp3")
lst = Listener(floe, "/nointro.mp3")
tap.ok(lst.wait_bytes(20000) and lst.body()[:4096] in live,
       "an intro that is not there: listeners get the stream")
tap.ok("missing.mp3" in floe.read_log(), "... and the log says why", floe.log())
for x in (plain, icy, lst):
    x.close()
feed.stop()
src.close()
nosrc.close()
tap.is_eq(floe.stop(), 0, "floe exits cleanly")
