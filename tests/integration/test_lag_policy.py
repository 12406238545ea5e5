#!/usr/bin/env python3
"""A listener that cannot keep up is dealt with per the mount's
<lag-policy>: "drop" (icecast2's way) closes it; "resync" moves it to the
live edge on a frame boundary, so it stays connected and what it receives
is still a clean run of MP3 frames. Either way it is counted in
slow_listeners and logged, and a listener that keeps up loses nothing.

Only the deliberately slow readers may be caught, whatever the machine's
load: the good reader reads as fast as it can, and floe only lets it go
once it is a whole queue (QUEUE bytes, QUEUE / RATE = 5 seconds of the
stream) behind, beside what its socket holds, so only a reader stalled
for seconds could be caught. The slow readers fall behind steadily, at
nine tenths of the rate, and are caught in about as long. Every check
waits for its event (a deadline only bounds how long a failure takes)."""
import socket
import threading
import time

from floelib import (Feeder, Floe, Listener, RawSource, contiguous_in, is_mp3_frame_header, media,
                     mp3_frame_list, stat_value, tap, wait_for)

MOUNTS = """
  <mount><mount-name>/resync.mp3</mount-name><lag-policy>resync</lag-policy></mount>
  <mount><mount-name>/drop.mp3</mount-name></mount>
"""
# The source's rate, bytes/s: far below what any machine reads on loopback.
RATE = 200_000
# The queue: five seconds of the stream, the good reader's margin.
QUEUE = 1_000_000
# The slow readers' rate: a tenth of the stream's.
SLOW_RATE = RATE // 10

floe = Floe(mounts=MOUNTS, queue_size=QUEUE, burst_size=16384)
with open(media("tone.mp3"), "rb") as f:
    frames = mp3_frame_list(f.read())
stream = b"".join(frames) * 4       # ~1.9 MB of whole frames, sent over and over


def contiguous(data):
    """Is data one contiguous run of the looped stream (nothing skipped)?"""
    return contiguous_in(data, stream * (len(data) // len(stream) + 2))


class SlowReader:
    """A listener with a small receive buffer that reads `rate` bytes/s."""

    def __init__(self, mount, rate):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self.sock.connect(("127.0.0.1", floe.port))
        self.sock.sendall(("GET %s HTTP/1.0\r\n\r\n" % mount).encode())
        self.buf, self.closed, self.rate = bytearray(), False, rate
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        start = time.monotonic()
        while True:
            try:
                d = self.sock.recv(2048)
            except OSError:
                d = b""
            if not d:
                self.closed = True
                return
            self.buf += d
            if self.rate is None:
                continue
            delay = start + len(self.buf) / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    def drain(self):
        """Read as fast as possible from now on: once floe has dealt with
        it, what its socket still holds (up to megabytes: the kernel's send
        buffer grows) need not take minutes to reach it."""
        self.rate = None

    def body(self):
        return bytes(self.buf).partition(b"\r\n\r\n")[2]


def logged(mount, what):
    """Has floe logged a line about a listener on mount saying what?"""
    return any("on %s is" % mount in line and what in line
               for line in floe.read_log().splitlines())


def frames_clean(data):
    """Does data parse as back-to-back MP3 frames (the last may be cut)?"""
    lengths = {f[:4]: len(f) for f in frames}   # header -> frame length (CBR file)
    off = 0
    while off + 4 <= len(data):
        if not is_mp3_frame_header(data[off:off + 4]) or data[off:off + 4] not in lengths:
            return False, off
        off += lengths[data[off:off + 4]]
    return True, off


sources = {}
for mount in ("/resync.mp3", "/drop.mp3"):
    src = RawSource(floe, mount)
    tap.ok(src.ok(), "source on %s accepted" % mount)
    sources[mount] = (src, Feeder(src, stream, RATE, loop=True))
    wait_for(lambda: stat_value(floe.stats(), mount, "listeners") is not None, 10)

good = Listener(floe, "/resync.mp3")
slow_resync = SlowReader("/resync.mp3", SLOW_RATE)
slow_drop = SlowReader("/drop.mp3", SLOW_RATE)

tap.ok(wait_for(lambda: logged("/drop.mp3", "dropped as too slow"), 60),
       "drop: the error log says the slow listener was dropped")
slow_drop.drain()
tap.ok(wait_for(lambda: slow_drop.closed, 60), "drop: the slow listener is disconnected")
tap.ok(wait_for(lambda: logged("/resync.mp3", "resynced to the live edge"), 60),
       "resync: the error log says the slow listener was resynced")
# It reads what its socket still held from before the jump, then the live
# edge: wait until what it received is no longer one contiguous run.
slow_resync.drain()
tap.ok(wait_for(lambda: slow_resync.body() and not contiguous(slow_resync.body()), 60, 0.5),
       "resync: it did skip ahead (its bytes are not one contiguous run)")
tap.ok(not slow_resync.closed, "resync: the slow listener stays connected")
ok, at = frames_clean(slow_resync.body())
tap.ok(ok, "resync: what it received is still back-to-back MP3 frames across the jumps (%d bytes)"
       % len(slow_resync.body()), "not a frame at offset %d" % at)
slow = [stat_value(floe.stats(), m, "slow_listeners") for m in ("/resync.mp3", "/drop.mp3")]
tap.ok(int(slow[0] or 0) >= 1 and slow[1] == "1", "slow_listeners counts them on each mount", slow)
# The good reader has been there all along; once it has received more than
# two whole queues, a skip would have shown in its bytes.
wait_for(lambda: len(good.body()) > 2 * QUEUE or good.closed, 60)
body = good.body()
tap.ok(len(body) > 2 * QUEUE and contiguous(body) and not good.closed,
       "a listener that keeps up on the same mount gets every byte (%d)" % len(body))
for mount, (src, feeder) in sources.items():
    feeder.stop()
tap.is_eq(floe.stop(), 0, "floe exits 0")

# What the kernel holds for a listener counts as lag. A reader at a quarter
# of the stream's rate falls 48 KB/s behind; floe's queue is 128 KB, but the
# kernel's send buffer for the socket grows to megabytes on loopback, so a
# server that looked only at its own queue would not see this listener for
# over a minute. Counting SIOCOUTQ, floe sees it in seconds.
floe = Floe(queue_size=131072, burst_size=16384)
src = RawSource(floe, "/kernel.mp3")
tap.ok(src.ok(), "source on /kernel.mp3 accepted")
feeder = Feeder(src, stream, 64000, loop=True)
wait_for(lambda: stat_value(floe.stats(), "/kernel.mp3", "listeners") is not None, 10)
kslow = SlowReader("/kernel.mp3", 16000)
dropped = wait_for(lambda: logged("/kernel.mp3", "dropped as too slow"), 30)
tap.ok(dropped, "a quarter-rate reader is dropped within 30 s although its lag hides in the "
       "kernel's send buffer", floe.read_log()[-600:])
kslow.drain()
tap.ok(wait_for(lambda: kslow.closed, 30), "... and its connection is closed")
feeder.stop()
tap.is_eq(floe.stop(), 0, "floe exits 0")
