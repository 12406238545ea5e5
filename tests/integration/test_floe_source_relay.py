#!/usr/bin/env python3
"""Relayed remote streams as playlist entries: a real floe serves a mount
fed by ffmpeg (a tone at B Hz, its title set through /admin/metadata);
floe-source plays [tone A (2 s), that mount's http:// URL with
#EXTFLOE:cue-out=4, tone A] to another mount of the same floe, and a
listener of that mount records. The capture goes A -> B -> A (told apart
by frequency, Goertzel in pure Python), B lasting the cue-out's 4 s; the
relayed entry's title is the remote's own (its StreamTitle), the URL's
password shows nowhere. A playlist whose URL points at a closed port skips
it like an unreadable file and goes on (A -> C, floe-source exits 0). With
a 1 s crossfade the joins fade (A's tail over the relay's connecting). A
remote that sends 3 s and then stalls (a small HTTP server here) is filled
with silence, logged, and ended after 10 s; one that sends 3 s and closes
ends at once; both titled by their icy-name; the playlist goes on. A
remote whose title changes while it plays gives the on-track hook and the
history each title.
"""
import math
import os
import socket
import threading
import time

from floe_source_lib import ANALYSIS_RATE, Source, decode_errors, pcm, tone, write
from floelib import (Floe, Listener, ffmpeg_push, free_port, icy_split, mp3_whole, stat_value,
                     stream_title, tap, tmpdir, wait_for, wait_mount)

A, B, C = 440.0, 1000.0, 660.0
WINDOW = 0.1        # seconds per analysed window

d = tmpdir()
# A large burst: a listener that joins a moment after the stream starts
# still gets its first seconds.
floe = Floe(burst_size=262144)
remote = ffmpeg_push(floe, tone(os.path.join(d, "b.mp3"), B, 10), "/remote.mp3", loop=True)
tap.ok(wait_mount(floe, "/remote.mp3", 20), "ffmpeg feeds the remote mount")
st, _, body = floe.metadata("/remote.mp3", song="Remote Show B")
tap.is_eq(st, 200, "its title set through /admin/metadata")


def goertzel(w, f):
    """Power of frequency f in the window w (a list of samples)."""
    k = 2.0 * math.cos(2.0 * math.pi * f / ANALYSIS_RATE)
    s1 = s2 = 0.0
    for x in w:
        s1, s2 = x + k * s1 - s2, s1
    return s1 * s1 + s2 * s2 - k * s1 * s2


def silence_between(samples, first, then, freqs):
    """Seconds of windows dominated by none of freqs between the end of
    the first run of `first` and the start of `then` (the dead air while a
    relay connects)."""
    n = int(WINDOW * ANALYSIS_RATE)
    labels = []
    for i in range(0, len(samples) - n + 1, n):
        w = samples[i:i + n]
        energy = sum(x * x for x in w) * n / 2.0
        powers = {name: goertzel(w, f) for name, f in freqs.items()}
        best = max(powers, key=powers.get)
        labels.append(best if energy >= 1e3 and powers[best] > 0.5 * energy else None)
    try:
        start = labels.index(first)
        end = labels.index(then, start)
    except ValueError:
        return None
    return sum(1 for lab in labels[start:end] if lab is None) * WINDOW


def runs(samples, freqs):
    """[(name, seconds)] of the runs of windows dominated by one of freqs
    (name: the frequency's label), windows dominated by none left out,
    runs shorter than 0.3 s dropped, neighbours then merged."""
    n = int(WINDOW * ANALYSIS_RATE)
    labels = []
    for i in range(0, len(samples) - n + 1, n):
        w = samples[i:i + n]
        energy = sum(x * x for x in w) * n / 2.0     # a full-scale tone's Goertzel power
        if energy < 1e3:
            labels.append(None)
            continue
        powers = {name: goertzel(w, f) for name, f in freqs.items()}
        best = max(powers, key=powers.get)
        labels.append(best if powers[best] > 0.5 * energy else None)
    out = []
    for lab in labels:
        if out and out[-1][0] == lab:
            out[-1][1] += WINDOW
        else:
            out.append([lab, WINDOW])
    merged = []
    for lab, secs in out:
        if lab is None or secs < 0.3:
            continue
        if merged and merged[-1][0] == lab:
            merged[-1][1] += secs
        else:
            merged.append([lab, secs])
    return [(lab, round(secs, 1)) for lab, secs in merged]


def record(playlist, mount, name, extra=()):
    """Run floe-source --once on playlist to mount; a listener records it
    whole. (floe-source, ICY titles in order, decoded samples)."""
    src = Source(["--playlist", playlist, "--once", "--url",
                  "http://source:hackme@127.0.0.1:%d%s" % (floe.port, mount)] + list(extra),
                 name=name)
    if not wait_mount(floe, mount, 20):
        return src, [], []
    lst = Listener(floe, mount, icy=True)
    wait_for(lambda: not src.alive(), 60)
    wait_for(lambda: lst.closed, 20)
    lst.close()
    audio, metas, _ = icy_split(lst.body(), 16000)
    titles = []
    for m in metas:
        t = stream_title(m) if m else None
        if t and (not titles or titles[-1] != t):
            titles.append(t)
    path = os.path.join(d, name + ".mp3")
    with open(path, "wb") as f:
        f.write(mp3_whole(audio))
    return src, titles, pcm(path)


# ---- A, the remote mount (cue-out 4 s), A
tone(os.path.join(d, "a.mp3"), A, 2, "Local", "Tone A")
tone(os.path.join(d, "a2.mp3"), A, 2, "Local", "Tone A again")
url = "http://listener:s3cr3t@127.0.0.1:%d/remote.mp3" % floe.port
pl = write(os.path.join(d, "show.m3u"), "a.mp3\n#EXTFLOE:cue-out=4\n%s\na2.mp3\n" % url)
src, titles, samples = record(pl, "/relay.mp3", "relay")
seq = runs(samples, {"A": A, "B": B})
tap.is_eq([lab for lab, _ in seq], ["A", "B", "A"],
          "the capture goes A -> B -> A (%s)" % seq)
gap = silence_between(samples, "A", "B", {"A": A, "B": B})
tap.diag("silence while the relay connected (to a floe on this host): %.1f s" % gap)
b_secs = sum(secs for lab, secs in seq if lab == "B")
tap.ok(3.3 <= b_secs <= 4.7, "the relayed entry lasts its cue-out of 4 s (%.1f s)" % b_secs, seq)
tap.is_eq(src.proc.returncode, 0, "floe-source ends with the playlist (exit 0)")
tap.is_eq(titles, ["Local - Tone A", "Remote Show B", "Local - Tone A again"],
          "the relayed entry's title is the remote's StreamTitle")
log = src.log()
tap.ok("s3cr3t" not in log and "playing: Remote Show B (http://127.0.0.1:%d/remote.mp3; "
       "libavcodec mp3" % floe.port in log,
       "logged with its decoder, the URL without its password", log)
tap.ok("cue-out reached" in log, "the cue-out ended it", log)

# ---- the same with a 1 s crossfade: A's tail fades out while the relay
# connects, the relay fades in, and out under the last A
pl = write(os.path.join(d, "xfade.m3u"), "a.mp3\n#EXTFLOE:cue-out=4\n%s\na2.mp3\n" % url)
src, titles, samples = record(pl, "/relay4.mp3", "xfade", ["--crossfade", "1"])
seq = runs(samples, {"A": A, "B": B})
with open(os.path.join(d, "xfade.mp3"), "rb") as f:
    errs = decode_errors(f.read(), d, "xfade-check.mp3")
tap.ok([lab for lab, _ in seq] == ["A", "B", "A"] and errs == "" and
       2.0 <= sum(secs for lab, secs in seq if lab == "B") <= 4.2,
       "with a crossfade: A -> B -> A too, decoding cleanly (%s)" % seq, errs or src.log())

# ---- a remote that is down is skipped, and the playlist goes on
tone(os.path.join(d, "c.mp3"), C, 2, "Local", "Tone C")
dead = free_port()
pl = write(os.path.join(d, "dead.m3u"),
           "a.mp3\n#EXTINF:-1,Down Show\nhttp://127.0.0.1:%d/gone.mp3\nc.mp3\n" % dead)
src, titles, samples = record(pl, "/relay2.mp3", "dead")
seq = runs(samples, {"A": A, "C": C})
tap.is_eq([lab for lab, _ in seq], ["A", "C"], "an unreachable URL is skipped: A -> C (%s)" % seq)
log = src.log()
tap.ok(src.proc.returncode == 0 and "Connection refused" in log and
       "no audio in this stream; skipped" in log,
       "logged as refused and skipped; floe-source goes on to the end (exit 0)", log)
tap.ok("Down Show" not in titles, "the skipped entry's title never reaches listeners", titles)
tap.ok(wait_for(lambda: stat_value(floe.stats(), "/remote.mp3", "listeners") == "0", 20),
       "the relay left the remote mount when its entry ended (0 listeners there)",
       stat_value(floe.stats(), "/remote.mp3", "listeners"))

# ---- a remote that stalls, and one that ends (a tiny HTTP server)
with open(tone(os.path.join(d, "b3.mp3"), B, 3), "rb") as f:
    b3 = f.read()
stop = threading.Event()
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(8)


def serve(conn):
    """Answer like an ICY server: 3 s of MP3 at once; then hold the
    connection open without sending (/stall) or close it (/end)."""
    req = b""
    while b"\r\n\r\n" not in req:
        chunk = conn.recv(4096)
        if not chunk:
            return
        req += chunk
    stall = req.startswith(b"GET /stall")
    conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\nicy-name: %s\r\n\r\n"
                 % (b"Stalling Station" if stall else b"Ending Station") + b3)
    if stall:
        stop.wait(120)
    conn.close()


def accept_loop():
    while not stop.is_set():
        try:
            conn, _ = srv.accept()
        except OSError:
            return
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


threading.Thread(target=accept_loop, daemon=True).start()
port = srv.getsockname()[1]
pl = write(os.path.join(d, "flaky.m3u"), "a.mp3\nhttp://127.0.0.1:%d/stall\n"
           "http://127.0.0.1:%d/end\nc.mp3\n" % (port, port))
t0 = time.monotonic()
src, titles, samples = record(pl, "/relay3.mp3", "flaky")
seq = runs(samples, {"A": A, "B": B, "C": C})
labels = [lab for lab, _ in seq]
log = src.log()
tap.ok(labels in (["A", "B", "C"], ["A", "B", "B", "C"]) and
       5.0 <= sum(secs for lab, secs in seq if lab == "B") <= 6.8,
       "A, the 3 s of each remote, then C (%s)" % seq, log)
tap.ok("/stall: the remote stream is late: filling with silence" in log and
       ("/stall: nothing from the remote stream for 10 s; ending it here" in log or
        "/stall: stalled: nothing from it for 10 s; ending it here" in log),
       "the stalled remote is filled with silence, then ended after 10 s", log)
tap.ok("/end: the remote stream ended" in log and src.proc.returncode == 0,
       "the remote that closes ends its entry at once; the playlist goes on (exit 0)", log)
tap.is_eq(titles, ["Local - Tone A", "Stalling Station", "Ending Station", "Local - Tone C"],
          "without #EXTINF or StreamTitle, each is titled by its icy-name")
stop.set()
srv.close()

# ---- the remote's title changes while it plays: the history and the on-track
# hook get each title, as for a track of floe-source's own.
seen = os.path.join(d, "seen.txt")
hook = write(os.path.join(d, "seen.sh"),
             "#!/bin/sh\nprintf '%%s\\n' \"$FLOE_TITLE\" >> %s\n" % seen)
os.chmod(hook, 0o755)
pl = write(os.path.join(d, "long.m3u"), "#EXTFLOE:cue-out=600\n%s\n" % url)
src = Source(["--playlist", pl, "--once", "--on-track", hook, "--url",
              "http://source:hackme@127.0.0.1:%d/relay4.mp3" % floe.port], name="retitle")


def hooked():
    try:
        with open(seen) as f:
            return f.read().splitlines()
    except OSError:
        return []


tap.ok(wait_for(lambda: "Remote Show B" in hooked(), 30),
       "the on-track hook gets the relayed stream's title", src.log()[-600:])
floe.metadata("/remote.mp3", song="Remote Show B2")
tap.ok(wait_for(lambda: "Remote Show B2" in hooked(), 30),
       "and its next title when the remote's changes", src.log()[-600:])
_, out = src.ctl("history")
tap.ok("Remote Show B2" in out and out.count("Remote Show B") >= 2,
       "both are in the history", out)
src.stop()
remote.terminate()
remote.wait(10)
tap.is_eq(floe.stop(), 0, "floe exits cleanly")
