#!/usr/bin/env python3
"""Bytes that are not UTF-8 never reach a document: a listener whose
User-Agent and Referer hold 0xFF, a source whose ice-* headers hold it, and
a run-time fallback name with it still leave /admin/listclients,
/admin/stats and /admin/listmounts well-formed XML for a strict parser, and
/api/v1/listeners, /api/v1/status and /status-json.xsl valid JSON in valid
UTF-8. Header bytes that are not UTF-8 are read as Latin-1, as titles are,
so the values are pinned too. A mount name that is not UTF-8 is refused."""
import base64
import json
import socket
import xml.dom.minidom
import xml.etree.ElementTree as ET

from floelib import (ADMIN_PASS, SOURCE_PASS, Floe, LoopFeeder, media,
                     mp3_frames_offset, parse_response, tap, wait_for)

MOUNT = "/utf8.mp3"
AUTH = ("admin", ADMIN_PASS)

floe = Floe()
with open(media("tone.mp3"), "rb") as f:
    tone = f.read()
frames = tone[mp3_frames_offset(tone):]


def request(head):
    """Send a raw request head (bytes) and return (status, headers, body)."""
    return parse_response(floe.raw(head + b"\r\n"))


def admin(path):
    cred = base64.b64encode(("%s:%s" % AUTH).encode())
    return request(b"GET " + path.encode() + b" HTTP/1.0\r\nAuthorization: Basic " + cred +
                   b"\r\n")


def strict_xml(body):
    """The root element, parsed from the raw bytes by two strict parsers
    (expat through ElementTree and minidom), or the error text."""
    try:
        xml.dom.minidom.parseString(body)
        return ET.fromstring(body)
    except Exception as e:  # noqa: BLE001 (any parser error is the finding)
        return "%s: %r" % (e, body[:600])


def strict_json(body):
    """The document, decoded strictly as UTF-8 then parsed, or the error text."""
    try:
        return json.loads(body.decode("utf-8", "strict"))
    except Exception as e:  # noqa: BLE001
        return "%s: %r" % (e, body[:600])


# A source whose description headers hold bytes that are not UTF-8: 0xE9 is
# Latin-1's e-acute, 0xFF and 0xFE never occur in UTF-8.
sock = socket.create_connection(("127.0.0.1", floe.port), 5)
cred = base64.b64encode(("source:" + SOURCE_PASS).encode())
sock.sendall(b"SOURCE " + MOUNT.encode() + b" HTTP/1.0\r\n"
             b"Authorization: Basic " + cred + b"\r\n"
             b"Content-Type: audio/mpeg\r\n"
             b"User-Agent: Enc\xff/1\r\n"
             b"ice-name: Caf\xe9 \xff Radio\r\n"
             b"ice-description: desc \xff\xfe end\r\n"
             b"ice-genre: G\xffnre\r\n"
             b"ice-url: http://example.com/\xff\r\n"
             b"ice-audio-info: channels=2;samplerate=44100;note=\xff\r\n\r\n")
sock.settimeout(5)
answer = b""
while b"\r\n\r\n" not in answer:
    d = sock.recv(4096)
    if not d:
        break
    answer += d
tap.ok(answer.startswith(b"HTTP/1.0 200 OK"), "the source with 0xFF in its ice-* headers is "
       "accepted", answer)


class Sock:
    """Just enough of RawSource for LoopFeeder to send through."""

    def send(self, data):
        sock.sendall(data)


feeder = LoopFeeder(Sock(), frames, 64000)
tap.ok(wait_for(lambda: b'mount="%s"' % MOUNT.encode() in admin("/admin/stats")[2], 10),
       "the mount is live")

# A listener whose User-Agent and Referer hold 0xFF.
lis = socket.create_connection(("127.0.0.1", floe.port), 5)
lis.sendall(b"GET " + MOUNT.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"User-Agent: Player \xff\xfe\r\nReferer: http://ref.example/\xff\r\n\r\n")
lis.settimeout(10)
got = b""
try:
    while len(got) < 2000:
        d = lis.recv(65536)
        if not d:
            break
        got += d
except socket.timeout:
    pass
tap.ok(got.startswith(b"HTTP/1.") and b" 200 " in got.split(b"\r\n")[0] and len(got) >= 2000,
       "the listener with 0xFF in User-Agent and Referer is served", got[:200])

# A run-time fallback that is not UTF-8 (percent-encoded in the query).
st, _, body = admin("/admin/fallbacks?mount=%s&fallback=/fb%%FF.mp3" % MOUNT)
tap.is_eq(st, 200, "a fallback name with %FF is taken (it is only a name to look up)")

# XML, strictly.
st, _, body = admin("/admin/listclients?mount=" + MOUNT)
root = strict_xml(body)
tap.ok(st == 200 and not isinstance(root, str), "/admin/listclients is well-formed XML", root)
if not isinstance(root, str):
    li = root.find("source/listener")
    tap.is_eq((li.findtext("UserAgent"), li.findtext("Referer")) if li is not None else None,
              ("Player \u00ff\u00fe", "http://ref.example/\u00ff"),
              "listclients: User-Agent and Referer read as Latin-1, as titles are")
else:
    tap.ok(False, "listclients: User-Agent and Referer read as Latin-1, as titles are")

st, _, body = admin("/admin/stats")
root = strict_xml(body)
tap.ok(st == 200 and not isinstance(root, str), "/admin/stats is well-formed XML", root)
src = None
if not isinstance(root, str):
    src = [s for s in root.findall("source") if s.get("mount") == MOUNT]
    src = src[0] if src else None
tap.is_eq(None if src is None else
          [src.findtext(k) for k in ("server_name", "server_description", "genre", "server_url",
                                     "user_agent", "note")],
          ["Caf\u00e9 \u00ff Radio", "desc \u00ff\u00fe end", "G\u00ffnre",
           "http://example.com/\u00ff", "Enc\u00ff/1", "\u00ff"],
          "/admin/stats: every ice-* value (and an audio-info key's) in UTF-8")

st, _, body = admin("/admin/listmounts")
root = strict_xml(body)
tap.ok(st == 200 and not isinstance(root, str), "/admin/listmounts with a fallback name that "
       "is not UTF-8 is well-formed XML (the writer's backstop)", root)
if not isinstance(root, str):
    tap.is_eq(root.findtext("source/fallback"), "/fb\ufffd.mp3",
              "listmounts: the byte that is not UTF-8 shows as U+FFFD")
else:
    tap.ok(False, "listmounts: the byte that is not UTF-8 shows as U+FFFD")

# JSON, strictly.
st, _, body = admin("/api/v1/listeners?mount=" + MOUNT)
j = strict_json(body)
tap.ok(st == 200 and not isinstance(j, str), "/api/v1/listeners is valid JSON in UTF-8", j)
if not isinstance(j, str):
    tap.is_eq([(x["user_agent"], x["referer"]) for x in j["listeners"]],
              [("Player \u00ff\u00fe", "http://ref.example/\u00ff")],
              "/api/v1/listeners: the same values as listclients")
else:
    tap.ok(False, "/api/v1/listeners: the same values as listclients")

st, _, body = request(b"GET /api/v1/status HTTP/1.0\r\n")
j = strict_json(body)
tap.ok(st == 200 and not isinstance(j, str), "/api/v1/status is valid JSON in UTF-8", j)

st, _, body = request(b"GET /status-json.xsl HTTP/1.0\r\n")
j = strict_json(body)
tap.ok(st == 200 and not isinstance(j, str), "/status-json.xsl is valid JSON in UTF-8", j)
if not isinstance(j, str):
    s = j["icestats"].get("source", {})
    tap.is_eq((s.get("server_name"), s.get("server_description")),
              ("Caf\u00e9 \u00ff Radio", "desc \u00ff\u00fe end"),
              "/status-json.xsl: the names as in /admin/stats")
else:
    tap.ok(False, "/status-json.xsl: the names as in /admin/stats")

st, _, body = admin("/admin/stats.json")
tap.ok(st == 200 and not isinstance(strict_json(body), str), "/admin/stats.json is valid JSON",
       body[:300])

# A mount name that is not UTF-8 is refused, percent-encoded or raw. The
# sockets stay open while the stats are read: an accepted source would be
# live on its mount then.
bad = []
for what, path in (("percent-encoded", b"/bad%FF.mp3"), ("raw", b"/bad\xff.mp3")):
    s2 = socket.create_connection(("127.0.0.1", floe.port), 5)
    s2.sendall(b"SOURCE " + path + b" HTTP/1.0\r\nAuthorization: Basic " + cred +
               b"\r\nContent-Type: audio/mpeg\r\n\r\n")
    s2.settimeout(5)
    ans = b""
    try:
        while b"\r\n\r\n" not in ans:
            d = s2.recv(4096)
            if not d:
                break
            ans += d
        s2.sendall(frames[:8192])
    except OSError:
        pass
    bad.append(s2)
    tap.ok(not ans.startswith(b"HTTP/1.0 200"), "a SOURCE on a mount name that is not UTF-8 "
           "(%s) is refused" % what, ans)
_, _, body = admin("/admin/stats")
tap.ok(b'mount="/bad' not in body, "and no such mount appears in the stats", body[:400])
for s2 in bad:
    s2.close()

feeder.stop()
lis.close()
sock.close()
tap.is_eq(floe.stop(), 0, "floe exits 0")
