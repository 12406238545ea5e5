#!/usr/bin/env python3
"""An Icecast 2.4 slave relays floe's mounts.

floe runs with a real-time MP3 source on /live.mp3. Debian's icecast2 (as
nobody) runs as a slave with <master-server> pointing at floe, through a
small recording proxy so the test sees exactly what icecast2 asks: every
<master-update-interval> it GETs /admin/streamlist.txt with Basic
credentials (the relay user), then GETs each listed mount with
Icy-MetaData: 1, as a listener. Checks: those requests and floe's answers;
the mount appears on the slave; a plain listener on the slave receives a
contiguous run of exactly what the source sent; an Icy-MetaData listener
on the slave receives the same audio, and the title set on floe with
/admin/metadata (icecast2 takes the ICY blocks of the master's stream and
re-sends them); floe counts the slave as one listener; when the source
leaves floe, the slave drops the mount. Skipped only if icecast2 cannot
start.
"""
import base64
import socket
import threading
import xml.etree.ElementTree as ET

from floelib import (ADMIN_PASS, ICECAST2_TAIL, Floe, Feeder, Icecast2, Listener, RawSource,
                     contiguous_in, icy_split, media, parse_response, stream_title, tap, wait_for,
                     wait_mount)

MOUNT = "/live.mp3"
RATE = 16000            # bytes/s: the file's 128 kbit/s
TITLE = "Relayed Title"
RELAY_USER, RELAY_PASS = "relay", "hackme"     # floelib's config: <relay-password>hackme

SLAVE_CONFIG = """<icecast>
  <location>Slave</location><admin>slave@localhost</admin><hostname>127.0.0.1</hostname>
  <limits><clients>100</clients><sources>10</sources><header-timeout>15</header-timeout>
    <source-timeout>10</source-timeout><burst-size>65536</burst-size></limits>
  <authentication><source-password>{pw}</source-password><relay-password>{pw}</relay-password>
    <admin-user>admin</admin-user><admin-password>{pw}</admin-password></authentication>
  <master-server>127.0.0.1</master-server>
  <master-server-port>{master}</master-server-port>
  <master-update-interval>1</master-update-interval>
  <master-username>{user}</master-username>
  <master-password>{relay_pw}</master-password>
""" + ICECAST2_TAIL


class Recorder:
    """A TCP proxy to floe that keeps the first bytes each way of every
    connection: what icecast2 asked and what floe answered."""

    KEEP = 4096

    def __init__(self, target_port):
        self.target = target_port
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(64)
        self.port = self.lsock.getsockname()[1]
        self.conns = []         # [{"request": bytes, "response": bytes}]
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                return
            try:
                up = socket.create_connection(("127.0.0.1", self.target), 5)
            except OSError:
                c.close()
                continue
            rec = {"request": b"", "response": b""}
            with self.lock:
                self.conns.append(rec)
            threading.Thread(target=self._pipe, args=(c, up, rec, "request"), daemon=True).start()
            threading.Thread(target=self._pipe, args=(up, c, rec, "response"), daemon=True).start()

    def _pipe(self, a, b, rec, key):
        while True:
            try:
                d = a.recv(65536)
            except OSError:
                d = b""
            if not d:
                break
            if len(rec[key]) < self.KEEP:
                rec[key] += d[:self.KEEP - len(rec[key])]
            try:
                b.sendall(d)
            except OSError:
                break
        for s, how in ((b, socket.SHUT_WR), (a, socket.SHUT_RD)):
            try:
                s.shutdown(how)
            except OSError:
                pass

    def asked(self, prefix):
        """The recorded connections whose request begins with prefix."""
        with self.lock:
            return [r for r in self.conns if r["request"].startswith(prefix)]

    def close(self):
        self.lsock.close()


def slave_stats():
    """The slave's /admin/stats as an element tree (None if it has none)."""
    st, _, body = slave.get("/admin/stats", auth=("admin", ADMIN_PASS))
    try:
        return ET.fromstring(body.decode("utf-8", "replace")) if st == 200 else None
    except ET.ParseError:
        return None


def mount_stat(key):
    root = slave_stats()
    if root is None:
        return None
    for s in root.findall("source"):
        if s.get("mount") == MOUNT:
            return s.findtext(key)
    return None


def head_of(raw):
    return raw.partition(b"\r\n\r\n")[0].decode("latin-1")


def auth_of(request):
    """user:password of a request's Basic Authorization header, or None."""
    for line in head_of(request).split("\r\n")[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "authorization" and v.strip().lower().startswith("basic "):
            try:
                return base64.b64decode(v.strip()[6:]).decode("utf-8", "replace")
            except ValueError:
                return None
    return None

# ---------------------------------------------------------------- scenario


if not Icecast2.installed():
    tap.skip("an icecast2 slave relays floe", "icecast2 is not installed")
    raise SystemExit(0)

floe = Floe()
with open(media("tone.mp3"), "rb") as f:
    DATA = f.read()
src = RawSource(floe, MOUNT, extra_headers={"ice-name": "Relay Test", "ice-genre": "Testing",
                                            "ice-bitrate": "128"})
tap.ok(src.ok(), "floe accepts the source", src.response)
feeder = Feeder(src, DATA, RATE, loop=True)
tap.ok(wait_mount(floe, MOUNT), "the mount is live on floe")

# floe's side of the protocol, asked directly.
st, _, body = floe.get("/admin/streamlist.txt", auth=(RELAY_USER, RELAY_PASS))
tap.ok(st == 200 and MOUNT.encode() in body.split(b"\n")[0],
       "floe's /admin/streamlist.txt lists the mount for the relay user", (st, body))
st, _, _ = floe.get("/admin/streamlist.txt", auth=(RELAY_USER, "wrong"))
tap.is_eq(st, 401, "... and refuses a wrong relay password")

proxy = Recorder(floe.port)
slave = Icecast2(SLAVE_CONFIG, pw=ADMIN_PASS, master=proxy.port, user=RELAY_USER,
                 relay_pw=RELAY_PASS)
if not slave.up:
    tap.skip("an icecast2 slave relays floe", slave.skip_reason)
    raise SystemExit(0)

relaying = wait_for(lambda: mount_stat("listeners") is not None, 20, 0.25)
tap.ok(relaying, "the slave lists %s in its stats" % MOUNT, slave.log())

lists = proxy.asked(b"GET /admin/streamlist.txt ")
tap.ok(lists, "icecast2 fetched /admin/streamlist.txt from floe",
       [head_of(r["request"]) for r in proxy.conns[:5]])
if lists:
    first = lists[0]
    tap.diag("icecast2 asked floe:\n  " + head_of(first["request"]).replace("\r\n", "\n  "))
    tap.is_eq(auth_of(first["request"]), "%s:%s" % (RELAY_USER, RELAY_PASS),
              "... with Basic credentials of <master-username>:<master-password>")
    tap.ok(first["response"].startswith(b"HTTP/1.0 200"),
           "... and floe answered HTTP/1.0 200 (icecast2 accepts nothing else)",
           head_of(first["response"]))
    tap.ok(MOUNT.encode() in first["response"].partition(b"\r\n\r\n")[2],
           "... listing %s" % MOUNT, first["response"][:300])
gets = proxy.asked(("GET %s " % MOUNT).encode())
tap.ok(gets, "then icecast2 asked floe for %s" % MOUNT,
       [head_of(r["request"]) for r in proxy.conns[-5:]])
if gets:
    req = head_of(gets[0]["request"])
    tap.diag("icecast2 asked floe:\n  " + req.replace("\r\n", "\n  "))
    tap.ok("icy-metadata: 1" in req.lower(), "... with Icy-MetaData: 1", req)
    st, hd, _ = parse_response(gets[0]["response"])
    tap.ok(st == 200 and hd.get("icy-metaint"), "... and floe answered 200 with icy-metaint",
           head_of(gets[0]["response"]))

# floe counts the slave as one listener, with icecast2's User-Agent.
st, _, body = floe.get("/admin/listclients?mount=" + MOUNT, auth=("admin", ADMIN_PASS))
agents = [li.findtext("UserAgent") for li in ET.fromstring(body).iter("listener")] \
    if st == 200 else body
tap.ok(isinstance(agents, list) and len(agents) == 1 and agents[0].startswith("Icecast"),
       "floe has the slave as its one listener (User-Agent: Icecast ...)", agents)

# Listeners on the slave.
plain = Listener(slave, MOUNT, extra={"User-Agent": "relay-test-plain"})
icy = Listener(slave, MOUNT, icy=True, extra={"User-Agent": "relay-test-icy"})
tap.is_eq(plain.head()[0], 200, "a listener on the slave gets 200")
st, hd = icy.head()
metaint = int(hd.get("icy-metaint", "0") or 0)
tap.ok(st == 200 and metaint > 0, "an Icy-MetaData listener on the slave gets icy-metaint", hd)

# The title set on floe reaches the slave's listeners and stats.
wait_for(lambda: len(icy.body()) > 2 * metaint if metaint else True, 15)
st, _, body = floe.metadata(MOUNT, song=TITLE)
tap.ok(st == 200 and b"<return>1</return>" in body, "floe takes the title update", body)


def titles():
    if not metaint:
        return []
    return [stream_title(m) for m in icy_split(icy.body(), metaint)[1] if m]


tap.ok(wait_for(lambda: TITLE in titles(), 15, 0.2),
       "the slave's Icy-MetaData listener gets StreamTitle='%s'" % TITLE, titles())
tap.ok(wait_for(lambda: mount_stat("title") == TITLE, 10, 0.2),
       "the slave's stats show the title", mount_stat("title"))

# Audio: a contiguous run of what the source sent, on both listeners.
plain.wait_bytes(100000, 20)
got = plain.body()
tap.ok(len(got) >= 100000 and contiguous_in(got, bytes(src.sent)),
       "the slave's plain listener got a contiguous run of the source's bytes",
       "%d bytes, sent %d" % (len(got), len(src.sent)))
audio, _, err = icy_split(icy.body(), metaint or 16000)
tap.ok(err is None and len(audio) >= 100000 and contiguous_in(audio, bytes(src.sent)),
       "the slave's Icy-MetaData listener's audio (ICY stripped) is a contiguous run too",
       err or "%d bytes" % len(audio))
relay_stats = slave_stats()
tap.is_eq(relay_stats.findtext("source_relay_connections") if relay_stats is not None else None,
          "1", "the slave counts one relay connection")

# The source leaves floe: the slave's mount ends and its listeners go.
feeder.stop()
src.close()
tap.ok(wait_for(lambda: mount_stat("listeners") is None, 20, 0.25),
       "when the source leaves floe, the slave drops %s" % MOUNT, slave.log())
tap.ok(wait_for(lambda: plain.closed and icy.closed, 10), "... and closes its listeners")
plain.close()
icy.close()
slave.stop()
proxy.close()
tap.is_eq(floe.stop(), 0, "floe exits 0 on SIGTERM")
