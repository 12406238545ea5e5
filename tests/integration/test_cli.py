#!/usr/bin/env python3
"""floe's command line: --help, --version, --check-config, and starting up.

--check-config passes Floe's own icecast-compat.xml without a word, passes
Debian's stock /etc/icecast2/icecast.xml with warnings only ("file:line:
warning:"), and fails a bad number and malformed XML naming the file and
the right line. A copy of the stock icecast.xml (paths, logging and port
moved to a temp dir and a free port) starts and serves a source and a
listener. A missing config file and a port already in use fail with a
non-zero exit and a message that says why.
"""
import os
import re
import socket
import subprocess

from floelib import (FLOE, TOP_SRCDIR, Listener, RawSource, free_port, media,
                     mp3_frames_offset, spawn, tap, tmpdir, wait_for)

STOCK = "/etc/icecast2/icecast.xml"
GOOD_AUTH = ("<authentication><source-password>hackme</source-password>"
             "<admin-password>hackme</admin-password></authentication>")


def floe_run(*args):
    """Run floe to completion: (exit status, stdout + stderr)."""
    try:
        r = subprocess.run([FLOE] + list(args), capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return None, "floe %s did not exit" % " ".join(args)
    return r.returncode, r.stdout + r.stderr


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


def read(path):
    """A file's text, "" if it does not exist."""
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def lines_with(out, word):
    return [l for l in out.splitlines() if word in l]


def stock_copy(d, port):
    """Debian's icecast.xml with its port, logs and pidfile moved to d/port,
    listening on 127.0.0.1 only; everything else as shipped."""
    text = re.sub(r"<port>8000</port>", "<port>%d</port><bind-address>127.0.0.1</bind-address>"
                  % port, read(STOCK), count=1)
    text = re.sub(r"<logdir>[^<]*</logdir>", "<logdir>%s</logdir><pidfile>%s/floe.pid</pidfile>"
                  % (d, d), text)
    return write(os.path.join(d, "icecast.xml"), text)


def accepting(proc, port):
    if proc.poll() is not None:
        return False
    try:
        socket.create_connection(("127.0.0.1", port), 0.5).close()
        return True
    except OSError:
        return False


def reaches_end(body, sent):
    """Is body a run of sent's bytes ending less than a frame (418 B) before its end?"""
    i = sent.find(body[:4096])
    return len(body) > 32768 and i >= 0 and sent[i:i + len(body)] == body and \
        len(sent) - (i + len(body)) < 418


class Started:
    """A floe started on someone else's config (floelib.Floe writes its own)."""

    def __init__(self, config, port):
        self.port = port
        self.proc = spawn([FLOE, "-c", config], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.up = wait_for(lambda: accepting(self.proc, port), 10)

# ---------------------------------------------------------------- help, version

rc, out = floe_run("--help")
tap.ok(rc == 0 and "-c" in out and "--check-config" in out,
       "--help exits 0 and mentions -c and --check-config", out)
rc, out = floe_run("--version")
tap.ok(rc == 0 and re.match(r"floe \d+\.\d+\.\d+\s*$", out), "--version prints 'floe X.Y.Z'", out)
rc, out = floe_run("--no-such-option")
tap.ok(rc not in (0, None), "an unknown option exits non-zero", (rc, out))

# ---------------------------------------------------------------- --check-config

compat = os.path.join(TOP_SRCDIR, "icecast-compat.xml")
rc, out = floe_run("--check-config", compat)
# As root, the one expected warning: floe would run as root (the example
# leaves <changeowner> commented out; test_privileges.py checks it).
as_root = [l for l in lines_with(out, "warning") if "floe was started as root" in l]
tap.ok(rc == 0 and len(lines_with(out, "warning")) == len(as_root) == (os.geteuid() == 0) and
       not lines_with(out, "error"),
       "--check-config icecast-compat.xml: exit 0, no warnings (but running as root)", out)

if os.path.exists(STOCK):
    rc, out = floe_run("--check-config", STOCK)
    warnings = lines_with(out, "warning")
    tap.ok(rc == 0 and not lines_with(out, "error"), "--check-config on Debian's stock "
           "icecast.xml: exit 0 (warnings only)", out)
    tap.ok(warnings and all(re.match(re.escape(STOCK) + r":\d+: warning: ", l) for l in warnings),
           "each warning line reads 'file:line: warning:' (%d)" % len(warnings), out)
    stock_lines = read(STOCK).splitlines()
    # "FILE:28: warning: <limits><burst-on-connect> is ignored ...": line 28 has the tag.
    off = [l for l in warnings if not re.search(r": warning: (<[\w-]+>)*<([\w-]+)>", l) or
           "<" + re.search(r": warning: (<[\w-]+>)*<([\w-]+)>", l).group(2) not in
           stock_lines[int(l.split(":")[1]) - 1]]
    tap.ok(warnings and not off, "each warning's line holds the element it names", off)
else:
    tap.skip("--check-config on Debian's stock icecast.xml", STOCK + " not installed")

d = tmpdir()
BAD = {
    "bad-number.xml": ("<icecast>\n" + GOOD_AUTH + "\n  <limits>\n    <clients>100</clients>\n"
                       "    <sources>two</sources>\n  </limits>\n</icecast>\n", 5),
    "malformed.xml": ("<icecast>\n" + GOOD_AUTH + "\n  <limits>\n    <clients>100</clients>\n"
                      "  </limit>\n</icecast>\n", 5),
}
for name, (text, line) in BAD.items():
    path = write(os.path.join(d, name), text)
    rc, out = floe_run("--check-config", path)
    tap.ok(rc == 1 and re.search(re.escape(path) + r":%d: error: " % line, out),
           "--check-config %s: exit 1, the error names %s:%d" % (name, name, line), (rc, out))
    rc, out = floe_run("-c", path)
    tap.ok(rc not in (0, None) and re.search(re.escape(path) + r":%d: error: " % line, out),
           "floe -c %s refuses to start with the same message" % name, (rc, out))

# ---------------------------------------------------------------- starting up

missing = os.path.join(d, "no-such-file.xml")
rc, out = floe_run("-c", missing)
tap.ok(rc not in (0, None) and missing in out and "No such file" in out,
       "floe -c on a missing file: exit non-zero, names the file and the reason", (rc, out))

if os.path.exists(STOCK):
    sd = tmpdir()
    port = free_port()
    floe = Started(stock_copy(sd, port), port)
    tap.ok(floe.up, "floe starts with a copy of Debian's stock icecast.xml",
           floe.proc.stdout.read() if not floe.up else None)
    password = re.search(r"<source-password>([^<]*)<", read(STOCK)).group(1)
    src = RawSource(floe, "/stock.mp3", password=password)
    tap.ok(src.ok(), "it accepts a source with the stock source password", src.response)
    lst = Listener(floe, "/stock.mp3")
    status = lst.head()[0]
    with open(media("tone.mp3"), "rb") as f:
        audio = f.read()
    audio = audio[mp3_frames_offset(audio):][:200000]
    src.send(audio)
    # Sent at once, so the listener starts at the burst point; it gets the
    # source's bytes from there to the last whole frame.
    tap.ok(status == 200 and wait_for(lambda: reaches_end(lst.body(), audio), 10),
           "and a listener gets the source's bytes", (status, len(lst.body())))
    tap.ok(os.path.exists(os.path.join(sd, "error.log")) and os.path.exists(os.path.join(sd, "floe.pid")),
           "logs and pidfile go where the adjusted <paths> say", os.listdir(sd))
    src.close()
    floe.proc.terminate()
    tap.is_eq(floe.proc.wait(10), 0, "and exits 0 on SIGTERM")
else:
    tap.skip("floe starts with Debian's stock icecast.xml", STOCK + " not installed")

# A port already in use: floe must say so where the person starting it looks.
busy = socket.socket()
busy.bind(("127.0.0.1", 0))
busy.listen()
port = busy.getsockname()[1]
bd = tmpdir()
cfg = write(os.path.join(bd, "busy.xml"),
            "<icecast>%s<listen-socket><port>%d</port><bind-address>127.0.0.1</bind-address>"
            "</listen-socket><paths><logdir>%s</logdir></paths><logging><errorlog>error.log"
            "</errorlog></logging></icecast>\n" % (GOOD_AUTH, port, bd))
rc, out = floe_run("-c", cfg)
log = read(os.path.join(bd, "error.log"))
tap.ok(rc not in (0, None), "a port already in use: floe exits non-zero", (rc, out))
tap.ok(str(port) in log, "the error log names the port", log)
tap.ok(str(port) in out, "stderr names the port (icecast2 prints 'Could not create listener "
       "socket on port N')", "exit %s, stdout+stderr: %r" % (rc, out))
busy.close()
