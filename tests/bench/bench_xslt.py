#!/usr/bin/env python3
"""bench_xslt.py: what rendering icecast's status.xsl costs floe's main loop.

Starts floe (server/floe, or $FLOE) with Debian's stock webroot
(/usr/share/icecast2/web) and --mounts live mounts, then fetches
/status.xsl (libxslt against the public stats) and /status-json.xsl
(written natively) --requests times each, one after another, and prints
the mean time per request, client included. The difference is the
rendering. Nothing here passes or fails; the numbers are for docs/.

    tests/bench/bench_xslt.py                # 100 mounts, 200 requests each
    tests/bench/bench_xslt.py --mounts 500
"""
import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
os.environ.setdefault("FLOE", os.path.join(HERE, "..", "..", "server", "floe"))
from floelib import Floe, RawSource, wait_mount  # noqa: E402

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--mounts", type=int, default=100)
ap.add_argument("--requests", type=int, default=200)
args = ap.parse_args()

floe = Floe(sources=args.mounts + 10, clients=args.mounts * 2 + 50,
            webroot="/usr/share/icecast2/web")
srcs = []
for i in range(args.mounts):
    s = RawSource(floe, "/m%04d.mp3" % i)
    s.send(b"\xff\xfb\x90\x00" + bytes(413))
    srcs.append(s)
wait_mount(floe, "/m%04d.mp3" % (args.mounts - 1))
for path in ("/status.xsl", "/status-json.xsl"):
    st, hd, body = floe.get(path)
    assert st == 200, (path, st)
    t = time.perf_counter()
    for _ in range(args.requests):
        floe.get(path)
    ms = (time.perf_counter() - t) / args.requests * 1000
    print("%-17s %d mounts: %6.2f ms per request, %d bytes" % (path, args.mounts, ms, len(body)))
floe.stop()
