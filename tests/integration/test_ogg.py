#!/usr/bin/env python3
"""Ogg streams through floe.

ffmpeg pushes Ogg Opus and Ogg Vorbis in real time; a listener that joins
once the burst window has moved past the stream start still gets a stream
that begins with the BOS page (OpusHead / \\x01vorbis), then the comment
header (OpusTags / \\x03vorbis), then audio pages, and ffmpeg decodes it
cleanly. A RawSource sending the bytes of a known Ogg file shows that no
icy-metaint is offered and no ICY bytes are inserted (even across an
/admin/metadata update, which answers success as icecast2 does). A chained
Ogg (file1 then file2, different serials) gives a listener who joins during
file2 file2's headers, not file1's, and a listener connected across the
chain boundary gets file2's BOS pages in-band, once, whether it joined before
the first byte or during file1 (after file1's injected headers).
"""
import os
import struct
import subprocess
import threading
import time

from floelib import (Feeder, decode_errors, Floe, Listener, RawSource, contiguous_in, ffmpeg_push, media, stat_value,
                     tap, tmpdir, wait_for, wait_mount)

BURST = 8192
CODECS = {"opus": (b"OpusHead", b"OpusTags"), "vorbis": (b"\x01vorbis", b"\x03vorbis")}

# ---------------------------------------------------------------- Ogg helpers


class Page:
    """One Ogg page: its header fields and raw bytes."""

    def __init__(self, raw):
        self.raw = raw
        self.htype = raw[5]
        self.granule, self.serial, self.seq = struct.unpack_from("<qII", raw, 6)
        self.body = raw[27 + raw[26]:]

    @property
    def bos(self):
        return bool(self.htype & 2)


def ogg_pages(data):
    """Split data into complete Ogg pages: (pages, error). A trailing partial
    page is ignored; anything that is not a page where one must start is an
    error."""
    pages, pos = [], 0
    while pos + 27 <= len(data):
        if data[pos:pos + 4] != b"OggS":
            return pages, "no OggS at offset %d: %r" % (pos, data[pos:pos + 16])
        nseg = data[pos + 26]
        if pos + 27 + nseg > len(data):
            break
        size = 27 + nseg + sum(data[pos + 27:pos + 27 + nseg])
        if pos + size > len(data):
            break
        pages.append(Page(data[pos:pos + size]))
        pos += size
    return pages, None


def header_pages(pages):
    """The leading pages with granule position <= 0 (BOS and codec headers)."""
    n = 0
    while n < len(pages) and pages[n].granule <= 0:
        n += 1
    return pages[:n]


def make_opus(path, freq, seconds, serial):
    """An Ogg Opus file with a known tone and stream serial number."""
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "sine=frequency=%d:duration=%d:sample_rate=48000" % (freq, seconds),
                    "-ac", "2", "-c:a", "libopus", "-b:a", "96k",
                    "-fflags", "+bitexact", "-serial_offset", str(serial),
                    "-f", "ogg", path], check=True)
    with open(path, "rb") as f:
        return f.read()



def probe_codec(path):
    res = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of",
                          "csv=p=0", path], capture_output=True, text=True)
    return res.stdout.strip()


def bytes_read(floe, mount):
    v = stat_value(floe.stats(), mount, "total_bytes_read")
    return int(v) if v else 0




def late_listener(floe, mount, sent, after):
    """A listener (asking for ICY metadata) joining once sent() >= after bytes."""
    wait_for(lambda: sent() >= after, 30)
    return Listener(floe, mount, icy=True)


def wait_audio_pages(lst, n):
    """Wait until a capture holds n complete pages after its header pages."""
    def enough():
        pages = ogg_pages(lst.body())[0]
        return len(pages) - len(header_pages(pages)) >= n or lst.closed
    wait_for(enough, 20)


def check_late_join(name, lst, codec, want_serial=None):
    """A mid-stream joiner's capture: BOS + headers, then audio, decodable."""
    head_magic, tags_magic = CODECS[codec]
    st, hd = lst.head()
    tap.ok(st == 200 and hd.get("content-type") == "application/ogg",
           "%s: 200 with Content-Type application/ogg" % name, hd)
    tap.ok("icy-metaint" not in hd, "%s: no icy-metaint for Ogg although Icy-MetaData: 1 was asked"
           % name, hd)
    body = lst.body()
    pages, err = ogg_pages(body)
    tap.ok(err is None and len(pages) >= 4, "%s: the capture is whole Ogg pages (%d)"
           % (name, len(pages)), err)
    if not pages:
        return body
    first = pages[0]
    tap.ok(first.bos and first.body.startswith(head_magic),
           "%s: the stream begins with a BOS page holding %r" % (name, head_magic),
           "first page: type %d, %r" % (first.htype, first.body[:16]))
    if want_serial is not None:
        tap.is_eq(first.serial, want_serial, "%s: the BOS page is the current chain's" % name)
    hdrs = header_pages(pages)
    tap.ok(len(hdrs) >= 2 and hdrs[1].body.startswith(tags_magic) and not hdrs[1].bos,
           "%s: the comment header %r follows" % (name, tags_magic),
           [(p.htype, p.body[:12]) for p in hdrs])
    audio = pages[len(hdrs):]
    tap.ok(audio and all(p.serial == first.serial and not p.bos for p in audio),
           "%s: audio pages of the same stream follow the headers" % name)
    last_hdr = hdrs[-1].seq if hdrs else -1
    tap.ok(hdrs and audio and audio[0].seq > last_hdr + 1,
           "%s: joined mid-stream (first audio page is #%d, headers end at #%d)"
           % (name, audio[0].seq if audio else -1, last_hdr))
    path = os.path.join(tmpdir(), "capture.ogg")
    with open(path, "wb") as f:
        f.write(body)
    tap.is_eq(decode_errors(path), "", "%s: ffmpeg decodes the capture without errors" % name)
    tap.is_eq(probe_codec(path), codec, "%s: ffprobe sees one %s stream" % (name, codec))
    return body

# ---------------------------------------------------------------- setup

# A small burst, so that "after the burst window moved past the stream start"
# comes a few seconds in even for the low-bitrate Vorbis tone.
floe = Floe(burst_size=BURST)
d = tmpdir()

# ffmpeg, real time.
pushes = {"/ff.opus": ffmpeg_push(floe, media("tone.opus"), "/ff.opus"),
          "/ff.ogg": ffmpeg_push(floe, media("tone.ogg"), "/ff.ogg")}
live_since = time.monotonic()

# A RawSource sending a known Ogg Opus file at about 2x real time.
with open(media("tone.opus"), "rb") as f:
    known = f.read()
known_rate = len(known) / 30
raw_src = RawSource(floe, "/raw.ogg", content_type="application/ogg")
tap.ok(raw_src.ok(), "a RawSource with Content-Type application/ogg is accepted", raw_src.response)
raw_feed = Feeder(raw_src, known, 2 * known_rate)

# Chained Ogg: two Opus files with different tones and serials, ~3x real time.
file1 = make_opus(os.path.join(d, "one.opus"), 440, 5, 1111)
file2 = make_opus(os.path.join(d, "two.opus"), 880, 20, 2222)
serial1, serial2 = ogg_pages(file1)[0][0].serial, ogg_pages(file2)[0][0].serial
tap.ok((serial1, serial2) == (1111, 2222), "precondition: the chained files have serials 1111, 2222",
       (serial1, serial2))
chain_src = RawSource(floe, "/chain.opus", content_type="application/ogg")
tap.ok(chain_src.ok(), "a second RawSource (chained Ogg) is accepted", chain_src.response)
chain = file1 + file2
chain_rate = 3 * len(chain) / 25
early = Listener(floe, "/chain.opus")   # before the first byte: gets the whole chain
chain_src.send_paced(file1[:len(file1) // 2], chain_rate)
during1 = Listener(floe, "/chain.opus", icy=True)
during1.head()                          # attached halfway through file1
chain_feed = Feeder(chain_src, file1[len(file1) // 2:] + file2, chain_rate)

# ---------------------------------------------------------------- chained Ogg

# file2's pages are ~16 KB: 8 bursts in, the burst point is pages past its start.
mid = late_listener(floe, "/chain.opus", lambda: len(chain_src.sent), len(file1) + 8 * BURST)
wait_audio_pages(mid, 4)
chain_feed.stop()
for lst in (mid, early, during1):
    lst.close()
body = check_late_join("chain listener joining during file2", mid, "opus", serial2)
pages, _ = ogg_pages(body)
tap.ok(pages and all(p.serial == serial2 for p in pages),
       "chain: nothing of file1 (serial %d) reaches the file2 joiner" % serial1)
hlen = sum(len(p.raw) for p in header_pages(pages))
tap.ok(body[:hlen] == b"".join(p.raw for p in header_pages(ogg_pages(file2)[0])) and
       contiguous_in(body[hlen:], file2),
       "chain: file2's own header pages, then a contiguous run of file2")

body = during1.body()
pages, err = ogg_pages(body)
hlen = sum(len(p.raw) for p in header_pages(pages))
tap.ok(err is None and body[:hlen] == b"".join(p.raw for p in header_pages(ogg_pages(file1)[0])),
       "chain: a listener joining during file1 gets file1's header pages first", err)
tap.ok(contiguous_in(body[hlen:], chain) and len(body) > len(file1),
       "chain: then one contiguous run of the sent bytes across the boundary")
tap.is_eq([p.serial for p in pages if p.bos], [serial1, serial2],
          "chain: it sees file1's BOS (injected) and file2's (in-band), once each")

sent = bytes(chain_src.sent)
eb = early.body()
tap.ok(len(eb) > len(file1) and sent.startswith(eb),
       "chain: a listener connected across the boundary gets exactly the bytes sent "
       "(file2's BOS in-band, no extra header pages; %d bytes)" % len(eb))
tap.is_eq([p.serial for p in ogg_pages(eb)[0] if p.bos], [serial1, serial2],
          "chain: that listener saw each chain's BOS page once")

# ---------------------------------------------------------------- known bytes, no ICY

lst = late_listener(floe, "/raw.ogg", lambda: len(raw_src.sent), max(3 * BURST, 5 * known_rate))
lst.wait_bytes(16000)
st, _, resp = floe.metadata("/raw.ogg", song="Must Not Appear")
tap.is_eq((st, resp), (200, b'<?xml version="1.0"?>\n<iceresponse><message>Metadata update '
                            b'successful</message><return>1</return></iceresponse>\n'),
          "/admin/metadata on an Ogg mount answers success")
got = len(lst.body())
lst.wait_bytes(got + 40000)
raw_feed.stop()
lst.close()
body = check_late_join("raw Opus late joiner", lst, "opus", ogg_pages(known)[0][0].serial)
pages, _ = ogg_pages(body)
hlen = sum(len(p.raw) for p in header_pages(pages))
tap.ok(body[:hlen] == b"".join(p.raw for p in header_pages(ogg_pages(known)[0])),
       "raw: the header pages are byte for byte the file's")
rest = body[hlen:]
tap.ok(len(rest) > got and contiguous_in(rest, known),
       "raw: everything after the headers is one contiguous run of the sent bytes "
       "(nothing inserted, across the metadata update; %d bytes)" % len(rest))
tap.ok(b"StreamTitle" not in body and b"Must Not Appear" not in body,
       "raw: no ICY metadata text in the Ogg stream")

# ---------------------------------------------------------------- ffmpeg pushes

for mount in pushes:
    tap.ok(wait_mount(floe, mount), "ffmpeg's Ogg source on %s is live" % mount)
wait_for(lambda: time.monotonic() - live_since > 5, 10)
late = {m: late_listener(floe, m, lambda m=m: bytes_read(floe, m), 2 * BURST) for m in pushes}
for lst in late.values():
    wait_audio_pages(lst, 3)
for m, p in pushes.items():
    p.terminate()
for m, codec in (("/ff.opus", "opus"), ("/ff.ogg", "vorbis")):
    late[m].close()
    check_late_join("ffmpeg %s late joiner" % codec, late[m], codec)

for s in (raw_src, chain_src):
    s.close()
tap.is_eq(floe.stop(), 0, "floe exits 0 on SIGTERM")
