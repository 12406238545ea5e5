#!/usr/bin/env python3
"""YP directories as icecast2 2.4 speaks to them, against a directory stub
on Python's http.server: a public mount is added (action=add with its
name, genre, description, URLs, type and bitrate), touched at the
TouchFreq the directory asked for (the new title and the listener count),
and removed when its source leaves; a hidden or non-public mount is never
listed; a directory that hangs costs the stream nothing (a listener's bytes
keep flowing) and floe logs the time-out.
"""
import http.server
import socketserver
import threading
import time
import urllib.parse

from floelib import Floe, Listener, LoopFeeder, RawSource, sine_mp3_frames, tap, wait_for

RATE = 16000


class Directory:
    """Records every call; answers YPResponse 1, a SID and TouchFreq 1 (or hangs)."""

    def __init__(self, hang=False):
        self.calls = []
        self.hang = threading.Event() if hang else None
        d = self

        class H(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(n).decode(),
                                                   keep_blank_values=True))
                d.calls.append(form)
                if d.hang is not None:
                    d.hang.wait(30)
                self.send_response(200)
                self.send_header("YPResponse", "1")
                self.send_header("YPMessage", "Successful")
                if form.get("action") == "add":
                    self.send_header("SID", "sid-%s" % form.get("sn"))
                    self.send_header("TouchFreq", "1")
                self.send_header("Content-Length", "0")
                self.end_headers()

        class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.httpd = S(("127.0.0.1", 0), H)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d/cgi-bin/yp-cgi" % self.httpd.server_address[1]

    def find(self, **want):
        return [c for c in self.calls if all(c.get(k) == v for k, v in want.items())]

    def stop(self):
        if self.hang is not None:
            self.hang.set()
        self.httpd.shutdown()


good = Directory()
slow = Directory(hang=True)
floe = Floe(mounts="""
<directory><yp-url-timeout>2</yp-url-timeout><yp-url>%s</yp-url></directory>
<directory><yp-url-timeout>2</yp-url-timeout><yp-url>%s</yp-url></directory>
<mount><mount-name>/hidden.mp3</mount-name><hidden>1</hidden></mount>
""" % (good.url, slow.url))
frames = sine_mp3_frames(440, 10)
srcs = {}
for mount, public in (("/pub.mp3", "1"), ("/private.mp3", "0"), ("/hidden.mp3", "1")):
    src = RawSource(floe, mount, extra_headers={"ice-public": public, "ice-name": "Station " +
                                                mount, "ice-genre": "Jazz",
                                                "ice-description": "Cool", "ice-bitrate": "128",
                                                "ice-url": "https://example.org/"})
    srcs[mount] = (src, LoopFeeder(src, frames, RATE))

tap.ok(wait_for(lambda: good.find(action="add"), 15), "the public mount is added", good.calls)
add = good.find(action="add")[0]
tap.is_eq({k: add.get(k) for k in ("sn", "genre", "desc", "url", "type", "b", "stype")},
          {"sn": "Station /pub.mp3", "genre": "Jazz", "desc": "Cool",
           "url": "https://example.org/", "type": "audio/mpeg", "b": "128", "stype": "mp3"},
          "with icecast2's fields")
tap.ok(add.get("listenurl", "").endswith(":%d/pub.mp3" % floe.port), "and its listen URL", add)

lst = Listener(floe, "/pub.mp3")
lst.wait_bytes(1000)
floe.metadata("/pub.mp3", song="Now Playing")
tap.ok(wait_for(lambda: good.find(action="touch", sid="sid-Station /pub.mp3", st="Now Playing",
                                  listeners="1"), 20),
       "touched at TouchFreq with the title and the listener count", good.calls[-3:])
tap.ok(not any(c.get("sn", "").endswith(("private.mp3", "hidden.mp3")) for c in good.calls),
       "a non-public and a hidden mount are never listed")

# the hanging directory: its add times out; the stream goes on
tap.ok(wait_for(lambda: "YP %s: add of /pub.mp3 failed" % slow.url in floe.read_log(), 20),
       "a directory that hangs: the add times out, logged", floe.log())
n = len(lst.body())
tap.ok(wait_for(lambda: len(lst.body()) > n + 3 * RATE, 20),
       "and the listener's bytes keep flowing meanwhile")

srcs["/pub.mp3"][1].stop()
srcs["/pub.mp3"][0].close()
tap.ok(wait_for(lambda: good.find(action="remove", sid="sid-Station /pub.mp3"), 20),
       "the source leaves: removed")
for mount in ("/private.mp3", "/hidden.mp3"):
    srcs[mount][1].stop()
    srcs[mount][0].close()
lst.close()
tap.is_eq(floe.stop(), 0, "floe exits cleanly")
good.stop()
slow.stop()
