#!/usr/bin/env python3
"""Privileges: <changeowner> and <chroot> are enforced, and every startup
warning reaches error.log.

Any user: a config warning (an unknown element) is in error.log as well as
on stderr, at startup and after a SIGHUP reload; under a low descriptor
limit, --check-config warns that <clients> will not fit, and floe -c logs
the same warning.

As root (skipped otherwise):
- <changeowner> nobody/nogroup: every thread of the process
  (/proc/PID/task/*/status) has uid, gid and groups 65534 only; floe serves a
  source and a listener; the log directory and log files it created, and
  its pid file, belong to nobody; with the logs renamed away, SIGHUP makes
  new ones (owned by nobody) and writes to them. icecast2, run as nobody as
  Debian runs it, then starts on that log directory (it could not open the
  root-owned error.log floe used to leave there).
- an unknown user refuses to start (floe -c and --check-config, exit 1)
  naming file:line and the element.
- <chroot>1 with a basedir: floe's root is basedir (/proc/PID/root), it
  serves a source, a listener and a webroot file written the icecast2 way
  (<webroot>/web</webroot>, inside the new root), a Latin-1 title still
  becomes UTF-8 inside the chroot, and SIGHUP reloads the config. A
  webroot outside basedir refuses to start naming the <chroot> line.
- root without <changeowner>: a warning in error.log saying floe runs as
  root.
- <changeowner> when not started as root (floe run as nobody): a warning
  in error.log, and floe serves anyway, as icecast2 does.
"""
import os
import re
import resource
import signal
import subprocess

import floelib
from floelib import (FLOE, Floe, Icecast2, Listener, RawSource, Server, free_port, have, media,
                     mp3_frames, read_text, stat_value, tap, tmpdir, wait_for, wait_mount)

ROOT = os.geteuid() == 0
NOBODY = 65534

CONFIG = """<icecast>
  <hostname>127.0.0.1</hostname>
  <limits><clients>{clients}</clients><sources>4</sources><workers>3</workers>{limits_extra}</limits>
  <authentication><source-password>hackme</source-password>
    <admin-user>admin</admin-user><admin-password>hackme</admin-password></authentication>
  <listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <paths>{paths}</paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>4</loglevel></logging>
  {security}
</icecast>
"""


def config(port, paths, security="", clients=100, limits_extra=""):
    return CONFIG.format(port=port, paths=paths, security=security, clients=clients,
                         limits_extra=limits_extra)


def line_of(text, needle):
    """The 1-based line of text where needle first appears."""
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    return 0


def write(path, text, mode=0o644):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)
    return path




def public_tmpdir():
    """A temp directory anyone may enter (mkdtemp's are root's only), so
    that floe, once it is nobody, can reach what is inside."""
    d = tmpdir()
    os.chmod(d, 0o755)
    return d


def floe_run(args, timeout=20, **kw):
    """Run floe to completion: (exit status, stdout + stderr); None if it
    did not exit (it started when it should have refused)."""
    try:
        r = subprocess.run([FLOE] + args, capture_output=True, text=True, timeout=timeout, **kw)
    except subprocess.TimeoutExpired as e:
        return None, "floe %s did not exit: %s" % (" ".join(args), e.stderr)
    return r.returncode, r.stdout + r.stderr


class Started(Server):
    """floe -c on a config the test wrote, its logs in logdir."""

    name = "floe"

    def __init__(self, config_path, port, logdir, prefix=()):
        self.dir = os.path.dirname(config_path)
        self.config = config_path
        self.port = port
        self.logdir = logdir
        self.proc = None
        self._start(list(prefix) + [FLOE, "-c", config_path])

    def stderr(self):
        return read_text(os.path.join(self.dir, "stderr.txt"))


def thread_ids(pid):
    """{tid: (Uid line, Gid line, Groups line)} of every thread of pid."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        st = read_text("/proc/%d/task/%s/status" % (pid, tid))
        get = lambda k: (re.search(r"^%s:\s*(.*)$" % k, st, re.M) or [None, ""])[1].split()
        out[tid] = (get("Uid"), get("Gid"), get("Groups"))
    return out


def serves(server, mount):
    """A source on mount and a listener that gets its bytes."""
    audio = mp3_frames(media("tone.mp3"))[:160000]
    src = RawSource(server, mount)
    if not src.ok():
        return False, "source refused: %r" % src.response
    wait_mount(server, mount)
    lst = Listener(server, mount)
    status = lst.head()[0]
    src.send(audio)
    got = wait_for(lambda: len(lst.body()) >= 32768, 10)
    body = lst.body()
    lst.close()
    src.close()
    return status == 200 and got and body[:4096] in audio, (status, len(body))


def hup_until(server, path, marker):
    """SIGHUP, then wait until the file at path holds marker."""
    server.proc.send_signal(signal.SIGHUP)
    return wait_for(lambda: marker in read_text(path), 10)

# ---------------------------------------------------------------- any user

d = public_tmpdir()
port = free_port()
text = config(port, "<logdir>%s/log</logdir>" % d,
              limits_extra="<no-such-setting>1</no-such-setting>")
cfg = write(os.path.join(d, "warn.xml"), text)
bad_line = line_of(text, "no-such-setting")
floe = Started(cfg, port, os.path.join(d, "log"))
log = os.path.join(d, "log", "error.log")
want = "%s:%d: <limits><no-such-setting> is not a known setting" % (cfg, bad_line)
tap.ok(floe.up and want in read_text(log), "a config warning is in error.log with file:line "
       "(not only on stderr)", read_text(log)[-2000:])
tap.ok(want.replace(": <", ": warning: <", 1) in floe.stderr(), "and on stderr as before",
       floe.stderr())
write(cfg, text.replace("no-such-setting", "no-such-other-setting"))
tap.ok(hup_until(floe, log, "<limits><no-such-other-setting> is not a known setting"),
       "a warning in a config reloaded on SIGHUP is in error.log", read_text(log)[-2000:])
tap.is_eq(floe.stop(), 0, "floe exits 0")

# Under a descriptor limit of 64, <clients>1000 cannot fit: --check-config
# says so without starting, and floe -c writes the same warning to error.log.
d = public_tmpdir()
port = free_port()
cfg = write(os.path.join(d, "fd.xml"), config(port, "<logdir>%s/log</logdir>" % d, clients=1000))
low = lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
rc, out = floe_run(["--check-config", cfg], preexec_fn=low)
tap.ok(rc == 0 and re.search(r"warning: descriptor limit 64: room for about \d+ connections, "
                             r"fewer than <limits><clients> 1000", out),
       "--check-config warns when the descriptor limit leaves no room for <clients>", (rc, out))
p = floelib.spawn([FLOE, "-c", cfg], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                  preexec_fn=low)
log = os.path.join(d, "log", "error.log")
tap.ok(wait_for(lambda: "fewer than <limits><clients> 1000" in read_text(log), 10) and
       re.search(r"WARN descriptor limit 64: room for \d+ connections", read_text(log)),
       "and floe -c logs it in error.log as a warning", read_text(log))
p.terminate()
p.wait(10)

if not ROOT:
    for what in ("changeowner: every thread runs as nobody", "unknown user refuses to start",
                 "chroot", "root without changeowner warns", "changeowner without root warns"):
        tap.skip(what, "not running as root")
    raise SystemExit(0)

# ---------------------------------------------------------------- changeowner

d = public_tmpdir()
port = free_port()
logdir = os.path.join(d, "plog")          # floe makes it
pidfile = os.path.join(d, "floe.pid")
owner = "<security><changeowner><user>nobody</user><group>nogroup</group></changeowner></security>"
cfg = write(os.path.join(d, "nobody.xml"),
            config(port, "<logdir>%s</logdir><pidfile>%s</pidfile><webroot>%s</webroot>" %
                   (logdir, pidfile, os.path.join(floelib.TOP_SRCDIR, "web")), owner))
floe = Started(cfg, port, logdir)
log = os.path.join(logdir, "error.log")
if not floe.up:
    tap.bail("floe with changeowner nobody did not start: %s %s" % (floe.stderr(), read_text(log)))
wait_for(lambda: len(thread_ids(floe.proc.pid)) >= 3, 10)
ids = thread_ids(floe.proc.pid)
want = ([str(NOBODY)] * 4, [str(NOBODY)] * 4, [str(NOBODY)])
tap.ok(len(ids) >= 3 and all(v == want for v in ids.values()),
       "every thread (%d) runs as nobody: real, effective, saved and fs uid and gid 65534, "
       "groups 65534 only" % len(ids), ids)
ok, why = serves(floe, "/owned.mp3")
tap.ok(ok, "it serves a source and a listener", why)
st = {p: os.stat(os.path.join(logdir, p)) for p in ("error.log", "access.log")}
st[logdir] = os.stat(logdir)
tap.ok(all(s.st_uid == NOBODY and s.st_gid == NOBODY for s in st.values()),
       "the log directory and log files it created belong to nobody:nogroup",
       {k: (s.st_uid, s.st_gid) for k, s in st.items()})
tap.ok(os.path.exists(pidfile) and os.stat(pidfile).st_uid == NOBODY,
       "so does its pid file", os.path.exists(pidfile) and os.stat(pidfile))
tap.ok("running as user nobody (uid 65534), group nogroup (gid 65534)" in read_text(log),
       "error.log says whom it runs as", read_text(log)[-2000:])
for name in ("error.log", "access.log"):
    os.rename(os.path.join(logdir, name), os.path.join(logdir, name + ".1"))
reopened = hup_until(floe, log, "config reloaded")
tap.ok(reopened and os.stat(log).st_uid == NOBODY,
       "with the logs renamed away, SIGHUP (as nobody) makes a new error.log and writes to it",
       read_text(log) or floe.stderr())
ok, why = serves(floe, "/again.mp3")      # the listener leaving is an access-log line
access = os.path.join(logdir, "access.log")
tap.ok(ok and wait_for(lambda: "/again.mp3" in read_text(access), 10), "and a new access.log",
       (why, os.listdir(logdir)))
tap.is_eq(floe.stop(), 0, "floe as nobody exits 0 on SIGTERM")

# Switching back: icecast2, run as nobody as Debian runs it, on the same logs.
ice_cfg = open(os.path.join(os.path.dirname(__file__), "floe_source_lib.py")).read()
ice_cfg = re.search(r'ICECAST_CONFIG = """(.*?)"""', ice_cfg, re.S).group(1)
ice_cfg = ice_cfg.replace("{logdir}", logdir)
if Icecast2.installed():
    # It binds its port before it opens its logs, so accepting is not
    # enough: its start line must reach floe's error.log.
    ice = Icecast2(ice_cfg)
    started = wait_for(lambda: "Icecast 2.4" in read_text(log) and
                       "server started" in read_text(log) or not ice.alive(), 10) and ice.alive()
    tap.ok(ice.up and started, "icecast2 (as nobody) then starts with floe's log directory and "
           "writes its error.log",
           (ice.skip_reason, read_text(os.path.join(ice.dir, "stderr.txt"))))
    ice.stop()
else:
    tap.skip("icecast2 then starts with floe's log directory", "icecast2 is not installed")

# ---------------------------------------------------------------- unknown user

d = public_tmpdir()
port = free_port()
text = config(port, "<logdir>%s/log</logdir>" % d,
              "<security>\n<changeowner>\n<user>floe-no-such-user</user>\n"
              "<group>nogroup</group>\n</changeowner>\n</security>")
cfg = write(os.path.join(d, "unknown.xml"), text)
want = r"%s:%d: error: <security><changeowner><user>: there is no user 'floe-no-such-user'" % (
    re.escape(cfg), line_of(text, "floe-no-such-user"))
rc, out = floe_run(["-c", cfg], timeout=10)
tap.ok(rc == 1 and re.search(want, out), "an unknown user: floe -c refuses to start, naming "
       "file:line and <security><changeowner><user>", (rc, out))
rc, out = floe_run(["--check-config", cfg])
tap.ok(rc == 1 and re.search(want, out), "and --check-config exits 1 with the same error",
       (rc, out))

# ---------------------------------------------------------------- chroot

base = public_tmpdir()
os.mkdir(os.path.join(base, "web"))
write(os.path.join(base, "web", "hello.txt"), "hello from inside\n")
port = free_port()
text = config(port, "<basedir>%s</basedir><logdir>%s/log</logdir><webroot>/web</webroot>" %
              (base, base), "<security><chroot>1</chroot>" + owner[len("<security>"):])
cfg = write(os.path.join(base, "chroot.xml"), text)
floe = Started(cfg, port, os.path.join(base, "log"))
log = os.path.join(base, "log", "error.log")
tap.ok(floe.up, "chroot to a temp basedir: floe starts", floe.stderr() + read_text(log))
if floe.up:
    tap.is_eq(os.readlink("/proc/%d/root" % floe.proc.pid), base,
              "its root directory is basedir")
    ok, why = serves(floe, "/inside.mp3")
    tap.ok(ok, "it serves a source and a listener", why)
    st, _, body = floe.get("/hello.txt")
    tap.ok(st == 200 and body == b"hello from inside\n",
           "and <webroot>/web</webroot> (icecast2's way: inside the new root)", (st, body))
    src = RawSource(floe, "/title.mp3")
    wait_mount(floe, "/title.mp3")
    floe.get("/admin/metadata?mode=updinfo&mount=/title.mp3&song=caf%E9",
             auth=("admin", "hackme"))
    tap.is_eq(stat_value(floe.stats(), "/title.mp3", "title"), "caf\u00e9",
              "a Latin-1 title still becomes UTF-8 inside the chroot")
    src.close()
    write(cfg, text.replace("<hostname>127.0.0.1", "<hostname>reloaded.example"))
    tap.ok(hup_until(floe, log, "config reloaded") and
           stat_value(floe.stats(), None, "host") == "reloaded.example",
           "SIGHUP reloads the config from inside the chroot", read_text(log)[-2000:])
    tap.is_eq(floe.stop(), 0, "chrooted floe exits 0 on SIGTERM")
else:
    for what in ("root is basedir", "serves inside the chroot", "webroot inside",
                 "Latin-1 title", "SIGHUP reload"):
        tap.skip(what, "floe did not start chrooted")

outside = public_tmpdir()
text = config(free_port(), "<basedir>%s</basedir><logdir>%s/log</logdir><webroot>%s</webroot>"
              % (base, base, outside), "<security>\n<chroot>1</chroot>\n</security>")
cfg = write(os.path.join(base, "outside.xml"), text)
rc, out = floe_run(["-c", cfg], timeout=10)
tap.ok(rc == 1 and re.search(r"%s:%d: error: <security><chroot>1: <paths><webroot> %s is neither "
                             r"under <paths><basedir>" % (re.escape(cfg), line_of(text, "<chroot>"),
                                                          re.escape(outside)), out),
       "a webroot outside basedir: floe refuses to chroot, naming file:line and the element",
       (rc, out))

# ---------------------------------------------------------------- root without changeowner

floe = Floe()
tap.ok(wait_for(lambda: re.search(r"WARN .*floe was started as root and no <security>"
                                  r"<changeowner> names a user", floe.read_log()), 5),
       "root without <changeowner>: a warning in error.log", floe.log())
floe.stop()

# ---------------------------------------------------------------- changeowner, not root

if have("setpriv"):
    d = public_tmpdir()
    port = free_port()
    logdir = os.path.join(d, "log")
    os.mkdir(logdir)
    os.chmod(logdir, 0o777)
    text = config(port, "<logdir>%s</logdir>" % logdir, owner)
    cfg = write(os.path.join(d, "asnobody.xml"), text)
    floe = Started(cfg, port, logdir, prefix=["setpriv", "--reuid", "nobody", "--regid", "nogroup",
                                              "--clear-groups"])
    log = os.path.join(logdir, "error.log")
    tap.ok(floe.up and re.search(r"WARN %s:%d: <security><changeowner> is ignored: floe was not "
                                 r"started as root" % (re.escape(cfg), line_of(text, "<changeowner>")),
                                 read_text(log)),
           "<changeowner> when not root: a warning in error.log, and floe goes on",
           floe.stderr() + read_text(log))
    ok, why = serves(floe, "/plain.mp3")
    tap.ok(ok, "and serves", why)
    floe.stop()
else:
    tap.skip("changeowner without root warns", "setpriv is not installed")
