#!/usr/bin/env python3
"""bench_takeover.py: how long listeners go without data when a new floe
process takes over (floe --takeover), against a restart.

For each count of listeners (--listeners, default 1000,4000): a floe with
two workers, a real-time 128 kbit/s MP3 source, that many listeners reading
on raw sockets (one in ten with ICY metadata) in one process. Then, --runs
times, a new floe process takes over; measured:

  freeze   the old process's freeze to the new one having taken up every
           connection (the new process logs it: "nothing was sent for")
  handoff  the old process's freeze to its exit (it logs it)
  gap      each listener's longest wait for data over the second around
           the takeover, against the same over a second without one (the
           write interval's turns: floe sends each listener four times a
           second by default)
  lost     listeners disconnected (should be 0)

Then a restart for comparison (SIGTERM, start again): every listener is
disconnected, and the port is closed for the time shown.

Nothing here passes or fails; the numbers are for docs/performance.md.

    tests/bench/bench_takeover.py
    tests/bench/bench_takeover.py --listeners 1000,4000,8000 --runs 5
"""
import argparse
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
os.environ.setdefault("FLOE", os.path.join(HERE, "..", "..", "server", "floe"))
from floelib import FLOE, Feeder, Floe, RawSource, media, spawn, wait_for, wait_mount  # noqa: E402

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--listeners", default="1000,4000")
ap.add_argument("--runs", type=int, default=3)
args = ap.parse_args()
RATE = 16000


class Readers:
    """Listeners that only read and note when data came."""

    def __init__(self, port, n):
        self.sel = selectors.DefaultSelector()
        self.socks, self.times, self.closed = [], [], 0
        self.stop = False
        for i in range(n):
            s = socket.create_connection(("127.0.0.1", port), 30)
            s.sendall(("GET /live.mp3 HTTP/1.0\r\n%s\r\n" % (
                "Icy-MetaData: 1\r\n" if i % 10 == 0 else "")).encode())
            s.setblocking(False)
            self.socks.append(s)
            self.times.append([])
            self.sel.register(s, selectors.EVENT_READ, i)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            for key, _ in self.sel.select(0.1):
                try:
                    d = key.fileobj.recv(262144)
                except BlockingIOError:
                    continue
                except OSError:
                    d = b""
                if not d:
                    self.closed += 1
                    self.sel.unregister(key.fileobj)
                    continue
                t = self.times[key.data]
                t.append(time.monotonic())
                if len(t) > 400:
                    del t[:200]

    def longest_wait(self, t0, t1):
        """Per listener, the longest time without data within [t0, t1]."""
        out = []
        for ts in self.times:
            ts = [t0] + [t for t in list(ts) if t0 < t < t1] + [t1]
            out.append(max(b - a for a, b in zip(ts, ts[1:])))
        return sorted(out)

    def close(self):
        self.stop = True
        self.thread.join(5)
        for s in self.socks:
            s.close()


def pct(v, p):
    return v[min(len(v) - 1, int(len(v) * p))]


def ms(x):
    return "%.0f" % (1000 * x)


def last_ms(log, pattern):
    m = re.findall(pattern, log)
    return int(m[-1]) if m else -1


print("%-9s %-4s %9s %9s %22s %22s %5s" % ("listeners", "run", "freeze ms", "handoff ms",
      "gap p50/p99/max ms", "normal p50/p99/max ms", "lost"))
with open(media("tone.mp3"), "rb") as f:
    MP3 = f.read()
for n in [int(x) for x in args.listeners.split(",")]:
    floe = Floe(mounts="<mount><mount-name>/live.mp3</mount-name></mount>", clients=n + 100,
                limits_extra="<workers>2</workers>")
    src = RawSource(floe, "/live.mp3")
    feeder = Feeder(src, MP3, RATE, loop=True)
    wait_mount(floe, "/live.mp3")
    rd = Readers(floe.port, n)
    wait_for(lambda: all(rd.times), 120, 0.5)
    time.sleep(2)
    for run in range(1, args.runs + 1):
        lost0 = rd.closed
        t0 = time.monotonic()
        new = spawn([FLOE, "--takeover", "-c", floe.config], stdout=floe.out,
                    stderr=subprocess.STDOUT)
        floe.proc.wait(120)
        floe.proc = new
        wait_for(lambda: "nothing was sent for" in floe.read_log().split("took up")[-1] or
                 floe.read_log().count("took up") >= run, 60)
        time.sleep(2)
        t1 = time.monotonic()
        log = floe.read_log()
        gap = rd.longest_wait(t0, t0 + 1.0)
        normal = rd.longest_wait(t1 - 1.0, t1)
        print("%-9d %-4d %9d %9d %22s %22s %5d" % (
            n, run, last_ms(log, r"nothing was sent for (\d+) ms"),
            last_ms(log, r"handed to process \d+ in (\d+) ms"),
            "/".join(ms(pct(gap, p)) for p in (0.5, 0.99, 1.0)),
            "/".join(ms(pct(normal, p)) for p in (0.5, 0.99, 1.0)), rd.closed - lost0),
            flush=True)
    # A restart, for comparison.
    t0 = time.monotonic()
    floe.proc.send_signal(signal.SIGTERM)
    floe.proc.wait(60)
    down = time.monotonic()
    lost = wait_for(lambda: rd.closed >= n, 30) and rd.closed
    floe.restart()
    print("%-9d restart: %d of %d listeners disconnected; the port was closed for %s ms "
          "(stop %s ms, start %s ms)" % (n, rd.closed, n, ms(time.monotonic() - down + (down - t0)),
                                           ms(down - t0), ms(time.monotonic() - down)), flush=True)
    rd.close()
    feeder.stop()
    floe.stop()
