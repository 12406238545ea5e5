#!/usr/bin/env python3
"""Ogg titles: the Vorbis and Opus comment headers of each chain (a new
chain per track, as Liquidsoap sends) put TITLE and ARTIST into
/admin/stats and /status-json.xsl, apart, as icecast2 shows them (checked
against it); /admin/metadata on an Ogg mount sets the title stats show.
"""
import json
import os
import subprocess
import urllib.parse

from floelib import Floe, Icecast2, CONFIG_TEMPLATE, LoopFeeder, RawSource, stat_value, tap, \
    tmpdir, wait_for

ARGS = dict(clients=100, sources=10, queue_size=524288, header_timeout=15, source_timeout=10,
            burst_size=65536, source_pass="hackme", admin_pass="hackme", mounts="",
            webroot=tmpdir(), paths_extra="", limits_extra="")
d = tmpdir()


def tagged(codec, title, artist, freq):
    path = os.path.join(d, "%s-%d.ogg" % (codec, freq))
    enc = ["-c:a", "libvorbis", "-q:a", "2"] if codec == "vorbis" else \
        ["-c:a", "libopus", "-b:a", "64k"]
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "sine=frequency=%d:duration=4:sample_rate=48000" % freq] + enc +
                   ["-metadata", "title=" + title, "-metadata", "artist=" + artist,
                    "-f", "ogg", path], check=True)
    with open(path, "rb") as f:
        return f.read()


def tags(server, mount):
    x = server.stats()
    return stat_value(x, mount, "title"), stat_value(x, mount, "artist")


INFO = ("subtype", "audio_bitrate", "audio_channels", "audio_samplerate", "ice-bitrate")


def info(server, mount):
    x = server.stats()
    return {k: stat_value(x, mount, k) for k in INFO}


vorbis = tagged("vorbis", "So What", "Miles Davis", 440)
opus = tagged("opus", "Blue in Green", "Bill Evans", 660)
second = tagged("vorbis", "Freddie Freeloader", "Miles Davis", 550)

results = {}
for name, cls in (("icecast2", Icecast2), ("floe", Floe)):
    srv = cls(CONFIG_TEMPLATE, **ARGS) if cls is Icecast2 else Floe()
    if cls is Icecast2 and not srv.up:
        tap.diag("icecast2: %s" % srv.skip_reason)
        continue
    got = []
    for mount, data in (("/v.ogg", vorbis), ("/o.ogg", opus)):
        src = RawSource(srv, mount, content_type="application/ogg")
        feed = LoopFeeder(src, data, 12000)
        wait_for(lambda: info(srv, mount)["subtype"] is not None, 15)
        wait_for(lambda: tags(srv, mount)[0] is not None, 5)
        got.append(tags(srv, mount))
        got.append(info(srv, mount))
        feed.stop()
        src.close()
    results[name] = got
    if cls is Floe:
        floe = srv
    else:
        srv.stop()

tap.is_eq([results["floe"][0], results["floe"][2]],
          [("So What", "Miles Davis"), ("Blue in Green", "Bill Evans")],
          "Vorbis and Opus comments: title and artist in stats")
tap.ok(results["floe"][1]["subtype"] == "Vorbis" and results["floe"][1]["audio_channels"] == "1"
       and results["floe"][3]["subtype"] == "Opus",
       "the codec and Vorbis's numbers in stats", results["floe"])
if "icecast2" in results:
    tap.is_eq(results["floe"][:2], results["icecast2"][:2],
              "Vorbis: title, artist, subtype, audio_* and ice-bitrate as icecast2 shows them")
    tap.is_eq(results["floe"][3], results["icecast2"][3], "Opus: the subtype as icecast2")
    tap.diag("icecast2 2.4.4 shows no title for Opus: %r" % (results["icecast2"][2],))
else:
    tap.skip("compared with icecast2", "icecast2 did not start")

# a chained stream: the second chain's comments replace the first's
src = RawSource(floe, "/chain.ogg", content_type="application/ogg")
src.send_paced(vorbis + second, 40000)
tap.ok(wait_for(lambda: tags(floe, "/chain.ogg") == ("Freddie Freeloader", "Miles Davis"), 20),
       "a new chain's comments replace the old", tags(floe, "/chain.ogg"))
st, _, body = floe.get("/status-json.xsl")
src_json = json.loads(body)["icestats"]["source"]
tap.ok(src_json.get("title") == "Freddie Freeloader" and src_json.get("artist") == "Miles Davis",
       "/status-json.xsl shows them too", src_json)
tap.ok("Freddie Freeloader" in floe.read_log(), "the error log names the new title")
# /admin/metadata on an Ogg mount: the title stats show
q = urllib.parse.urlencode({"mode": "updinfo", "mount": "/chain.ogg", "song": "Set by hand"})
st, _, body = floe.get("/admin/metadata?" + q, auth=("admin", "hackme"))
tap.ok(st == 200 and b"successful" in body and
       wait_for(lambda: tags(floe, "/chain.ogg") == ("Set by hand", None), 10),
       "/admin/metadata on Ogg: stats show the title", (body, tags(floe, "/chain.ogg")))
src.close()
tap.is_eq(floe.stop(), 0, "floe exits cleanly")
