/*
 * takeover.c: the hand-off from a running floe to a new process (possibly
 * a new binary) with no source or listener dropped, no byte lost or sent
 * twice, and no ICY framing broken.
 *
 *   old process                              new process
 *   listens on <takeover-socket>      <----  floe --takeover -c FILE connects:
 *                                            "FLOE-TAKEOVER 1 <pid> <version>"
 *   stops accepting (new connections wait in the kernel's queue); requests
 *   and answers in flight finish (up to TAKEOVER_DRAIN_MS)
 *   freezes: no source is read, no listener given anything or judged
 *   writes its state (wire.h) ---------------->
 *     listening sockets, counters, every mount with its queue (titles,
 *     Ogg headers, the rewind buffer), every source and listener: socket
 *     (SCM_RIGHTS), request, place in the stream, ICY count and last
 *     title, bytes queued both ways; relayed mounts' sources; HLS sessions
 *                                            uses the sockets (binds nothing),
 *                                            switches user, starts workers
 *                                     <----  "OK"
 *   exits at once: nothing closed first, so no peer sees a FIN (the
 *   sockets live on in the new process)      takes up every connection where
 *                                            it stopped: sources read on, each
 *                                            listener gets its queued bytes,
 *                                            then the next block it lacks
 *
 * Until "OK", nothing is lost on the old side: if the new process fails,
 * goes away or says nothing for TAKEOVER_ACK_MS, the old one thaws and
 * serves on. What cannot travel is a TLS session (OpenSSL's state stays in
 * its process: those peers reconnect) and a relay's upstream connection
 * (curl's: the new process connects again, and what the upstream's burst
 * repeats is dropped, as after a blip).
 */
#include "takeover.h"
#include "block.h"
#include "config.h"
#include "conn.h"
#include "fanout.h"
#include "format.h"
#include "hls.h"
#include "icy.h"
#include "listen.h"
#include "listener.h"
#include "log.h"
#include "mount.h"
#include "notify.h"
#include "relay.h"
#include "server.h"
#include "source.h"
#include "util.h"
#include "wire.h"
#include "worker.h"

#include <event2/event.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define TAKEOVER_MAGIC	"FLOE-TAKEOVER 1"
/* Why 5 s: an admin request or a page is answered in milliseconds; a
 * client that has sent half a request head by then is a slow one, and its
 * connection is what the hand-off costs (it is closed). */
#define TAKEOVER_DRAIN_MS	5000
/* Why 30 s: the new process only has to switch user and start its
 * threads; a process silent that long is stuck, and the old one thaws. */
#define TAKEOVER_ACK_MS		30000
/* The new process waits for the drain and the state: generously more. */
#define TAKEOVER_RECV_MS	60000
/* SCM_RIGHTS carries at most 253 descriptors a message (SCM_MAX_FD). */
#define FDS_PER_MSG	250

/* Room for one batch's SCM_RIGHTS, aligned as a cmsghdr. */
union fd_msg {
	struct cmsghdr	h;
	char		buf[CMSG_SPACE(sizeof(int) * FDS_PER_MSG)];
};

/* ---- both sides: blocking I/O on the unix socket, with a deadline ---- */

/* Wait until fd is ready for events, at most until deadline (monotonic ns). */
static int
wait_fd(int fd, short events, uint64_t deadline)
{
	struct pollfd p = { fd, events, 0 };
	uint64_t now;
	int rc;

	for (;;) {
		now = time_mono_ns();
		if (now >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		rc = poll(&p, 1, (int)FLOE_MIN((deadline - now) / 1000000 + 1, 1000000));
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
}

/* Move all n bytes: out, send p; else receive into p. -1 on an error, at
 * the deadline or (receiving) at the peer's close. */
static int
xfer_all(int fd, void *p, size_t n, uint64_t deadline, int out)
{
	char *b = p;
	ssize_t k;

	while (n > 0) {
		if (wait_fd(fd, out ? POLLOUT : POLLIN, deadline) < 0)
			return -1;
		k = out ? send(fd, b, n, MSG_NOSIGNAL) : recv(fd, b, n, 0);
		if (k < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (k == 0)
			errno = ECONNRESET;
		if (k <= 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

static int
write_all(int fd, const void *p, size_t n, uint64_t deadline)
{
	return xfer_all(fd, (void *)p, n, deadline, 1);
}

static int
read_all(int fd, void *p, size_t n, uint64_t deadline)
{
	return xfer_all(fd, p, n, deadline, 0);
}

/* One line (up to len - 1 bytes, without its \n), read a byte at a time:
 * what follows it may carry descriptors, which must not be read here. */
static int
read_line(int fd, char *line, size_t len, uint64_t deadline)
{
	size_t n = 0;
	char ch;

	while (n + 1 < len) {
		if (read_all(fd, &ch, 1, deadline) < 0)
			return -1;
		if (ch == '\n') {
			line[n] = '\0';
			return 0;
		}
		line[n++] = ch;
	}
	errno = EPROTO;
	return -1;
}

/* ---- what travels: counters and mounts ---- */

static const struct format_ops *
format_named(const char *name)
{
	const struct format_ops *all[] = { &format_mp3, &format_aac, &format_ogg, &format_webm,
	    &format_generic };
	size_t i;

	for (i = 0; name != NULL && i < FLOE_NELEM(all); i++)
		if (strcmp(all[i]->name, name) == 0)
			return all[i];
	return NULL;
}

/* The counters icecast's stats add up (the gauges are counted again as
 * the connections are taken up). */
static void
save_globals(struct wire *w, uint64_t frozen_ns)
{
	const struct server_stats *st = &srv.stats;
	size_t i, n = 0;

	wire_u8(w, 'G');
	wire_u64(w, frozen_ns);
	wire_i64(w, srv.started);
	wire_u64(w, srv.next_conn_id);
	wire_u64(w, st->connections);
	wire_u64(w, st->client_connections);
	wire_u64(w, st->listener_connections);
	wire_u64(w, st->source_client_connections);
	wire_u64(w, st->source_total_connections);
	wire_u64(w, st->file_connections);
	wire_u64(w, st->admin_requests);
	for (i = 0; i < FLOE_NELEM(st->responses); i++)
		n += STAT_GET(st->responses[i]) != 0;
	wire_u32(w, (uint32_t)n);
	for (i = 0; i < FLOE_NELEM(st->responses); i++)
		if (STAT_GET(st->responses[i]) != 0) {
			wire_u32(w, (uint32_t)i);
			wire_u64(w, STAT_GET(st->responses[i]));
		}
}

static uint64_t frozen_at;	/* new side: when the old process froze (monotonic) */

static void
restore_globals(struct wire *w)
{
	struct server_stats *st = &srv.stats;
	uint32_t i, n, k;
	uint64_t v;

	frozen_at = wire_get_u64(w);
	srv.started = wire_get_i64(w);
	srv.next_conn_id = wire_get_u64(w);
	st->connections = wire_get_u64(w);
	st->client_connections = wire_get_u64(w);
	st->listener_connections = wire_get_u64(w);
	st->source_client_connections = wire_get_u64(w);
	st->source_total_connections = wire_get_u64(w);
	st->file_connections = wire_get_u64(w);
	st->admin_requests = wire_get_u64(w);
	n = wire_get_u32(w);
	for (i = 0; i < n && !w->err; i++) {
		k = wire_get_u32(w);
		v = wire_get_u64(w);
		if (k < FLOE_NELEM(st->responses))
			st->responses[k] = v;
	}
}

/* A mount: what stats show of it, its title and Ogg headers in force, and
 * its whole queue, block by block as cut (so listeners' positions, always
 * at block boundaries, stay boundaries). */
static void
save_mount(struct wire *w, struct mount *m)
{
	const struct stream_info *si = &m->info;
	struct block *b;
	uint64_t n = 0;

	wire_u8(w, 'M');
	wire_str(w, m->name);
	wire_str(w, m->fmt->name);
	wire_str(w, si->content_type);
	wire_str(w, si->name);
	wire_str(w, si->description);
	wire_str(w, si->url);
	wire_str(w, si->genre);
	wire_str(w, si->bitrate);
	wire_str(w, si->audio_info);
	wire_u8(w, (uint8_t)si->public);
	wire_str(w, si->user_agent);
	wire_str(w, si->source_ip);
	wire_str(w, m->fallback);
	wire_str(w, m->title);
	wire_str(w, m->artist);
	wire_str(w, m->ogg.subtype);
	wire_u32(w, (uint32_t)m->ogg.channels);
	wire_u32(w, m->ogg.samplerate);
	wire_u32(w, (uint32_t)m->ogg.bitrate);
	wire_meta(w, m->meta);
	wire_hdrs(w, m->hdrs);
	wire_u32(w, m->peak);
	wire_u64(w, m->bytes_read);
	wire_u64(w, m->title_changes);
	wire_i64(w, m->stream_start);
	wire_u64(w, fanout_clock(m));
	wire_u64(w, m->q.nblocks);
	for (b = m->q.head; b != NULL; b = b->next)
		n++;
	wire_u64(w, n);
	wire_u64(w, m->q.head != NULL ? m->q.head->pos : m->q.tail_pos);
	for (b = m->q.head; b != NULL; b = b->next) {
		wire_bytes(w, b->data, b->len);
		wire_u32(w, b->flags);
		wire_i64(w, b->time_ms);
		wire_u64(w, b->pts);
		wire_u32(w, b->dur);
		wire_meta(w, b->meta);
		wire_hdrs(w, b->hdrs);
	}
}

static void
set_str(char **field, char *v)
{
	free(*field);
	*field = v;
}

/* The names stats show for an Ogg codec: static strings, as ogg_stream_info sets. */
static const char *
ogg_subtype(const char *s)
{
	static const char *const names[] = { "Vorbis", "Opus", "FLAC", "Theora" };
	size_t i;

	for (i = 0; s != NULL && i < FLOE_NELEM(names); i++)
		if (strcmp(s, names[i]) == 0)
			return names[i];
	return NULL;
}

static struct mount *
restore_mount(struct wire *w)
{
	char *name = wire_get_str(w), *fmt = wire_get_str(w), *sub;
	const struct format_ops *ops = format_named(fmt);
	struct stream_info *si;
	struct icy_meta *meta;
	struct block *b;
	const uint8_t *data;
	uint64_t nblocks, n, i, pos;
	size_t len;
	struct mount *m;

	free(fmt);
	if (name == NULL || name[0] != '/' || ops == NULL) {
		free(name);
		w->err = 1;
		return NULL;
	}
	m = mount_get(name);
	free(name);
	__atomic_store_n(&m->fmt, ops, __ATOMIC_RELEASE);
	si = &m->info;
	set_str(&si->content_type, wire_get_str(w));
	set_str(&si->name, wire_get_str(w));
	set_str(&si->description, wire_get_str(w));
	set_str(&si->url, wire_get_str(w));
	set_str(&si->genre, wire_get_str(w));
	set_str(&si->bitrate, wire_get_str(w));
	set_str(&si->audio_info, wire_get_str(w));
	si->public = wire_get_u8(w);
	set_str(&si->user_agent, wire_get_str(w));
	set_str(&si->source_ip, wire_get_str(w));
	set_str(&m->fallback, wire_get_str(w));
	set_str(&m->title, wire_get_str(w));
	set_str(&m->artist, wire_get_str(w));
	sub = wire_get_str(w);
	m->ogg.subtype = ogg_subtype(sub);
	free(sub);
	m->ogg.channels = (int)wire_get_u32(w);
	m->ogg.samplerate = wire_get_u32(w);
	m->ogg.bitrate = (int32_t)wire_get_u32(w);
	meta = wire_get_meta(w);
	icy_meta_unref(m->meta);
	m->meta = meta != NULL ? meta : icy_meta_new(NULL, NULL);
	ogg_headers_unref(m->hdrs);
	m->hdrs = wire_get_hdrs(w);
	m->peak = wire_get_u32(w);
	m->bytes_read = wire_get_u64(w);
	m->title_changes = wire_get_u64(w);
	m->stream_start = wire_get_i64(w);
	fanout_set_clock(m, wire_get_u64(w));
	nblocks = wire_get_u64(w);
	n = wire_get_u64(w);
	pos = wire_get_u64(w);
	pthread_mutex_lock(&m->lock);
	queue_clear(&m->q);
	queue_init(&m->q, mount_queue_size(m), mount_burst_size(m));
	queue_set_rewind(&m->q, mount_rewind_ms(m), mount_rewind_bytes(m));
	m->q.tail_pos = m->q.head_pos = pos;
	for (i = 0; i < n && !w->err; i++) {
		data = wire_get_bytes(w, &len);
		if (w->err || len == 0)
			break;
		b = block_new(data, len, 0, wire_get_u32(w) & (BLOCK_SYNC | BLOCK_HEADER |
		    BLOCK_CHAIN));
		b->time_ms = wire_get_i64(w);
		b->pts = wire_get_u64(w);
		b->dur = wire_get_u32(w);
		b->meta = wire_get_meta(w);
		b->hdrs = wire_get_hdrs(w);
		queue_append(&m->q, b);
	}
	m->q.nblocks = nblocks;
	pthread_mutex_unlock(&m->lock);
	if (i < n)
		w->err = 1;
	return m;
}

/* ---- the old side ---- */

static int ctl_fd = -1;			/* the takeover socket */
static struct event *ctl_ev;
static char *ctl_path;

/* A hand-off in progress. */
static struct handoff {
	int		 fd;		/* to the new process */
	long		 pid;
	uint64_t	 deadline;	/* of the drain */
	struct event	*tick;
} *ho;

/* What the connections of one worker came to. */
struct save_ctx {
	struct wire	*w;
	unsigned	 handed;	/* written */
	unsigned	 kept;		/* cannot travel (TLS), closed at exit */
};

static void
save_conns(void *arg)
{
	struct save_ctx *ctx = arg;
	struct worker *w = worker_self();
	struct conn *c;

	TAILQ_FOREACH(c, &w->conns, entry) {
		if (c->role != NULL && c->role->handover != NULL && c->role->handover(c, ctx->w) == 0)
			ctx->handed++;
		else if (!c->lingering)
			ctx->kept++;
	}
}

static void
handback_conns(void *arg)
{
	struct worker *w = worker_self();
	struct conn *c, *next;

	(void)arg;
	TAILQ_FOREACH_SAFE(c, &w->conns, entry, next)
		if (c->role != NULL && c->role->handback != NULL)
			c->role->handback(c);
}

/* Send the state: a line, its size and descriptor count, the descriptors
 * (a byte each batch, SCM_RIGHTS), then the bytes. */
static int
send_state(int fd, struct wire *w, uint64_t deadline)
{
	char line[128];
	uint8_t head[12];
	union fd_msg cm;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *ch;
	size_t i, k;
	char one = 'F';
	ssize_t n;

	snprintf(line, sizeof line, "%s %ld\n", TAKEOVER_MAGIC, (long)getpid());
	for (i = 0; i < 8; i++)
		head[i] = (uint8_t)((uint64_t)w->buf.len >> (56 - 8 * i));
	for (i = 0; i < 4; i++)
		head[8 + i] = (uint8_t)((uint32_t)w->nfds >> (24 - 8 * i));
	if (write_all(fd, line, strlen(line), deadline) < 0 ||
	    write_all(fd, head, sizeof head, deadline) < 0)
		return -1;
	for (i = 0; i < w->nfds; i += k) {
		k = FLOE_MIN(w->nfds - i, (size_t)FDS_PER_MSG);
		memset(&msg, 0, sizeof msg);
		memset(&cm, 0, sizeof cm);
		iov.iov_base = &one;
		iov.iov_len = 1;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cm.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * k);
		ch = CMSG_FIRSTHDR(&msg);
		ch->cmsg_level = SOL_SOCKET;
		ch->cmsg_type = SCM_RIGHTS;
		ch->cmsg_len = CMSG_LEN(sizeof(int) * k);
		memcpy(CMSG_DATA(ch), w->fds + i, sizeof(int) * k);
		for (;;) {
			if (wait_fd(fd, POLLOUT, deadline) < 0)
				return -1;
			if ((n = sendmsg(fd, &msg, MSG_NOSIGNAL)) == 1)
				break;
			if (n < 0 && errno != EINTR && errno != EAGAIN)
				return -1;
		}
	}
	return write_all(fd, w->buf.data, w->buf.len, deadline);
}

static void
handoff_end(void)
{
	if (ho == NULL)
		return;
	if (ho->tick != NULL)
		event_free(ho->tick);
	close(ho->fd);
	free(ho);
	ho = NULL;
}

/* Everything is in place: freeze, write, wait for "OK", exit; or thaw. */
static void
handoff_run(void)
{
	struct save_ctx ctx = { NULL, 0, 0 };
	uint64_t t0 = time_mono_ns(), deadline;
	struct wire w;
	struct mount *m;
	char line[64];
	unsigned i;
	const char *why = NULL;

	wire_init(&w);
	ctx.w = &w;
	listener_freeze(1);
	save_globals(&w, t0);
	listen_save(&w);
	TAILQ_FOREACH(m, &srv.mounts, entry) {
		fanout_flush(m);	/* what the source gave is all in blocks */
		save_mount(&w, m);
	}
	save_conns(&ctx);		/* the main loop's: sources, requests, TLS */
	for (i = 1; i < srv.nworkers; i++)
		worker_call(srv.workers[i], save_conns, &ctx);
	relay_save(&w);
	hls_save(&w);
	wire_u8(&w, 'E');
	deadline = time_mono_ns() + (uint64_t)TAKEOVER_ACK_MS * 1000000;
	if (send_state(ho->fd, &w, deadline) < 0)
		why = strerror(errno);
	else if (read_line(ho->fd, line, sizeof line, deadline) < 0)
		why = errno == ETIMEDOUT ? "no answer in time" : "it went away";
	else if (strcmp(line, "OK") != 0)
		why = "it refused the state";
	if (why == NULL) {
		log_info("takeover: %u connections and %zu bytes of state handed to process %ld "
		    "in %llu ms (%u TLS or unfinished connection%s close with this process); "
		    "exiting", ctx.handed, w.buf.len, ho->pid,
		    (unsigned long long)((time_mono_ns() - t0) / 1000000), ctx.kept,
		    ctx.kept == 1 ? "" : "s");
		{
			char st[64];

			snprintf(st, sizeof st, "MAINPID=%ld", ho->pid);
			notify_systemd(st);
			notify_systemd_barrier(5000);	/* before systemd sees us exit */
		}
		log_close();
		_exit(0);	/* no close, no shutdown: the sockets live on there */
	}
	log_error("takeover by process %ld failed (%s): serving on", ho->pid, why);
	listener_freeze(0);
	handback_conns(NULL);
	for (i = 1; i < srv.nworkers; i++)
		worker_call(srv.workers[i], handback_conns, NULL);
	listen_hold(0);
	wire_free(&w);
	handoff_end();
	notify_systemd("STATUS=serving (a takeover failed)");
}

/* During the drain: are the answers in flight done (or is time up)? */
static void
handoff_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if ((conn_busy(srv.workers[0]) || listen_busy()) && time_mono_ns() < ho->deadline)
		return;
	handoff_run();
}

/* A process connected to the takeover socket. */
static void
ctl_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct timeval tv = { 0, 20 * 1000 };
	struct ucred cr = { 0, 0, 0 };
	socklen_t len = sizeof cr;
	char line[128], version[64];
	long pid;
	int fd;

	(void)what;
	(void)arg;
	if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0 ||
	    (cr.uid != 0 && cr.uid != geteuid())) {
		log_warn("takeover socket %s: refused a process of uid %ld: only root or uid "
		    "%ld may take over", ctl_path, (long)cr.uid, (long)geteuid());
		close(fd);
		return;
	}
	if (ho != NULL || srv.shutting_down) {
		log_warn("takeover: process %ld asked while %s: refused", (long)cr.pid,
		    ho != NULL ? "another takeover is under way" : "shutting down");
		close(fd);
		return;
	}
	if (read_line(fd, line, sizeof line, time_mono_ns() + 2000000000ULL) < 0 ||
	    sscanf(line, TAKEOVER_MAGIC " %ld %63s", &pid, version) != 2) {
		log_warn("takeover socket %s: process %ld did not speak the takeover protocol "
		    "(floe %s speaks \"%s\")", ctl_path, (long)cr.pid, PACKAGE_VERSION,
		    TAKEOVER_MAGIC);
		close(fd);
		return;
	}
	ho = xcalloc(1, sizeof *ho);
	ho->fd = fd;
	ho->pid = pid;
	ho->deadline = time_mono_ns() + (uint64_t)TAKEOVER_DRAIN_MS * 1000000;
	listen_hold(1);
	log_info("takeover: process %ld (floe %s) takes over: not accepting now; answers in "
	    "flight finish first (up to %d ms)", pid, version, TAKEOVER_DRAIN_MS);
	notify_systemd("STATUS=handing over to a new process");
	ho->tick = event_new(srv.base, -1, EV_PERSIST, handoff_tick, NULL);
	event_add(ho->tick, &tv);
	handoff_tick(-1, 0, NULL);
}

int
takeover_listen(const char *path)
{
	struct sockaddr_un sa;
	struct stat st;
	int fd;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa.sun_path) {
		log_warn("<paths><takeover-socket> %s: longer than a unix socket path may be "
		    "(%zu bytes): no takeover possible; set a shorter one", path,
		    sizeof sa.sun_path - 1);
		return -1;
	}
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	/* One left by a process that died: a socket nobody listens on. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || chmod(path, 0600) < 0 ||
	    listen(fd, 4) < 0) {
		log_warn("takeover socket %s: %s: `floe --takeover` and SIGUSR2 cannot reach "
		    "this process (set <paths><takeover-socket> to a place its user may "
		    "write)", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	ctl_fd = fd;
	ctl_path = xstrdup(path);
	ctl_ev = event_new(srv.base, fd, EV_READ | EV_PERSIST, ctl_accept, NULL);
	event_add(ctl_ev, NULL);
	log_info("takeover socket %s: `floe --takeover -c %s` (or SIGUSR2) hands this "
	    "process's sources and listeners to a new one", path, srv.config_path);
	return 0;
}

void
takeover_close(void)
{
	struct stat st;

	handoff_end();
	if (ctl_ev != NULL)
		event_free(ctl_ev);
	ctl_ev = NULL;
	if (ctl_fd >= 0) {
		close(ctl_fd);
		/* Ours still (a new process would have replaced it)? */
		if (lstat(ctl_path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(ctl_path);
	}
	ctl_fd = -1;
	free(ctl_path);
	ctl_path = NULL;
}

void
takeover_spawn(const char *exe, const char *config)
{
	pid_t pid;

	if (exe == NULL || ctl_fd < 0) {
		log_error("SIGUSR2: no takeover possible (%s)", exe == NULL ?
		    "floe's own binary was not found at start" : "no takeover socket");
		return;
	}
	if (ho != NULL) {
		log_warn("SIGUSR2: a takeover is under way already");
		return;
	}
	if ((pid = fork()) < 0) {
		log_error("SIGUSR2: cannot start %s: %s", exe, strerror(errno));
		return;
	}
	if (pid == 0) {
		/* Only the standard streams: every socket goes by the protocol. */
		closefrom(3);
		execl(exe, exe, "--takeover", "-c", config, (char *)NULL);
		_exit(127);
	}
	log_info("SIGUSR2: started %s --takeover (process %ld)", exe, (long)pid);
}

/* ---- the new side ---- */

static struct wire state;	/* what came, read as it is taken up */
static uint8_t *state_bytes;
static int peer_fd = -1;
static int active;

int
takeover_active(void)
{
	return active;
}

unsigned
takeover_held_fds(void)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; active && i < state.nfds; i++)
		n += state.fds[i] >= 0;
	return n;
}

/* Read the descriptors: a byte each batch, with its SCM_RIGHTS. */
static int
recv_fds(int fd, int *fds, size_t nfds, uint64_t deadline)
{
	union fd_msg cm;
	struct msghdr msg;
	struct iovec iov;
	struct cmsghdr *ch;
	size_t got = 0, k;
	char one;
	ssize_t n;

	while (got < nfds) {
		memset(&msg, 0, sizeof msg);
		iov.iov_base = &one;
		iov.iov_len = 1;
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof cm.buf;
		if (wait_fd(fd, POLLIN, deadline) < 0)
			return -1;
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n != 1 || (msg.msg_flags & MSG_CTRUNC)) {
			errno = n == 0 ? ECONNRESET : EPROTO;
			return -1;
		}
		for (ch = CMSG_FIRSTHDR(&msg); ch != NULL; ch = CMSG_NXTHDR(&msg, ch)) {
			if (ch->cmsg_level != SOL_SOCKET || ch->cmsg_type != SCM_RIGHTS)
				continue;
			k = (ch->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			if (got + k > nfds) {
				errno = EPROTO;
				return -1;
			}
			memcpy(fds + got, CMSG_DATA(ch), k * sizeof(int));
			got += k;
		}
	}
	return 0;
}

int
takeover_receive(const char *path)
{
	uint64_t deadline = time_mono_ns() + (uint64_t)TAKEOVER_RECV_MS * 1000000, size = 0;
	struct sockaddr_un sa;
	uint8_t head[12];
	char line[128];
	uint32_t nfds = 0;
	int fd, *fds = NULL;
	long pid;
	size_t i;
	uint8_t tag;

	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		log_error("--takeover: cannot reach a running floe at %s: %s (is floe running "
		    "with this config? its log names its takeover socket)", path, strerror(errno));
		goto fail;
	}
	snprintf(line, sizeof line, "%s %ld %s\n", TAKEOVER_MAGIC, (long)getpid(),
	    PACKAGE_VERSION);
	log_info("--takeover: asking the floe at %s for its sources and listeners", path);
	if (write_all(fd, line, strlen(line), deadline) < 0 ||
	    read_line(fd, line, sizeof line, deadline) < 0 ||
	    sscanf(line, TAKEOVER_MAGIC " %ld", &pid) != 1 ||
	    read_all(fd, head, sizeof head, deadline) < 0) {
		log_error("--takeover: the floe at %s did not hand over (%s)", path,
		    errno == ETIMEDOUT ? "no answer in time" : "it closed the connection: "
		    "its error log says why");
		goto fail;
	}
	for (i = 0; i < 8; i++)
		size = size << 8 | head[i];
	for (i = 8; i < 12; i++)
		nfds = nfds << 8 | head[i];
	fds = xcalloc(nfds + 1, sizeof *fds);
	for (i = 0; i < nfds; i++)
		fds[i] = -1;
	state_bytes = xmalloc(size + 1);
	if (recv_fds(fd, fds, nfds, deadline) < 0 ||
	    read_all(fd, state_bytes, size, deadline) < 0) {
		log_error("--takeover: the state from process %ld broke off: %s", pid,
		    strerror(errno));
		goto fail;
	}
	wire_reader(&state, state_bytes, size, fds, nfds);
	fds = NULL;
	/* The counters and the listening sockets now: listen_open comes next. */
	while (!state.err && ((tag = wire_peek_u8(&state)) == 'G' || tag == 'L')) {
		wire_get_u8(&state);
		if (tag == 'G')
			restore_globals(&state);
		else
			listen_inherit(wire_get_fd(&state));
	}
	if (state.err) {
		log_error("--takeover: the state from process %ld is damaged (floe %s reads "
		    "protocol \"%s\")", pid, PACKAGE_VERSION, TAKEOVER_MAGIC);
		goto fail;
	}
	peer_fd = fd;
	active = 1;
	log_info("--takeover: process %ld handed over its state (%llu bytes, %u sockets)", pid,
	    (unsigned long long)size, nfds);
	return 0;
fail:
	if (fds != NULL)
		for (i = 0; i < nfds; i++)
			if (fds[i] >= 0)
				close(fds[i]);
	free(fds);
	wire_free(&state);
	free(state_bytes);
	state_bytes = NULL;
	if (fd >= 0)
		close(fd);
	return -1;
}

void
takeover_finish(void)
{
	struct mount **made = NULL, *m;
	size_t nmade = 0, i;
	unsigned sources = 0, listeners = 0, relayed = 0, sessions = 0, failed = 0;
	struct conn *c;
	char *role;
	uint8_t tag;

	if (!active)
		return;
	/* The old process exits on this: from here the connections are ours. */
	if (write_all(peer_fd, "OK\n", 3, time_mono_ns() + 5000000000ULL) < 0)
		log_warn("--takeover: could not tell the old process to go: %s", strerror(errno));
	close(peer_fd);
	peer_fd = -1;
	while (!state.err && (tag = wire_get_u8(&state)) != 'E') {
		switch (tag) {
		case 'M':
			if ((m = restore_mount(&state)) != NULL) {
				made = xreallocarray(made, nmade + 1, sizeof *made);
				made[nmade++] = m;
			}
			break;
		case 'C':
			role = wire_get_str(&state);
			if ((c = conn_restore(&state)) == NULL)
				failed++;
			else if (role != NULL && strcmp(role, "listener") == 0) {
				if (listener_restore(c, &state) == 0)
					listeners++;
				else
					failed++;
			} else if (role != NULL && strcmp(role, "source") == 0) {
				if (source_restore(c, &state) == 0)
					sources++;
				else
					failed++;
			} else {
				c->logged = 1;
				conn_close(c);
				state.err = 1;
			}
			free(role);
			break;
		case 'R':
			relay_restore(&state);
			relayed++;
			break;
		case 'H':
			hls_restore(&state);
			sessions++;
			break;
		default:
			state.err = 1;
			break;
		}
	}
	if (state.err)
		log_error("--takeover: the state broke off at byte %zu: what came after it is "
		    "lost (connections closed)", (size_t)(state.p - state_bytes));
	/* A file fallback's feed (icecast-kh's /fallback-128.mp3) starts again,
	 * from the file's beginning, for the listeners it had; mounts neither
	 * fed nor listened to go, as they would have there. */
	for (i = 0; i < nmade; i++) {
		m = made[i];
		if (m->source == NULL && m->file == NULL && STAT_GET(m->nlisteners) > 0 &&
		    mount_file_fallback != NULL)
			mount_file_fallback(m->name);
		mount_release(m);
	}
	free(made);
	log_info("--takeover: took up %zu mounts, %u sources, %u listeners, %u relayed "
	    "mounts, %u HLS sessions%s; nothing was sent for %llu ms", nmade, sources,
	    listeners, relayed, sessions, failed ? " (some connections failed: above)" : "",
	    (unsigned long long)((time_mono_ns() - frozen_at) / 1000000));
	wire_free(&state);	/* closes any descriptor nobody took */
	free(state_bytes);
	state_bytes = NULL;
	active = 0;
}
