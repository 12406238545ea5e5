"""auth_backend: an icecast URL-authentication backend for the tests, on
Python's threaded http.server, speaking HTTP/1.1 with keep-alive.

Every POST is recorded (path and decoded form) and answered by a rule
chosen by its path and form:

  /add      listener_add: user "good" (or no user) is admitted; "limited"
            is admitted with icecast-auth-timelimit: 2; "banned" gets a
            403 with a message; anyone else gets 200 without the auth
            header and icecast-auth-message: "Subscription expired".
  /slow     as /add after `delay` seconds (the 1,000-listener test).
  /hang     never answers (until the backend stops).
  /stream   stream_auth: admitted if pass is "good".
  anything else (listener_remove, mount_add, ...): 200, recorded.
"""
import http.server
import socketserver
import threading
import time
import urllib.parse


class Backend:
    """Start with Backend(); .url(path) to configure; .records; .stop()."""

    def __init__(self, delay=0.2):
        self.records = []
        self.cond = threading.Condition()
        self.delay = delay
        self.release = threading.Event()
        backend = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(n).decode("latin-1")
                form = dict(urllib.parse.parse_qsl(raw, keep_blank_values=True))
                rec = dict(path=self.path, form=form, raw=raw,
                           authorization=self.headers.get("Authorization"),
                           time=time.monotonic())
                with backend.cond:
                    backend.records.append(rec)
                    backend.cond.notify_all()
                backend.answer(self, form)

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            request_queue_size = 2048   # a thousand listeners arrive at once
            allow_reuse_address = True

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    @staticmethod
    def reply(h, status=200, headers=()):
        h.send_response(status)
        for k, v in headers:
            h.send_header(k, v)
        h.send_header("Content-Length", "0")
        h.end_headers()

    def answer(self, h, form):
        path = h.path.split("?")[0]
        if path == "/hang":
            self.release.wait(60)
            return self.reply(h, 200, [("icecast-auth-user", "1")])
        if path == "/slow":
            time.sleep(self.delay)
            return self.reply(h, 200, [("icecast-auth-user", "1")])
        if path == "/add":
            user = form.get("user", "")
            if user in ("good", ""):
                return self.reply(h, 200, [("icecast-auth-user", "1")])
            if user == "limited":
                return self.reply(h, 200, [("icecast-auth-user", "1"),
                                           ("icecast-auth-timelimit", "2")])
            if user == "banned":
                return self.reply(h, 403, [("icecast-auth-message", "Banned from this station")])
            return self.reply(h, 200, [("icecast-auth-message", "Subscription expired")])
        if path == "/stream":
            if form.get("pass") == "good":
                return self.reply(h, 200, [("icecast-auth-user", "1")])
            return self.reply(h, 200, [("icecast-auth-message", "Not a DJ here")])
        return self.reply(h, 200)

    def find(self, pred):
        with self.cond:
            return [r for r in self.records if pred(r)]

    def wait(self, pred, timeout=20):
        """The first record matching pred, waiting up to timeout seconds."""
        end = time.monotonic() + timeout
        with self.cond:
            while True:
                for r in self.records:
                    if pred(r):
                        return r
                left = end - time.monotonic()
                if left <= 0:
                    return None
                self.cond.wait(left)

    def stop(self):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
