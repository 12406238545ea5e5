"""floe_source_lib: helpers for floe-source's integration tests.

floe-source runs as the real binary against the real floe (floelib.Floe)
and Debian's icecast2 (floelib.Icecast2, started by icecast2() below). Test
audio is generated with ffmpeg: tones of distinct frequencies, so that which
track is heard at a given moment of a capture can be told from the decoded
audio (zero crossings), and tags, so that titles can be checked.
"""
import array
import os
import subprocess

from floelib import (FLOE, TOP_SRCDIR, Icecast2, capture_errors, icy_split, spawn,
                     stream_title, tmpdir, wait_for)

FLOE_SOURCE = os.environ.get("FLOE_SOURCE") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(FLOE))), "source-client", "floe-source")
if not os.path.exists(FLOE_SOURCE):
    FLOE_SOURCE = os.path.join(TOP_SRCDIR, "source-client", "floe-source")
if not os.path.exists(FLOE_SOURCE):
    # ./configure --disable-source-client: nothing of floe-source to test.
    # The whole file is skipped: this plan is the only one (floelib's own,
    # printed at exit, must not follow it; nothing has been started yet).
    print("1..0 # SKIP floe-source is not built (./configure --disable-source-client)",
          flush=True)
    os._exit(0)

# Decoded audio is analysed at this rate, mono: plenty for tones up to 2 kHz
# and quick to handle in pure Python.
ANALYSIS_RATE = 11025

# ---------------------------------------------------------------- media


def tone(path, freq, seconds, artist=None, title=None, lead=0.0, trail=0.0, rate=44100,
         channels=2, extra=None):
    """A sine tone file (format from the extension), optionally tagged and
    with leading/trailing silence."""
    if path.endswith(".opus"):
        rate = 48000    # Opus runs at 48 kHz only
    src = "sine=frequency=%g:duration=%g:sample_rate=%d" % (freq, seconds, rate)
    filt = []
    if lead:
        filt.append("adelay=%d:all=1" % int(lead * 1000))
    if trail:
        filt.append("apad=pad_dur=%g" % trail)
    args = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i", src]
    if filt:
        args += ["-af", ",".join(filt)]
    args += ["-ac", str(channels), "-ar", str(rate)]
    ext = path.rsplit(".", 1)[1]
    args += {"mp3": ["-c:a", "libmp3lame", "-b:a", "128k", "-id3v2_version", "3"],
             "flac": ["-c:a", "flac"], "wav": ["-c:a", "pcm_s16le"],
             "ogg": ["-c:a", "libvorbis", "-q:a", "4"], "opus": ["-c:a", "libopus"]}[ext]
    if artist:
        args += ["-metadata", "artist=" + artist]
    if title:
        args += ["-metadata", "title=" + title]
    subprocess.run(args + (extra or []) + [path], check=True)
    return path


def write(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


# ---------------------------------------------------------------- floe-source

class Source:
    """A running floe-source with its own control socket and log."""

    def __init__(self, args, stdin_text=None, name="fs", cwd=None, control=True, env=None):
        self.dir = tmpdir()
        self.sock = os.path.join(self.dir, name + ".sock")
        self.logpath = os.path.join(self.dir, name + ".log")
        self.out = open(self.logpath, "w")
        argv = [FLOE_SOURCE] + list(args)
        if control and "--control" not in args and "-c" not in args:
            argv += ["--control", self.sock]
        if stdin_text is not None:
            self.proc = spawn(argv, stdin=subprocess.PIPE, stdout=self.out,
                              stderr=subprocess.STDOUT, cwd=cwd, env=env)
            self.proc.stdin.write(stdin_text.encode())
            self.proc.stdin.close()
        else:
            self.proc = spawn(argv, stdout=self.out, stderr=subprocess.STDOUT, cwd=cwd, env=env)

    def log(self):
        with open(self.logpath, errors="replace") as f:
            return f.read()

    def wait_log(self, text, timeout=20):
        return wait_for(lambda: text in self.log(), timeout)

    def ctl(self, *cmd):
        """(exit status, output) of `floe-source ctl --socket S cmd...`."""
        r = subprocess.run([FLOE_SOURCE, "ctl", "--socket", self.sock] + list(cmd),
                           capture_output=True, text=True, timeout=15)
        return r.returncode, r.stdout + r.stderr

    def signal(self, sig):
        self.proc.send_signal(sig)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                return self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                return -9
        return self.proc.returncode


def run_source(args, timeout=30, stdin_text=None):
    """Run floe-source to completion: (exit status or None on timeout, output)."""
    try:
        r = subprocess.run([FLOE_SOURCE] + list(args), capture_output=True, text=True,
                           timeout=timeout, input=stdin_text)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"")
        return None, out.decode(errors="replace") if isinstance(out, bytes) else out
    return r.returncode, r.stdout + r.stderr


# ---------------------------------------------------------------- icecast2

ICECAST_CONFIG = """<icecast>
  <location>Test</location><admin>test@localhost</admin><hostname>127.0.0.1</hostname>
  <limits><clients>100</clients><sources>10</sources><queue-size>524288</queue-size>
    <client-timeout>30</client-timeout><header-timeout>15</header-timeout>
    <source-timeout>10</source-timeout><burst-on-connect>1</burst-on-connect>
    <burst-size>65535</burst-size></limits>
  <authentication><source-password>hackme</source-password>
    <relay-password>hackme</relay-password><admin-user>admin</admin-user>
    <admin-password>hackme</admin-password></authentication>
  <listen-socket><port>{port}</port><bind-address>127.0.0.1</bind-address></listen-socket>
  <fileserve>1</fileserve>
  <paths><basedir>/usr/share/icecast2</basedir><logdir>{logdir}</logdir>
    <webroot>/usr/share/icecast2/web</webroot><adminroot>/usr/share/icecast2/admin</adminroot>
    <pidfile>{logdir}/icecast.pid</pidfile></paths>
  <logging><accesslog>access.log</accesslog><errorlog>error.log</errorlog>
    <loglevel>3</loglevel></logging>
  <security><chroot>0</chroot></security>
</icecast>
"""


def icecast2():
    """Debian's icecast2 on a free port with ICECAST_CONFIG (floelib.Icecast2:
    .up, or .skip_reason saying why not; restart() to bring it back)."""
    return Icecast2(ICECAST_CONFIG)


# ---------------------------------------------------------------- audio checks

def decode_errors(data, d, name):
    """ffmpeg's complaints decoding data (empty string: clean)."""
    return capture_errors(data, d, name)


def probe(path):
    """(codec, sample rate, channels, duration) by ffprobe."""
    r = subprocess.run(["ffprobe", "-v", "error", "-show_entries",
                        "stream=codec_name,sample_rate,channels:format=duration",
                        "-of", "default=nw=1", path], capture_output=True, text=True)
    info = dict(line.split("=", 1) for line in r.stdout.split() if "=" in line)
    try:
        dur = float(info.get("duration", "nan"))
    except ValueError:
        dur = float("nan")
    return info.get("codec_name"), info.get("sample_rate"), info.get("channels"), dur


def adts_whole(data):
    """The longest run of whole ADTS frames from the start (a capture ends
    wherever the listener stopped, usually inside a frame)."""
    i = 0
    while i + 7 <= len(data):
        if data[i] != 0xFF or (data[i + 1] & 0xF6) != 0xF0:
            break
        n = ((data[i + 3] & 3) << 11) | (data[i + 4] << 3) | (data[i + 5] >> 5)
        if n < 7 or i + n > len(data):
            break
        i += n
    return data[:i]


def pcm(path):
    """Decoded mono samples (ints) at ANALYSIS_RATE."""
    r = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-ac", "1", "-ar",
                        str(ANALYSIS_RATE), "-f", "s16le", "-"], capture_output=True)
    a = array.array("h")
    a.frombytes(r.stdout[:len(r.stdout) // 2 * 2])
    return a


def window_levels(samples, ms=20):
    """RMS level (0..1) of each `ms` window."""
    n = ANALYSIS_RATE * ms // 1000
    out = []
    for i in range(0, len(samples) - n + 1, n):
        w = samples[i:i + n]
        out.append((sum(v * v for v in w) / n) ** 0.5 / 32768.0)
    return out


def frequency(samples, start, seconds=0.2):
    """Estimated frequency (Hz, by zero crossings) around second `start`."""
    a = int(start * ANALYSIS_RATE)
    b = a + int(seconds * ANALYSIS_RATE)
    w = samples[max(0, a):max(0, b)]
    if len(w) < 2:
        return 0.0
    crossings = sum(1 for i in range(1, len(w)) if (w[i - 1] < 0) != (w[i] < 0))
    return crossings / 2.0 / (len(w) / ANALYSIS_RATE)


def nearest(f, choices):
    return min(choices, key=lambda c: abs(c - f))


def icy_changes(data, metaint):
    """[(audio byte offset, title)] for every metadata block with a title,
    plus the audio; (audio, changes, error)."""
    audio, metas, err = icy_split(data, metaint)
    changes = [((i + 1) * metaint, stream_title(m)) for i, m in enumerate(metas) if m]
    return audio, changes, err
