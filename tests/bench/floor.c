/*
 * floor.c: the floor a fan-out server is measured against.
 *
 * An epoll server that does nothing but what any streaming server must: it
 * accepts listeners, answers whatever they ask with a 200 head, sends a
 * burst, and then writes every socket once every --interval ms the bytes
 * that real time has made due, from one shared in-memory buffer. No parsing,
 * no queues, no metadata, no threads. Its CPU per listener-second is what
 * the kernel's per-send TCP work costs at that interval: a server can only
 * get close to it, not under it.
 *
 *   live edge   rate x (now - start): the same for every listener
 *   listener    pos: the next byte it gets; starts at live - burst
 *   slots       the interval is cut into SLOT_MS slots and each listener
 *               belongs to one, so sends are spread over the interval
 *               instead of all at one instant
 *   threads     --threads N: N workers, each with its own SO_REUSEPORT
 *               listening socket, epoll, timer and listeners, so the floor
 *               itself does not saturate one core at short intervals
 *
 * Read its CPU from /proc/PID like any server's; on SIGTERM it also prints
 * its own totals to stderr.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define NS		1000000000LL
#define MS		1000000LL
/* Why 5 ms slots: fine enough that a 25 ms interval still spreads its
 * sends over five instants, coarse enough that the timer costs nothing. */
#define SLOT_MS		5
/* A listener this far behind the live edge (its socket buffer full that
 * long) is dropped, as a real server would. */
#define MAX_LAG_S	30
#define MAX_EVENTS	1024
#define REQ_MAX		4096

static const char head[] = "HTTP/1.0 200 OK\r\nContent-Type: audio/mpeg\r\n\r\n";

struct lis {
	int	 fd;
	int	 streaming;
	int	 slot;
	size_t	 slot_idx;	/* index in its slot's array */
	size_t	 reqlen;
	uint64_t pos;		/* next stream byte this listener gets */
};

struct slot {
	int	*fds;
	size_t	 n, cap;
};

static long o_port = 8000, o_rate = 16000, o_interval = 100, o_burst = 65536;
static long o_backlog = 4096, o_max = 100000, o_threads = 1;
static double o_duration = 3600;
static const char *o_host = "127.0.0.1", *o_file = NULL;

static uint8_t *buf;		/* stream content, wrapped: buflen + maxsend */
static size_t buflen, maxsend;
static struct lis **byfd;		/* shared: each fd belongs to one worker */
static size_t byfd_n;
static int nslots;
static int64_t t0, t_end;
static volatile sig_atomic_t stop;

/* One worker thread: its listeners, spread over its slots. */
struct worker {
	int	 ep, lfd, tfd;
	struct slot *slots;
	int	 next_slot;
	uint64_t ticks;
	long	 nlisteners;
	uint64_t nsends, nbytes, ndropped, nshort;
	pthread_t th;
};

/* Setup errors are fatal: print what failed and exit 2. */
static void
die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	exit(2);
}

/* Monotonic nanoseconds. */
static int64_t
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

/* Parse a number option in [lo, hi] or exit. */
static double
num(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi)) {
		fprintf(stderr, "floor: --%s %s: want a number in [%g, %g]\n", opt, s, lo, hi);
		exit(2);
	}
	return v;
}

/* Bytes of stream that exist now. */
static uint64_t
live_edge(int64_t now)
{
	return (uint64_t)((double)(now - t0) * (double)o_rate / NS) + (uint64_t)o_burst;
}

/* Fill the shared buffer from a file (looped) or with a byte pattern; the
 * copy of its start after its end lets any send up to maxsend be one call. */
static void
fill_buffer(void)
{
	size_t i;

	maxsend = (size_t)o_rate * MAX_LAG_S + (size_t)o_burst;
	buflen = 1 << 20;
	buf = malloc(buflen + maxsend);
	if (buf == NULL)
		die("malloc");
	if (o_file != NULL) {
		FILE *f = fopen(o_file, "rb");
		size_t n = 0, r;

		if (f == NULL)
			die(o_file);
		while (n < buflen && (r = fread(buf + n, 1, buflen - n, f)) > 0)
			n += r;
		fclose(f);
		if (n == 0) {
			errno = EINVAL;
			die(o_file);
		}
		for (i = n; i < buflen; i++)
			buf[i] = buf[i % n];
	} else {
		for (i = 0; i < buflen; i++)
			buf[i] = (uint8_t)(i * 7 + (i >> 9));
	}
	for (i = 0; i < maxsend; i++)
		buf[buflen + i] = buf[i % buflen];
}

/* Put a listener in the worker's next slot, round-robin. */
static void
slot_add(struct worker *w, struct lis *l)
{
	struct slot *s = &w->slots[w->next_slot];

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 256;
		if ((s->fds = realloc(s->fds, s->cap * sizeof *s->fds)) == NULL)
			die("realloc");
	}
	l->slot = w->next_slot;
	l->slot_idx = s->n;
	s->fds[s->n++] = l->fd;
	w->next_slot = (w->next_slot + 1) % nslots;
}

/* Take a listener out of its slot: the slot's last listener takes its place. */
static void
slot_del(struct worker *w, struct lis *l)
{
	struct slot *s = &w->slots[l->slot];
	int last = s->fds[--s->n];

	s->fds[l->slot_idx] = last;
	byfd[last]->slot_idx = l->slot_idx;
}

/* Close and forget a listener. */
static void
lis_close(struct worker *w, struct lis *l)
{
	if (l->streaming) {
		slot_del(w, l);
		w->nlisteners--;
	}
	byfd[l->fd] = NULL;
	close(l->fd);
	free(l);
}

/* Send what is due to one listener; -1 if it is gone. */
static int
lis_send(struct worker *w, struct lis *l, uint64_t live)
{
	size_t want;
	ssize_t n;

	if (live <= l->pos)
		return 0;
	if (live - l->pos > maxsend)
		return -1;
	want = (size_t)(live - l->pos);
	n = send(l->fd, buf + (l->pos % buflen), want, MSG_DONTWAIT | MSG_NOSIGNAL);
	w->nsends++;
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if ((size_t)n < want)
		w->nshort++;
	l->pos += (uint64_t)n;
	w->nbytes += (uint64_t)n;
	return 0;
}

/* A listener spoke: the end of its request starts the stream; EOF ends it. */
static void
lis_readable(struct worker *w, struct lis *l, int64_t now)
{
	char req[REQ_MAX];
	ssize_t n = recv(l->fd, req, sizeof req, 0);

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		lis_close(w, l);
		return;
	}
	if (n < 0 || l->streaming)
		return;		/* listeners have nothing to say: discard */
	l->reqlen += (size_t)n;
	if (memmem(req, (size_t)n, "\r\n\r\n", 4) == NULL && l->reqlen < REQ_MAX)
		return;		/* answer at the blank line (a split one is rare) */
	if (send(l->fd, head, sizeof head - 1, MSG_NOSIGNAL) != (ssize_t)(sizeof head - 1)) {
		lis_close(w, l);
		return;
	}
	l->streaming = 1;
	w->nlisteners++;
	l->pos = live_edge(now) - (uint64_t)o_burst;
	slot_add(w, l);
	if (lis_send(w, l, live_edge(now)) < 0)	/* the burst */
		lis_close(w, l);
}

/* Accept everything waiting. */
static void
accept_all(struct worker *w)
{
	for (;;) {
		int fd = accept4(w->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1;
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP };
		struct lis *l;

		if (fd < 0) {
			if (errno == EAGAIN || errno == EINTR || errno == ECONNABORTED)
				return;
			if (errno == EMFILE || errno == ENFILE)
				return;	/* the backlog holds them until one leaves */
			die("accept4");
		}
		if ((size_t)fd >= byfd_n || w->nlisteners * o_threads >= o_max) {
			close(fd);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if ((l = calloc(1, sizeof *l)) == NULL)
			die("calloc");
		l->fd = fd;
		byfd[fd] = l;
		ev.data.fd = fd;
		if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			die("epoll_ctl");
	}
}

/* Set up a worker: its own listening socket on the shared port, its own
 * epoll and slot timer. */
static void
worker_init(struct worker *w)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct itimerspec its = { { 0, SLOT_MS * MS }, { 0, SLOT_MS * MS } };
	struct epoll_event ev = { .events = EPOLLIN };
	int one = 1;

	if ((w->slots = calloc((size_t)nslots, sizeof *w->slots)) == NULL)
		die("calloc");
	if ((w->lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		die("socket");
	setsockopt(w->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	setsockopt(w->lfd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
	sin.sin_port = htons((uint16_t)o_port);
	if (inet_pton(AF_INET, o_host, &sin.sin_addr) != 1) {
		errno = EINVAL;
		die(o_host);
	}
	if (bind(w->lfd, (struct sockaddr *)&sin, sizeof sin) < 0)
		die("bind");
	/* Why 4096: the kernel caps it at net.core.somaxconn; a ramp of
	 * thousands a second must never see a full accept queue. */
	if (listen(w->lfd, (int)o_backlog) < 0)
		die("listen");
	if ((w->ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll_create1");
	if ((w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0)
		die("timerfd_create");
	if (timerfd_settime(w->tfd, 0, &its, NULL) < 0)
		die("timerfd_settime");
	ev.data.fd = w->lfd;
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, w->lfd, &ev) < 0)
		die("epoll_ctl");
	ev.data.fd = w->tfd;
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, w->tfd, &ev) < 0)
		die("epoll_ctl");
}

/* A worker's loop: accept, read requests, and on each slot tick send what
 * is due to that slot's listeners. */
static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[MAX_EVENTS];
	int c, k;

	while (!stop) {
		int64_t now;

		c = epoll_wait(w->ep, evs, MAX_EVENTS, 1000);
		if (c < 0 && errno != EINTR)
			die("epoll_wait");
		now = mono();
		if (now > t_end)
			break;
		for (k = 0; k < c; k++) {
			int fd = evs[k].data.fd;

			if (fd == w->lfd) {
				accept_all(w);
			} else if (fd == w->tfd) {
				uint64_t n, live = live_edge(now);
				size_t i;
				struct slot *s;

				if (read(w->tfd, &n, sizeof n) != sizeof n)
					continue;
				/* late timer: the skipped slots are served now */
				for (; n > 0; n--, w->ticks++) {
					s = &w->slots[w->ticks % (uint64_t)nslots];
					for (i = 0; i < s->n; ) {
						struct lis *l = byfd[s->fds[i]];

						if (lis_send(w, l, live) < 0) {
							w->ndropped++;
							lis_close(w, l);	/* swaps the last into i */
							continue;
						}
						i++;
					}
				}
			} else if (byfd[fd] != NULL) {
				lis_readable(w, byfd[fd], now);
			}
		}
	}
	stop = 1;
	return NULL;
}

/* SIGINT/SIGTERM: every worker stops at its next wake-up. */
static void
on_signal(int sig)
{
	stop = 1;
}

/* The options, on stderr; exit 2. */
static void
usage(void)
{
	fputs("usage: floor [--host ADDR] [--port N] [--rate BYTES_PER_S] [--interval MS]\n"
	    "             [--burst BYTES] [--file CONTENT] [--max N] [--duration S] [--threads N]\n"
	    "  writes every listener every --interval ms (5..5000; 25..1000 is the\n"
	    "  range of interest) the bytes due at --rate (16000), after a --burst\n"
	    "  (65536) on connect; stops after --duration s (3600) or on SIGTERM\n", stderr);
	exit(2);
}

/* Parse options, start the workers, print totals at the end. */
int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", 1, 0, 'h' }, { "port", 1, 0, 'p' }, { "rate", 1, 0, 'r' },
		{ "interval", 1, 0, 'i' }, { "burst", 1, 0, 'b' }, { "file", 1, 0, 'f' },
		{ "max", 1, 0, 'm' }, { "duration", 1, 0, 'd' }, { "threads", 1, 0, 't' },
		{ "help", 0, 0, '?' },
		{ 0, 0, 0, 0 }
	};
	struct rlimit rl;
	struct sigaction sa;
	struct rusage ru;
	struct worker *ws;
	uint64_t sends = 0, shorts = 0, bytes = 0, drops = 0;
	long left = 0, t;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'h': o_host = optarg; break;
		case 'p': o_port = (long)num("port", optarg, 1, 65535); break;
		case 'r': o_rate = (long)num("rate", optarg, 1, 1e8); break;
		case 'i': o_interval = (long)num("interval", optarg, 5, 5000); break;
		case 'b': o_burst = (long)num("burst", optarg, 0, 1 << 24); break;
		case 'f': o_file = optarg; break;
		case 'm': o_max = (long)num("max", optarg, 1, 1e7); break;
		case 'd': o_duration = num("duration", optarg, 1, 86400); break;
		case 't': o_threads = (long)num("threads", optarg, 1, 64); break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	getrlimit(RLIMIT_NOFILE, &rl);
	byfd_n = rl.rlim_cur > 1 << 22 ? 1 << 22 : (size_t)rl.rlim_cur;
	if ((byfd = calloc(byfd_n, sizeof *byfd)) == NULL)
		die("calloc");
	nslots = (int)(o_interval / SLOT_MS) > 0 ? (int)(o_interval / SLOT_MS) : 1;
	fill_buffer();

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((ws = calloc((size_t)o_threads, sizeof *ws)) == NULL)
		die("calloc");
	for (t = 0; t < o_threads; t++)
		worker_init(&ws[t]);
	t0 = mono();
	t_end = t0 + (int64_t)(o_duration * NS);
	fprintf(stderr, "floor: %s:%ld, %ld B/s, a send every %ld ms, burst %ld, %d slots, "
	    "%ld thread(s)\n", o_host, o_port, o_rate, o_interval, o_burst, nslots, o_threads);
	for (t = 1; t < o_threads; t++)
		if (pthread_create(&ws[t].th, NULL, worker_run, &ws[t]) != 0)
			die("pthread_create");
	worker_run(&ws[0]);
	for (t = 1; t < o_threads; t++)
		pthread_join(ws[t].th, NULL);
	for (t = 0; t < o_threads; t++) {
		sends += ws[t].nsends;
		shorts += ws[t].nshort;
		bytes += ws[t].nbytes;
		drops += ws[t].ndropped;
		left += ws[t].nlisteners;
	}
	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, "floor: %.1f s, %ld listeners at the end, %llu sends (%llu short), "
	    "%llu bytes, %llu dropped, cpu user %.2f s sys %.2f s\n",
	    (double)(mono() - t0) / NS, left, (unsigned long long)sends,
	    (unsigned long long)shorts, (unsigned long long)bytes, (unsigned long long)drops,
	    ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6, ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6);
	return 0;
}
