#!/usr/bin/env python3
"""A station as a radio platform runs it: the icecast.xml that the largest
self-hosted platform (AzuraCast) writes for icecast-kh, element for element
(alias / to /status.xsl, fileserve, ssl paths and ciphers, deny-ip and
deny-agents files, x-forwarded-for, logsize, errorlog /dev/stderr, and per
mount: charset, stream-name, listenurl, limit-rate, hidden, intro, a
/fallback-[128].mp3 file fallback with fallback-override,
max-listener-duration, URL listener auth with auth_header).

floe must take that file with no warning and no error, and its poller must
get what it reads from icecast: /admin/stats by XPath, /status-json.xsl?mount=
(the mount taken from listenurl's path) and /admin/listclients.
"""
import base64
import os
import subprocess
import sys
import urllib.parse
import xml.etree.ElementTree as ET
import json

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from auth_backend import Backend  # noqa: E402
from floelib import (FLOE, Floe, Listener, LoopFeeder, RawSource, contiguous_in,  # noqa: E402
                     mp3_frames, tap, tmpdir, wait_for, wait_mount)

RATE = 16000            # 128 kbps
ADMIN = ("admin", "adm1n-pw")
SOURCE_PW = "s0urce-pw"
LISTENURL = "http://radio.example.org:8000/radio.mp3"
CIPHERS = ("ECDH+AESGCM:DH+AESGCM:ECDH+AES256:DH+AES256:ECDH+AES128:DH+AES:RSA+AESGCM:"
           "RSA+AES:!aNULL:!MD5:!DSS")


def basic(user, pw):
    return "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()


def tone(path, freq, seconds):
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "sine=frequency=%d:duration=%d:sample_rate=44100" % (freq, seconds), "-ac",
                    "2", "-c:a", "libmp3lame", "-b:a", "128k", "-write_xing", "0",
                    "-id3v2_version", "0", "-f", "mp3", path], check=True)
    return mp3_frames(path)


d = tmpdir()
web = os.path.join(d, "web")
admin = os.path.join(d, "admin")
os.makedirs(web)
os.makedirs(admin)
# the platform ships icecast's own pages in its webroot and adminroot
for src, dst in (("/usr/share/icecast2/web", web), ("/usr/share/icecast2/admin", admin)):
    for name in os.listdir(src):
        with open(os.path.join(src, name), "rb") as f, open(os.path.join(dst, name), "wb") as g:
            g.write(f.read())
intro = tone(os.path.join(web, "intro.mp3"), 880, 2)
fallback = tone(os.path.join(web, "fallback-[128].mp3"), 330, 6)
live = tone(os.path.join(d, "live.mp3"), 550, 20)
with open(os.path.join(d, "ip_bans.txt"), "w") as f:
    f.write("10.9.8.7\n")
with open(os.path.join(d, "user_agent_bans.txt"), "w") as f:
    f.write("BadBot/1.0\n")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=localhost", "-keyout", os.path.join(d, "key.pem"),
                "-out", os.path.join(d, "cert.pem")], check=True, capture_output=True)

backend = Backend()


def mount(name, extra):
    return """
    <mount type="normal">
        <mount-name>%s</mount-name>
        <charset>UTF8</charset>
        <stream-name>Floe Test FM</stream-name>
        <stream-description>Jazz all day</stream-description>
        <stream-url>https://radio.example.org/</stream-url>
        <genre>Jazz</genre>%s
    </mount>""" % (name, extra)


CONFIG = """<icecast>
    <location>AzuraCast</location>
    <admin>icemaster@localhost</admin>
    <hostname>localhost</hostname>
    <limits>
        <clients>2500</clients>
        <sources>2</sources>
        <queue-size>524288</queue-size>
        <client-timeout>30</client-timeout>
        <header-timeout>15</header-timeout>
        <source-timeout>10</source-timeout>
        <burst-size>65535</burst-size>
    </limits>
    <authentication>
        <source-password>{source_pw}</source-password>
        <relay-password>r3lay-pw</relay-password>
        <admin-user>admin</admin-user>
        <admin-password>adm1n-pw</admin-password>
    </authentication>
    <listen-socket>
        <port>{port}</port>
        <bind-address>127.0.0.1</bind-address>
    </listen-socket>
    {mount_blocks}
    <fileserve>1</fileserve>
    <paths>
        <basedir>{dir}</basedir>
        <logdir>{logdir}</logdir>
        <webroot>{web}</webroot>
        <adminroot>{admin}</adminroot>
        <pidfile>{dir}/icecast.pid</pidfile>
        <alias source="/" dest="/status.xsl"/>
        <ssl-private-key>{files}/key.pem</ssl-private-key>
        <ssl-certificate>{files}/cert.pem</ssl-certificate>
        <ssl-allowed-ciphers>{ciphers}</ssl-allowed-ciphers>
        <deny-ip>{files}/ip_bans.txt</deny-ip>
        <deny-agents>{files}/user_agent_bans.txt</deny-agents>
        <x-forwarded-for>127.0.0.1</x-forwarded-for>
    </paths>
    <logging>
        <accesslog>icecast_access.log</accesslog>
        <errorlog>/dev/stderr</errorlog>
        <loglevel>3</loglevel>
        <logsize>10000</logsize>
    </logging>
    <security>
        <chroot>0</chroot>
    </security>
</icecast>
"""
MOUNTS = mount("/radio.mp3", """
        <listenurl>%s</listenurl>
        <limit-rate>%d</limit-rate>
        <intro>intro.mp3</intro>
        <fallback-mount>/fallback-[128].mp3</fallback-mount>
        <fallback-override>1</fallback-override>
        <max-listener-duration>3600</max-listener-duration>
        <authentication type="url">
            <option name="listener_add" value="%s"/>
            <option name="auth_header" value="icecast-auth-user: 1"/>
        </authentication>""" % (LISTENURL, 128 * 1024 + 2500, backend.url("/add"))) + \
    mount("/hidden.mp3", """
        <listenurl>http://radio.example.org:8000/hidden.mp3</listenurl>
        <hidden>1</hidden>""")
fmt = dict(files=d, source_pw=SOURCE_PW, mount_blocks=MOUNTS, web=web, admin=admin, ciphers=CIPHERS)

# ---- the file is taken as it is: no warning, no error
cfg = os.path.join(d, "icecast.xml")
check_port = 8000
with open(cfg, "w") as f:
    f.write(CONFIG.format(port=check_port, dir=d, logdir=d, **fmt))
r = subprocess.run([FLOE, "--check-config", cfg], capture_output=True, text=True)


def warnings(text):
    """The warning and error lines of text, but the one about running as root:
    the suite runs as root, the platform runs icecast as its own user."""
    return [ln for ln in text.splitlines()
            if ("warning" in ln.lower() or "error" in ln.lower()) and
            "started as root" not in ln]


tap.ok(r.returncode == 0 and not warnings(r.stdout + r.stderr),
       "--check-config: the platform's icecast.xml, no warning and no error",
       r.stdout + r.stderr)

floe = Floe(config=CONFIG, **fmt)
with open(os.path.join(floe.dir, "stderr.txt")) as f:
    startup = f.read()
tap.ok(not warnings(startup),
       "floe starts with no warning and no error (errorlog /dev/stderr)", startup)

# ---- before any source: the file fallback plays
early = Listener(floe, "/radio.mp3", extra={"User-Agent": "Early/1.0"})
st, _ = early.head()
tap.is_eq(st, 200, "no source yet: a listener is admitted (the file fallback plays)")
tap.ok(early.wait_bytes(len(intro) + 20000) and contiguous_in(fallback[4096:12288], early.body()),
       "and hears the fallback file")

# ---- the live source, and its titles as the platform's Liquidsoap sends them
src = RawSource(floe, "/radio.mp3", password=SOURCE_PW,
                extra_headers={"ice-name": "Floe Test FM", "ice-public": "0",
                               "ice-audio-info": "channels=2;samplerate=44100;bitrate=128"})
tap.ok(src.ok(), "the live source is accepted", src.response)
feed = LoopFeeder(src, live, RATE)
tap.ok(wait_for(lambda: contiguous_in(live[:8192], early.body()), 30),
       "fallback-override: the early listener moves to the live stream")
q = urllib.parse.urlencode({"mode": "updinfo", "mount": "/radio.mp3", "charset": "UTF-8",
                            "title": "So What", "artist": "Miles Davis",
                            "song": "Miles Davis - So What"})
st, _, body = floe.get("/admin/metadata?" + q, auth=("source", SOURCE_PW))
tap.ok(st == 200 and b"successful" in body, "a title update from the source's credentials", body)

# ---- a listener through the URL auth backend gets the intro, then the live stream
lst = Listener(floe, "/radio.mp3", extra={"User-Agent": "VLC/3.0.18 LibVLC/3.0.18"})
st, _ = lst.head()
tap.is_eq(st, 200, "listener admitted by the auth backend (icecast-auth-user: 1)")
rec = backend.wait(lambda r: r["form"].get("action") == "listener_add" and
                   r["form"].get("agent", "").startswith("VLC"))
tap.ok(rec is not None and rec["form"].get("mount", "").startswith("/radio.mp3"),
       "the backend was asked (listener_add)", rec)
tap.ok(lst.wait_bytes(len(intro) + 16000) and lst.body().startswith(intro),
       "the listener's first bytes are the intro file")
tap.ok(wait_for(lambda: contiguous_in(live[16000:24000], lst.body()[len(intro):]), 30),
       "then the live stream")

# ---- who may not listen
st, _, _ = floe.get("/radio.mp3", headers={"User-Agent": "BadBot/1.0"})
tap.is_eq(st, 403, "deny-agents: a banned agent is refused")
st, _, _ = floe.get("/radio.mp3", headers={"X-Forwarded-For": "10.9.8.7"})
tap.is_eq(st, 403, "deny-ip through x-forwarded-for: the banned address behind the proxy is "
          "refused")

# ---- the poller: /admin/stats by XPath
tap.ok(wait_for(lambda: (ET.fromstring(floe.get("/admin/stats", auth=ADMIN)[2])
                         .findtext("source[@mount='/radio.mp3']/listeners") or "0") == "2", 20),
       "/admin/stats counts both listeners")
root = ET.fromstring(floe.get("/admin/stats", auth=ADMIN)[2])
s = root.find("source[@mount='/radio.mp3']")
got = {k: s.findtext(k) for k in ("title", "artist", "bitrate", "listeners", "listenurl",
                                  "server_name", "genre")} if s is not None else None
# an MP3 mount's title is "artist - title", with no artist of its own, exactly
# as icecast2 2.4 shows it (the poller splits it; Ogg streams carry both)
tap.is_eq(got, {"title": "Miles Davis - So What", "artist": None, "bitrate": "128",
                "listeners": "2", "listenurl": LISTENURL, "server_name": "Floe Test FM",
                "genre": "Jazz"},
          "/admin/stats: title (as icecast2), bitrate, listeners, listenurl, name, genre")

# ---- /status-json.xsl?mount=, the mount taken from listenurl's path
path = urllib.parse.urlparse(LISTENURL).path
st, _, body = floe.get("/status-json.xsl?mount=" + path)
try:
    src_json = json.loads(body)["icestats"]["source"]
except (ValueError, KeyError, TypeError):
    src_json = None
if isinstance(src_json, list):
    src_json = src_json[0] if len(src_json) == 1 else None
got = {k: src_json.get(k) for k in ("title", "artist", "bitrate", "listeners", "listenurl")} \
    if src_json else None
tap.is_eq(got, {"title": "Miles Davis - So What", "artist": None, "bitrate": 128,
                "listeners": 2, "listenurl": LISTENURL},
          "/status-json.xsl?mount=%s: the one source, with title, bitrate, listeners" % path)
st, _, body = floe.get("/status-json.xsl")
tap.ok(st == 200 and b"/hidden.mp3" not in body, "a hidden mount is not in /status-json.xsl")

# ---- /admin/listclients: each client's ID, IP, UserAgent, Connected
root = ET.fromstring(floe.get("/admin/listclients?mount=/radio.mp3", auth=ADMIN)[2])
clients = [{k: c.findtext(k) for k in ("ID", "IP", "UserAgent", "Connected")}
           for c in root.iter("listener")]
tap.ok(len(clients) == 2 and all(c["ID"] and c["ID"].isdigit() and c["IP"] == "127.0.0.1" and
                                 c["Connected"] and c["Connected"].isdigit() for c in clients) and
       sorted(c["UserAgent"] for c in clients) == ["Early/1.0", "VLC/3.0.18 LibVLC/3.0.18"],
       "/admin/listclients: ID, IP, UserAgent and Connected for both", clients)

# ---- the pages: / is the status page (alias), icecast's own status.xsl
st, _, body = floe.get("/")
tap.ok(st == 200 and b"Floe Test FM" in body and b"/radio.mp3" in body,
       "/ (alias to /status.xsl) shows the station", body[:300])
st, _, body = floe.get("/admin/", auth=ADMIN)
tap.ok(st == 200 and b"/radio.mp3" in body, "/admin/ renders icecast's admin page", body[:300])

# ---- the logs
acc = os.path.join(floe.logdir, "icecast_access.log")
tap.ok(wait_for(lambda: os.path.exists(acc) and "/admin/stats" in open(acc).read(), 10),
       "the access log (icecast_access.log, in logdir) has the poller's requests")

feed.stop()
src.close()
for x in (early, lst):
    x.close()
tap.is_eq(floe.stop(), 0, "floe exits cleanly")
backend.stop()
