#!/usr/bin/env python3
"""source.py: a paced source for the fan-out bench, the same for floe and icecast2.

Pushes an MP3 file (looped) to one or more mounts with SOURCE and HTTP Basic
auth, one MPEG frame per write as an encoder does, each frame written when
real time makes it due on the monotonic clock: byte b goes out at
t0 + b / rate, rate = bitrate / 8. Every mount gets the same bytes at the same
moment. An optional preroll sends the first seconds at once, so a mount's
queue is full before listeners arrive.

--log FILE records "mono_ns offset_end" per write (first mount), the timeline
swarm's latency probes are timed against; --ready-file is created once every
mount is connected and the preroll is out. --make FILE generates the test MP3
(pink noise, so no two frames are alike, which the latency probes rely on).

Bounded: stops after --duration seconds, on SIGTERM/SIGINT, or if a server
stops reading for --send-timeout seconds (then exits 1).
"""
import argparse
import base64
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

BITRATES_V1_L3 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0]
RATES_V1 = [44100, 48000, 32000, 0]


def make_mp3(path, seconds, kbps):
    """Generate a CBR MPEG-1 Layer III file with no ID3 or Xing header."""
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i",
         "anoisesrc=d=%d:c=pink:r=44100:a=0.25:s=7" % seconds,
         "-ac", "2", "-c:a", "libmp3lame", "-b:a", "%dk" % kbps,
         "-write_xing", "0", "-id3v2_version", "0", "-f", "mp3", path],
        check=True)


def frames(data):
    """Split MPEG-1 Layer III data into frames; returns (offset, length) pairs."""
    out = []
    i, n = 0, len(data)
    while i + 4 <= n:
        h = data[i:i + 4]
        if h[0] == 0xFF and (h[1] & 0xFE) == 0xFA:
            br = BITRATES_V1_L3[h[2] >> 4] * 1000
            sr = RATES_V1[(h[2] >> 2) & 3]
            if br and sr:
                ln = 144 * br // sr + ((h[2] >> 1) & 1)
                if i + ln <= n:
                    out.append((i, ln))
                i += ln
                continue
        i += 1
    return out


class Stop(Exception):
    pass


def connect(args, mount):
    """Open a SOURCE connection and wait for the server's 200."""
    s = socket.create_connection((args.host, args.port), timeout=10)
    auth = base64.b64encode(("%s:%s" % (args.user, args.password)).encode()).decode()
    req = ("SOURCE %s HTTP/1.0\r\n"
           "Host: %s:%d\r\n"
           "Authorization: Basic %s\r\n"
           "User-Agent: floe-bench-source/1\r\n"
           "Content-Type: audio/mpeg\r\n"
           "ice-name: bench\r\n"
           "ice-public: 0\r\n"
           "ice-bitrate: %d\r\n\r\n" % (mount, args.host, args.port, auth, args.bitrate))
    s.sendall(req.encode())
    resp = b""
    while b"\r\n\r\n" not in resp and len(resp) < 8192:
        chunk = s.recv(4096)
        if not chunk:
            break
        resp += chunk
    status = resp.split(b"\r\n", 1)[0]
    if b" 200" not in status:
        raise SystemExit("source: %s refused: %r" % (mount, status))
    s.settimeout(args.send_timeout)
    return s


def titles(args, mounts, stop):
    """Change every mount's title every --title-every seconds (admin API)."""
    auth = base64.b64encode(("%s:%s" % (args.admin_user, args.admin_password)).encode()).decode()
    n = 0
    while not stop.wait(args.title_every):
        n += 1
        for m in mounts:
            q = urllib.parse.urlencode({"mode": "updinfo", "mount": m,
                                        "song": "Bench - title %d" % n})
            req = urllib.request.Request("http://%s:%d/admin/metadata?%s" % (args.host, args.port, q),
                                         headers={"Authorization": "Basic " + auth})
            try:
                urllib.request.urlopen(req, timeout=5).read()
            except Exception as e:  # a title is not worth stopping the bench for
                print("source: title update on %s: %s" % (m, e), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8000)
    ap.add_argument("--mount", default="/bench.mp3", help="mount, or a pattern with %%d")
    ap.add_argument("--mounts", type=int, default=1)
    ap.add_argument("--user", default="source")
    ap.add_argument("--password", default="hackme")
    ap.add_argument("--admin-user", default="admin")
    ap.add_argument("--admin-password", default="hackme")
    ap.add_argument("--file", help="MP3 to loop (CBR MPEG-1 Layer III)")
    ap.add_argument("--make", metavar="FILE", help="generate the test MP3 and exit")
    ap.add_argument("--make-seconds", type=int, default=120)
    ap.add_argument("--bitrate", type=int, default=128, help="kbps: the pace")
    ap.add_argument("--preroll", type=float, default=0, help="seconds sent at once")
    ap.add_argument("--frames-per-write", type=int, default=1)
    ap.add_argument("--duration", type=float, default=3600)
    ap.add_argument("--send-timeout", type=float, default=10)
    ap.add_argument("--title-every", type=float, default=0, help="seconds; 0 never")
    ap.add_argument("--log", help="write 'mono_ns offset_end' per write (first mount)")
    ap.add_argument("--ready-file")
    args = ap.parse_args()

    if args.make:
        make_mp3(args.make, args.make_seconds, args.bitrate)
        return 0
    if not args.file:
        ap.error("--file or --make is required")
    with open(args.file, "rb") as f:
        data = f.read()
    fr = frames(data)
    if len(fr) < 10:
        raise SystemExit("source: %s has no MPEG-1 Layer III frames" % args.file)
    start = fr[0][0]
    data = data[start:fr[-1][0] + fr[-1][1]]  # whole frames only: loops stay framed
    fr = [(o - start, n) for o, n in fr]
    k = max(1, args.frames_per_write)
    writes = [(fr[i][0], sum(n for _, n in fr[i:i + k])) for i in range(0, len(fr), k)]
    rate = args.bitrate * 1000 / 8

    if args.mounts > 1 and "%d" not in args.mount:
        ap.error("--mounts needs a --mount pattern with %d")
    mounts = [args.mount.replace("%d", str(i)) for i in range(args.mounts)] \
        if args.mounts > 1 else [args.mount]

    stop = threading.Event()

    def on_signal(sig, frame):
        stop.set()
        raise Stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    socks = []
    lines = []
    log = open(args.log, "w") if args.log else None
    try:
        socks = [connect(args, m) for m in mounts]
        if args.title_every > 0:
            threading.Thread(target=titles, args=(args, mounts, stop), daemon=True).start()
        t0 = time.monotonic_ns()
        end = t0 + int(args.duration * 1e9)
        preroll = int(args.preroll * rate)
        sent = 0                # stream bytes written so far
        w = 0                   # next write, index into writes (looped)
        last_flush = t0
        ready = False
        while True:
            off, n = writes[w]
            due = t0 + int((sent + n - preroll) * 1e9 / rate)
            now = time.monotonic_ns()
            if due > now:
                if not ready:
                    ready = True
                    if args.ready_file:
                        open(args.ready_file, "w").close()
                time.sleep((due - now) / 1e9)
            if now > end:
                break
            chunk = data[off:off + n]
            socks[0].sendall(chunk)
            t_sent = time.monotonic_ns()
            for s in socks[1:]:
                s.sendall(chunk)
            sent += n
            if log:
                lines.append("%d %d\n" % (t_sent, sent))
                if now - last_flush > 1e9:
                    log.write("".join(lines))
                    log.flush()
                    lines = []
                    last_flush = now
            w = (w + 1) % len(writes)
    except Stop:
        pass
    except (socket.timeout, OSError) as e:
        print("source: %s" % e, file=sys.stderr)
        return 1
    finally:
        stop.set()
        if log:
            log.write("".join(lines))
            log.close()
        for s in socks:
            s.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
