#!/usr/bin/env python3
"""floe-source's HTTP JSON API, webhooks and history, with the real floe.

floe-source streams short generated tracks to floe with --api-listen on
loopback and --on-track-url pointing at a small HTTP server in this test.
GET /api/now and /api/next agree with the titles floe shows at
/status-json.xsl; a file POSTed to /api/queue is listed by GET /api/queue
and, after POST /api/skip, is the next title floe shows; DELETE
/api/queue/N and DELETE /api/queue remove; /api/history lists the tracks
in order with their times and the skip; errors are JSON with their status
codes. Titles full of quotes, backslashes, newlines, \\x01 and invalid
UTF-8 still make valid JSON in the API and in the webhooks. `ctl history`,
`queue-remove` and `queue-clear` do the same over the control socket.

A second floe-source has a webhook server that accepts connections and
never answers: its tracks keep changing on floe all the same, and the
failure is logged once. A non-loopback api-listen without api-token is
refused at start, naming the file and line; with a token, requests without
it or with a wrong one get 401. With a programme in the config, GET
/api/schedule gives its week.
"""
import http.client
import http.server
import json
import os
import socket
import ssl
import subprocess
import threading
import time

from floe_source_lib import Source, run_source, tone, write
from floelib import Floe, free_port, tap, tmpdir, wait_for, wait_mount

d = tmpdir()
SECS = 2.5
tone(os.path.join(d, "one.mp3"), 440, 6, "Api", "One")   # time to see it at floe
tone(os.path.join(d, "two.mp3"), 550, SECS, "Api", "Two")
HOSTILE = 'Say "hi" \\ back\nnext\x01end'
tone(os.path.join(d, "hostile.mp3"), 660, SECS, "Api", HOSTILE)
tone(os.path.join(d, "untagged.mp3"), 770, SECS)
tone(os.path.join(d, "queued.mp3"), 880, 8, "Api", "Queued")   # outlasts the queue edits
tone(os.path.join(d, "q2.mp3"), 990, SECS, "Api", "Q2")
tone(os.path.join(d, "q3.mp3"), 1100, SECS, "Api", "Q3")
with open(os.path.join(d, "list.m3u"), "wb") as f:
    f.write(b"one.mp3\nhostile.mp3\n#EXTINF:2,Bad \xff\xfe \"bytes\" \\ \x01\nuntagged.mp3\n"
            b"two.mp3\n")
playlist = os.path.join(d, "list.m3u")
notaudio = write(os.path.join(d, "notes.mp3"), "this is text, not audio\n" * 50)


class Hooks(http.server.BaseHTTPRequestHandler):
    """Records each webhook POST's body."""
    got = []

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        Hooks.got.append((self.path, self.headers.get("Content-Type"), self.rfile.read(n)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *a):
        pass


hook_srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hooks)
threading.Thread(target=hook_srv.serve_forever, daemon=True).start()
hook_url = "http://127.0.0.1:%d/hook" % hook_srv.server_address[1]

# A webhook server that never answers: the kernel accepts, nobody reads.
mute = socket.socket()
mute.bind(("127.0.0.1", 0))
mute.listen(64)
mute_url = "http://127.0.0.1:%d/never" % mute.getsockname()[1]

floe = Floe()
api_port = free_port()
src = Source(["--playlist", playlist, "--url", "http://source:hackme@127.0.0.1:%d/api.mp3" %
              floe.port, "--api-listen", "127.0.0.1:%d" % api_port, "--on-track-url",
              hook_url], cwd=d)
slow_started = time.monotonic()
slow = Source(["--playlist", playlist, "--url", "http://source:hackme@127.0.0.1:%d/slow.mp3" %
               floe.port, "--on-track-url", mute_url, "--on-playlist-url", mute_url], cwd=d,
              name="slow")


def call(method, path, body=None, headers=None, port=None):
    """(status, headers, raw body bytes) of one request to the API."""
    c = http.client.HTTPConnection("127.0.0.1", port or api_port, timeout=10)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        return r.status, dict(r.getheaders()), r.read()
    finally:
        c.close()


def api(method, path, body=None, **kw):
    """(status, parsed JSON) of a request; the body must be strict JSON in UTF-8."""
    st, _, raw = call(method, path, body=json.dumps(body) if body is not None else None, **kw)
    return st, json.loads(raw.decode("utf-8"))


def floe_title(mount):
    """The title floe shows for mount at /status-json.xsl (None if not there)."""
    st, _, body = floe.get("/status-json.xsl")
    if st != 200:
        return None
    srcs = json.loads(body)["icestats"].get("source", [])
    for s in srcs if isinstance(srcs, list) else [srcs]:
        if s.get("listenurl", "").endswith(mount):
            return s.get("title")
    return None


tap.ok(wait_mount(floe, "/api.mp3", 30) and wait_mount(floe, "/slow.mp3", 30),
       "floe-source streams with the API and webhooks on", src.log()[-800:])
tap.ok(wait_for(lambda: api("GET", "/api/now")[1]["title"] == floe_title("/api.mp3") ==
                "Api - One", 30, 0.1),
       "GET /api/now: the title floe shows (Api - One)", (api("GET", "/api/now"), floe_title("/api.mp3")))
st, now = api("GET", "/api/now")
tap.ok(st == 200 and now["playing"] and now["file"] == os.path.join(d, "one.mp3") and
       0 <= now["position"] <= 30 and now["started"].endswith("Z") and now["paused"] is False
       and 5.9 <= now["duration"] <= 6.1,
       "... with its file, position, duration (6 s) and start time", now)
st, nxt = api("GET", "/api/next")
tap.ok(st == 200 and nxt["file"] == os.path.join(d, "hostile.mp3") and nxt["queued"] is False,
       "GET /api/next: the playlist's next entry", nxt)
tap.ok(wait_for(lambda: floe_title("/api.mp3") not in (None, "Api - One"), 30, 0.1) and
       api("GET", "/api/now")[1]["file"] == nxt["file"],
       "... which is what plays next", api("GET", "/api/now"))

# The hostile titles, as now and in the history (strict JSON, UTF-8).
st, now = api("GET", "/api/now")
tap.ok(st == 200 and now["title"] == "Api - " + HOSTILE,
       "quotes, a backslash, a newline and \\x01 in a title: valid JSON, the title intact", now)
tap.ok(wait_for(lambda: api("GET", "/api/now")[1]["file"].endswith("untagged.mp3"), 30, 0.1),
       "the untagged entry with an #EXTINF title plays")
st, now = api("GET", "/api/now")
tap.ok(now["title"].startswith("Bad ") and '"bytes" \\ ' in now["title"] and
       "\ufffd" in now["title"],
       "invalid UTF-8 in a title: still valid UTF-8 JSON", now)

# Queue, list, skip: the queued track is the next floe shows.
st, r = api("POST", "/api/queue", {"file": os.path.join(d, "queued.mp3")})
tap.ok(st == 201 and r["length"] == 1 and r["queued"]["title"] == "Api - Queued",
       "POST /api/queue: 201 with the queued file", r)
st, r = api("GET", "/api/queue")
tap.ok(st == 200 and [q["file"] for q in r["queue"]] == [os.path.join(d, "queued.mp3")] and
       r["queue"][0]["position"] == 1, "GET /api/queue lists it", r)
tap.ok(api("GET", "/api/next")[1]["queued"] is True, "GET /api/next: the queued file")
before = api("GET", "/api/now")[1]["title"]
st, r = api("POST", "/api/skip")
tap.ok(st == 200 and r["skipped"] == before, "POST /api/skip: 200, names what it skipped", r)
tap.ok(wait_for(lambda: floe_title("/api.mp3") == "Api - Queued", 20, 0.1),
       "the queued track is the next title floe shows", floe_title("/api.mp3"))
tap.ok(api("GET", "/api/queue")[1] == {"length": 0, "queue": []}, "... and the queue is empty")

# Remove and clear.
for name in ("q2", "q3"):
    api("POST", "/api/queue", {"file": os.path.join(d, name + ".mp3")})
st, r = api("DELETE", "/api/queue/1")
tap.ok(st == 200 and r == {"removed": 1, "length": 1}, "DELETE /api/queue/1", r)
tap.ok([q["title"] for q in api("GET", "/api/queue")[1]["queue"]] == ["Api - Q3"],
       "... took the first out, the second is left")
st, r = api("DELETE", "/api/queue/7")
tap.ok(st == 404 and "position 7" in r["error"], "DELETE /api/queue/7: 404 in JSON", r)
st, r = api("DELETE", "/api/queue")
tap.ok(st == 200 and r == {"cleared": 1, "length": 0}, "DELETE /api/queue clears it", r)

# The control socket's side of the same.
src.ctl("queue", os.path.join(d, "q2.mp3"))
src.ctl("queue", os.path.join(d, "q3.mp3"))
rc, out = src.ctl("queue-remove", "2")
tap.ok(rc == 0 and out == "removed: %s (1 in the queue)\n" % os.path.join(d, "q3.mp3"),
       "ctl queue-remove 2", out)
rc, out = src.ctl("queue-remove", "5")
tap.ok(rc != 0 and "no file at position 5" in out, "ctl queue-remove of a missing position fails",
       out)
rc, out = src.ctl("queue-clear")
tap.ok(rc == 0 and out == "cleared: 1 file\n", "ctl queue-clear", out)
tap.is_eq(api("GET", "/api/queue")[1]["length"], 0, "the API sees the same queue")

# Errors.
st, r = api("POST", "/api/queue", {"file": notaudio})
tap.ok(st == 400 and "cannot play" in r["error"], "a file that does not decode: 400", r)
st, r = api("POST", "/api/queue", {"file": "queued.mp3"})
tap.ok(st == 400 and "absolute" in r["error"], "a relative path: 400", r)
st, _, raw = call("POST", "/api/queue", body="/music/a.mp3")
tap.ok(st == 400 and "error" in json.loads(raw), "a body that is not JSON: 400", raw)
st, _, raw = call("POST", "/api/queue", body='{"file":"' + "x" * 20000 + '"}')
tap.is_eq(st, 413, "a body over 16 KiB: 413")
st, hdrs, raw = call("GET", "/api/skip")
tap.ok(st == 405 and "POST" in hdrs.get("Allow", "") and "error" in json.loads(raw),
       "GET /api/skip: 405 with Allow, in JSON", (st, hdrs, raw))
st, r = api("GET", "/api/nothing")
tap.ok(st == 404 and "error" in r, "an unknown endpoint: 404 in JSON", r)
st, r = api("GET", "/api/history?limit=0")
tap.ok(st == 400 and "limit" in r["error"], "history?limit=0: 400", r)

# Schedule and history.
st, r = api("GET", "/api/schedule")
tap.ok(st == 200 and r["playlists"][0]["playlist"] == playlist and
       r["playlists"][0]["entries"] == 4, "GET /api/schedule: the playlist", r)
tap.ok(wait_for(lambda: floe_title("/api.mp3") not in ("Api - Queued", None), 60, 0.2),
       "the queued track plays to its end (the playlist goes on)")
st, r = api("GET", "/api/history?limit=100")
h = r["history"]
titles = [e["title"] for e in h]
want = ["Api - One", "Api - " + HOSTILE]
tap.ok(st == 200 and titles[:2] == want and titles[3] == "Api - Queued" and
       h[2]["skipped"] and not h[0]["skipped"] and h[-1]["playing"],
       "GET /api/history: the tracks in order, the skipped one marked", titles)
starts = [e["started"] for e in h]
tap.ok(starts == sorted(starts) and all(s.endswith("Z") and "T" in s for s in starts) and
       all(e["played"] >= 0 for e in h) and 5.9 <= h[0]["played"] <= 6.1,
       "... with ISO 8601 start times, increasing, and how long each played", h[:2])
st, r = api("GET", "/api/history?limit=2")
tap.ok([e["title"] for e in r["history"]] == titles[-2:], "history?limit=2: the last two")
rc, out = src.ctl("history", "3")
lines = out.splitlines()
tap.ok(rc == 0 and len(lines) == 3 and lines[-1].split()[2] == "playing" and
       all(l[:4].isdigit() for l in lines), "ctl history 3: three lines, the last playing", out)
rc, out = src.ctl("history")
tap.ok(rc == 0 and "Api - Say \"hi\" \\ back?next?end (" in out and "Bad \xff\xfe" in out and
       all(l[:4].isdigit() for l in out.splitlines()),
       "ctl history: a title's newline and \\x01 do not break lines; bad UTF-8 read as Latin-1",
       out)

# Webhooks: a POST per track, each title, in order; valid JSON every one.
bodies = [json.loads(b.decode("utf-8")) for _, _, b in Hooks.got]
tap.ok(all(p == "/hook" and ct == "application/json" for p, ct, _ in Hooks.got) and
       all(b["event"] == "track" and b["time"].endswith("Z") for b in bodies),
       "webhook: JSON POSTs of track events", Hooks.got[:2])
hook_titles = [b["title"] for b in bodies]
tap.ok(hook_titles[:len(titles) - 1] == titles[:-1] and len(hook_titles) >= len(titles) - 1,
       "webhook: one per track with each title (the hostile ones too), in order",
       (hook_titles, titles))
tap.ok(bodies[0]["file"] == os.path.join(d, "one.mp3"), "webhook: with the file")

# The webhook that never answers held nothing up.
changes = []


def slow_titles():
    t = floe_title("/slow.mp3")
    if t and (not changes or changes[-1] != t):
        changes.append(t)
    return len(changes) >= 6


tap.ok(wait_for(slow_titles, 40, 0.1),
       "a webhook server that never answers: titles keep changing on floe", changes)
tap.ok(slow.wait_log("webhook " + mute_url, 30), "... its failure (a 10 s timeout) is logged",
       slow.log()[-600:])
# Each of its events times out (10 s each, in turn), yet the log says so at
# most once a minute.
minutes = int((time.monotonic() - slow_started) // 60) + 1
tap.ok(1 <= slow.log().count("webhook " + mute_url) <= minutes,
       "... at most once a minute (%d minute(s) of failures)" % minutes, slow.log()[-600:])
tap.ok(src.alive() and slow.alive(), "both floe-source processes still run")
src.stop()
slow.stop()
mute.close()

# Non-loopback without a token: refused at start, saying where.
conf = write(os.path.join(d, "open.conf"),
             "playlist = list.m3u\n# the API\napi-listen = 0.0.0.0:%d\n[output o]\nfile = x.mp3\n"
             % free_port())
rc, out = run_source(["-c", conf])
tap.ok(rc == 1 and "open.conf line 3" in out and "api-token" in out,
       "api-listen on 0.0.0.0 without api-token: refused, naming the file and line", out)
rc, out = run_source(["--playlist", playlist, "--file", os.path.join(d, "y.mp3"),
                      "--api-listen", "[::]:%d" % free_port()])
tap.ok(rc == 1 and "--api-listen" in out and "not a loopback" in out,
       "--api-listen [::] without a token: refused", out)

# With a token (optional on loopback, required when set).
tok_port = free_port()
# ... and an https:// webhook, its certificate checked against ca-file.
key, crt = os.path.join(d, "key.pem"), os.path.join(d, "cert.crt")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                "-out", crt, "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
Hooks.got = []
tls_srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hooks)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(crt, key)
tls_srv.socket = ctx.wrap_socket(tls_srv.socket, server_side=True)
threading.Thread(target=tls_srv.serve_forever, daemon=True).start()
tok_conf = write(os.path.join(d, "tok.conf"), """\
api-listen = 127.0.0.1:%d
api-token = s3cret-token
ca-file = cert.crt
on-track-url = https://127.0.0.1:%d/tls

[playlist music]
source = list.m3u

[schedule]
sat-sun 08:00-10:00 = music
default = music

[output o]
file = tok.mp3
""" % (tok_port, tls_srv.server_address[1]))
tok = Source(["-c", tok_conf], cwd=d, name="tok")
tap.ok(tok.wait_log("HTTP API on", 20), "with api-token (and a programme) in the config",
       tok.log())
st, hdrs, raw = call("GET", "/api/now", port=tok_port)
tap.ok(st == 401 and "error" in json.loads(raw) and "Bearer" in hdrs.get("WWW-Authenticate", ""),
       "no token: 401 in JSON, WWW-Authenticate: Bearer", (st, hdrs, raw))
st, _, _ = call("POST", "/api/skip", headers={"Authorization": "Bearer s3cret-tokeX"},
                port=tok_port)
tap.is_eq(st, 401, "a wrong token: 401")
st, _, _ = call("GET", "/api/now", headers={"Authorization": "Basic czNjcmV0LXRva2Vu"},
                port=tok_port)
tap.is_eq(st, 401, "Basic instead of Bearer: 401")
st, _, raw = call("GET", "/api/now", headers={"Authorization": "Bearer s3cret-token"},
                  port=tok_port)
tap.ok(st == 200 and json.loads(raw)["playing"] in (True, False), "the right token: 200", raw)
st, _, raw = call("GET", "/api/schedule", headers={"Authorization": "Bearer s3cret-token"},
                  port=tok_port)
sched = json.loads(raw) if st == 200 else {}
tap.ok(st == 200 and len(sched.get("slots", [])) == 1 and sched.get("default") == "music",
       "GET /api/schedule with a programme: its week (program_schedule_json)", raw)
tap.ok(wait_for(lambda: any(p == "/tls" and json.loads(b)["title"] == "Api - One"
                           for p, _, b in Hooks.got), 20),
       "an https:// webhook, its certificate checked against ca-file, gets the track",
       (Hooks.got, tok.log()[-500:]))
tok.stop()
untrusted = Source(["--playlist", playlist, "--file", os.path.join(d, "untrusted.mp3"),
                    "--on-track-url", "https://127.0.0.1:%d/untrusted" % tls_srv.server_address[1]],
                   cwd=d, name="untrusted")
tap.ok(untrusted.wait_log("certificate", 20) and
       not any(p == "/untrusted" for p, _, _ in Hooks.got),
       "without ca-file the same server is not trusted: said, and nothing POSTed",
       untrusted.log()[-500:])
untrusted.stop()
tls_srv.shutdown()
hook_srv.shutdown()
tap.is_eq(floe.stop(), 0, "floe stops cleanly")
