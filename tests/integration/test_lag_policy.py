#!/usr/bin/env python3
"""A listener that cannot keep up is dealt with per the mount's
<lag-policy>: "drop" (icecast2's way) closes it; "resync" moves it to the
live edge on a frame boundary, so it stays connected and what it receives
is still a clean run of MP3 frames. Either way it is counted in
slow_listeners and logged, and a listener that keeps up loses nothing."""
import socket
import threading
import time

from floelib import (Feeder, Floe, Listener, RawSource, contiguous_in, is_mp3_frame_header, media,
                     mp3_frame_list, stat_value, tap, wait_for)

MOUNTS = """
  <mount><mount-name>/resync.mp3</mount-name><lag-policy>resync</lag-policy></mount>
  <mount><mount-name>/drop.mp3</mount-name></mount>
"""
floe = Floe(mounts=MOUNTS, queue_size=262144, burst_size=16384)
with open(media("tone.mp3"), "rb") as f:
    frames = mp3_frame_list(f.read())
stream = b"".join(frames) * 4       # ~1.9 MB of whole frames, sent over and over


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
            delay = start + len(self.buf) / self.rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    def body(self):
        return bytes(self.buf).partition(b"\r\n\r\n")[2]


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
    sources[mount] = (src, Feeder(src, stream, 1_000_000, loop=True))
    wait_for(lambda: stat_value(floe.stats(), mount, "listeners") is not None, 10)

good = Listener(floe, "/resync.mp3")
slow_resync = SlowReader("/resync.mp3", 100_000)
slow_drop = SlowReader("/drop.mp3", 100_000)

tap.ok(wait_for(lambda: slow_drop.closed, 40), "drop: the slow listener is disconnected")
tap.ok(wait_for(lambda: "resynced to the live edge" in floe.read_log(), 40),
       "resync: the error log says the slow listener was resynced")
time.sleep(1)
tap.ok(not slow_resync.closed, "resync: the slow listener stays connected")
ok, at = frames_clean(slow_resync.body())
tap.ok(ok and len(slow_resync.body()) > 200000,
       "resync: what it received is still back-to-back MP3 frames across the jumps (%d bytes)"
       % len(slow_resync.body()), "not a frame at offset %d" % at)
tap.ok(not contiguous_in(slow_resync.body(), stream * 40),
       "resync: it did skip ahead (its bytes are not one contiguous run)")
log = floe.read_log()
slow = [stat_value(floe.stats(), m, "slow_listeners") for m in ("/resync.mp3", "/drop.mp3")]
tap.ok("on /drop.mp3 is" in log and "dropped as too slow" in log, "drop: the error log names it")
tap.ok(int(slow[0] or 0) >= 1 and slow[1] == "1", "slow_listeners counts them on each mount", slow)
body = good.body()
tap.ok(len(body) > 1_000_000 and contiguous_in(body, stream * 40) and not good.closed,
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
dropped = wait_for(lambda: "on /kernel.mp3 is" in floe.read_log() and
                   "dropped as too slow" in floe.read_log(), 30)
tap.ok(dropped, "a quarter-rate reader is dropped within 30 s although its lag hides in the "
       "kernel's send buffer", floe.read_log()[-600:])
tap.ok(wait_for(lambda: kslow.closed, 30), "... and its connection is closed")
feeder.stop()
tap.is_eq(floe.stop(), 0, "floe exits 0")
