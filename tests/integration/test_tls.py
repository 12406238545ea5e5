#!/usr/bin/env python3
"""TLS: a listen-socket with <ssl>1</ssl> serves listeners, admin requests
and sources over TLS (OpenSSL), with the same bytes as plain HTTP; a
missing certificate stops floe at start with a message naming the fix."""
import os
import socket
import ssl
import subprocess

from floelib import (FLOE, Floe, RawSource, contiguous_in, free_port, media, mp3_frames_offset,
                     parse_response, spawn, stat_value, tap, tmpdir, wait_for)

d = tmpdir()
cert = os.path.join(d, "cert.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", cert,
                "-out", cert + ".crt", "-days", "2", "-subj", "/CN=localhost"],
               check=True, capture_output=True)
with open(cert, "a") as f:          # icecast2's layout: key and certificate in one PEM
    f.write(open(cert + ".crt").read())

tls_port = free_port()
floe = Floe(mounts="<listen-socket><port>%d</port><bind-address>127.0.0.1</bind-address>"
                   "<ssl>1</ssl></listen-socket>" % tls_port,
            paths_extra="<ssl-certificate>%s</ssl-certificate>" % cert)
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE


def tls_connect():
    s = socket.create_connection(("127.0.0.1", tls_port), 5)
    return ctx.wrap_socket(s, server_hostname="localhost")


def tls_request(req, limit=1 << 20):
    s = tls_connect()
    s.sendall(req)
    out = b""
    s.settimeout(5)
    try:
        while len(out) < limit:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (socket.timeout, ssl.SSLError, ConnectionResetError):
        pass
    s.close()
    return out


with open(media("tone.mp3"), "rb") as f:
    tone = f.read()
frames = tone[mp3_frames_offset(tone):]

src = RawSource(floe, "/tls.mp3")
tap.ok(src.ok(), "a plain-HTTP source is accepted next to the TLS socket")
src.send(frames[:200000])
# All but a trailing partial frame is cut into blocks at once.
wait_for(lambda: int(stat_value(floe.stats(), "/tls.mp3", "total_bytes_read") or 0) > 198000, 10)

st, hd, body = parse_response(tls_request(b"GET /tls.mp3 HTTP/1.0\r\n\r\n", limit=65536 + 500))
tap.ok(st == 200 and hd.get("content-type") == "audio/mpeg", "a listener over TLS gets 200 audio/mpeg")
tap.ok(len(body) > 30000 and contiguous_in(body, frames),
       "the TLS listener's burst is exactly the source's bytes (%d bytes)" % len(body))

res = subprocess.run(["curl", "-sk", "-u", "admin:hackme",
                      "https://127.0.0.1:%d/admin/stats" % tls_port], capture_output=True, text=True)
tap.ok("<source mount=\"/tls.mp3\">" in res.stdout, "curl gets /admin/stats over TLS", res.stderr)

# A source over TLS (PUT, as ffmpeg does with icecast://...?tls=1).
s = tls_connect()
s.sendall(b"PUT /tlssrc.mp3 HTTP/1.1\r\nAuthorization: Basic c291cmNlOmhhY2ttZQ==\r\n"
          b"Content-Type: audio/mpeg\r\nExpect: 100-continue\r\n\r\n")
s.settimeout(5)
ans = s.recv(200)
tap.is_eq(ans, b"HTTP/1.1 100 Continue\r\nContent-Length: 0\r\n\r\nHTTP/1.0 200 OK\r\n\r\n",
          "a source over TLS gets icecast2's PUT answer")
s.sendall(frames[:50000])
tap.ok(wait_for(lambda: int(stat_value(floe.stats(), "/tlssrc.mp3", "total_bytes_read") or 0)
                > 48000, 10),
       "the TLS source's bytes all arrive")
s.close()

# A TLS handshake that never completes, and plain HTTP on the TLS port,
# must not hurt the server.
junk = socket.create_connection(("127.0.0.1", tls_port), 5)
junk.sendall(b"GET / HTTP/1.0\r\n\r\n")
junk.close()
tap.ok(stat_value(floe.stats(), "/tls.mp3", "listeners") is not None,
       "plain HTTP sent to the TLS port does no harm")
tap.is_eq(floe.stop(), 0, "floe exits 0")

# Missing certificate: a clear refusal at start.
bad = Floe.__new__(Floe)
cfg = os.path.join(d, "bad.xml")
port = free_port()
with open(cfg, "w") as f:
    f.write("<icecast><authentication><source-password>x</source-password></authentication>"
            "<listen-socket><port>%d</port><ssl>1</ssl></listen-socket>"
            "<paths><logdir>%s</logdir></paths><logging><errorlog>-</errorlog></logging></icecast>"
            % (port, d))
res = subprocess.run([FLOE, "-c", cfg], capture_output=True, text=True, timeout=10)
tap.ok(res.returncode != 0 and "ssl-certificate" in res.stderr,
       "TLS without <ssl-certificate> refuses to start and names the setting", res.stderr)

# <paths><ssl-allowed-ciphers>: TLS 1.2 offers only what the list allows
port = free_port()
floe = Floe(mounts="<listen-socket><port>%d</port><bind-address>127.0.0.1</bind-address>"
                   "<ssl>1</ssl></listen-socket>" % port,
            paths_extra="<ssl-certificate>%s</ssl-certificate><ssl-allowed-ciphers>"
                        "ECDHE-RSA-AES128-GCM-SHA256</ssl-allowed-ciphers>" % cert)


def s_client(cipher):
    r = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-tls1_2",
                        "-cipher", cipher], input=b"", capture_output=True, timeout=20)
    return r.returncode == 0 and b"Cipher is " + cipher.encode() in r.stdout


tap.ok(s_client("ECDHE-RSA-AES128-GCM-SHA256"), "ssl-allowed-ciphers: a listed cipher is taken")
tap.ok(not s_client("AES256-SHA"), "a cipher outside the list is refused")
tap.is_eq(floe.stop(), 0, "floe exits 0")
cfg2 = os.path.join(d, "ciphers.xml")
with open(cfg2, "w") as f:
    f.write("<icecast><authentication><source-password>x</source-password></authentication>"
            "<listen-socket><port>%d</port><ssl>1</ssl></listen-socket>"
            "<paths><logdir>%s</logdir><ssl-certificate>%s</ssl-certificate>"
            "<ssl-allowed-ciphers>NO-SUCH-CIPHER</ssl-allowed-ciphers></paths>"
            "<logging><errorlog>-</errorlog></logging></icecast>" % (free_port(), d, cert))
res = subprocess.run([FLOE, "-c", cfg2], capture_output=True, text=True, timeout=10)
tap.ok(res.returncode != 0 and "ssl-allowed-ciphers" in res.stderr,
       "a cipher list OpenSSL cannot use refuses to start and names the setting", res.stderr)

# Same-port TLS (icecast-kh's <ssl>1, 2.5's <tls>auto): TLS and plain HTTP on one port
port = free_port()
floe = Floe(mounts="<listen-socket><port>%d</port><bind-address>127.0.0.1</bind-address>"
                   "<ssl>1</ssl></listen-socket>" % port,
            paths_extra="<ssl-certificate>%s</ssl-certificate>" % cert)
tls_port = port
out = tls_request(b"GET /status-json.xsl HTTP/1.0\r\n\r\n")
tap.ok(out.startswith(b"HTTP/1.0 200") and b"icestats" in out, "<ssl>1: TLS on the port", out[:80])
s = socket.create_connection(("127.0.0.1", port), 5)
s.sendall(b"GET /status-json.xsl HTTP/1.0\r\n\r\n")
s.settimeout(5)
plain = b""
while True:
    try:
        b = s.recv(65536)
    except OSError:
        break
    if not b:
        break
    plain += b
s.close()
tap.ok(plain.startswith(b"HTTP/1.0 200") and b"icestats" in plain,
       "... and plain HTTP on the same port (icecast-kh)", plain[:80])
idle = socket.create_connection(("127.0.0.1", port), 5)
tap.ok(tls_request(b"GET /status-json.xsl HTTP/1.0\r\n\r\n").startswith(b"HTTP/1.0 200"),
       "a client that has sent nothing yet holds up nobody")
idle.close()
tap.is_eq(floe.stop(), 0, "floe exits 0")

# 2.5's <tls>auto_no_plain: TLS only
port = free_port()
floe = Floe(mounts="<listen-socket><port>%d</port><bind-address>127.0.0.1</bind-address>"
                   "<tls>auto_no_plain</tls></listen-socket>" % port,
            paths_extra="<ssl-certificate>%s</ssl-certificate>" % cert)
tls_port = port
tap.ok(tls_request(b"GET /status-json.xsl HTTP/1.0\r\n\r\n").startswith(b"HTTP/1.0 200"),
       "<tls>auto_no_plain: TLS is served")
s = socket.create_connection(("127.0.0.1", port), 5)
s.sendall(b"GET /status-json.xsl HTTP/1.0\r\n\r\n")
s.settimeout(5)
try:
    got = s.recv(100)
except OSError:
    got = b""
s.close()
tap.ok(not got.startswith(b"HTTP/1.0 200"), "... plain HTTP is not", got)
tap.is_eq(floe.stop(), 0, "floe exits 0")
cfg3 = os.path.join(d, "rfc2817.xml")
with open(cfg3, "w") as f:
    f.write("<icecast><authentication><source-password>x</source-password></authentication>"
            "<listen-socket><port>8000</port><tls>rfc2817</tls></listen-socket></icecast>")
res = subprocess.run([FLOE, "--check-config", cfg3], capture_output=True, text=True, timeout=10)
tap.ok(res.returncode == 1 and "rfc2817" in res.stdout + res.stderr,
       "<tls>rfc2817 (upgrade within HTTP) is refused with its line", res.stdout + res.stderr)

# SIGHUP re-reads the certificate: new handshakes get the new one, a TLS
# listener connected before keeps receiving; a broken file keeps the old.
import hashlib
import signal

from floelib import Feeder, Listener


def make_cert(path, cn):
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", path,
                    "-out", path + ".crt", "-days", "2", "-subj", "/CN=" + cn],
                   check=True, capture_output=True)
    with open(path, "a") as f:
        f.write(open(path + ".crt").read())


def served_cert():
    """The fingerprint of the certificate a new handshake gets."""
    s = tls_connect()
    der = s.getpeercert(binary_form=True)
    s.close()
    return hashlib.sha256(der).hexdigest()


def file_cert(path):
    der = ssl.PEM_cert_to_DER_cert(open(path + ".crt").read())
    return hashlib.sha256(der).hexdigest()


live = os.path.join(d, "live.pem")
make_cert(live, "old.example")
tls_port = free_port()
floe = Floe(mounts="<listen-socket><port>%d</port><bind-address>127.0.0.1</bind-address>"
                   "<ssl>1</ssl></listen-socket>" % tls_port,
            paths_extra="<ssl-certificate>%s</ssl-certificate>" % live)
old_fp = file_cert(live)
tap.is_eq(served_cert(), old_fp, "a handshake gets the certificate in the file")
src = RawSource(floe, "/renew.mp3")
feed = Feeder(src, open(media("tone.mp3"), "rb").read(), 16000, loop=True)
wait_for(lambda: floe.get("/renew.mp3")[0] == 200, 10)
old_l = tls_connect()
old_l.sendall(b"GET /renew.mp3 HTTP/1.0\r\n\r\n")
old_l.settimeout(10)
got = bytearray()


def read_some(n):
    end = len(got) + n
    while len(got) < end:
        try:
            d2 = old_l.recv(65536)
        except OSError:
            return False
        if not d2:
            return False
        got.extend(d2)
    return True


tap.ok(read_some(32000), "a TLS listener receives the stream")
make_cert(live + ".new", "new.example")
os.replace(live + ".new", live)
os.replace(live + ".new.crt", live + ".crt")
new_fp = file_cert(live)
floe.signal(signal.SIGHUP)
tap.ok(wait_for(lambda: served_cert() == new_fp, 20),
       "after SIGHUP a new handshake gets the renewed certificate")
tap.ok("TLS certificate reloaded" in floe.read_log(), "... and the log says so")
tap.ok(read_some(32000), "... while the listener connected before keeps receiving")
with open(live, "w") as f:
    f.write("not a certificate\n")
floe.signal(signal.SIGHUP)
tap.ok(wait_for(lambda: "keeping the certificate loaded before" in floe.read_log(), 20),
       "a broken certificate file on SIGHUP: the log says the old one is kept, and why")
tap.is_eq(served_cert(), new_fp, "... and handshakes still get it")
old_l.close()
feed.stop()
tap.is_eq(floe.stop(), 0, "floe exits 0")
