#!/usr/bin/env python3
"""Shoutcast v1 sources (encoders in Shoutcast mode: butt, Mixxx, SAM, the
Shoutcast DSP, libshout's --proto icy): a <shoutcast-mount> on a
listen-socket opens port+1, where the encoder sends its password line,
gets icecast2's exact `OK2` answer, sends icy-* lines (CRLF or bare LF)
and then audio, which listeners of the mount receive byte for byte.
Titles come through /admin.cgi on the HTTP port. A wrong password, an
overlong or non-audio head are refused cleanly; a password sent to the
HTTP port gets an answer that names the fix.
"""
import os
import shutil
import socket
import subprocess
import time
import urllib.parse

from floelib import (CONFIG_TEMPLATE, Floe, Icecast2, Listener, contiguous_in, icy_split,
                     sine_mp3_frames, stat_value, stream_title, tap, tmpdir, wait_for)

ARGS = dict(clients=100, sources=10, queue_size=524288, header_timeout=15, source_timeout=10,
            burst_size=65536, source_pass="hackme", admin_pass="hackme",
            webroot=tmpdir(), paths_extra="", limits_extra="")
TEMPLATE = CONFIG_TEMPLATE.replace("{mounts}", "").replace(
    "<bind-address>127.0.0.1</bind-address></listen-socket>",
    "<bind-address>127.0.0.1</bind-address><shoutcast-mount>/sc</shoutcast-mount>"
    "</listen-socket>")
RATE = 16000
frames = sine_mp3_frames(440, 20)


def login(port, password, eol=b"\r\n"):
    """Connect to a Shoutcast port, send the password line, return (socket, answer)."""
    s = socket.create_connection(("127.0.0.1", port), 5)
    s.sendall(password + eol)
    s.settimeout(5)
    out = b""
    try:
        while b"\r\n\r\n" not in out and b"Password" not in out:
            d = s.recv(1024)
            if not d:
                break
            out += d
    except OSError:
        pass
    return s, out


def stat(floe, key, mount="/sc"):
    return stat_value(floe.stats(), mount, key)


# ---- the handshake, byte for byte against icecast2
ice = Icecast2(TEMPLATE, **ARGS)
if ice.up:
    s, want_ok = login(ice.port + 1, b"hackme")
    s.close()
    s, want_bad = login(ice.port + 1, b"wrong")
    s.close()
    ice.stop()
else:
    want_ok, want_bad = b"OK2\r\nicy-caps:11\r\n\r\n", b""
    tap.diag("icecast2 unavailable (%s): comparing with its known answer" % ice.skip_reason)
floe = Floe(config=TEMPLATE, **ARGS)
src, got = login(floe.port + 1, b"hackme")
tap.is_eq(got, want_ok, "the password accepted: exactly icecast2's OK2 answer")
tap.is_eq(want_ok, b"OK2\r\nicy-caps:11\r\n\r\n", "... which is OK2 and icy-caps:11")

# ---- CRLF icy-* lines, then audio: a listener gets exactly those bytes
src.sendall(b"icy-name:Raw Station\r\nicy-genre:Jazz\r\nicy-pub:0\r\nicy-br:128\r\n"
            b"content-type:audio/mpeg\r\n\r\n")
src.sendall(frames[:40000])
tap.ok(wait_for(lambda: stat(floe, "server_name") == "Raw Station", 10),
       "the icy-* lines describe the stream", floe.stats()[-400:])
tap.is_eq((stat(floe, "genre"), stat(floe, "server_type")), ("Jazz", "audio/mpeg"),
          "genre and type")
lst = Listener(floe, "/sc")
tap.ok(lst.wait_bytes(30000), "a listener of /sc gets audio")
sent = bytearray(frames[:40000])
for i in range(40000, 200000, 8000):
    src.sendall(frames[i:i + 8000])
    sent += frames[i:i + 8000]
    time.sleep(8000 / RATE / 4)
tap.ok(wait_for(lambda: len(lst.body()) >= 150000, 20) and
       contiguous_in(lst.body()[-60000:], bytes(sent)) and lst.body()[:4096] in bytes(sent),
       "exactly the bytes the encoder sent")

# ---- titles through admin.cgi on the HTTP port (no mount: the Shoutcast one)
icy = Listener(floe, "/sc", icy=True)
st, _, body = floe.get("/admin.cgi?" + urllib.parse.urlencode(
    {"pass": "hackme", "mode": "updinfo", "song": "Shoutcast Title"}))
tap.ok(st == 200 and wait_for(lambda: stat(floe, "title") == "Shoutcast Title", 10),
       "admin.cgi sets the title of the Shoutcast mount", (st, body))
tap.is_eq(body, b"<html><head><title>Admin request successful</title></head><body><p>Metadata "
          b"update successful</p></body></html>", "with icecast2 2.4's page, byte for byte")
for i in range(200000, 320000, 8000):
    src.sendall(frames[i % len(frames):i % len(frames) + 8000])
tap.ok(wait_for(lambda: "Shoutcast Title" in [stream_title(t) for t in
                                             icy_split(icy.body(), 16000)[1] if t], 20),
       "and ICY listeners see it")
src.close()
tap.ok(wait_for(lambda: stat(floe, "listeners") is None, 20), "the encoder leaves: the mount is gone")
lst.close()
icy.close()

# ---- bare-LF lines sent with the password, without waiting for OK2
s = socket.create_connection(("127.0.0.1", floe.port + 1), 5)
s.sendall(b"hackme\nicy-name:LF Station\nicy-br:128\n\n" + frames[:20000])
tap.ok(wait_for(lambda: stat(floe, "server_name") == "LF Station", 10),
       "bare LF, everything at once: taken")
tap.ok(wait_for(lambda: int(stat(floe, "total_bytes_read") or 0) == 20000, 10),
       "and the audio after the blank line is the stream", stat(floe, "total_bytes_read"))
s.close()
tap.ok(wait_for(lambda: stat(floe, "listeners") is None, 20), "gone again")

# ---- refusals
s, got = login(floe.port + 1, b"wrong")
tap.is_eq(got, b"Invalid Password\r\n", "a wrong password: the DNAS's words (icecast2 closes "
          "without one)")
tap.ok(want_bad == b"", "(icecast2 indeed says nothing)", want_bad)
s.close()
s, got = login(floe.port + 1, b"hackme")
s.sendall(b"icy-name:" + b"x" * 9000 + b"\r\n")
s.settimeout(10)
try:
    closed = s.recv(100) == b""
except OSError:
    closed = True
tap.ok(closed, "icy-* lines past 8 KiB: disconnected")
s.close()
s, got = login(floe.port + 1, b"hackme")
s.sendall(b"content-type:text/html\r\n\r\n<script>alert(1)</script>")
s.settimeout(10)
try:
    closed = s.recv(100) == b""
except OSError:
    closed = True
tap.ok(closed and wait_for(lambda: "is not audio or video" in floe.read_log(), 10),
       "a text/html stream through the Shoutcast port is refused, as over HTTP")
s.close()
tap.ok(wait_for(lambda: stat(floe, "listeners") is None, 20), "and never becomes a mount")

# ---- a password sent to the HTTP port
got = floe.raw(b"hackme\r\n")
tap.ok(got.startswith(b"HTTP/1.0 400") and b"port %d" % (floe.port + 1) in got and
       b"shoutcast-mount" in got,
       "a Shoutcast login on the HTTP port: an answer naming the port and the fix", got)
tap.ok(wait_for(lambda: "sent a Shoutcast v1 password to HTTP port" in floe.read_log(), 10),
       "and a warning in the error log")

# ---- libshout's own client: shout --proto icy
if shutil.which("shout"):
    path = os.path.join(tmpdir(), "tone.mp3")
    with open(path, "wb") as f:
        f.write(frames[:80000])
    with open(path, "rb") as f:
        # (shout takes --usage before --format, or refuses mp3)
        p = subprocess.Popen(["shout", "-H", "127.0.0.1", "-P", str(floe.port), "--proto", "icy",
                              "--pass", "hackme", "--usage", "audio", "--format", "mp3",
                              "--mount", "/sc", "--station-name", "Shout Station"],
                             stdin=f, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        tap.ok(wait_for(lambda: stat(floe, "server_name") == "Shout Station", 20),
               "shout --proto icy streams to the Shoutcast port", floe.log())
        late = Listener(floe, "/sc")
        tap.ok(late.wait_bytes(8000) and late.body()[:4096] in frames[:80000],
               "and a listener gets its bytes")
        out = p.communicate(timeout=30)[0]
        tap.ok(p.returncode == 0, "shout exits 0", out)
        tap.is_eq(floe.read_log().count("wrong password"), 1,
                  "libshout's !POKE probe is not taken for a failed login (only the test's is)")
        late.close()
else:
    tap.skip("shout --proto icy", "libshout-tools is not installed")
tap.is_eq(floe.stop(), 0, "floe exits cleanly")
