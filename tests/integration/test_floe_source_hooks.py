#!/usr/bin/env python3
"""floe-source's hooks and archive: a command on each track change, output up and down,
and playlist reload, with the details in its environment, never through a
shell and never holding the audio up.

A hook script appends "EVENT|TITLE|FILE|OUTPUT" to a file. With floe as the
server: the output coming up, then each track's title in order (one of them
"$(touch pwned)", which must stay text: no shell ever sees it); a reload;
floe stopping (output down). A hook that hangs does not hold the stream:
the titles go on while it sleeps, and it is killed after its time.
An archive output (--file with strftime codes, --rotate 2) writes a new
file every 2 s, each whole (decodes cleanly), together the whole stream.
An https:// output streams to floe's TLS socket, its certificate checked
against --ca-file (titles go over TLS too); without it, the certificate is
not trusted, said so, and retried rather than fatal.
"""
import os
import stat
import subprocess

from floe_source_lib import Source, decode_errors, probe, tone, write
from floelib import Floe, free_port, read_text, stat_value, tap, tmpdir, wait_for, wait_mount

d = tmpdir()
tone(os.path.join(d, "a.mp3"), 440, 3, "Hook", "One")
tone(os.path.join(d, "b.mp3"), 660, 3, "Hook", "$(touch pwned)")
playlist = write(os.path.join(d, "list.m3u"), "a.mp3\nb.mp3\n")
log = os.path.join(d, "events.txt")
hook = write(os.path.join(d, "hook.sh"),
             "#!/bin/sh\necho \"$FLOE_EVENT|$FLOE_TITLE|$FLOE_FILE|$FLOE_OUTPUT\" >> %s\n" % log)
os.chmod(hook, stat.S_IRWXU)
slow = write(os.path.join(d, "slow.sh"), "#!/bin/sh\nsleep 600\n")
os.chmod(slow, stat.S_IRWXU)

floe = Floe()
url = "http://source:hackme@127.0.0.1:%d/hooks.mp3" % floe.port
src = Source(["--playlist", playlist, "--url", url, "--on-track", hook, "--on-output-up", hook,
              "--on-output-down", hook, "--on-playlist", hook], cwd=d)
tap.ok(wait_mount(floe, "/hooks.mp3", 30), "floe-source streams with hooks set")


def events():
    return [l.split("|") for l in read_text(log).splitlines()]


tap.ok(wait_for(lambda: any(e[0] == "output-up" and e[3] == "/hooks.mp3" for e in events()), 30),
       "on-output-up ran with FLOE_OUTPUT", events())
tap.ok(wait_for(lambda: [e[1] for e in events() if e[0] == "track"][:3] ==
                ["Hook - One", "Hook - $(touch pwned)", "Hook - One"], 30),
       "on-track ran for each track, in order, with FLOE_TITLE", events())
tap.ok(any(e[0] == "track" and e[2] == os.path.join(d, "a.mp3") for e in events()),
       "... and FLOE_FILE")
tap.ok(not os.path.exists(os.path.join(d, "pwned")),
       "a title is only ever text in the environment: no shell ran it")
write(playlist, "b.mp3\na.mp3\n")
tap.ok(wait_for(lambda: any(e[0] == "playlist" for e in events()), 30),
       "on-playlist ran when the changed playlist was reloaded", events())
floe.stop()
tap.ok(wait_for(lambda: any(e[0] == "output-down" for e in events()), 30),
       "on-output-down ran when floe went away", events())
src.stop()

# A hook that hangs holds nothing up.
floe = Floe()
url = "http://source:hackme@127.0.0.1:%d/slow.mp3" % floe.port
src = Source(["--playlist", playlist, "--url", url, "--on-track", slow], cwd=d, name="slow")
tap.ok(wait_mount(floe, "/slow.mp3", 30), "with a hook that sleeps 10 minutes")
tap.ok(wait_for(lambda: src.log().count("playing:") >= 3, 30),
       "tracks go on changing while it sleeps", src.log()[-600:])
src.stop()
tap.ok(wait_for(lambda: slow not in os.popen("ps -eo args").read(), 20),
       "floe-source's hooks stop with it (none left sleeping)")
tap.is_eq(floe.stop(), 0, "floe stops cleanly")

# An archive rotating every 2 s.
tone(os.path.join(d, "long.wav"), 500, 7)
arch = Source(["--playlist", write(os.path.join(d, "long.m3u"), "long.wav\n"), "--once",
               "--file", os.path.join(d, "archive", "%H", "%H%M%S.mp3"), "--rotate", "2"],
              cwd=d, name="archive")
tap.ok(wait_for(lambda: not arch.alive(), 60) and arch.proc.returncode == 0,
       "archive: floe-source plays the 7 s list and exits", arch.log()[-600:])
files = sorted(os.path.join(dp, f) for dp, _, fs in os.walk(os.path.join(d, "archive"))
               for f in fs)
tap.ok(len(files) >= 3, "archive: a new file every 2 s (%d files, in an %%H folder)" % len(files),
       files)
errs = [decode_errors(open(f, "rb").read(), d, "check.mp3") for f in files]
tap.is_eq([e for e in errs if e], [], "archive: each file decodes cleanly (whole frames)")
total = sum(probe(f)[3] for f in files)
tap.ok(6.9 <= total <= 7.3, "archive: together they hold the whole 7 s (%.2f s)" % total)

# https:// to floe's TLS socket.
key, crt = os.path.join(d, "key.pem"), os.path.join(d, "cert.crt")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                "-out", crt, "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
pem = write(os.path.join(d, "floe.pem"), open(key).read() + open(crt).read())
tls_port = free_port()
floe = Floe(mounts="<listen-socket><port>%d</port><bind-address>127.0.0.1</bind-address>"
                   "<ssl>1</ssl></listen-socket>" % tls_port,
            paths_extra="<ssl-certificate>%s</ssl-certificate>" % pem)
url = "https://source:hackme@127.0.0.1:%d/tls.mp3" % tls_port
src = Source(["--playlist", playlist, "--url", url, "--ca-file", crt], cwd=d, name="tls")
tap.ok(wait_mount(floe, "/tls.mp3", 30), "https: floe-source streams over TLS, the server's "
       "certificate checked against --ca-file", src.log()[-600:])
tap.ok(wait_for(lambda: (stat_value(floe.stats(), "/tls.mp3", "title") or "").startswith("Hook - "),
                30), "https: the titles go over TLS too")
src.stop()
bad = Source(["--playlist", playlist, "--url", url.replace("tls.mp3", "untrusted.mp3")], cwd=d,
             name="untrusted")
tap.ok(bad.wait_log("certificate is not trusted", 30) and bad.alive(),
       "https without the CA: 'not trusted', said, and retried (not fatal)", bad.log()[-600:])
tap.ok(stat_value(floe.stats(), "/untrusted.mp3", "listeners") is None,
       "... and nothing was streamed to it")
bad.stop()
tap.is_eq(floe.stop(), 0, "floe stops cleanly")
