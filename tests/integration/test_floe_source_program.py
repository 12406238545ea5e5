#!/usr/bin/env python3
"""floe-source's programme: several playlists in one config, a rotation
with a jingle every 2 songs, and a weekly schedule that switches rotations
at a time the test sets through the injected clock (FLOE_SOURCE_CLOCK: a
file holding the time, read at each look), never by waiting for a real
time of day.

With floe as the server and a listener reading ICY metadata: the titles
follow music, music, jingle, music, music, jingle... in one connection,
and in the decoded audio (tones of distinct pitches, told apart by
Goertzel filters) songs crossfade while each jingle plays whole and clean,
never sounding together with a song.
Then the clock file is moved to Monday 06:00 and the morning playlist's
titles follow at the next track boundary; `ctl schedule` tells the week,
what plays and the next change; the on-playlist hook receives the switch
(FLOE_PLAYLIST, FLOE_PREVIOUS, FLOE_REASON) and a reload of a changed
playlist. With switch = now, a long track is ended (faded, like a skip) as
soon as the clock passes the slot's start. --check-config prints the week;
a bad schedule is refused with the file and line.
"""
import os
import stat

import math

from floe_source_lib import (ANALYSIS_RATE, Source, decode_errors, icy_changes, pcm, run_source,
                             tone, write)
from floelib import Floe, Listener, mp3_whole, read_text, stat_value, tap, tmpdir, wait_for, \
    wait_mount

d = tmpdir()
for i in (1, 2, 3):
    tone(os.path.join(d, "m%d.mp3" % i), 300 + 100 * i, 3, "Prog", "Music %d" % i)
for i in (1, 2):
    tone(os.path.join(d, "j%d.mp3" % i), 1200 + 100 * i, 2, "Prog", "Jingle %d" % i)
for i in (1, 2):
    tone(os.path.join(d, "am%d.mp3" % i), 700 + 50 * i, 2, "Prog", "Morning %d" % i)
music = write(os.path.join(d, "music.m3u"), "m1.mp3\nm2.mp3\nm3.mp3\n")
write(os.path.join(d, "jingles.m3u"), "j1.mp3\nj2.mp3\n")
write(os.path.join(d, "morning.m3u"), "am1.mp3\nam2.mp3\n")
clock = write(os.path.join(d, "clock"), "2026-12-07T05:59:00\n")     # a Monday
events_log = os.path.join(d, "events.txt")
hook = write(os.path.join(d, "hook.sh"),
             "#!/bin/sh\necho \"$FLOE_EVENT|$FLOE_PLAYLIST|$FLOE_PREVIOUS|$FLOE_REASON|"
             "$FLOE_ENTRIES\" >> %s\n" % events_log)
os.chmod(hook, stat.S_IRWXU)
env = dict(os.environ, TZ="UTC", FLOE_SOURCE_CLOCK=clock)

floe = Floe()
conf = write(os.path.join(d, "station.conf"), """\
on-playlist = {hook}
control = {sock}
crossfade = 0.5

[playlist music]
source = music.m3u

[playlist jingles]
source = jingles.m3u
every = 2

[playlist morning]
source = morning.m3u

[rotation day]
playlists = music, jingles

[schedule]
mon-fri 06:00-10:00 = morning
default = day

[output main]
url = http://source:hackme@127.0.0.1:{port}/prog.mp3
""".format(hook=hook, sock=os.path.join(d, "prog.sock"), port=floe.port))

# --check-config prints the week and loads every playlist.
rc, out = run_source(["-c", conf, "--check-config"])
tap.ok(rc == 0 and "  mon 00:00-06:00  day  (default)\n      06:00-10:00  morning  (line 19: "
       "mon-fri 06:00-10:00)\n" in out and "rotation day: music, jingles every 2" in out and
       "playlist jingles: %s, 2 entries" % os.path.join(d, "jingles.m3u") in out,
       "--check-config prints the week, the rotations and each playlist", out)
bad = write(os.path.join(d, "bad.conf"), open(conf).read().replace(
    "default = day", "mon 09:00-11:00 = day\ndefault = day"))
rc, out = run_source(["-c", bad, "--check-config"])
tap.ok(rc == 1 and "%s: line 20: schedule: \"mon 09:00-11:00\" overlaps line 19" % bad in out,
       "overlapping slots: refused with the file and line", out)

src = Source(["-c", conf], env=env)
src.sock = os.path.join(d, "prog.sock")
tap.ok(wait_mount(floe, "/prog.mp3", 30), "floe-source streams a programme", src.log()[-800:])
lst = Listener(floe, "/prog.mp3", icy=True)


def seen_titles():
    """The titles the listener has seen, each change once."""
    titles = [t for _, t in icy_changes(lst.body(), 16000)[1] if t]
    return [t for i, t in enumerate(titles) if i == 0 or titles[i - 1] != t]


def events():
    return [line.split("|") for line in read_text(events_log).splitlines()] \
        if os.path.exists(events_log) else []


# Three jingles seen: at least two full rounds of music, music, jingle.
tap.ok(wait_for(lambda: sum(t.startswith("Prog - Jingle") for t in seen_titles()) >= 3, 60, 0.2),
       "the listener sees three jingles", seen_titles())
seen = seen_titles()
kinds = "".join("J" if t.startswith("Prog - Jingle") else "M" if t.startswith("Prog - Music")
                else "?" for t in seen)
first = kinds.index("J")
tap.ok(first <= 2 and "?" not in kinds and
       kinds[first:first + 7] == "JMMJMMJ", "titles at floe follow music, music, jingle, "
       "music, music, jingle... (%s)" % kinds, seen)
musics = [t for t in seen if t.startswith("Prog - Music")]
tap.ok(all(musics[i + 1] == "Prog - Music %d" % (int(musics[i][-1]) % 3 + 1)
           for i in range(len(musics) - 1)),
       "the music plays in its own order through the jingles", musics)
jingles = [t for t in seen if t.startswith("Prog - Jingle")]
tap.ok(all(jingles[i] != jingles[i + 1] for i in range(len(jingles) - 1)),
       "the jingles take turns", jingles)

rc, out = src.ctl("schedule")
tap.ok(rc == 0 and out.startswith("now: Mon 2026-12-07 05:59:00 UTC (FLOE_SOURCE_CLOCK)\n"
                                  "scheduled: day (default)\nplaying: day\n"
                                  "next change: mon 06:00 -> morning (in 00:01:00)\n"),
       "ctl schedule: the injected time, what plays, the next change", out)
tap.ok("      06:00-10:00  morning  (line 19: mon-fri 06:00-10:00)" in out and
       "  fri 00:00-06:00  day  (default)" in out and "  day: music, jingles every 2" in out,
       "... the week's slots and the rotations", out)
rc, out = src.ctl("status")
tap.ok(rc == 0 and "programme: day (music, jingles every 2)" in out and
       "  playlist jingles: %s (2 entries, looping)" % os.path.join(d, "jingles.m3u") in out,
       "ctl status: the rotation and its playlists", out)

# Monday 06:00: the morning slot, from the next track.
write(clock, "2026-12-07T06:00:00\n")
tap.ok(wait_for(lambda: (stat_value(floe.stats(), "/prog.mp3", "title") or "").startswith(
    "Prog - Morning"), 30, 0.1), "06:00 on the injected clock: the morning titles at floe",
    seen_titles()[-4:])
tap.ok(wait_for(lambda: ["playlist", "morning", "day", "schedule", "2"] in events(), 20),
       "on-playlist hook: the switch, with FLOE_PLAYLIST, FLOE_PREVIOUS, FLOE_REASON",
       events())
rc, out = src.ctl("schedule")
tap.ok("scheduled: morning (line 19: mon-fri 06:00-10:00)\nplaying: morning\nnext change: "
       "mon 10:00 -> day (in 04:00:00)" in out, "ctl schedule: morning now, day at 10:00", out)
rc, out = src.ctl("now")
tap.ok(rc == 0 and "from playlist morning" in out, "ctl now: which playlist", out)

# A changed playlist is reloaded by itself, with the hook.
write(music, "m3.mp3\nm1.mp3\n")
tap.ok(wait_for(lambda: ["playlist", "music", "", "reload", "2"] in events(), 30),
       "a changed playlist is reloaded: the hook with FLOE_REASON=reload", events())

# Back to the day at 10:00: the music goes on where it was.
write(clock, "2026-12-07T10:00:00\n")
tap.ok(wait_for(lambda: (stat_value(floe.stats(), "/prog.mp3", "title") or "").startswith(
    "Prog - Music"), 30, 0.1), "10:00: back to the day rotation", seen_titles()[-4:])
wait_for(lambda: len(lst.body()) > 0 and seen_titles()[-1].startswith("Prog - Music"), 10, 0.2)
lst.close()
audio, changes, err = icy_changes(lst.body(), 16000)
errs = decode_errors(mp3_whole(audio), d, "capture.mp3")
tap.ok(err is None and errs == "", "one connection through every switch, decoding cleanly",
       err or errs)
tap.is_eq(src.stop(), 0, "floe-source exits 0")

# What the listener heard: songs crossfade (0.5 s), jingles join clean.
MUSIC, JINGLE, MORNING = (400, 500, 600), (1300, 1400), (750, 800)


def power(w, f):
    """Goertzel: the power of frequency f in window w."""
    k = 2 * math.cos(2 * math.pi * f / ANALYSIS_RATE)
    s1 = s2 = 0.0
    for x in w:
        s1, s2 = x + k * s1 - s2, s1
    return s1 * s1 + s2 * s2 - k * s1 * s2


def runs(flags):
    """Lengths of the runs of True, and whether each touches an end."""
    out, n = [], 0
    for i, f in enumerate(flags + [False]):
        if f:
            n += 1
        elif n:
            out.append((n, i - n == 0 or i == len(flags)))
            n = 0
    return out


samples = pcm(os.path.join(d, "capture.mp3"))
win = ANALYSIS_RATE // 20      # 50 ms
mixed_mj, mixed_mm, pure_j = [], [], []
for a in range(0, len(samples) - win, win):
    w = samples[a:a + win]
    pm = [power(w, f) for f in MUSIC]
    pj = [power(w, f) for f in JINGLE]
    total = sum(pm) + sum(pj) + sum(power(w, f) for f in MORNING) + 1e-9
    mixed_mj.append(sum(pm) > 0.05 * total and sum(pj) > 0.05 * total)
    mixed_mm.append(sorted(pm)[-2] > 0.05 * total)
    pure_j.append(max(pj) > 0.9 * total)
jingle_runs = [n * 0.05 for n, edge in runs(pure_j) if not edge]
tap.ok(len(jingle_runs) >= 2 and min(jingle_runs) >= 1.6,
       "each jingle plays whole and clean (%s s of it alone)" % jingle_runs)
tap.ok(max([n for n, _ in runs(mixed_mj)] or [0]) <= 2,
       "no song and jingle ever sound together: no crossfade into or out of a jingle",
       runs(mixed_mj))
tap.ok(max([n for n, _ in runs(mixed_mm)] or [0]) >= 4,
       "while song to song crossfades (%s windows of 50 ms mixed)" %
       [n for n, _ in runs(mixed_mm)])

# switch = now: a 60 s track ends as soon as the slot begins.
tone(os.path.join(d, "long.mp3"), 500, 60, "Prog", "Long")
write(os.path.join(d, "long.m3u"), "long.mp3\n")
write(clock, "2026-12-08T05:59:58\n")
conf2 = write(os.path.join(d, "now.conf"), """\
control = {sock}
crossfade = 1
[playlist long]
source = long.m3u
[playlist morning]
source = morning.m3u
[schedule]
tue 06:00-07:00 = morning
default = long
switch = now
[output main]
url = http://source:hackme@127.0.0.1:{port}/now.mp3
""".format(sock=os.path.join(d, "now.sock"), port=floe.port))
src = Source(["-c", conf2], env=env, name="now")
src.sock = os.path.join(d, "now.sock")
tap.ok(wait_for(lambda: stat_value(floe.stats(), "/now.mp3", "title") == "Prog - Long", 30, 0.1),
       "switch = now: the long track plays", src.log()[-600:])
write(clock, "2026-12-08T06:00:01\n")
tap.ok(wait_for(lambda: (stat_value(floe.stats(), "/now.mp3", "title") or "").startswith(
    "Prog - Morning"), 20, 0.1) and "ending the track (switch = now)" in src.log(),
       "06:00:01: the long track is ended at once, the morning plays", src.log()[-600:])
rc, out = src.ctl("now")
tap.ok(rc == 0 and "from playlist morning" in out, "... from the morning playlist", out)
tap.is_eq(src.stop(), 0, "floe-source exits 0")
tap.is_eq(floe.stop(), 0, "floe exits cleanly")
