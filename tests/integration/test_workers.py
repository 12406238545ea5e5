#!/usr/bin/env python3
"""Worker threads (<workers>): listeners spread over two event loops, and
everything that reaches into a listener from the main thread still works
when that listener lives on the other loop.

With <workers>2</workers>, eight listeners of /main.mp3 split four and four
(/api/v1/listeners says which loop serves each); every one receives a
contiguous run of the source's bytes, ICY framing intact. Then, for
listeners on both loops: /admin/killclient kicks one that lives on worker 1;
/admin/moveclients moves all to /backup.mp3 and back; the source leaving
moves them to the fallback, and its return brings them home
(fallback-override); SIGTERM with listeners on both loops exits 0 with
nothing logged as an error. With <workers>1</workers> every listener stays
on the main loop. The source and the listeners are real sockets; the moves
are judged by the bytes listeners receive (two distinguishable sources).
"""
import json
import time
import signal
import subprocess

from floelib import (ADMIN_PASS, Floe, Listener, LoopFeeder, RawSource, contiguous_in, icy_split,
                     media, mp3_frames, sine_mp3_frames, stat_value, tap, wait_for, wait_mount)

ADMIN = ("admin", ADMIN_PASS)
RATE = 2 * 16000        # 128 kbps at twice real time: quick, and still paced
MOUNTS = """<mount><mount-name>/main.mp3</mount-name><fallback-mount>/backup.mp3</fallback-mount>
  <fallback-override>1</fallback-override></mount>"""


MAIN = mp3_frames(media("tone.mp3"))
BACKUP = sine_mp3_frames(1000)
MAIN_LOOP, BACKUP_LOOP = MAIN * 3, BACKUP * 3


def api(floe, path):
    st, _, body = floe.get(path, auth=ADMIN)
    return json.loads(body) if st == 200 else None


def listener_workers(floe, mount):
    doc = api(floe, "/api/v1/listeners?mount=" + mount)
    return sorted(l["worker"] for l in doc["listeners"]) if doc else None


def count(floe, mount):
    v = stat_value(floe.stats(), mount, "listeners")
    return int(v) if v is not None else None


def source(floe, mount, data):
    src = RawSource(floe, mount)
    tap.ok(src.ok(), "source on %s accepted" % mount, src.response)
    feeder = LoopFeeder(src, data, RATE)
    wait_mount(floe, mount)
    return src, feeder


def audio_of(l):
    data = l.body()
    return icy_split(data, 16000)[0] if l.icy else data


def fresh(l, since, n=24000):
    """Wait for n new audio bytes after offset since; return them."""
    wait_for(lambda: len(audio_of(l)) >= since + n or l.closed, 20)
    return audio_of(l)[since:since + n]


def plays(chunk, loop):
    """Does chunk (from a frame boundary or not) run contiguously in loop?"""
    return len(chunk) >= 8192 and contiguous_in(chunk[-8192:], loop)


# ---------------------------------------------------------------- two workers
floe = Floe(mounts=MOUNTS, limits_extra="<workers>2</workers>")
tap.ok("2 workers" in floe.read_log(), "floe logs that it runs 2 workers")
m_src, m_feed = source(floe, "/main.mp3", MAIN)
b_src, b_feed = source(floe, "/backup.mp3", BACKUP)

ls = []
for i in range(8):
    l = Listener(floe, "/main.mp3", icy=(i % 2 == 1))
    l.icy = i % 2 == 1
    ls.append(l)
tap.ok(all(l.wait_bytes(80000) for l in ls), "eight listeners, four with ICY, all get audio")
tap.is_eq(listener_workers(floe, "/main.mp3"), [0, 0, 0, 0, 1, 1, 1, 1],
          "/api/v1/listeners: four listeners on worker 0, four on worker 1")
doc = api(floe, "/api/v1/mounts")
tap.is_eq([(w["id"], w["listeners"]) for w in doc["workers"]], [(0, 4), (1, 4)],
          "/api/v1/mounts lists both workers with four listeners each")

# The main thread reads each listener's byte count while its worker adds
# to it (under scripts/sanitize, ThreadSanitizer sees any race there).
def sent_total():
    return sum(x["bytes_sent"] for x in api(floe, "/api/v1/listeners?mount=/main.mp3")["listeners"])
first = sent_total()
for _ in range(100):        # dense reads: a race needs one between the worker's lock releases
    sent_total()
    time.sleep(0.02)
tap.ok(wait_for(lambda: sent_total() >= first + 8 * 16000, 20),
       "/api/v1/listeners: bytes_sent grows while the workers send (polled meanwhile)")

for i, l in enumerate(ls):
    data = l.body()
    audio, metas, err = icy_split(data, 16000) if l.icy else (data, [], None)
    tap.ok(err is None and contiguous_in(audio[:60000], MAIN_LOOP)
           and contiguous_in(audio[-20000:], MAIN_LOOP),
           "listener %d%s: a contiguous run of the source's bytes" % (i, " (ICY)" if l.icy else ""),
           err)

# admin kill of a listener served by worker 1
doc = api(floe, "/api/v1/listeners?mount=/main.mp3")
victim = [x for x in doc["listeners"] if x["worker"] == 1][0]
st, _, body = floe.get("/admin/killclient?mount=/main.mp3&id=%d" % victim["id"], auth=ADMIN)
tap.ok(st == 200 and b"<return>1</return>" in body, "killclient of a worker-1 listener succeeds",
       body)
tap.ok(wait_for(lambda: sum(l.closed for l in ls) == 1, 10),
       "exactly that one listener's connection closes")
tap.ok(wait_for(lambda: count(floe, "/main.mp3") == 7, 5), "stats count 7 on /main.mp3")
ls = [l for l in ls if not l.closed]
doc = api(floe, "/api/v1/listeners?mount=/main.mp3")
tap.ok(victim["id"] not in [x["id"] for x in doc["listeners"]], "listclients no longer has it")

# moveclients takes listeners from both loops, and back
marks = [len(audio_of(l)) for l in ls]
st, _, body = floe.get("/admin/moveclients?mount=/main.mp3&destination=/backup.mp3", auth=ADMIN)
tap.ok(st == 200 and b"<return>1</return>" in body, "moveclients /main.mp3 -> /backup.mp3", body)
tap.ok(count(floe, "/backup.mp3") == 7 and count(floe, "/main.mp3") == 0,
       "stats: 7 on /backup.mp3, 0 on /main.mp3 as soon as moveclients answers")
tap.ok(all(plays(fresh(l, m, 48000), BACKUP_LOOP) for l, m in zip(ls, marks)),
       "every moved listener, on either worker, now receives the backup's bytes")
tap.is_eq(listener_workers(floe, "/backup.mp3"), [0, 0, 0, 0, 1, 1, 1],
          "moved listeners stay on their workers")
marks = [len(audio_of(l)) for l in ls]
st, _, body = floe.get("/admin/moveclients?mount=/backup.mp3&destination=/main.mp3", auth=ADMIN)
tap.ok(st == 200 and count(floe, "/main.mp3") == 7, "moveclients back: 7 on /main.mp3")
tap.ok(all(plays(fresh(l, m, 48000), MAIN_LOOP) for l, m in zip(ls, marks)),
       "and every one receives the main source's bytes again")

# the source leaving: fallback; coming back: override
marks = [len(audio_of(l)) for l in ls]
m_feed.stop()
m_src.close()
tap.ok(wait_for(lambda: count(floe, "/backup.mp3") == 7, 10),
       "main's source leaves: all 7 listeners move to /backup.mp3")
tap.ok(all(plays(fresh(l, m, 64000), BACKUP_LOOP) for l, m in zip(ls, marks)),
       "and receive the backup's bytes, on both workers")
marks = [len(audio_of(l)) for l in ls]
m_src, m_feed = source(floe, "/main.mp3", MAIN)
tap.ok(wait_for(lambda: count(floe, "/main.mp3") == 7, 10),
       "main's source returns: fallback-override brings all 7 back")
tap.ok(all(plays(fresh(l, m, 64000), MAIN_LOOP) for l, m in zip(ls, marks)),
       "and they receive the main source's bytes again")
tap.ok(not any(l.closed for l in ls), "nobody was disconnected by any of it")
bad = [icy_split(l.body(), 16000)[2] for l in ls if l.icy]
tap.ok(all(e is None for e in bad), "ICY framing intact end to end across the moves", bad)

# SIGTERM with listeners on both loops
floe.signal(signal.SIGTERM)
try:
    rc = floe.proc.wait(15)
except subprocess.TimeoutExpired:
    rc = None
tap.is_eq(rc, 0, "SIGTERM with listeners on both workers: floe exits 0")
tap.ok(wait_for(lambda: all(l.closed for l in ls), 10), "every listener's connection is closed")
tap.ok("EROR" not in floe.read_log(), "no error logged", floe.read_log()[-2000:])
for f in (m_feed, b_feed):
    f.stop()

# ---------------------------------------------------------------- one worker
floe1 = Floe(limits_extra="<workers>1</workers>")
src, feed = source(floe1, "/one.mp3", MAIN)
ones = [Listener(floe1, "/one.mp3") for _ in range(3)]
tap.ok(all(l.wait_bytes(40000) for l in ones), "<workers>1</workers>: three listeners get audio")
tap.is_eq(listener_workers(floe1, "/one.mp3"), [0, 0, 0], "all on the main loop")
tap.is_eq(len(api(floe1, "/api/v1/mounts")["workers"]), 1, "/api/v1/mounts lists one worker")
feed.stop()
