#!/usr/bin/env python3
"""File fallbacks as icecast-kh does them (and radio platforms configure
them): a <fallback-mount> naming a file in webroot, /fallback-[128].mp3, is
played looped at 128 kbit/s to the listeners of a mount with no source,
one shared position for all of them; with fallback-override they move to
the live source when it connects, and back to the file when it leaves,
and what they heard decodes without an error.
"""
import os

from floelib import (Floe, Listener, LoopFeeder, RawSource, capture_errors, sine_mp3_frames, tap,
                     tmpdir, wait_for)

RATE = 16000
web = tmpdir()
loop = sine_mp3_frames(330, 6)
with open(os.path.join(web, "fallback-[128].mp3"), "wb") as f:
    f.write(loop)
live = sine_mp3_frames(550, 10)
twice = loop + loop
floe = Floe(webroot=web, mounts="""
<mount><mount-name>/live.mp3</mount-name>
  <fallback-mount>/fallback-[128].mp3</fallback-mount>
  <fallback-override>1</fallback-override></mount>""")


def in_loop(chunk):
    return len(chunk) > 0 and chunk in twice


# ---- no source: the file plays
a = Listener(floe, "/live.mp3")
st, _ = a.head()
tap.is_eq(st, 200, "no source: the listener is admitted")
tap.ok(a.wait_bytes(20000) and in_loop(a.body()[:8000]), "and hears the fallback file",
       a.body()[:64])
b = Listener(floe, "/live.mp3", icy=False)
tap.ok(b.wait_bytes(40000), "a second listener too")
tail_b = b.body()[30000:34000]
tap.ok(wait_for(lambda: tail_b in a.body(), 20),
       "both hear the same bytes: one shared position")
tap.ok(wait_for(lambda: len(a.body()) > len(loop) + 40000, 30) and
       in_loop(a.body()[len(loop) + 8000:len(loop) + 24000]),
       "the file loops")
tap.ok("fallback file" in floe.read_log(), "the error log says the file plays", floe.log())

# ---- the source connects: both move to it
src = RawSource(floe, "/live.mp3")
tap.ok(src.ok(), "the live source connects", src.response)
feed = LoopFeeder(src, live, RATE)
tap.ok(wait_for(lambda: live[8000:12000] in a.body() and live[8000:12000] in b.body(), 30),
       "fallback-override: both listeners are on the live source")
# ---- it leaves: back to the file
mark = len(a.body())
feed.stop()
src.close()
tap.ok(wait_for(lambda: in_loop(a.body()[-8000:]) and len(a.body()) > mark + 24000, 30),
       "the source left: back to the file")
tap.ok(not a.closed and not b.closed, "nobody was dropped on the way")
err = capture_errors(a.body(), tmpdir(), "a.mp3")
tap.ok(not err, "the whole capture (file, live, file) decodes cleanly", err)
a.close()
b.close()
tap.ok(wait_for(lambda: "stopped, no listener left" in floe.read_log(), 20),
       "with no listener left the file stops", floe.log())
tap.is_eq(floe.stop(), 0, "floe exits cleanly")
