#!/usr/bin/env python3
"""bench_auth_url.py: how long N listeners arriving at once wait for URL
authentication, against a backend that takes --delay seconds per answer.

Starts floe (server/floe, or $FLOE) with one mount guarded by
<authentication type="url">, the test backend (tests/integration/
auth_backend.py, Python's threaded http.server) answering listener_add
after --delay, a paced 128 kbps source, and one listener already
connected. Then N raw-socket listeners (asyncio, one process) connect at
the same moment, each sending its GET with Basic credentials and reading
the response head. Prints the time from the start until each was
answered (p50, p90, p99, max, all), how many got 200, and whether the
listener already connected kept receiving the source's bytes without a
gap (bytes it received during the run against what the source sent).

Nothing here passes or fails on timing; the numbers are for
docs/performance.md and the report of the change that added URL auth.

    tests/bench/bench_auth_url.py                      # 1,000 listeners, 200 ms backend
    tests/bench/bench_auth_url.py --listeners 5000 --delay 0.5 --runs 3
"""
import argparse
import asyncio
import atexit
import base64
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
os.environ.setdefault("FLOE", os.path.join(HERE, "..", "..", "server", "floe"))

import floelib  # noqa: E402
from auth_backend import Backend  # noqa: E402
from floelib import Floe, Listener, LoopFeeder, RawSource, mp3_frames, tmpdir, wait_mount  # noqa: E402

RATE = 16000    # the source's bytes per second (128 kbps)

# floelib prints a TAP plan at exit; a bench has none, only its cleanup.
atexit.unregister(floelib.tap._done)
atexit.register(floelib.cleanup)


def basic(user, pw):
    return "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()


async def one(port, i, t0, out):
    """One listener: connect, ask, note when the answer's head arrived."""
    try:
        r, w = await asyncio.open_connection("127.0.0.1", port)
        w.write(("GET /bench.mp3 HTTP/1.0\r\nAuthorization: %s\r\n\r\n" %
                 basic("u%d" % i, "p")).encode())
        await w.drain()
        head = await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 120)
        out[i] = (int(head.split()[1]), time.monotonic() - t0)
        w.close()
    except Exception as e:      # noqa: BLE001 (counted as not answered)
        out[i] = (repr(e), time.monotonic() - t0)


async def swarm(port, n):
    out = [None] * n
    t0 = time.monotonic()
    await asyncio.gather(*(one(port, i, t0, out) for i in range(n)))
    return out


def pct(sorted_vals, p):
    return sorted_vals[min(len(sorted_vals) - 1, int(round(p / 100.0 * (len(sorted_vals) - 1))))]


def run_once(args, backend, data):
    floe = Floe(mounts='<mount><mount-name>/bench.mp3</mount-name><authentication type="url">'
                '<option name="listener_add" value="%s"/><option name="timeout" value="60"/>'
                '</authentication></mount>' % backend.url("/slow"),
                clients=args.listeners + 100,
                limits_extra="<workers>%d</workers>" % args.workers if args.workers else "")
    src = RawSource(floe, "/bench.mp3")
    feeder = LoopFeeder(src, data, RATE)
    wait_mount(floe, "/bench.mp3")
    watch = Listener(floe, "/bench.mp3", extra={"Authorization": basic("watcher", "pw")})
    watch.wait_bytes(RATE)
    w0, s0, t0 = len(watch.body()), len(src.sent), time.monotonic()
    out = asyncio.run(swarm(floe.port, args.listeners))
    elapsed = time.monotonic() - t0
    time.sleep(1.0)
    w1, s1 = len(watch.body()), len(src.sent)
    closed = watch.closed
    watch.close()
    feeder.stop()
    src.close()
    floe.stop()
    times = sorted(t for st, t in out if st == 200)
    return dict(answered=len(times), elapsed=elapsed, times=times,
                watcher=(w1 - w0, s1 - s0), watcher_closed=closed,
                others=sorted(set(str(st) for st, _ in out if st != 200))[:5])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--listeners", type=int, default=1000)
    ap.add_argument("--delay", type=float, default=0.2, help="backend answer delay, seconds")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--workers", type=int, default=0, help="floe <workers> (0: default)")
    args = ap.parse_args()

    path = os.path.join(tmpdir(), "bench.mp3")
    floelib.subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                            "-i", "anoisesrc=d=20:c=pink:r=44100:a=0.25:s=7", "-ac", "2",
                            "-c:a", "libmp3lame", "-b:a", "128k", "-write_xing", "0",
                            "-id3v2_version", "0", "-f", "mp3", path], check=True)
    data = mp3_frames(path)
    backend = Backend(delay=args.delay)
    print("%d listeners at once, backend answers in %.0f ms" % (args.listeners, args.delay * 1000))
    print("%-4s %8s %8s %8s %8s %8s %9s  %s" % ("run", "answered", "p50 ms", "p90 ms", "p99 ms",
                                               "max ms", "all ms", "connected listener: got/sent"))
    for run in range(1, args.runs + 1):
        r = run_once(args, backend, data)
        t = r["times"] or [float("nan")]
        got, sent = r["watcher"]
        print("%-4d %8d %8.0f %8.0f %8.0f %8.0f %9.0f  %d/%d bytes%s" % (
            run, r["answered"], pct(t, 50) * 1000, pct(t, 90) * 1000, pct(t, 99) * 1000,
            t[-1] * 1000, r["elapsed"] * 1000, got, sent,
            " (it was closed!)" if r["watcher_closed"] else ""))
        if r["others"]:
            print("     not answered 200: %s" % ", ".join(r["others"]))
        if len(r["times"]) > 1:
            print("     mean %.0f ms, stdev %.0f ms" % (statistics.mean(t) * 1000,
                                                      statistics.pstdev(t) * 1000))
    backend.stop()


if __name__ == "__main__":
    main()
