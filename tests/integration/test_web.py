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
import sys

from floelib import (ADMIN_PASS, Floe, Listener, ffmpeg_push, icy_split, media,
                     stat_value, stream_title, tap, tmpdir, wait_for, wait_mount)
from webdriver import start_browser

EVIL_TITLE = '<script>alert(1)</script> & "Foo"'
EVIL_UA = '<img src=x onerror=alert(2)> Evil/1.0 & "more"'
ADMIN_TITLE = 'Admin <i>pick</i> & "more"'

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
