#!/usr/bin/env python3
"""The source side of the wire, byte for byte against what icecast2 answers
(/work/shared/INTEROP.md, interop/icecast2-responses.txt).

Raw sockets play every kind of encoder: SOURCE and PUT (with and without
Expect: 100-continue), libshout's probes, Liquidsoap's chunked PUT, lower-case
methods, bare-LF heads, heads dribbled one byte per send, sources that
interleave ICY metadata, that fall silent, vanish, or send garbage, and
request heads that are not HTTP at all. Listeners check that every byte a
source sent (and nothing else) reaches them. When Debian's icecast2 can be
started, the same requests go to both servers and the answers are compared.
"""
import base64
import random
import socket
import struct
import threading
import time

from floelib import (mp3_frame_list, SOURCE_PASS, Floe, Icecast2, Listener, icy_split,
                     is_mp3_frame_header, media, mp3_frames_offset, parse_response, stat_value,
                     stream_title, tap, wait_for, wait_mount)

OK_200 = b"HTTP/1.0 200 OK\r\n\r\n"
CONTINUE_200 = b"HTTP/1.1 100 Continue\r\nContent-Length: 0\r\n\r\n" + OK_200
AUTH_REALM = 'Basic realm="Icecast2 Server"'
AUTH_BODY = b"You need to authenticate\r\n"
HTML_400 = (b"<html><head><title>Error 400</title></head><body><b>400 - unknown request"
            b"</b></body></html>\r\n")

# ---------------------------------------------------------------- audio

with open(media("tone.mp3"), "rb") as _f:
    FRAMES = mp3_frame_list(_f.read())


def audio(nbytes, start=0):
    """Whole MP3 frames, at least nbytes of them, from frame `start` on."""
    out, i = bytearray(), start
    while len(out) < nbytes:
        out += FRAMES[i % len(FRAMES)]
        i += 1
    return bytes(out)

# ---------------------------------------------------------------- wire helpers


def basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


SOURCE_AUTH = ("Authorization", basic("source", SOURCE_PASS))


def head(method, mount, headers=(), version="1.0", eol="\r\n"):
    """A request head: request line, (name, value) header lines, blank line."""
    lines = ["%s %s HTTP/%s" % (method, mount, version)]
    lines += ["%s: %s" % hv for hv in headers]
    return (eol.join(lines) + eol + eol).encode("utf-8")


def source_head(mount, method="SOURCE", ctype="audio/mpeg", password=SOURCE_PASS, extra=(),
                version="1.0"):
    hs = [("Authorization", basic("source", password))] if password is not None else []
    if ctype is not None:
        hs.append(("Content-Type", ctype))
    return head(method, mount, hs + list(extra), version)


def final_head(buf):
    """The first response head in buf that is not a 100 Continue, once complete."""
    while True:
        h, sep, rest = buf.partition(b"\r\n\r\n")
        if not sep:
            return None
        if h.split(b" ", 2)[1:2] != [b"100"]:
            return h
        buf = rest


def read_reply(sock, timeout=5.0):
    """The server's answer: up to an accepting 200 head (the connection stays
    open), or everything until the server closes. Returns (bytes, closed)."""
    sock.settimeout(timeout)
    buf, closed = b"", False
    try:
        while True:
            h = final_head(buf)
            if h is not None and h.split(b" ", 2)[1:2] == [b"200"]:
                break
            d = sock.recv(65536)
            if not d:
                closed = True
                break
            buf += d
    except socket.timeout:
        pass
    except ConnectionResetError:
        closed = True
    return buf, closed


def connect(port):
    s = socket.create_connection(("127.0.0.1", port), 5)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def exchange(port, data, pieces=None):
    """Send a request (whole, or as the given pieces, one send each) and read
    the answer. Returns (socket, answer bytes, closed); the caller owns the
    socket (it is still a live source after a 200)."""
    s = connect(port)
    for p in pieces if pieces is not None else [data]:
        s.sendall(p)
    raw, closed = read_reply(s)
    return s, raw, closed


def ask(port, data):
    """exchange() for requests that must not leave a connection behind."""
    s, raw, closed = exchange(port, data)
    s.close()
    return raw, closed


def status_line(raw):
    return raw.split(b"\r\n", 1)[0].decode("latin-1")


def error_summary(raw):
    """What icecast2's error answers promise: status line, realm, body."""
    st, hd, body = parse_response(raw)
    return status_line(raw), hd.get("www-authenticate"), body


def listener_got(listener, data, timeout=10):
    """Wait until the listener has len(data) bytes; is its body exactly data?"""
    listener.wait_bytes(len(data), timeout)
    return listener.body() == data


def mount_gone(floe, mount, timeout=15):
    return wait_for(lambda: stat_value(floe.stats(), mount, "listeners") is None, timeout)


def serves(floe):
    """floe is alive and still answers a status request."""
    if not floe.alive():
        return False
    st, _, body = floe.get("/status-json.xsl")
    return st == 200 and body.startswith(b'{"icestats":')


def admitted_listener(floe, mount, timeout=10):
    """A listener that got its 200. Admin requests hold a client slot until
    the server has seen them close, so a refusal right after one is retried."""
    def attempt():
        lis = Listener(floe, mount)
        if lis.head()[0] == 200:
            return lis
        lis.close()
        return None
    return wait_for(attempt, timeout, 0.2)


class Feeder(threading.Thread):
    """Keeps a source alive with a frame every 0.2 s until stopped."""

    def __init__(self, sock):
        super().__init__(daemon=True)
        self.sock, self.stopped = sock, threading.Event()
        self.start()

    def run(self):
        i = 0
        while not self.stopped.wait(0.2):
            try:
                self.sock.sendall(FRAMES[i % len(FRAMES)])
            except OSError:
                return
            i += 1

    def stop(self):
        self.stopped.set()
        self.join(5)

# ---------------------------------------------------------------- sections


def check_source_basics(floe):
    """SOURCE/PUT acceptance, exact answers, credentials, libshout's probes."""
    port = floe.port
    body = audio(16000)
    s, raw, closed = exchange(port, source_head("/resp.mp3", extra=[("ice-name", "Resp")]) + body)
    tap.is_eq(raw, OK_200, "SOURCE HTTP/1.0 with audio in the same packet: exactly HTTP/1.0 200 OK")
    tap.ok(not closed, "... and the connection stays open")
    lis = Listener(floe, "/resp.mp3")
    tap.ok(listener_got(lis, body), "audio that arrived with the SOURCE head reaches a listener intact",
           "got %d bytes, sent %d" % (len(lis.body()), len(body)))
    lis.close()
    s.close()

    for desc, method, password in (("wrong password", "SOURCE", "wrong"),
                                   ("no Authorization", "SOURCE", None),
                                   ("wrong password and Expect", "PUT", "wrong")):
        raw, closed = ask(port, source_head("/resp2.mp3", method, password=password,
                                            extra=[("Expect", "100-continue")] if method == "PUT" else []))
        tap.is_eq(error_summary(raw), ("HTTP/1.0 401 Authentication Required", AUTH_REALM, AUTH_BODY),
                  "%s with %s: 401 (and nothing before it), icecast2's realm and body" % (method, desc))
        tap.ok(closed, "... and the server closes the connection (%s)" % desc)
    tap.ok(stat_value(floe.stats(), "/resp2.mp3", "listeners") is None,
           "refused sources leave no mount behind")

    # libshout (ezstream, MPD, shout): TLS probe, credential-less probe, real request.
    libshout = [("Host", "127.0.0.1:%d" % port), ("User-Agent", "libshout/2.4.6"),
                ("Content-Type", "audio/mpeg")]
    ice = [("ice-public", "0"), ("ice-name", "Ez mp3"), ("Prefer", "return=minimal")]
    raw, closed = ask(port, head("OPTIONS", "*", libshout[:2] + [
        ("Connection", "Upgrade"), ("Upgrade", "TLS/1.0, HTTP/1.1")], "1.1"))
    tap.ok(raw == b"" and closed, "libshout's OPTIONS * Upgrade: TLS probe: closed without an answer",
           raw[:200])
    raw, closed = ask(port, head("SOURCE", "/shout.mp3", libshout + [
        ("Content-Length", "0"), ("Connection", "Keep-Alive")] + ice))
    tap.is_eq(error_summary(raw), ("HTTP/1.0 401 Authentication Required", AUTH_REALM, AUTH_BODY),
              "libshout's credential-less probe (Content-Length: 0) gets 401")
    s, raw, closed = exchange(port, head("SOURCE", "/shout.mp3", [SOURCE_AUTH] + libshout + ice))
    tap.ok(raw == OK_200 and not closed, "libshout's real request after the probe: HTTP/1.0 200 OK", raw)
    s.close()

    # PUT, as ffmpeg and Liquidsoap send it.
    s, raw, closed = exchange(port, source_head("/put.mp3", "PUT", version="1.1", extra=[
        ("Host", "127.0.0.1:%d" % port), ("Expect", "100-continue")]))
    tap.is_eq(raw, CONTINUE_200, "PUT with Expect: 100-continue: exactly 100 Continue, then 200 OK")
    lis = Listener(floe, "/put.mp3")
    lis.head()
    body = audio(30000)
    s.sendall(body)
    tap.ok(listener_got(lis, body), "audio sent after the 100 Continue reaches a listener intact")
    lis.close()
    s.close()
    s, raw, closed = exchange(port, source_head("/liq-put.mp3", "PUT", extra=[("Expect", "100-continue")]))
    tap.is_eq(raw, CONTINUE_200, "Liquidsoap's PUT HTTP/1.0 with Expect: 100 Continue, then 200 OK")
    s.close()
    s, raw, closed = exchange(port, source_head("/put2.mp3", "PUT", version="1.1", extra=[
        ("Host", "127.0.0.1:%d" % port)]) + audio(8000))
    tap.is_eq(raw, OK_200, "PUT without Expect: exactly HTTP/1.0 200 OK (no 100 Continue)")
    s.close()
    raw, closed = ask(port, source_head("/put3.mp3", "PUT", ctype=None, version="1.1",
                                        extra=[("Expect", "100-continue")]))
    tap.is_eq((status_line(raw), parse_response(raw)[2]),
              ("HTTP/1.0 403 Forbidden", b"No Content-type given"),
              "PUT without Content-Type: 403 No Content-type given (no 100 Continue first)")
    s, raw, closed = exchange(port, source_head("/noct.mp3", ctype=None) + audio(4000))
    tap.is_eq(raw, OK_200, "SOURCE without Content-Type is accepted")
    tap.is_eq(stat_value(floe.stats(), "/noct.mp3", "server_type"), "audio/mpeg",
              "... and is taken as audio/mpeg (stats server_type)")
    s.close()


def check_mount_in_use(floe):
    """A second source on a busy mount is refused; the first one is unharmed."""
    first, raw, _ = exchange(floe.port, source_head("/busy.mp3"))
    sent = audio(20000)
    first.sendall(sent)
    lis = Listener(floe, "/busy.mp3")
    lis.wait_bytes(len(sent))
    for method, extra in (("SOURCE", []), ("PUT", [("Expect", "100-continue")])):
        raw, closed = ask(floe.port, source_head("/busy.mp3", method, extra=extra, version="1.1"))
        tap.is_eq((status_line(raw), parse_response(raw)[2], closed),
                  ("HTTP/1.0 403 Forbidden", b"Mountpoint in use", True),
                  "second %s on a busy mount: 403 Mountpoint in use (no 100 Continue first)" % method)
    more = audio(40000, start=100)
    first.sendall(more)
    tap.ok(listener_got(lis, sent + more) and not lis.closed,
           "the first source keeps streaming to its listener, every byte intact")
    lis.close()
    first.close()


def check_limits():
    """<sources> and <clients> limits, and <source-timeout>."""
    floe = Floe(sources=1, source_timeout=2)
    a, raw, _ = exchange(floe.port, source_head("/a.mp3") + audio(4000))
    feeder = Feeder(a)
    raw, closed = ask(floe.port, source_head("/b.mp3"))
    tap.is_eq((status_line(raw), parse_response(raw)[2]),
              ("HTTP/1.0 403 Forbidden", b"too many sources connected"),
              "<sources>1: a second source gets 403 too many sources connected")
    feeder.stop()
    a.settimeout(15)
    try:
        eof = a.recv(1) == b""
    except socket.timeout:
        eof = False
    except OSError:
        eof = True      # reset: closed too
    tap.ok(eof, "<source-timeout>2: a silent source is disconnected by the server")
    tap.ok(mount_gone(floe, "/a.mp3"), "... and its mount disappears from /admin/stats")
    b, raw, _ = exchange(floe.port, source_head("/b.mp3"))
    tap.is_eq(raw, OK_200, "... and the freed source slot can be taken again")
    b.close()
    floe.stop()

    floe = Floe(clients=2)
    src, raw, _ = exchange(floe.port, source_head("/c.mp3") + audio(4000))
    wait_mount(floe, "/c.mp3")
    first = admitted_listener(floe, "/c.mp3")
    tap.ok(first is not None, "<clients>2: a source and one listener are let in")
    for what, data in (("listener", b"GET /c.mp3 HTTP/1.0\r\n\r\n"),
                       ("source", source_head("/d.mp3"))):
        raw, closed = ask(floe.port, data)
        tap.is_eq((status_line(raw), parse_response(raw)[2]),
                  ("HTTP/1.0 403 Forbidden", b"Icecast connection limit reached"),
                  "<clients>2 reached: a %s gets 403 Icecast connection limit reached" % what)
    src.close()
    floe.stop()


def check_odd_requests(floe):
    """Requests icecast2 refuses, and encoders with odd manners."""
    raw, closed = ask(floe.port, source_head("noslash.mp3"))
    tap.ok(closed and not raw.startswith(b"HTTP/1.0 200") and serves(floe),
           "SOURCE on a mount without a leading slash: refused or closed, and floe serves on", raw[:200])
    raw, closed = ask(floe.port, source_head("/post.mp3", "POST", version="1.1", extra=[("Host", "x")]))
    tap.is_eq((status_line(raw), parse_response(raw)[2]), ("HTTP/1.0 400 Bad Request", HTML_400),
              "POST as a source method: 400 with icecast2's body")

    auth = "Authorization: " + SOURCE_AUTH[1]
    lf = ("source /lower.mp3 HTTP/1.0\n%s\nContent-Type: audio/mpeg\r\nice-name: LF\n\n" % auth).encode()
    s, raw, _ = exchange(floe.port, lf)
    tap.is_eq(raw, OK_200, "lower-case 'source' with bare-LF (and mixed) header lines is accepted")
    tap.is_eq(stat_value(floe.stats(), "/lower.mp3", "server_name"), "LF",
              "... and its bare-LF headers are parsed")
    s.close()

    data = source_head("/dribble.mp3", extra=[("ice-name", "Dribble")])
    s, raw, _ = exchange(floe.port, None, pieces=[data[i:i + 1] for i in range(len(data))])
    tap.is_eq(raw, OK_200, "a source head sent one byte per send (%d sends) is accepted" % len(data))
    body = audio(20000)
    s.sendall(body)
    lis = Listener(floe, "/dribble.mp3")
    tap.ok(listener_got(lis, body), "... and its audio reaches a listener")
    lis.close()
    s.close()


def chunked(payload, sizes):
    """payload as chunked transfer coding, chunk sizes cycling through sizes,
    then the split points that cut some chunks (size line, data, CRLF) in two."""
    out, splits, pos, k = bytearray(), [], 0, 0
    while pos < len(payload):
        n = min(sizes[k % len(sizes)], len(payload) - pos)
        line = (b"%X" if k % 3 == 1 else b"%x") % n + (b";ext=1" if k == 4 else b"") + b"\r\n"
        if k % 2 == 0:
            splits.append(len(out) + len(line) // 2)         # inside the size line
        if k % 5 == 0:
            splits.append(len(out) + len(line) + n // 2)     # inside the data
        if k % 7 == 3:
            splits.append(len(out) + len(line) + n + 1)      # between CR and LF
        out += line + payload[pos:pos + n] + b"\r\n"
        pos += n
        k += 1
    return bytes(out), sorted(set(splits))


def check_chunked(floe):
    """Liquidsoap's chunked=true PUT: listeners get the de-chunked bytes."""
    s, raw, _ = exchange(floe.port, source_head("/chunked.mp3", "PUT", version="1.1", extra=[
        ("Transfer-Encoding", "chunked"), ("Host", ""), ("Expect", "100-continue"),
        ("ice-name", "Liq MP3")]))
    tap.is_eq(raw, CONTINUE_200, "chunked PUT with an empty Host header: 100 Continue, then 200 OK")
    lis = Listener(floe, "/chunked.mp3")
    lis.head()
    payload = audio(120000, start=50)
    wire, splits = chunked(payload, [1, 7, 333, 4093, 17, 1000, 8191, 2, 611, 65537 // 4])
    edges = [0] + splits + [len(wire)]
    for a, b in zip(edges, edges[1:]):
        s.sendall(wire[a:b])
        time.sleep(0.002)   # not a timing assumption: it only makes split reads likely
    got = listener_got(lis, payload)
    tap.ok(got, "a listener receives exactly the de-chunked bytes (%d chunks, %d split sends)"
           % (wire.count(b"\r\n") // 2, len(splits)),
           "got %d bytes, want %d; chunk-size line leaked: %s" % (
               len(lis.body()), len(payload), b"\r\n" in lis.body()[:64]))
    s.sendall(b"0\r\n\r\n")
    tap.ok(mount_gone(floe, "/chunked.mp3") and wait_for(lambda: lis.closed, 10),
           "the last chunk ends the source: mount gone, listener closed")
    lis.close()
    s.close()

    # Without Expect the first chunks travel with the head.
    payload = audio(20000, start=400)
    wire, _ = chunked(payload, [333, 1000, 5])
    s, raw, _ = exchange(floe.port, source_head("/chunked2.mp3", "PUT", version="1.1", extra=[
        ("Transfer-Encoding", "chunked")]) + wire[:5000])
    lis = Listener(floe, "/chunked2.mp3")
    lis.head()
    s.sendall(wire[5000:])
    tap.ok(raw == OK_200 and listener_got(lis, payload),
           "chunked PUT whose first chunks arrive with the head: 200 OK, de-chunked audio intact")
    lis.close()
    s.close()


def check_stream_info(floe):
    """ice-*/icy-* source headers become stats and listener response headers."""
    cases = [
        ("/info1.mp3", [("ice-name", "Info One"), ("ice-description", "First desc"),
                        ("ice-genre", "Rock"), ("ice-url", "http://example.com/one"),
                        ("ice-bitrate", "128"), ("ice-public", "1"),
                        ("ice-audio-info", "channels=2;samplerate=44100;bitrate=128")],
         dict(server_name="Info One", server_description="First desc", genre="Rock",
              server_url="http://example.com/one", bitrate="128",
              audio_info="channels=2;samplerate=44100;bitrate=128"),
         {"icy-name": "Info One", "icy-description": "First desc", "icy-genre": "Rock",
          "icy-url": "http://example.com/one", "icy-br": "128", "icy-pub": "1",
          "ice-audio-info": "channels=2;samplerate=44100;bitrate=128"}),
        ("/info2.mp3", [("Icy-Name", "Info Two"), ("Icy-Description", "Second desc"),
                        ("Icy-Genre", "Jazz"), ("Icy-Url", "http://example.com/two"),
                        ("Icy-Br", "64"), ("Icy-Pub", "0"),
                        ("ice-audio-info", "ice-samplerate=44100;ice-bitrate=64;ice-channels=2")],
         dict(server_name="Info Two", server_description="Second desc", genre="Jazz",
              server_url="http://example.com/two", bitrate="64",
              audio_info="ice-samplerate=44100;ice-bitrate=64;ice-channels=2"),
         # ice-audio-info is kept as sent, prefixes and all, as icecast2 does.
         {"icy-name": "Info Two", "icy-description": "Second desc", "icy-genre": "Jazz",
          "icy-url": "http://example.com/two", "icy-br": "64", "icy-pub": "0",
          "ice-audio-info": "ice-samplerate=44100;ice-bitrate=64;ice-channels=2"}),
    ]
    for mount, headers, want_stats, want_hdrs in cases:
        s, raw, _ = exchange(floe.port, source_head(mount, extra=headers) + audio(8000))
        xml = floe.stats()
        got = {k: stat_value(xml, mount, k) for k in want_stats}
        tap.is_eq(got, want_stats, "%s: source headers become stats values" % mount)
        _, hd, _ = parse_response(floe.raw(("GET %s HTTP/1.0\r\n\r\n" % mount).encode(),
                                           read_until_close=False))
        tap.is_eq({k: hd.get(k) for k in want_hdrs}, want_hdrs,
                  "%s: ... and listener response headers" % mount)
        s.close()


def icy_interleave(data, metaint, titles):
    """data with an ICY metadata block after every metaint bytes: titles maps
    a block's index to its StreamTitle; the other blocks are empty (one 0 byte)."""
    out = bytearray()
    for k, i in enumerate(range(0, len(data), metaint)):
        out += data[i:i + metaint]
        if i + metaint > len(data):
            break
        if k in titles:
            text = ("StreamTitle='%s';" % titles[k]).encode()
            n = (len(text) + 15) // 16
            out += bytes([n]) + text.ljust(16 * n, b"\0")
        else:
            out += b"\0"
    return bytes(out)


def send_pieces(sock, data, size):
    for i in range(0, len(data), size):
        sock.sendall(data[i:i + size])


def check_source_metadata(floe):
    """A source that interleaves ICY metadata (icy-metaint: 2000)."""
    mount, metaint = "/icysrc.mp3", 2000
    s, raw, _ = exchange(floe.port, source_head(mount, extra=[("icy-metaint", str(metaint))]))
    tap.is_eq(raw, OK_200, "a source announcing icy-metaint: 2000 is accepted")
    plain = Listener(floe, mount)
    plain.head()
    sound = audio(75000, start=200)
    first, rest = sound[:12 * metaint], sound[12 * metaint:]
    send_pieces(s, icy_interleave(first, metaint, {0: "Song A"}), 777)
    tap.ok(wait_for(lambda: stat_value(floe.stats(), mount, "title") == "Song A", 10),
           "the StreamTitle in the source's stream becomes the mount's title (stats)",
           stat_value(floe.stats(), mount, "title"))
    icy = Listener(floe, mount, icy=True)
    icy.head()
    send_pieces(s, icy_interleave(rest, metaint, {7: "Song B"}), 1013)
    tap.ok(wait_for(lambda: stat_value(floe.stats(), mount, "title") == "Song B", 10),
           "a later StreamTitle updates the title (stats)")
    tap.ok(listener_got(plain, sound), "the metadata is stripped: listener audio == source audio",
           "got %d bytes, want %d" % (len(plain.body()), len(sound)))
    wait_for(lambda: len(icy_split(icy.body(), 16000)[0]) >= len(sound), 15)
    aud, metas, err = icy_split(icy.body(), 16000)
    tap.is_eq([stream_title(m) for m in metas if m], ["Song A", "Song B"],
              "ICY listeners get the source's titles as StreamTitle")
    tap.ok(err is None and aud == sound,
           "ICY listener audio (framing removed) is the source's audio", err)
    plain.close()
    icy.close()
    s.close()


def check_source_loss(floe):
    """Sources that vanish mid-stream, and sources that send garbage."""
    for how in ("closed", "reset"):
        mount = "/vanish-%s.mp3" % how
        s, raw, _ = exchange(floe.port, source_head(mount))
        listeners = [Listener(floe, mount) for _ in range(3)]
        for l in listeners:
            l.head()
        sent = audio(30000) + FRAMES[5][:100]     # and a partial frame
        s.sendall(sent)
        for l in listeners:
            l.wait_bytes(len(sent) - 100)
        if how == "reset":
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
        tap.ok(all(wait_for(lambda: l.closed, 10) for l in listeners) and
               all(l.body() == sent for l in listeners),
               "source %s mid-stream: its listeners get every byte sent (the last partial frame "
               "too), then are closed" % how)
        tap.ok(mount_gone(floe, mount) and serves(floe), "... the mount is gone and floe serves on")
        s, raw, _ = exchange(floe.port, source_head(mount))
        tap.is_eq(raw, OK_200, "... and a new source can take the mount")
        s.close()

    rng = random.Random(1234)
    noise = bytes(rng.getrandbits(8) for _ in range(300000))
    mixed = b"".join(noise[i:i + rng.randrange(1, 5000)] + audio(rng.randrange(1, 9000), start=i % 900)
                     for i in range(0, 200000, 20000))
    for name, data in (("random bytes", noise), ("random bytes mixed with frames", mixed)):
        mount = "/garbage%d.mp3" % len(data)
        s, raw, _ = exchange(floe.port, source_head(mount))
        lis = Listener(floe, mount)
        lis.head()
        send_pieces(s, data, 3001)
        # the last partial "frame" may be held back waiting for its end
        lis.wait_bytes(len(data) - 8192)
        body = lis.body()
        tap.ok(floe.alive() and len(body) >= len(data) - 8192 and body == data[:len(body)],
               "%s as audio/mpeg: floe survives, the listener gets exactly the bytes sent" % name,
               "got %d of %d bytes, prefix match %s" % (len(body), len(data), body == data[:len(body)]))
        lis.close()
        s.close()


def malformed_heads():
    """40 request heads that are not HTTP, each (description, bytes, complete)."""
    rng = random.Random(99)
    out = []
    for i in range(12):
        out.append(("random bytes %d" % i, bytes(rng.getrandbits(8) for _ in range(rng.randrange(1, 3000)))
                    + b"\r\n\r\n", True))
    for i in range(6):
        out.append(("printable noise %d" % i,
                    "".join(chr(rng.randrange(32, 127)) for _ in range(rng.randrange(1, 400))).encode()
                    + b"\r\n\r\n", True))
    auth = ("Authorization: %s\r\n" % SOURCE_AUTH[1]).encode()
    out += [
        ("header without colon", b"GET /x.mp3 HTTP/1.0\r\nNoColonHere\r\n\r\n", True),
        ("source header without colon", b"SOURCE /x.mp3 HTTP/1.0\r\n" + auth + b"Bogus\r\n\r\n", True),
        ("NUL in request line", b"GET /x\0.mp3 HTTP/1.0\r\n\r\n", True),
        ("NUL in header", b"SOURCE /x.mp3 HTTP/1.0\r\n" + auth + b"ice-name: a\0b\r\n\r\n", True),
        ("%00 in mount", b"SOURCE /x%00.mp3 HTTP/1.0\r\n" + auth + b"\r\n", True),
        ("huge method", b"A" * 5000 + b" /x.mp3 HTTP/1.0\r\n\r\n", True),
        ("method with digits", b"G3T /x.mp3 HTTP/1.0\r\n\r\n", True),
        ("bad version", b"GET /x.mp3 HTTP/9.9\r\n\r\n", True),
        ("no URI", b"GET\r\n\r\n", True),
        ("only spaces", b"     \r\n\r\n", True),
        ("continuation first", b"GET /x.mp3 HTTP/1.0\r\n folded\r\n\r\n", True),
        ("empty header name", b"GET /x.mp3 HTTP/1.0\r\n: v\r\n\r\n", True),
        ("bad base64 credentials", b"SOURCE /x.mp3 HTTP/1.0\r\nAuthorization: Basic !!!*\r\n\r\n", True),
        ("credentials without colon", b"SOURCE /x.mp3 HTTP/1.0\r\nAuthorization: Basic "
         + base64.b64encode(b"sourcehackme") + b"\r\n\r\n", True),
        ("dot-dot mount", b"SOURCE /../x.mp3 HTTP/1.0\r\n" + auth + b"\r\n", True),
        ("300-byte mount", b"SOURCE /" + b"m" * 300 + b" HTTP/1.0\r\n" + auth + b"\r\n", True),
        ("100 headers", b"GET /x.mp3 HTTP/1.0\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(100))
         + b"\r\n", True),
        ("bad chunked body", b"PUT /x.mp3 HTTP/1.1\r\n" + auth + b"Content-Type: audio/mpeg\r\n"
         b"Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n", True),
        ("incomplete request line", b"GET /x.mp3 HTT", False),
        ("incomplete head", b"SOURCE /x.mp3 HTTP/1.0\r\n" + auth + b"Content-Type: aud", False),
        ("incomplete chunk", b"PUT /y.mp3 HTTP/1.1\r\n" + auth + b"Content-Type: audio/mpeg\r\n"
         b"Transfer-Encoding: chunked\r\n\r\nfff\r\nabc", False),
        ("lone CRs", b"\r\r\r\r", False),
    ]
    return out


def check_hostile_heads(floe):
    big = b"GET /x.mp3 HTTP/1.0\r\n" + b"".join(b"X-Pad-%04d: %s\r\n" % (i, b"p" * 40) for i in range(500))
    raw, closed = ask(floe.port, big + b"\r\n")
    tap.is_eq(status_line(raw), "HTTP/1.0 400 Bad Request", "a %d-byte request head gets 400" % len(big))
    tap.ok(serves(floe), "... and floe serves on")

    heads = malformed_heads()
    bad = []
    for desc, data, complete in heads:
        s = connect(floe.port)
        try:
            s.sendall(data)
            if complete:
                raw, _ = read_reply(s, 2.0)
                # an accepted source (the bad chunked body) is closed by the server
                if raw and not raw.startswith(b"HTTP/1.0 4") and raw != OK_200:
                    bad.append((desc, raw[:80]))
        except OSError:
            pass
        s.close()
    tap.ok(not bad, "%d malformed request heads: every answer is a 4xx or a close" % len(heads), bad)
    tap.ok(serves(floe), "... floe is alive and still serves")
    s, raw, _ = exchange(floe.port, source_head("/after.mp3") + audio(4000))
    tap.is_eq(raw, OK_200, "... and a normal source is still accepted")
    s.close()

# ---------------------------------------------------------------- icecast2


ICECAST_CONFIG = """<icecast>
  <location>Test</location><admin>test@localhost</admin><hostname>127.0.0.1</hostname>
  <limits><clients>100</clients><sources>10</sources><header-timeout>15</header-timeout>
    <source-timeout>10</source-timeout><burst-size>65536</burst-size></limits>
  <authentication><source-password>{pw}</source-password><relay-password>{pw}</relay-password>
    <admin-user>admin</admin-user><admin-password>{pw}</admin-password></authentication>
  <listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <fileserve>1</fileserve>
  <paths><basedir>/usr/share/icecast2</basedir><logdir>{dir}/log</logdir>
    <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot>
    <pidfile>{dir}/log/icecast.pid</pidfile></paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>3</loglevel></logging>
  <security><chroot>0</chroot></security>
</icecast>
"""


def compare_with_icecast2(floe):
    ice = Icecast2(ICECAST_CONFIG, pw=SOURCE_PASS)
    cases = 7
    if not ice.up:
        for _ in range(cases):
            tap.skip("side by side with icecast2", ice.skip_reason)
        return
    body = audio(16000)
    sides = {"floe": floe.port, "icecast2": ice.port}
    got = {name: {} for name in sides}
    keep = []
    for name, p in sides.items():
        s, raw, _ = exchange(p, source_head("/cmp.mp3", extra=[("ice-name", "Cmp")]) + body)
        keep.append(s)
        got[name]["source"] = raw
        got[name]["wrong password"] = error_summary(ask(p, source_head("/cmp2.mp3", password="nope"))[0])
        s, raw, _ = exchange(p, source_head("/cmp3.mp3", "PUT", version="1.1", extra=[
            ("Host", "127.0.0.1:%d" % p), ("Expect", "100-continue")]))
        keep.append(s)
        got[name]["put expect"] = raw
        st, _, b = error_summary(ask(p, source_head("/cmp.mp3"))[0])
        got[name]["mount in use"] = (st, b)
        st, _, b = error_summary(ask(p, source_head("/cmp4.mp3", "POST", version="1.1"))[0])
        got[name]["post"] = (st, b)
        st, _, b = error_summary(ask(p, source_head("/cmp5.mp3", "PUT", ctype=None, version="1.1"))[0])
        got[name]["put without content-type"] = (st, b)
        got[name]["options"] = ask(p, head("OPTIONS", "*", [
            ("Connection", "Upgrade"), ("Upgrade", "TLS/1.0, HTTP/1.1")], "1.1"))
    for key in got["floe"]:
        tap.is_eq(got["floe"][key], got["icecast2"][key], "same answer as icecast2: %s" % key)
    for s in keep:
        s.close()
    ice.stop()

# ---------------------------------------------------------------- main


main = Floe(sources=50, clients=200)
check_source_basics(main)
check_mount_in_use(main)
check_limits()
check_odd_requests(main)
check_chunked(main)
check_stream_info(main)
check_source_metadata(main)
check_source_loss(main)
check_hostile_heads(main)
compare_with_icecast2(main)
tap.is_eq(main.stop(), 0, "floe exits 0 on SIGTERM after all of it")
