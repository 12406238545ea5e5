/*
 * swarm.c: a listener swarm that measures a streaming server's fan-out.
 *
 * One process, one epoll loop, non-blocking sockets. It ramps N listeners at
 * a fixed rate, keeps them reading, and reports each second and at the end
 * what they got (connected, failed, dropped, delivered vs expected, per-
 * listener 5 s rates, connect / first byte / burst percentiles) beside what
 * the server spent (CPU and RSS from /proc/PID) and what the swarm spent.
 *
 * Cheap by construction, so that it measures the server and not itself:
 *
 *   ramp      connect() -> EPOLLOUT -> send request -> EPOLLIN, headers
 *   burst     every read counted for BURST_WINDOW_NS after the first byte
 *   bulk      SO_RCVLOWAT set above what a second of audio brings, so epoll
 *             never wakes for the listener; a 100 ms tick drains one tenth
 *             of the listeners with one 64 KiB read each, so every listener
 *             costs one read a second and that read is also its snapshot
 *   samples   ICY listeners (framing + MP3 sync checked) and latency probes
 *             read on every EPOLLIN; slow listeners read on the tick, paced
 *
 * Latency probes: the paced source (source.py --log) writes "mono_ns offset"
 * for every write. A probe's first body bytes are located in the reference
 * file (--ref, the file the source loops), which places the listener's bytes
 * in the source's stream; each read's oldest byte is then timed against the
 * moment the source wrote it. Both clocks are this machine's CLOCK_MONOTONIC.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/sockios.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NS		1000000000LL
#define MS		1000000LL

/* Why 100 ms and ten slices: each listener is drained once a second (one
 * read, one snapshot) and the work is spread over ten ticks instead of one
 * spike that would delay the probes' timestamps. */
#define TICK_NS		(100 * MS)
#define SLICES		10
/* Six one-second snapshots make a 5 s window. */
#define RING		6
#define WINDOW_S	5
/* One large read moves a second of audio (16 KB at 128 kbps) in one call. */
#define READ_BUF	65536
/* Response heads bigger than this are not a streaming server's. */
#define HEAD_MAX	8192
/* Bytes arriving this soon after the first byte count as the burst. */
#define BURST_WINDOW_NS	(500 * MS)
/* Bytes of a probe's stream matched against the reference file. */
#define LAT_MATCH	64
#define LAT_MAX_SAMPLES	2000000
#define MAX_TASKS	1024
#define MAX_EVENTS	1024
#define MAX_WINDOWS	8000000
/* Long enough to read a few MB of socket buffers over loopback. */
#define DRAIN_NS	(2 * NS)

enum lstate { L_IDLE, L_CONNECTING, L_HEAD, L_STREAM, L_DONE };

enum lflag {
	F_ICY = 1,	/* asked for ICY metadata: framing is checked */
	F_LAT = 2,	/* latency probe */
	F_SLOW = 4,	/* reads at slow_rate x bitrate */
	F_LOWAT = 8,	/* SO_RCVLOWAT set: read by the tick only */
	F_DROPPED = 16,
	F_FAILED = 32,
	F_STEADY = 64,	/* was streaming when steady state began */
};

enum why {
	W_NONE, W_REFUSED, W_CONN_TIMEOUT, W_CONN_ERROR, W_NO_PORT, W_SOCKET,
	W_RESET, W_EOF_HEAD, W_HTTP_STATUS, W_HEAD_TIMEOUT, W_HEAD_TOO_BIG, W_SEND,
	W_COUNT
};
static const char *why_name[W_COUNT] = {
	"none", "refused", "connect_timeout", "connect_error", "no_port", "socket",
	"reset", "eof_in_head", "http_status", "head_timeout", "head_too_big", "send",
};

/* ICY framing and MP3 frame sync state of one sampled listener. */
struct icy {
	long	 metaint;
	long	 left;		/* audio bytes before the next length byte */
	int	 mstate;	/* 0 audio, 1 length byte, 2 metadata */
	int	 mlen, mgot;
	char	 meta[255 * 16 + 1];
	unsigned blocks, titled, errors;
	/* MP3 sync over the de-ICYed audio */
	uint8_t	 hdr[4];
	int	 hgot;
	long	 skip;
	int	 nsync;		/* consecutive good frames; locked at 3 */
	unsigned frames, losses;
};

/* Where a latency probe's bytes sit in the source's stream. */
struct lat {
	uint8_t	 head[LAT_MATCH];
	int	 hgot;
	int64_t	 t_head;
	uint8_t	 tail[LAT_MATCH];
};

struct lis {
	int	 fd;
	uint8_t	 state, flags, why, nsnap;
	uint16_t hlen;
	uint16_t mount;
	int	 status;
	char	*head;
	int64_t	 t_start, t_conn, t_req, t_first, t_end;
	uint64_t body, burst;
	uint64_t ring[RING];
	int64_t	 ring_t[RING];
	uint64_t b0, b1;		/* body at first / last steady snapshot */
	int64_t	 t0, t1;
	double	 minrate;		/* worst 5 s window, fraction of bitrate */
	double	 dmin, dmax;		/* deficit vs real time since t0, bytes */
	double	 tokens;		/* slow reader's budget */
	struct icy *icy;
	struct lat *lat;
};

struct lat_sample {
	int64_t	 t;
	uint32_t off;			/* body offset of the read's first byte */
	uint32_t lis;
};

/* One /proc reading of the server. */
struct proc_snap {
	int	 ok;
	uint64_t cpu_ns;		/* sum of the tasks' schedstat run time */
	uint64_t ticks;			/* utime + stime from /proc/PID/stat */
	uint64_t uticks;		/* utime alone */
	long	 rss_kb;
	int	 ntasks;
};

struct task {
	int	 tid;
	uint64_t last_ns, steady_ns;
	char	 comm[32];
};

/* Options. */
static const char *o_host = "127.0.0.1";
static int o_port = 8000;
static const char *o_mount = "/bench.mp3";
static int o_mounts = 1;
static long o_n = 100;
static double o_ramp = 2000;
static double o_duration = 10;
static double o_settle = 2;
static double o_bitrate = 128;
static long o_icy = 0;
static long o_latn = 0;
static double o_slow_frac = 0, o_slow_rate = 0.5;
static long o_slow_rcvbuf = 8192;
static int o_pid = 0;			/* the first of o_pids */
static int o_pids[16];			/* --server-pid A,B,...: summed */
static int o_npids = 0;
static int o_src_base = 0;		/* first source address: 127.0.0.(2 + base) */
static int o_json = 0, o_quiet = 0;
static double o_conn_timeout = 20, o_head_timeout = 20;
static int o_src_addrs = -1;		/* -1: automatic */
static const char *o_ref = NULL, *o_srclog = NULL;
static const char *o_label = "";

/* State. */
static struct lis *L;
static int ep;
static double bps;			/* expected body bytes per second */
static long lowat;
static struct sockaddr_in dst;
static char **requests;			/* per mount, with and without ICY */
static size_t *reqlen;
static uint8_t rbuf[READ_BUF];
static volatile sig_atomic_t interrupted;

static int64_t t_begin, ramp_done_t, steady_start, steady_end, drain_end;
static int stopping, draining;
static long slow_drain_dropped, slow_placed, slow_resynced;
static long started, streaming, failed, dropped, slow_dropped, pending;
static long nfail[W_COUNT];
static long status_codes[8];		/* last few non-200 codes seen */
static int nstatus;
static uint64_t rx_total;

static struct lat_sample *lats;
static size_t nlats;
static float *windows;
static size_t nwindows;

static struct task tasks[MAX_TASKS];
static int ntasks;
static int server_gone;

/* Per-second series for the JSON summary. */
struct second {
	double	 t;
	int	 steady;
	long	 up, failed, dropped;
	double	 rx, srv_pct, thr_pct, swarm_pct, machine_pct;
	long	 rss_kb;
};
static struct second *secs;
static size_t nsecs, secs_cap;

/* Steady-state accumulators. */
static double st_listener_s, st_srv_ns, st_swarm_ns, st_machine_ns, st_ksoft_ns, st_seconds;
static double st_other_user_ns, st_softirq_ns;
static long rss0_kb = -1, rss_end_kb, rss_peak_kb;

/* Die with a message: only for setup errors, never on the server's numbers. */
static void
die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("swarm: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* Monotonic nanoseconds (same clock as Python's time.monotonic_ns). */
static int64_t
mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

/* The swarm's own CPU time. */
static int64_t
self_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * NS + ts.tv_nsec;
}

/* calloc that dies on failure: the swarm cannot run without its tables. */
static void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);

	if (p == NULL)
		die("out of memory");
	return p;
}

/* Parse a number option in [lo, hi] or die. */
static double
num(const char *opt, const char *s, double lo, double hi)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= lo && v <= hi))
		die("--%s %s: want a number in [%g, %g]", opt, s, lo, hi);
	return v;
}

/* ------------------------------------------------------------ /proc */

/* Read a small file into buf; returns length or -1. */
static ssize_t
slurp(const char *path, char *buf, size_t size)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, size - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (ssize_t)n;
}

/* Find or add a task slot. */
static struct task *
task_slot(int tid)
{
	int i;

	for (i = 0; i < ntasks; i++)
		if (tasks[i].tid == tid)
			return &tasks[i];
	if (ntasks == MAX_TASKS)
		return NULL;
	memset(&tasks[ntasks], 0, sizeof tasks[0]);
	tasks[ntasks].tid = tid;
	return &tasks[ntasks++];
}

/* CPU, RSS and per-thread CPU of the server; thread deltas go to the tasks
 * table, and into steady_ns when counting. Returns the busiest thread's
 * nanoseconds since the last call. */
static uint64_t
proc_read_one(int pid, struct proc_snap *s, int counting)
{
	char path[128], buf[4096], *p;
	DIR *d;
	struct dirent *de;
	uint64_t maxd = 0;
	unsigned long ut, st;

	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	if (slurp(path, buf, sizeof buf) < 0) {
		server_gone = 1;
		return 0;
	}
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	/* after ")": state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime */
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
	    &ut, &st) != 2)
		return 0;
	if (p[1] != '\0' && p[2] == 'Z')
		server_gone = 1;
	s->ticks += ut + st;
	s->uticks += ut;
	snprintf(path, sizeof path, "/proc/%d/status", pid);
	if (slurp(path, buf, sizeof buf) > 0 && (p = strstr(buf, "VmRSS:")) != NULL)
		s->rss_kb += strtol(p + 6, NULL, 10);
	snprintf(path, sizeof path, "/proc/%d/task", pid);
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			int tid = (int)strtol(de->d_name, NULL, 10);
			unsigned long long ns;
			struct task *t;

			if (tid <= 0)
				continue;
			snprintf(path, sizeof path, "/proc/%d/task/%d/schedstat", pid, tid);
			if (slurp(path, buf, sizeof buf) < 0 || sscanf(buf, "%llu", &ns) != 1)
				continue;
			s->cpu_ns += ns;
			s->ntasks++;
			if ((t = task_slot(tid)) == NULL)
				continue;
			if (t->comm[0] == '\0') {
				snprintf(path, sizeof path, "/proc/%d/task/%d/comm", pid, tid);
				if (slurp(path, t->comm, sizeof t->comm) > 0)
					t->comm[strcspn(t->comm, "\n")] = '\0';
			}
			if (t->last_ns != 0 && ns >= t->last_ns) {
				if (ns - t->last_ns > maxd)
					maxd = ns - t->last_ns;
				if (counting)
					t->steady_ns += ns - t->last_ns;
			}
			t->last_ns = ns;
		}
		closedir(d);
	}
	s->ok = 1;
	return maxd;
}

/* The server's processes (several with --server-pid A,B: a master and its
 * edges), summed; the busiest thread of any. */
static uint64_t
proc_read(struct proc_snap *s, int counting)
{
	uint64_t maxd = 0, d;
	int i, ok = 1;

	memset(s, 0, sizeof *s);
	for (i = 0; i < o_npids; i++) {
		d = proc_read_one(o_pids[i], s, counting);
		ok &= s->ok;
		s->ok = 0;
		if (d > maxd)
			maxd = d;
	}
	s->ok = o_npids > 0 && ok;
	return maxd;
}

/* Busy nanoseconds of the whole machine (all CPUs) from /proc/stat; also
 * its user and softirq nanoseconds. */
static uint64_t
machine_busy_ns(uint64_t *user, uint64_t *softirq)
{
	char buf[512];
	unsigned long long v[10] = { 0 };
	long hz = sysconf(_SC_CLK_TCK);

	*user = *softirq = 0;
	if (slurp("/proc/stat", buf, sizeof buf) < 0)
		return 0;
	sscanf(buf, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2],
	    &v[3], &v[4], &v[5], &v[6], &v[7]);
	*user = (v[0] + v[1]) * (uint64_t)(NS / hz);
	*softirq = v[6] * (uint64_t)(NS / hz);
	/* user nice system idle iowait irq softirq steal: all but idle, iowait */
	return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * (uint64_t)(NS / hz);
}

/* The kernel's softirq threads: network work the kernel deferred, charged
 * to no process. Their pids, found once. */
static int ksoft_pid[64];
static int nksoft;

static void
ksoftirqd_find(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	char path[300], comm[64];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL && nksoft < 64) {
		int pid = (int)strtol(de->d_name, NULL, 10);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof path, "/proc/%d/comm", pid);
		if (slurp(path, comm, sizeof comm) > 0 && strncmp(comm, "ksoftirqd/", 10) == 0)
			ksoft_pid[nksoft++] = pid;
	}
	closedir(d);
}

/* CPU nanoseconds of all ksoftirqd threads so far. */
static uint64_t
ksoftirqd_ns(void)
{
	char path[64], buf[128];
	uint64_t sum = 0;
	int i;

	for (i = 0; i < nksoft; i++) {
		snprintf(path, sizeof path, "/proc/%d/schedstat", ksoft_pid[i]);
		if (slurp(path, buf, sizeof buf) > 0)
			sum += strtoull(buf, NULL, 10);
	}
	return sum;
}

/* ------------------------------------------------------------ MP3 + ICY */

/* Length of the MPEG audio frame whose header is h, or 0 if h is not one. */
static long
mp3_frame_len(const uint8_t *h)
{
	static const short br_tab[5][16] = {
		{ 0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448, 0 },
		{ 0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 0 },
		{ 0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0 },
		{ 0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256, 0 },
		{ 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0 },
	};
	static const int sr_tab[3] = { 44100, 48000, 32000 };
	int ver, layer, bri, sri, pad, row, sr;
	long br;

	if (h[0] != 0xFF || (h[1] & 0xE0) != 0xE0)
		return 0;
	ver = (h[1] >> 3) & 3;		/* 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5 */
	layer = (h[1] >> 1) & 3;	/* 3 L1, 2 L2, 1 L3 */
	bri = h[2] >> 4;
	sri = (h[2] >> 2) & 3;
	pad = (h[2] >> 1) & 1;
	if (ver == 1 || layer == 0 || bri == 0 || bri == 15 || sri == 3)
		return 0;
	if (ver == 3)
		row = layer == 3 ? 0 : layer == 2 ? 1 : 2;
	else
		row = layer == 3 ? 3 : 4;
	br = br_tab[row][bri] * 1000L;
	sr = sr_tab[sri] >> (ver == 3 ? 0 : ver == 2 ? 1 : 2);
	if (layer == 3)
		return (12 * br / sr + pad) * 4;
	if (layer == 1 && ver != 3)
		return 72 * br / sr + pad;
	return 144 * br / sr + pad;
}

/* Feed de-ICYed audio to the frame-sync checker. */
static void
mp3_feed(struct icy *y, const uint8_t *p, size_t n)
{
	while (n > 0) {
		long len;

		if (y->skip > 0) {
			size_t k = (size_t)y->skip < n ? (size_t)y->skip : n;

			y->skip -= (long)k;
			p += k;
			n -= k;
			continue;
		}
		y->hdr[y->hgot++] = *p++;
		n--;
		if (y->hgot < 4)
			continue;
		if ((len = mp3_frame_len(y->hdr)) > 4) {
			y->skip = len - 4;
			y->hgot = 0;
			y->frames++;
			if (y->nsync < 3)
				y->nsync++;
			continue;
		}
		if (y->nsync >= 3)	/* lost a sync we had: the stream is damaged */
			y->losses++;
		y->nsync = 0;
		memmove(y->hdr, y->hdr + 1, 3);	/* hunt byte by byte */
		y->hgot = 3;
	}
}

/* Check one complete metadata block: NUL padding, or StreamTitle='...'; */
static int
icy_meta_ok(const char *m, int len)
{
	int i, text;

	for (text = 0; text < len && m[text] != '\0'; text++)
		;
	for (i = text; i < len; i++)
		if (m[i] != '\0')
			return 0;
	if (text == 0)
		return 1;
	return strncmp(m, "StreamTitle='", 13) == 0 && text >= 15 &&
	    memchr(m, '\n', (size_t)text) == NULL && strstr(m, "';") != NULL;
}

/* Feed a sampled listener's body through the ICY framing. */
static void
icy_feed(struct icy *y, const uint8_t *p, size_t n)
{
	if (y->metaint <= 0) {
		mp3_feed(y, p, n);
		return;
	}
	while (n > 0 && y->errors == 0) {
		if (y->mstate == 0) {
			size_t k = (size_t)y->left < n ? (size_t)y->left : n;

			mp3_feed(y, p, k);
			y->left -= (long)k;
			p += k;
			n -= k;
			if (y->left == 0)
				y->mstate = 1;
		} else if (y->mstate == 1) {
			y->mlen = *p++ * 16;
			n--;
			y->mgot = 0;
			y->blocks++;
			if (y->mlen == 0) {
				y->mstate = 0;
				y->left = y->metaint;
			} else {
				y->mstate = 2;
			}
		} else {
			size_t k = (size_t)(y->mlen - y->mgot) < n ? (size_t)(y->mlen - y->mgot) : n;

			memcpy(y->meta + y->mgot, p, k);
			y->mgot += (int)k;
			p += k;
			n -= k;
			if (y->mgot == y->mlen) {
				if (!icy_meta_ok(y->meta, y->mlen)) {
					y->errors++;
					y->meta[y->mlen] = '\0';
					fprintf(stderr, "swarm: bad ICY metadata block: %.80s\n", y->meta);
				}
				if (y->meta[0] != '\0')
					y->titled++;
				y->mstate = 0;
				y->left = y->metaint;
			}
		}
	}
}

/* ------------------------------------------------------------ listeners */

static void
ep_set(struct lis *l, int op, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.u32 = (uint32_t)(l - L) };

	if (epoll_ctl(ep, op, l->fd, &ev) < 0 && op != EPOLL_CTL_DEL)
		die("epoll_ctl: %s", strerror(errno));
}

/* Close a listener's socket; it stays in the table for the summary. */
static void
lis_close(struct lis *l, int64_t now)
{
	if (l->fd >= 0)
		close(l->fd);	/* also leaves the epoll set */
	l->fd = -1;
	if (l->state == L_CONNECTING || l->state == L_HEAD)
		pending--;
	if (l->state == L_STREAM)
		streaming--;
	l->state = L_DONE;
	l->t_end = now;
	free(l->head);
	l->head = NULL;
}

/* The listener never got in. */
static void
lis_fail(struct lis *l, int why, int64_t now)
{
	l->flags |= F_FAILED;
	l->why = (uint8_t)why;
	nfail[why]++;
	failed++;
	lis_close(l, now);
}

/* The server ended a stream we did not ask to end. */
static void
lis_dropped(struct lis *l, int64_t now)
{
	if (stopping) {
		lis_close(l, now);
		return;
	}
	l->flags |= F_DROPPED;
	if (l->flags & F_SLOW)
		slow_dropped++;
	if ((l->flags & F_SLOW) && draining)
		slow_drain_dropped++;
	else
		dropped++;
	l->minrate = 0;		/* every later window gets nothing */
	lis_close(l, now);
}

/* Start one connection. */
static void
lis_start(long i, int64_t now)
{
	struct lis *l = &L[i];
	int fd, one = 1;

	l->t_start = now;
	pending++;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		l->state = L_CONNECTING;
		lis_fail(l, W_SOCKET, now);
		return;
	}
	l->fd = fd;
	l->state = L_CONNECTING;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (l->flags & F_SLOW) {
		int rb = (int)o_slow_rcvbuf;

		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rb, sizeof rb);
	}
	if (o_src_addrs > 0) {
		struct sockaddr_in src = { .sin_family = AF_INET };

		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
		src.sin_addr.s_addr = htonl(0x7F000002u + (uint32_t)o_src_base +
		    (uint32_t)(i % o_src_addrs));
		if (bind(fd, (struct sockaddr *)&src, sizeof src) < 0) {
			lis_fail(l, W_NO_PORT, now);
			return;
		}
	}
	if (connect(fd, (struct sockaddr *)&dst, sizeof dst) < 0 && errno != EINPROGRESS) {
		lis_fail(l, errno == EADDRNOTAVAIL ? W_NO_PORT :
		    errno == ECONNREFUSED ? W_REFUSED : W_CONN_ERROR, now);
		return;
	}
	ep_set(l, EPOLL_CTL_ADD, EPOLLOUT);
}

/* Record a latency sample of a probe's read. */
static void
lat_note(struct lis *l, const uint8_t *p, size_t n, int64_t now)
{
	struct lat *t = l->lat;

	if (t->hgot < LAT_MATCH) {
		size_t k = n < (size_t)(LAT_MATCH - t->hgot) ? n : (size_t)(LAT_MATCH - t->hgot);

		if (t->hgot == 0)
			t->t_head = now;
		memcpy(t->head + t->hgot, p, k);
		t->hgot += (int)k;
	}
	if (n >= LAT_MATCH) {
		memcpy(t->tail, p + n - LAT_MATCH, LAT_MATCH);
	} else {
		memmove(t->tail, t->tail + n, LAT_MATCH - n);
		memcpy(t->tail + LAT_MATCH - n, p, n);
	}
	if ((l->flags & F_LAT) && steady_start != 0 && now >= steady_start && !stopping &&
	    !draining && nlats < LAT_MAX_SAMPLES) {
		lats[nlats].t = now;
		lats[nlats].off = (uint32_t)l->body;
		lats[nlats].lis = (uint32_t)(l - L);
		nlats++;
	}
}

/* Body bytes arrived. */
static void
lis_body(struct lis *l, const uint8_t *p, size_t n, int64_t now)
{
	if (n == 0)
		return;
	if (l->t_first == 0)
		l->t_first = now;
	if (now - l->t_first <= BURST_WINDOW_NS)
		l->burst += n;
	if (l->icy != NULL)
		icy_feed(l->icy, p, n);
	if (l->lat != NULL)
		lat_note(l, p, n, now);
	l->body += n;
	rx_total += n;
}

/* Parse a complete response head; returns 0 if it is a 200. */
static int
head_parse(struct lis *l, const char *h, size_t len)
{
	const char *p = memchr(h, ' ', len), *line;
	char *end;
	long code;

	if (p == NULL)
		return -1;
	code = strtol(p + 1, &end, 10);
	l->status = (int)code;
	if (code != 200)
		return -1;
	for (line = h; line < h + len; ) {
		const char *eol = memchr(line, '\n', (size_t)(h + len - line));

		if (eol == NULL)
			break;
		if (l->icy != NULL && (size_t)(eol - line) > 12 &&
		    strncasecmp(line, "icy-metaint:", 12) == 0) {
			long v = strtol(line + 12, NULL, 10);

			if (v > 0 && v <= 1048576)
				l->icy->metaint = v, l->icy->left = v;
		}
		line = eol + 1;
	}
	return 0;
}

/* The response head is complete: the stream begins. */
static void
lis_streaming(struct lis *l, int64_t now)
{
	pending--;
	streaming++;
	l->state = L_STREAM;
	free(l->head);
	l->head = NULL;
	l->hlen = 0;
	ep_set(l, EPOLL_CTL_MOD, (l->flags & F_SLOW) ? EPOLLRDHUP : EPOLLIN | EPOLLRDHUP);
}

/* Bytes while waiting for the response head. */
static void
lis_head_bytes(struct lis *l, size_t n, int64_t now)
{
	const uint8_t *h;
	size_t hl, copy = 0;
	const uint8_t *end;

	if (l->hlen == 0 && (end = memmem(rbuf, n, "\r\n\r\n", 4)) != NULL) {
		h = rbuf;
		hl = n;
	} else {
		if (l->head == NULL)
			l->head = xcalloc(1, HEAD_MAX);
		copy = n < (size_t)(HEAD_MAX - l->hlen) ? n : (size_t)(HEAD_MAX - l->hlen);
		memcpy(l->head + l->hlen, rbuf, copy);
		l->hlen += (uint16_t)copy;
		h = (const uint8_t *)l->head;
		hl = l->hlen;
		if ((end = memmem(h, hl, "\r\n\r\n", 4)) == NULL) {
			if (l->hlen == HEAD_MAX)
				lis_fail(l, W_HEAD_TOO_BIG, now);
			return;
		}
	}
	end += 4;
	if (head_parse(l, (const char *)h, (size_t)(end - h)) < 0) {
		if (nstatus < 8)
			status_codes[nstatus++] = l->status;
		lis_fail(l, W_HTTP_STATUS, now);
		return;
	}
	lis_streaming(l, now);
	if (h == rbuf) {
		lis_body(l, end, (size_t)(rbuf + n - end), now);
	} else {
		uint8_t tmp[HEAD_MAX];
		size_t k = (size_t)(h + hl - end);

		memcpy(tmp, end, k);
		lis_body(l, tmp, k, now);
		lis_body(l, rbuf + copy, n - copy, now);
	}
}

/* Read what is there (up to max bytes); 0 ok, -1 the server closed. */
static int
lis_read(struct lis *l, size_t max, int64_t now)
{
	while (max > 0 && l->fd >= 0) {
		size_t want = max < READ_BUF ? max : READ_BUF;
		ssize_t n = recv(l->fd, rbuf, want, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			if (l->state == L_HEAD)
				lis_fail(l, W_RESET, now);
			else
				lis_dropped(l, now);
			return -1;
		}
		if (n == 0) {
			if (l->state == L_HEAD)
				lis_fail(l, W_EOF_HEAD, now);
			else
				lis_dropped(l, now);
			return -1;
		}
		if (l->state == L_HEAD)
			lis_head_bytes(l, (size_t)n, now);
		else
			lis_body(l, rbuf, (size_t)n, now);
		max -= (size_t)n;
		if ((size_t)n < want)	/* drained: skip the extra EAGAIN call */
			return 0;
	}
	return 0;
}

/* The connection completed (or failed): send the request. */
static void
lis_connected(struct lis *l, int64_t now)
{
	int err = 0;
	socklen_t el = sizeof err;
	int ri;
	ssize_t w;

	getsockopt(l->fd, SOL_SOCKET, SO_ERROR, &err, &el);
	if (err != 0) {
		lis_fail(l, err == ECONNREFUSED ? W_REFUSED : err == ETIMEDOUT ?
		    W_CONN_TIMEOUT : W_CONN_ERROR, now);
		return;
	}
	l->t_conn = now;
	ri = l->mount * 2 + ((l->flags & F_ICY) ? 1 : 0);
	w = send(l->fd, requests[ri], reqlen[ri], MSG_NOSIGNAL);
	if (w != (ssize_t)reqlen[ri]) {
		lis_fail(l, W_SEND, now);
		return;
	}
	l->t_req = mono();
	l->state = L_HEAD;
	ep_set(l, EPOLL_CTL_MOD, EPOLLIN | EPOLLRDHUP);
}

/* An epoll event for listener i. */
static void
lis_event(struct lis *l, uint32_t ev, int64_t now)
{
	if (l->fd < 0)
		return;
	if (l->state == L_CONNECTING) {
		lis_connected(l, now);
		return;
	}
	if (l->flags & F_SLOW && l->state == L_STREAM && !draining) {
		/* EPOLLRDHUP/ERR only: the server gave up on it */
		lis_dropped(l, now);
		return;
	}
	lis_read(l, SIZE_MAX, now);
}

/* ------------------------------------------------------------ the tick */

/* A listener's once-a-second snapshot, taken right after its drain read. */
static void
lis_snapshot(struct lis *l, long round, int64_t now, int64_t tt)
{
	int slot = (int)(round % RING);
	int in = steady_start != 0 && tt >= steady_start && tt <= steady_end;

	l->ring[slot] = l->body;
	l->ring_t[slot] = now;
	if (!in) {
		l->nsnap = 0;
		return;
	}
	if (l->t0 == 0) {
		l->flags |= F_STEADY;
		l->t0 = now;
		l->b0 = l->body;
	}
	l->t1 = now;
	l->b1 = l->body;
	{
		/* deficit vs real time: how far behind the listener fell */
		double d = bps * (double)(now - l->t0) / NS - (double)(l->body - l->b0);

		if (d < l->dmin)
			l->dmin = d;
		if (d > l->dmax)
			l->dmax = d;
	}
	if (l->nsnap < RING)
		l->nsnap++;
	if (l->nsnap == RING) {
		int old = (int)((round + 1) % RING);	/* == round - 5 */
		double dt = (double)(now - l->ring_t[old]) / NS;
		double r = (double)(l->body - l->ring[old]) / dt / bps;

		if (r < l->minrate)
			l->minrate = r;
		if (!(l->flags & F_SLOW) && nwindows < MAX_WINDOWS)
			windows[nwindows++] = (float)r;
	}
}

/* One tick (nominal time tt): drain and snapshot one slice, pace slow
 * readers, time out stuck connections. */
static void
tick(long tno, int64_t now, int64_t tt)
{
	long slice = tno % SLICES, round = tno / SLICES, i;

	for (i = slice; i < o_n; i += SLICES) {
		struct lis *l = &L[i];

		if (l->state == L_CONNECTING && now - l->t_start > (int64_t)(o_conn_timeout * NS)) {
			lis_fail(l, W_CONN_TIMEOUT, now);
			continue;
		}
		if (l->state == L_HEAD && now - l->t_conn > (int64_t)(o_head_timeout * NS)) {
			lis_fail(l, W_HEAD_TIMEOUT, now);
			continue;
		}
		if (l->state != L_STREAM)
			continue;
		if (!(l->flags & (F_SLOW | F_LOWAT | F_ICY | F_LAT)) && l->t_first != 0 &&
		    now - l->t_first > BURST_WINDOW_NS) {
			int v = (int)lowat;

			setsockopt(l->fd, SOL_SOCKET, SO_RCVLOWAT, &v, sizeof v);
			l->flags |= F_LOWAT;
		}
		if (!(l->flags & F_SLOW) && lis_read(l, SIZE_MAX, now) < 0)
			continue;
		if (l->state == L_STREAM)
			lis_snapshot(l, round, now, tt);
	}
	/* slow readers: every tick, a tenth of a second's budget */
	if (o_slow_frac > 0) {
		for (i = 0; i < o_n; i++) {
			struct lis *l = &L[i];
			double cap = o_slow_rate * bps;

			if (!(l->flags & F_SLOW) || l->state != L_STREAM)
				continue;
			l->tokens += cap * TICK_NS / NS;
			if (l->tokens > cap)
				l->tokens = cap;
			if (l->tokens >= 1) {
				uint64_t before = l->body;

				if (lis_read(l, (size_t)l->tokens, now) < 0)
					continue;
				l->tokens -= (double)(l->body - before);
			}
			if (slice == i % SLICES && l->state == L_STREAM)
				lis_snapshot(l, round, now, tt);
		}
	}
}

/*
 * Steady state is over: read the slow listeners at full speed for
 * DRAIN_NS. A server that dropped one closed it behind everything still
 * queued in its socket buffer, which a slow reader would take minutes to
 * reach; the drain brings that FIN (or the stream's continuation) in now.
 */
static void
drain_start(int64_t now)
{
	long i;

	draining = 1;
	drain_end = now + DRAIN_NS;
	for (i = 0; i < o_n; i++)
		if ((L[i].flags & F_SLOW) && L[i].state == L_STREAM)
			ep_set(&L[i], EPOLL_CTL_MOD, EPOLLIN | EPOLLRDHUP);
}

/* ------------------------------------------------------------ per second */

static struct proc_snap ps_last;
static int64_t sw_last, t_last;
static uint64_t mach_last, rx_last, ksoft_last, muser_last, msirq_last;
static int64_t swu_last;

/* The swarm's own user CPU time. */
static int64_t
self_user(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (int64_t)ru.ru_utime.tv_sec * NS + (int64_t)ru.ru_utime.tv_usec * 1000;
}

/* Once a second (nominal time tt): the server's and our own CPU, a
 * progress line. */
static void
report(int64_t now, int64_t tt)
{
	struct proc_snap ps;
	uint64_t muser, msirq, maxd = 0, mach = machine_busy_ns(&muser, &msirq), ksoft = ksoftirqd_ns();
	int64_t swu = self_user();
	long hz = sysconf(_SC_CLK_TCK);
	int64_t sw = self_cpu();
	double dt = (double)(now - t_last) / NS;
	int counting = steady_start != 0 && tt > steady_start && tt <= steady_end;
	double srv_pct = 0, thr_pct = 0, sw_pct, rx, mach_pct;
	struct second *s;

	if (dt < 0.5)	/* ticks caught up late: fold into the next report */
		return;
	maxd = proc_read(&ps, counting);
	if (ps.ok && ps_last.ok) {
		srv_pct = (double)(ps.cpu_ns - ps_last.cpu_ns) / (dt * NS) * 100;
		thr_pct = (double)maxd / (dt * NS) * 100;
	}
	sw_pct = (double)(sw - sw_last) / (dt * NS) * 100;
	mach_pct = (double)(mach - mach_last) / (dt * NS) * 100;
	rx = streaming > 0 ? (double)(rx_total - rx_last) / dt / (bps * streaming) : 0;
	if (ps.ok) {
		if (ps.rss_kb > rss_peak_kb)
			rss_peak_kb = ps.rss_kb;
		rss_end_kb = ps.rss_kb;
	}
	if (counting && ps.ok && ps_last.ok) {
		st_seconds += dt;
		st_listener_s += dt * streaming;
		st_srv_ns += (double)(ps.cpu_ns - ps_last.cpu_ns);
		st_swarm_ns += (double)(sw - sw_last);
		st_machine_ns += (double)(mach - mach_last);
		st_ksoft_ns += (double)(ksoft - ksoft_last);
		st_softirq_ns += (double)(msirq - msirq_last);
		/* user time of neither the server nor us: other jobs, the source */
		st_other_user_ns += (double)(muser - muser_last) - (double)(swu - swu_last) -
		    (double)(ps.uticks - ps_last.uticks) * (double)(NS / hz);
	}
	if (nsecs == secs_cap) {
		secs_cap = secs_cap ? secs_cap * 2 : 256;
		if ((secs = realloc(secs, secs_cap * sizeof *secs)) == NULL)
			die("out of memory");
	}
	s = &secs[nsecs++];
	s->t = (double)(now - t_begin) / NS;
	s->steady = counting;
	s->up = streaming;
	s->failed = failed;
	s->dropped = dropped + slow_dropped;
	s->rx = rx;
	s->srv_pct = srv_pct;
	s->thr_pct = thr_pct;
	s->swarm_pct = sw_pct;
	s->machine_pct = mach_pct;
	s->rss_kb = ps.rss_kb;
	if (!o_quiet)
		fprintf(stderr, "%s%5.0fs %-6s up %6ld/%-6ld fail %5ld drop %5ld  rx %6.1f%%  "
		    "server %5.1f%% (busiest thread %5.1f%%) %7.1f MB  swarm %4.1f%%  machine %5.1f%%\n",
		    o_label, s->t, counting ? "steady" : steady_start ? "settle" : "ramp",
		    streaming, o_n, failed, dropped + slow_dropped, rx * 100, srv_pct, thr_pct,
		    ps.rss_kb / 1024.0, sw_pct, mach_pct);
	ps_last = ps;
	sw_last = sw;
	mach_last = mach;
	ksoft_last = ksoft;
	muser_last = muser;
	msirq_last = msirq;
	swu_last = swu;
	t_last = now;
	rx_last = rx_total;
}

/* ------------------------------------------------------------ summary */

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* qsort order for floats. */
static int
cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return x < y ? -1 : x > y;
}

/* q-th quantile of a sorted array (nearest rank). */
static double
pct(const double *v, size_t n, double q)
{
	size_t k;

	if (n == 0)
		return NAN;
	k = (size_t)ceil(q * (double)n);
	if (k > 0)
		k--;
	if (k >= n)
		k = n - 1;
	return v[k];
}

/* Print "name": {p50, p90, p99, max} of v (sorted in place), scaled. */
static void
json_dist(FILE *f, const char *name, double *v, size_t n, const char *sep)
{
	qsort(v, n, sizeof *v, cmp_double);
	if (n == 0) {
		fprintf(f, "\"%s\": null%s", name, sep);
		return;
	}
	fprintf(f, "\"%s\": {\"n\": %zu, \"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, "
	    "\"max\": %.3f}%s", name, n, pct(v, n, .5), pct(v, n, .9), pct(v, n, .99),
	    v[n - 1], sep);
}

/* JSON number or null. */
static void
jnum(FILE *f, const char *name, double v, const char *sep)
{
	if (isnan(v) || isinf(v))
		fprintf(f, "\"%s\": null%s", name, sep);
	else
		fprintf(f, "\"%s\": %.4f%s", name, v, sep);
}

/* Load the source's timeline ("mono_ns offset_end" lines). */
static size_t
load_srclog(int64_t **tp, uint64_t **op)
{
	FILE *f = fopen(o_srclog, "r");
	size_t n = 0, cap = 0;
	long long t;
	unsigned long long o;
	int64_t *ts = NULL;
	uint64_t *os = NULL;

	if (f == NULL)
		return 0;
	while (fscanf(f, "%lld %llu", &t, &o) == 2) {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			ts = realloc(ts, cap * sizeof *ts);
			os = realloc(os, cap * sizeof *os);
			if (ts == NULL || os == NULL)
				die("out of memory");
		}
		ts[n] = t;
		os[n] = o;
		n++;
	}
	fclose(f);
	*tp = ts;
	*op = os;
	return n;
}

/* Source-byte-to-listener latency of the probes, in ms; fills v, returns
 * how many samples, and how many probes could not be placed or drifted. */
static size_t
latency(double *v, long *placed, long *unplaced, long *desynced)
{
	int64_t *st = NULL;
	uint64_t *so = NULL;
	size_t ns, n = 0, i, fl;
	uint8_t *ref;
	FILE *f;
	struct stat sb;
	int64_t *join;
	long j;

	*placed = *unplaced = *desynced = 0;
	if (o_ref == NULL || o_srclog == NULL || (nlats == 0 && o_slow_frac == 0))
		return 0;
	if ((ns = load_srclog(&st, &so)) == 0 || stat(o_ref, &sb) < 0 || sb.st_size < 4096)
		return 0;
	fl = (size_t)sb.st_size;
	ref = xcalloc(1, fl);
	if ((f = fopen(o_ref, "rb")) == NULL || fread(ref, 1, fl, f) != fl)
		die("cannot read %s", o_ref);
	fclose(f);
	join = xcalloc((size_t)o_n, sizeof *join);
	for (j = 0; j < o_n; j++) {
		struct lis *l = &L[j];
		struct lat *t = l->lat;
		uint8_t *hit, *again;
		uint64_t sent = 0, p, k, end;
		size_t lo;
		int ok = 1;

		join[j] = -1;
		if (t == NULL || !(l->flags & F_STEADY))
			continue;
		if (t->hgot < LAT_MATCH || l->body < LAT_MATCH ||
		    (hit = memmem(ref, fl, t->head, LAT_MATCH)) == NULL) {
			if (l->flags & F_LAT)
				(*unplaced)++;
			continue;
		}
		again = memmem(hit + 1, fl - (size_t)(hit + 1 - ref), t->head, LAT_MATCH);
		if (again != NULL) {		/* the reference repeats itself */
			if (l->flags & F_LAT)
				(*unplaced)++;
			continue;
		}
		p = (uint64_t)(hit - ref);
		for (lo = 0; lo < ns && st[lo] <= t->t_head; lo++)
			sent = so[lo];
		if (sent < p + LAT_MATCH) {
			if (l->flags & F_LAT)
				(*unplaced)++;
			continue;
		}
		k = (sent - p - LAT_MATCH) / fl;
		join[j] = (int64_t)(k * fl + p);
		/* the last bytes must be where the first ones predict */
		end = (uint64_t)join[j] + l->body - LAT_MATCH;
		for (i = 0; i < LAT_MATCH; i++)
			if (ref[(end + i) % fl] != t->tail[i])
				ok = 0;
		if (l->flags & F_SLOW) {	/* continuity only, no samples */
			if (ok)
				slow_placed++;
			else
				slow_resynced++;
			join[j] = -1;
			continue;
		}
		if (!ok) {
			(*desynced)++;
			join[j] = -1;
			continue;
		}
		(*placed)++;
	}
	for (i = 0; i < nlats; i++) {
		struct lat_sample *s = &lats[i];
		uint64_t off;
		size_t lo = 0, hi = ns;

		if (join[s->lis] < 0)
			continue;
		off = (uint64_t)join[s->lis] + s->off;
		/* first write whose end is past off wrote the byte */
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (so[mid] > off)
				hi = mid;
			else
				lo = mid + 1;
		}
		if (lo == ns)
			continue;
		v[n++] = (double)(s->t - st[lo]) / MS;
	}
	free(join);
	free(ref);
	free(st);
	free(so);
	return n;
}

/* Print the summary, JSON or plain. */
static void
summary(void)
{
	size_t nn = (size_t)o_n, nc = 0, nf = 0, nb = 0, nr = 0, nd = 0, i, nlat;
	double *conn = xcalloc(nn + 1, sizeof(double)), *fb = xcalloc(nn + 1, sizeof(double));
	double *burst = xcalloc(nn + 1, sizeof(double)), *minr = xcalloc(nn + 1, sizeof(double));
	double *stall = xcalloc(nn + 1, sizeof(double));
	double *latv = xcalloc(nlats + 1, sizeof(double));
	double deliv = 0, expect = 0, slow_deliv = 0, slow_expect = 0;
	long below99 = 0, connected = 0, slow_n = 0, slow_up = 0, slow_steady = 0;
	long steady_n = 0, steady_at99 = 0;
	long icy_n = 0, icy_framed = 0, icy_blocks = 0, icy_titled = 0, icy_err = 0;
	long mp3_n = 0, mp3_frames = 0, mp3_losses = 0, mp3_nolock = 0;
	long lat_placed, lat_unplaced, lat_desynced;
	double srv_us, sw_us, mach_us, rss_per;
	FILE *f = stdout;
	int t;

	for (i = 0; i < nn; i++) {
		struct lis *l = &L[i];
		double dur;

		if (l->t_conn != 0)
			conn[nc++] = (double)(l->t_conn - l->t_start) / MS;
		if (l->t_first != 0) {
			fb[nf++] = (double)(l->t_first - l->t_req) / MS;
			burst[nb++] = (double)l->burst;
			connected++;
		}
		if (l->flags & F_SLOW) {
			slow_n++;
			if (l->state == L_STREAM)
				slow_up++;
			if (l->flags & F_STEADY) {
				slow_steady++;
				dur = (double)(((l->flags & F_DROPPED) ? steady_end : l->t1) - l->t0) / NS;
				slow_deliv += (double)(l->b1 - l->b0);
				slow_expect += dur * bps;
			}
			continue;
		}
		if (l->icy != NULL && l->t_first != 0) {
			icy_n++;
			if (l->icy->metaint > 0)
				icy_framed++;
			icy_blocks += l->icy->blocks;
			icy_titled += l->icy->titled;
			icy_err += l->icy->errors;
			mp3_n++;
			mp3_frames += l->icy->frames;
			mp3_losses += l->icy->losses;
			if (l->icy->frames < 3)
				mp3_nolock++;
		}
		if (!(l->flags & F_STEADY))
			continue;
		/* steady-state delivery of the listeners that were there */
		dur = (double)(((l->flags & F_DROPPED) ? steady_end : l->t1) - l->t0) / NS;
		deliv += (double)(l->b1 - l->b0);
		expect += dur * bps;
		/* served at the bitrate: 99% of what was due over the whole
		 * steady state (a send interval at either end is within that
		 * once steady state is long: 250 ms is 0.4% of 60 s) */
		steady_n++;
		if (!(l->flags & F_DROPPED) && (double)(l->b1 - l->b0) >= 0.99 * dur * bps)
			steady_at99++;
		if (l->minrate < 0.99)
			below99++;
		if (l->minrate < 1e9)
			minr[nr++] = l->minrate;
		stall[nd++] = (l->dmax - l->dmin) / bps * 1000;
	}
	nlat = latency(latv, &lat_placed, &lat_unplaced, &lat_desynced);
	qsort(windows, nwindows, sizeof *windows, cmp_float);
	srv_us = st_listener_s > 0 ? st_srv_ns / 1000 / st_listener_s : NAN;
	sw_us = st_listener_s > 0 ? st_swarm_ns / 1000 / st_listener_s : NAN;
	mach_us = st_listener_s > 0 ? st_machine_ns / 1000 / st_listener_s : NAN;
	rss_per = streaming > 0 && rss0_kb >= 0 ? (double)(rss_end_kb - rss0_kb) / streaming : NAN;

	if (!o_json) {
		qsort(fb, nf, sizeof *fb, cmp_double);
		qsort(conn, nc, sizeof *conn, cmp_double);
		qsort(latv, nlat, sizeof *latv, cmp_double);
		fprintf(f, "listeners %ld: connected %ld, failed %ld, dropped %ld (slow %ld), "
		    "up at end %ld\n", o_n, connected, failed, dropped, slow_dropped, streaming);
		fprintf(f, "delivered/expected %.2f%%; 5 s windows: min %.2f%% p1 %.2f%% p50 %.2f%%; "
		    "listeners with a window < 99%%: %ld\n", expect > 0 ? deliv / expect * 100 : NAN,
		    nwindows ? windows[0] * 100 : NAN, nwindows ? windows[(size_t)(nwindows * .01)] * 100 : NAN,
		    nwindows ? windows[nwindows / 2] * 100 : NAN, below99);
		fprintf(f, "connect ms p50 %.2f p99 %.2f; first byte ms p50 %.2f p99 %.2f max %.2f\n",
		    pct(conn, nc, .5), pct(conn, nc, .99), pct(fb, nf, .5), pct(fb, nf, .99),
		    nf ? fb[nf - 1] : NAN);
		fprintf(f, "server: %.1f us/listener-s, RSS %.2f KB/listener (%ld -> %ld KB); "
		    "swarm %.1f us/listener-s\n", srv_us, rss_per, rss0_kb, rss_end_kb, sw_us);
		if (nlat)
			fprintf(f, "source->listener latency ms p50 %.1f p99 %.1f max %.1f (%zu samples)\n",
			    pct(latv, nlat, .5), pct(latv, nlat, .99), latv[nlat - 1], nlat);
		return;
	}
	fprintf(f, "{\n\"listeners\": %ld, \"mounts\": %d, \"bitrate_kbps\": %.1f, "
	    "\"ramp_per_s\": %.1f, \"duration_s\": %.1f, \"steady_s\": %.2f,\n", o_n, o_mounts,
	    o_bitrate, o_ramp, o_duration, st_seconds);
	fprintf(f, "\"interrupted\": %s, \"server_gone\": %s,\n", interrupted ? "true" : "false",
	    server_gone ? "true" : "false");
	fprintf(f, "\"connected\": %ld, \"failed\": %ld, \"dropped\": %ld, \"up_at_end\": %ld,\n",
	    connected, failed, dropped, streaming);
	fprintf(f, "\"ramp_s\": %.3f,\n", ramp_done_t ? (double)(ramp_done_t - t_begin) / NS : NAN);
	fprintf(f, "\"fail_reasons\": {");
	for (t = 1, i = 0; t < W_COUNT; t++)
		if (nfail[t])
			fprintf(f, "%s\"%s\": %ld", i++ ? ", " : "", why_name[t], nfail[t]);
	fprintf(f, "}, \"fail_statuses\": [");
	for (t = 0; t < nstatus; t++)
		fprintf(f, "%s%ld", t ? ", " : "", status_codes[t]);
	fprintf(f, "],\n");
	jnum(f, "delivered_ratio", expect > 0 ? deliv / expect : NAN, ", ");
	fprintf(f, "\"rate5s\": {\"windows\": %zu, ", nwindows);
	jnum(f, "min", nwindows ? windows[0] : NAN, ", ");
	jnum(f, "p1", nwindows ? windows[(size_t)(nwindows * .01)] : NAN, ", ");
	jnum(f, "p50", nwindows ? windows[nwindows / 2] : NAN, ", ");
	fprintf(f, "\"listeners_below_99\": %ld},\n", below99);
	fprintf(f, "\"steady\": {\"listeners\": %ld, \"at_99\": %ld},\n", steady_n, steady_at99);
	json_dist(f, "listener_min_rate5s", minr, nr, ",\n");
	json_dist(f, "stall_ms", stall, nd, ",\n");
	json_dist(f, "connect_ms", conn, nc, ",\n");
	json_dist(f, "first_byte_ms", fb, nf, ",\n");
	json_dist(f, "burst_bytes", burst, nb, ",\n");
	json_dist(f, "latency_ms", latv, nlat, ",\n");
	fprintf(f, "\"latency_probes\": {\"placed\": %ld, \"unplaced\": %ld, \"desynced\": %ld},\n",
	    lat_placed, lat_unplaced, lat_desynced);
	fprintf(f, "\"icy\": {\"sample\": %ld, \"framed\": %ld, \"blocks\": %ld, \"titled\": %ld, "
	    "\"errors\": %ld, \"mp3_frames\": %ld, \"mp3_sync_losses\": %ld, \"mp3_never_locked\": %ld},\n",
	    icy_n, icy_framed, icy_blocks, icy_titled, icy_err, mp3_frames, mp3_losses, mp3_nolock);
	fprintf(f, "\"slow\": {\"listeners\": %ld, \"dropped\": %ld, \"dropped_seen_in_final_drain\": %ld, "
	    "\"up_at_end\": %ld, \"continuous\": %ld, \"resynced\": %ld, ", slow_n, slow_dropped,
	    slow_drain_dropped, slow_up, slow_placed, slow_resynced);
	jnum(f, "delivered_ratio", slow_expect > 0 ? slow_deliv / slow_expect : NAN, "},\n");
	fprintf(f, "\"server\": {\"pid\": %d, ", o_pid);
	jnum(f, "cpu_us_per_listener_s", srv_us, ", ");
	jnum(f, "cpu_pct", st_seconds > 0 ? st_srv_ns / (st_seconds * NS) * 100 : NAN, ", ");
	fprintf(f, "\"rss0_kb\": %ld, \"rss_end_kb\": %ld, \"rss_peak_kb\": %ld, ", rss0_kb,
	    rss_end_kb, rss_peak_kb);
	jnum(f, "rss_kb_per_listener", rss_per, ",\n  ");
	fprintf(f, "\"threads\": [");
	{
		/* the busiest threads over steady state */
		int used[MAX_TASKS] = { 0 }, k, shown = 0;

		for (k = 0; k < 6 && k < ntasks; k++) {
			int best = -1, m;

			for (m = 0; m < ntasks; m++)
				if (!used[m] && (best < 0 || tasks[m].steady_ns > tasks[best].steady_ns))
					best = m;
			if (best < 0 || tasks[best].steady_ns == 0)
				break;
			used[best] = 1;
			fprintf(f, "%s{\"tid\": %d, \"comm\": \"%s\", \"cpu_pct\": %.2f}", shown++ ? ", " : "",
			    tasks[best].tid, tasks[best].comm,
			    st_seconds > 0 ? tasks[best].steady_ns / (st_seconds * NS) * 100 : 0.0);
		}
	}
	fprintf(f, "]},\n\"swarm\": {");
	jnum(f, "cpu_us_per_listener_s", sw_us, ", ");
	jnum(f, "cpu_pct", st_seconds > 0 ? st_swarm_ns / (st_seconds * NS) * 100 : NAN, "},\n");
	fprintf(f, "\"machine\": {");
	jnum(f, "cpu_us_per_listener_s", mach_us, ", ");
	jnum(f, "cpu_pct", st_seconds > 0 ? st_machine_ns / (st_seconds * NS) * 100 : NAN, ", ");
	jnum(f, "ksoftirqd_pct", st_seconds > 0 ? st_ksoft_ns / (st_seconds * NS) * 100 : NAN, ", ");
	jnum(f, "softirq_pct", st_seconds > 0 ? st_softirq_ns / (st_seconds * NS) * 100 : NAN, ", ");
	jnum(f, "other_user_pct", st_seconds > 0 ? st_other_user_ns / (st_seconds * NS) * 100 : NAN, "},\n");
	fprintf(f, "\"seconds\": [");
	for (i = 0; i < nsecs; i++) {
		struct second *s = &secs[i];

		fprintf(f, "%s\n [%.1f, %d, %ld, %ld, %ld, %.4f, %.2f, %.2f, %.2f, %.2f, %ld]",
		    i ? "," : "", s->t, s->steady, s->up, s->failed, s->dropped, s->rx, s->srv_pct,
		    s->thr_pct, s->swarm_pct, s->machine_pct, s->rss_kb);
	}
	fprintf(f, "],\n\"seconds_columns\": [\"t\", \"steady\", \"up\", \"failed\", \"dropped\", "
	    "\"rx_ratio\", \"server_pct\", \"busiest_thread_pct\", \"swarm_pct\", \"machine_pct\", "
	    "\"server_rss_kb\"]\n}\n");
	fflush(f);
}

/* ------------------------------------------------------------ setup */

static void
on_signal(int sig)
{
	interrupted = 1;
}

/* Build the request texts, one pair (plain, ICY) per mount. */
static void
make_requests(void)
{
	int m;

	requests = xcalloc((size_t)o_mounts * 2, sizeof *requests);
	reqlen = xcalloc((size_t)o_mounts * 2, sizeof *reqlen);
	for (m = 0; m < o_mounts; m++) {
		char path[512];
		const char *pc = strstr(o_mount, "%d");
		int icy;

		if (pc != NULL)
			snprintf(path, sizeof path, "%.*s%d%s", (int)(pc - o_mount), o_mount, m, pc + 2);
		else
			snprintf(path, sizeof path, "%s", o_mount);
		for (icy = 0; icy < 2; icy++) {
			char *r = xcalloc(1, 1024);

			snprintf(r, 1024, "GET %s HTTP/1.0\r\nHost: %s:%d\r\nUser-Agent: floe-bench-swarm/1\r\n"
			    "Accept: */*\r\n%s\r\n", path, o_host, o_port, icy ? "Icy-MetaData: 1\r\n" : "");
			requests[m * 2 + icy] = r;
			reqlen[m * 2 + icy] = strlen(r);
		}
	}
}

/* The options, on stderr; exit 2. */
static void
usage(void)
{
	fputs(
"usage: swarm [options]\n"
"  --host ADDR          server address (127.0.0.1)\n"
"  --port N             server port (8000)\n"
"  --mount PATH         mount; with --mounts K a pattern like /m%d (0..K-1)\n"
"  --mounts K           listeners spread round-robin over K mounts (1)\n"
"  --listeners N        how many listeners (100)\n"
"  --ramp PER_S         new connections per second (2000)\n"
"  --duration S         steady state measured after the ramp (10)\n"
"  --settle S           pause between the ramp and steady state (2)\n"
"  --bitrate KBPS       the stream's bitrate: the expected rate (128)\n"
"  --icy-sample K       K listeners ask for ICY metadata; framing checked\n"
"  --latency-sample K   K probes timed against --source-log, placed by --ref\n"
"  --ref FILE           the file the source loops (for latency probes)\n"
"  --source-log FILE    the source's \"mono_ns offset\" timeline\n"
"  --slow-fraction F    fraction of listeners reading slowly (0)\n"
"  --slow-rate R        slow listeners read R x bitrate (0.5)\n"
"  --slow-rcvbuf B      their SO_RCVBUF (8192)\n"
"  --server-pid PID     read /proc/PID each second (PID,PID,...: the sum)\n"
"  --connect-timeout S  (20)   --head-timeout S (20)\n"
"  --src-addrs K        bind sources over 127.0.0.2.. (K addresses; default:\n"
"                       none up to 12,000 listeners, one per 8,000 above)\n"
"  --src-base K         the first of them is 127.0.0.(2+K) (several swarms)\n"
"  --label TEXT         prefix for the progress lines\n"
"  --json               JSON summary on stdout (else plain)\n"
"  --quiet              no per-second lines on stderr\n", stderr);
	exit(2);
}

/* Parse options, ramp, hold, report. */
int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", 1, 0, 'h' }, { "port", 1, 0, 'p' }, { "mount", 1, 0, 'm' },
		{ "mounts", 1, 0, 'M' }, { "listeners", 1, 0, 'n' }, { "ramp", 1, 0, 'r' },
		{ "duration", 1, 0, 'd' }, { "settle", 1, 0, 'S' }, { "bitrate", 1, 0, 'b' },
		{ "icy-sample", 1, 0, 'i' }, { "latency-sample", 1, 0, 'l' }, { "ref", 1, 0, 'R' },
		{ "source-log", 1, 0, 'L' }, { "slow-fraction", 1, 0, 'f' },
		{ "slow-rate", 1, 0, 'F' }, { "slow-rcvbuf", 1, 0, 'B' }, { "server-pid", 1, 0, 'P' },
		{ "connect-timeout", 1, 0, 'c' }, { "head-timeout", 1, 0, 'H' },
		{ "src-addrs", 1, 0, 'A' }, { "src-base", 1, 0, 'N' }, { "label", 1, 0, 'T' }, { "json", 0, 0, 'j' },
		{ "quiet", 0, 0, 'q' }, { "help", 0, 0, '?' }, { 0, 0, 0, 0 }
	};
	struct epoll_event evs[MAX_EVENTS];
	struct rlimit rl;
	struct sigaction sa;
	int c, k;
	long tno = 0, i, icy_stride = 0, lat_stride = 0;
	int64_t next_tick, now;
	struct proc_snap ps;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'h': o_host = optarg; break;
		case 'p': o_port = (int)num("port", optarg, 1, 65535); break;
		case 'm': o_mount = optarg; break;
		case 'M': o_mounts = (int)num("mounts", optarg, 1, 10000); break;
		case 'n': o_n = (long)num("listeners", optarg, 1, 1000000); break;
		case 'r': o_ramp = num("ramp", optarg, 1, 1e6); break;
		case 'd': o_duration = num("duration", optarg, 0, 86400); break;
		case 'S': o_settle = num("settle", optarg, 0, 3600); break;
		case 'b': o_bitrate = num("bitrate", optarg, 1, 100000); break;
		case 'i': o_icy = (long)num("icy-sample", optarg, 0, 1e6); break;
		case 'l': o_latn = (long)num("latency-sample", optarg, 0, 1e6); break;
		case 'R': o_ref = optarg; break;
		case 'L': o_srclog = optarg; break;
		case 'f': o_slow_frac = num("slow-fraction", optarg, 0, 1); break;
		case 'F': o_slow_rate = num("slow-rate", optarg, 0.01, 100); break;
		case 'B': o_slow_rcvbuf = (long)num("slow-rcvbuf", optarg, 1024, 1 << 24); break;
		case 'P': {
			char *tok, *save = NULL, *list = strdup(optarg);

			for (tok = strtok_r(list, ",", &save); tok != NULL && o_npids < 16;
			    tok = strtok_r(NULL, ",", &save))
				o_pids[o_npids++] = (int)num("server-pid", tok, 1, 1 << 30);
			o_pid = o_pids[0];
			free(list);
			break;
		}
		case 'N': o_src_base = (int)num("src-base", optarg, 0, 240); break;
		case 'c': o_conn_timeout = num("connect-timeout", optarg, 0.1, 3600); break;
		case 'H': o_head_timeout = num("head-timeout", optarg, 0.1, 3600); break;
		case 'A': o_src_addrs = (int)num("src-addrs", optarg, 0, 250); break;
		case 'T': o_label = optarg; break;
		case 'j': o_json = 1; break;
		case 'q': o_quiet = 1; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (o_mounts > 1 && strstr(o_mount, "%d") == NULL)
		die("--mounts %d needs a --mount pattern with %%d", o_mounts);
	bps = o_bitrate * 1000 / 8;
	/* Why spread sources past 12,000: connect() tries even ephemeral ports
	 * first (about 14,000 of them here), and once those all carry a
	 * connection to the same server, every connect() walks all of them:
	 * the swarm then burns a core on port search. Bound to distinct
	 * 127.0.0.x sources, a port is free again for each address. */
	if (o_src_addrs < 0)
		o_src_addrs = o_n > 12000 ? (int)((o_n + 7999) / 8000) : 0;
	/* Why 4 s of audio: above what a second brings, so epoll never wakes a
	 * bulk listener between its once-a-second drains, yet a server that
	 * sends far too fast still wakes it before the buffer fills. */
	lowat = (long)(bps * 4);
	if (lowat > 262144)
		lowat = 262144;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	getrlimit(RLIMIT_NOFILE, &rl);
	if ((rlim_t)o_n + 32 > rl.rlim_cur)
		fprintf(stderr, "swarm: warning: descriptor limit %llu < %ld listeners\n",
		    (unsigned long long)rl.rlim_cur, o_n);

	memset(&dst, 0, sizeof dst);
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)o_port);
	if (inet_pton(AF_INET, o_host, &dst.sin_addr) != 1)
		die("--host %s: want an IPv4 address", o_host);
	make_requests();

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	L = xcalloc((size_t)o_n, sizeof *L);
	lats = xcalloc(o_latn > 0 ? LAT_MAX_SAMPLES : 1, sizeof *lats);
	windows = xcalloc(MAX_WINDOWS, sizeof *windows);
	if (o_icy > 0)
		icy_stride = o_n / o_icy > 0 ? o_n / o_icy : 1;
	if (o_latn > 0)
		lat_stride = o_n / o_latn > 0 ? o_n / o_latn : 1;
	for (i = 0; i < o_n; i++) {
		struct lis *l = &L[i];

		l->fd = -1;
		l->mount = (uint16_t)(i % o_mounts);
		l->minrate = 1e30;
		l->dmin = 1e30;
		l->dmax = -1e30;
		/* slow listeners spread evenly: i is slow when floor(i*F) steps */
		if (o_slow_frac > 0 && floor((double)(i + 1) * o_slow_frac) > floor((double)i * o_slow_frac))
			l->flags |= F_SLOW;
		else if (icy_stride && i % icy_stride == 0 && i / icy_stride < o_icy)
			l->flags |= F_ICY;
		else if (lat_stride && (i + lat_stride / 2) % lat_stride == 0 &&
		    (i + lat_stride / 2) / lat_stride <= o_latn)
			l->flags |= F_LAT;
		if (l->flags & F_ICY)
			l->icy = xcalloc(1, sizeof *l->icy);
		/* slow listeners are placed too: a server that resyncs them
		 * shows as a gap between their first and last bytes */
		if (l->flags & (F_LAT | F_SLOW))
			l->lat = xcalloc(1, sizeof *l->lat);
	}
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll_create1: %s", strerror(errno));

	t_begin = now = mono();
	proc_read(&ps, 0);
	rss0_kb = ps.ok ? ps.rss_kb : -1;
	ps_last = ps;
	sw_last = self_cpu();
	mach_last = machine_busy_ns(&muser_last, &msirq_last);
	swu_last = self_user();
	ksoftirqd_find();
	ksoft_last = ksoftirqd_ns();
	t_last = now;
	next_tick = now + TICK_NS;

	while (!interrupted) {
		int timeout;
		int64_t wait;

		now = mono();
		if (started < o_n) {
			long due = (long)((double)(now - t_begin) * o_ramp / NS) + 1;

			if (due > o_n)
				due = o_n;
			while (started < due)
				lis_start(started++, now);
		}
		wait = next_tick - now;
		if (started < o_n && wait > MS)
			wait = MS;
		timeout = wait > 0 ? (int)((wait + MS - 1) / MS) : 0;
		c = epoll_wait(ep, evs, MAX_EVENTS, timeout);
		if (c < 0 && errno != EINTR)
			die("epoll_wait: %s", strerror(errno));
		now = mono();
		for (k = 0; k < c; k++)
			lis_event(&L[evs[k].data.u32], evs[k].events, now);
		while (now >= next_tick && !stopping) {
			tick(tno, now, next_tick);
			if (tno % SLICES == 0 && tno > 0) {
				report(now, next_tick);
				if (ramp_done_t == 0 && started == o_n && pending == 0) {
					ramp_done_t = now;
					/* steady state starts on a report boundary */
					steady_start = next_tick + (int64_t)ceil(o_settle) * NS;
					steady_end = steady_start + (int64_t)(o_duration * NS);
				}
				if (steady_end != 0 && next_tick >= steady_end) {
					if (o_slow_frac > 0 && !draining)
						drain_start(now);
					else if (!draining || now >= drain_end)
						stopping = 1;
				}
				if (server_gone && !o_quiet)
					fprintf(stderr, "swarm: server pid %d is gone\n", o_pid);
				if (server_gone)
					stopping = 1;
			}
			tno++;
			next_tick += TICK_NS;
		}
		if (stopping)
			break;
	}
	stopping = 1;
	summary();
	return 0;
}
