#!/usr/bin/env python3
"""WebM/Matroska streams: the EBML header and the Segment's header
elements (Info, Tracks) are kept and sent first to a listener who joins
late, who then starts on a Cluster, so it decodes (`ffmpeg -v error` says
nothing), for audio (Opus) and video (VP8) alike; a listener from the start
gets exactly the source's bytes; no ICY metadata is ever spliced in.
"""
import os
import subprocess

from floelib import Floe, Listener, LoopFeeder, RawSource, capture_errors, tap, tmpdir, wait_for

d = tmpdir()


def make(name, args):
    path = os.path.join(d, name)
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"] + args +
                   ["-f", "webm", "-live", "1", path], check=True)
    with open(path, "rb") as f:
        return f.read()


opus = make("opus.webm", ["-f", "lavfi", "-i", "sine=frequency=440:duration=20", "-c:a",
                          "libopus", "-b:a", "64k", "-cluster_time_limit", "1000"])
vp8 = make("vp8.webm", ["-f", "lavfi", "-i", "testsrc=size=160x120:rate=10:duration=20",
                        "-f", "lavfi", "-i", "sine=frequency=660:duration=20",
                        "-c:v", "libvpx", "-b:v", "100k", "-g", "10", "-c:a", "libopus",
                        "-b:a", "48k", "-cluster_time_limit", "1000"])
floe = Floe(burst_size=16384)
for mount, data, ctype, rate in (("/a.webm", opus, "audio/webm", 8000),
                                 ("/v.webm", vp8, "video/webm", 20000)):
    src = RawSource(floe, mount, content_type=ctype)
    tap.ok(src.ok(), "%s: the source is accepted as %s" % (mount, ctype), src.response)
    first = Listener(floe, mount, icy=True)
    st, hd = first.head()
    tap.ok(st == 200 and "icy-metaint" not in hd, "%s: no ICY metadata, even when asked" % mount)
    feed = LoopFeeder(src, data, rate)
    tap.ok(wait_for(lambda: len(first.body()) >= len(data) // 2, 60),
           "%s: a listener from the start gets the stream" % mount)
    tap.ok(data.startswith(first.body()[:len(data) // 2]),
           "%s: exactly the source's bytes" % mount)
    late = Listener(floe, mount)
    tap.ok(late.wait_bytes(len(data) // 4, 60), "%s: a listener joining late gets audio" % mount)
    body = late.body()
    tap.ok(body.startswith(data[:4]) and body[:len(body) // 2] != data[:len(body) // 2],
           "%s: it starts with the EBML header, then joins mid-stream" % mount)
    # the capture stops wherever the test stopped reading: end it where the
    # last Cluster begins, as a player that stopped there would have
    whole = body[:body.rfind(b"\x1f\x43\xb6\x75")]
    err = capture_errors(whole, d, "late" + mount.replace("/", "-"))
    tap.ok(not err, "%s: the late joiner's capture decodes cleanly" % mount, err)
    for x in (first, late):
        x.close()
    feed.stop()
    src.close()
tap.is_eq(floe.stop(), 0, "floe exits cleanly")
