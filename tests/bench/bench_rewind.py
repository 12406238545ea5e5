#!/usr/bin/env python3
"""bench_rewind.py: what the rewind buffer and HLS cost.

1. Memory per hour of rewind: floe (server/floe, or $FLOE) with a mount
   keeping <rewind>7200 is sent --hours of 128 kbit/s MP3 at network speed
   (the buffer is bounded by time and bytes, not by how fast audio comes);
   the growth of floe's RSS is compared with the audio it holds.
2. CPU per listener-second, --players HLS players (each fetching its
   session's playlist every 4 s, a segment's length, and every new segment once, as hls.js
   does) against as many ICY listeners reading the same 128 kbit/s mount,
   over --seconds of steady state each, from /proc/PID/stat.

Nothing here passes or fails; the numbers are for docs/performance.md.

    tests/bench/bench_rewind.py                    # 1 hour; 300 players, 30 s
    tests/bench/bench_rewind.py --hours 2 --players 1000
"""
import argparse
import asyncio
import os
import re
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
os.environ.setdefault("FLOE", os.path.join(HERE, "..", "..", "server", "floe"))
from floelib import (ADMIN_PASS, Feeder, Floe, RawSource, media, stat_value,  # noqa: E402
                     wait_for, wait_mount)

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--hours", type=float, default=1.0)
ap.add_argument("--players", type=int, default=300)
ap.add_argument("--seconds", type=float, default=30)
args = ap.parse_args()
RATE = 16000
TICK = os.sysconf("SC_CLK_TCK")


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def cpu_s(pid):
    with open("/proc/%d/stat" % pid) as f:
        v = f.read().rsplit(")", 1)[1].split()
    return (int(v[11]) + int(v[12])) / TICK


with open(media("tone.mp3"), "rb") as f:
    MP3 = f.read()

# ---- 1. memory per hour
floe = Floe(mounts="<mount><mount-name>/r.mp3</mount-name><rewind>7200</rewind>"
                   "<rewind-size>2000m</rewind-size></mount>", sources=5)
src = RawSource(floe, "/r.mp3")
src.send(MP3[:65536])
wait_mount(floe, "/r.mp3")
time.sleep(1)
rss0 = rss_kb(floe.proc.pid)
total = int(args.hours * 3600 * RATE)
sent = 65536
chunk = MP3 * 8
while sent < total:
    n = min(len(chunk), total - sent)
    src.send(chunk[:n])
    sent += n


def held():
    st, _, body = floe.get("/admin/stats", auth=("admin", ADMIN_PASS))
    v = stat_value(body, "/r.mp3", "rewind_bytes")
    return int(v) if v else 0


wait_for(lambda: held() >= total - 65536, 120)
time.sleep(1)
rss1 = rss_kb(floe.proc.pid)
audio = held()
print("rewind: %.2f h of 128 kbit/s (%d bytes of audio held): RSS +%d KB, %.1f%% over the "
      "audio (%.1f MB per hour)" % (audio / RATE / 3600, audio, rss1 - rss0,
                                    ((rss1 - rss0) * 1024 / audio - 1) * 100,
                                    (rss1 - rss0) / 1024 / (audio / RATE / 3600)))
src.close()
floe.stop()

# ---- 2. HLS players against ICY listeners
floe = Floe(mounts="<mount><mount-name>/h.mp3</mount-name><hls>1</hls>"
                   "<hls-segment-seconds>4</hls-segment-seconds></mount>",
            clients=args.players * 2 + 100, sources=5)
src = RawSource(floe, "/h.mp3")
feed = Feeder(src, MP3, RATE, loop=True)
wait_mount(floe, "/h.mp3")
wait_for(lambda: floe.get("/h.mp3.m3u8?s=00000000000000aa")[2].count(b".ts") >= 4, 60)


async def http_get(path):
    r, w = await asyncio.open_connection("127.0.0.1", floe.port)
    w.write(("GET %s HTTP/1.0\r\nHost: x\r\n\r\n" % path).encode())
    await w.drain()
    data = await r.read()
    w.close()
    return data


async def hls_player(i, until, stats):
    sid = "%016x" % (0xb000000000000000 + i)
    seen = set()
    while time.monotonic() < until:
        body = await http_get("/h.mp3.m3u8?s=" + sid)
        for seg in re.findall(rb"^(\S+\.ts\S*)$", body, re.M):
            if seg not in seen:
                seen.add(seg)
                got = await http_get("/" + seg.decode())
                stats[0] += len(got)       # after the await: no lost update
        await asyncio.sleep(4)     # hls.js reloads a live playlist about every target duration


async def icy_listener(until, stats):
    r, w = await asyncio.open_connection("127.0.0.1", floe.port)
    w.write(b"GET /h.mp3 HTTP/1.0\r\nHost: x\r\n\r\n")
    await w.drain()
    while time.monotonic() < until:
        d = await r.read(65536)
        if not d:
            break
        stats[0] += len(d)
    w.close()


async def run(kind):
    stats = [0]
    until = time.monotonic() + args.seconds + 5
    if kind == "hls":
        tasks = [hls_player(i, until, stats) for i in range(args.players)]
    else:
        tasks = [icy_listener(until, stats) for _ in range(args.players)]
    t = asyncio.gather(*tasks)
    await asyncio.sleep(5)          # everyone in
    c0, b0 = cpu_s(floe.proc.pid), stats[0]
    await asyncio.sleep(args.seconds)
    c1, b1 = cpu_s(floe.proc.pid), stats[0]
    await t
    return c1 - c0, b1 - b0


for kind in ("icy", "hls"):
    cpu, got = asyncio.run(run(kind))
    print("%s: %d %s for %.0f s: floe %.2f CPU-s, %.1f us per listener-second, %.0f%% of "
          "the bitrate received" % (kind, args.players, "players" if kind == "hls" else
                                    "listeners", args.seconds, cpu,
                                    cpu * 1e6 / (args.players * args.seconds),
                                    got / (args.players * args.seconds * RATE) * 100))
feed.stop()
floe.stop()
