#!/usr/bin/env python3
"""Icecast's admin API beyond stats and metadata (listclients, moveclients,
killclient, killsource, fallbacks, streamlist.txt, buildm3u, admin.cgi),
each as icecast2's XML and as JSON; the /api/v1 JSON API with its rules
(actions are POST only, cross-site requests refused); and the /MOUNT.m3u
and /MOUNT.pls playlists."""
import base64
import json
import xml.etree.ElementTree as ET

from floelib import (ADMIN_PASS, Floe, Listener, LoopFeeder, RawSource, media, mp3_frames_offset,
                     parse_response, stat_value, tap, wait_for)

floe = Floe()
ADMIN = ("admin", ADMIN_PASS)
with open(media("tone.mp3"), "rb") as f:
    tone = f.read()
frames = tone[mp3_frames_offset(tone):]


def source(mount, name):
    src = RawSource(floe, mount, extra_headers={"ice-name": name})
    feeder = LoopFeeder(src, frames, 64000)
    wait_for(lambda: stat_value(floe.stats(), mount, "listeners") is not None, 10)
    return src, feeder


def admin(path, auth=ADMIN, method="GET", headers=None):
    h = "%s %s HTTP/1.0\r\nHost: 127.0.0.1:%d\r\n" % (method, path, floe.port)
    if auth:
        h += "Authorization: Basic %s\r\n" % base64.b64encode(("%s:%s" % auth).encode()).decode()
    for k, v in (headers or {}).items():
        h += "%s: %s\r\n" % (k, v)
    return parse_response(floe.raw((h + "\r\n").encode()))


def listeners(mount):
    v = stat_value(floe.stats(), mount, "listeners")
    return int(v) if v is not None else None


a_src, a_feed = source("/a.mp3", "Stream A")
b_src, b_feed = source("/b.mp3", "Stream B")
ls = [Listener(floe, "/a.mp3", extra={"User-Agent": "Player %d <x>" % i}) for i in range(3)]
for l in ls:
    l.wait_bytes(1000)

# listclients, XML and JSON
st, hd, body = admin("/admin/listclients?mount=/a.mp3")
root = ET.fromstring(body)
src = root.find("source")
tap.ok(st == 200 and src is not None and src.get("mount") == "/a.mp3" and
       src.findtext("Listeners") == "3", "listclients: XML with the mount and 3 listeners", body[:300])
agents = sorted(x.findtext("UserAgent") for x in src.findall("listener")) if src is not None else []
tap.is_eq(agents, ["Player 0 <x>", "Player 1 <x>", "Player 2 <x>"],
          "listclients: each listener's user agent (escaped in XML, parsed back intact)")
ids = [x.get("id") for x in src.findall("listener")] if src is not None else []
st, hd, body = admin("/admin/listclients.json?mount=/a.mp3")
j = json.loads(body)
tap.ok(st == 200 and hd.get("content-type", "").startswith("application/json") and
       [x["IP"] for x in j["icestats"]["source"][0]["listener"]] == ["127.0.0.1"] * 3,
       "listclients.json: the same as JSON")
st, _, body = admin("/admin/listclients?mount=/a.mp3&format=json")
tap.ok(json.loads(body)["icestats"]["source"][0]["Listeners"] == 3, "?format=json works too")

# killclient
st, _, body = admin("/admin/killclient?mount=/a.mp3&id=%s" % ids[0])
tap.ok(b"<return>1</return>" in body and b"removed" in body, "killclient answers success", body)
tap.ok(wait_for(lambda: sum(l.closed for l in ls) == 1, 10), "the kicked listener is disconnected")
tap.ok(wait_for(lambda: listeners("/a.mp3") == 2, 10), "and stats count 2 listeners")
st, _, body = admin("/admin/killclient?mount=/a.mp3&id=999999")
tap.ok(b"<return>0</return>" in body, "killclient of an unknown id answers return 0", body)

# moveclients
st, _, body = admin("/admin/moveclients?mount=/a.mp3&destination=/b.mp3")
tap.ok(b"<return>1</return>" in body, "moveclients answers success", body)
tap.ok(wait_for(lambda: (listeners("/a.mp3"), listeners("/b.mp3")) == (0, 2), 10),
       "moveclients: the 2 listeners are now on /b.mp3")
st, _, body = admin("/admin/moveclients?mount=/b.mp3&destination=/nope.mp3")
tap.ok(st == 400 and b"Destination does not exist" in body, "moveclients to a dead mount: 400")

# fallbacks (run time) then killsource: listeners of /b.mp3 go to /a.mp3
st, _, body = admin("/admin/fallbacks?mount=/b.mp3&fallback=/a.mp3")
tap.ok(b"Fallback configured" in body, "fallbacks sets a fallback", body)
st, _, body = admin("/admin/listmounts")
tap.ok(b"<source mount=\"/b.mp3\"><fallback>/a.mp3</fallback>" in body,
       "listmounts shows the new fallback", body[:400])
st, _, body = admin("/admin/killsource?mount=/b.mp3")
tap.ok(b"Source Removed" in body, "killsource answers Source Removed", body)
tap.ok(wait_for(lambda: listeners("/b.mp3") is None and listeners("/a.mp3") == 2, 10),
       "the killed source's listeners moved to the run-time fallback")
b_feed.stop()

# streamlist.txt: relay credentials (what an icecast slave polls)
st, _, body = admin("/admin/streamlist.txt", auth=("relay", "hackme"))
tap.ok(st == 200 and body.decode().split() == ["/a.mp3"], "streamlist.txt with relay credentials",
       body)
st, _, _ = admin("/admin/streamlist.txt", auth=("source", "hackme"))
tap.is_eq(st, 401, "streamlist.txt refuses source credentials")

# buildm3u and /MOUNT.m3u, /MOUNT.pls
st, hd, body = admin("/admin/buildm3u?mount=/a.mp3&username=u&password=p", auth=None)
tap.ok(st == 200 and body.strip().endswith(b"://u:p@127.0.0.1:%d/a.mp3" % floe.port),
       "buildm3u builds a URL with the credentials", body)
st, hd, body = admin("/a.mp3.m3u", auth=None)
tap.ok(st == 200 and hd.get("content-type") == "audio/x-mpegurl" and
       body.strip() == b"http://127.0.0.1:%d/a.mp3" % floe.port, "/a.mp3.m3u is a playlist", body)
st, hd, body = admin("/a.mp3.pls", auth=None)
tap.ok(st == 200 and b"File1=http://127.0.0.1:%d/a.mp3" % floe.port in body and
       b"Title1=Stream A" in body, "/a.mp3.pls is a PLS playlist", body)
tap.is_eq(admin("/nope.mp3.m3u", auth=None)[0], 404, "a playlist of no mount is 404")

# admin.cgi (Shoutcast DNAS style)
st, _, _ = admin("/admin.cgi?mode=updinfo&pass=hackme&mount=/a.mp3&song=Via%20CGI", auth=None)
tap.ok(st == 200 and wait_for(lambda: stat_value(floe.stats(), "/a.mp3", "title") == "Via CGI", 5),
       "admin.cgi with the source password sets the title")
tap.is_eq(admin("/admin.cgi?mode=updinfo&pass=wrong&song=x", auth=None)[0], 401,
          "admin.cgi with a wrong password: 401")

# /api/v1
st, hd, body = admin("/api/v1/status", auth=None)
j = json.loads(body)
tap.ok(st == 200 and isinstance(j["mounts"], list) and j["mounts"][0]["mount"] == "/a.mp3" and
       "source_ip" not in j["mounts"][0], "api/v1/status: public, mounts always an array, no "
       "private fields", body[:300])
st, _, body = admin("/api/v1/mounts")
tap.ok(st == 200 and json.loads(body)["mounts"][0]["source_ip"] == "127.0.0.1",
       "api/v1/mounts (admin) has every field")
tap.is_eq(admin("/api/v1/mounts", auth=None)[0], 401, "api/v1/mounts without credentials: 401")
st, _, body = admin("/api/v1/listeners?mount=/a.mp3")
tap.ok(st == 200 and len(json.loads(body)["listeners"]) == 2, "api/v1/listeners lists them", body)
st, _, body = admin("/api/v1/metadata?mount=/a.mp3&song=API")
tap.ok(st == 405 and json.loads(body)["ok"] is False, "api/v1 actions refuse GET (405)", body)
st, _, body = admin("/api/v1/metadata?mount=/a.mp3&song=API", method="POST",
                    headers={"Origin": "http://evil.example"})
tap.ok(st == 403, "api/v1 refuses a POST from another site's page (CSRF)", body)
st, _, body = admin("/api/v1/metadata?mount=/a.mp3&song=API", method="POST",
                    headers={"Origin": "http://127.0.0.1:%d" % floe.port})
tap.ok(st == 200 and json.loads(body) == {"ok": True, "message": "Metadata update successful"} and
       wait_for(lambda: stat_value(floe.stats(), "/a.mp3", "title") == "API", 5),
       "api/v1/metadata POST from the same origin sets the title", body)
st, _, body = admin("/api/v1/kill-source?mount=/nope.mp3", method="POST")
tap.ok(st == 404 and json.loads(body)["error"] == "Source does not exist", "api/v1 on a dead mount: 404")
tap.is_eq(admin("/api/v1/nothing", auth=None)[0], 404, "unknown api endpoint: 404")

# unknown admin command, no auth
st, _, body = admin("/admin/nothing")
tap.ok(st == 400 and b"Unrecognised command" in body, "unknown admin command: 400 as icecast2")
tap.is_eq(admin("/admin/listclients?mount=/a.mp3", auth=("admin", "wrong"))[0], 401,
          "wrong admin password: 401")
a_feed.stop()
tap.is_eq(floe.stop(), 0, "floe exits 0")
