#!/usr/bin/env python3
"""HLS: /MOUNT.m3u8 and its MPEG-TS segments, played by ffmpeg.

Mounts with <hls>1 and 2-second segments, fed in real time: an MP3 mount
and an AAC (ADTS) one. Checks, each waiting for its event:
- the live playlist: HLS v3, EXT-X-PROGRAM-DATE-TIME, numbered segments,
  a short max-age; ?dvr=1 lists every segment the buffer holds;
- ffmpeg plays each playlist without a decode error; ffprobe sees the
  audio and a timed_id3 stream;
- a title set on the mount reaches the HLS stream as timed ID3 (ffmpeg's
  data stream carries first the old title, then the new one);
- a segment's bytes never change (fetched twice, equal) and are cacheable
  for a day; a segment that is not in the buffer is 404;
- a mount's listener authentication applies to its playlist and segments;
- a mount without <hls>: 404 naming the setting; an Ogg mount: 404 saying
  HLS is for MP3 and AAC.
"""
import os
import re
import shutil
import subprocess
import threading
import urllib.request

from floelib import (ADMIN_PASS, Floe, Feeder, RawSource, free_port, media, read_text, spawn,
                     stat_value, tap, tmpdir, wait_for, wait_mount)

RATE = {"mp3": 16000, "aac": 12000}
floe = Floe(mounts="<mount><mount-name>/live.mp3</mount-name><hls>1</hls>"
                   "<hls-segment-seconds>2</hls-segment-seconds><hls-window>4</hls-window></mount>"
                   "<mount><mount-name>/live.aac</mount-name><hls>1</hls>"
                   "<hls-segment-seconds>2</hls-segment-seconds></mount>"
                   "<mount><mount-name>/sess.mp3</mount-name><hls>1</hls><max-listeners>1"
                   "</max-listeners><hls-segment-seconds>2</hls-segment-seconds></mount>"
                   "<mount><mount-name>/live.ogg</mount-name><hls>1</hls></mount>"
                   "<mount><mount-name>/locked.mp3</mount-name><hls>1</hls>"
                   "<hls-segment-seconds>2</hls-segment-seconds>"
                   "<authentication type=\"static\"><option name=\"username\" value=\"guest\"/>"
                   "<option name=\"password\" value=\"letmein\"/></authentication></mount>")

feeds = []
for mount, path, ctype, rate in (("/live.mp3", "tone.mp3", "audio/mpeg", 16000),
                                 ("/live.aac", "tone.aac", "audio/aac", 12000),
                                 ("/live.ogg", "tone.ogg", "application/ogg", 12000),
                                 ("/plain.mp3", "tone.mp3", "audio/mpeg", 16000),
                                 ("/locked.mp3", "tone.mp3", "audio/mpeg", 16000),
                                 ("/sess.mp3", "tone.mp3", "audio/mpeg", 16000)):
    with open(media(path), "rb") as f:
        data = f.read()
    src = RawSource(floe, mount, content_type=ctype)
    feeds.append(Feeder(src, data, rate, loop=True))
    tap.ok(wait_mount(floe, mount), "%s is live" % mount)
floe.metadata("/live.mp3", song="First Title")


def playlist(mount, query="", auth=None):
    """The playlist as a player gets it: the first answer sends it (302) to
    its session's URL."""
    st, hd, body = floe.get(mount + ".m3u8" + query, auth=auth)
    if st == 302:
        base = mount.rsplit("/", 1)[0]
        st, hd, body = floe.get(base + "/" + hd["location"], auth=auth)
    return st, hd, body.decode("utf-8", "replace")


def segments(text):
    return re.findall(r"^(\S+\.ts(?:\?\S*)?)$", text, re.M)


tap.ok(wait_for(lambda: len(segments(playlist("/live.mp3")[2])) >= 4, 60),
       "the MP3 mount's live playlist fills with segments", playlist("/live.mp3")[2])
st, hd, text = playlist("/live.mp3")
tap.is_eq(st, 200, "/live.mp3.m3u8 answers 200")
tap.is_eq(hd.get("content-type"), "application/vnd.apple.mpegurl", "... as an HLS playlist")
tap.is_eq(hd.get("cache-control"), "public, max-age=1", "... cacheable for a fraction of a segment")
tap.ok(text.startswith("#EXTM3U\n#EXT-X-VERSION:3\n") and "#EXT-X-TARGETDURATION:" in text
       and "#EXT-X-MEDIA-SEQUENCE:" in text, "... with HLS's header lines", text)
tap.is_eq(len(segments(text)), 4, "... and <hls-window> 4 segments")
tap.ok(text.count("#EXT-X-PROGRAM-DATE-TIME:") == 4, "... each with its wall-clock time")
tap.ok(all(1.5 < float(d) < 2.6 for d in re.findall(r"#EXTINF:([0-9.]+),", text)),
       "... each about 2 s long", re.findall(r"#EXTINF:([0-9.]+),", text))
tap.ok(all(re.fullmatch(r"live\.mp3\.hls/\d+\.ts\?s=[0-9a-f]{16}", s) for s in segments(text)),
       "... named relative to the playlist, with the player's session", segments(text))
st, hd, _ = floe.get("/live.mp3.m3u8")
tap.ok(st == 302 and re.fullmatch(r"live\.mp3\.m3u8\?s=[0-9a-f]{16}", hd.get("location", "")),
       "a new player is sent (302) to its session's playlist URL", hd.get("location"))
tap.ok("no-store" in hd.get("cache-control", ""), "... an answer no cache keeps")

seg = "/" + segments(text)[0].split("?")[0]
st1, hd1, b1 = floe.get(seg)
st2, _, b2 = floe.get(seg)
tap.ok(st1 == 200 and st2 == 200 and b1 == b2 and len(b1) > 20000 and len(b1) % 188 == 0,
       "a segment is whole TS packets, the same bytes each time", (st1, st2, len(b1)))
tap.is_eq(hd1.get("content-type"), "video/mp2t", "... as MPEG-TS")
tap.is_eq(hd1.get("cache-control"), "public, max-age=86400, immutable",
          "... cacheable for a day")
st, _, _ = floe.get("/live.mp3.hls/999999999.ts")
tap.is_eq(st, 404, "a segment the buffer does not hold: 404")

floe.metadata("/live.mp3", song="Second Title")
tap.ok(wait_for(lambda: len(segments(playlist("/live.mp3", "?dvr=1")[2])) >= 10, 60),
       "?dvr=1 lists every segment the buffer holds (more than the window)")

# ffmpeg plays the MP3 and AAC playlists from the start of what they list.
for mount, codec in (("/live.mp3", "mp3"), ("/live.aac", "aac")):
    if mount == "/live.aac":
        wait_for(lambda: len(segments(playlist(mount)[2])) >= 3, 60)
    r = subprocess.run(["ffmpeg", "-v", "error", "-live_start_index", "0", "-i",
                        floe.url(mount + ".m3u8"), "-t", "5", "-map", "0:a", "-f", "null", "-"],
                       capture_output=True, text=True, timeout=120)
    tap.ok(r.returncode == 0 and r.stderr.strip() == "",
           "ffmpeg plays %s.m3u8 without a decode error" % mount, r.stderr[-2000:])
    r = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name",
                        "-of", "csv=p=0", floe.url(mount + ".m3u8")],
                       capture_output=True, text=True, timeout=120)
    names = r.stdout.split()
    tap.ok(codec in names and "timed_id3" in names,
           "ffprobe sees %s audio and timed ID3 in %s" % (codec, mount), r.stdout + r.stderr)

# The titles as timed metadata, in stream order.
r = subprocess.run(["ffmpeg", "-v", "error", "-live_start_index", "0", "-i",
                    floe.url("/live.mp3.m3u8?dvr=1"), "-t", "18", "-map", "0:d", "-c", "copy",
                    "-f", "data", "-"], capture_output=True, timeout=120)
first = r.stdout.find(b"First Title")
second = r.stdout.find(b"Second Title")
tap.ok(first >= 0 and second > first,
       "ffmpeg's timed ID3 stream carries the first title, then the second", r.stdout[:300])

# A mount's listener authentication holds for its HLS objects too.
st, _, _ = floe.get("/locked.mp3.m3u8")
tap.is_eq(st, 401, "a mount with listener auth: its playlist asks for credentials")
tap.ok(wait_for(lambda: segments(playlist("/locked.mp3", auth=("guest", "letmein"))[2]) != [],
                60), "... and is served with them")
lseg = "/" + segments(playlist("/locked.mp3", auth=("guest", "letmein"))[2])[0]
tap.is_eq(floe.get(lseg)[0], 401, "... and so is each segment: none without credentials")
tap.is_eq(floe.get(lseg, auth=("guest", "letmein"))[0], 200, "... with them, 200")

# Sessions: players counted as listeners, in listclients, against max-listeners.
def sess_stat(key):
    st, _, body = floe.get("/admin/stats", auth=("admin", ADMIN_PASS))
    return stat_value(body, "/sess.mp3", key) if st == 200 else None


SID = "0123456789abcdef"
tap.ok(wait_for(lambda: segments(floe.get("/sess.mp3.m3u8?s=" + SID)[2].decode()) != [], 60),
       "a player's playlist (its session in the URL) lists segments")
for u in segments(floe.get("/sess.mp3.m3u8?s=" + SID)[2].decode())[:2]:
    floe.get("/" + u)
tap.is_eq(sess_stat("hls_sessions"), "1", "a player fetching the playlist and segments is one "
          "HLS session")
tap.is_eq(sess_stat("listeners"), "1", "... counted as a listener")
st, _, body = floe.get("/admin/listclients?mount=/sess.mp3", auth=("admin", ADMIN_PASS))
tap.ok(st == 200 and b'id="hls-' + SID.encode() in body and b"<type>hls</type>" in body,
       "... and listed by listclients as an HLS session", body[:600])
st, _, _ = floe.get("/sess.mp3.m3u8")
tap.is_eq(st, 403, "with <max-listeners>1 taken by that session, a second player gets 403")
tap.ok(wait_for(lambda: sess_stat("hls_sessions") == "0", 60),
       "a session ends once its player stops fetching", sess_stat("hls_sessions"))

st, _, body = floe.get("/plain.mp3.m3u8")
tap.ok(st == 404 and b"no HLS" in body and b"hls&gt;1" in body,
       "a mount without <hls>: 404 naming the setting",
       (st, body))
st, _, body = floe.get("/live.ogg.m3u8")
tap.ok(st == 404 and b"MP3 and AAC" in body, "an Ogg mount: 404, HLS is for MP3 and AAC",
       (st, body))
# A cache in front: nginx's proxy_cache, as docs/rewind-and-hls.md shows it.
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PLAYERS = 100
if not os.path.exists(NGINX):
    tap.skip("nginx in front of floe's HLS", "nginx is not installed (scripts/install-deps --test)")
else:
    nd = tmpdir()
    nport = free_port()
    conf = os.path.join(nd, "nginx.conf")
    with open(conf, "w") as f:
        f.write("""user root;
worker_processes 1;
pid %(d)s/nginx.pid;
error_log %(d)s/error.log;
events { worker_connections 256; }
http {
    access_log off;
    proxy_cache_path %(d)s/cache keys_zone=floe:10m;
    server {
        listen 127.0.0.1:%(port)d;
        location / {
            proxy_pass http://127.0.0.1:%(floe)d;
            proxy_cache floe;
            proxy_cache_key $scheme$proxy_host$uri;
            proxy_cache_lock on;
            proxy_cache_valid 200 1s;
        }
    }
}
""" % {"d": nd, "port": nport, "floe": floe.port})
    ngx = spawn([NGINX, "-p", nd, "-c", conf, "-g", "daemon off;"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def nget(path):
        try:
            with urllib.request.urlopen("http://127.0.0.1:%d%s" % (nport, path), timeout=10) as r:
                return r.status, r.read()
        except OSError:
            return 0, b""

    tap.ok(wait_for(lambda: nget("/live.mp3.m3u8")[0] == 200, 20),
           "nginx serves floe's playlist", read_text(os.path.join(nd, "error.log")))
    before = read_text(os.path.join(floe.logdir, "access.log"))
    results = []
    seen = set()

    def player():
        # each player: the playlist (sent to its session's URL), then every
        # segment it lists
        st, body = nget("/live.mp3.m3u8")
        urls = ["/" + x for x in segments(body.decode())]
        got = [nget(p) for p in urls]
        seen.update(u.split("?")[0] for u in urls)
        results.append(st == 200 and urls != [] and
                       all(g[0] == 200 and len(g[1]) > 0 for g in got))

    threads = [threading.Thread(target=player) for _ in range(PLAYERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    tap.ok(len(results) == PLAYERS and all(results),
           "%d players fetch the playlist and its segments through nginx" % PLAYERS,
           results.count(False))
    after = read_text(os.path.join(floe.logdir, "access.log"))[len(before):]
    fetches = [len(re.findall(r"GET %s[? ]" % re.escape(p), after)) for p in sorted(seen)]
    tap.is_eq(fetches, [1] * len(seen),
              "floe saw exactly one fetch of each of the %d segments, for %d players" %
              (len(seen), PLAYERS))
    lists = len(re.findall(r"GET /live\.mp3\.m3u8\?s=", after))
    tap.ok(lists <= 30, "... and of the playlist about once a second (%d), not once per "
           "player; each new player's 302 to its session costs floe one small answer" % lists)
    ngx.terminate()
    ngx.wait(10)
for f in feeds:
    f.stop()
