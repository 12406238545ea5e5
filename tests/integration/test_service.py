#!/usr/bin/env python3
"""floe as a service: systemd's readiness protocol, and what `make install` puts where.

- With $NOTIFY_SOCKET (as systemd sets it for Type=notify), floe sends
  READY=1 once it listens and its workers run; on SIGHUP RELOADING=1, then
  READY=1 once the new config is in force; STOPPING=1 on SIGTERM; on
  SIGUSR2 the process that hands over says MAINPID=<its successor> and
  waits (BARRIER=1) before it exits, and the successor says READY=1. A
  test socket stands in for systemd.
- `make install DESTDIR=...` installs floe, floe-source, the web pages, a
  default config with absolute paths that --check-config accepts, the
  systemd unit (Type=notify, naming the installed binary and config), the
  logrotate snippet and the man pages.
"""
import os
import signal
import socket
import subprocess

from floelib import FLOE, Floe, tap, tmpdir, wait_for

d = tmpdir()
path = os.path.join(d, "notify.sock")
ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
ns.bind(path)
ns.settimeout(0.2)
got = []


def drain():
    while True:
        try:
            got.append(ns.recv(4096).decode())
        except OSError:
            return


def seen(state):
    drain()
    return any(state in g.split("\n") for g in got)


os.environ["NOTIFY_SOCKET"] = path
floe = Floe()
del os.environ["NOTIFY_SOCKET"]
tap.ok(wait_for(lambda: seen("READY=1"), 20), "floe tells systemd READY=1 once it serves", got)
tap.ok(floe.get("/status-json.xsl")[0] == 200, "... and it does serve then")
got.clear()
floe.signal(signal.SIGHUP)
tap.ok(wait_for(lambda: seen("RELOADING=1"), 20), "SIGHUP: RELOADING=1", got)
tap.ok(wait_for(lambda: got.index(next(g for g in got if "RELOADING=1" in g)) < len(got) - 1
                and seen("READY=1"), 20), "... then READY=1 when the reload is done", got)
got.clear()
tap.is_eq(floe.stop(), 0, "floe stops cleanly")
tap.ok(seen("STOPPING=1"), "... having said STOPPING=1", got)

# SIGUSR2 (an upgrade under systemd): the successor becomes the main pid
# before the old process exits, so the unit stays active.
os.environ["NOTIFY_SOCKET"] = path
floe = Floe()
del os.environ["NOTIFY_SOCKET"]
wait_for(lambda: seen("READY=1"), 20)
got.clear()
floe.signal(signal.SIGUSR2)
tap.is_eq(floe.proc.wait(30), 0, "SIGUSR2: the process exits once its successor took over")
pidfile = os.path.join(floe.logdir, "floe.pid")
succ = int(open(pidfile).read().strip() or 0)
tap.ok(succ != floe.proc.pid and seen("MAINPID=%d" % succ),
       "... having told systemd MAINPID=%d (its successor) first" % succ, got)
tap.ok(seen("BARRIER=1"), "... and waited for systemd to take it in (BARRIER=1)", got)
tap.ok(wait_for(lambda: sum("READY=1" in g.split("\n") for g in got) >= 1 or seen("READY=1"), 20),
       "the successor says READY=1", got)
tap.ok(floe.get("/status-json.xsl")[0] == 200, "... and serves")
got.clear()
os.kill(succ, signal.SIGTERM)
tap.ok(wait_for(lambda: not os.path.exists("/proc/%d" % succ) or
                open("/proc/%d/stat" % succ).read().split(")")[-1].split()[0] == "Z", 20),
       "the successor stops on SIGTERM")
tap.ok(seen("STOPPING=1"), "... having said STOPPING=1", got)
ns.close()

# make install into a DESTDIR
builddir = os.path.dirname(os.path.dirname(os.path.abspath(FLOE)))
if not os.path.exists(os.path.join(builddir, "Makefile")):
    tap.skip("make install", "no Makefile next to %s" % FLOE)
    raise SystemExit(0)
dest = tmpdir()
r = subprocess.run(["make", "-s", "-C", builddir, "install", "DESTDIR=" + dest],
                   capture_output=True, text=True, timeout=300)
tap.is_eq(r.returncode, 0, "make install DESTDIR=... succeeds")
files = sorted(os.path.relpath(os.path.join(dp, f), dest)
               for dp, _, fs in os.walk(dest) for f in fs)
tap.diag("installed:\n  " + "\n  ".join(files))


def one(suffix):
    return [f for f in files if f.endswith(suffix)]


for want in ("bin/floe", "share/floe/web/index.html", "etc/floe/floe.xml",
             "lib/systemd/system/floe.service", "etc/logrotate.d/floe",
             "share/man/man8/floe.8", "share/man/man5/floe.xml.5"):
    tap.ok(len(one(want)) == 1, "installs %s" % want, files)
if os.path.exists(os.path.join(builddir, "source-client", "floe-source")):
    tap.ok(len(one("bin/floe-source")) == 1, "installs bin/floe-source")
conf = os.path.join(dest, one("etc/floe/floe.xml")[0]) if one("etc/floe/floe.xml") else None
if conf:
    text = open(conf).read()
    tap.ok("<logdir>/" in text and "<webroot>/" in text and "share/floe/web" in text,
           "the installed config has absolute paths to the installed pages")
    r = subprocess.run([FLOE, "--check-config", conf], capture_output=True, text=True,
                       timeout=30)
    tap.is_eq(r.returncode, 0, "... and --check-config accepts it")
unit = open(os.path.join(dest, one("floe.service")[0])).read() if one("floe.service") else ""
tap.ok("Type=notify" in unit and "ExecReload=" in unit and "LimitNOFILE=" in unit and
       "NoNewPrivileges=yes" in unit and "@bindir@" not in unit and "/bin/floe -c " in unit,
       "the unit: Type=notify, reload by SIGHUP, a descriptor limit, hardening, real paths",
       unit[:600])
