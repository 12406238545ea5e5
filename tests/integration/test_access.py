#!/usr/bin/env python3
"""Who may connect: <paths> deny-ip, allow-ip, deny-agents and
x-forwarded-for; Floe's <max-listeners-per-ip>; failed logins slowed; the
mount-level admin commands with the mount's source credentials.

Clients connect from other loopback addresses (127.0.0.2, ...) to play
different hosts.

- deny-ip (addresses and CIDRs, # comments) and allow-ip: a refused
  address gets a 403 and an access-log line, at accept; others are served.
- deny-agents: user-agent patterns refused with 403.
- the lists are re-read when their file changes, and on SIGHUP.
- x-forwarded-for: from a trusted proxy, the client address is the last
  hop of X-Forwarded-For that is not a proxy, and it is what deny-ip
  judges and what listclients and the access log show; from anyone else the
  header is ignored (a spoofed header neither hides nor frames anyone).
- max-listeners-per-ip 2: a third listener from one address gets a 403;
  another address is served; once one leaves, the address is served again.
- a wrong source password, again and again: every answer is a 401; after
  three, floe logs that the 401 waits, and the wait grows; a good password
  clears the record. A wrong admin password counts the same.
- source credentials run listclients, metadata, fallbacks, moveclients,
  killclient, killsource on their mount; a mount with its own password
  takes only that; global commands (stats, listmounts) stay admin-only.
"""
import base64
import os
import re
import signal
import socket

from floelib import (ADMIN_PASS, SOURCE_PASS, Floe, LoopFeeder, RawSource, media, mp3_frames,
                     parse_response, tap, tmpdir, wait_for, wait_mount)


def write(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)


def request(floe, text, src="127.0.0.1", nbytes=1):
    """Send a raw request from address src; (status, headers, body)."""
    s = socket.socket()
    s.bind((src, 0))
    s.settimeout(10)
    try:
        s.connect(("127.0.0.1", floe.port))
        s.sendall(text.encode())
        out = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
            head, sep, body = out.partition(b"\r\n\r\n")
            if sep and (b" 200 " not in head.split(b"\r\n")[0] or len(body) >= nbytes):
                break
    except OSError:
        out = b""
    s.close()
    return parse_response(out)


def get(floe, path, src="127.0.0.1", agent="floe-test", headers=None, auth=None):
    h = "GET %s HTTP/1.0\r\nUser-Agent: %s\r\n" % (path, agent)
    for k, v in (headers or {}).items():
        h += "%s: %s\r\n" % (k, v)
    if auth:
        h += "Authorization: Basic %s\r\n" % base64.b64encode(("%s:%s" % auth).encode()).decode()
    return request(floe, h + "\r\n", src)


def status(floe, path, **kw):
    return get(floe, path, **kw)[0]


class Held:
    """A listener that stays connected, from address src."""

    def __init__(self, floe, path, src="127.0.0.1", headers=None):
        self.s = socket.socket()
        self.s.bind((src, 0))
        self.s.connect(("127.0.0.1", floe.port))
        h = "GET %s HTTP/1.0\r\n" % path
        for k, v in (headers or {}).items():
            h += "%s: %s\r\n" % (k, v)
        self.s.sendall((h + "\r\n").encode())
        self.s.settimeout(10)
        self.head = b""
        try:
            while b"\r\n\r\n" not in self.head:
                d = self.s.recv(4096)
                if not d:
                    break
                self.head += d
        except OSError:
            pass

    def status(self):
        return parse_response(self.head)[0]

    def close(self):
        self.s.close()


def source(floe, mount, password=SOURCE_PASS, data=None):
    src = RawSource(floe, mount, password=password)
    if not src.ok():
        tap.bail("source %s refused: %r" % (mount, src.response))
    feeder = LoopFeeder(src, data, 32000)
    wait_mount(floe, mount)
    return src, feeder


def main():
    d = tmpdir()
    deny, allow, agents = (os.path.join(d, n) for n in ("deny.txt", "allow.txt", "agents.txt"))
    write(deny, "# bad hosts\n127.0.0.2\n10.9.0.0/16\n")
    write(allow, "127.0.0.0/29\n198.51.100.0/24\n203.0.113.9\n")
    write(agents, "# scrapers\nBadBot*\n*EvilCrawler*\n")
    paths = ("<deny-ip>%s</deny-ip><allow-ip>%s</allow-ip><deny-agents>%s</deny-agents>"
             "<x-forwarded-for>127.0.0.6</x-forwarded-for>" % (deny, allow, agents))
    mounts = """
  <mount><mount-name>/lim</mount-name><max-listeners-per-ip>2</max-listeners-per-ip></mount>
  <mount><mount-name>/own</mount-name><password>ownpass</password></mount>"""
    floe = Floe(mounts=mounts, paths_extra=paths)
    data = mp3_frames(media("tone.mp3"))
    feeders = [source(floe, m, data=data)[1] for m in ("/m", "/m2", "/lim")]
    feeders.append(source(floe, "/own", password="ownpass", data=data)[1])

    # ---- deny-ip, allow-ip, deny-agents
    tap.is_eq(status(floe, "/m"), 200, "an allowed address is served")
    st, _, body = get(floe, "/m", src="127.0.0.2")
    tap.is_eq(st, 403, "deny-ip: a listed address gets 403")
    tap.ok(wait_for(lambda: re.search(r'^127\.0\.0\.2 .* 403 ', floe.read_log("access.log"),
                                      re.M), 10),
           "... and an access-log line", floe.read_log("access.log")[-500:])
    tap.ok(wait_for(lambda: "127.0.0.2 refused by <paths><deny-ip>" in floe.read_log(), 10),
           "... and an error-log line naming the list")
    tap.is_eq(status(floe, "/m", src="127.0.0.9"), 403,
              "allow-ip: an address outside the list gets 403")
    tap.is_eq(status(floe, "/admin/stats", src="127.0.0.9", auth=("admin", ADMIN_PASS)), 403,
              "allow-ip holds for admin requests too")
    tap.is_eq(status(floe, "/m", agent="BadBot/2.1"), 403, "deny-agents: a prefix pattern")
    tap.is_eq(status(floe, "/m", agent="Mozilla (EvilCrawler 1)"), 403,
              "deny-agents: a pattern inside the agent")
    tap.is_eq(status(floe, "/m", agent="VLC/3.0.18 LibVLC/3.0.18"), 200,
              "deny-agents: other agents are served")

    # ---- the lists change under floe
    write(deny, "# bad hosts\n127.0.0.2\n127.0.0.3\n")
    tap.ok(wait_for(lambda: status(floe, "/m", src="127.0.0.3") == 403, 20),
           "an address added to deny-ip is refused without a reload")
    write(deny, "127.0.0.3\n")
    # A SIGHUP re-reads it at once (the file watch would too, later).
    floe.signal(signal.SIGHUP)
    tap.ok(wait_for(lambda: status(floe, "/m", src="127.0.0.2") == 200, 20),
           "after SIGHUP, an address removed from deny-ip is served")

    # ---- X-Forwarded-For
    xff = {"X-Forwarded-For": "127.0.0.3"}
    tap.is_eq(status(floe, "/m", src="127.0.0.6", headers=xff), 403,
              "from the trusted proxy, the forwarded client is judged (denied)")
    tap.is_eq(status(floe, "/m", src="127.0.0.6", headers={"X-Forwarded-For": "10.1.2.3"}),
              403, "from the trusted proxy, a forwarded client outside allow-ip is refused")
    tap.is_eq(status(floe, "/m", src="127.0.0.1", headers=xff), 200,
              "from an untrusted address, X-Forwarded-For is ignored (no framing)")
    tap.is_eq(status(floe, "/m", src="127.0.0.3", headers={"X-Forwarded-For": "127.0.0.1"}),
              403, "a denied address cannot hide behind its own X-Forwarded-For")
    for hops, client, what in (
            ("127.0.0.2, 203.0.113.9, 198.51.100.7", "198.51.100.7",
             "the last hop of X-Forwarded-For"),
            ("198.51.100.8, 127.0.0.6", "198.51.100.8",
             "a chain ending in the proxy itself: the hop before it")):
        held = Held(floe, "/m2", src="127.0.0.6", headers={"X-Forwarded-For": hops})
        tap.is_eq(held.status(), 200, "through the trusted proxy (%s): served" % hops)
        got = wait_for(lambda: "<IP>%s</IP>" % client in
                       floe.get("/admin/listclients?mount=/m2", auth=("admin", ADMIN_PASS))[2]
                       .decode(), 10)
        tap.ok(got, "listclients shows %s" % what)
        held.close()
        tap.ok(wait_for(lambda: re.search(r'^%s .*"GET /m2 ' % re.escape(client),
                                          floe.read_log("access.log"), re.M), 10),
               "and so does the access log")

    # ---- max-listeners-per-ip
    a, b = Held(floe, "/lim"), Held(floe, "/lim")
    tap.ok(a.status() == 200 and b.status() == 200, "max-listeners-per-ip 2: two are served")
    st, _, body = get(floe, "/lim")
    tap.is_eq(st, 403, "a third from the same address gets 403")
    tap.is_eq(status(floe, "/lim", src="127.0.0.4"), 200, "another address is served")
    tap.is_eq(status(floe, "/m"), 200, "the limit is per mount")
    a.close()
    tap.ok(wait_for(lambda: status(floe, "/lim") == 200, 30),
           "once one leaves, the address is served again")
    b.close()

    # ---- failed logins are slowed, not locked out
    def bad_source():
        s = RawSource(floe, "/x", password="wrong")
        r = s.response
        s.close()
        return r

    answers = [bad_source() for _ in range(5)]
    tap.ok(all(r.startswith(b"HTTP/1.0 401") for r in answers),
           "five wrong source passwords: five 401s", [r[:20] for r in answers])
    log = floe.read_log()
    waits = [int(x) for x in re.findall(
        r"127\.0\.0\.1: \d+ failed logins in a row: the 401 waits (\d+) ms", log)]
    tap.ok(len(waits) >= 2 and waits[0] > 0 and waits[1] > waits[0],
           "after three, each 401 waits, and longer each time", waits)
    tap.is_eq(len(re.findall(r"wrong password for user \"source\"", log)), 5,
              "each failure is logged once")
    st, _, _ = get(floe, "/admin/stats", src="127.0.0.4", auth=("admin", "nope"))
    tap.is_eq(st, 401, "another address is not slowed for it")
    tap.ok("127.0.0.4: " not in floe.read_log().split("waits")[0] or
           not re.search(r"127\.0\.0\.4: \d+ failed logins", floe.read_log()),
           "... (no wait logged for it)")
    ok_src = RawSource(floe, "/y")
    tap.ok(ok_src.ok(), "the right password is still accepted (slowed, not locked out)")
    ok_src.close()
    before = len(re.findall(r"127\.0\.0\.1: \d+ failed logins", floe.read_log()))
    bad_source()
    after = len(re.findall(r"127\.0\.0\.1: \d+ failed logins", floe.read_log()))
    tap.is_eq(after, before, "a good password cleared the record: the next failure is free")

    # ---- mount-level admin commands with the mount's source credentials
    src_auth = ("source", SOURCE_PASS)
    for path, what in (("/admin/listclients?mount=/m", "listclients"),
                       ("/admin/metadata?mode=updinfo&mount=/m&song=Hello", "metadata"),
                       ("/admin/fallbacks?mount=/m&fallback=/m2", "fallbacks"),
                       ("/admin/moveclients?mount=/m&destination=/m2", "moveclients"),
                       ("/admin/killclient?mount=/m&id=999999", "killclient")):
        tap.is_eq(status(floe, path, auth=src_auth), 200,
                  "%s runs with the mount's source credentials" % what)
    tap.is_eq(status(floe, "/admin/stats", auth=src_auth), 401,
              "stats (global) refuses source credentials")
    tap.is_eq(status(floe, "/admin/listmounts", auth=src_auth), 401,
              "listmounts (global) refuses source credentials")
    tap.is_eq(status(floe, "/admin/listclients?mount=/own", auth=src_auth), 401,
              "a mount with its own password refuses the global source password")
    tap.is_eq(status(floe, "/admin/listclients?mount=/own", auth=("source", "ownpass")), 200,
              "... and takes its own")
    tap.is_eq(status(floe, "/admin/killsource?mount=/m2", auth=src_auth), 200,
              "killsource runs with the mount's source credentials")
    tap.ok(wait_for(lambda: "source /m2 disconnected" in floe.read_log(), 10),
           "... and the source is gone", floe.log())

    for f in feeders:
        f.stop()
    tap.is_eq(floe.stop(), 0, "floe stops cleanly")


main()
