#!/usr/bin/env python3
"""dump-file: the raw stream a source sends is written to disk byte for
byte (after chunked decoding), with strftime patterns in the name expanded
as icecast2 does; a dump-file that cannot be opened does not stop the
stream."""
import glob
import os
import time

from floelib import Floe, Listener, RawSource, contiguous_in, media, stat_value, tap, tmpdir, wait_for

d = tmpdir()
floe = Floe(mounts="""
  <mount><mount-name>/dumped.mp3</mount-name><dump-file>%s/dump-%%Y.mp3</dump-file></mount>
  <mount><mount-name>/nodir.mp3</mount-name><dump-file>/nonexistent/dir/x.mp3</dump-file></mount>
""" % d)

with open(media("tone.mp3"), "rb") as f:
    data = f.read()[:300000]

src = RawSource(floe, "/dumped.mp3")
tap.ok(src.ok(), "source on a mount with dump-file accepted")
src.send(data)
src.close()
tap.ok(wait_for(lambda: stat_value(floe.stats(), "/dumped.mp3", "listeners") is None, 10),
       "the mount ends when the source leaves")
files = glob.glob(os.path.join(d, "dump-*.mp3"))
tap.is_eq([os.path.basename(f) for f in files], ["dump-%s.mp3" % time.strftime("%Y")],
          "the dump file name has its strftime pattern expanded")
dumped = open(files[0], "rb").read() if files else b""
tap.ok(dumped == data, "the dump holds exactly the bytes the source sent (%d of %d)"
       % (len(dumped), len(data)))

# Chunked PUT: the dump holds the decoded payload, not the chunk framing.
src = RawSource(floe, "/dumped.mp3", method="PUT", version="1.1",
                extra_headers={"Transfer-Encoding": "chunked"})
payload = data[:50000]
body = b"".join(b"%x\r\n%s\r\n" % (len(payload[i:i + 777]), payload[i:i + 777])
                for i in range(0, len(payload), 777)) + b"0\r\n\r\n"
src.send(body)
src.close()
wait_for(lambda: stat_value(floe.stats(), "/dumped.mp3", "listeners") is None, 10)
dumped2 = open(files[0], "rb").read() if files else b""
tap.ok(dumped2 == data + payload, "a chunked source's dump is appended, de-chunked")

src = RawSource(floe, "/nodir.mp3")
tap.ok(src.ok(), "a dump-file that cannot be opened does not refuse the source")
lis = Listener(floe, "/nodir.mp3")
lis.head()
src.send(data[:100000])
lis.wait_bytes(90000)
tap.ok(contiguous_in(lis.body(), data), "and its listeners still get the stream")
tap.ok("cannot open dump-file /nonexistent/dir/x.mp3" in floe.read_log(),
       "the error log names the dump-file that failed")
# A source that sends and leaves at once: its listeners still get every
# byte (the last ones were waiting for the write interval), then EOF.
src = RawSource(floe, "/bye.mp3")
lis2 = Listener(floe, "/bye.mp3")
lis2.head()
tail = data[:120000]
for i in range(0, len(tail), 4000):
    src.send(tail[i:i + 4000])
src.close()
for l in (lis2,):
    tap.ok(wait_for(lambda: l.closed, 10), "listener closed cleanly after the source left")
    tap.ok(l.body() == tail, "it got every byte the source sent before leaving (%d of %d)"
           % (len(l.body()), len(tail)))
tap.is_eq(floe.stop(), 0, "floe exits 0")
