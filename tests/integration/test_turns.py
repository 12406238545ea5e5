#!/usr/bin/env python3
"""Write-interval turns: a mount with more than 1,000 listeners splits its
write interval into turns, each sending to a share of them; with fewer it
uses one turn (more would only add wake-ups). Listeners must keep receiving
whatever the number of turns, and when it changes: one left parked in a
turn that no longer exists would get nothing until half the queue had gone
by (16 s here).

1,100 real listener sockets on two workers: floe logs 2 turns, every one
of them keeps receiving, and a sample gets a contiguous run of the source's
bytes. 1,000 leave: floe logs 1 turn, and the 100 left keep receiving, the
sample still contiguous across both changes.
"""
import json
import resource
import selectors
import socket
import threading

from floelib import (ADMIN_PASS, Floe, LoopFeeder, RawSource, contiguous_in, media, mp3_frames,
                     tap, wait_for, wait_mount)

N, STAY, SAMPLE = 1100, 100, 8
RATE = 2 * 16000        # twice real time: quicker, still paced

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

MAIN = mp3_frames(media("tone.mp3"))
floe = Floe(clients=N + 50, limits_extra="<workers>2</workers>")
src = RawSource(floe, "/big.mp3")
tap.ok(src.ok(), "source on /big.mp3 accepted", src.response)
feeder = LoopFeeder(src, MAIN, RATE)
wait_mount(floe, "/big.mp3")


class Swarm:
    """Many listeners read by one thread: a byte count for each, the whole
    stream for the first SAMPLE."""

    def __init__(self, n):
        self.sel = selectors.DefaultSelector()
        self.count = [0] * n
        self.data = [bytearray() for _ in range(SAMPLE)]
        self.socks = []
        self.lock = threading.Lock()
        for i in range(n):
            s = socket.create_connection(("127.0.0.1", floe.port), 10)
            s.sendall(b"GET /big.mp3 HTTP/1.0\r\nUser-Agent: turns\r\n\r\n")
            s.setblocking(False)
            self.sel.register(s, selectors.EVENT_READ, i)
            self.socks.append(s)
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            for key, _ in self.sel.select(0.2):
                try:
                    d = key.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    d = b""
                with self.lock:
                    if key.fileobj.fileno() < 0:
                        continue        # close() took it while select() had it
                    if not d:
                        self.sel.unregister(key.fileobj)
                        continue
                    i = key.data
                    self.count[i] += len(d)
                    if i < SAMPLE:
                        self.data[i] += d

    def counts(self, which):
        with self.lock:
            return [self.count[i] for i in which]

    def close(self, which):
        with self.lock:
            for i in which:
                s = self.socks[i]
                self.sel.unregister(s)
                s.close()

    def all_advance(self, which, by, timeout=10):
        """Does every listener in which get `by` more bytes within timeout?"""
        start = self.counts(which)
        return wait_for(lambda: all(b - a >= by for a, b in zip(start, self.counts(which))),
                        timeout, 0.2)


def turns_logged(n):
    return ("/big.mp3: %d turn%s per write interval" % (n, "" if n == 1 else "s")) in floe.read_log()


def audio(i):
    with swarm.lock:
        data = bytes(swarm.data[i])
    return data.partition(b"\r\n\r\n")[2]


swarm = Swarm(N)
everyone = range(N)
# Past the 64 KB burst, so what follows is the stream's pace.
tap.ok(wait_for(lambda: all(c > 80000 for c in swarm.counts(everyone)), 30),
       "%d listeners all receive their burst and more" % N)
tap.ok(wait_for(lambda: turns_logged(2), 10), "with %d listeners floe uses 2 turns" % N,
       floe.read_log()[-600:])
st, _, body = floe.get("/api/v1/mounts", auth=("admin", ADMIN_PASS))
workers = json.loads(body)["workers"] if st == 200 else []
tap.ok(len(workers) == 2 and all(w["listeners"] > 0 for w in workers),
       "both workers serve some of them", workers)
tap.ok(swarm.all_advance(everyone, 32000), "every one of the %d keeps receiving in 2 turns" % N)

staying = range(STAY)
swarm.close(range(STAY, N))
tap.ok(wait_for(lambda: turns_logged(1), 15), "with %d listeners left floe goes back to 1 turn"
       % STAY, floe.read_log()[-600:])
tap.ok(swarm.all_advance(staying, 32000),
       "every one of the %d left keeps receiving (none stuck in a turn that is gone)" % STAY)
loop = MAIN * 4
bad = [i for i in range(SAMPLE) if not contiguous_in(audio(i), loop)]
tap.ok(not bad and all(len(audio(i)) > 100000 for i in range(SAMPLE)),
       "the sampled listeners got one contiguous run of the source's bytes across both changes",
       "not contiguous: %s; lengths %s" % (bad, [len(audio(i)) for i in range(SAMPLE)]))

swarm.stop = True
swarm.close(staying)
feeder.stop()
src.close()
tap.is_eq(floe.stop(), 0, "floe exits 0")
