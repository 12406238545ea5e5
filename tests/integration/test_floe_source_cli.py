#!/usr/bin/env python3
"""floe-source's command line, config file, playlist formats and errors.

--help documents every flag main.c defines; --check-config reads the
example config in source-client/ and lists its outputs; config mistakes are
reported with their line number; missing settings say which flag to give.
PLS (TitleN when a file has no tags), a folder (recursive, sorted) and a
list on standard input all play. Failures are clear and final: a missing
playlist, a playlist with no playable file (an error within seconds, never
a spin), and a wrong password (floe's 401) each exit 1 with a message that
says what is wrong.
"""
import os
import re
import shutil
import subprocess

from floe_source_lib import FLOE_SOURCE, Source, run_source, tone, write
from floelib import TOP_SRCDIR, Floe, tap, tmpdir, wait_for, wait_mount

d = tmpdir()

# ---- --help covers every flag
rc, out = run_source(["--help"])
with open(os.path.join(TOP_SRCDIR, "source-client", "main.c")) as f:
    src_text = f.read()
table = src_text[src_text.index("longopts[] = {"):src_text.index("{ NULL, 0, NULL, 0 }")]
flags = re.findall(r'\{ "([a-z0-9-]+)",', table)
missing = [fl for fl in flags if "--" + fl not in out]
tap.ok(rc == 0 and len(flags) >= 25 and not missing,
       "--help documents all %d flags" % len(flags), "missing: %s" % missing)
tap.ok("floe-source --playlist FILE --url http://source:PASS@HOST:PORT/MOUNT" in out and
       "[--format mp3|aac|vorbis|opus|flac] [--bitrate KBPS]" in out and
       "[--crossfade SECONDS]" in out and
       "floe-source ctl" in out, "--help shows the one-output form and ctl")
rc, out = run_source(["--version"])
tap.ok(rc == 0 and out.startswith("floe-source "), "--version", out)

# ---- the example config, and config errors
example = os.path.join(TOP_SRCDIR, "source-client", "floe-source.conf.example")
rc, out = run_source(["-c", example, "--check-config"])
# The example's playlist (music/station.m3u) is not in the tree: said, exit 1.
tap.ok(rc == 1 and "cannot open playlist" in out and
       out.count("\noutput ") + out.startswith("output ") == 5 and
       "aac 64 kbps" in out and "(SOURCE)" in out and "VBR q4" in out and "file " in out and
       "opus 96 kbps, 48000 Hz" in out,
       "--check-config reads the example config: five outputs (MP3, AAC, Opus, SOURCE/VBR, "
       "file), and says its playlist is not there",
       out)
bad = write(os.path.join(d, "bad.conf"), "playlist = x.m3u\n\n[output a]\nurl = http://h/m\n"
            "bitrate = 1000\n")
rc, out = run_source(["-c", bad])
tap.ok(rc == 1 and "bad.conf: line 5: bitrate must be 8 to 320" in out,
       "a bad value is reported with its file and line", out)
rc, out = run_source(["-c", write(os.path.join(d, "typo.conf"), "playlsit = a.m3u\n")])
tap.ok(rc == 1 and "line 1: unknown setting \"playlsit\"" in out, "a typo is an error", out)
rc, out = run_source(["--playlist", "x.m3u"])
tap.ok(rc == 1 and "--url" in out, "no output: says to give --url", out)
rc, out = run_source(["--url", "http://source:p@127.0.0.1:1/m.mp3"])
tap.ok(rc == 1 and "--playlist" in out, "no playlist: says to give --playlist", out)
rc, out = run_source(["--playlist", "x", "--url", "ftp://source:s3cret@h/m"])
tap.ok(rc == 1 and "http://" in out and "s3cret" not in out,
       "a bad URL is refused, its password not printed", out)
good = tone(os.path.join(d, "good.mp3"), 440, 2)
for rate, says in (("8000", "cannot carry 128 kbps"), ("12345", "not 12345")):
    rc, out = run_source(["--check-config", "--playlist", good, "--url", "http://h/m.mp3",
                          "--samplerate", rate])
    tap.ok(rc == 1 and says in out, "--samplerate %s: MP3 cannot send what would be announced: "
           "refused, saying why" % rate, out)
rc, out = run_source(["--check-config", "--playlist", os.path.join(d, "none.m3u"), "--url",
                      "http://h/m.mp3"])
tap.ok(rc == 1 and "cannot open playlist" in out, "--check-config checks the playlist", out)
rc, out = run_source(["--check-config", "--playlist", good, "--url", "http://a:1@h/m.mp3",
                      "--url", "http://b:2@h:8000/m.mp3"])
tap.ok(rc == 1 and "both stream to h:8000/m.mp3" in out,
       "--check-config: two outputs on one mount are refused", out)
rc, out = run_source(["--playlist", "x", "--url", "http://h/m", "--format", "ogg"])
tap.ok(rc == 1 and "mp3, aac, vorbis, opus or flac" in out,
       "an unknown format is refused, naming the ones there are", out)

# ---- errors that end the run, clearly and at once
floe = Floe()
url = "http://source:hackme@127.0.0.1:%d" % floe.port
rc, out = run_source(["--playlist", os.path.join(d, "nope.m3u"), "--url", url + "/x.mp3",
                      "--control", "none"])
tap.ok(rc == 1 and "cannot open playlist" in out and "No such file" in out,
       "a missing playlist: exit 1, says so", out)
junk = os.path.join(d, "junk.mp3")
with open(junk, "wb") as f:
    f.write(os.urandom(30000))
nothing = write(os.path.join(d, "nothing.m3u"), "gone1.mp3\njunk.mp3\ngone2.flac\n")
# A spin or an endless retry never exits: run_source's deadline (rc None)
# catches it, however slow the machine; a retry also says "retrying in".
rc, out = run_source(["--playlist", nothing, "--url", url + "/n.mp3", "--control", "none",
                      "--once"], 60)
tap.ok(rc == 1 and "no playable file in the playlist" in out,
       "no playable file (once): a clear error, exit 1, not a spin", out)
# Looping, it stays on the air (the disk may come back): silence stands in.
stand = Source(["--playlist", nothing, "--url", url + "/n.mp3"], name="standin", control=False)
tap.ok(stand.wait_log("off the playlist: playing silence", 30) and wait_mount(floe, "/n.mp3", 30)
       and stand.alive(), "no playable file (looping): a clear error, and silence keeps the "
       "mount on the air instead of an exit", stand.log()[-600:])
stand.stop()
rc, out = run_source(["--playlist", nothing, "--url", url.replace("hackme", "nope") +
                      "/w.mp3", "--control", "none"], 60)
tap.ok(rc == 1 and "wrong user name or password" in out and "retrying in" not in out,
       "floe's 401: reported as a wrong password, exit 1, no retry", out)

# ---- playlist formats: PLS, a folder, standard input
tone(os.path.join(d, "untagged.ogg"), 500, 3)
tone(os.path.join(d, "tagged.flac"), 600, 3, "PLS Artist", "Tagged")
pls = write(os.path.join(d, "list.pls"), "[playlist]\nNumberOfEntries=2\nFile1=untagged.ogg\n"
            "Title1=From The PLS\nFile2=tagged.flac\nTitle2=Not Used\nVersion=2\n")
folder = os.path.join(d, "music")
os.makedirs(os.path.join(folder, "b-side"))
os.makedirs(os.path.join(folder, "a-side"))
tone(os.path.join(folder, "b-side", "1.wav"), 700, 2, "Folder", "B1")
tone(os.path.join(folder, "a-side", "2.mp3"), 800, 2, "Folder", "A2")
tone(os.path.join(folder, "a-side", "1.mp3"), 900, 2, "Folder", "A1")
tone(os.path.join(folder, "0.flac"), 1000, 2, "Folder", "Top")
write(os.path.join(folder, "cover.jpg"), "not audio")

# An MP3 with only an ID3v1 tag (Latin-1), and one with UTF-8 ID3v2 text.
v1 = tone(os.path.join(d, "v1.mp3"), 550, 2, extra=["-id3v2_version", "0", "-write_xing", "0"])
with open(v1, "ab") as f:
    f.write(b"TAG" + b"Old Title".ljust(30, b"\0") + "Ol\xe9 Artist".encode("latin-1").ljust(
        30, b"\0") + b"\0" * 30 + b"1999" + b"\0" * 30 + b"\xff")
tone(os.path.join(d, "utf8.mp3"), 650, 2, "\u00dcn\u00efc\u00f8d\u00e9 \u2713",
     "Quotes \"q\" & 'x'")

runs = {
    "pls": Source(["--playlist", pls, "--once", "--file", os.path.join(d, "pls.mp3")],
                  name="pls"),
    "folder": Source(["--playlist", folder, "--once", "--file",
                      os.path.join(d, "folder.mp3")], name="folder"),
    "stdin": Source(["--playlist", "-", "--once", "--file", os.path.join(d, "stdin.mp3")],
                    stdin_text="%s\n%s\nv1.mp3\nutf8.mp3\n" % (
                        os.path.join(d, "tagged.flac"), os.path.join(folder, "0.flac")),
                    name="stdin", cwd=d),
}
for name, s in runs.items():
    wait_for(lambda: not s.alive(), 30)


def played(s):
    return re.findall(r"playing: (.*?) \(", s.log())


tap.is_eq(played(runs["pls"]), ["From The PLS", "PLS Artist - Tagged"],
          "PLS: File1, File2 in order; TitleN for a file without tags, tags win otherwise")
tap.is_eq(played(runs["folder"]), ["Folder - Top", "Folder - A1", "Folder - A2", "Folder - B1"],
          "folder: recursive, sorted, audio files only")
tap.is_eq(played(runs["stdin"]), ["PLS Artist - Tagged", "Folder - Top", "Ol\u00e9 Artist - Old Title",
                                  "\u00dcn\u00efc\u00f8d\u00e9 \u2713 - Quotes \"q\" & 'x'"],
          "a list on standard input plays (relative paths from the working directory); "
          "ID3v1 (Latin-1) and UTF-8 ID3v2 titles")
tap.ok(all(s.proc.returncode == 0 for s in runs.values()), "each exits 0 at the end")

# ---- two instances on one control socket: the second says why it cannot start
sock = os.path.join(d, "one.sock")
first = Source(["--playlist", pls, "--url", url + "/one.mp3", "--control", sock], name="one")
tap.ok(wait_for(lambda: os.path.exists(sock), 10), "control socket created")
tap.ok(os.stat(sock).st_mode & 0o077 == 0, "control socket is private to its user (%s)"
       % oct(os.stat(sock).st_mode & 0o777))
rc, out = run_source(["--playlist", pls, "--url", url + "/two.mp3", "--control", sock])
tap.ok(rc == 1 and "another floe-source is running" in out, "a second instance refuses the socket",
       out)
first.stop()
tap.ok(not os.path.exists(sock), "the socket is removed on exit")

# ---- two instances with default settings: each has its own control socket
rt = tmpdir()
env = dict(os.environ, XDG_RUNTIME_DIR=rt)
a = Source(["--playlist", pls, "--url", url + "/a.mp3"], name="a", control=False, env=env)
b = Source(["--playlist", pls, "--url", url + "/b.mp3"], name="b", control=False, env=env)
tap.ok(wait_mount(floe, "/a.mp3", 30) and wait_mount(floe, "/b.mp3", 30) and a.alive() and
       b.alive(), "two floe-source processes with default settings both stream",
       a.log()[-500:] + b.log()[-500:])
socks = sorted(os.listdir(rt))
tap.is_eq(socks, ["floe-source-127.0.0.1-%d-a.mp3.sock" % floe.port,
                  "floe-source-127.0.0.1-%d-b.mp3.sock" % floe.port],
          "each has its own socket, named by its output")
r = subprocess.run([FLOE_SOURCE, "ctl", "status"], capture_output=True, text=True, env=env,
                   timeout=15)
tap.ok(r.returncode != 0 and socks[0] in r.stderr and socks[1] in r.stderr,
       "ctl with two running says which are there", r.stderr)
r = subprocess.run([FLOE_SOURCE, "ctl", "--socket", os.path.join(rt, socks[0]), "status"],
                   capture_output=True, text=True, env=env, timeout=15)
tap.ok(r.returncode == 0 and "a.mp3" in r.stdout, "ctl --socket reaches the one named",
       r.stdout + r.stderr)
b.stop()
r = subprocess.run([FLOE_SOURCE, "ctl", "status"], capture_output=True, text=True, env=env,
                   timeout=15)
tap.ok(r.returncode == 0 and "a.mp3" in r.stdout, "with one running, ctl finds it by itself",
       r.stdout + r.stderr)
a.stop()
tap.is_eq(floe.stop(), 0, "floe exits cleanly")

# ---- the README's whole station: every key it shows is real, and the whole
# checks out (playlists, jingles, schedule, live input, hooks, API, three
# outputs). Its /srv and /var paths are moved into this test's folder.
with open(os.path.join(TOP_SRCDIR, "source-client", "README.md")) as f:
    readme = f.read()
m = re.search(r"<!-- station.conf begins -->\n(.*?)<!-- station.conf ends -->", readme, re.S)
tap.ok(m is not None, "the README shows a whole station's config")
station = os.path.join(d, "station")
for sub in ("radio/music", "radio/jingles", "radio/ids", "archive", "log"):
    os.makedirs(os.path.join(station, sub), exist_ok=True)
tone(os.path.join(station, "radio/music/m.mp3"), 440, 1, "Music", "One")
tone(os.path.join(station, "radio/jingles/j.mp3"), 880, 1, "Jingle", "One")
tone(os.path.join(station, "radio/ids/id.mp3"), 660, 1, "ID", "One")
tone(os.path.join(station, "radio/fallback.mp3"), 220, 1, "Fallback", "One")
write(os.path.join(station, "radio/oldies.m3u"), "music/m.mp3\n")
write(os.path.join(station, "radio/morning.m3u"), "music/m.mp3\n")
text = "\n".join(line[4:] for line in (m.group(1) if m else "").splitlines())
text = (text.replace("/srv/", station + "/")
        .replace("/var/log/floe-source", os.path.join(station, "log")))
conf = write(os.path.join(station, "station.conf"), text)
rc, out = run_source(["-c", conf, "--check-config"])
tap.ok(rc == 0 and all(w in out for w in ("mp3", "opus", "archive", "mornings", "live")),
       "floe-source --check-config accepts it", out)
