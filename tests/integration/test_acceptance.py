#!/usr/bin/env python3
"""Issue 2's acceptance scenario with real programs: ffmpeg pushes a 128 kbps
MP3 to /live.mp3 (PUT, as ffmpeg does by default), three curl listeners ask
for ICY metadata; each gets audio at once, the metaint framing parses end to
end, an /admin/metadata song update shows up as StreamTitle in every
listener's stream, /admin/stats counts 3 listeners, the audio is exactly the
source's, and ffprobe decodes a capture. Then the same over SOURCE
(ffmpeg -legacy_icecast 1)."""
import os
import subprocess

from floelib import (Floe, Listener, contiguous_in, ffmpeg_push, icy_split, is_mp3_frame_header,
                     media, mp3_whole, spawn, stat_value, stream_title, tap, tmpdir, wait_for, wait_mount)

tone = media("tone.mp3")
with open(tone, "rb") as f:
    source_bytes = f.read()
NO_TAGS = ["-write_xing", "0", "-id3v2_version", "0"]   # the stream is then the file's frames

floe = Floe()
ff = ffmpeg_push(floe, tone, "/live.mp3", extra=NO_TAGS)
tap.ok(wait_mount(floe, "/live.mp3"), "ffmpeg (PUT, Expect: 100-continue) is accepted as a source")

d = tmpdir()
curls = []
for i in range(3):
    out, hdr = os.path.join(d, "c%d.bin" % i), os.path.join(d, "c%d.hdr" % i)
    p = spawn(["curl", "-s", "-H", "Icy-MetaData: 1", "-D", hdr, "-o", out, "--max-time", "60",
               floe.url("/live.mp3")])
    curls.append((p, out, hdr))


def curl_metas(out):
    """The metadata blocks a curl listener has written out so far."""
    try:
        with open(out, "rb") as f:
            return icy_split(f.read(), 16000)[1]
    except OSError:
        return []


# Raw listeners too, so the "next block" property can be checked exactly.
raws = [Listener(floe, "/live.mp3", icy=True) for _ in range(2)]
for r in raws:
    r.wait_bytes(40000)

tap.ok(wait_for(lambda: stat_value(floe.stats(), "/live.mp3", "listeners") == "5", 10),
       "/admin/stats counts the three curl listeners (and two raw ones)")

# Every curl has had a metadata block (the empty title) before the update.
wait_for(lambda: all(curl_metas(out) for _, out, _ in curls), 30)
before = [len(icy_split(r.body(), 16000)[1]) for r in raws]
st, _, body = floe.metadata("/live.mp3", song="Foo - Bar")
tap.ok(st == 200 and b"<message>Metadata update successful</message><return>1</return>" in body,
       "/admin/metadata answers success", body)


def title_then_empty(out):
    """Has this curl had the new title, two blocks after it, five in all?"""
    metas = curl_metas(out)
    got = [i for i, m in enumerate(metas) if m and stream_title(m) == "Foo - Bar"]
    return len(metas) >= 5 and got and len(metas) - got[0] > 2


# The curls listen until each has had the new title and blocks after it.
wait_for(lambda: all(title_then_empty(out) for _, out, _ in curls), 60, 0.2)
for p, out, hdr in curls:
    p.terminate()
    p.wait(30)
for r in raws:
    r.wait_bytes(len(r.body()) + 3 * 16001)

for i, (p, out, hdr) in enumerate(curls):
    with open(hdr, "rb") as f:
        head = f.read().decode("latin-1")
    with open(out, "rb") as f:
        data = f.read()
    tap.ok(head.startswith("HTTP/1.0 200 OK") and "icy-metaint:16000" in head,
           "curl %d: HTTP/1.0 200 OK with icy-metaint:16000" % i, head)
    tap.ok(len(data) > 65536, "curl %d: received the burst and more (%d bytes)" % (i, len(data)))
    audio, metas, err = icy_split(data, 16000)
    tap.ok(err is None and len(metas) >= 5, "curl %d: ICY framing parses end to end (%d blocks)"
           % (i, len(metas)), err)
    tap.is_eq(metas[0] if metas else None, "StreamTitle='';",
              "curl %d: first metadata block carries the (empty) current title" % i)
    titles = [stream_title(m) for m in metas if m]
    tap.is_eq(titles, ["", "Foo - Bar"], "curl %d: the new title arrives once, then empty blocks" % i)
    tap.ok(is_mp3_frame_header(audio[:4]), "curl %d: audio starts on an MP3 frame" % i)
    tap.ok(contiguous_in(audio, source_bytes),
           "curl %d: audio is exactly a contiguous run of the source's bytes" % i)

for i, r in enumerate(raws):
    audio, metas, err = icy_split(r.body(), 16000)
    nxt = metas[before[i]:before[i] + 2]
    tap.ok(err is None and any(stream_title(m) == "Foo - Bar" for m in nxt),
           "raw listener %d: StreamTitle='Foo - Bar' in the next metadata block after the update"
           % i, "blocks after update: %r" % metas[before[i]:])

# ffprobe decodes what a listener got (metadata stripped).
audio = mp3_whole(icy_split(open(curls[0][1], "rb").read(), 16000)[0])
cap = os.path.join(d, "capture.mp3")
with open(cap, "wb") as f:
    f.write(audio)
res = subprocess.run(["ffmpeg", "-v", "error", "-i", cap, "-f", "null", "-"],
                     capture_output=True, text=True)
tap.ok(res.returncode == 0 and res.stderr.strip() == "", "ffmpeg decodes a listener's capture without errors",
       res.stderr)
probe = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,sample_rate,channels",
                        "-of", "csv=p=0", cap], capture_output=True, text=True)
tap.is_eq(probe.stdout.strip(), "mp3,44100,2", "ffprobe sees 44.1 kHz stereo MP3")

ff.terminate()
ff.wait(10)
tap.ok(wait_for(lambda: stat_value(floe.stats(), "/live.mp3", "listeners") is None, 10),
       "the mount is gone once the source leaves")

# SOURCE (ffmpeg -legacy_icecast 1): audio arrives with the head.
ff = ffmpeg_push(floe, tone, "/legacy.mp3", legacy=True, extra=NO_TAGS)
tap.ok(wait_mount(floe, "/legacy.mp3"), "ffmpeg -legacy_icecast 1 (SOURCE) is accepted")
plain = Listener(floe, "/legacy.mp3")
plain.wait_bytes(100000)
st, hd = plain.head()
tap.ok(st == 200 and "icy-metaint" not in hd, "a listener without Icy-MetaData gets no icy-metaint")
tap.ok(contiguous_in(plain.body()[:100000], source_bytes),
       "SOURCE listener without metadata gets exactly the source's bytes")
ff.terminate()
tap.is_eq(floe.stop(), 0, "floe exits 0 on SIGTERM")
