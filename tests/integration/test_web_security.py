#!/usr/bin/env python3
"""What a source, a symlink or a large file in webroot must not be able to
do to the station's own pages and to the main loop.

- Webroot symlinks: a directory symlink out of webroot (d -> /etc) does not
  serve /etc/passwd; links that stay inside webroot, and Debian's stock
  links into /etc/icecast2/web, still serve.
- Blocking: many clients fetch a large webroot file and never read it
  while a source streams to a listener; the listener gets exactly the
  source's bytes and floe's memory does not grow by the file's size per
  client (it is sent from the page cache, not copied into buffers); a
  client that reads gets it whole, over plain HTTP and over TLS. A FIFO
  in webroot does not hang the server.
"""
import os
import shutil
import socket
import subprocess

from floelib import (FLOE_WRAPPER, TOP_SRCDIR, Feeder, Floe, Listener, RawSource,
                     contiguous_in, free_port, media, mp3_frames, stat_value, tap, tmpdir, wait_for)

STOCK_WEB = "/usr/share/icecast2/web"       # Debian's icecast2 webroot
STOCK_CSS = "/etc/icecast2/web/style.css"   # what its style.css links to
BIG_SIZE = 4 << 20      # the large file: 4 MiB
BIG_CLIENTS = 24        # clients that ask for it and never read


def make_webroot():
    """A copy of web/ with the odd things the checks need in it."""
    root = os.path.join(tmpdir(), "web")
    shutil.copytree(os.path.join(TOP_SRCDIR, "web"), root)
    os.makedirs(os.path.join(root, "inner"))
    with open(os.path.join(root, "inner", "page.html"), "w") as f:
        f.write("<p>inner page</p>\n")
    with open(os.path.join(root, "big.bin"), "wb") as f:
        f.write(os.urandom(BIG_SIZE))
    os.symlink("/etc", os.path.join(root, "etcdir"))
    os.symlink("/etc/passwd", os.path.join(root, "passwd"))
    os.symlink("/etc/icecast2", os.path.join(root, "icecast2dir"))
    os.symlink("inner", os.path.join(root, "inner-link"))
    os.symlink("inner/page.html", os.path.join(root, "alias.html"))
    os.mkfifo(os.path.join(root, "fifo"))
    return root


def rss_kib(pid):
    """A process's resident set size in KiB (VmRSS)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def stat_num(floe, key):
    """A global counter from /admin/stats."""
    v = stat_value(floe.stats(), None, key)
    return int(v) if v is not None else -1

# ---------------------------------------------------------------- symlinks


def check_symlinks(floe):
    st, _, body = floe.get("/etcdir/passwd")
    tap.ok(st == 404 and b"root:" not in body,
           "a directory symlink out of webroot (etcdir -> /etc) does not serve /etc/passwd",
           (st, body[:200]))
    st, _, body = floe.get("/passwd")
    tap.ok(st == 404 and b"root:" not in body, "a file symlink to /etc/passwd is refused",
           (st, body[:200]))
    tap.ok("outside the allowed directories" in floe.read_log(),
           "the refusal is logged", floe.log())
    st, _, body = floe.get("/inner-link/page.html")
    tap.ok(st == 200 and body == b"<p>inner page</p>\n",
           "a directory symlink inside webroot still serves", (st, body[:200]))
    st, hd, body = floe.get("/alias.html")
    tap.ok(st == 200 and body == b"<p>inner page</p>\n" and hd.get("content-type", "")
           .startswith("text/html"), "a file symlink inside webroot serves its target",
           (st, hd, body[:200]))
    st, _, body = floe.get("/icecast2dir/icecast.xml")
    tap.ok(st == 404 and b"<icecast" not in body,
           "a symlink to /etc/icecast2 does not serve icecast.xml (only its web/ is allowed)",
           (st, body[:200]))
    if not os.path.exists(os.path.join(STOCK_WEB, "style.css")) or not os.path.exists(STOCK_CSS):
        tap.skip("Debian's stock webroot serves its links", "icecast2 is not installed")
        return
    with open(STOCK_CSS, "rb") as f:
        want = f.read()
    stock = Floe(webroot=STOCK_WEB)
    st, hd, body = stock.get("/style.css")
    tap.ok(st == 200 and body == want and hd.get("content-type", "").startswith("text/css"),
           "Debian's stock webroot: /style.css (a link into /etc/icecast2/web) serves",
           (st, hd, body[:100]))
    stock.stop()

# ---------------------------------------------------------------- blocking


def check_fifo(floe, root):
    fifo = os.path.join(root, "fifo")
    st, _, _ = floe.get("/fifo", timeout=10)
    tap.is_eq(st, 404, "a FIFO in webroot is not served (and open() does not block on it)")
    st, _, body = floe.get("/inner/page.html", timeout=10)
    tap.ok(st == 200 and body == b"<p>inner page</p>\n",
           "... and the next request is answered", (st, body[:100]))
    # An old floe blocked in open() on the FIFO: a writer lets it go on.
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass


def check_large_file(floe, root):
    data = mp3_frames(media("tone.mp3"))
    src = RawSource(floe, "/stream.mp3")
    tap.ok(src.ok(), "a source streams to /stream.mp3", src.response)
    feed = Feeder(src, data, 48000)
    lis = Listener(floe, "/stream.mp3")
    tap.ok(lis.wait_bytes(32000), "a listener receives it")
    files_before = stat_num(floe, "file_connections")
    rss_before = rss_kib(floe.proc.pid)
    got_before = len(lis.body())

    hogs = []
    for _ in range(BIG_CLIENTS):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", floe.port))
        s.sendall(b"GET /big.bin HTTP/1.0\r\n\r\n")
        hogs.append(s)
    served = wait_for(lambda: stat_num(floe, "file_connections") >= files_before + BIG_CLIENTS,
                      20, 0.2)
    tap.ok(served, "%d clients ask for a %d MiB webroot file and never read it" %
           (BIG_CLIENTS, BIG_SIZE >> 20), stat_num(floe, "file_connections"))
    tap.ok(lis.wait_bytes(got_before + 64000, 20) and not lis.closed,
           "the listener keeps receiving meanwhile", len(lis.body()) - got_before)
    grown = rss_kib(floe.proc.pid) - rss_before
    bound = BIG_CLIENTS * (BIG_SIZE >> 10) // 4
    if FLOE_WRAPPER:
        tap.skip("floe's memory stays bounded", "RSS means nothing under FLOE_WRAPPER")
    else:
        tap.ok(grown < bound, "floe's memory grows by %d KiB (under %d KiB; %d copies of the "
               "file would be %d KiB)" % (grown, bound, BIG_CLIENTS,
                                          BIG_CLIENTS * (BIG_SIZE >> 10)))

    feed.join(60)
    tap.ok(not feed.is_alive(), "the source sent all of its %d bytes" % len(src.sent))
    want = bytes(src.sent)
    tap.ok(wait_for(lambda: want.endswith(lis.body()[-4096:]), 20),
           "the listener caught up with the source's last byte")
    body = lis.body()
    tap.ok(len(body) > 100000 and contiguous_in(body, want),
           "the listener got exactly the source's bytes (%d, one contiguous run)" % len(body))
    for s in hogs:
        s.close()
    src.close()
    lis.close()

    # One client that does read gets the whole file, byte for byte.
    s = socket.create_connection(("127.0.0.1", floe.port), 5)
    s.sendall(b"GET /big.bin HTTP/1.0\r\n\r\n")
    raw = bytearray()
    s.settimeout(30)
    while True:
        d = s.recv(1 << 16)
        if not d:
            break
        raw += d
    s.close()
    head, _, body = bytes(raw).partition(b"\r\n\r\n")
    with open(os.path.join(root, "big.bin"), "rb") as f:
        want = f.read()
    tap.ok(head.startswith(b"HTTP/1.0 200") and b"Content-Length: %d\r\n" % BIG_SIZE in head + b"\r\n"
           and body == want, "a reading client gets the whole file, byte for byte",
           head.decode("latin-1"))


def check_tls(root):
    """Over TLS the file goes through OpenSSL (libevent maps it): same bytes."""
    d = tmpdir()
    cert = os.path.join(d, "cert.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", cert,
                    "-out", cert + ".crt", "-days", "2", "-subj", "/CN=localhost"],
                   check=True, capture_output=True)
    with open(cert, "a") as f:
        with open(cert + ".crt") as c:
            f.write(c.read())
    port = free_port()
    tls = Floe(webroot=root, mounts="<listen-socket><port>%d</port><bind-address>127.0.0.1"
               "</bind-address><ssl>1</ssl></listen-socket>" % port,
               paths_extra="<ssl-certificate>%s</ssl-certificate>" % cert)
    out = os.path.join(d, "big.bin")
    res = subprocess.run(["curl", "-sk", "--max-time", "60", "-o", out, "-w", "%{http_code}",
                          "https://127.0.0.1:%d/big.bin" % port], capture_output=True, text=True)
    with open(os.path.join(root, "big.bin"), "rb") as f:
        want = f.read()
    with open(out, "rb") as f:
        got = f.read()
    tap.ok(res.stdout == "200" and got == want,
           "over TLS the whole file arrives, byte for byte", (res.stdout, len(got), res.stderr))
    tls.stop()

# ---------------------------------------------------------------- main


floe_root = make_webroot()
floe = Floe(webroot=floe_root)
check_symlinks(floe)
check_fifo(floe, floe_root)
check_large_file(floe, floe_root)
check_tls(floe_root)
tap.ok(floe.alive(), "floe is still running")
tap.is_eq(floe.stop(), 0, "floe exits 0 on SIGTERM")
