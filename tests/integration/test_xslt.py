#!/usr/bin/env python3
"""icecast's own pages, rendered as icecast2 renders them: floe started with
Debian's stock /etc/icecast2/icecast.xml (only the port, bind address and
log directory rewritten) serves `/` (its alias to /status.xsl),
/status.xsl, /server_version.xsl, /style.css and the admin pages under
/admin/ through libxslt, and headless Chromium shows the live mount on each.
Then, on a config of the test's own: the content types the stylesheets
declare, icecast2's /MOUNT.xspf and /MOUNT.m3u bytes, a broken stylesheet
(500 and a log line, floe stays up), a symlink out of the allowed roots
(refused), <alias> with port=, <fileserve>0, and an edited stylesheet
picked up without a reload.
"""
import base64
import os
import re
import shutil
import sys

from floelib import (Floe, Icecast2, LoopFeeder, RawSource, parse_response, sine_mp3_frames, tap,
                     tmpdir, wait_for, wait_mount)
from webdriver import start_browser

STOCK = "/etc/icecast2/icecast.xml"
ADMIN = ("admin", "hackme")
RATE = 16000

if not os.path.exists(STOCK) or not os.path.exists("/usr/share/icecast2/admin/stats.xsl"):
    tap.skip("Debian's stock icecast2 pages", "icecast2 is not installed (apt-get install "
             "icecast2)")
    sys.exit(0)


def stock_config():
    """Debian's file with the port, bind address and log directory rewritten."""
    with open(STOCK) as f:
        text = f.read()
    text = text.replace("{", "{{").replace("}", "}}")
    first = text.index("<port>8000</port>")
    text = text[:first] + "<port>{port}</port><bind-address>127.0.0.1</bind-address>" + \
        text[first + len("<port>8000</port>"):]
    return text.replace("<logdir>/var/log/icecast2</logdir>", "<logdir>{logdir}</logdir>")


def get(server, path, auth=None):
    return server.get(path, auth=auth)


def push(server, mount):
    src = RawSource(server, mount)
    return src, LoopFeeder(src, frames, RATE)


frames = sine_mp3_frames(440, 10)
floe = Floe(config=stock_config())
src, feed = push(floe, "/stock.mp3")
tap.ok(wait_mount(floe, "/stock.mp3"), "a live mount on floe run with Debian's icecast.xml")

# ---- the public pages over HTTP
for path, ctype in (("/", "text/xml"), ("/status.xsl", "text/xml"),
                    ("/server_version.xsl", "text/xml"), ("/style.css", "text/css")):
    st, hd, body = get(floe, path)
    tap.ok(st == 200 and hd.get("content-type", "").startswith(ctype) and
           (path == "/style.css" or b"<html" in body),
           "%s: 200 %s" % (path, ctype), (st, hd.get("content-type"), body[:200]))
st, hd, body = get(floe, "/status.xsl")
tap.ok(b"/stock.mp3" in body, "status.xsl lists the live mount")

# ---- the admin pages: credentials first
for path in ("/admin/", "/admin/stats.xsl", "/admin/listmounts.xsl"):
    st, hd, body = get(floe, path)
    tap.ok(st == 401 and "basic" in hd.get("www-authenticate", "").lower(),
           "%s without credentials: 401" % path, (st, body[:100]))
for path in ("/admin/", "/admin/stats.xsl", "/admin/listmounts.xsl",
             "/admin/listclients.xsl?mount=/stock.mp3", "/admin/moveclients.xsl?mount=/stock.mp3",
             "/admin/updatemetadata.xsl?mount=/stock.mp3"):
    st, hd, body = get(floe, path, ADMIN)
    tap.ok(st == 200 and b"<html" in body and b"/stock.mp3" in body,
           "%s renders icecast's admin page with the mount" % path, (st, body[:200]))
st, hd, body = get(floe, "/admin/metadata.xsl?mount=/stock.mp3&mode=updinfo&song=Via+the+form",
                   ADMIN)
tap.ok(st == 200 and b"<html" in body and b"Metadata update successful" in body,
       "metadata.xsl: the answer through response.xsl", body[:300])

# ---- the same pages in a real browser
browser, why = start_browser()
if browser is None:
    tap.skip("Debian's pages in headless Chromium", why)
else:
    import atexit
    atexit.register(browser.quit)
    browser.cdp("Network.enable")
    browser.cdp("Network.setExtraHTTPHeaders", {"headers": {
        "Authorization": "Basic " + base64.b64encode(b"admin:hackme").decode()}})
    for path in ("/", "/status.xsl", "/server_version.xsl", "/admin/", "/admin/stats.xsl",
                 "/admin/listmounts.xsl", "/admin/listclients.xsl?mount=/stock.mp3",
                 "/admin/moveclients.xsl?mount=/stock.mp3"):
        browser.go(floe.url(path))
        text = browser.js("return document.body ? document.body.innerText : '';") or ""
        want = "Version" if path == "/server_version.xsl" else "/stock.mp3"
        tap.ok(want in text and "error" not in browser.js("return document.title;").lower(),
               "Chromium shows %s with %s" % (path, want), text[:200])
    # the stylesheet is applied: the page has icecast's style, not raw XML
    browser.go(floe.url("/status.xsl"))
    tap.ok(browser.js("return getComputedStyle(document.body).backgroundColor;") not in
           ("", "rgba(0, 0, 0, 0)") or browser.js("return document.styleSheets.length;") > 0,
           "status.xsl comes with its style sheet")
    browser.quit()

feed.stop()
src.close()
tap.is_eq(floe.stop(), 0, "floe exits cleanly")

# ---- a config of the test's own
web, admin = tmpdir(), tmpdir()
for d, src_dir in ((web, "/usr/share/icecast2/web"), (admin, "/usr/share/icecast2/admin")):
    for name in os.listdir(src_dir):
        shutil.copy(os.path.join(src_dir, name), os.path.join(d, name))
with open(os.path.join(web, "broken.xsl"), "w") as f:
    f.write("<xsl:stylesheet version='1.0' xmlns:xsl='http://www.w3.org/1999/XSL/Transform'>"
            "<xsl:template match='/'><unclosed></xsl:template></xsl:stylesheet>")
with open(os.path.join(web, "count.xsl"), "w") as f:
    f.write("<xsl:stylesheet version='1.0' xmlns:xsl='http://www.w3.org/1999/XSL/Transform'>"
            "<xsl:output method='text' media-type='application/json'/>"
            "<xsl:template match='/icestats'>{\"sources\":<xsl:value-of select='count(source)'/>"
            "}</xsl:template></xsl:stylesheet>")
with open(os.path.join(web, "steal.xsl"), "w") as f:
    f.write("<xsl:stylesheet version='1.0' xmlns:xsl='http://www.w3.org/1999/XSL/Transform'>"
            "<xsl:output method='text'/><xsl:template match='/'>"
            "[<xsl:value-of select=\"document('/etc/passwd')\"/>]"
            "</xsl:template></xsl:stylesheet>")
outside = tmpdir()
with open(os.path.join(outside, "secret.xsl"), "w") as f:
    f.write(open(os.path.join(web, "count.xsl")).read())
os.symlink(os.path.join(outside, "secret.xsl"), os.path.join(web, "linked.xsl"))
MINE = """<icecast>
  <hostname>localhost</hostname>
  <authentication><source-password>hackme</source-password>
    <admin-user>admin</admin-user><admin-password>hackme</admin-password></authentication>
  <listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <mount><mount-name>/hidden.mp3</mount-name><hidden>1</hidden></mount>
  <fileserve>{fileserve}</fileserve>
  <paths><logdir>{logdir}</logdir><webroot>{web}</webroot><adminroot>{admin}</adminroot>
    <alias source="/" dest="/status.xsl"/>
    <alias source="/here" destination="/count.xsl" port="{port}"/>
    <alias source="/there" destination="/count.xsl" port="1"/>
  </paths>
  <logging><errorlog>error.log</errorlog><loglevel>4</loglevel></logging>
</icecast>
"""
floe = Floe(config=MINE, web=web, admin=admin, fileserve=1)
srcs = [push(floe, m) for m in ("/mine.mp3", "/hidden.mp3")]
tap.ok(wait_mount(floe, "/mine.mp3") and wait_mount(floe, "/hidden.mp3"), "two live mounts")

st, hd, body = get(floe, "/count.xsl")
tap.ok(st == 200 and hd.get("content-type", "").startswith("application/json") and
       body == b'{"sources":1}', "a station's own .xsl: its media type, public mounts only",
       (st, hd.get("content-type"), body))
st, hd, body = get(floe, "/count.xsl?mount=/mine.mp3")
tap.is_eq(body, b'{"sources":1}', "?mount= limits the document to that mount")
st, hd, body = get(floe, "/here")
tap.is_eq((st, body), (200, b'{"sources":1}'), "alias with this port: served as its destination")
st, hd, body = get(floe, "/there")
tap.is_eq(st, 404, "alias for another port: not applied")
st, hd, body = get(floe, "/broken.xsl")
tap.ok(st == 500, "a stylesheet that does not compile: 500", (st, body[:200]))
tap.ok(wait_for(lambda: "broken.xsl" in floe.read_log(), 5), "... and a log line naming it",
       floe.log())
st, hd, body = get(floe, "/steal.xsl")
tap.ok(b"root:" not in body, "a stylesheet cannot read files (document())", body[:200])
st, hd, body = get(floe, "/linked.xsl")
tap.is_eq(st, 404, "a stylesheet linked from outside the allowed roots: refused")
with open(os.path.join(web, "count.xsl"), "w") as f:
    f.write("<xsl:stylesheet version='1.0' xmlns:xsl='http://www.w3.org/1999/XSL/Transform'>"
            "<xsl:output method='text'/><xsl:template match='/'>edited</xsl:template>"
            "</xsl:stylesheet>")
os.utime(os.path.join(web, "count.xsl"), (1, 1))
tap.is_eq(get(floe, "/count.xsl")[2], b"edited", "an edited stylesheet is used without a reload")
tap.ok(floe.alive(), "floe is still up")

# /MOUNT.xspf and /MOUNT.m3u: the same bytes as icecast2's, but the port
ours = {p: get(floe, p) for p in ("/mine.mp3.xspf", "/mine.mp3.m3u", "/mine.mp3.vclt")}
if Icecast2.installed():
    for d in (web, admin):      # icecast2 runs as nobody
        os.chmod(d, 0o755)
    ice = Icecast2(MINE, web=web, admin=admin, fileserve=1)
    isrc = push(ice, "/mine.mp3")
    tap.ok(wait_for(lambda: b"<track>" in get(ice, "/mine.mp3.xspf")[2], 20),
           "icecast2 streams too")
    for p, (st, hd, body) in ours.items():
        ist, ihd, ibody = get(ice, p)
        norm = [re.sub(rb":\d+/", b":PORT/", b).replace(b"127.0.0.1", b"localhost")
                for b in (body, ibody)]
        # floe also knows the stream's bitrate, a line icecast2 leaves out
        norm[0] = norm[0].replace(b"Bitrate: 128\n", b"")
        tap.ok(st == ist == 200 and hd.get("content-type") == ihd.get("content-type") and
               norm[0] == norm[1], "%s as icecast2 answers it" % p,
               (st, ist, hd.get("content-type"), ihd.get("content-type"), norm))
    isrc[1].stop()
    ice.stop()
else:
    tap.skip("/MOUNT.xspf compared with icecast2", "icecast2 is not installed")
for s, fd in srcs:
    fd.stop()
    s.close()
tap.is_eq(floe.stop(), 0, "floe exits cleanly")

# ---- <fileserve>0: no static files, the .xsl pages still rendered (as icecast2)
floe = Floe(config=MINE, web=web, admin=admin, fileserve=0)
tap.is_eq(get(floe, "/style.css")[0], 404, "fileserve 0: /style.css is not served")
tap.is_eq(get(floe, "/status.xsl")[0], 200, "fileserve 0: status.xsl still renders")
tap.is_eq(floe.stop(), 0, "floe exits cleanly")
