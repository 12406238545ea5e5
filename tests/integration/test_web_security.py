#!/usr/bin/env python3
"""What a source, a symlink or a large file in webroot must not be able to
do to the station's own pages and to the main loop.

- Sources: with only the source password, a source could take /manage.html
  (as text/html, or any type) or /admin.js and so run its own page or
  script on floe's origin, next to the admin's credentials. A mount may not
  name a webroot file or a path floe answers itself (403, a log line); a
  stream must be audio/*, video/* or application/ogg; a GET for a webroot
  file is answered with the file even if a mount of that name exists.
- Streams: every listener's head carries X-Content-Type-Options: nosniff
  and a Content-Security-Policy with default-src 'none' and sandbox, so no
  stream is ever a same-origin document. In Chromium: a stream of HTML
  bytes, opened by its URL, runs nothing and has an origin of its own, and
  still plays.
- The admin page keeps its credentials in memory only (a reload asks
  again): not in sessionStorage or localStorage, which any page of the
  origin can read.

- Webroot symlinks: a directory symlink out of webroot (d -> /etc) does not
  serve /etc/passwd; links that stay inside webroot, and Debian's stock
  links into /etc/icecast2/web, still serve.
- Blocking: many clients fetch a large webroot file and never read it
  while a source streams to a listener; the listener gets exactly the
  source's bytes and floe's memory does not grow by the file's size per
  client (it is sent from the page cache, not copied into buffers); a
  client that reads gets it whole, over plain HTTP and over TLS. A FIFO
  in webroot does not hang the server.
"""
import atexit
import json
import os
import shutil
import socket
import subprocess
import urllib.error
import urllib.request

from floelib import (ADMIN_PASS, FLOE_WRAPPER, SOURCE_PASS, TOP_SRCDIR, Feeder, Floe, Listener, RawSource,
                     contiguous_in, free_port, media, mp3_frames, parse_response, spawn, stat_value,
                     tap, tmpdir, wait_for)

STOCK_WEB = "/usr/share/icecast2/web"       # Debian's icecast2 webroot
STOCK_CSS = "/etc/icecast2/web/style.css"   # what its style.css links to
BIG_SIZE = 4 << 20      # the large file: 4 MiB
BIG_CLIENTS = 24        # clients that ask for it and never read


def make_webroot():
    """A copy of web/ with the odd things the checks need in it."""
    root = os.path.join(tmpdir(), "web")
    shutil.copytree(os.path.join(TOP_SRCDIR, "web"), root)
    os.makedirs(os.path.join(root, "inner"))
    with open(os.path.join(root, "inner", "page.html"), "w") as f:
        f.write("<p>inner page</p>\n")
    with open(os.path.join(root, "big.bin"), "wb") as f:
        f.write(os.urandom(BIG_SIZE))
    os.symlink("/etc", os.path.join(root, "etcdir"))
    os.symlink("/etc/passwd", os.path.join(root, "passwd"))
    os.symlink("/etc/icecast2", os.path.join(root, "icecast2dir"))
    os.symlink("inner", os.path.join(root, "inner-link"))
    os.symlink("inner/page.html", os.path.join(root, "alias.html"))
    os.mkfifo(os.path.join(root, "fifo"))
    return root


def rss_kib(pid):
    """A process's resident set size in KiB (VmRSS)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def stat_num(floe, key):
    """A global counter from /admin/stats."""
    v = stat_value(floe.stats(), None, key)
    return int(v) if v is not None else -1

# ---------------------------------------------------------------- sources


def source_answer(floe, mount, ctype, method="SOURCE", password=SOURCE_PASS):
    """(status, body) of a source request, closed at once."""
    src = RawSource(floe, mount, content_type=ctype, method=method, password=password,
                    version="1.1" if method == "PUT" else "1.0")
    raw = src.response
    src.sock.settimeout(2)
    try:
        while True:
            d = src.sock.recv(4096)
            if not d:
                break
            raw += d
    except OSError:
        pass
    src.close()
    st, _, body = parse_response(raw)
    return st, body.decode("latin-1")


def check_sources(floe, root):
    with open(os.path.join(root, "manage.html"), "rb") as f:
        manage = f.read()
    st, body = source_answer(floe, "/manage.html", "audio/mpeg", password="nope")
    tap.is_eq(st, 401, "SOURCE /manage.html without the password: 401 first, as always")
    for mount, ctype, why in (("/manage.html", "text/html", "the admin page"),
                              ("/manage.html", "audio/mpeg", "the admin page, as audio"),
                              ("/admin.js", "text/javascript", "the admin page's script"),
                              ("/admin.js", "audio/mpeg", "the admin page's script, as audio"),
                              ("/index.html", "audio/mpeg", "the status page"),
                              ("/inner/page.html", "audio/mpeg", "a page in a subdirectory")):
        st, body = source_answer(floe, mount, ctype)
        tap.ok(st == 403 and ("Mountpoint not allowed" in body or "Content-type" in body),
               "SOURCE %s as %s (%s) is refused with 403" % (mount, ctype, why), (st, body))
    st, body = source_answer(floe, "/admin.js", "text/javascript", method="PUT")
    tap.ok(st == 403, "PUT /admin.js as text/javascript is refused too", (st, body))
    st, body = source_answer(floe, "/manage.html", "audio/mpeg")
    tap.is_eq((st, body), (403, "Mountpoint not allowed: floe serves a page or file at this "
                                "path"), "... with a text that says why")
    tap.ok("refused: floe serves a page or file at that path" in floe.read_log(),
           "... and a log line", floe.log())
    for mount in ("/admin/stats", "/admin/", "/admin", "/admin.cgi", "/api/v1/status", "/api",
                  "/status-json.xsl"):
        st, body = source_answer(floe, mount, "audio/mpeg")
        tap.ok(st == 403 and "Mountpoint not allowed" in body,
               "SOURCE %s (floe answers it itself) is refused" % mount, (st, body))
    for ctype in ("text/html", "text/html; charset=utf-8", "text/javascript",
                  "application/javascript", "image/svg+xml", "application/xhtml+xml",
                  "text/xml", "application/octet-stream", "text/plain"):
        st, body = source_answer(floe, "/evil.mp3", ctype)
        tap.ok(st == 403 and body.startswith("Content-type not supported"),
               "a source as %r is refused, whatever its mount" % ctype, (st, body))
    tap.ok("Content-Type \"text/html\" is not audio or video" in floe.read_log(),
           "... with a log line naming the type", floe.log())
    for ctype in ("audio/mpeg", "audio/aac", "application/ogg", "application/x-ogg",
                  "audio/ogg", "video/webm", "audio/mpeg; charset=utf-8", None):
        st, body = source_answer(floe, "/fine.mp3", ctype)
        tap.is_eq(st, 200, "a source as %r is accepted" % ctype)
        wait_for(lambda: stat_value(floe.stats(), "/fine.mp3", "listeners") is None, 10)

    st, hd, body = floe.get("/manage.html")
    tap.ok(st == 200 and body == manage, "GET /manage.html still serves the real admin page",
           (st, hd))

    # A mount made before a file of its name appears: the file wins.
    late = RawSource(floe, "/late.html", content_type="audio/mpeg")
    tap.ok(late.ok(), "a source takes /late.html while no such file exists", late.response)
    late.send(b"\xff\xfb\x90\x00" + b"<script>alert(1)</script>" * 400)
    with open(os.path.join(root, "late.html"), "w") as f:
        f.write("<p>the station's late page</p>\n")
    st, hd, body = floe.get("/late.html")
    tap.ok(st == 200 and body == b"<p>the station's late page</p>\n" and
           hd.get("content-type", "").startswith("text/html"),
           "once the file exists, GET /late.html serves the file, not the mount", (st, hd, body[:80]))
    late.close()


def check_stream_headers(floe):
    src = RawSource(floe, "/guard.mp3")
    tap.ok(src.ok(), "a source streams to /guard.mp3", src.response)
    src.send(b"<html><script>alert(1)</script></html>\n" * 200)
    for method in ("GET", "HEAD"):
        if method == "GET":
            lis = Listener(floe, "/guard.mp3")
            st, hd = lis.head()
            lis.close()
        else:
            st, hd, _ = parse_response(floe.raw(b"HEAD /guard.mp3 HTTP/1.0\r\n\r\n"))
        csp = hd.get("content-security-policy", "")
        tap.ok(st == 200 and hd.get("x-content-type-options") == "nosniff",
               "%s on a stream: X-Content-Type-Options: nosniff" % method, (st, hd))
        tap.ok("default-src 'none'" in csp and "sandbox" in csp.split(";")[-1].split() and
               "script" not in csp, "%s on a stream: a Content-Security-Policy that lets nothing "
               "run (default-src 'none', sandbox)" % method, csp)
    src.close()

# ---------------------------------------------------------------- symlinks


def check_symlinks(floe):
    st, _, body = floe.get("/etcdir/passwd")
    tap.ok(st == 404 and b"root:" not in body,
           "a directory symlink out of webroot (etcdir -> /etc) does not serve /etc/passwd",
           (st, body[:200]))
    st, _, body = floe.get("/passwd")
    tap.ok(st == 404 and b"root:" not in body, "a file symlink to /etc/passwd is refused",
           (st, body[:200]))
    tap.ok("outside the allowed directories" in floe.read_log(),
           "the refusal is logged", floe.log())
    st, _, body = floe.get("/inner-link/page.html")
    tap.ok(st == 200 and body == b"<p>inner page</p>\n",
           "a directory symlink inside webroot still serves", (st, body[:200]))
    st, hd, body = floe.get("/alias.html")
    tap.ok(st == 200 and body == b"<p>inner page</p>\n" and hd.get("content-type", "")
           .startswith("text/html"), "a file symlink inside webroot serves its target",
           (st, hd, body[:200]))
    st, _, body = floe.get("/icecast2dir/icecast.xml")
    tap.ok(st == 404 and b"<icecast" not in body,
           "a symlink to /etc/icecast2 does not serve icecast.xml (only its web/ is allowed)",
           (st, body[:200]))
    if not os.path.exists(os.path.join(STOCK_WEB, "style.css")) or not os.path.exists(STOCK_CSS):
        tap.skip("Debian's stock webroot serves its links", "icecast2 is not installed")
        return
    with open(STOCK_CSS, "rb") as f:
        want = f.read()
    stock = Floe(webroot=STOCK_WEB)
    st, hd, body = stock.get("/style.css")
    tap.ok(st == 200 and body == want and hd.get("content-type", "").startswith("text/css"),
           "Debian's stock webroot: /style.css (a link into /etc/icecast2/web) serves",
           (st, hd, body[:100]))
    stock.stop()

# ---------------------------------------------------------------- blocking


def check_fifo(floe, root):
    fifo = os.path.join(root, "fifo")
    st, _, _ = floe.get("/fifo", timeout=10)
    tap.is_eq(st, 404, "a FIFO in webroot is not served (and open() does not block on it)")
    st, _, body = floe.get("/inner/page.html", timeout=10)
    tap.ok(st == 200 and body == b"<p>inner page</p>\n",
           "... and the next request is answered", (st, body[:100]))
    # An old floe blocked in open() on the FIFO: a writer lets it go on.
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass


def check_large_file(floe, root):
    data = mp3_frames(media("tone.mp3"))
    src = RawSource(floe, "/stream.mp3")
    tap.ok(src.ok(), "a source streams to /stream.mp3", src.response)
    feed = Feeder(src, data, 48000)
    lis = Listener(floe, "/stream.mp3")
    tap.ok(lis.wait_bytes(32000), "a listener receives it")
    files_before = stat_num(floe, "file_connections")
    rss_before = rss_kib(floe.proc.pid)
    got_before = len(lis.body())

    hogs = []
    for _ in range(BIG_CLIENTS):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", floe.port))
        s.sendall(b"GET /big.bin HTTP/1.0\r\n\r\n")
        hogs.append(s)
    served = wait_for(lambda: stat_num(floe, "file_connections") >= files_before + BIG_CLIENTS,
                      20, 0.2)
    tap.ok(served, "%d clients ask for a %d MiB webroot file and never read it" %
           (BIG_CLIENTS, BIG_SIZE >> 20), stat_num(floe, "file_connections"))
    tap.ok(lis.wait_bytes(got_before + 64000, 20) and not lis.closed,
           "the listener keeps receiving meanwhile", len(lis.body()) - got_before)
    grown = rss_kib(floe.proc.pid) - rss_before
    bound = BIG_CLIENTS * (BIG_SIZE >> 10) // 4
    if FLOE_WRAPPER:
        tap.skip("floe's memory stays bounded", "RSS means nothing under FLOE_WRAPPER")
    else:
        tap.ok(grown < bound, "floe's memory grows by %d KiB (under %d KiB; %d copies of the "
               "file would be %d KiB)" % (grown, bound, BIG_CLIENTS,
                                          BIG_CLIENTS * (BIG_SIZE >> 10)))

    feed.join(60)
    tap.ok(not feed.is_alive(), "the source sent all of its %d bytes" % len(src.sent))
    want = bytes(src.sent)
    tap.ok(wait_for(lambda: want.endswith(lis.body()[-4096:]), 20),
           "the listener caught up with the source's last byte")
    body = lis.body()
    tap.ok(len(body) > 100000 and contiguous_in(body, want),
           "the listener got exactly the source's bytes (%d, one contiguous run)" % len(body))
    for s in hogs:
        s.close()
    src.close()
    lis.close()

    # One client that does read gets the whole file, byte for byte.
    s = socket.create_connection(("127.0.0.1", floe.port), 5)
    s.sendall(b"GET /big.bin HTTP/1.0\r\n\r\n")
    raw = bytearray()
    s.settimeout(30)
    while True:
        d = s.recv(1 << 16)
        if not d:
            break
        raw += d
    s.close()
    head, _, body = bytes(raw).partition(b"\r\n\r\n")
    with open(os.path.join(root, "big.bin"), "rb") as f:
        want = f.read()
    tap.ok(head.startswith(b"HTTP/1.0 200") and b"Content-Length: %d\r\n" % BIG_SIZE in head + b"\r\n"
           and body == want, "a reading client gets the whole file, byte for byte",
           head.decode("latin-1"))


def check_tls(root):
    """Over TLS the file goes through OpenSSL (libevent maps it): same bytes."""
    d = tmpdir()
    cert = os.path.join(d, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", cert,
                    "-out", cert + ".crt", "-days", "2", "-subj", "/CN=localhost"],
                   check=True, capture_output=True)
    with open(cert, "a") as f:
        with open(cert + ".crt") as c:
            f.write(c.read())
    port = free_port()
    tls = Floe(webroot=root, mounts="<listen-socket><port>%d</port><bind-address>127.0.0.1"
               "</bind-address><ssl>1</ssl></listen-socket>" % port,
               paths_extra="<ssl-certificate>%s</ssl-certificate>" % cert)
    out = os.path.join(d, "big.bin")
    res = subprocess.run(["curl", "-sk", "--max-time", "60", "-o", out, "-w", "%{http_code}",
                          "https://127.0.0.1:%d/big.bin" % port], capture_output=True, text=True)
    with open(os.path.join(root, "big.bin"), "rb") as f:
        want = f.read()
    with open(out, "rb") as f:
        got = f.read()
    tap.ok(res.stdout == "200" and got == want,
           "over TLS the whole file arrives, byte for byte", (res.stdout, len(got), res.stderr))
    tls.stop()

# ---------------------------------------------------------------- in a browser


class Browser:
    """Headless Chromium through chromedriver's WebDriver REST API (standard
    library only; test_web.py has the full-featured twin of this)."""

    def __init__(self, chromium, chromedriver):
        self.port = free_port()
        spawn([chromedriver, "--port=%d" % self.port], stdout=subprocess.DEVNULL,
              stderr=subprocess.DEVNULL)
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self.sid = ""
        if not wait_for(self._ready, 15, 0.1):
            raise OSError("chromedriver did not come up")
        args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--disable-background-networking", "--no-proxy-server", "--mute-audio",
                "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required",
                "--user-data-dir=" + tmpdir()]
        caps = {"browserName": "chrome", "unhandledPromptBehavior": "ignore",
                "goog:chromeOptions": {"binary": chromium, "args": args}}
        v = self.call("POST", "/session", {"capabilities": {"alwaysMatch": caps}}, 60)
        self.sid = "/session/" + v["sessionId"]

    def _ready(self):
        try:
            return self.call("GET", "/status", timeout=2).get("ready")
        except (OSError, ValueError, KeyError):
            return False

    def call(self, method, path, body=None, timeout=30):
        """One WebDriver command; its "value" (OSError if it failed)."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request("http://127.0.0.1:%d%s" % (self.port, path), data=data,
                                     method=method, headers={"Content-Type": "application/json"})
        try:
            with self.opener.open(req, timeout=timeout) as r:
                return json.load(r)["value"]
        except urllib.error.HTTPError as e:
            raise OSError("webdriver: %s" % e.read()[:300])

    def s(self, method, path="", body=None, timeout=30):
        return self.call(method, self.sid + path, body, timeout)

    def go(self, url):
        self.s("POST", "/url", {"url": url}, 60)

    def js(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def js_async(self, script, *args):
        return self.s("POST", "/execute/async", {"script": script, "args": list(args)})

    def type(self, css, text):
        el = self.s("POST", "/element", {"using": "css selector", "value": css})
        el = next(iter(el.values()))
        self.s("POST", "/element/%s/clear" % el, {})
        self.s("POST", "/element/%s/value" % el, {"text": text})

    def click(self, css):
        el = self.s("POST", "/element", {"using": "css selector", "value": css})
        self.s("POST", "/element/%s/click" % next(iter(el.values())), {})

    def alert_open(self):
        try:
            self.s("GET", "/alert/text")
            return True
        except OSError as e:
            return "no such alert" not in str(e)

    def quit(self):
        if self.sid:
            try:
                self.s("DELETE", timeout=15)
            except OSError:
                pass
            self.sid = ""


def start_browser():
    """A Browser, or (None, why not)."""
    chromium = next(filter(None, map(shutil.which, ("chromium", "chromium-browser",
                                                    "google-chrome"))), None)
    driver = shutil.which("chromedriver")
    if not chromium or not driver:
        return None, "chromium and chromedriver are not installed"
    try:
        return Browser(chromium, driver), None
    except (OSError, KeyError) as e:
        return None, "chromium cannot be launched: %s" % str(e).splitlines()[0]


def check_in_browser(floe):
    browser, why = start_browser()
    if browser is None:
        for what in ("the admin page keeps no credentials in storage",
                     "a stream is played, not run, by a browser opened on it"):
            tap.skip(what, why)
        return
    atexit.register(browser.quit)
    wait = lambda script, timeout=15, *a: wait_for(lambda: browser.js(script, *a), timeout, 0.2)

    browser.go(floe.url("/manage.html"))
    browser.type("#user", "admin")
    browser.type("#pass", ADMIN_PASS)
    browser.click("#login-form button[type=submit]")
    tap.ok(wait("return !document.getElementById('dash').hidden;"),
           "the admin logs in on /manage.html")
    stored = browser.js("var all = {};"
                        "for (var st of [sessionStorage, localStorage])"
                        "  for (var i = 0; i < st.length; i++) all[st.key(i)] = st.getItem(st.key(i));"
                        "return all;")
    tap.is_eq(stored, {}, "nothing is kept in sessionStorage or localStorage, where any page "
              "of the origin could read the credentials")
    browser.go(floe.url("/index.html"))
    tap.is_eq(browser.js("return sessionStorage.length + localStorage.length;"), 0,
              "... as another page of the origin, in the same tab, sees")
    browser.go(floe.url("/manage.html"))
    tap.ok(wait("return !document.getElementById('login').hidden &&"
                " document.getElementById('dash').hidden;"),
           "after a reload the admin page asks for the credentials again")

    src = RawSource(floe, "/html.mp3")
    feed = Feeder(src, b"<html><script>document.title = 'pwned'; alert(1)</script></html>\n" *
                  64 + mp3_frames(media("tone.mp3")), 64000)
    tap.ok(src.ok(), "a source streams HTML bytes as audio/mpeg to /html.mp3")
    wait_for(lambda: stat_value(floe.stats(), "/html.mp3", "listeners") is not None, 10)
    browser.go(floe.url("/html.mp3"))
    seen = browser.js("return {title: document.title, origin: String(window.origin),"
                      " scripts: document.scripts.length,"
                      " media: document.querySelectorAll('video, audio').length};")
    tap.ok(seen["title"] != "pwned" and seen["scripts"] == 0 and not browser.alert_open(),
           "a browser opened on the stream runs none of its bytes", seen)
    tap.is_eq(seen["origin"], "null", "... and the stream's page has an origin of its own "
              "(sandbox), not floe's")
    # No timers here: a sandboxed document runs none, not even WebDriver's.
    started = browser.js_async("var done = arguments[arguments.length - 1];"
                               "var v = document.querySelector('video, audio');"
                               "if (!v) return done('no player');"
                               "v.play().then(() => done('playing'), e => done(String(e)));")
    played = wait_for(lambda: browser.js("var v = document.querySelector('video, audio');"
                                         "return v.currentTime > 1 ? v.currentTime : 0;"), 15, 0.2)
    tap.ok(started == "playing" and played,
           "... and still plays it in its own player (media-src 'self')", (started, played))
    feed.stop()
    src.close()
    browser.quit()

# ---------------------------------------------------------------- main


floe_root = make_webroot()
floe = Floe(webroot=floe_root)
check_sources(floe, floe_root)
check_stream_headers(floe)
check_symlinks(floe)
check_fifo(floe, floe_root)
check_large_file(floe, floe_root)
check_tls(floe_root)
check_in_browser(floe)
tap.ok(floe.alive(), "floe is still running")
tap.is_eq(floe.stop(), 0, "floe exits 0 on SIGTERM")
