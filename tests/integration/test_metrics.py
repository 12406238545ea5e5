#!/usr/bin/env python3
"""/metrics: Prometheus's text format, parsed by Prometheus's own client.

floe with two live mounts (one of them with a quote in its name), a few
listeners and a title change. Checks: /metrics asks for credentials
(admin, or <metrics-user>/<metrics-password>: not the source password);
it parses with prometheus_client's parser (Debian's python3-prometheus-
client); names follow the conventions (floe_ prefix, counters end in
_total); its numbers match /admin/stats (listeners, peak, bytes read and
sent within what moved between the two requests, title changes);
per-worker listeners add up to the listeners; responses are counted by
status; the process's descriptors and memory are there.
"""
import sys
import urllib.parse
import xml.etree.ElementTree as ET

from floelib import (ADMIN_PASS, SOURCE_PASS, Floe, Feeder, Listener, RawSource, media, tap,
                     wait_for, wait_mount)

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    sys.path.append("/usr/lib/python3/dist-packages")   # Debian's package, pyenv's python
    try:
        from prometheus_client.parser import text_string_to_metric_families
    except ImportError:
        tap.skip("/metrics", "python3-prometheus-client is not installed "
                 "(scripts/install-deps --test)")
        raise SystemExit(0)

floe = Floe()
# <metrics-password> goes in the config's own <authentication>.
floe.stop()
with open(floe.config) as f:
    text = f.read()
text = text.replace("<relay-password>hackme</relay-password>",
                    "<relay-password>hackme</relay-password>"
                    "<metrics-password>scrape</metrics-password>")
with open(floe.config, "w") as f:
    f.write(text)
tap.ok(floe.restart(), "floe starts with <metrics-password>")

with open(media("tone.mp3"), "rb") as f:
    MP3 = f.read()
MOUNTS = ["/live.mp3", '/odd"name.mp3']
feeds = []
for m in MOUNTS:
    feeds.append(Feeder(RawSource(floe, urllib.parse.quote(m)), MP3, 16000, loop=True))
    tap.ok(wait_mount(floe, m), "%s is live" % m)
listeners = [Listener(floe, "/live.mp3") for _ in range(3)]
for li in listeners:
    li.wait_bytes(20000)
floe.metadata("/live.mp3", song="One")
floe.metadata("/live.mp3", song="Two")


def scrape(auth=("metrics", "scrape")):
    return floe.get("/metrics", auth=auth)


st, _, _ = floe.get("/metrics")
tap.is_eq(st, 401, "/metrics without credentials: 401")
tap.is_eq(scrape(("source", SOURCE_PASS))[0], 401, "... and with the source password: 401")
tap.is_eq(scrape(("admin", ADMIN_PASS))[0], 200, "... the admin's credentials are enough")
st, hd, body = scrape()
tap.is_eq(st, 200, "... and so are <metrics-user>/<metrics-password>")
tap.ok(hd.get("content-type", "").startswith("text/plain; version=0.0.4"),
       "... in the text exposition format", hd.get("content-type"))
st2, _, stats = floe.get("/admin/stats", auth=("admin", ADMIN_PASS))

try:
    fams = {f.name: f for f in text_string_to_metric_families(body.decode())}
    parsed = True
except Exception as e:          # the parser's own errors
    fams, parsed = {}, False
    tap.diag("parse error: %s" % e)
tap.ok(parsed and len(fams) > 10, "prometheus_client parses it (%d families)" % len(fams),
       body[:400])
tap.ok(all(n.startswith("floe_") for n in fams), "every name starts with floe_", list(fams))
# prometheus_client strips _total from counter family names
tap.ok(all(f.type != "counter" or all(s.name.endswith("_total") for s in f.samples)
           for f in fams.values()), "every counter's samples end in _total")


def sample(family, **labels):
    f = fams.get(family)
    if f is None:
        return None
    for s in f.samples:
        if all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    return None


root = ET.fromstring(stats)


def stat(mount, key):
    for s in root.findall("source"):
        if s.get("mount") == mount:
            return float(s.findtext(key))
    return None


for m in MOUNTS:
    tap.ok(sample("floe_mount_listeners", mount=m) == stat(m, "listeners"),
           "%s: listeners match /admin/stats" % m,
           (sample("floe_mount_listeners", mount=m), stat(m, "listeners")))
tap.is_eq(sample("floe_mount_listeners", mount="/live.mp3"), 3.0, "the 3 listeners of /live.mp3")
tap.is_eq(sample("floe_mount_listener_peak", mount="/live.mp3"), 3.0, "... its peak")
got_in = sample("floe_mount_received_bytes", mount="/live.mp3")
want_in = stat("/live.mp3", "total_bytes_read")
tap.ok(got_in is not None and want_in <= got_in + 20000 and got_in <= want_in + 20000,
       "bytes received match total_bytes_read (within a second of audio)", (got_in, want_in))
got_out = sample("floe_mount_sent_bytes", mount="/live.mp3")
want_out = stat("/live.mp3", "total_bytes_sent")
tap.ok(got_out is not None and abs(got_out - want_out) <= 3 * 20000,
       "bytes sent match total_bytes_sent", (got_out, want_out))
tap.is_eq(sample("floe_mount_title_changes", mount="/live.mp3"), 2.0, "two title changes")
tap.ok(sample("floe_mount_listeners", mount='/odd"name.mp3') is not None,
       "a mount name with a quote comes back whole, escaped")
workers = [s.value for s in fams["floe_worker_listeners"].samples]
tap.is_eq(sum(workers), 3.0, "per-worker listeners add up (%s)" % workers)
tap.ok(all(s.value >= 0 for s in fams["floe_worker_loop_lag_seconds"].samples),
       "each worker's loop lag is there")
tap.ok((sample("floe_http_responses", code="401") or 0) >= 2,
       "responses counted by status (the 401s above)")
tap.ok((sample("floe_process_open_fds") or 0) > 5 and
       (sample("floe_process_resident_memory_bytes") or 0) > 1e6,
       "the process's descriptors and memory")
tap.ok(sample("floe_build_info") == 1.0, "build info")
for li in listeners:
    li.close()
for f in feeds:
    f.stop()
