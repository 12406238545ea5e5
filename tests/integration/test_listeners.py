#!/usr/bin/env python3
"""The listener side of the wire, against what icecast2 answers
(/work/shared/INTEROP.md, interop/icecast2-responses.txt).

Raw-socket sources send known MP3 frames; raw-socket listeners check the
response head (icecast2's headers, CORS, configured <http-headers>, icy-*
with no space after the colon, icy-metaint only when asked), HEAD, 404,
max-listeners, what players send (Range, lower-case get, bare LF, VLC's two
connections), the burst (size, and that it starts on a frame), the lag
policy (a stalled listener is dropped, a reading one on the same mount and
the source are unharmed, stats and logs say so), the access log, the header
timeout, 200 listeners getting identical streams, /status-json.xsl's shape
and listener counts going back down.
"""
import base64
import json
import re
import selectors
import socket
import time
import xml.etree.ElementTree as ET

from floelib import (mp3_frame_list, ADMIN_PASS, SOURCE_PASS, Floe, Listener, icy_split, is_mp3_frame_header,
                     media, mp3_frames_offset, parse_response, stat_value, tap, wait_for,
                     wait_mount)

HTML_404 = (b"<html><head><title>Error 404</title></head><body><b>404 - The file you requested "
            b"could not be found</b></body></html>\r\n")
ICECAST_HEAD_ORDER = ["server", "connection", "date", "content-type", "cache-control", "expires",
                      "pragma"]
NO_CACHE = {"connection": "Close", "content-type": "audio/mpeg",
            "cache-control": "no-cache, no-store", "expires": "Mon, 26 Jul 1997 05:00:00 GMT",
            "pragma": "no-cache"}
STREAM_INFO = [("ice-name", "Live Test"), ("ice-genre", "Testing"), ("ice-description", "A test"),
               ("ice-url", "http://example.com/live"), ("ice-bitrate", "128"), ("ice-public", "1"),
               ("ice-audio-info", "channels=2;samplerate=44100;bitrate=128")]
ICY_HEADERS = {"icy-name": "Live Test", "icy-genre": "Testing", "icy-description": "A test",
               "icy-url": "http://example.com/live", "icy-br": "128", "icy-pub": "1",
               "ice-audio-info": "channels=2;samplerate=44100;bitrate=128"}

# ---------------------------------------------------------------- audio

with open(media("tone.mp3"), "rb") as _f:
    FRAMES = mp3_frame_list(_f.read())


# ---------------------------------------------------------------- helpers


class Source:
    """A SOURCE client on a raw socket that remembers every byte it sent."""

    def __init__(self, floe, mount, extra=()):
        self.floe, self.mount, self.sent, self.frame = floe, mount, bytearray(), 0
        self.sock = socket.create_connection(("127.0.0.1", floe.port), 5)
        auth = base64.b64encode(("source:" + SOURCE_PASS).encode()).decode()
        h = "SOURCE %s HTTP/1.0\r\nAuthorization: Basic %s\r\nContent-Type: audio/mpeg\r\n" % (
            mount, auth)
        h += "".join("%s: %s\r\n" % hv for hv in extra)
        self.sock.sendall((h + "\r\n").encode())
        self.sock.settimeout(20)
        reply = b""
        while b"\r\n\r\n" not in reply:
            d = self.sock.recv(100)
            if not d:
                break
            reply += d
        if reply != b"HTTP/1.0 200 OK\r\n\r\n":
            tap.bail("source %s refused: %r" % (mount, reply))

    def send(self, nbytes, piece=16384):
        """Send whole frames (at least nbytes), going on from the last frame sent."""
        data = bytearray()
        while len(data) < nbytes:
            data += FRAMES[self.frame % len(FRAMES)]
            self.frame += 1
        for i in range(0, len(data), piece):
            self.sock.sendall(data[i:i + piece])
        self.sent += data

    def settled(self, timeout=15):
        """Wait until floe has read everything sent (stats total_bytes_read)."""
        want = str(len(self.sent))
        return wait_for(lambda: stat_value(self.floe.stats(), self.mount, "total_bytes_read") == want,
                        timeout)

    def close(self):
        self.sock.close()


def leave(listener):
    """Hang up a floelib Listener for real: close() alone does not wake its
    reader thread's blocked recv, so the connection would stay open."""
    try:
        listener.sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    listener.close()


def fetch(floe, request, nbody=0, timeout=5):
    """Send a raw request, read the head (and nbody body bytes, or to close if
    nbody is None). Returns (head lines, {lower-case name: value}, body, closed)."""
    s = socket.create_connection(("127.0.0.1", floe.port), 5)
    s.sendall(request)
    s.settimeout(timeout)
    buf, closed = b"", False
    try:
        while True:
            if b"\r\n\r\n" in buf and nbody is not None and \
                    len(buf.partition(b"\r\n\r\n")[2]) >= nbody:
                break
            d = s.recv(65536)
            if not d:
                closed = True
                break
            buf += d
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    return lines, parse_response(buf)[1], body, closed


def header_names(lines):
    return [l.split(":", 1)[0].lower() for l in lines[1:]]


def stats_of(floe, mount, key):
    return stat_value(floe.stats(), mount, key)


def listmounts_listeners(floe, mount):
    body = floe.get("/admin/listmounts", auth=("admin", ADMIN_PASS))[2]
    for s in ET.fromstring(body).findall("source"):
        if s.get("mount") == mount:
            return s.findtext("listeners")
    return None


def counts_are(floe, mount, n, timeout=10):
    """Do /admin/stats and /admin/listmounts both count n listeners on mount?"""
    want = (str(n), str(n))
    return wait_for(lambda: (stats_of(floe, mount, "listeners"),
                             listmounts_listeners(floe, mount)) == want, timeout)


def at_live_edge(listener, source, least):
    """Has the listener got at least `least` bytes, ending where the source's stream ends?"""
    body = listener.body()
    return len(body) >= least and bytes(source.sent).endswith(body)


def status_json(floe):
    return json.loads(floe.get("/status-json.xsl")[2])["icestats"]


class Crowd:
    """Many raw listeners on one mount, read by one select loop."""

    def __init__(self, floe, mount, n):
        self.sel = selectors.DefaultSelector()
        self.bufs = []
        for i in range(n):
            s = socket.create_connection(("127.0.0.1", floe.port), 10)
            s.sendall(("GET %s HTTP/1.0\r\nUser-Agent: crowd-%d\r\n\r\n" % (mount, i)).encode())
            s.setblocking(False)
            self.bufs.append(bytearray())
            self.sel.register(s, selectors.EVENT_READ, i)

    def bodies(self):
        return [bytes(b).partition(b"\r\n\r\n")[2] for b in self.bufs]

    def pump(self, nbody, timeout=30):
        """Read until every listener has nbody body bytes (or closed, or timeout)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if all(len(b) >= nbody for b in self.bodies()) or not self.sel.get_map():
                return
            for key, _ in self.sel.select(0.5):
                try:
                    d = key.fileobj.recv(262144)
                except BlockingIOError:
                    continue
                except OSError:
                    d = b""
                if d:
                    self.bufs[key.data] += d
                else:
                    self.sel.unregister(key.fileobj)
                    key.fileobj.close()

    def close(self):
        for key in list(self.sel.get_map().values()):
            self.sel.unregister(key.fileobj)
            key.fileobj.close()

# ---------------------------------------------------------------- sections


def check_response_head(floe):
    src = Source(floe, "/live.mp3", STREAM_INFO)
    src.send(250000)
    src.settled()
    lines, hd, body, _ = fetch(floe, b"GET /live.mp3 HTTP/1.0\r\nUser-Agent: rawreq\r\n\r\n", 4)
    tap.is_eq(lines[0], "HTTP/1.0 200 OK", "listener GET: HTTP/1.0 200 OK")
    tap.is_eq(header_names(lines)[:7], ICECAST_HEAD_ORDER,
              "the head starts with icecast2's headers, in icecast2's order")
    tap.is_eq({k: hd.get(k) for k in NO_CACHE}, NO_CACHE,
              "Connection, Content-Type and the no-cache headers are icecast2's")
    tap.is_eq({k: hd.get(k) for k in ICY_HEADERS}, ICY_HEADERS, "icy-* and ice-audio-info headers")
    spaced = [l for l in lines if re.match(r"(?i)ic[ey]-[a-z-]+:\s", l)]
    tap.ok(not spaced and any(l.startswith("icy-name:Live") for l in lines),
           "icy-* lines have no space after the colon", spaced)
    tap.is_eq((hd.get("access-control-allow-origin"), hd.get("x-floe-test")), ("*", "hello there"),
              "Access-Control-Allow-Origin: * by default, plus the configured <http-headers> header")
    tap.ok("icy-metaint" not in hd and is_mp3_frame_header(body),
           "no icy-metaint without Icy-MetaData; the body starts on an MP3 frame")
    _, hd1, _, _ = fetch(floe, b"GET /live.mp3 HTTP/1.1\r\nHost: x\r\nIcy-MetaData: 1\r\n\r\n")
    _, hd0, _, _ = fetch(floe, b"GET /live.mp3 HTTP/1.1\r\nHost: x\r\nIcy-MetaData: 0\r\n\r\n")
    tap.is_eq((hd1.get("icy-metaint"), hd0.get("icy-metaint")), ("16000", None),
              "icy-metaint:16000 with Icy-MetaData: 1, none with Icy-MetaData: 0")

    lines, hd, body, closed = fetch(floe, b"HEAD /live.mp3 HTTP/1.1\r\nHost: x\r\n\r\n", None)
    tap.ok(lines[0] == "HTTP/1.0 200 OK" and hd.get("content-type") == "audio/mpeg" and
           hd.get("icy-name") == "Live Test" and body == b"" and closed,
           "HEAD on a live mount: 200 with the listener headers, no body, closed",
           "%r body %d bytes closed %s" % (lines[:1], len(body), closed))
    lines, hd, body, closed = fetch(floe, b"GET /nope.mp3 HTTP/1.1\r\nHost: x\r\n\r\n", None)
    tap.is_eq((lines[0], body, closed), ("HTTP/1.0 404 File Not Found", HTML_404, True),
              "GET on an unknown mount: 404 with icecast2's body")
    lines, _, body, _ = fetch(floe, b"HEAD /nope.mp3 HTTP/1.1\r\nHost: x\r\n\r\n", None)
    _, _, json_body, _ = fetch(floe, b"HEAD /status-json.xsl HTTP/1.0\r\n\r\n", None)
    tap.ok(lines[0] == "HTTP/1.0 404 File Not Found" and body == b"" and json_body == b"",
           "HEAD answers carry no body: unknown mount (404), /status-json.xsl (200)",
           "HEAD /nope.mp3: %r + %d body bytes; HEAD /status-json.xsl: %d body bytes"
           % (lines[0], len(body), len(json_body)))
    return src


def check_cors_override(floe):
    """A mount's own Access-Control-Allow-Origin replaces the default '*'."""
    src = Source(floe, "/cors.mp3")
    src.send(10000)
    lines, hd, _, _ = fetch(floe, b"GET /cors.mp3 HTTP/1.0\r\n\r\n", 10)
    acao = [l for l in lines if l.lower().startswith("access-control-allow-origin:")]
    tap.is_eq((acao, hd.get("x-floe-test")), (["Access-Control-Allow-Origin: https://radio.example"],
                                              "hello there"),
              "a mount's <http-headers> Access-Control-Allow-Origin replaces '*'; global headers stay")
    src.close()


def check_max_listeners(floe):
    src = Source(floe, "/limited.mp3")
    src.send(20000)
    first = Listener(floe, "/limited.mp3")
    tap.is_eq(first.head()[0], 200, "max-listeners 1: the first listener is let in")
    lines, hd, body, closed = fetch(floe, b"GET /limited.mp3 HTTP/1.0\r\n\r\n", None)
    tap.is_eq((lines[0], body), ("HTTP/1.0 403 Forbidden", b"max listeners reached"),
              "max-listeners 1: the second gets 403 max listeners reached")
    leave(first)
    counts_are(floe, "/limited.mp3", 0)
    again = Listener(floe, "/limited.mp3")
    tap.is_eq(again.head()[0], 200, "... and once the first has left, a new one is let in")
    leave(again)
    src.close()


def check_player_requests(floe):
    """What players send (interop/player-requests.txt)."""
    cases = [
        ("Range: bytes=0- (ffmpeg, mpv, Chromium)",
         b"GET /live.mp3 HTTP/1.1\r\nHost: x\r\nRange: bytes=0-\r\nConnection: close\r\n\r\n", None),
        ("Range: bytes=1000-2000", b"GET /live.mp3 HTTP/1.1\r\nHost: x\r\nRange: bytes=1000-2000\r\n\r\n",
         None),
        ("lower-case get", b"get /live.mp3 HTTP/1.0\r\n\r\n", None),
        ("bare-LF request with Icy-MetaData", b"GET /live.mp3 HTTP/1.0\nIcy-MetaData: 1\n\n", "16000"),
    ]
    for desc, req, metaint in cases:
        lines, hd, body, _ = fetch(floe, req, 20000)
        tap.ok(lines[0] == "HTTP/1.0 200 OK" and "content-range" not in hd and len(body) >= 20000
               and hd.get("icy-metaint") == metaint,
               "%s: 200 and the stream (icy-metaint %s)" % (desc, metaint), lines)

    before = int(stats_of(floe, "/live.mp3", "listeners"))
    probe = Listener(floe, "/live.mp3", extra={"Range": "bytes=0-", "Accept": "*/*"})
    st, hd = probe.head()
    leave(probe)
    vlc = Listener(floe, "/live.mp3", icy=True, version="1.0")
    vlc.wait_bytes(40000)
    _, metas, err = icy_split(vlc.body(), 16000)
    tap.ok(st == 200 and "icy-name" in hd and vlc.head()[1].get("icy-metaint") == "16000" and
           err is None and metas[:1] == ["StreamTitle='';"],
           "VLC's pattern: a plain probe dropped on seeing icy-*, then an ICY connection that parses",
           err)
    tap.ok(counts_are(floe, "/live.mp3", before + 1), "... and only the second connection is counted")
    leave(vlc)


def check_burst(floe, src):
    """A new listener gets the burst at once, from a frame start, up to the live edge."""
    lis = Listener(floe, "/live.mp3")
    wait_for(lambda: at_live_edge(lis, src, 60000), 15)
    body = lis.body()
    tap.ok(len(body) >= 60000, "a new listener gets a burst of >= 60000 bytes (%d) from a paused "
           "source that sent %d" % (len(body), len(src.sent)))
    tap.ok(len(body) <= 65536 + 2 * 1441, "... not much more than burst-size 65536")
    tap.ok(is_mp3_frame_header(body) and bytes(src.sent).endswith(body),
           "... starting on an MP3 frame header and running exactly to the live edge")
    return lis


def check_access_log(floe, src):
    """A listener that leaves gets a combined-format access log line."""
    s = socket.create_connection(("127.0.0.1", floe.port), 5)
    s.sendall(b"GET /live.mp3?acc=1 HTTP/1.0\r\nUser-Agent: acc-agent/1.0\r\n"
              b"Referer: http://example.com/page\r\n\r\n")
    s.settimeout(10)
    buf = b""
    while not (b"\r\n\r\n" in buf and bytes(src.sent).endswith(buf.partition(b"\r\n\r\n")[2])
               and len(buf.partition(b"\r\n\r\n")[2]) >= 60000):
        d = s.recv(65536)
        if not d:
            break
        buf += d
    s.close()
    head, _, body = buf.partition(b"\r\n\r\n")
    pat = re.compile(r'^127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] '
                     r'"GET /live\.mp3\?acc=1 HTTP/1\.0" 200 (\d+) "http://example\.com/page" '
                     r'"acc-agent/1\.0" (\d+)$', re.M)
    m = wait_for(lambda: pat.search(floe.read_log("access.log")), 10)
    tap.ok(m is not None, "the access log has a combined-format line for a listener that left",
           floe.read_log("access.log")[-600:])
    sent = int(m.group(1)) if m else None
    tap.ok(sent in (len(body), len(head) + 4 + len(body)),
           "... with the bytes it was sent (%s; it received %d after a %d-byte head)"
           % (sent, len(body), len(head) + 4))


def check_crowd(floe, n=200):
    """n listeners on one mount all receive the source's exact byte stream."""
    src = Source(floe, "/crowd.mp3")
    src.send(30000)
    src.settled()
    crowd = Crowd(floe, "/crowd.mp3", n)
    crowd.pump(len(src.sent))
    tap.ok(counts_are(floe, "/crowd.mp3", n, 20), "/admin/stats and /admin/listmounts count %d listeners" % n)
    src.send(200000)
    crowd.pump(len(src.sent))
    bodies = crowd.bodies()
    bad = [i for i, b in enumerate(bodies) if b != src.sent]
    tap.ok(not bad, "%d listeners each received exactly the source's %d bytes" % (n, len(src.sent)),
           "%d differ, e.g. #%d got %d bytes" % (len(bad), bad[0], len(bodies[bad[0]])) if bad else None)
    crowd.close()
    tap.ok(counts_are(floe, "/crowd.mp3", 0, 20), "... and both counts go back to 0 when they leave",
           (stats_of(floe, "/crowd.mp3", "listeners"), listmounts_listeners(floe, "/crowd.mp3")))
    src.close()


def check_status_json():
    floe = Floe(mounts="<mount><mount-name>/hidden.mp3</mount-name><hidden>1</hidden></mount>")
    tap.ok("source" not in status_json(floe), "/status-json.xsl without sources has no \"source\"")
    hidden = Source(floe, "/hidden.mp3")
    wait_mount(floe, "/hidden.mp3")
    tap.ok("source" not in status_json(floe) and stats_of(floe, "/hidden.mp3", "listeners") == "0",
           "a hidden mount is not listed in /status-json.xsl (but is in /admin/stats)")
    one = Source(floe, "/one.mp3")
    wait_mount(floe, "/one.mp3")
    st = status_json(floe).get("source")
    tap.ok(isinstance(st, dict) and st.get("listenurl", "").endswith("/one.mp3"),
           "one visible source: \"source\" is an object", st)
    two = Source(floe, "/two.mp3")
    wait_mount(floe, "/two.mp3")
    st = status_json(floe).get("source")
    urls = sorted(s.get("listenurl", "").rsplit("/", 1)[-1] for s in st) if isinstance(st, list) else st
    tap.is_eq(urls, ["one.mp3", "two.mp3"], "two visible sources: \"source\" is an array of both")
    for s in (hidden, one, two):
        s.close()
    floe.stop()


def check_burst_zero_and_header_timeout():
    floe = Floe(burst_size=0, header_timeout=2)
    src = Source(floe, "/zero.mp3")
    src.send(100000)
    src.settled()
    lis = Listener(floe, "/zero.mp3")
    lis.head()
    src.send(50000)
    wait_for(lambda: at_live_edge(lis, src, 50000), 15)
    body = lis.body()
    tap.ok(is_mp3_frame_header(body) and bytes(src.sent).endswith(body) and len(body) >= 50000,
           "burst-size 0: the listener still starts on an MP3 frame and follows the source exactly")
    tap.ok(len(body) < 100000, "burst-size 0: ... without a burst of the %d bytes before it joined"
           % 100000, "got %d bytes" % len(body))
    leave(lis)

    idle = socket.create_connection(("127.0.0.1", floe.port), 5)
    partial = socket.create_connection(("127.0.0.1", floe.port), 5)
    partial.sendall(b"GET /zero.mp3 HTTP/1.0\r\nHost: x\r\n")
    tap.is_eq(stats_of(floe, "/zero.mp3", "listeners"), "0",
              "connections without a complete request are not counted as listeners")
    for what, s in (("sends nothing", idle), ("sends half a head", partial)):
        s.settimeout(12)
        try:
            eof = s.recv(4096) == b""
        except socket.timeout:
            eof = False
        except OSError:
            eof = True
        tap.ok(eof, "<header-timeout>2: a connection that %s is closed by the server" % what)
        s.close()
    src.close()
    floe.stop()


def check_stalled_listener():
    """queue-size 65536: a stalled listener is dropped; the source and a reading
    listener on the same mount never notice."""
    floe = Floe(queue_size=65536, source_timeout=60)
    src = Source(floe, "/stall.mp3")
    reader = Listener(floe, "/stall.mp3")
    reader.head()
    # Some audio first, so the stalled listener starts on its burst: a listener
    # that arrives before any audio starts at the first byte only if its
    # worker wakes before a source pushing far faster than real time has
    # overrun the queue, which on two busy cores it may not.
    src.send(16384)
    reader.wait_bytes(len(src.sent), 10)
    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.connect(("127.0.0.1", floe.port))
    stalled.sendall(b"GET /stall.mp3 HTTP/1.0\r\nUser-Agent: stalled\r\n\r\n")
    counts_are(floe, "/stall.mp3", 2)
    # Its worker picks its start (the burst, from the first byte) a moment
    # after it is counted: wait until its first audio has arrived (peeking,
    # so it still reads nothing), or the source below could race past.
    def peek():
        try:
            return stalled.recv(4096, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            return b""
    wait_for(lambda: len(peek().partition(b"\r\n\r\n")[2]) > 0, 15)
    # floe counts what the kernel still holds for a listener (SIOCOUTQ) as
    # lag, checked once a second, so the source pushes until the drop shows
    # (at most 32 MB). It stays at most 256 KB ahead of the reading listener:
    # what the reader has not read yet sits in its own receive buffer, not
    # in floe's send queue, so a reader that reads is never queue-size behind.
    dropped = lambda: stats_of(floe, "/stall.mp3", "slow_listeners") == "1"
    head_len = len(reader.buf) - len(reader.body())
    reader_near = lambda: len(src.sent) - (len(reader.buf) - head_len) <= 262144 or reader.closed
    completed, step = True, 0
    try:
        while len(src.sent) < 32000000 and not (step % 16 == 0 and dropped()):
            src.send(65536)
            step += 1
            if not wait_for(reader_near, 10, 0.001) or reader.closed:
                break   # the reader was cut off or starved: the checks below say so
    except OSError as e:
        completed = e
    tap.ok(completed is True, "the source's sends (%.1f MB) all complete: it is never blocked"
           % (len(src.sent) / 1e6), completed)
    tap.ok(wait_for(dropped, 15), "the stalled listener is dropped: /admin/stats slow_listeners is 1",
           stats_of(floe, "/stall.mp3", "slow_listeners"))
    reader.wait_bytes(len(src.sent), 10)
    tap.ok(reader.body() == src.sent and not reader.closed,
           "the reading listener received exactly the source's %d bytes and is still connected"
           % len(src.sent), "got %d bytes, closed %s" % (len(reader.body()), reader.closed))
    tap.ok(counts_are(floe, "/stall.mp3", 1), "... and is the only listener still counted")
    tap.ok(wait_for(lambda: re.search(r"(?im)^.*/stall\.mp3.*(slow|lag|behind).*$", floe.read_log()), 10),
           "the error log has a line naming the drop", floe.read_log()[-800:])
    got, stalled_eof = b"", False
    stalled.settimeout(10)
    try:
        while True:
            d = stalled.recv(65536)
            if not d:
                stalled_eof = True
                break
            got += d
    except OSError:
        pass
    body = got.partition(b"\r\n\r\n")[2]
    tap.ok(stalled_eof and len(body) <= len(src.sent) and src.sent.startswith(body),
           "the dropped listener's connection was closed after a clean prefix of the stream",
           "eof %s, %d bytes of %d sent, found at %d" % (stalled_eof, len(body), len(src.sent),
                                                         src.sent.find(body[:4096])))
    stalled.close()
    leave(reader)
    src.close()
    floe.stop()

# ---------------------------------------------------------------- main


main = Floe(clients=400, source_timeout=60, mounts="""
  <http-headers><header name="X-Floe-Test" value="hello there"/></http-headers>
  <mount><mount-name>/limited.mp3</mount-name><max-listeners>1</max-listeners></mount>
  <mount><mount-name>/cors.mp3</mount-name><http-headers>
    <header name="Access-Control-Allow-Origin" value="https://radio.example"/></http-headers></mount>""")
live = check_response_head(main)
check_cors_override(main)
check_max_listeners(main)
check_player_requests(main)
burst_listener = check_burst(main, live)
check_access_log(main, live)
leave(burst_listener)
check_crowd(main)
check_status_json()
check_burst_zero_and_header_timeout()
check_stalled_listener()
live.close()
tap.is_eq(main.stop(), 0, "floe exits 0 on SIGTERM")
