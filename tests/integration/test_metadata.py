#!/usr/bin/env python3
"""/admin/metadata: title updates, hostile titles, real clients' requests.

A RawSource streams MP3 to /test.mp3 at four times real time and an ICY
listener reads throughout. Each update must answer icecast2's exact success
document and show up as the next StreamTitle the listener gets, in
/admin/stats (which must stay well-formed XML) and in /status-json.xsl
(valid JSON). Covered: song=; artist=+title=; title alone; a Latin-1 title
with charset=ISO-8859-1; quotes, semicolons, "';", CR/LF, NUL, <script>,
300 non-ASCII characters and a 10 KB title (cut to one ICY block at a UTF-8
boundary). Then the exact requests Liquidsoap and libshout send (from
shared/interop/source-requests.txt) with source credentials, a mount's own
<password>, and the error answers (401, 400 Source does not exist, 400
Missing parameter).
"""
import base64
import json
import threading
import time
import xml.etree.ElementTree as ET

from floelib import (LoopFeeder, Floe, Listener, RawSource, icy_split, media, mp3_frames_offset, parse_response,
                     stream_title, tap, wait_for, wait_mount)

METAINT = 16000
OK_BODY = (b'<?xml version="1.0"?>\n<iceresponse><message>Metadata update successful</message>'
           b'<return>1</return></iceresponse>\n')
MOUNTS = "<mount><mount-name>/own.mp3</mount-name><password>ownpass</password></mount>"
LIQ_HEADERS = ("ice-url: http://example.com/liq\r\nice-name: Liq MP3\r\n"
               "Authorization: Basic c291cmNlOmhhY2ttZQ==\r\nice-description: liquidsoap mp3 test\r\n"
               "ice-public: 0\r\nUser-Agent: Liquidsoap/2.1.3 (Unix; OCaml 4.13.1)\r\n"
               "ice-genre: Test\r\nice-audio-info: channels=2;samplerate=44100;bitrate=128\r\n\r\n")
SOURCE_AUTH = "Authorization: Basic c291cmNlOmhhY2ttZQ==\r\n"




def basic(user, password):
    return "Authorization: Basic %s\r\n" % base64.b64encode(
        ("%s:%s" % (user, password)).encode()).decode()


def request(query, headers="", version="1.0"):
    """GET /admin/metadata?query: (status, headers, body)."""
    return parse_response(floe.raw(("GET /admin/metadata?%s HTTP/%s\r\n%s\r\n"
                                    % (query, version, headers)).encode("latin-1")))


class TitleWatch:
    """Follows the non-empty metadata blocks an ICY listener receives."""

    def __init__(self, lst):
        self.lst, self.seen = lst, 0

    def blocks(self):
        return [m for m in icy_split(self.lst.body(), METAINT)[1] if m]

    def next(self):
        """The text of the next non-empty metadata block (None if none comes)."""
        new = wait_for(lambda: self.blocks()[self.seen:], 10)
        if not new:
            return None
        self.seen += 1
        return new[0]


def stats_values(mount):
    """(title, artist) of a mount in /admin/stats, or an error string."""
    xml = floe.stats()
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as e:
        return "XML error: %s" % e
    for s in root.findall("source"):
        if s.get("mount") == mount:
            return s.findtext("title"), s.findtext("artist")
    return "no such mount"


def json_title(mount):
    """The mount's title in /status-json.xsl, or an error string."""
    st, _, body = floe.get("/status-json.xsl")
    try:
        doc = json.loads(body.decode("utf-8"))
    except ValueError as e:
        return "JSON error: %s" % e
    srcs = doc["icestats"].get("source", [])
    for s in srcs if isinstance(srcs, list) else [srcs]:
        if s.get("listenurl", "").endswith(mount):
            return s.get("title")
    return "no such mount"


def check_update(desc, result, want, check=None, mount="/test.mp3", watch=None, stats=None):
    """An update answered success and its title reached the listener, the
    stats and the JSON. want: the exact StreamTitle, or None to use check()
    (a predicate on the title) instead. stats: the expected (title, artist)."""
    st, _, body = result
    tap.ok(st == 200 and body == OK_BODY, "%s: answers icecast2's success document" % desc,
           (st, body[:200]))
    if watch is None:
        watch = listener_watch
    text = watch.next()
    title = stream_title(text) if text else None
    if want is not None:
        tap.is_eq(title, want, "%s: the listener's next StreamTitle" % desc)
    else:
        tap.ok(title is not None and check(title), "%s: the listener's next StreamTitle" % desc,
               repr(title))
    shown = want if want is not None else title
    tap.is_eq(stats_values(mount), stats or (shown, None),
              "%s: /admin/stats is well-formed and shows it" % desc)
    tap.is_eq(json_title(mount), (stats or (shown,))[0],
              "%s: /status-json.xsl is valid JSON and shows it" % desc)
    return title


def clean(title):
    """No raw CR, LF or NUL, nothing a lenient decoder had to replace."""
    return not any(c in title for c in "\r\n\0\ufffd")

# ---------------------------------------------------------------- setup

with open(media("tone.mp3"), "rb") as f:
    audio = f.read()
audio = audio[mp3_frames_offset(audio):]

floe = Floe(mounts=MOUNTS)
src = RawSource(floe, "/test.mp3")
own_src = RawSource(floe, "/own.mp3", password="ownpass")
tap.ok(src.ok() and own_src.ok(), "sources on /test.mp3 and /own.mp3 (its own password) accepted",
       (src.response, own_src.response))
feeders = [LoopFeeder(s, audio, 4 * 16000) for s in (src, own_src)]
wait_mount(floe, "/test.mp3")
lst = Listener(floe, "/test.mp3", icy=True)
st, hd = lst.head()
tap.ok(st == 200 and hd.get("icy-metaint") == str(METAINT), "ICY listener gets icy-metaint:16000", hd)
listener_watch = TitleWatch(lst)
tap.is_eq(listener_watch.next(), "StreamTitle='';", "the first block carries the empty title")

# ---------------------------------------------------------------- plain updates

res = floe.metadata("/test.mp3", song="Foo - Bar")
tap.ok(res[1].get("content-type", "").startswith("text/xml"), "the answer is text/xml", res[1])
check_update("song=", res, "Foo - Bar")
# As in icecast2, the stats title is what listeners see, "Artist - Title".
check_update("artist=+title=", floe.metadata("/test.mp3", artist="Artist A", title="Track One"),
             "Artist A - Track One")
check_update("title= alone (icecast2 ignores it)", floe.metadata("/test.mp3", title="Only Title"),
             "Only Title")
check_update("charset=ISO-8859-1 with a raw Latin-1 byte",
             request("mode=updinfo&mount=/test.mp3&charset=ISO-8859-1&song=B%E4r%20Caf%E9",
                     basic("admin", "hackme")), "B\u00e4r Caf\u00e9")

# ---------------------------------------------------------------- hostile titles

check_update("quotes ' and \"", floe.metadata("/test.mp3", song="It's \"quoted\""),
             "It's \"quoted\"")
check_update("semicolons", floe.metadata("/test.mp3", song="a; b;c;"), "a; b;c;")
check_update("\"';\" inside", floe.metadata("/test.mp3", song="Rock';Roll';"), None,
             lambda t: t.startswith("Rock'") and "Roll" in t and clean(t))
check_update("CR/LF", floe.metadata("/test.mp3", song="Line1\r\nLine2"), None,
             lambda t: clean(t) and t.startswith("Line1") and t.endswith("Line2"))
check_update("NUL", floe.metadata("/test.mp3", song="Nul\0Byte"), None,
             lambda t: clean(t) and t.startswith("Nul"))
check_update("<script>", floe.metadata("/test.mp3", song="<script>alert('x&y')</script>"),
             "<script>alert('x&y')</script>")
wide = "\u00e4\u00f6\u00fc\u20ac\u65e5" * 60
check_update("300 non-ASCII characters", floe.metadata("/test.mp3", song=wide), wide)
# 10 KB whose euro sign straddles the end of the room an ICY block leaves
# (4080 - len("StreamTitle='';") = 4065 bytes): a byte cut would split it.
huge = "x" * 4064 + "\u20ac" + "y" * 6000
long_title = check_update("a 10 KB title", floe.metadata("/test.mp3", song=huge), None,
                          lambda t: clean(t) and huge.startswith(t) and len(t) > 1000)
if long_title:
    block = "StreamTitle='%s';" % long_title
    tap.ok(len(block.encode()) <= 255 * 16 and len(block.encode()) > 255 * 16 - 8,
           "the 10 KB title is cut to fill one ICY block (%d bytes)" % len(block.encode()))

# ---------------------------------------------------------------- real clients' requests

LIQ = [("title=Track%20One&artist=Artist%20A&song=Artist%20A%20%2D%20Track%20One",
        "Artist A - Track One"),
       ("title=Tr%C3%A4ck%20Tw%C3%B6%20%C3%84%C3%96%C3%9C%20%E2%82%AC&artist=%C3%84rtist%20B&"
        "song=%C3%84rtist%20B%20%2D%20Tr%C3%A4ck%20Tw%C3%B6%20%C3%84%C3%96%C3%9C%20%E2%82%AC",
        "\u00c4rtist B - Tr\u00e4ck Tw\u00f6 \u00c4\u00d6\u00dc \u20ac"),
       ("title=Track%20Three%20%26%20Co%3F%20%3Dx&artist=Artist%20%27C%27&"
        "song=Artist%20%27C%27%20%2D%20Track%20Three%20%26%20Co%3F%20%3Dx",
        "Artist 'C' - Track Three & Co? =x")]
for i, (q, want) in enumerate(LIQ):
    check_update("Liquidsoap request %d" % (i + 1),
                 request("mode=updinfo&mount=/test.mp3&charset=UTF-8&" + q, LIQ_HEADERS), want)

SHOUT = [("artist=Artist%20A&title=Track%20One", "Artist A", "Track One"),
         ("artist=%c3%84rtist%20B&title=Tr%c3%a4ck%20Tw%c3%b6%20%c3%84%c3%96%c3%9c%20%e2%82%ac",
          "\u00c4rtist B", "Tr\u00e4ck Tw\u00f6 \u00c4\u00d6\u00dc \u20ac")]
for i, (q, artist, title) in enumerate(SHOUT):
    query = "mode=updinfo&mount=%2ftest%2emp3&charset=UTF%2d8&" + q
    head = "Host: 127.0.0.1:%d\r\nUser-Agent: libshout/2.4.6\r\n" % floe.port
    st, hd, _ = request(query, head, "1.1")
    tap.ok(st == 401 and hd.get("www-authenticate") == 'Basic realm="Icecast2 Server"',
           "libshout request %d without credentials: 401 with WWW-Authenticate" % (i + 1), (st, hd))
    check_update("libshout request %d with source credentials" % (i + 1),
                 request(query, head + SOURCE_AUTH, "1.1"), "%s - %s" % (artist, title))

own_watch = TitleWatch(Listener(floe, "/own.mp3", icy=True))
own_watch.next()
check_update("a mount's own <password>",
             request("mode=updinfo&mount=/own.mp3&song=Own%20Song", basic("source", "ownpass")),
             "Own Song", mount="/own.mp3", watch=own_watch)

# ---------------------------------------------------------------- errors

before = stats_values("/test.mp3")
for creds in (basic("source", "wrong"), basic("admin", "wrong"), basic("source", "ownpass"), ""):
    st, hd, _ = request("mode=updinfo&mount=/test.mp3&song=Nope", creds)
    tap.is_eq(st, 401, "wrong credentials (%s): 401" % (creds.strip() or "none"))
st, _, body = request("mode=updinfo&mount=/nonexistent.mp3&song=x", basic("admin", "hackme"))
tap.ok(st == 400 and b"Source does not exist" in body, "unknown mount: 400 Source does not exist",
       (st, body))
st, _, body = request("mount=/test.mp3&song=x", basic("admin", "hackme"))
tap.ok(st == 400 and b"Missing parameter" in body, "missing mode: 400 Missing parameter", (st, body))
tap.is_eq(stats_values("/test.mp3"), before, "refused updates changed nothing")

audio_in, metas, err = icy_split(lst.body(), METAINT)
tap.ok(err is None and len(metas) >= listener_watch.seen,
       "the listener's ICY framing parses end to end (%d blocks, %d titles)"
       % (len(metas), listener_watch.seen), err)
tap.ok(all(len(m.encode()) <= 255 * 16 for m in metas), "every metadata block fits the ICY limit")

for f in feeders:
    f.stop()
tap.is_eq(floe.stop(), 0, "floe exits 0 on SIGTERM")
