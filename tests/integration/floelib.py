"""floelib: shared helpers for Floe's integration tests.

Every test starts the real floe (and real peers: ffmpeg, curl, ffprobe,
icecast2) on 127.0.0.1 ports it picked free, and stops what it started.
Results are printed as TAP for automake's tap-driver. Nothing here asserts
on timing: waits have generous deadlines and only bound how long a failure
takes to be noticed.
"""
import atexit
import base64
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

TOP_SRCDIR = os.path.abspath(os.environ.get("top_srcdir",
                                            os.path.join(os.path.dirname(__file__), "..", "..")))
FLOE = os.environ.get("FLOE", os.path.join(TOP_SRCDIR, "server", "floe"))
# e.g. FLOE_WRAPPER="valgrind --error-exitcode=99 --leak-check=full" to run
# every test's server under valgrind (stop() then reports its exit status).
FLOE_WRAPPER = os.environ.get("FLOE_WRAPPER", "").split()
SOURCE_PASS = "hackme"
ADMIN_PASS = "hackme"

# ---------------------------------------------------------------- TAP

class Tap:
    """Minimal TAP producer: ok(), is_eq(), skip(), and done() at exit."""

    def __init__(self):
        self.n = 0
        self.failed = 0
        atexit.register(self._done)

    def ok(self, cond, desc, diag=None):
        self.n += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, desc), flush=True)
        if not cond:
            self.failed += 1
            if diag:
                for line in str(diag).splitlines()[:40]:
                    print("#   " + line, flush=True)
        return cond

    def is_eq(self, got, want, desc):
        return self.ok(got == want, desc, "got:  %r\nwant: %r" % (got, want))

    def skip(self, desc, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, desc, why), flush=True)

    def diag(self, msg):
        for line in str(msg).splitlines():
            print("# " + line, flush=True)

    def bail(self, why):
        print("Bail out! " + why, flush=True)
        cleanup()
        os._exit(1)

    def _done(self):
        cleanup()
        print("1..%d" % self.n, flush=True)
        if self.failed:
            sys.stdout.flush()
            os._exit(1)


tap = Tap()

# ---------------------------------------------------------------- processes

_procs = []
_tmpdirs = []


def cleanup():
    """Stop every process a test started (SIGTERM, then SIGKILL)."""
    for p in _procs:
        if p.poll() is None:
            try:
                p.terminate()
                p.wait(5)
            except Exception:
                p.kill()
    _procs.clear()
    for d in ([] if os.environ.get("FLOE_KEEP") else _tmpdirs):
        shutil.rmtree(d, ignore_errors=True)
    _tmpdirs.clear()


def spawn(args, **kw):
    kw.setdefault("stdin", subprocess.DEVNULL)
    p = subprocess.Popen(args, **kw)
    _procs.append(p)
    return p


def read_text(path):
    """A text file's contents ('' if it is not there)."""
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def tmpdir():
    d = tempfile.mkdtemp(prefix="floe-test-")
    _tmpdirs.append(d)
    return d


def free_port():
    """A port nobody listens on now (and its neighbour, for port+1 uses)."""
    while True:
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        if port < 65000:
            return port


def wait_for(pred, timeout=10.0, step=0.05):
    """Poll pred() until it is true or the deadline passes; returns its last value."""
    end = time.monotonic() + timeout
    while True:
        v = pred()
        if v or time.monotonic() > end:
            return v
        time.sleep(step)


def have(prog):
    return shutil.which(prog) is not None

# ---------------------------------------------------------------- media

_media_dir = None


def media(name):
    """Generated test audio (cached per test process): tone.mp3 (128k, 30 s),
    tone.aac (ADTS), tone.opus (Ogg Opus), tone.ogg (Vorbis)."""
    global _media_dir
    if _media_dir is None:
        _media_dir = tmpdir()
    path = os.path.join(_media_dir, name)
    if os.path.exists(path):
        return path
    src = ["-f", "lavfi", "-i", "sine=frequency=440:duration=30:sample_rate=44100",
           "-f", "lavfi", "-i", "sine=frequency=660:duration=30:sample_rate=44100",
           "-filter_complex", "[0][1]amerge=inputs=2", "-ac", "2"]
    enc = {
        "tone.mp3": ["-c:a", "libmp3lame", "-b:a", "128k", "-f", "mp3"],
        "tone.aac": ["-c:a", "aac", "-b:a", "96k", "-f", "adts"],
        "tone.opus": ["-c:a", "libopus", "-b:a", "96k", "-f", "ogg"],
        "tone.ogg": ["-c:a", "libvorbis", "-q:a", "3", "-f", "ogg"],
    }[name]
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y"] + src + enc + [path],
                   check=True)
    return path


def mp3_frames_offset(data):
    """Offset of the first MPEG audio frame after any ID3v2 tag."""
    off = 0
    if data[:3] == b"ID3":
        size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
        off = 10 + size
    return off


def mp3_frames(path):
    """The MPEG frames of an mp3 file (its ID3v2 tag cut off)."""
    with open(path, "rb") as f:
        data = f.read()
    return data[mp3_frames_offset(data):]


def sine_mp3_frames(freq, seconds=20):
    """The frames of a 128 kbps MP3 of a pure tone at freq Hz: a second
    source whose bytes can be told apart from tone.mp3's."""
    path = "%s/sine%d.mp3" % (tmpdir(), freq)
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "sine=frequency=%d:duration=%d:sample_rate=44100" % (freq, seconds), "-ac",
                    "2", "-c:a", "libmp3lame", "-b:a", "128k", "-write_xing", "0",
                    "-id3v2_version", "0", "-f", "mp3", path], check=True)
    return mp3_frames(path)


MP3_KBPS = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
MP3_RATES = (44100, 48000, 32000)


def mp3_frame_list(data):
    """The MPEG-1 Layer III frames of data (after its ID3v2 tag), one bytes each."""
    frames, off = [], mp3_frames_offset(data)
    while is_mp3_frame_header(data[off:off + 4]):
        b2 = data[off + 2]
        n = 144000 * MP3_KBPS[b2 >> 4] // MP3_RATES[(b2 >> 2) & 3] + ((b2 >> 1) & 1)
        frames.append(data[off:off + n])
        off += n
    return frames


def is_mp3_frame_header(b):
    return len(b) >= 4 and b[0] == 0xFF and (b[1] & 0xE0) == 0xE0 and (b[2] >> 4) not in (0, 15)


def _mp3_frame_len(b):
    """Length of the MPEG-1 Layer III frame whose header b starts, else 0."""
    if not is_mp3_frame_header(b) or (b[1] & 0x1E) != 0x1A or (b[2] >> 2) & 3 == 3:
        return 0
    return 144000 * MP3_KBPS[b[2] >> 4] // MP3_RATES[(b[2] >> 2) & 3] + ((b[2] >> 1) & 1)


def mp3_whole(data):
    """A listener's MP3 capture without its last frame if that was cut short.

    A capture ends wherever the listener stopped, often inside a frame (a
    server that cuts its stream into 1400-byte reads, as icecast2 does, ends
    anywhere), and ffmpeg reports a frame cut 1 to ~35 bytes in as an error
    ("invalid new backstep -1"). Only such a tail goes: unless the frames run
    back to back from the first one up to it, data comes back unchanged, so
    that ffmpeg still sees any real damage. Leading bytes before the first
    frame (a join mid-frame) are kept: ffmpeg skips them silently."""
    start = mp3_frames_offset(data)
    for i in range(start, min(len(data), start + 4096)):
        n = _mp3_frame_len(data[i:i + 4])
        if n and _mp3_frame_len(data[i + n:i + n + 4]):
            break
    else:
        return data
    off = i
    while off < len(data):
        n = _mp3_frame_len(data[off:off + 4])
        if len(data) - off < 4 or (n and off + n > len(data)):
            return data[:off]       # the last frame, cut short
        if not n:
            return data             # not back to back: leave it to ffmpeg
        off += n
    return data

# ---------------------------------------------------------------- floe

CONFIG_TEMPLATE = """<icecast>
  <location>Test</location>
  <admin>test@localhost</admin>
  <hostname>127.0.0.1</hostname>
  <limits>
    <clients>{clients}</clients>
    <sources>{sources}</sources>
    <queue-size>{queue_size}</queue-size>
    <client-timeout>30</client-timeout>
    <header-timeout>{header_timeout}</header-timeout>
    <source-timeout>{source_timeout}</source-timeout>
    <burst-size>{burst_size}</burst-size>{limits_extra}
  </limits>
  <authentication>
    <source-password>{source_pass}</source-password>
    <relay-password>hackme</relay-password>
    <admin-user>admin</admin-user>
    <admin-password>{admin_pass}</admin-password>
  </authentication>
  <listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  {mounts}
  <paths><logdir>{logdir}</logdir><webroot>{webroot}</webroot><pidfile>{logdir}/floe.pid</pidfile>{paths_extra}</paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>4</loglevel></logging>
</icecast>
"""


class Server:
    """What Floe and Icecast2 share: a process listening on 127.0.0.1:port,
    with its logs in logdir, and the HTTP helpers tests talk to it with."""

    name = "server"
    start_timeout = 10      # seconds to wait for it to accept connections
    stop_timeout = 10       # seconds to wait for it to exit on SIGTERM

    def _setup(self, name, config_text, **fmt):
        """A tmpdir with a log/ subdirectory, a free port, and the config
        file `name` written from config_text ({port}, {dir}, {logdir} and
        fmt's names are filled in)."""
        self.dir = tmpdir()
        self.port = free_port()
        self.logdir = os.path.join(self.dir, "log")
        os.makedirs(self.logdir)
        self.config = os.path.join(self.dir, name)
        with open(self.config, "w") as f:
            f.write(config_text.format(port=self.port, dir=self.dir, logdir=self.logdir, **fmt))

    def _start(self, args):
        """Spawn args (output appended to stderr.txt); .up: it accepts
        connections (polled for at most start_timeout seconds)."""
        self.args = args
        if getattr(self, "out", None) is not None:
            self.out.close()
        self.out = open(os.path.join(self.dir, "stderr.txt"), "a")
        self.proc = spawn(args, stdout=self.out, stderr=subprocess.STDOUT)
        self.up = bool(wait_for(self._accepting, self.start_timeout))
        return self.up

    def restart(self):
        """Stop it if it still runs, then start it again on the same port
        with the same config and logs (for tests of a server going away and
        coming back); returns .up."""
        if self.proc is not None and self.proc.poll() is None:
            self.stop()
        return self._start(self.args)

    def _accepting(self):
        return self.proc.poll() is None and self._port_open()

    def _port_open(self):
        try:
            socket.create_connection(("127.0.0.1", self.port), 0.5).close()
            return True
        except OSError:
            return False

    def url(self, path=""):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def read_log(self, name="error.log"):
        try:
            with open(os.path.join(self.logdir, name), errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log(self):
        """The tail of the error log, for a diagnostic."""
        return self.read_log()[-3000:]

    def stop(self):
        """SIGTERM; returns the exit status (0 is a clean shutdown)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                return self.proc.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return -9
        return self.proc.returncode

    def alive(self):
        return self.proc.poll() is None

    # ---- HTTP helpers

    def raw(self, data, read_until_close=True, timeout=5.0, max_bytes=1 << 20):
        """Send raw bytes, return everything the server sends back until it
        closes (or timeout, or max_bytes)."""
        s = socket.create_connection(("127.0.0.1", self.port), 5)
        s.sendall(data)
        s.settimeout(timeout)
        out = b""
        try:
            while len(out) < max_bytes:
                d = s.recv(65536)
                if not d:
                    break
                out += d
                if not read_until_close and b"\r\n\r\n" in out:
                    break
        except (socket.timeout, ConnectionResetError):
            pass
        s.close()
        return out

    def get(self, path, auth=None, headers=None, timeout=5.0):
        """GET with optional (user, password); returns (status, headers dict, body)."""
        h = "GET %s HTTP/1.0\r\n" % path
        if auth:
            h += "Authorization: Basic %s\r\n" % base64.b64encode(
                ("%s:%s" % auth).encode()).decode()
        for k, v in (headers or {}).items():
            h += "%s: %s\r\n" % (k, v)
        return parse_response(self.raw((h + "\r\n").encode(), timeout=timeout))

    def stats(self):
        return self.get("/admin/stats", auth=("admin", ADMIN_PASS))[2].decode()

    def metadata(self, mount, **params):
        q = urllib.parse.urlencode(dict(mode="updinfo", mount=mount, **params),
                                   quote_via=urllib.parse.quote)
        return self.get("/admin/metadata?" + q, auth=("admin", ADMIN_PASS))


class Floe(Server):
    """A running floe on a free port, with its own config and log directory:
    floelib's CONFIG_TEMPLATE filled in with mounts and opts, or, given
    config=TEXT, that text with {port}, {dir}, {logdir} and opts filled in."""

    name = "floe"
    start_timeout = 30 if FLOE_WRAPPER else 10
    stop_timeout = 60 if FLOE_WRAPPER else 10

    def __init__(self, mounts="", config=None, **opts):
        if config is None:
            vals = dict(clients=100, sources=10, queue_size=524288, header_timeout=15,
                        source_timeout=10, burst_size=65536, source_pass=SOURCE_PASS,
                        admin_pass=ADMIN_PASS, mounts=mounts,
                        webroot=os.path.join(TOP_SRCDIR, "web"), paths_extra="",
                        limits_extra="")
            vals.update(opts)
            config, opts = CONFIG_TEMPLATE, vals
        # free_port() can race: another test (make -j4) may take the port,
        # or port + 1 of a shoutcast-compat socket, between our probe and
        # floe's bind. Only that is retried, on fresh ports.
        for attempt in range(3):
            self._setup("floe.xml", config, **opts)
            if self._start(FLOE_WRAPPER + [FLOE, "-c", self.config]):
                return
            if "Address already in use" not in self.read_log() or attempt == 2:
                break
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait(10)
        tap.bail("floe did not start listening: " + self.read_log())

    def signal(self, sig):
        self.proc.send_signal(sig)


ICECAST2 = "/usr/bin/icecast2"

# The end of an icecast2 test config: its listen-socket ({port}), Debian's
# web and admin roots, logs in {dir}/log at loglevel 4, no chroot.
ICECAST2_TAIL = """  <listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <paths><basedir>/usr/share/icecast2</basedir><logdir>{dir}/log</logdir>
    <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot>
    <pidfile>{dir}/log/icecast.pid</pidfile></paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog><loglevel>4</loglevel></logging>
  <security><chroot>0</chroot></security>
</icecast>
"""

# Debian's icecast2 2.4.4 sometimes dies of a SIGSEGV about a second after
# it starts (its stats thread creates a global node from an event whose
# value is NULL: strdup(NULL)), about when its slave thread first runs: on
# this machine, under load, up to 19 starts in 50 with connections arriving,
# and some with none. That is icecast2's bug, not what the tests are about,
# so a start counts as done only once the slave thread's first run is
# logged (at loglevel 4, which icecast2 therefore always runs at: an event,
# not a delay), and an icecast2 that died before that is started again, up
# to ICECAST2_STARTS times. Hammering connections at it for seconds after
# that point never crashed it (0 of 50 starts).
ICECAST2_LOGLEVEL = "<loglevel>4</loglevel>"
ICECAST2_SETTLED = "slave/_slave_thread checking master stream list"
ICECAST2_STARTS = 3


class Icecast2(Server):
    """Debian's icecast2 on a free port, started from config_text ({port},
    {dir}, {logdir} and fmt's names are filled in; logdir is {dir}/log). It
    refuses to run as root, so as root it runs as nobody: the config is
    readable by all and the log directory writable by all. .up says whether
    it accepts connections; if not, .skip_reason says why (not installed, or
    did not start) and the test is expected to skip what needs it. It runs
    at loglevel 4 and counts as started once its start-up is over (see
    ICECAST2_SETTLED). restart() brings it back on the same port."""

    name = "icecast2"

    @staticmethod
    def installed():
        return os.path.exists(ICECAST2)

    def __init__(self, config_text, **fmt):
        self.proc = None
        self.up = False
        self.skip_reason = None
        if not self.installed():
            self.skip_reason = "icecast2 is not installed"
            return
        config_text = re.sub(r"<loglevel>\d</loglevel>", ICECAST2_LOGLEVEL, config_text)
        self._setup("icecast.xml", config_text, **fmt)
        os.chmod(self.dir, 0o755)
        os.chmod(self.logdir, 0o777)
        os.chmod(self.config, 0o644)
        argv = [ICECAST2, "-c", self.config]
        if os.getuid() == 0:
            argv = ["runuser", "-u", "nobody", "--"] + argv
        if not self._start(argv):
            self.skip_reason = "icecast2 did not start (exit %s)" % self.proc.poll()

    def _start(self, args):
        """As Server._start, and then wait until its slave thread's first
        run is logged; started again if it died before that (see
        ICECAST2_SETTLED). .up: it runs and accepts connections."""
        for attempt in range(ICECAST2_STARTS):
            before = self.read_log().count(ICECAST2_SETTLED)
            super()._start(args)
            wait_for(lambda: self.read_log().count(ICECAST2_SETTLED) > before or
                     not self.alive(), self.start_timeout)
            self.up = self.alive() and self._port_open()
            if self.up or self.proc.poll() is None:
                break
            tap.diag("icecast2 died while starting (exit %s): starting it again"
                     % self.proc.poll())
        return self.up

    def stop(self):
        """As Server.stop, and then wait (briefly) for the port to be free:
        runuser, if killed hard, may leave icecast2 itself behind a moment,
        and a restart() needs the port."""
        if self.proc is None:
            return None
        rc = super().stop()
        wait_for(lambda: not self._port_open(), 5)
        return rc


def parse_response(raw):
    """(status, {lower-case header: value}, body) from a raw HTTP response."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    if not sep:
        return (0, {}, raw)
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        status = 0
    hdrs = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return status, hdrs, body


def stat_value(xml, mount, key):
    """A value from icestats XML: the mount's if mount is given, else global."""
    import xml.etree.ElementTree as ET
    root = ET.fromstring(xml)
    node = root
    if mount is not None:
        node = None
        for s in root.findall("source"):
            if s.get("mount") == mount:
                node = s
        if node is None:
            return None
    el = node.find(key)
    return el.text if el is not None else None

# ---------------------------------------------------------------- sources

class RawSource:
    """A source client on a raw socket: sends a request head, then whatever
    the test gives it. Lets tests know the exact bytes that were sent."""

    def __init__(self, floe, mount, content_type="audio/mpeg", method="SOURCE",
                 extra_headers=None, password=SOURCE_PASS, version="1.0"):
        self.sock = socket.create_connection(("127.0.0.1", floe.port), 5)
        h = "%s %s HTTP/%s\r\n" % (method, mount, version)
        h += "Authorization: Basic %s\r\n" % base64.b64encode(
            ("source:" + password).encode()).decode()
        if content_type:
            h += "Content-Type: %s\r\n" % content_type
        for k, v in (extra_headers or {}).items():
            h += "%s: %s\r\n" % (k, v)
        self.sock.sendall((h + "\r\n").encode())
        self.sock.settimeout(5)
        self.response = b""
        while b"\r\n\r\n" not in self.response:
            d = self.sock.recv(4096)
            if not d:
                break
            self.response += d
        self.sent = bytearray()

    def ok(self):
        return self.response.startswith(b"HTTP/1.0 200 OK\r\n\r\n") or \
            b"HTTP/1.0 200 OK\r\n\r\n" in self.response

    def send(self, data):
        self.sock.sendall(data)
        self.sent += data

    def send_paced(self, data, rate, chunk=4096):
        """Send at about `rate` bytes per second (never slower than asked)."""
        start = time.monotonic()
        for i in range(0, len(data), chunk):
            self.send(data[i:i + chunk])
            due = start + (i + chunk) / rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    def close(self):
        self.sock.close()


class Feeder:
    """Sends data through a RawSource at `rate` bytes/s from a monotonic
    clock, in a thread, until the data ends (or forever with loop=True) or
    stop() is called."""

    def __init__(self, src, data, rate, chunk=4096, loop=False):
        import threading
        self.src, self.data, self.rate, self.chunk, self.loop = src, data, rate, chunk, loop
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        start, sent = time.monotonic(), 0
        while not self.stopped.is_set():
            i = sent % len(self.data)
            if sent >= len(self.data) and not self.loop:
                return
            try:
                self.src.send(self.data[i:i + self.chunk])
            except OSError:
                return
            sent += min(self.chunk, len(self.data) - i)
            self.stopped.wait(max(0, start + sent / self.rate - time.monotonic()))

    def is_alive(self):
        return self.thread.is_alive()

    def join(self, timeout=None):
        self.thread.join(timeout)

    def stop(self):
        self.stopped.set()
        self.thread.join(10)


def LoopFeeder(src, data, rate, chunk=4096):
    """A Feeder that sends data over and over."""
    return Feeder(src, data, rate, chunk, loop=True)


def decode_errors(path):
    """What `ffmpeg -v error` says while decoding a file ('' is clean)."""
    res = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "null", "-"],
                         capture_output=True, text=True)
    return res.stderr.strip() if res.returncode == 0 else "exit %d: %s" % (res.returncode,
                                                                          res.stderr.strip())


def capture_errors(data, d, name):
    """decode_errors() of bytes, written to d/name first."""
    path = os.path.join(d, name)
    with open(path, "wb") as f:
        f.write(data)
    return decode_errors(path)


def ffmpeg_push(floe, path, mount, legacy=False, extra=None, realtime=True, loop=False):
    """ffmpeg streaming a file (copied, not re-encoded) to floe."""
    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin"]
    if realtime:
        args += ["-re"]
    if loop:
        args += ["-stream_loop", "-1"]
    args += ["-i", path, "-c", "copy", "-content_type", content_type_of(path),
             "-ice_name", "Test Stream", "-ice_genre", "Testing", "-ice_description",
             "Integration test"]
    if legacy:
        args += ["-legacy_icecast", "1"]
    fmt = {"mp3": "mp3", "aac": "adts", "opus": "ogg", "ogg": "ogg"}[path.rsplit(".", 1)[1]]
    args += (extra or []) + ["-f", fmt, "icecast://source:%s@127.0.0.1:%d%s" %
                             (SOURCE_PASS, floe.port, mount)]
    return spawn(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def content_type_of(path):
    return {"mp3": "audio/mpeg", "aac": "audio/aac", "opus": "application/ogg",
            "ogg": "application/ogg"}[path.rsplit(".", 1)[1]]


def wait_mount(floe, mount, timeout=10):
    """Wait until the mount is live (appears in /admin/stats)."""
    return wait_for(lambda: stat_value(floe.stats(), mount, "listeners") is not None, timeout)

# ---------------------------------------------------------------- listeners

class Listener:
    """A listener on a raw socket, reading into memory in a thread."""

    def __init__(self, floe, mount, icy=False, version="1.1", extra=None, start=True):
        import threading
        self.sock = socket.create_connection(("127.0.0.1", floe.port), 5)
        headers = {"Host": "127.0.0.1", "User-Agent": "floe-test"}
        if icy:
            headers["Icy-MetaData"] = "1"
        headers.update(extra or {})     # a test's own User-Agent replaces ours
        h = "GET %s HTTP/%s\r\n" % (mount, version)
        for k, v in headers.items():
            h += "%s: %s\r\n" % (k, v)
        self.sock.sendall((h + "\r\n").encode())
        self.buf = bytearray()
        self.closed = False
        self.lock = threading.Lock()
        self.paused = False
        if start:
            self.thread = threading.Thread(target=self._run, daemon=True)
            self.thread.start()

    def _run(self):
        self.sock.settimeout(None)
        while True:
            if self.paused:
                time.sleep(0.05)
                continue
            try:
                d = self.sock.recv(65536)
            except OSError:
                d = b""
            if not d:
                self.closed = True
                return
            with self.lock:
                self.buf += d

    def head(self):
        """(status, headers) once the response head has arrived."""
        wait_for(lambda: b"\r\n\r\n" in self.buf or self.closed, 10)
        st, hd, _ = parse_response(bytes(self.buf))
        return st, hd

    def body(self):
        with self.lock:
            data = bytes(self.buf)
        return data.partition(b"\r\n\r\n")[2]

    def wait_bytes(self, n, timeout=20):
        return wait_for(lambda: len(self.body()) >= n or self.closed, timeout)

    def close(self):
        """Leave: shut the socket down so the reader thread's recv returns
        and the server sees the listener go."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass


def icy_split(data, metaint):
    """Split an ICY stream into (audio bytes, [metadata block texts], error).
    One text per metadata boundary, "" for an empty (0-length) block. Every
    block must have a sane length and, if non-empty, hold a StreamTitle:
    that is what "the framing parses end to end" means."""
    audio = bytearray()
    metas = []
    pos = 0
    while pos < len(data):
        audio += data[pos:pos + metaint]
        pos += metaint
        if pos >= len(data):
            break
        n = data[pos] * 16
        pos += 1
        if pos + n > len(data):
            break   # the capture ended inside this block
        block = data[pos:pos + n]
        pos += n
        text = block.rstrip(b"\0")
        if n and (not text.startswith(b"StreamTitle='") or b"\0" in text):
            return bytes(audio), metas, "bad metadata block at %d: %r" % (pos - n, block[:80])
        metas.append(text.decode("utf-8", "replace"))
    return bytes(audio), metas, None


def stream_title(meta_text):
    """The StreamTitle value of a metadata text."""
    t = meta_text[len("StreamTitle='"):]
    return t[:t.find("';")] if "';" in t else t


def contiguous_in(needle, haystack):
    """Is needle a contiguous run of haystack? (for 'exactly the source's bytes')"""
    if not needle:
        return False
    i = haystack.find(needle[:4096])
    return i >= 0 and haystack[i:i + len(needle)] == needle
