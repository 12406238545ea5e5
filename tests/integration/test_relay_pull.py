#!/usr/bin/env python3
"""floe pulls streams: <relay>, slave mode, on-demand, lost upstreams, https, edges.

Every upstream is a real server: Debian's icecast2 (MP3 with ICY titles and
Ogg Vorbis) and other floe processes. Checks, each waiting for its event:
- a chain master -> relay -> relay: a plain listener at the end gets a
  contiguous run of exactly the bytes the master's source sent, and an ICY
  listener there sees the title set on the master;
- floe relays icecast2's MP3 mount (bytes exact, ICY title) and its Ogg
  mount (stream headers first, decodes cleanly, the Vorbis TITLE in stats);
- slave mode (<master-server>) picks up a mount the master starts and drops
  one the master loses;
- on-demand: no upstream connection until a listener asks, then one; closed
  again <idle-timeout> after the last listener leaves;
- the upstream killed and restarted: the relay's listener stays connected
  and then receives the new source's bytes, with no reconnect of its own;
- an https upstream with a certificate checked against <ca-file> (and one
  that does not verify is refused);
- a master at max-listeners sends the next listener (302) to an edge that
  relays the mount; the edge's relay, authenticated, passes the limit.
"""
import os
import signal
import subprocess
import xml.etree.ElementTree as ET

import floelib
from floelib import (ADMIN_PASS, ICECAST2_TAIL, Floe, Feeder, Icecast2, Listener, RawSource,
                     contiguous_in, decode_errors, free_port, icy_split, media, stat_value,
                     stream_title, tap, tmpdir, wait_for, wait_mount)

MOUNT = "/live.mp3"
RATE = 16000            # tone.mp3 is 128 kbit/s
AUTH = ("admin", ADMIN_PASS)

with open(media("tone.mp3"), "rb") as f:
    MP3 = f.read()


def relay_block(port, mount=MOUNT, local=MOUNT, extra=""):
    return ("<relay><server>127.0.0.1</server><port>%d</port><mount>%s</mount>"
            "<local-mount>%s</local-mount>%s</relay>" % (port, mount, local, extra))


def relay_stat(server, mount, key):
    """A value of floe's <relay mount=...> in /admin/stats (None if absent)."""
    st, _, body = server.get("/admin/stats", auth=AUTH)
    if st != 200:
        return None
    try:
        root = ET.fromstring(body)
    except ET.ParseError:
        return None
    for r in root.findall("relay"):
        if r.get("mount") == mount:
            return r.findtext(key)
    return None


def mount_stat(server, mount, key):
    st, _, body = server.get("/admin/stats", auth=AUTH)
    try:
        return stat_value(body, mount, key) if st == 200 else None
    except ET.ParseError:
        return None


def start_source(server, mount=MOUNT, data=MP3, ctype="audio/mpeg", password=None):
    kw = {"password": password} if password else {}
    src = RawSource(server, mount, content_type=ctype, **kw)
    tap.ok(src.ok(), "%s accepts a source on %s" % (server.name, mount), src.response)
    return src, Feeder(src, data, RATE, loop=True)


def title_seen(listener, want):
    """Has an ICY listener received a metadata block whose title is want?"""
    metaint = int(listener.head()[1].get("icy-metaint", "0") or 0)
    if not metaint:
        return False
    _, metas, _ = icy_split(listener.body(), metaint)
    return any(stream_title(m) == want for m in metas)


# ------------------------------------------------- master -> relay -> relay

master = Floe()
src, feed = start_source(master)
wait_mount(master, MOUNT)
relay1 = Floe(mounts=relay_block(master.port))
tap.ok(wait_mount(relay1, MOUNT, 30), "relay 1 relays the master's mount", relay1.log())
relay2 = Floe(mounts=relay_block(relay1.port))
tap.ok(wait_mount(relay2, MOUNT, 30), "relay 2 relays relay 1's mount", relay2.log())
plain = Listener(relay2, MOUNT)
icy = Listener(relay2, MOUNT, icy=True)
tap.is_eq(plain.head()[0], 200, "a listener at the end of the chain gets 200")
tap.ok(plain.wait_bytes(48000, 30), "... and audio", len(plain.body()))
tap.ok(contiguous_in(plain.body(), bytes(src.sent)),
       "... a contiguous run of exactly the bytes the master's source sent",
       (len(plain.body()), len(src.sent)))
tap.ok("icy-metaint" in icy.head()[1], "an ICY listener at the end gets icy-metaint", icy.head())
master.metadata(MOUNT, song="Chain Title \u00e9")
tap.ok(wait_for(lambda: title_seen(icy, "Chain Title \u00e9"), 30),
       "... and the title set on the master, two hops away, in UTF-8")
tap.ok(wait_for(lambda: mount_stat(relay2, MOUNT, "title") == "Chain Title \u00e9", 30),
       "relay 2's stats show the master's title", mount_stat(relay2, MOUNT, "title"))
tap.is_eq(relay_stat(relay1, MOUNT, "state"), "live", "relay 1's stats: the relay is live")
tap.is_eq(relay_stat(relay1, MOUNT, "upstream"), "http://127.0.0.1:%d%s" % (master.port, MOUNT),
          "... from the master's URL")
plain.close()
icy.close()
relay2.stop()

# ------------------------------------------------- a blip: the master goes on

blip = Listener(relay1, MOUNT)
tap.ok(blip.wait_bytes(32000, 30), "a listener of relay 1 receives audio")
st, _, body = master.get("/admin/listclients?mount=%s" % MOUNT, auth=AUTH)
ids = [el.get("id") for el in ET.fromstring(body).iter("listener")
       if (el.findtext("UserAgent") or "").startswith("floe/")]
tap.is_eq(len(ids), 1, "the master lists relay 1's connection (User-Agent floe/...)")
before = len(blip.body())
st, _, _ = master.get("/admin/killclient?mount=%s&id=%s" % (MOUNT, ids[0] if ids else "0"),
                      auth=AUTH)
tap.is_eq(st, 200, "the master's admin cuts it")
tap.ok(wait_for(lambda: relay_stat(relay1, MOUNT, "connections") == "2", 30),
       "relay 1 connects again", relay_stat(relay1, MOUNT, "state"))
tap.ok(blip.wait_bytes(before + 64000, 30) and not blip.closed,
       "its listener, never reconnected, goes on receiving")
tap.ok(contiguous_in(blip.body(), bytes(src.sent)),
       "... one contiguous run of the source's bytes: the master's burst on the new "
       "connection overlapped what it had, and nothing was repeated or lost",
       (len(blip.body()), len(src.sent)))
tap.ok("repeats" in relay1.log() and "dropped" in relay1.log(),
       "relay 1 logs the overlap it dropped")
blip.close()

# ------------------------------------------------- upstream lost and back

held = Listener(relay1, MOUNT)
tap.ok(held.wait_bytes(32000, 30), "a listener of relay 1 receives audio")
feed.stop()
src.close()
master.stop()
tap.ok(wait_for(lambda: relay_stat(relay1, MOUNT, "state") in ("holding", "retrying"), 30),
       "the master gone, relay 1 says it is holding its listeners",
       relay_stat(relay1, MOUNT, "state"))
tap.ok(relay_stat(relay1, MOUNT, "error") is not None, "... with the upstream's error in stats",
       relay_stat(relay1, MOUNT, "error"))
tap.ok(not held.closed, "... and its listener is still connected")
tap.ok(master.restart(), "the master starts again on the same port")
src2 = RawSource(master, MOUNT)
DATA2 = MP3[len(MP3) // 2:] + MP3[:len(MP3) // 2]      # another point of the file
feed2 = Feeder(src2, DATA2, RATE, loop=True)
before = len(held.body())
tap.ok(wait_for(lambda: relay_stat(relay1, MOUNT, "state") == "live", 60),
       "relay 1 reconnects by itself", relay1.log()[-1500:])
tap.ok(held.wait_bytes(before + 40000, 30) and not held.closed,
       "the same listener, never reconnected, receives the new stream")
tail = held.body()[-20000:]
tap.ok(contiguous_in(tail, bytes(src2.sent)),
       "... exactly the new source's bytes", (len(tail), len(src2.sent)))
tap.ok(int(relay_stat(relay1, MOUNT, "connections") or 0) >= 2,
       "relay 1's stats count the second upstream connection",
       relay_stat(relay1, MOUNT, "connections"))
held.close()
relay1.stop()

# ------------------------------------------------- on demand

od = Floe(mounts=relay_block(master.port, local="/od.mp3",
                             extra="<on-demand>1</on-demand><idle-timeout>1</idle-timeout>"))
tap.ok(wait_for(lambda: relay_stat(od, "/od.mp3", "state") == "idle", 10),
       "an on-demand relay starts idle", relay_stat(od, "/od.mp3", "state"))
tap.is_eq(mount_stat(master, MOUNT, "listeners"), "0",
          "... with no connection to its upstream")
od_l = Listener(od, "/od.mp3")
tap.is_eq(od_l.head()[0], 200, "a listener asks: it gets 200")
tap.ok(od_l.wait_bytes(32000, 30), "... and audio")
tap.ok(contiguous_in(od_l.body(), bytes(src2.sent)), "... the upstream's bytes exactly")
tap.is_eq(mount_stat(master, MOUNT, "listeners"), "1", "the upstream has one connection")
od_l.close()
tap.ok(wait_for(lambda: relay_stat(od, "/od.mp3", "state") == "idle", 30),
       "the listener gone, the relay goes idle after <idle-timeout>", od.log()[-800:])
tap.ok(wait_for(lambda: mount_stat(master, MOUNT, "listeners") == "0", 30),
       "... and the upstream connection is closed", mount_stat(master, MOUNT, "listeners"))

# SIGHUP: a relay added to the file starts, one removed stops.
with open(od.config) as f:
    text = f.read()
start = text.index("<relay>")
end = text.index("</relay>") + len("</relay>")
with open(od.config, "w") as f:
    f.write(text[:start] + relay_block(master.port, local="/added.mp3") + text[end:])
od.signal(signal.SIGHUP)
tap.ok(wait_mount(od, "/added.mp3", 30), "a relay added to the config starts on SIGHUP",
       od.log()[-800:])
tap.ok(wait_for(lambda: relay_stat(od, "/od.mp3", "state") is None, 10),
       "... and the one removed is gone")
od.stop()

# ------------------------------------------------- slave mode

slave = Floe(mounts="<master-server>127.0.0.1</master-server>"
                    "<master-server-port>%d</master-server-port>"
                    "<master-update-interval>1</master-update-interval>"
                    "<master-username>relay</master-username>"
                    "<master-password>hackme</master-password>" % master.port)
tap.ok(wait_mount(slave, MOUNT, 30), "slave mode relays the master's mount", slave.log())
srcb, feedb = start_source(master, "/b.mp3")
tap.ok(wait_mount(slave, "/b.mp3", 30), "... and picks up a mount the master starts")
tap.is_eq(relay_stat(slave, "/b.mp3", "from_master"), "1", "... as a relay from the master")
feedb.stop()
srcb.close()
tap.ok(wait_for(lambda: relay_stat(slave, "/b.mp3", "state") is None and
                mount_stat(slave, "/b.mp3", "listeners") is None, 30),
       "a mount the master no longer lists is dropped", slave.log()[-800:])
tap.ok(mount_stat(slave, MOUNT, "listeners") is not None, "... and the other one stays")
slave.stop()

# ------------------------------------------------- full master: 302 to an edge


def floe_on(port, **kw):
    """A Floe on a given port (one another server's config already names)."""
    saved = floelib.free_port
    floelib.free_port = lambda: port
    try:
        return Floe(**kw)
    finally:
        floelib.free_port = saved


edge_port = free_port()
fm = Floe(mounts="<mount><mount-name>%s</mount-name><max-listeners>1</max-listeners></mount>"
                 "<edges poll-interval=\"1\"><edge>http://127.0.0.1:%d</edge></edges>"
          % (MOUNT, edge_port))
fsrc, ffeed = start_source(fm)
wait_mount(fm, MOUNT)
first = Listener(fm, MOUNT)
tap.is_eq(first.head()[0], 200, "a master with max-listeners 1 takes its one listener")
edge = floe_on(edge_port, mounts=relay_block(
    fm.port, extra="<username>relay</username><password>hackme</password>"))
tap.ok(wait_mount(edge, MOUNT, 30),
       "an edge relays the full master's mount: the relay user passes max-listeners",
       edge.log()[-800:])
tap.is_eq(mount_stat(fm, MOUNT, "listeners"), "2", "the master counts the listener and the edge")


def redirected(path=MOUNT):
    st, hd, _ = fm.get(path)
    return hd.get("location") if st == 302 else None


wait_for(redirected, 30, 0.2)
tap.is_eq(redirected(), "http://127.0.0.1:%d%s" % (edge_port, MOUNT),
          "the next listener of the full master is sent (302) to the edge")
tap.is_eq(redirected(MOUNT + "?x=1"), "http://127.0.0.1:%d%s?x=1" % (edge_port, MOUNT),
          "... with its query kept")
tap.ok("sent to http://127.0.0.1:%d" % edge_port in fm.log(), "the master logs where it sent it")
edge.stop()
tap.ok(wait_for(lambda: redirected() is None, 30, 0.2),
       "the edge gone, the master refuses (403) instead of sending listeners there")
first.close()
ffeed.stop()
fm.stop()

# ------------------------------------------------- https upstream

d = tmpdir()
key, crt = os.path.join(d, "key.pem"), os.path.join(d, "cert.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                "-out", crt, "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
pem = os.path.join(d, "both.pem")
with open(pem, "w") as f:
    f.write(open(key).read() + open(crt).read())
tls_port = free_port()
tls_master = Floe(paths_extra="<ssl-certificate>%s</ssl-certificate>" % pem,
                  mounts="<listen-socket><port>%d</port><bind-address>127.0.0.1</bind-address>"
                         "<ssl>1</ssl></listen-socket>" % tls_port)
tsrc, tfeed = start_source(tls_master)
wait_mount(tls_master, MOUNT)
https = Floe(mounts=relay_block(tls_port, local="/s.mp3",
                                extra="<tls>1</tls><ca-file>%s</ca-file>" % crt) +
             relay_block(tls_port, local="/bad.mp3", extra="<tls>1</tls>"))
tap.ok(wait_mount(https, "/s.mp3", 30), "floe relays an https upstream, its certificate "
       "checked against <ca-file>", https.log()[-800:])
hl = Listener(https, "/s.mp3")
tap.ok(hl.wait_bytes(32000, 30) and contiguous_in(hl.body(), bytes(tsrc.sent)),
       "... and its listener gets the upstream's bytes exactly")
tap.ok(wait_for(lambda: relay_stat(https, "/bad.mp3", "error") is not None, 30),
       "an https upstream whose certificate does not verify is not relayed",
       relay_stat(https, "/bad.mp3", "state"))
tap.ok("certificate" in (relay_stat(https, "/bad.mp3", "error") or "").lower(),
       "... and stats say why", relay_stat(https, "/bad.mp3", "error"))
hl.close()
tfeed.stop()
https.stop()
tls_master.stop()
feed2.stop()
master.stop()

# ------------------------------------------------- icecast2 upstream

ICE = """<icecast><location>Test</location><admin>t@localhost</admin><hostname>127.0.0.1</hostname>
  <limits><clients>50</clients><sources>5</sources><header-timeout>15</header-timeout>
    <source-timeout>10</source-timeout><burst-size>65536</burst-size></limits>
  <authentication><source-password>{pw}</source-password><relay-password>{pw}</relay-password>
    <admin-user>admin</admin-user><admin-password>{pw}</admin-password></authentication>
""" + ICECAST2_TAIL
if not Icecast2.installed():
    tap.skip("floe relays icecast2", "icecast2 is not installed")
    raise SystemExit(0)
ice = Icecast2(ICE, pw=ADMIN_PASS)
if not ice.up:
    tap.skip("floe relays icecast2", ice.skip_reason)
    raise SystemExit(0)
isrc, ifeed = start_source(ice, "/ice.mp3", password=ADMIN_PASS)
ogg_path = os.path.join(tmpdir(), "titled.ogg")
subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", media("tone.ogg"),
                "-c", "copy", "-metadata", "TITLE=Ogg Title", "-metadata", "ARTIST=Ogg Artist",
                ogg_path], check=True)
with open(ogg_path, "rb") as f:
    OGG = f.read()
osrc, ofeed = start_source(ice, "/ice.ogg", data=OGG, ctype="application/ogg",
                           password=ADMIN_PASS)
fl = Floe(mounts=relay_block(ice.port, "/ice.mp3", "/ice.mp3") +
          relay_block(ice.port, "/ice.ogg", "/ice.ogg"))
tap.ok(wait_mount(fl, "/ice.mp3", 30) and wait_mount(fl, "/ice.ogg", 30),
       "floe relays icecast2's MP3 and Ogg mounts", fl.log()[-1000:])
ip = Listener(fl, "/ice.mp3")
ii = Listener(fl, "/ice.mp3", icy=True)
tap.ok(ip.wait_bytes(48000, 30) and contiguous_in(ip.body(), bytes(isrc.sent)),
       "a listener of the relayed icecast2 MP3 gets exactly its source's bytes")
st, _, _ = ice.metadata("/ice.mp3", song="Ice Title")
tap.is_eq(st, 200, "icecast2 takes a title")
tap.ok(wait_for(lambda: title_seen(ii, "Ice Title"), 30),
       "... which floe's ICY listener of the relay sees")
ol = Listener(fl, "/ice.ogg")
tap.ok(ol.wait_bytes(60000, 30), "a listener of the relayed Ogg mount gets audio")
body = ol.body()
tap.ok(body.startswith(b"OggS") and b"\x01vorbis" in body[:200],
       "... starting with the stream's Vorbis headers", body[:64])
out = os.path.join(tmpdir(), "relayed.ogg")
with open(out, "wb") as f:
    f.write(body)
tap.is_eq(decode_errors(out), "", "... and decoding cleanly")
tap.ok(wait_for(lambda: mount_stat(fl, "/ice.ogg", "title") == "Ogg Title", 30),
       "floe's stats show the relayed Vorbis TITLE", mount_stat(fl, "/ice.ogg", "title"))
for x in (ip, ii, ol):
    x.close()
ifeed.stop()
ofeed.stop()
fl.stop()
ice.stop()
