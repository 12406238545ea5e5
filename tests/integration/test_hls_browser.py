#!/usr/bin/env python3
"""hls.js (from npm) plays floe's HLS in headless Chromium, from another origin.

floe serves an MP3 mount and an AAC mount with <hls>1; a page on a second
HTTP server (another port: another origin) loads hls.js and plays each
mount's /MOUNT.m3u8 into an <audio> element, collecting the titles that
hls.js hands over as timed ID3 metadata. Checks: playback advances past 4 s
with no fatal hls.js error (CORS, the 302 to the session's playlist, the
MPEG-TS demuxing, MSE), and a title set on the mount while it plays shows
up as timed metadata. hls.js comes from `scripts/install-deps --test`
(npm, into /usr/local/lib/floe-test); without it or Chromium, skipped.
"""
import functools
import http.server
import os
import shutil
import threading

from floelib import Floe, Feeder, RawSource, media, tap, tmpdir, wait_for, wait_mount
from webdriver import start_browser

HLSJS = os.environ.get("FLOE_HLSJS",
                       "/usr/local/lib/floe-test/node_modules/hls.js/dist/hls.min.js")

PAGE = """<!doctype html><meta charset="utf-8"><title>hls.js player</title>
<audio id="a" muted></audio>
<script src="hls.min.js"></script>
<script>
window.state = {titles: [], errors: [], fatal: null};
function play(url) {
  var a = document.getElementById('a');
  var hls = new Hls({liveSyncDurationCount: 2});
  hls.on(Hls.Events.ERROR, function (e, d) {
    window.state.errors.push(d.details);
    if (d.fatal) window.state.fatal = d.type + ' ' + d.details;
  });
  hls.on(Hls.Events.FRAG_PARSING_METADATA, function (e, d) {
    d.samples.forEach(function (s) {
      var t = new TextDecoder().decode(s.data);
      var i = t.indexOf('TIT2');
      if (i >= 0) window.state.titles.push(t.slice(i + 11).replace(/\\0/g, ''));
    });
  });
  hls.loadSource(url);
  hls.attachMedia(a);
  a.play().catch(function (e) { window.state.errors.push('play: ' + e); });
}
</script>
"""

if not os.path.exists(HLSJS):
    tap.skip("hls.js plays floe's HLS", "hls.js is not installed (scripts/install-deps --test)")
    raise SystemExit(0)
browser, why = start_browser()
if browser is None:
    tap.skip("hls.js plays floe's HLS", why)
    raise SystemExit(0)

floe = Floe(mounts="<mount><mount-name>/live.mp3</mount-name><hls>1</hls>"
                   "<hls-segment-seconds>2</hls-segment-seconds></mount>"
                   "<mount><mount-name>/live.aac</mount-name><hls>1</hls>"
                   "<hls-segment-seconds>2</hls-segment-seconds></mount>")
feeds = []
for mount, path, ctype, rate in (("/live.mp3", "tone.mp3", "audio/mpeg", 16000),
                                 ("/live.aac", "tone.aac", "audio/aac", 12000)):
    with open(media(path), "rb") as f:
        data = f.read()
    feeds.append(Feeder(RawSource(floe, mount, content_type=ctype), data, rate, loop=True))
    wait_mount(floe, mount)
    floe.metadata(mount, song="Before")

# The page's origin: another port.
site = tmpdir()
with open(os.path.join(site, "index.html"), "w") as f:
    f.write(PAGE)
shutil.copy(HLSJS, os.path.join(site, "hls.min.js"))
class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


handler = functools.partial(Quiet, directory=site)
httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
threading.Thread(target=httpd.serve_forever, daemon=True).start()
page = "http://127.0.0.1:%d/index.html" % httpd.server_address[1]


def segments_ready(mount):
    st, _, body = floe.get(mount + ".m3u8?s=00000000000000aa")
    return st == 200 and body.count(b".ts") >= 3


try:
    for mount in ("/live.mp3", "/live.aac"):
        tap.ok(wait_for(lambda: segments_ready(mount), 60), "%s's playlist has segments" % mount)
        browser.go(page)
        browser.js("play(arguments[0]);", floe.url(mount + ".m3u8"))
        state = lambda: browser.js("return [document.getElementById('a').currentTime, "
                                   "window.state.fatal, window.state.titles, "
                                   "window.state.errors];")
        tap.ok(wait_for(lambda: state()[0] > 4 or state()[1] is not None, 60) and
               state()[1] is None,
               "hls.js plays %s from another origin past 4 s, no fatal error" % mount, state())
        floe.metadata(mount, song="After " + mount)
        tap.ok(wait_for(lambda: "After " + mount in state()[2], 60),
               "... and hands over the title set while it plays as timed ID3 metadata",
               state()[2])
finally:
    browser.quit()
    httpd.shutdown()
    for f in feeds:
        f.stop()
