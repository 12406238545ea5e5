#!/usr/bin/env python3
"""The station's web pages in a real browser: Debian's headless Chromium,
driven through chromedriver's WebDriver REST API with Python's standard
library only (no npm, no Selenium).

ffmpeg pushes real MP3 streams to /live.mp3 and /other.mp3. The status page
(/, web/index.html) lists /live.mp3 with its name and genre; a title set with
/admin/metadata shows up without a reload, exactly as text (a <script> in it
is neither parsed nor run); its playlist links serve the stream URL; the
player's audio element really plays (currentTime grows); the page fits a
375 px phone screen. The admin page (/manage.html) logs in with a form,
shows a raw listener's IP and user agent (as text), kicks it (the listener
count drops and the listener sees EOF), moves listeners to /other.mp3,
updates the title (StreamTitle in stats and in an ICY stream), sets a
fallback and kills a source (its listener lands on the fallback).

Screenshots of both pages go to tests/integration/screenshots/ (or
$FLOE_SCREENSHOTS). Skips (TAP SKIP) when chromium or chromedriver is
missing or cannot start; CHROMIUM and CHROMEDRIVER name other binaries.
"""
import atexit
import base64
import json
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request

from floelib import (ADMIN_PASS, Floe, Listener, ffmpeg_push, free_port, icy_split, media, spawn,
                     stat_value, stream_title, tap, tmpdir, wait_for, wait_mount)

SHOTS = os.environ.get("FLOE_SCREENSHOTS",
                       os.path.join(os.path.dirname(os.path.abspath(__file__)), "screenshots"))
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--autoplay-policy=no-user-gesture-required", "--no-proxy-server",
               "--disable-dev-shm-usage", "--mute-audio", "--window-size=1280,900"]
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"    # the W3C web element key
EVIL_TITLE = '<script>alert(1)</script> & "Foo"'
EVIL_UA = '<img src=x onerror=alert(2)> Evil/1.0 & "more"'
ADMIN_TITLE = 'Admin <i>pick</i> & "more"'

# ---------------------------------------------------------------- WebDriver


class WebDriverError(Exception):
    pass


class Browser:
    """One chromedriver and one Chromium session, spoken to over HTTP."""

    def __init__(self, chromium, chromedriver):
        self.port = free_port()
        self.log = os.path.join(tmpdir(), "chromedriver.log")
        self.proc = spawn([chromedriver, "--port=%d" % self.port, "--log-path=" + self.log],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Talk to chromedriver directly, whatever proxy the environment names.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self.base = "http://127.0.0.1:%d" % self.port
        self.sid = ""
        if not wait_for(self._ready, 15, 0.1):
            raise WebDriverError("chromedriver did not come up")
        caps = {"browserName": "chrome", "unhandledPromptBehavior": "ignore",
                "goog:chromeOptions": {"binary": chromium, "args": CHROME_ARGS +
                                       ["--user-data-dir=" + tmpdir()]}}
        v = self.call("POST", "/session", {"capabilities": {"alwaysMatch": caps}}, timeout=60)
        self.sid = "/session/" + v["sessionId"]

    def _ready(self):
        try:
            return self.call("GET", "/status", timeout=2).get("ready")
        except (OSError, WebDriverError):
            return False

    def call(self, method, path, body=None, timeout=30):
        """One WebDriver command; returns its "value" or raises WebDriverError."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with self.opener.open(req, timeout=timeout) as r:
                return json.load(r)["value"]
        except urllib.error.HTTPError as e:
            try:
                v = json.load(e)["value"]
            except ValueError:
                v = {"error": "http %d" % e.code, "message": ""}
            raise WebDriverError("%s: %s" % (v.get("error"), v.get("message", "")[:300]))

    def s(self, method, path="", body=None, timeout=30):
        """A command on this session."""
        return self.call(method, self.sid + path, body, timeout)

    def go(self, url):
        """Navigate and wait for the page's load event."""
        self.s("POST", "/url", {"url": url}, timeout=60)

    def js(self, script, *args):
        """Run a function body in the page; returns what it returns."""
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def find(self, css):
        """The first element matching css (WebDriverError if none)."""
        return self.s("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def click(self, css):
        """A real click (scrolled into view, as a user's), not a script's .click()."""
        self.s("POST", "/element/%s/click" % self.find(css), {})

    def type(self, css, text, clear=True):
        """Type into a field as a user would (key events), after clearing it."""
        el = self.find(css)
        if clear:
            self.s("POST", "/element/%s/clear" % el, {})
        self.s("POST", "/element/%s/value" % el, {"text": text})

    def text(self, css):
        """textContent of the first match, or None."""
        return self.js("var e = document.querySelector(arguments[0]);"
                       "return e ? e.textContent : null;", css)

    def alert_open(self):
        """Is a JavaScript alert/confirm/prompt showing?"""
        try:
            self.s("GET", "/alert/text")
            return True
        except WebDriverError as e:
            return "no such alert" not in str(e)

    def cdp(self, cmd, params=None):
        """A Chrome DevTools Protocol command, through chromedriver."""
        return self.s("POST", "/goog/cdp/execute", {"cmd": cmd, "params": params or {}})

    def viewport(self, width, height, mobile=False):
        """Emulate a screen: CSS px, and a phone's (touch, 2x pixels) if mobile."""
        self.size = (width, height, mobile)
        self.cdp("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": height, "deviceScaleFactor": 2 if mobile else 1,
                  "mobile": mobile})
        # The page sees the new size once it has laid out at it (bounded:
        # a page too wide for the screen never does, and overflow() says so).
        wait_for(lambda: self.js("return window.innerWidth;") == width, 15, 0.1)

    def screenshot(self, name, full=False):
        """Save a PNG into SHOTS; full=True makes the viewport as tall as the
        page for the shot (so sticky parts sit where a scrolling reader sees them)."""
        self.js("window.scrollTo(0, 0);")
        if full:
            width, height, mobile = self.size
            self.viewport(width, max(height, self.js(
                "return document.documentElement.scrollHeight;")), mobile)
            self.size = (width, height, mobile)
        data = base64.b64decode(self.cdp("Page.captureScreenshot", {"format": "png"})["data"])
        if full:
            self.viewport(*self.size)
        os.makedirs(SHOTS, exist_ok=True)
        path = os.path.join(SHOTS, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def quit(self):
        """End the session (Chromium exits); safe to call twice."""
        if not self.sid:
            return
        try:
            self.s("DELETE", timeout=15)
        except (OSError, WebDriverError):
            pass
        self.sid = ""


def start_browser():
    """A Browser, or (None, why not)."""
    chromium = next((p for p in map(shutil.which, (os.environ.get("CHROMIUM", ""), "chromium",
                                                   "chromium-browser", "google-chrome")) if p),
                    None)
    driver = shutil.which(os.environ.get("CHROMEDRIVER", "chromedriver"))
    if not chromium or not driver:
        return None, "chromium and chromedriver are not installed (apt-get install chromium " \
            "chromium-driver)"
    try:
        return Browser(chromium, driver), None
    except (OSError, WebDriverError, KeyError) as e:
        return None, "chromium cannot be launched: %s" % str(e).splitlines()[0]


browser, why = start_browser()
if browser is None:
    tap.skip("the web pages in headless Chromium", why)
    sys.exit(0)
# Runs before floelib's cleanup (atexit is last in, first out), which stops
# chromedriver: so a failing run leaves no Chromium behind either.
atexit.register(browser.quit)


def wait_js(script, timeout=15, *args):
    """Poll a page script until it returns something truthy (bounded)."""
    return wait_for(lambda: browser.js(script, *args), timeout, 0.2)


def listeners(floe, mount):
    """A mount's listener count from /admin/stats (None: the mount is not live)."""
    v = stat_value(floe.stats(), mount, "listeners")
    return None if v is None else int(v)


def unlabelled_fields():
    """Inputs and selects a screen reader would announce without a name."""
    return browser.js("""
        return Array.from(document.querySelectorAll('input, select, button'))
          .filter(e => e.offsetParent !== null)
          .filter(e => e.tagName === 'BUTTON'
                 ? !(e.textContent.trim() || e.getAttribute('aria-label'))
                 : !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
          .map(e => e.outerHTML.slice(0, 120));""")


def overflow(width):
    """How far the page is wider than a screen `width` CSS px wide (0: no
    sideways scrolling; a phone would zoom out to fit a wider page)."""
    return browser.js("return Math.max(0, document.documentElement.scrollWidth - arguments[0],"
                      " window.innerWidth - arguments[0]);", width)

# ---------------------------------------------------------------- status page


floe = Floe()
tone = media("tone.mp3")
pushes = [ffmpeg_push(floe, tone, m, loop=True) for m in ("/live.mp3", "/other.mp3")]
tap.ok(wait_mount(floe, "/live.mp3") and wait_mount(floe, "/other.mp3"),
       "ffmpeg streams to /live.mp3 and /other.mp3")

LIVE = '[data-mount="/live.mp3"]'
browser.viewport(1280, 900)
browser.go(floe.url("/"))
card = wait_js("var c = document.querySelector(arguments[0]); return c && {"
               "name: c.querySelector('.c-name').textContent,"
               "genre: c.querySelector('.c-genre').textContent,"
               "desc: c.querySelector('.c-desc').textContent,"
               "mount: c.querySelector('.c-mount').textContent};", 15, LIVE)
tap.is_eq(card, {"name": "Test Stream", "genre": "Testing", "desc": "Integration test",
                 "mount": "/live.mp3"}, "status page lists /live.mp3 with its name, genre and "
          "description")
tap.ok(wait_js("return document.querySelector('[data-mount=\"/other.mp3\"]') !== null", 10),
       "status page lists /other.mp3 too")

browser.js("window.__sameDocument = 42;")
st, _, body = floe.metadata("/live.mp3", song=EVIL_TITLE)
tap.ok(st == 200, "/admin/metadata sets a title holding <script>", body)
shown = wait_js("var t = document.querySelector(arguments[0] + ' .c-title').textContent;"
                "return t === arguments[1] ? t : null;", 15, LIVE, EVIL_TITLE)
tap.is_eq(shown, EVIL_TITLE, "the new title shows on the status page, exactly as text")
tap.is_eq(browser.js("return window.__sameDocument;"), 42, "... without reloading the page")
tap.is_eq(browser.js("return document.querySelectorAll('#mounts script, #mounts img').length;"), 0,
          "... and no element was made from it")
tap.ok(not browser.alert_open(), "... and no alert ran")

links = browser.js("""
    var c = document.querySelector(arguments[0]);
    return {stream: c.querySelector('.c-url').value, m3u: c.querySelector('.c-m3u').href,
            pls: c.querySelector('.c-pls').href};""", LIVE)
tap.is_eq(links["stream"], floe.url("/live.mp3"), "the stream URL field holds the stream's URL")
playlists = browser.s("POST", "/execute/async", {"args": [links["m3u"], links["pls"]], "script": """
    var done = arguments[arguments.length - 1];
    Promise.all([fetch(arguments[0]), fetch(arguments[1])].map(p => p.then(r => r.text())))
      .then(done, e => done(String(e)));"""})
tap.ok(isinstance(playlists, list) and playlists[0].strip() == floe.url("/live.mp3")
       and "File1=" + floe.url("/live.mp3") in playlists[1],
       "the M3U and PLS links serve playlists of the stream", playlists)
browser.click(LIVE + " .c-copy")
tap.ok(wait_js("return /Copied/.test(document.querySelector(arguments[0] + ' .c-copy')"
               ".textContent);", 5, LIVE), "the Copy button copies the stream URL",
       browser.text(LIVE + " .c-copy"))

browser.click(LIVE + " .c-play")
played = wait_js("var a = document.getElementById('audio');"
                 "return a.currentTime > 1.0 && !a.paused ? a.currentTime : 0;", 20)
tap.ok(played, "Play on /live.mp3: the audio element plays (currentTime %.1f s)" % (played or 0),
       browser.js("var a = document.getElementById('audio'); return {t: a.currentTime,"
                  " paused: a.paused, ready: a.readyState, net: a.networkState,"
                  " err: a.error && a.error.message, src: a.currentSrc};"))
tap.is_eq(browser.text(LIVE + " .c-play"), "Stop", "the mount's button now says Stop")
tap.ok(wait_for(lambda: listeners(floe, "/live.mp3") == 1, 10),
       "floe counts the browser as a listener on /live.mp3")
tap.ok(wait_js("return document.querySelector(arguments[0] + ' .c-listeners').textContent"
               ".startsWith('1');", 15, LIVE), "the status page's listener count follows")
tap.is_eq(unlabelled_fields(), [], "every field and button on the status page has a name")
tap.is_eq(overflow(1280), 0, "status page: no sideways scrolling on a desktop")
browser.screenshot("status-desktop.png")

browser.viewport(375, 700, mobile=True)
tap.is_eq(overflow(375), 0, "status page fits a 375 px wide phone screen")
browser.screenshot("status-phone.png")
browser.screenshot("status-phone-full.png", full=True)
browser.cdp("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme",
                                                         "value": "dark"}]})
browser.screenshot("status-phone-dark.png")
browser.cdp("Emulation.setEmulatedMedia", {"features": []})
browser.viewport(360, 640, mobile=True)
tap.is_eq(overflow(360), 0, "... and a 360 px one")
browser.click(LIVE + " .c-play")
tap.ok(wait_for(lambda: listeners(floe, "/live.mp3") == 0, 10),
       "Stop drops the browser's stream connection")

# ---------------------------------------------------------------- admin page

browser.viewport(1280, 900)
browser.go(floe.url("/manage.html"))
browser.type("#user", "admin")
browser.type("#pass", "wrong")
browser.click("#login-form button[type=submit]")
tap.ok(wait_js("return document.getElementById('login-err').textContent.includes('Wrong');", 10),
       "admin page: a wrong password is refused", browser.text("#login-err"))
tap.ok(browser.js("return document.getElementById('dash').hidden;"), "... and shows no dashboard")
browser.type("#pass", ADMIN_PASS)
browser.click("#login-form button[type=submit]")
tap.ok(wait_js("return !document.getElementById('dash').hidden &&"
               " document.querySelector(arguments[0]) !== null;", 10, LIVE),
       "admin page: the admin logs in and sees /live.mp3")

kickee = Listener(floe, "/live.mp3", extra={"User-Agent": EVIL_UA})
kickee.wait_bytes(1000)
row = wait_js("""
    var rows = document.querySelectorAll(arguments[0] + ' tbody tr');
    for (var r of rows) {
      var c = r.querySelectorAll('td');
      if (c[2].textContent === arguments[1]) return {id: r.dataset.id, ip: c[1].textContent,
                                                     ua: c[2].textContent};
    }
    return null;""", 15, LIVE, EVIL_UA)
tap.ok(row and row["ip"] == "127.0.0.1" and row["ua"] == EVIL_UA,
       "the listener shows with its IP and user agent (as text)", row)
tap.is_eq(browser.js("return document.querySelectorAll('#mounts img, #mounts script').length;"), 0,
          "... and no element was made from the user agent")
tap.ok(not browser.alert_open(), "... and no alert ran")
tap.is_eq(unlabelled_fields(), [], "every field and button on the admin page has a name")
tap.is_eq(listeners(floe, "/live.mp3"), 1, "one listener on /live.mp3 before the kick")
browser.screenshot("admin-desktop.png", full=True)

if row:
    browser.click('%s tr[data-id="%s"] button' % (LIVE, row["id"]))
tap.ok(wait_for(lambda: kickee.closed, 10), "Kick: the listener sees EOF")
tap.ok(wait_for(lambda: listeners(floe, "/live.mp3") == 0, 10),
       "Kick: the listener count on /live.mp3 drops to 0")
tap.ok(wait_js("return document.querySelector(arguments[0] + ' .m-listeners').textContent === '0'"
               " && document.querySelectorAll(arguments[0] + ' tbody tr').length === 0;", 10, LIVE),
       "Kick: the admin page shows the count drop and the row gone")

movers = [Listener(floe, "/live.mp3") for _ in range(2)]
for m in movers:
    m.wait_bytes(1000)
tap.ok(wait_js("return document.querySelectorAll(arguments[0] + ' tbody tr').length === 2;", 15,
               LIVE), "two new listeners show on /live.mp3")
browser.viewport(375, 700, mobile=True)
tap.is_eq(overflow(375), 0, "admin page fits a 375 px wide phone screen")
browser.screenshot("admin-phone.png", full=True)
browser.viewport(1280, 900)
browser.click(LIVE + ' .i-dest option[value="/other.mp3"]')
browser.click(LIVE + " .f-move button[type=submit]")
tap.ok(wait_for(lambda: listeners(floe, "/live.mp3") == 0 and listeners(floe, "/other.mp3") == 2,
                10), "Move: both listeners are on /other.mp3 in the stats",
       "live=%r other=%r" % (listeners(floe, "/live.mp3"), listeners(floe, "/other.mp3")))
tap.ok(not any(m.closed for m in movers), "Move: the moved listeners stay connected")
tap.ok(wait_js("return /moved/i.test(document.getElementById('msg').textContent);", 5),
       "Move: the page shows floe's answer", browser.text("#msg"))

browser.type(LIVE + " .i-song", ADMIN_TITLE)
browser.click(LIVE + " .f-meta button[type=submit]")
tap.ok(wait_for(lambda: stat_value(floe.stats(), "/live.mp3", "title") == ADMIN_TITLE, 10),
       "Metadata form: the new title is in /admin/stats",
       stat_value(floe.stats(), "/live.mp3", "title"))
icy = Listener(floe, "/live.mp3", icy=True)


def icy_titles():
    return [stream_title(m) for m in icy_split(icy.body(), 16000)[1] if m]


# The burst may start before the update; the title comes at its stream position.
tap.ok(wait_for(lambda: ADMIN_TITLE in icy_titles(), 15),
       "Metadata form: an ICY listener gets it as StreamTitle", icy_titles())
tap.ok(wait_js("return document.querySelector(arguments[0] + ' .m-title').textContent ==="
               " arguments[1];", 10, LIVE, ADMIN_TITLE), "... and the admin page shows it")
icy.close()
tap.ok(wait_for(lambda: listeners(floe, "/live.mp3") == 0, 10), "the ICY listener left")

browser.type(LIVE + " .i-fallback", "/other.mp3")
browser.click(LIVE + " .f-fallback button[type=submit]")
tap.ok(wait_js("return document.getElementById('msg').textContent === 'Fallback configured';", 5),
       "Fallback form: floe configures /other.mp3 as /live.mp3's fallback", browser.text("#msg"))

stayer = Listener(floe, "/live.mp3")
stayer.wait_bytes(1000)
tap.ok(wait_for(lambda: listeners(floe, "/live.mp3") == 1, 10), "a listener joins /live.mp3")
browser.click(LIVE + " .m-kill")
tap.ok(browser.js("return !document.querySelector(arguments[0] + ' .m-confirm').hidden;", LIVE),
       "Kill source asks for confirmation first")
browser.click(LIVE + " .m-kill-yes")
tap.ok(wait_for(lambda: listeners(floe, "/live.mp3") is None, 10),
       "Kill source: /live.mp3 is gone from the stats")
tap.ok(wait_for(lambda: listeners(floe, "/other.mp3") == 3, 10) and not stayer.closed,
       "Kill source: its listener moved to the fallback /other.mp3",
       "other=%r closed=%r" % (listeners(floe, "/other.mp3"), stayer.closed))
tap.ok(wait_js("return document.querySelector(arguments[0]) === null;", 10, LIVE),
       "Kill source: the admin page drops the /live.mp3 panel")

# One live mount: status-json.xsl gives "source" as an object; none: no "source".
browser.go(floe.url("/"))
MOUNTS = "Array.from(document.querySelectorAll('#mounts [data-mount]'), c => c.dataset.mount)"
tap.ok(wait_js("return %s.join() === '/other.mp3';" % MOUNTS, 10),
       "status page with one live mount lists just it", browser.js("return " + MOUNTS))
st, _, body = floe.get("/admin/killsource.json?mount=/other.mp3", auth=("admin", ADMIN_PASS))
tap.ok(wait_js("return document.querySelectorAll('#mounts [data-mount]').length === 0 &&"
               " /No streams/.test(document.getElementById('state').textContent);", 10),
       "status page says no stream is live once the last source is gone", browser.text("#state"))

browser.quit()
for p in pushes:
    p.terminate()
tap.is_eq(floe.stop(), 0, "floe exits 0 on SIGTERM")
