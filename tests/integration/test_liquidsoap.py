#!/usr/bin/env python3
"""Liquidsoap (Debian's liquidsoap package) as a source client.

Liquidsoap plays a playlist of two short generated MP3 files with ID3
titles and streams it to floe with output.icecast: with its default SOURCE
method, with method="put" (which fails unless floe answers
100-continue first) and with method="put", chunked=true (floe must decode
the chunked body). For each, an ICY listener gets both track titles as
StreamTitle (sent by Liquidsoap's /admin/metadata requests) and ffmpeg
decodes the audio without errors. Skipped when liquidsoap is not installed.
"""
import os
import subprocess

from floelib import (capture_errors, Floe, Listener, have, icy_split, mp3_whole, spawn, stat_value,
                     stream_title, tap, tmpdir, wait_for, wait_mount)

if not have("liquidsoap"):
    tap.skip("liquidsoap streams to floe", "liquidsoap is not installed")
    raise SystemExit(0)

TITLES = ["Liq Artist - First Song", "Liq Artist - Second Song"]
VARIANTS = {"/liq-source.mp3": "", "/liq-put.mp3": 'method="put", ',
            "/liq-chunked.mp3": 'method="put", chunked=true, '}

SCRIPT = """settings.init.allow_root.set(true)
settings.log.stdout.set(true)
s = playlist(mode="normal", reload_mode="never", "{playlist}")
output.icecast(%mp3(bitrate=128), host="127.0.0.1", port={port}, password="hackme",
               mount="{mount}", name="Liq test", {extra}fallible=true, s)
"""


def make_track(d, n, freq):
    """A 3 s MP3 with ID3 artist/title."""
    path = os.path.join(d, "track%d.mp3" % n)
    artist, title = TITLES[n].split(" - ")
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "sine=frequency=%d:duration=3" % freq, "-ac", "2", "-c:a", "libmp3lame",
                    "-b:a", "128k", "-id3v2_version", "3", "-metadata", "artist=" + artist,
                    "-metadata", "title=" + title, path], check=True)
    return path


def start_liquidsoap(d, floe, mount, extra, playlist):
    script = os.path.join(d, mount.strip("/") + ".liq")
    with open(script, "w") as f:
        f.write(SCRIPT.format(playlist=playlist, port=floe.port, mount=mount, extra=extra))
    log = open(os.path.join(d, mount.strip("/") + ".log"), "w")
    return spawn(["liquidsoap", script], stdout=log, stderr=subprocess.STDOUT), log.name


def titles_seen(lst):
    return [stream_title(m) for m in icy_split(lst.body(), 16000)[1] if m]




d = tmpdir()
playlist = os.path.join(d, "list.m3u")
with open(playlist, "w") as f:
    f.write("\n".join(make_track(d, i, freq) for i, freq in enumerate((500, 700))) + "\n")

floe = Floe()
liqs = {m: start_liquidsoap(d, floe, m, extra, playlist) for m, extra in VARIANTS.items()}
listeners = {}
for mount, (proc, log) in liqs.items():
    live = wait_mount(floe, mount, 30)
    tap.ok(live, "liquidsoap (%s) is accepted on %s" % (VARIANTS[mount].rstrip(", ") or "SOURCE", mount),
           open(log).read()[-2000:] + floe.read_log()[-2000:])
    if live:
        listeners[mount] = Listener(floe, mount, icy=True)

for mount, lst in listeners.items():
    wait_for(lambda: all(t in titles_seen(lst) for t in TITLES), 30)
    lst.close()
for mount, lst in listeners.items():
    st, hd = lst.head()
    tap.ok(st == 200 and hd.get("content-type") == "audio/mpeg" and hd.get("icy-name") == "Liq test",
           "%s: listener gets audio/mpeg with Liquidsoap's ice-name" % mount, hd)
    audio, metas, err = icy_split(lst.body(), 16000)
    tap.ok(err is None, "%s: ICY framing parses end to end" % mount, err)
    seen = titles_seen(lst)
    tap.ok(all(t in seen for t in TITLES), "%s: both track titles arrive as StreamTitle" % mount,
           seen)
    tap.ok(len(audio) > 32000, "%s: the listener got audio (%d bytes)" % (mount, len(audio)))
    tap.is_eq(capture_errors(mp3_whole(audio), d, mount.strip("/")), "",
              "%s: ffmpeg decodes it without errors" % mount)

agents = [stat_value(floe.stats(), m, "user_agent") or "" for m in listeners]
tap.ok(agents and all(a.startswith("Liquidsoap/") for a in agents),
       "stats show Liquidsoap's User-Agent on each mount", agents)
for proc, _ in liqs.values():
    proc.terminate()
    proc.wait(10)
tap.is_eq(floe.stop(), 0, "floe exits 0 on SIGTERM")
