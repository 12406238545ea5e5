#!/usr/bin/env python3
"""Listener authentication on a mount: <authentication type="htpasswd">,
"static", "anonymous", Icecast 2.5's <role>s, a <mount type="default">'s
authentication inherited, the manageauth admin command, and configs floe
cannot enforce refused with file:line.

- htpasswd: users hashed the ways icecast2 writes (MD5 hex) and reads
  ({SHA}), and crypt(3) hashes (SHA-512, bcrypt) libcrypt verifies. Good
  credentials get 200 and audio; wrong, unknown and missing ones get
  icecast2's 401 with WWW-Authenticate (compared with the real icecast2
  when it is installed). Credentials in the URL
  (GET http://user:pass@host/mount) work as Basic does; the password
  never reaches the access log. A user added to or removed from the file
  by hand counts without a reload.
- listclients names the user a listener came in as.
- manageauth: list (names only, never a hash), add (the file keeps
  icecast2's format), add of an existing user, delete; JSON too; with the
  mount's source credentials as well as the admin's; refused to anyone else.
- static (username/password options), anonymous, and a 2.5 <role> list
  where the first role that admits lets the listener in.
- allow_duplicate_users=0: a user already listening is refused a second
  connection.
- An unknown type, an unknown option, and a 2.5 role floe cannot enforce:
  floe -c exits 1 and --check-config exits 1, naming file, line and element.
"""
import base64
import hashlib
import json
import os
import socket
import subprocess

from floelib import (ADMIN_PASS, FLOE, SOURCE_PASS, Floe, Icecast2, LoopFeeder, RawSource,
                     free_port, media, mp3_frames, parse_response, tap, tmpdir, wait_for,
                     wait_mount)

USERS = {"alice": "wonder land", "bob": "b0b:pass", "carol": "c4rol", "dave": "d@ve"}


def md5_hex(p):
    return hashlib.md5(p.encode()).hexdigest()


def sha_b64(p):
    return "{SHA}" + base64.b64encode(hashlib.sha1(p.encode()).digest()).decode()


def crypt_hash(p, kind):
    """A crypt(3) hash made by openssl (SHA-512) or python's crypt (bcrypt)."""
    if kind == "sha512":
        return subprocess.run(["openssl", "passwd", "-6", "-salt", "floesalt", p],
                              capture_output=True, text=True, check=True).stdout.strip()
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import crypt
        return crypt.crypt(p, crypt.mksalt(crypt.METHOD_BLOWFISH))


def write(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.chmod(path + ".tmp", 0o644)
    os.replace(path + ".tmp", path)     # as an editor saving it would


def users_text(extra=""):
    return ("# listeners of /hp\n"
            "alice:%s\n" % md5_hex(USERS["alice"]) +
            "bob:%s\n" % sha_b64(USERS["bob"]) +
            "carol:%s\n" % crypt_hash(USERS["carol"], "sha512") +
            "dave:%s\n" % crypt_hash(USERS["dave"], "bcrypt") + extra)


def basic(user, pw):
    return "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()


def listen(floe, mount, auth=None, target=None, nbytes=4096, headers=None):
    """GET mount; returns (status, headers, first bytes of the body). The
    body is read until nbytes arrived (an admitted listener gets audio)."""
    s = socket.create_connection(("127.0.0.1", floe.port), 5)
    h = "GET %s HTTP/1.0\r\nUser-Agent: floe-test\r\n" % (target or mount)
    if auth:
        h += "Authorization: %s\r\n" % basic(*auth)
    for k, v in (headers or {}).items():
        h += "%s: %s\r\n" % (k, v)
    s.sendall((h + "\r\n").encode())
    s.settimeout(20)
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
            head, sep, body = out.partition(b"\r\n\r\n")
            if sep and len(body) >= nbytes:
                break
    except OSError:
        pass
    s.close()
    return parse_response(out)


def admin(floe, path, auth=("admin", ADMIN_PASS)):
    return floe.get(path, auth=auth)


def start_source(floe, mount, data):
    src = RawSource(floe, mount)
    if not src.ok():
        tap.bail("source %s refused: %r" % (mount, src.response))
    feeder = LoopFeeder(src, data, 32000)
    if not wait_mount(floe, mount):
        tap.bail("mount %s never went live: %s" % (mount, floe.log()))
    return src, feeder


def config_error(text):
    """Run floe -c and --check-config on a config text; (rc -c, out -c, rc check, out check)."""
    d = tmpdir()
    path = os.path.join(d, "bad.xml")
    with open(path, "w") as f:
        f.write(text.format(port=free_port(), dir=d))
    r1 = subprocess.run([FLOE, "-c", path], capture_output=True, text=True, timeout=30)
    r2 = subprocess.run([FLOE, "--check-config", path], capture_output=True, text=True,
                        timeout=30)
    return path, r1.returncode, r1.stdout + r1.stderr, r2.returncode, r2.stdout + r2.stderr


def line_of(text, needle):
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return i
    return 0


def main():
    d = tmpdir()
    os.chmod(d, 0o755)      # icecast2, run as nobody below, reads the file too
    users = os.path.join(d, "users.htpasswd")
    write(users, users_text())
    dusers = os.path.join(d, "default.htpasswd")
    write(dusers, "gina:%s\n" % md5_hex("gina pw"))
    data = mp3_frames(media("tone.mp3"))
    mounts = """
  <mount><mount-name>/hp</mount-name>
    <authentication type="htpasswd">
      <option name="filename" value="{users}"/>
      <option name="allow_duplicate_users" value="1"/>
    </authentication></mount>
  <mount><mount-name>/single</mount-name>
    <authentication type="htpasswd">
      <option name="filename" value="{users}"/>
      <option name="allow_duplicate_users" value="0"/>
    </authentication></mount>
  <mount><mount-name>/st</mount-name>
    <authentication type="static">
      <option name="username" value="guest"/><option name="password" value="letmein"/>
    </authentication></mount>
  <mount><mount-name>/roles</mount-name>
    <authentication>
      <role type="static" username="vip" password="vip pass"/>
      <role type="htpasswd" filename="{users}"/>
    </authentication></mount>
  <mount><mount-name>/anon</mount-name>
    <authentication><role type="anonymous"/></authentication></mount>
  <mount><mount-name>/own</mount-name><password>ownpass</password></mount>
  <mount type="default">
    <authentication type="htpasswd"><option name="filename" value="{dusers}"/></authentication>
  </mount>
""".format(users=users, dusers=dusers)
    floe = Floe(mounts=mounts)
    feeders = []
    for m in ("/hp", "/single", "/st", "/roles", "/anon", "/open", "/own"):
        if m == "/own":
            src = RawSource(floe, m, password="ownpass")
            if not src.ok():
                tap.bail("/own source refused: %r" % src.response)
            feeders.append(LoopFeeder(src, data, 32000))
            wait_mount(floe, m)
        else:
            feeders.append(start_source(floe, m, data)[1])

    # ---- htpasswd: missing, wrong, unknown, good
    st, hd, body = listen(floe, "/hp", nbytes=0)
    tap.is_eq(st, 401, "htpasswd: no credentials: 401")
    tap.is_eq(hd.get("www-authenticate"), 'Basic realm="Icecast2 Server"',
              "htpasswd: the 401 asks for Basic credentials, as icecast2 does")
    tap.ok(b"audio" not in hd.get("content-type", "").encode() and len(body) < 1000,
           "htpasswd: no audio without credentials")
    st, _, _ = listen(floe, "/hp", auth=("alice", "wrong"), nbytes=0)
    tap.is_eq(st, 401, "htpasswd: wrong password: 401")
    st, _, _ = listen(floe, "/hp", auth=("mallory", USERS["alice"]), nbytes=0)
    tap.is_eq(st, 401, "htpasswd: unknown user: 401")
    st, _, _ = listen(floe, "/hp", auth=("alice", ""), nbytes=0)
    tap.is_eq(st, 401, "htpasswd: empty password: 401")
    for user, kind in (("alice", "MD5 hex (icecast2)"), ("bob", "{SHA}"),
                       ("carol", "SHA-512 crypt"), ("dave", "bcrypt")):
        st, hd, body = listen(floe, "/hp", auth=(user, USERS[user]))
        tap.ok(st == 200 and len(body) >= 4096 and hd.get("content-type") == "audio/mpeg",
               "htpasswd: %s's %s password admits, with audio" % (user, kind),
               "status %s, %d bytes" % (st, len(body)))

    # ---- credentials in the URL
    target = "http://alice:%s@127.0.0.1:%d/hp" % (USERS["alice"].replace(" ", "%20"), floe.port)
    st, _, body = listen(floe, "/hp", target=target)
    tap.ok(st == 200 and len(body) >= 4096, "credentials in the URL admit", "status %s" % st)
    target = "http://alice:nope@127.0.0.1:%d/hp" % floe.port
    st, _, _ = listen(floe, "/hp", target=target, nbytes=0)
    tap.is_eq(st, 401, "wrong credentials in the URL: 401")
    wait_for(lambda: "GET" in floe.read_log("access.log"), 10)
    alog = floe.read_log("access.log")
    tap.ok("nope" not in alog and USERS["alice"] not in alog and "wonder%20land" not in alog,
           "passwords in the URL never reach the access log")

    # ---- listclients names the user
    held = socket.create_connection(("127.0.0.1", floe.port), 5)
    held.sendall(("GET /hp HTTP/1.0\r\nAuthorization: %s\r\n\r\n" %
                  basic("alice", USERS["alice"])).encode())
    held.recv(100)
    got = wait_for(lambda: "<username>alice</username>" in
                   admin(floe, "/admin/listclients?mount=/hp")[2].decode(), 10)
    tap.ok(got, "listclients shows the user a listener came in as")

    # ---- duplicate users
    st, _, _ = listen(floe, "/single", auth=("alice", USERS["alice"]))
    tap.is_eq(st, 200, "allow_duplicate_users=0: a first connection as alice is admitted")
    # That first one has gone once floe no longer lists it (an event, not a
    # delay); then alice connects and stays.
    wait_for(lambda: "<username>alice</username>" not in
             admin(floe, "/admin/listclients?mount=/single")[2].decode(), 20)
    one = socket.create_connection(("127.0.0.1", floe.port), 5)
    one.sendall(("GET /single HTTP/1.0\r\nAuthorization: %s\r\n\r\n" %
                 basic("alice", USERS["alice"])).encode())
    one.settimeout(20)
    first = one.recv(100)
    tap.ok(first.startswith(b"HTTP/1.0 200"), "allow_duplicate_users=0: alice, alone, is admitted",
           first)
    st, _, body = listen(floe, "/single", auth=("alice", USERS["alice"]), nbytes=0)
    tap.is_eq(st, 403, "allow_duplicate_users=0: a second connection as alice is refused")
    st, _, _ = listen(floe, "/single", auth=("bob", USERS["bob"]))
    tap.is_eq(st, 200, "allow_duplicate_users=0: another user is admitted meanwhile")
    one.close()
    got = wait_for(lambda: listen(floe, "/single", auth=("alice", USERS["alice"]))[0] == 200, 30)
    tap.ok(got, "allow_duplicate_users=0: once alice left she may come back")
    st, _, _ = listen(floe, "/hp", auth=("alice", USERS["alice"]))
    tap.is_eq(st, 200, "allow_duplicate_users=1: alice listens twice on /hp")

    # ---- the file changes under floe
    write(users, users_text("eve:%s\n" % md5_hex("eve pw")))
    got = wait_for(lambda: listen(floe, "/hp", auth=("eve", "eve pw"))[0] == 200, 10)
    tap.ok(got, "a user added to the file by hand is admitted without a reload")
    write(users, users_text())
    got = wait_for(lambda: listen(floe, "/hp", auth=("eve", "eve pw"), nbytes=0)[0] == 401, 10)
    tap.ok(got, "a user removed from the file by hand is refused without a reload")

    # ---- manageauth
    st, _, body = admin(floe, "/admin/manageauth?mount=/hp")
    text = body.decode()
    tap.ok(st == 200 and all("<username>%s</username>" % u in text for u in USERS),
           "manageauth lists the users", text[:300])
    tap.ok("$6$" not in text and md5_hex(USERS["alice"]) not in text and "{SHA}" not in text,
           "manageauth never shows a hash")
    st, _, body = admin(floe, "/admin/manageauth?mount=/hp&action=add&username=frank"
                        "&password=frank%20pw")
    tap.ok(st == 200 and "User added" in body.decode() and "<username>frank</username>"
           in body.decode(), "manageauth add: User added, and listed", body.decode()[:300])
    line = [x for x in open(users).read().splitlines() if x.startswith("frank:")]
    tap.ok(line == ["frank:" + md5_hex("frank pw")],
           "manageauth add writes icecast2's format (MD5 hex)", repr(line))
    tap.ok(open(users).read().startswith("# listeners of /hp\nalice:"),
           "manageauth keeps the other lines as they were")
    tap.is_eq(listen(floe, "/hp", auth=("frank", "frank pw"))[0], 200,
              "the user manageauth added is admitted")
    st, _, body = admin(floe, "/admin/manageauth?mount=/hp&action=add&username=frank"
                        "&password=other")
    tap.ok("User already exists" in body.decode(), "manageauth add of an existing user says so")
    st, _, body = admin(floe, "/admin/manageauth.json?mount=/hp")
    try:
        j = json.loads(body)
        names = [u["username"] for u in j["icestats"]["source"][0]["User"]]
    except (ValueError, KeyError, IndexError, TypeError):
        names = None
    tap.ok(names is not None and "frank" in names and "alice" in names,
           "manageauth.json lists the users as JSON", body[:300])
    st, _, body = admin(floe, "/admin/manageauth?mount=/hp&action=delete&username=frank",
                        auth=("source", SOURCE_PASS))
    tap.ok(st == 200 and "User deleted" in body.decode(),
           "manageauth delete with the mount's source credentials", body.decode()[:300])
    tap.is_eq(listen(floe, "/hp", auth=("frank", "frank pw"), nbytes=0)[0], 401,
              "the deleted user is refused")
    st, _, _ = admin(floe, "/admin/manageauth?mount=/hp&action=add&username=x&password=y",
                     auth=("alice", USERS["alice"]))
    tap.is_eq(st, 401, "manageauth refuses a listener's credentials")
    st, _, _ = admin(floe, "/admin/manageauth?mount=/st")
    tap.is_eq(st, 400, "manageauth on a mount without htpasswd: 400")

    # ---- static, anonymous, 2.5 roles
    tap.is_eq(listen(floe, "/st", nbytes=0)[0], 401, "static: no credentials: 401")
    tap.is_eq(listen(floe, "/st", auth=("guest", "nope"), nbytes=0)[0], 401,
              "static: wrong password: 401")
    tap.is_eq(listen(floe, "/st", auth=("guest", "letmein"))[0], 200, "static: admits")
    tap.is_eq(listen(floe, "/anon")[0], 200, "anonymous role: admits anyone")
    tap.is_eq(listen(floe, "/roles", auth=("vip", "vip pass"))[0], 200,
              "2.5 roles: the first (static) role admits")
    tap.is_eq(listen(floe, "/roles", auth=("bob", USERS["bob"]))[0], 200,
              "2.5 roles: the second (htpasswd) role admits what the first did not")
    tap.is_eq(listen(floe, "/roles", auth=("bob", "nope"), nbytes=0)[0], 401,
              "2.5 roles: refused when no role admits")

    # ---- <mount type="default"> authentication
    tap.is_eq(listen(floe, "/open", nbytes=0)[0], 401,
              "a mount with no <mount> of its own takes the default mount's authentication")
    tap.is_eq(listen(floe, "/open", auth=("gina", "gina pw"))[0], 200,
              "... and admits its users")
    tap.is_eq(listen(floe, "/own", nbytes=0)[0], 401,
              "a named mount without <authentication> inherits the default's")

    # ---- the real icecast2 answers the same
    if Icecast2.installed():
        ice = Icecast2("""<icecast><hostname>127.0.0.1</hostname>
  <limits><clients>20</clients><sources>2</sources></limits>
  <authentication><source-password>hackme</source-password>
    <admin-user>admin</admin-user><admin-password>hackme</admin-password></authentication>
  <listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <mount><mount-name>/hp</mount-name><authentication type="htpasswd">
    <option name="filename" value="%s"/></authentication></mount>
  <paths><logdir>{logdir}</logdir><webroot>/usr/share/icecast2/web</webroot>
    <adminroot>/usr/share/icecast2/admin</adminroot></paths>
  <logging><errorlog>error.log</errorlog><accesslog>access.log</accesslog>
    <loglevel>4</loglevel></logging></icecast>""" % users)
        try:
            src = RawSource(ice, "/hp")
            feeder = LoopFeeder(src, data, 32000)
            wait_for(lambda: b"/hp" in ice.get("/admin/listmounts",
                                               auth=("admin", "hackme"))[2], 10)
            ist, ihd, _ = listen(ice, "/hp", nbytes=0)
            fst, fhd, _ = listen(floe, "/hp", nbytes=0)
            tap.ok(ist == fst == 401 and ihd.get("www-authenticate") ==
                   fhd.get("www-authenticate"),
                   "icecast2 and floe refuse a listener without credentials alike",
                   "icecast2 %s %r, floe %s %r" % (ist, ihd.get("www-authenticate"), fst,
                                                   fhd.get("www-authenticate")))
            ist = listen(ice, "/hp", auth=("alice", USERS["alice"]))[0]
            tap.ok(ist == 200, "icecast2 admits alice with the same file (MD5 hex)",
                   "status %s" % ist)
            feeder.stop()
            src.close()
        finally:
            ice.stop()
    else:
        tap.skip("icecast2 answers the same", "icecast2 is not installed")

    held.close()
    for f in feeders:
        f.stop()
    tap.is_eq(floe.stop(), 0, "floe stops cleanly")

    # ---- what floe cannot enforce, it refuses
    base = """<icecast>
  <authentication><source-password>x</source-password><admin-password>y</admin-password></authentication>
  <listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <paths><logdir>{dir}</logdir></paths>
  <logging><errorlog>-</errorlog></logging>
  <mount><mount-name>/m</mount-name>
    %s
  </mount>
</icecast>
"""
    cases = [
        ('<authentication type="ldap"><option name="server" value="x"/></authentication>',
         '<authentication type="ldap">', "ldap", "an unknown <authentication type>"),
        ('<authentication type="htpasswd"><option name="filename" value="/x"/>'
         '<option name="filenme" value="/y"/></authentication>',
         'name="filenme"', "filenme", "an unknown htpasswd option"),
        ('<authentication type="url"><option name="listener_add" value="http://x/"/>'
         '<option name="bogus_option" value="1"/></authentication>',
         "bogus_option", "bogus_option", "an unknown url option"),
        ('<authentication><role type="htpasswd" filename="/x" deny-web="*"/></authentication>',
         "deny-web", "deny-web", "a 2.5 role's deny-web"),
    ]
    for snippet, needle, word, what in cases:
        text = base % snippet
        path, rc, out, rc2, out2 = config_error(text)
        line = line_of(text, needle)
        where = "%s:%d" % (path, line)
        tap.ok(rc == 1 and where in out and word in out,
               "%s: floe -c refuses to start, naming %s and the element" % (what, where),
               out[-600:])
        tap.ok(rc2 == 1 and where in out2, "%s: --check-config exits 1 naming it" % what,
               out2[-600:])


main()
