#!/usr/bin/env python3
"""floe-source's Shoutcast v1 outputs (shoutcast://:PASS@HOST:PORT, or
icy://PASS@HOST:PORT): the password line, OK2, the icy-* lines, then audio,
to floe's and to Debian's icecast2's Shoutcast source socket (the
<shoutcast-mount> listen socket's port + 1). A listener of the Shoutcast
mount records; the capture decodes without an error, carries the stream
description floe-source sent, and the track titles, which went the DNAS way
(/admin.cgi on the HTTP port, the source port - 1), reach the mount's
/status-json.xsl and ICY listeners. A wrong password is said to be one and
ends floe-source (exit 1): at once on floe's "Invalid Password", after
three silent closes on icecast2, which answers a wrong password with
nothing (not a tight loop: the backoff waits in between). icecast2's part is
skipped when it is not installed.
"""
import json
import os
import time

from floe_source_lib import (Source, decode_errors, icy_changes, probe, run_source, tone,
                             write)
from floelib import (CONFIG_TEMPLATE, TOP_SRCDIR, Floe, Icecast2, Listener, mp3_whole, tap,
                     tmpdir, wait_for, wait_mount)

SC_SOCKET = "<bind-address>127.0.0.1</bind-address><shoutcast-mount>/sc</shoutcast-mount>" \
    "</listen-socket>"
ARGS = dict(clients=100, sources=10, queue_size=524288, header_timeout=15, source_timeout=10,
            burst_size=65536, source_pass="hackme", admin_pass="hackme",
            webroot=os.path.join(TOP_SRCDIR, "web"), paths_extra="", limits_extra="")
FLOE_CONFIG = CONFIG_TEMPLATE.replace("{mounts}", "").replace(
    "<bind-address>127.0.0.1</bind-address></listen-socket>", SC_SOCKET)
ICE_CONFIG = FLOE_CONFIG.replace(
    "<paths>", "<paths><basedir>/usr/share/icecast2</basedir>"
    "<adminroot>/usr/share/icecast2/admin</adminroot>").replace(
    "{webroot}", "/usr/share/icecast2/web").replace(
    "</icecast>", "<security><chroot>0</chroot></security></icecast>")

d = tmpdir()
TITLES = ["SC Artist - One", "SC Artist - Two", "SC Artist - Three"]
names = []
for i, (f, t) in enumerate(zip((500, 750, 1000), TITLES)):
    artist, title = t.split(" - ")
    names.append(os.path.basename(tone(os.path.join(d, "t%d.mp3" % i), f, 3, artist, title)))
playlist = write(os.path.join(d, "list.m3u"), "\n".join(names) + "\n")
# Enough audio to have heard the three titles after the start-up burst.
LISTEN_BYTES = 10 * 16000


def status_title(server):
    """The /sc mount's title in /status-json.xsl, or None."""
    try:
        st, _, body = server.get("/status-json.xsl")
        src = json.loads(body.decode("utf-8", "replace"))["icestats"].get("source")
    except (ValueError, KeyError, OSError):
        return None
    for s in src if isinstance(src, list) else [src] if src else []:
        if s.get("listenurl", "").endswith("/sc"):
            return s.get("title")
    return None


def stream_to(server, name, url):
    """floe-source to server's Shoutcast socket at url; a listener records
    until it has heard the three titles; checks; returns the titles that
    /status-json.xsl showed."""
    src = Source(["--playlist", playlist, "--url", url, "--name", "SC Radio", "--genre",
                  "Legacy", "--website", "http://sc.example.org/", "--crossfade", "0"],
                 name=name.replace(" ", "_"))
    tap.ok(wait_mount(server, "/sc", 20), "%s: floe-source logs in with the password line "
           "and its stream becomes the Shoutcast mount" % name,
           src.log() + server.log()[-1500:])
    seen = set()
    lst = Listener(server, "/sc", icy=True)

    def heard():
        t = status_title(server)
        if t:
            seen.add(t)
        audio, changes, _ = icy_changes(lst.body(), 16000)
        return len(audio) >= LISTEN_BYTES and all(t in [c for _, c in changes]
                                                  for t in TITLES)
    wait_for(heard, 60, 0.2)
    lst.close()
    st, hd = lst.head()
    tap.ok(st == 200 and hd.get("icy-name") == "SC Radio" and hd.get("icy-genre") == "Legacy"
           and hd.get("icy-url") == "http://sc.example.org/" and
           hd.get("content-type") == "audio/mpeg",
           "%s: the listener gets the icy-* description floe-source sent" % name, hd)
    audio, changes, err = icy_changes(lst.body(), 16000)
    audio = mp3_whole(audio)
    fname = name.replace(" ", "_") + ".mp3"
    errs = decode_errors(audio, d, fname)
    codec, rate, ch, dur = probe(os.path.join(d, fname))
    tap.ok(err is None and len(audio) >= LISTEN_BYTES and errs == "" and codec == "mp3" and
           rate == "44100" and dur > 8,
           "%s: the capture decodes without an error (%d bytes, %s %s Hz, %.1f s)"
           % (name, len(audio), codec, rate, dur), err or errs)
    titles = [t for _, t in changes if t]
    tap.ok(all(t in titles for t in TITLES), "%s: ICY listeners get the titles (admin.cgi on "
           "port - 1)" % name, (titles, src.log()[-1500:]))
    def poll_status():
        t = status_title(server)
        if t:
            seen.add(t)
        return seen.issuperset(TITLES)
    # (the playlist loops: a title missed between two polls comes again)
    tap.ok(wait_for(poll_status, 40, 0.2),
           "%s: /status-json.xsl shows each title at the mount" % name, (seen, src.log()))
    tap.ok("title update" not in src.log(), "%s: no title update failed" % name, src.log())
    src.stop()


# ---- floe's shoutcast-compat socket
floe = Floe(config=FLOE_CONFIG, **ARGS)
stream_to(floe, "floe", "shoutcast://:hackme@127.0.0.1:%d" % (floe.port + 1))

rc, out = run_source(["--playlist", playlist, "--control", "none", "--url",
                      "shoutcast://:wrong@127.0.0.1:%d" % (floe.port + 1)], 60)
tap.ok(rc == 1 and "wrong password for the Shoutcast server" in out and
       '"Invalid Password"' in out and "retrying in" not in out,
       "floe: a wrong password is named, with the server's words, and ends it (exit 1, "
       "no retry)", out)
tap.ok("wrong" not in out.replace("wrong password", ""), "... without echoing the password",
       out)

# ---- the same with `method = shoutcast` in a config file (an http:// URL)
conf = write(os.path.join(d, "sc.conf"), """playlist = {pl}
control = none
[output legacy]
url = http://:hackme@127.0.0.1:{port}/sc
method = shoutcast
""".format(pl=playlist, port=floe.port + 1))
rc, out = run_source(["-c", conf, "--check-config"], 30)
tap.ok(rc == 0 and "Shoutcast v1" in out, "method = shoutcast in a config: --check-config "
       "says Shoutcast v1", out)
src = Source(["-c", conf], name="conf")
tap.ok(wait_mount(floe, "/sc", 20) and
       wait_for(lambda: status_title(floe) in TITLES, 20),
       "and it streams, titles and all", src.log())
src.stop()
tap.is_eq(floe.stop(), 0, "floe exits cleanly")

# ---- icecast2's <shoutcast-mount> socket (icy:// and the password-only form)
ice = Icecast2(ICE_CONFIG, **ARGS)
if not ice.up:
    tap.skip("floe-source to icecast2's Shoutcast socket", ice.skip_reason)
    raise SystemExit(0)
stream_to(ice, "icecast2", "icy://hackme@127.0.0.1:%d" % (ice.port + 1))
t0 = time.monotonic()
rc, out = run_source(["--playlist", playlist, "--control", "none", "--url",
                      "shoutcast://:wrong@127.0.0.1:%d" % (ice.port + 1)], 60)
took = time.monotonic() - t0
tap.ok(rc == 1 and "wrong password for the Shoutcast server" in out and
       "3 times in a row" in out,
       "icecast2: three silent closes at the password line are a wrong password (exit 1)", out)
tap.ok(out.count("retrying in") == 2 and took >= 1.0,
       "... after two retries with the backoff between them (%.1f s), not a tight loop" % took,
       out)
ice.stop()
