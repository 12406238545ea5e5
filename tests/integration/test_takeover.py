#!/usr/bin/env python3
"""floe --takeover and SIGUSR2: a new floe process takes every listening
socket, source and listener over from the running one, under load, and no
listener loses, repeats or misframes a byte.

A real source pushes MP3 (pink noise, so any 8 KiB of it occurs once) to a
floe with two workers; 1,000 listeners on raw sockets, one in ten asking for
ICY metadata, each check every byte they get against the source's bytes as
it arrives (ICY blocks taken out and parsed on the way). Then:

  - `floe --takeover -c FILE` (a new process): the old one exits 0, the
    new one writes the pid file; the source keeps pushing on the same TCP
    connection and every listener keeps receiving exactly the source's
    next bytes (nobody reconnects: one socket each, checked); a title set
    on the new process reaches every ICY listener; /admin/stats counts the
    same 1,000 listeners and the rewind buffer came along (a listener
    asking for audio from before the hand-off gets it);
  - a takeover that fails (a process that speaks the protocol, takes part
    of the state and dies) leaves the running floe serving: the same
    listeners go on, and new connections are accepted again;
  - SIGUSR2: the running floe starts its own binary with --takeover, which
    takes over in turn;
  - a relayed mount's edge is taken over (its upstream connection cannot
    move: the new process connects again, and its listeners hear one
    contiguous run);
  - ffmpeg pushing Ogg Vorbis: its connection goes on, and a listener's
    capture across the hand-off has the headers once and decodes cleanly.

How long listeners got nothing across each hand-off is printed (tests/bench
measures it: bench_takeover.py); it is never a pass/fail criterion.
"""
import atexit
import os
import selectors
import signal
import socket
import subprocess
import threading
import time

from floelib import (FLOE, Floe, Listener, RawSource, Feeder, capture_errors, ffmpeg_push, media,
                     mp3_frames, read_text, spawn, stat_value, tap, tmpdir, wait_for, wait_mount)

# 1,000 listeners (scripts/sanitize asks for fewer: races show with 200,
# and 1,000 under two sanitizers side by side cost CI a minute)
N = int(os.environ.get("FLOE_TAKEOVER_LISTENERS", "1000"))
ICY_EVERY = 10      # one in ten asks for ICY metadata
METAINT = 8192
RATE = 24000        # 128 kbit/s at 1.5 x real time: quick, and still paced
FIND = 8192         # audio bytes a listener needs to know where it is in the source
MOUNTS = """<mount><mount-name>/live.mp3</mount-name><icy-metadata-interval>%d</icy-metadata-interval>
  <rewind>60</rewind><hls>1</hls><hls-segment-seconds>2</hls-segment-seconds></mount>""" % METAINT
SID = "0123456789abcdef"    # an HLS player's session


def noise_mp3(seconds):
    """MP3 frames of pink noise: no 8 KiB run of it occurs twice."""
    path = os.path.join(tmpdir(), "noise.mp3")
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "anoisesrc=d=%d:c=pink:r=44100:a=0.3" % seconds, "-ac", "2", "-b:a", "128k",
                    "-f", "mp3", path], check=True)
    return mp3_frames(path)


class Swarm:
    """N listeners on raw non-blocking sockets, served by one thread, each
    checking what it gets against the source's bytes (data, sent in a loop)
    as it arrives: the first FIND audio bytes say where it is, every byte
    after must be the next one. ICY blocks are taken out on the way; a block
    that does not parse, or audio that is not the next, is a failure kept
    with the listener."""

    def __init__(self, port, mount, n, data):
        self.data, self.n = data, n
        self.twice = data + data        # a run may wrap around the loop
        self.sel = selectors.DefaultSelector()
        self.ls = []
        self.lock = threading.Lock()
        self.stop = False
        for i in range(n):
            s = socket.create_connection(("127.0.0.1", port), 10)
            icy = i % ICY_EVERY == 0
            s.sendall(("GET %s HTTP/1.0\r\nHost: x\r\nUser-Agent: swarm\r\n%s\r\n" % (
                mount, "Icy-MetaData: 1\r\n" if icy else "")).encode())
            s.setblocking(False)
            l = dict(sock=s, icy=icy, head=b"", metaint=0, left=0, meta=None, audio=0,
                     pending=b"", off=None, fail=None, closed=False, titles=[], last=0.0,
                     gaps=[])
            self.ls.append(l)
            self.sel.register(s, selectors.EVENT_READ, l)
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            for key, _ in self.sel.select(0.2):
                l = key.data
                try:
                    d = l["sock"].recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    d = b""
                if not d:
                    l["closed"] = True
                    self.sel.unregister(l["sock"])
                    continue
                now = time.monotonic()
                if l["last"]:
                    l["gaps"].append((now - l["last"], l["last"]))
                    if len(l["gaps"]) > 4096:
                        del l["gaps"][:2048]
                l["last"] = now
                with self.lock:
                    self._take(l, d)

    def _take(self, l, d):
        if l["fail"]:
            return
        if l["metaint"] == 0 and l["head"] is not None:
            l["head"] += d
            if b"\r\n\r\n" not in l["head"]:
                return
            head, _, d = l["head"].partition(b"\r\n\r\n")
            if not head.startswith(b"HTTP/1.0 200"):
                l["fail"] = "answered %r" % head[:40]
                return
            mi = [x for x in head.split(b"\r\n") if x.lower().startswith(b"icy-metaint:")]
            l["metaint"] = int(mi[0].split(b":")[1]) if mi else -1
            l["left"] = l["metaint"]
            l["head"] = None
        if l["metaint"] < 0:
            self._audio(l, d)
            return
        i = 0
        while i < len(d):
            if l["meta"] is not None:           # inside a metadata block
                want = l["meta"][0] - len(l["meta"][1])
                l["meta"][1] += d[i:i + want]
                i += want
                if len(l["meta"][1]) == l["meta"][0]:
                    text = bytes(l["meta"][1]).rstrip(b"\0")
                    if not text.startswith(b"StreamTitle='"):
                        l["fail"] = "bad ICY block %r" % text[:60]
                        return
                    l["titles"].append(text.decode("utf-8", "replace"))
                    l["meta"] = None
                    l["left"] = l["metaint"]
                continue
            if l["left"] == 0:                  # the length byte
                n = d[i] * 16
                i += 1
                if n:
                    l["meta"] = [n, bytearray()]
                else:
                    l["left"] = l["metaint"]
                continue
            k = min(l["left"], len(d) - i)
            self._audio(l, d[i:i + k])
            l["left"] -= k
            i += k

    def _audio(self, l, d):
        l["audio"] += len(d)
        if l["off"] is None:
            l["pending"] += d
            if len(l["pending"]) < FIND:
                return
            at = self.data.find(l["pending"][:FIND])
            if at < 0:
                l["fail"] = "its first bytes are not the source's"
                return
            l["off"], d, l["pending"] = at, l["pending"], b""
        o = l["off"] % len(self.data)
        if self.twice[o:o + len(d)] != d:
            l["fail"] = "byte %d is not the source's next" % l["audio"]
            return
        l["off"] += len(d)

    def audio(self):
        with self.lock:
            return [l["audio"] for l in self.ls]

    def failures(self):
        return [(i, l["fail"]) for i, l in enumerate(self.ls) if l["fail"]]

    def closed(self):
        return [i for i, l in enumerate(self.ls) if l["closed"]]

    def all_past(self, counts, more):
        """Has every listener got `more` audio bytes past counts[i] (or failed)?"""
        now = self.audio()
        return all(now[i] >= counts[i] + more or self.ls[i]["fail"] or self.ls[i]["closed"]
                   for i in range(self.n))

    def gap_across(self, t):
        """Each listener's longest wait for data that spans time t (seconds)."""
        out = []
        for l in self.ls:
            spans = [g for g, start in list(l["gaps"]) if start <= t <= start + g]
            out.append(max(spans) if spans else 0.0)
        return out

    def close(self):
        self.stop = True
        self.thread.join(5)
        for l in self.ls:
            l["sock"].close()


def pid_of(floe):
    try:
        return int(read_text(os.path.join(floe.logdir, "floe.pid")).strip())
    except ValueError:
        return None


def alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return os.path.exists("/proc/%d" % pid) and \
        " Z " not in read_text("/proc/%d/stat" % pid).split(")")[-1][:4]


def spread(gaps):
    gaps = sorted(gaps)
    return "p50 %.0f ms, p99 %.0f ms, max %.0f ms" % (
        1000 * gaps[len(gaps) // 2], 1000 * gaps[int(len(gaps) * 0.99)], 1000 * gaps[-1])


def ok_flow(sw, counts, what):
    """Every listener gets 3 s more of the source's exact bytes, none leaves."""
    tap.ok(wait_for(lambda: sw.all_past(counts, 3 * 16000), 60, 0.2),
           "%s: every listener receives 3 s more audio" % what)
    tap.is_eq(sw.failures()[:3], [], "%s: every byte each listener got is the source's next "
              "(ICY framing parsed throughout)" % what)
    tap.is_eq(sw.closed()[:3], [], "%s: no listener was disconnected" % what)


def fake_takeover(path):
    """A new process that dies mid-way: speaks the protocol, reads the start
    of the state, closes."""
    s = socket.socket(socket.AF_UNIX)
    s.connect(path)
    s.sendall(b"FLOE-TAKEOVER 1 999999 test\n")
    s.settimeout(30)
    got = b""
    while len(got) < 64:
        d = s.recv(64)
        if not d:
            break
        got += d
    s.close()
    return got


def take_over(floe):
    """Start `floe --takeover` on floe's config; the exit status of the
    process it replaces (None if it did not exit within a minute). floe's
    process is the new one from then on."""
    new = spawn([FLOE, "--takeover", "-c", floe.config], stdout=floe.out,
                stderr=subprocess.STDOUT)
    old = floe.proc
    try:
        rc = old.wait(60)
    except subprocess.TimeoutExpired:
        rc = None
    floe.proc = new
    return rc


def relayed(data):
    """A relay's mount (its upstream is curl's, so the new process connects
    again): its listeners hear one contiguous run across the hand-off, what
    the upstream's burst repeats dropped, as after a blip."""
    master = Floe(mounts=MOUNTS)
    src = RawSource(master, "/live.mp3")
    feeder = Feeder(src, data, RATE, loop=True)
    wait_mount(master, "/live.mp3")
    edge = Floe(mounts="<relay><server>127.0.0.1</server><port>%d</port><mount>/live.mp3</mount>"
                "<local-mount>/relayed.mp3</local-mount></relay>" % master.port)
    tap.ok(wait_mount(edge, "/relayed.mp3", 30), "relay: the edge relays the master's mount")
    sw = Swarm(edge.port, "/relayed.mp3", 20, data)
    tap.ok(wait_for(lambda: sw.all_past([0] * 20, 2 * FIND), 60, 0.2),
           "relay: 20 listeners of the edge receive audio")
    counts = sw.audio()
    tap.is_eq(take_over(edge), 0, "relay: the edge's old process hands over and exits")
    ok_flow(sw, counts, "relay: after the edge's takeover")
    log = edge.read_log()
    tap.ok("relay /relayed.mp3: handed over" in log and "fed again" in log,
           "relay: the new process held the relayed mount and its listeners and fed it "
           "again from a new upstream connection", log[-1500:])
    sw.close()
    feeder.stop()
    src.close()
    tap.is_eq(edge.stop(), 0, "relay: the edge's new process stops cleanly")
    master.stop()


def ogg_by_ffmpeg():
    """A real source client, ffmpeg, pushing Ogg Vorbis: its TCP connection
    goes on in the new process, and a listener's capture across the
    hand-off is one Ogg stream (headers once, pages in order) that decodes
    without an error."""
    f = Floe()
    ff = ffmpeg_push(f, media("tone.ogg"), "/tone.ogg", loop=True)
    tap.ok(wait_mount(f, "/tone.ogg", 20), "ogg: ffmpeg pushes Ogg Vorbis")
    l = Listener(f, "/tone.ogg")
    l.wait_bytes(30000)
    n = len(l.body())
    tap.is_eq(take_over(f), 0, "ogg: the old process hands over and exits")
    tap.ok(l.wait_bytes(n + 40000) and not l.closed, "ogg: the listener goes on receiving")
    tap.ok(ff.poll() is None, "ogg: ffmpeg is still connected (it never saw its connection go)")
    body = l.body()
    tap.is_eq(body.count(b"\x01vorbis"), 1, "ogg: the Vorbis headers came once, not again")
    tap.is_eq(capture_errors(body, f.dir, "capture.ogg"), "",
              "ogg: the capture across the hand-off decodes without an error")
    l.close()
    ff.terminate()
    ff.wait(10)
    tap.is_eq(f.stop(), 0, "ogg: the new process stops cleanly")


def main():
    data = noise_mp3(90)
    f = Floe(mounts=MOUNTS, clients=N + 100, limits_extra="<workers>2</workers>")
    src = RawSource(f, "/live.mp3")
    tap.ok(src.ok(), "source accepted", src.response)
    feeder = Feeder(src, data, RATE, loop=True)
    tap.ok(wait_mount(f, "/live.mp3"), "mount is live")
    f.metadata("/live.mp3", song="Before the handover")
    sw = Swarm(f.port, "/live.mp3", N, data)
    tap.ok(wait_for(lambda: sw.all_past([0] * N, 2 * FIND), 90, 0.2),
           "%d listeners (%d with ICY) receive audio"
           % (N, (N + ICY_EVERY - 1) // ICY_EVERY))
    tap.is_eq(sw.failures()[:3], [], "before: every listener has the source's bytes")
    first = pid_of(f)
    # Some history for the rewind check: 6 s of audio in (an event: bytes sent).
    tap.ok(wait_for(lambda: len(src.sent) >= 6 * RATE, 60), "6 s of audio sent")
    # An HLS player's session (playlist and a segment fetched).
    tap.ok(wait_for(lambda: b".ts" in f.get("/live.mp3.m3u8?s=" + SID)[2], 60),
           "an HLS player's playlist lists segments")
    seg = [x for x in f.get("/live.mp3.m3u8?s=" + SID)[2].decode().split("\n") if ".ts" in x]
    f.get("/" + seg[0])
    stats = f.stats()
    before = (stat_value(stats, "/live.mp3", "listeners"),
              stat_value(stats, "/live.mp3", "hls_sessions"))
    tap.is_eq(before[1], "1", "one HLS session before the handover")

    # 1. floe --takeover
    counts = sw.audio()
    t0 = time.monotonic()
    live_t0 = len(src.sent) % len(data)
    rc = take_over(f)
    new = f.proc
    tap.is_eq(rc, 0, "the old process exits 0 once it has handed over")
    tap.ok(new.poll() is None and wait_for(lambda: pid_of(f) == new.pid, 10),
           "the new process runs and wrote the pid file", f.log())
    ok_flow(sw, counts, "floe --takeover")
    tap.ok(feeder.is_alive(), "the source kept pushing on its connection (never refused)")
    tap.diag("longest wait for data per listener, across the takeover: " +
             spread(sw.gap_across(t0 + 0.005)) + "; a second before it: " +
             spread(sw.gap_across(t0 - 1)) + " (the write interval's turns)")
    log = f.read_log()
    tap.ok("took up 1 mounts, 1 sources, %d listeners" % N in log,
           "the new process took up the mount, the source and every listener",
           log[-2000:])
    stats = f.stats()
    tap.is_eq((stat_value(stats, "/live.mp3", "listeners"),
               stat_value(stats, "/live.mp3", "hls_sessions")), before,
              "/admin/stats of the new process counts the same listeners and HLS session "
              "(before any player asked it anything)")
    st, _, body = f.get("/admin/listclients?mount=/live.mp3", auth=("admin", "hackme"))
    tap.ok(b'id="hls-' + SID.encode() in body, "listclients lists the HLS player's session")
    f.metadata("/live.mp3", song="After the handover")
    icy = [l for l in sw.ls if l["icy"]]
    tap.ok(wait_for(lambda: all(any("After the handover" in t for t in l["titles"]) for l in icy),
                    30, 0.2), "a title set on the new process reaches every ICY listener")
    tap.ok(all(any("Before the handover" in t for t in l["titles"]) for l in icy),
           "(they had the old title before)")
    # The rewind buffer came along: 3 s before the hand-off is still there.
    back = int(time.monotonic() - t0) + 4
    rw = Listener(f, "/live.mp3?offset=%d" % back)
    rw.wait_bytes(FIND)
    at = data.find(rw.body()[:FIND])
    before = (live_t0 - at) % len(data)
    tap.ok(at >= 0 and 0 < before < 6 * RATE,
           "a listener asking for %d s back gets audio from before the handover "
           "(%d bytes before it)" % (back, before), rw.body()[:200])
    rw.close()

    # 2. A takeover that fails half-way: the running process serves on.
    counts = sw.audio()
    got = fake_takeover(os.path.join(f.logdir, "floe-takeover.sock"))
    tap.ok(got.startswith(b"FLOE-TAKEOVER 1 "), "the running floe began to hand over")
    tap.ok(wait_for(lambda: "failed (" in f.read_log() and "serving on" in f.read_log(), 40),
           "it logs the failed takeover and serves on", f.log())
    tap.ok(new.poll() is None, "the process that was to go still runs")
    ok_flow(sw, counts, "after a failed takeover")
    late = Listener(f, "/live.mp3")
    tap.ok(late.wait_bytes(FIND) and len(late.body()) >= FIND,
           "new listeners are accepted again after the failed takeover")
    late.close()

    # 3. SIGUSR2: the running floe starts its binary with --takeover.
    counts = sw.audio()
    t0 = time.monotonic()
    new.send_signal(signal.SIGUSR2)
    try:
        rc = new.wait(60)
    except subprocess.TimeoutExpired:
        rc = None
    tap.is_eq(rc, 0, "SIGUSR2: the process exits 0 once its successor has taken over")
    third = pid_of(f)
    if third not in (None, first, new.pid):
        atexit.register(lambda: alive(third) and os.kill(third, signal.SIGKILL))
    tap.ok(third not in (None, first, new.pid) and alive(third),
           "SIGUSR2: the process it started runs and wrote the pid file", f.log())
    ok_flow(sw, counts, "SIGUSR2")
    tap.diag("longest wait for data per listener, across the SIGUSR2 takeover "
             "(it includes starting the binary): " + spread(sw.gap_across(t0 + 0.005)))
    tap.ok(feeder.is_alive(), "the source is still on its first connection")

    feeder.stop()
    sw.close()
    src.close()
    if third and alive(third):
        os.kill(third, signal.SIGTERM)
        tap.ok(wait_for(lambda: not alive(third), 30), "the last process stops on SIGTERM")
    errors = [l for l in f.read_log().splitlines() if " EROR " in l and "failed (" not in l]
    tap.is_eq(errors, [], "no error logged but the takeover that was made to fail")
    relayed(data)
    ogg_by_ffmpeg()


main()
