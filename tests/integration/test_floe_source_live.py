#!/usr/bin/env python3
"""floe-source takes a live DJ (issue 16): the real floe, the real floe-source
playing a looping 440 Hz playlist to it with --live-listen, one curl listener
(Icy-MetaData: 1) connected before the DJ comes and kept to the end, and
ffmpeg as the DJ pushing 1000 Hz MP3 to floe-source as to an Icecast server.

- Refused as icecast2 refuses: a wrong password 401 (with WWW-Authenticate),
  garbage 400, a second DJ while one is on 403 "Mountpoint in use".
- The DJ on: the listener's title becomes the DJ's ice-name, then the title
  set by GET /admin/metadata on floe-source; the DJ stops: the playlist's
  title comes back, and its track resumes where it was (not restarted: no
  new "playing:" line, and its position moved by far less than the DJ's set).
- A DJ sending silence (anullsrc) is taken off the air after --live-silence.
- The listener's capture, ICY blocks stripped, decodes without an error, and
  its frequency over time goes 440 -> 1000 -> 440; its titles go playlist ->
  DJ -> playlist. Hooks on-live-connect/-disconnect ran with the DJ's name
  and address. A live-listen without a password is refused, naming the line.
- Ogg Vorbis and AAC DJs (ffmpeg): on the air, the Vorbis one titled from its
  comments, and gone again.
- Liquidsoap as the DJ (PUT with Expect, a chunked body, a title request per
  track): both its titles reach a listener, and the playlist comes back.
"""
import os
import re
import socket
import stat
import subprocess
import time

from floe_source_lib import (Source, decode_errors, frequency, icy_changes, nearest, pcm,
                             run_source, tone, window_levels, write)
from floelib import (Floe, Listener, free_port, have, icy_split, read_text, spawn, stream_title,
                     tap, tmpdir, wait_for, wait_mount)

A, B = 440, 1000
MOUNT = "/station.mp3"
PW = "djsecret"

d = tmpdir()
tone(os.path.join(d, "a.mp3"), A, 40, "Playlist", "Tone A")
playlist = write(os.path.join(d, "list.m3u"), "a.mp3\n")
events = os.path.join(d, "events.txt")
hook = write(os.path.join(d, "hook.sh"),
             "#!/bin/sh\necho \"$FLOE_EVENT|$FLOE_LIVE_NAME|$FLOE_LIVE_ADDR\" >> %s\n" % events)
os.chmod(hook, stat.S_IRWXU)

# ---- a live-listen without a password is refused, naming where it was set
conf = write(os.path.join(d, "nopw.conf"), "playlist = list.m3u\n# the DJ\n"
             "live-listen = 127.0.0.1:9\n[output a]\nfile = x.mp3\n")
st, out = run_source(["-c", conf, "--check-config"])
tap.ok(st == 1 and "nopw.conf line 3: live-listen needs a live-password" in out,
       "live-listen without live-password: refused, naming the file and line", out)

floe = Floe()
lport = free_port()
aport = free_port()
src = Source(["--playlist", playlist, "--api-listen", "127.0.0.1:%d" % aport, "--url",
              "http://source:hackme@127.0.0.1:%d%s" % (floe.port, MOUNT),
              "--live-listen", "127.0.0.1:%d" % lport, "--live-password", PW,
              "--live-crossfade", "1", "--live-silence", "3",
              "--on-live-connect", hook, "--on-live-disconnect", hook], cwd=d)
tap.ok(wait_mount(floe, MOUNT, 30) and src.wait_log("live: DJs may connect", 10),
       "floe-source streams the playlist and listens for DJs", src.log()[-800:])

# ---- one listener for the whole test
cap, hdr = os.path.join(d, "capture.bin"), os.path.join(d, "headers.txt")
curl = spawn(["curl", "-s", "-N", "-H", "Icy-MetaData: 1", "-D", hdr, "-o", cap,
              "http://127.0.0.1:%d%s" % (floe.port, MOUNT)])
tap.ok(wait_for(lambda: "icy-metaint" in read_text(hdr).lower(), 15), "curl listens, with ICY")
metaint = int(re.search(r"icy-metaint:\s*(\d+)", read_text(hdr), re.I).group(1))


def captured():
    try:
        with open(cap, "rb") as f:
            return f.read()
    except OSError:
        return b""


def titles():
    """The listener's titles so far, repeats collapsed."""
    out = []
    for _, t in icy_changes(captured(), metaint)[1]:
        if not out or out[-1] != t:
            out.append(t)
    return out


def title_is(t):
    ts = titles()
    return bool(ts) and ts[-1] == t


def raw(req, timeout=10):
    """Send a request to floe-source's live socket; its whole answer."""
    s = socket.create_connection(("127.0.0.1", lport), 5)
    s.settimeout(timeout)
    s.sendall(req)
    data = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    except OSError:
        pass
    s.close()
    return data


def basic(user, pw):
    import base64
    return base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()


def metadata(song, pw=PW):
    from urllib.parse import quote
    return raw(("GET /admin/metadata?mode=updinfo&mount=/live&song=%s HTTP/1.0\r\n"
                "Authorization: Basic %s\r\n\r\n" % (quote(song), basic("source", pw))).encode())


def dj(freq=None, name="DJ Test"):
    src_ = "sine=frequency=%d" % freq if freq else "anullsrc=r=44100:cl=stereo"
    return spawn(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-f",
                  "lavfi", "-i", src_, "-ac", "2", "-c:a", "libmp3lame", "-b:a", "128k",
                  "-content_type", "audio/mpeg", "-ice_name", name, "-f", "mp3",
                  "icecast://source:%s@127.0.0.1:%d/live" % (PW, lport)],
                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def position():
    """Seconds into the current track, from `ctl now` (m:ss)."""
    _, out = src.ctl("now")
    m = re.search(r"at (\d+):(\d\d)", out)
    return int(m.group(1)) * 60 + int(m.group(2)) if m else None


tap.ok(wait_for(lambda: title_is("Playlist - Tone A"), 30), "the listener sees the playlist's "
       "title", titles())

# ---- refusals
r = raw(b"SOURCE /live HTTP/1.0\r\nAuthorization: Basic %s\r\n"
        b"Content-Type: audio/mpeg\r\n\r\n" % basic("source", "wrong").encode())
tap.ok(r.startswith(b"HTTP/1.0 401 ") and b"WWW-Authenticate: Basic" in r,
       "a wrong password: 401 with WWW-Authenticate", r[:200])
r = raw(b"\x16\x03\x01garbage\r\n\r\n")
tap.ok(r.startswith(b"HTTP/1.0 400 "), "garbage: 400", r[:200])
r = metadata("nobody on")
tap.ok(b"400" in r.split(b"\r\n")[0] and b"Source does not exist" in r,
       "a title with no DJ connected: 400 Source does not exist", r[:200])

# ---- the DJ
pos_before = position()
t_before = time.monotonic()
dj1 = dj(B)
tap.ok(src.wait_log("live: DJ connected from 127.0.0.1 (ice-name DJ Test", 30),
       "floe-source logs the DJ connecting", src.log()[-600:])
tap.ok(wait_for(lambda: title_is("DJ Test"), 30),
       "the listener's title becomes the DJ's ice-name", titles())
tap.ok(wait_for(lambda: "ON THE AIR" in src.ctl("status")[1], 20) and
       "live: DJ DJ Test from 127.0.0.1" in src.ctl("status")[1],
       "ctl status: the DJ is on the air", src.ctl("status")[1])
r = raw(b"PUT /live HTTP/1.1\r\nAuthorization: Basic %s\r\nContent-Type: audio/mpeg\r\n"
        b"Expect: 100-continue\r\n\r\n" % basic("source", PW).encode())
tap.ok(r.startswith(b"HTTP/1.0 403 ") and b"Mountpoint in use" in r,
       "a second DJ while one is on: 403 Mountpoint in use", r[:200])
r = metadata("DJ Test - Live Set")
tap.ok(r.startswith(b"HTTP/1.0 200 OK") and b"Metadata update successful" in r,
       "GET /admin/metadata on floe-source: 200, icecast2's answer", r[:300])
tap.ok(wait_for(lambda: title_is("DJ Test - Live Set"), 30),
       "the listener's title becomes the DJ's", titles())


def api_now():
    import json
    import urllib.request
    with urllib.request.urlopen("http://127.0.0.1:%d/api/now" % aport, timeout=10) as r:
        return json.load(r)


now = api_now()
tap.ok((now.get("live") or {}).get("title") == "DJ Test - Live Set" and
       now.get("title") == "Playlist - Tone A",
       "GET /api/now: the DJ on the air, over the paused track", now)
n = len(captured())
tap.ok(wait_for(lambda: len(captured()) >= n + 16000 * 5, 30), "5 s more of the DJ heard")
dj1.terminate()
dj1.wait(10)
tap.ok(src.wait_log("live: DJ left after", 30), "the DJ leaves: logged", src.log()[-600:])
tap.ok(wait_for(lambda: title_is("Playlist - Tone A"), 30),
       "the playlist's title comes back", titles())
tap.ok(wait_for(lambda: api_now().get("live", 0) is None, 30),
       "GET /api/now: no DJ on the air any more", api_now())
on_air = time.monotonic() - t_before
pos_after = position()
tap.ok(src.log().count("playing: ") == 1,
       "the interrupted track was not restarted nor skipped (one 'playing:' line)",
       src.log()[-800:])
tap.ok(pos_before is not None and pos_after is not None and
       pos_after - pos_before <= on_air - 3,
       "it resumed where it stopped: %s s -> %s s while %.1f s passed" %
       (pos_before, pos_after, on_air))
n = len(captured())
tap.ok(wait_for(lambda: len(captured()) >= n + 16000 * 3, 30), "3 s more of the playlist heard")

# ---- a silent DJ goes off the air after --live-silence
dj2 = dj(None, "Quiet DJ")
tap.ok(wait_for(lambda: title_is("Quiet DJ"), 30), "a silent DJ comes on (its title)", titles())
tap.ok(src.wait_log("live: silent 3 s, back to the playlist", 30),
       "silent 3 s: back to the playlist, logged", src.log()[-600:])
tap.ok(wait_for(lambda: title_is("Playlist - Tone A"), 30),
       "the playlist's title is back while the silent DJ stays connected", titles())
n = len(captured())
wait_for(lambda: len(captured()) >= n + 16000 * 2, 30)
dj2.terminate()
dj2.wait(10)
tap.ok(src.wait_log("ice-name Quiet DJ", 5) and wait_for(
    lambda: read_text(events).count("live-disconnect") == 2, 20),
    "both DJs' disconnects ran the hook")
curl.terminate()
curl.wait(10)

# ---- what the listener got
audio, changes, err = icy_changes(captured(), metaint)
tap.ok(err is None, "the ICY framing parses end to end in one connection", err)
tap.is_eq(titles(), ["Playlist - Tone A", "DJ Test", "DJ Test - Live Set", "Playlist - Tone A",
                     "Quiet DJ", "Playlist - Tone A"], "titles: playlist -> DJ -> playlist")
audio = bytes(audio)
tap.is_eq(decode_errors(audio, d, "listener.mp3"), "", "the capture decodes without an error")
samples = pcm(os.path.join(d, "listener.mp3"))
levels = window_levels(samples, 250)
labels = []
for i, lv in enumerate(levels):
    lab = "-" if lv < 0.01 else ("A" if nearest(frequency(samples, i * 0.25, 0.25), (A, B)) == A
                                 else "B")
    labels.append(lab)
runs = []
for lab in labels:     # runs of at least 1 s (4 windows); fades are shorter
    if runs and runs[-1][0] == lab:
        runs[-1][1] += 1
    else:
        runs.append([lab, 1])
seq = [lab for lab, k in runs if k >= 4]
seq = [lab for i, lab in enumerate(seq) if i == 0 or seq[i - 1] != lab]
tap.is_eq(seq[:5], ["A", "B", "A", "-", "A"],
          "by frequency: 440 Hz, the DJ's 1000 Hz, 440 Hz, the silent DJ, 440 Hz")
b_secs = sum(k for lab, k in runs if lab == "B") * 0.25
tap.ok(b_secs >= 4, "the DJ was on the air for %.1f s of the capture" % b_secs)

ev = read_text(events).splitlines()
tap.ok("live-connect|DJ Test|127.0.0.1" in ev and "live-disconnect|DJ Test|127.0.0.1" in ev,
       "on-live-connect / on-live-disconnect ran with FLOE_LIVE_NAME and FLOE_LIVE_ADDR", ev)
# ---- Liquidsoap as the DJ: PUT, chunked, titles by /admin/metadata per track
if not have("liquidsoap"):
    tap.skip("Liquidsoap as a DJ", "liquidsoap is not installed")
else:
    songs = []
    for i, (f, t) in enumerate(((660, "First Song"), (880, "Second Song"))):
        songs.append(tone(os.path.join(d, "liq%d.mp3" % i), f, 3, "Liq DJ", t))
    liq_list = write(os.path.join(d, "liq.m3u"), "\n".join(songs) + "\n")
    script = write(os.path.join(d, "dj.liq"), """settings.init.allow_root.set(true)
settings.log.stdout.set(true)
s = playlist(mode="normal", reload_mode="never", "%s")
output.icecast(%%mp3(bitrate=128), host="127.0.0.1", port=%d, user="source", password="%s",
               mount="/live", name="Liq DJ", method="put", chunked=true, fallible=true, s)
""" % (liq_list, lport, PW))
    l2 = Listener(floe, MOUNT, icy=True)
    liq = spawn(["liquidsoap", script], stdout=open(os.path.join(d, "liq.log"), "w"),
                stderr=subprocess.STDOUT)

    def l2_titles():
        return [stream_title(m) for m in icy_split(l2.body(), metaint)[1] if m]

    tap.ok(wait_for(lambda: "Liq DJ - Second Song" in l2_titles(), 60),
           "Liquidsoap (PUT, chunked) as a DJ: its tracks' titles reach the listener",
           (l2_titles(), src.log()[-800:], read_text(os.path.join(d, "liq.log"))[-800:]))
    tap.ok("Liq DJ - First Song" in l2_titles(), "... both of them", l2_titles())
    liq.terminate()
    liq.wait(15)
    tap.ok(wait_for(lambda: l2_titles()[-1:] == ["Playlist - Tone A"], 30),
           "Liquidsoap stops: the playlist is back", l2_titles())
    body = l2.body()
    l2.close()
    tap.is_eq(decode_errors(bytes(icy_split(body, metaint)[0]), d, "l2.mp3"), "",
              "that listener's capture decodes without an error")

# ---- Ogg Vorbis (its title from the stream's comments) and AAC DJs
l3 = Listener(floe, MOUNT, icy=True)


def l3_titles():
    return [stream_title(m) for m in icy_split(l3.body(), metaint)[1] if m]


for fmt, args, want in (
        ("ogg", ["-c:a", "libvorbis", "-content_type", "application/ogg", "-metadata",
                 "artist=Ogg DJ", "-metadata", "title=Vorbis Set", "-f", "ogg"],
         "Ogg DJ - Vorbis Set"),
        ("aac", ["-c:a", "aac", "-b:a", "96k", "-content_type", "audio/aac", "-ice_name",
                 "AAC DJ", "-f", "adts"], "AAC DJ")):
    p = spawn(["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-re", "-f", "lavfi",
               "-i", "sine=frequency=%d" % B, "-ac", "2"] + args +
              ["icecast://source:%s@127.0.0.1:%d/live" % (PW, lport)],
              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    tap.ok(wait_for(lambda: l3_titles()[-1:] == [want], 30),
           "%s DJ: on the air, titled %s%s" % (fmt, want, " (from its Vorbis comments)"
                                               if fmt == "ogg" else ""),
           (l3_titles(), src.log()[-600:]))
    n = len(l3.body())
    l3.wait_bytes(n + 16000 * 2, 30)
    p.terminate()
    p.wait(10)
    tap.ok(wait_for(lambda: l3_titles()[-1:] == ["Playlist - Tone A"], 30) and
           wait_for(lambda: "live: no DJ" in src.ctl("status")[1], 20),
           "%s DJ leaves: the playlist is back (its fade over)" % fmt, l3_titles())
body = l3.body()
l3.close()
tap.is_eq(decode_errors(bytes(icy_split(body, metaint)[0]), d, "l3.mp3"), "",
          "that listener's capture decodes without an error")
l3s = pcm(os.path.join(d, "l3.mp3"))
tap.ok(sum(1 for i in range(int(len(l3s) / 11025 / 0.25) - 1)
           if abs(frequency(l3s, i * 0.25, 0.25) - B) < 30) >= 8,
       "... and holds the Ogg and AAC DJs' 1000 Hz (2 s or more)")

tap.ok(src.alive(), "floe-source runs on")
src.stop()
tap.is_eq(floe.stop(), 0, "floe stops cleanly")
