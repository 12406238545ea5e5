#!/usr/bin/env python3
"""The issue's acceptance run: one floe-source streams the same playlist to
Debian's icecast2 and to floe, MP3 and AAC at once (four outputs from one
config file; one of them with the older SOURCE method), and a listener on
each mount decodes it without errors, with the track titles and the
stream description floe-source sent. A wrong password is reported as such
(icecast2's 401) and floe-source exits instead of retrying in silence.
Skipped when icecast2 is not installed.
"""
import os

from floe_source_lib import (Source, adts_whole, decode_errors, icecast2, icy_changes, probe,
                             run_source, tone, write)
from floelib import Floe, Listener, mp3_whole, tap, tmpdir, wait_for, wait_mount

ice = icecast2()
if not ice.up:
    tap.skip("floe-source streams to icecast2", ice.skip_reason)
    raise SystemExit(0)

d = tmpdir()
TITLES = ["Ice Artist - First", "Ice Artist - Second", "Ice Artist - Third"]
names = []
for i, (f, t) in enumerate(zip((500, 750, 1000), TITLES)):
    artist, title = t.split(" - ")
    names.append(os.path.basename(tone(os.path.join(d, "t%d.mp3" % i), f, 4, artist, title)))
write(os.path.join(d, "list.m3u"), "\n".join(names) + "\n")

floe = Floe()
conf = write(os.path.join(d, "station.conf"), """# acceptance: icecast2 and floe, MP3 and AAC
playlist = list.m3u
crossfade = 1
name = Acceptance Radio
description = Same playlist everywhere
genre = Test
website = http://radio.example.org/
control = {sock}

[output ice-mp3]
url = http://source:hackme@127.0.0.1:{ice}/live.mp3
bitrate = 128

[output ice-aac]
url = http://source:hackme@127.0.0.1:{ice}/live.aac
format = aac
bitrate = 64
method = source

[output floe-mp3]
url = http://source:hackme@127.0.0.1:{floe}/live.mp3

[output floe-aac]
url = http://source:hackme@127.0.0.1:{floe}/live.aac
bitrate = 64
""".format(ice=ice.port, floe=floe.port, sock=os.path.join(d, "ctl.sock")))

src = Source(["-c", conf])
src.sock = os.path.join(d, "ctl.sock")
tap.ok(wait_mount(ice, "/live.mp3", 15) and wait_mount(ice, "/live.aac", 15),
       "icecast2 accepts floe-source's PUT (MP3) and SOURCE (AAC) streams",
       src.log() + ice.read_log()[-2000:])
tap.ok(wait_mount(floe, "/live.mp3") and wait_mount(floe, "/live.aac"),
       "floe accepts both streams", src.log())

listeners = {
    "icecast2 MP3": Listener(ice, "/live.mp3", icy=True),
    "icecast2 AAC": Listener(ice, "/live.aac", icy=True),
    "floe MP3": Listener(floe, "/live.mp3", icy=True),
    "floe AAC": Listener(floe, "/live.aac", icy=True),
}
# Listen until every listener has heard the three titles and LISTEN_SECONDS
# of audio (at the output's bitrate); a deadline only bounds how long a
# stall takes to show (the checks below then say what was missing).
LISTEN_SECONDS = 16
BYTES_PER_SECOND = {"MP3": 16000, "AAC": 8000}      # 128 and 64 kbps


def heard_enough(name, lst):
    audio, changes, _ = icy_changes(lst.body(), 16000)
    return [t for _, t in changes if t][:3] == TITLES and \
        len(audio) >= LISTEN_SECONDS * BYTES_PER_SECOND[name.split()[-1]]


wait_for(lambda: all(heard_enough(n, lst) for n, lst in listeners.items()), 120, 0.5)
for lst in listeners.values():
    lst.close()

for name, lst in listeners.items():
    st, hd = lst.head()
    aac = name.endswith("AAC")
    tap.ok(st == 200 and hd.get("content-type") == ("audio/aac" if aac else "audio/mpeg") and
           hd.get("icy-name") == "Acceptance Radio" and hd.get("icy-genre") == "Test" and
           hd.get("icy-url") == "http://radio.example.org/" and
           "samplerate=44100" in hd.get("ice-audio-info", ""),
           "%s: the listener gets the stream description floe-source sent" % name, hd)
    audio, changes, err = icy_changes(lst.body(), 16000)
    audio = adts_whole(audio) if aac else mp3_whole(audio)
    errs = decode_errors(audio, d, name.replace(" ", "_") + (".aac" if aac else ".mp3"))
    tap.ok(err is None and len(audio) > 100000 and errs == "",
           "%s: ffmpeg decodes the listener's capture without errors (%d bytes)"
           % (name, len(audio)), err or errs)
    codec, rate, ch, dur = probe(os.path.join(d, name.replace(" ", "_") +
                                              (".aac" if aac else ".mp3")))
    tap.ok(codec == ("aac" if aac else "mp3") and rate == "44100" and ch == "2" and dur > 14,
           "%s: %s, 44100 Hz, stereo, %.1f s" % (name, codec, dur), (codec, rate, ch, dur))
    titles = [t for _, t in changes if t]
    tap.is_eq(titles[:3], TITLES, "%s: the three titles, in order" % name)

rc, out = src.ctl("status")
tap.ok(rc == 0 and out.count(": up ") == 4, "ctl status: all four outputs up", out)
src.stop()

# A wrong password: icecast2's 401 is reported as such, and not retried forever.
rc, out = run_source(["--playlist", os.path.join(d, "list.m3u"), "--control", "none",
                      "--url", "http://source:wrong@127.0.0.1:%d/bad.mp3" % ice.port], 60)
tap.ok(rc == 1 and "wrong user name or password" in out and "401" in out,
       "icecast2 401: 'wrong user name or password', exit 1", out)
tap.ok("retrying in" not in out, "... at once, not after retrying", out)
ice.stop()
tap.is_eq(floe.stop(), 0, "floe exits cleanly")
