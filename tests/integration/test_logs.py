#!/usr/bin/env python3
"""Logs and values as icecast.xml files in the field write them: an error log
on /dev/stderr or "-" (for a process supervisor), an absolute access-log path,
<playlistlog> lines in icecast2's format, rotation by <logsize> with and
without <logarchive> (nothing lost with it), <server-id> in the Server header
and the stats, <burst-on-connect>0, and icecast2's spellings of values
(64k, unlimited, any non-zero number for true) loading without a warning.
"""
import glob
import os
import re
import subprocess
import urllib.parse

from floelib import (CONFIG_TEMPLATE, FLOE, Floe, Listener, RawSource, read_text,
                     stat_value, tap, tmpdir, wait_for, wait_mount)

ADMIN = ("admin", "hackme")
LOGGING = ("<logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog>"
           "<loglevel>4</loglevel></logging>")
assert LOGGING in CONFIG_TEMPLATE


def config(logging, limits="", extra="", mounts=""):
    text = CONFIG_TEMPLATE.replace(LOGGING, logging)
    text = text.replace("{limits_extra}", limits).replace("{mounts}", mounts)
    return text.replace("</icecast>", extra + "</icecast>")


def warnings(text):
    """Warning lines, but the one about running as root (the suite runs as root)."""
    return [ln for ln in text.splitlines() if "warning" in ln and "started as root" not in ln]


def noise(seconds):
    """128 kbps MP3 of noise: no two stretches alike, so where a listener's
    bytes start in the stream can be told."""
    path = os.path.join(tmpdir(), "noise%d.mp3" % seconds)
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "anoisesrc=d=%d:c=white:r=44100:a=0.3:s=3" % seconds, "-ac", "2",
                    "-c:a", "libmp3lame", "-b:a", "128k", "-write_xing", "0",
                    "-id3v2_version", "0", "-f", "mp3", path], check=True)
    with open(path, "rb") as f:
        return f.read()


def set_title(floe, mount, title):
    q = urllib.parse.urlencode({"mode": "updinfo", "mount": mount, "song": title})
    return floe.get("/admin/metadata?" + q, auth=ADMIN)[0]


def read_all(path):
    """A log with what rotation moved away (logsize applies to every log)."""
    return "".join(read_text(p) for p in sorted(glob.glob(path + ".*")) + [path])




# ---- values as icecast2 takes them: no warning at all
d = tmpdir()
cfg = os.path.join(d, "values.xml")
with open(cfg, "w") as f:
    f.write(config(LOGGING, limits="<burst-on-connect>1</burst-on-connect>",
                   mounts="<mount><mount-name>/v.mp3</mount-name><max-listeners>unlimited"
                          "</max-listeners><hidden>2</hidden><public>1</public></mount>").format(
        clients=100, sources=4, queue_size="512k", header_timeout=15, source_timeout=10,
        burst_size="64k", source_pass="hackme", admin_pass="hackme", port=8000, logdir=d,
        webroot=d, paths_extra=""))
r = subprocess.run([FLOE, "--check-config", cfg], capture_output=True, text=True)
out = r.stdout + r.stderr
tap.ok(r.returncode == 0 and not warnings(out),
       "512k, 64k, unlimited, <hidden>2, burst-on-connect 1: loaded with no warning", out)

# ---- floe A: error log on /dev/stderr, an absolute access log, the playlist log
# rotated at 1 KiB with logarchive (nothing lost), server-id, no burst
acc = os.path.join(tmpdir(), "abs-access.log")
floe = Floe(config=config(
    "<logging><accesslog>%s</accesslog><errorlog>/dev/stderr</errorlog>"
    "<playlistlog>playlist.log</playlistlog><loglevel>4</loglevel>"
    "<logsize>1</logsize><logarchive>1</logarchive></logging>" % acc,
    limits="<burst-on-connect>0</burst-on-connect>",
    extra="<server-id>Icecast 2.4.4</server-id>",
    mounts="<mount><mount-name>/b.mp3</mount-name><burst-size>65536</burst-size></mount>"),
    clients=100, sources=10, queue_size=524288, header_timeout=15, source_timeout=10,
    burst_size="65536", source_pass="hackme", admin_pass="hackme",
    webroot=tmpdir(), paths_extra="")
# burst-size comes before burst-on-connect in <limits>, so the global burst is 0;
# /b.mp3 sets its own, the control that shows the check can fail
stderr_path = os.path.join(floe.dir, "stderr.txt")
tap.ok(wait_for(lambda: "starting with" in read_text(stderr_path), 10),
       "errorlog /dev/stderr: the error log is floe's standard error",
       read_text(stderr_path)[-500:])
tap.ok(not os.path.exists(os.path.join(floe.logdir, "dev")), "... not a file under logdir")

st, hd, body = floe.get("/admin/stats", auth=ADMIN)
tap.is_eq(hd.get("server"), "Icecast 2.4.4", "server-id: the Server header")
tap.is_eq(stat_value(body.decode(), None, "server_id"), "Icecast 2.4.4", "server-id: server_id in stats")

# burst-on-connect 0: a listener starts at the live point
data = noise(20)
srcs = {}
for m in ("/a.mp3", "/b.mp3"):
    srcs[m] = RawSource(floe, m, password="hackme")
    tap.ok(srcs[m].ok(), "source on %s" % m, srcs[m].response)
before = data[:200000]
for m in srcs:
    srcs[m].send_paced(before, 65536)
for m in srcs:
    tap.ok(wait_for(lambda: stat_value(floe.stats(), m, "total_bytes_read") == str(len(before)),
                    20), "floe has read the first 200 KB on %s" % m)
lst = {m: Listener(floe, m) for m in srcs}
for m in srcs:
    lst[m].head()
for m in srcs:
    srcs[m].send_paced(data[200000:232000], 65536)
for m in srcs:
    lst[m].wait_bytes(4096)
starts = {m: data.find(lst[m].body()[:4096]) for m in srcs}
tap.ok(starts["/a.mp3"] >= 150000,
       "burst-on-connect 0: the listener's first bytes are live, not from the past",
       starts)
tap.ok(0 <= starts["/b.mp3"] < 150000,
       "a mount's own burst-size still bursts (the control)", starts)

# playlist log: one line per title change, icecast2's layout
for i in range(40):
    set_title(floe, "/a.mp3", "Title number %02d of the day" % i)
plog = os.path.join(floe.logdir, "playlist.log")
LINE = re.compile(r"^\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\|/a\.mp3\|\d+\|"
                  r"Title number (\d\d) of the day$")


def playlist_lines():
    lines = []
    for p in sorted(glob.glob(plog + ".*")) + [plog]:
        lines += read_text(p).splitlines()
    return lines


tap.ok(wait_for(lambda: len(playlist_lines()) >= 40, 10), "40 playlist-log lines",
       playlist_lines()[-3:])
lines = playlist_lines()
tap.ok(all(LINE.match(ln) for ln in lines) and
       sorted(int(LINE.match(ln).group(1)) for ln in lines) == list(range(40)),
       "each is date|mount|listeners|title, and none is lost", lines[:3])
archives = glob.glob(plog + ".2*")
tap.ok(len(archives) >= 2 and all(os.path.getsize(p) <= 1024 + 200 for p in archives),
       "logsize 1 KiB with logarchive: rotated to timestamped files", archives)
tap.ok(os.path.getsize(plog) <= 1024 + 200, "the current file stays under the size")

# access log at an absolute path: one line per request, as icecast2 writes them
lst["/a.mp3"].close()
tap.ok(wait_for(lambda: '"GET /a.mp3 HTTP/1.1" 200' in read_all(acc), 10),
       "an absolute accesslog is used as written", read_all(acc)[-300:])
bad = RawSource(floe, "/c.mp3", password="wrong")
bad.close()
floe.get("/admin/stats", auth=ADMIN)
floe.get("/no/such/file")
floe.get("/admin.cgi?mode=updinfo&pass=hackme&mount=/a.mp3&song=Hi")
CLF = r'^127\.0\.0\.1 - (\S+) \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\] "%s" %d \d+ "[^"]*" "[^"]*" \d+$'


def logged(request, status):
    pat = re.compile(CLF % (re.escape(request), status))
    return any(pat.match(ln) for ln in read_all(acc).splitlines())


for req, status, what in (("SOURCE /c.mp3 HTTP/1.0", 401, "a refused source login"),
                          ("GET /admin/stats HTTP/1.0", 200, "an admin request"),
                          ("GET /no/such/file HTTP/1.0", 404, "a 404"),
                          ("GET /admin.cgi?mode=updinfo&pass=***&mount=/a.mp3&song=Hi HTTP/1.0",
                           200, "admin.cgi, its password left out")):
    tap.ok(wait_for(lambda: logged(req, status), 10), "access log: %s (%d)" % (what, status),
           read_all(acc)[-600:])
tap.ok("pass=hackme" not in read_all(acc), "no password in the access log")
for m in srcs:
    srcs[m].close()
lst["/b.mp3"].close()
tap.is_eq(floe.stop(), 0, "floe exits cleanly")

# ---- floe B: "-" for both logs, and rotation to NAME.old without logarchive
floe = Floe(config=config("<logging><accesslog>-</accesslog><errorlog>-</errorlog>"
                          "<playlistlog>pl.log</playlistlog><logsize>1</logsize>"
                          "</logging>"),
            clients=100, sources=10, queue_size=524288, header_timeout=15, source_timeout=10,
            burst_size=65536, source_pass="hackme", admin_pass="hackme",
            webroot=tmpdir(), paths_extra="")
stderr_path = os.path.join(floe.dir, "stderr.txt")
src = RawSource(floe, "/c.mp3", password="hackme")
src.send(data[:20000])
wait_mount(floe, "/c.mp3")
for i in range(40):
    set_title(floe, "/c.mp3", "Another title %02d" % i)
pl = os.path.join(floe.logdir, "pl.log")
tap.ok(wait_for(lambda: "Another title 39" in read_text(pl) + read_text(pl + ".old"), 10) and
       os.path.exists(pl + ".old") and os.path.getsize(pl + ".old") <= 1024 + 200,
       "logsize without logarchive: the old lines in NAME.old", os.listdir(floe.logdir))
tap.ok('"SOURCE /c.mp3' in read_text(stderr_path) or "starting with" in read_text(stderr_path),
       "errorlog -: on floe's standard error")
src.close()
tap.is_eq(floe.stop(), 0, "floe B exits cleanly")
