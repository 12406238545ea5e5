#!/usr/bin/env python3
"""Fallback mounts: /main.mp3 falls back to /backup.mp3 with fallback-override.

Two RawSources send distinguishable MP3 frames (tone.mp3 vs a 1 kHz tone),
so every byte a listener gets can be traced to one source. When main's
source leaves, its listeners stay connected and get backup's bytes from a
frame boundary on, and the stats count them on /backup.mp3; a listener
asking for /main.mp3 meanwhile is served from /backup.mp3; when main comes
back, the moved listeners return (fallback-override) while one that asked
for /backup.mp3 stays. An ICY listener's framing stays intact and it sees
the backup's title. Without a fallback, a leaving source closes its
listeners (EOF, not a hang).
"""
import threading
import time

from floelib import (LoopFeeder, Floe, Listener, RawSource, icy_split, is_mp3_frame_header, media,
                     mp3_frames, sine_mp3_frames, stat_value, stream_title, tap, wait_for,
                     wait_mount)

MOUNTS = """<mount><mount-name>/main.mp3</mount-name><fallback-mount>/backup.mp3</fallback-mount>
  <fallback-override>1</fallback-override></mount>"""
RATE = 2 * 16000     # 128 kbps at twice real time
MOVED = 48000        # bytes a listener must get after a move before we look


def start_source(floe, mount, data):
    src = RawSource(floe, mount)
    tap.ok(src.ok(), "source on %s accepted" % mount, src.response)
    return src, LoopFeeder(src, data, RATE)


def stop_source(src, feeder):
    feeder.stop()
    src.close()


def common_len(a, i, b, j):
    """How many bytes a[i:] and b[j:] have in common from the start."""
    n, step = 0, 4096
    while step:
        while a[i + n:i + n + step] == b[j + n:j + n + step] and i + n + step <= len(a) \
                and j + n + step <= len(b):
            n += step
        step //= 2
    return n


def runs(body, streams):
    """Split a capture into maximal runs, each contiguous in one of streams
    ({name: looped bytes}). Returns ([(name, start, end)], unmatched offset or None)."""
    out, p = [], 0
    while p < len(body):
        best = None
        for name, s in streams.items():
            i = s.find(body[p:p + 1024])
            if i >= 0:
                n = common_len(body, p, s, i)
                if best is None or n > best[2]:
                    best = (name, i, n)
        if best is None:
            return out, p
        out.append((best[0], p, p + best[2]))
        p += best[2]
    return out, None


def switch_on_frame(body, streams, seg):
    """Could the switch into run seg happen at an MP3 frame header? The runs
    overlap where both sources have the same bytes; look for a header there."""
    name, start, end = seg
    s = streams[name]
    i = s.find(body[start:start + 1024])
    back = 0
    while back < start and i - back > 0 and body[start - back - 1] == s[i - back - 1]:
        back += 1
    return any(is_mp3_frame_header(body[q:q + 4]) for q in range(start - back, start + 1))


def run_names(lst, streams):
    segs, bad = runs(lst.body(), streams)
    return [n for n, _, _ in segs], segs, bad


def listeners_on(floe, mount):
    return stat_value(floe.stats(), mount, "listeners")


def got_more(lst, n=MOVED):
    """Wait for n more bytes (or EOF); False if the listener was closed."""
    lst.wait_bytes(len(lst.body()) + n)
    return not lst.closed

# ---------------------------------------------------------------- setup

main_audio, backup_audio = mp3_frames(media("tone.mp3")), sine_mp3_frames(1000)
streams = {"main": main_audio * 3, "backup": backup_audio * 3}
tap.ok(streams["main"].find(backup_audio[:1024]) < 0 and streams["backup"].find(main_audio[:1024]) < 0,
       "precondition: the two sources' bytes are distinguishable")

floe = Floe(mounts=MOUNTS)
main = start_source(floe, "/main.mp3", main_audio)
backup = start_source(floe, "/backup.mp3", backup_audio)
wait_mount(floe, "/main.mp3")
wait_mount(floe, "/backup.mp3")
floe.metadata("/main.mp3", song="Main Title")
floe.metadata("/backup.mp3", song="Backup Title")

plain = Listener(floe, "/main.mp3")
icy = Listener(floe, "/main.mp3", icy=True)
direct = Listener(floe, "/backup.mp3")
for lst in (plain, icy, direct):
    lst.wait_bytes(70000)
tap.is_eq(run_names(plain, streams)[0], ["main"], "a /main.mp3 listener gets main's bytes")
tap.is_eq(run_names(direct, streams)[0], ["backup"], "a /backup.mp3 listener gets backup's bytes")

# ---------------------------------------------------------------- main's source leaves

stop_source(*main)
tap.ok(got_more(plain) and got_more(icy), "main's listeners stay connected when its source leaves")
names, segs, bad = run_names(plain, streams)
tap.ok(names == ["main", "backup"] and bad is None,
       "plain listener: main's bytes, then one contiguous run of backup's", (names, bad))
tap.ok(len(segs) == 2 and switch_on_frame(plain.body(), streams, segs[1]),
       "plain listener: the switch to backup happens at an MP3 frame boundary")
tap.ok(wait_for(lambda: listeners_on(floe, "/backup.mp3") == "3", 10) and
       listeners_on(floe, "/main.mp3") is None,
       "stats: the moved listeners count on /backup.mp3, /main.mp3 is not listed",
       floe.stats())

late = Listener(floe, "/main.mp3")
late.wait_bytes(70000)
st, hd = late.head()
tap.ok(st == 200 and run_names(late, streams)[0] == ["backup"],
       "a listener asking for /main.mp3 without a source is served from /backup.mp3",
       (st, run_names(late, streams)))
tap.ok(wait_for(lambda: listeners_on(floe, "/backup.mp3") == "4", 10),
       "stats: /backup.mp3 now has 4 listeners")

# ---------------------------------------------------------------- main comes back

main = start_source(floe, "/main.mp3", main_audio)
for lst in (plain, icy, late, direct):
    got_more(lst)
names, segs, bad = run_names(plain, streams)
tap.ok(names == ["main", "backup", "main"] and bad is None,
       "fallback-override: the moved plain listener comes back to main's bytes", (names, bad))
tap.ok(len(segs) == 3 and switch_on_frame(plain.body(), streams, segs[2]),
       "plain listener: the switch back happens at an MP3 frame boundary")
tap.is_eq(run_names(late, streams)[0], ["backup", "main"],
          "the listener that asked for /main.mp3 during the outage moves to main too")
tap.is_eq(run_names(direct, streams)[0], ["backup"],
          "the listener that asked for /backup.mp3 stays on backup")
tap.ok(wait_for(lambda: (listeners_on(floe, "/main.mp3"), listeners_on(floe, "/backup.mp3")) ==
                ("3", "1"), 10),
       "stats: 3 listeners on /main.mp3, 1 on /backup.mp3",
       (listeners_on(floe, "/main.mp3"), listeners_on(floe, "/backup.mp3")))

audio, metas, err = icy_split(icy.body(), 16000)
tap.ok(err is None and len(metas) >= 8, "ICY listener: the framing parses end to end across both "
       "moves (%d blocks)" % len(metas), err)
segs = runs(audio, streams)[0]
tap.is_eq([n for n, _, _ in segs], ["main", "backup", "main"], "ICY listener: main, backup, main audio")
tap.ok(len(segs) == 3 and all(switch_on_frame(audio, streams, seg) for seg in segs[1:]),
       "ICY listener: both switches land on MP3 frame boundaries")
titles = [stream_title(m) for m in metas if m]
tap.ok("Backup Title" in titles and titles.index("Backup Title") > titles.index("Main Title"),
       "ICY listener: backup's title arrives after the move", titles)

# ---------------------------------------------------------------- no fallback

solo = start_source(floe, "/solo.mp3", main_audio)
wait_mount(floe, "/solo.mp3")
solo_plain, solo_icy = Listener(floe, "/solo.mp3"), Listener(floe, "/solo.mp3", icy=True)
for lst in (solo_plain, solo_icy):
    lst.wait_bytes(70000)
stop_source(*solo)
tap.ok(wait_for(lambda: solo_plain.closed and solo_icy.closed, 10),
       "without a fallback, the source leaving closes its listeners (EOF)")
tap.is_eq(run_names(solo_plain, streams)[0], ["main"],
          "and what they got until then is one contiguous run of the source's bytes")
tap.ok(icy_split(solo_icy.body(), 16000)[2] is None, "the ICY listener's framing is intact to EOF")

stop_source(*main)
stop_source(*backup)
tap.is_eq(floe.stop(), 0, "floe exits 0 on SIGTERM")
