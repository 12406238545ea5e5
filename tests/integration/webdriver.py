"""webdriver: Debian's headless Chromium driven through chromedriver's
WebDriver REST API with Python's standard library only (no npm, no
Selenium), for the tests of pages: Browser() and start_browser().
"""
import base64
import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request

from floelib import free_port, spawn, tmpdir, wait_for

SHOTS = os.environ.get("FLOE_SCREENSHOTS",
                       os.path.join(os.path.dirname(os.path.abspath(__file__)), "screenshots"))
CHROME_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--autoplay-policy=no-user-gesture-required", "--no-proxy-server",
               "--disable-dev-shm-usage", "--mute-audio", "--window-size=1280,900"]
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"    # the W3C web element key

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
        shots = SHOTS
        try:
            os.makedirs(shots, exist_ok=True)
        except OSError:
            shots = None
        if shots is None or not os.access(shots, os.W_OK):
            shots = tmpdir()    # a read-only source tree (make distcheck)
        path = os.path.join(shots, name)
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


