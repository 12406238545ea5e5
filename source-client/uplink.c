/*
 * uplink.c: the source connection to Floe or Icecast.
 *
 *   BACKOFF --timer--> CONNECTING --(connect, send head, 100 or 200)--> STREAMING
 *      ^                   |  refused (403...), timeout, error               |
 *      +-------------------+--------------------------------------------------+
 *                          |  401 before any stream worked
 *                          v
 *                        FAILED (wrong password: logged, not retried)
 *
 * Shoutcast v1 (shoutcast://, or method shoutcast): the password line
 * alone, then the server's first line: "OK2" (DNAS, icecast2 and Floe add
 * "icy-caps:11" and a blank line, ignored) and the icy-* lines and audio
 * follow; an HTTP status is judged as above; any other line ("invalid
 * password", DNAS's words; Floe says "Invalid Password") is a wrong
 * password, as a 401. icecast2 closes without a word on a wrong password:
 * SILENT_REFUSALS such closes in a row count as one.
 *
 * A 401 after a stream has worked (a password rotated on the server, a
 * server restarting with half its config) is logged as an error and
 * retried like any failure: the station stays on the air once it is right.
 *
 * PUT sends "Expect: 100-continue" and waits for 100 or 200 before audio,
 * as ffmpeg does (Liquidsoap fails unless 100 comes first; icecast2 sends
 * 100 then 200). SOURCE waits for the 200. A refusal's body (icecast2 puts
 * "Mountpoint in use" there) is read until the server closes, for the log.
 * The retry delay doubles from BACKOFF_MIN to BACKOFF_MAX (each drawn
 * 75-100% of its value, so many clients of one restarted server do not
 * knock in step) and starts over once a stream has stayed up for
 * STABLE_SECONDS.
 */
#include "uplink.h"
#include "log.h"
#include "tlsclient.h"
#include "../server/util.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include <ctype.h>
#include <errno.h>
#include <linux/sockios.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* First retry delay, and the cap, in ms. Why a 3 s cap: listeners hear
 * audio again at most ~3 s after a restarted server accepts (the cap of
 * 30 s it replaces left them 10.9 s in silence after a 20 s restart); an
 * attempt every 3 s against a server that is gone costs a SYN. */
#define BACKOFF_MIN_MS 500
#define BACKOFF_MAX_MS 3000
/* A stream that lasted this long counts as a success: the next failure
 * retries quickly again. */
#define STABLE_SECONDS 10
/* Time allowed for resolve + connect + the server's answer. */
#define HANDSHAKE_TIMEOUT_SECONDS 10
/*
 * A server that accepts but stops reading. Its kernel goes on taking our
 * bytes into a receive buffer that Linux grows to megabytes, so our own
 * queue fills only minutes later. What shows at once is its receive
 * window (TCP_INFO's tcpi_snd_wnd, Linux 5.4): a server that reads keeps
 * it up, reopening it again and again; one that does not lets it only
 * shrink, a little at a time. Stalled: the window has not grown once for
 * STALL_WINDOW_SECONDS, is STALL_WINDOW_BYTES or more below where it last
 * grew to, and went down at STALL_WINDOW_DROPS checks or more meanwhile
 * (falling, not resting: a server that reads may settle a few KB under an
 * earlier level and stay there for seconds, as Linux does for the 4 KB
 * Ogg pages of a 96 kbps Opus stream, measured 118784 then 106496 bytes
 * with nothing unread), or (a zero window)
 * STALL_AUDIO_SECONDS of audio waiting in our
 * kernel's send queue and our buffer for STALL_SECONDS in a row. Judged
 * once a second. Why these: a reading server reopens its window many times
 * a second; 8 s without, with data arriving, is a server that stopped, and
 * notices it within about 10 s of its last read.
 */
#define STALL_WINDOW_SECONDS 8
#define STALL_WINDOW_BYTES 4096
#define STALL_WINDOW_DROPS 4
#define STALL_AUDIO_SECONDS 4
#define STALL_SECONDS 3
/* A response head longer than this is not an Icecast answer. */
#define RESPONSE_HEAD_MAX 8192
/* A Shoutcast server's answer to the password is one short line. */
#define ICY_ANSWER_MAX 256
/* Connections a Shoutcast server closes in a row right after the password
 * line, without answering, before it is taken for a wrong password
 * (icecast2's way of refusing one): more than one, so that a server going
 * down at that moment is not mistaken for it; few, so the verdict comes in
 * seconds (the backoff between them is 0.5 + 1 s). */
#define SILENT_REFUSALS 3
/* Bytes of a refusal's body kept for the log. */
#define REFUSAL_BODY_MAX 200
/* After a refusal, how long to wait for the server to close (and so for
 * the whole body) before logging what we have. */
#define REFUSAL_WAIT_SECONDS 2

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif
#define USER_AGENT "floe-source/" PACKAGE_VERSION

struct uplink {
	struct event_base	*base;
	struct evdns_base	*dns;
	char			*label;
	struct uplink_url	 url;
	enum uplink_method	 method;
	char			*head;		/* the request head, built once (Shoutcast: the
						 * password line) */
	char			*icy_lines;	/* Shoutcast: the icy-* lines sent after OK2 */
	int			 silent;	/* Shoutcast: closes without answer in a row */
	size_t			 max_queue;
	uplink_cb		*cb;
	void			*cb_arg;

	enum uplink_state	 state;
	struct bufferevent	*bev;
	struct event		*timer;		/* backoff, handshake and refusal timeouts */
	int			 backoff;	/* ms before the next attempt (before jitter) */
	int			 worked;	/* a stream has been up: a 401 is retried */
	size_t			 stall_bytes;	/* STALL_AUDIO_SECONDS of this output's audio */
	uint32_t		 wnd_base;	/* the server's receive window when it last grew */
	uint64_t		 wnd_since;	/* monotonic ns it did; 0: not seen */
	uint32_t		 wnd_last;	/* the window at the last check */
	int			 wnd_drops;	/* checks since then at which it went down */
	uint64_t		 stall_check;	/* monotonic ns of the next check */
	int			 stall_secs;	/* checks in a row with too much waiting */
	int			 refused;	/* got an error status; reading its body */
	int			 status;	/* that status */
	char			 reason[128];
	int			 got_continue;	/* 100 seen; a final status may follow */
	uint64_t		 appended;	/* stream bytes queued since STREAMING */
	uint64_t		 up_since;	/* monotonic ns */
	uint64_t		 retry_at;	/* monotonic ns of the next attempt */
	char			 why[256];	/* the last failure, for status */
	int			 finishing;
};

static void start_connect(struct uplink *);

/* ---------------------------------------------------------------- URL */

/* Parse http://[user[:pass]@]host[:port]/mount. */
int
uplink_url_parse(const char *s, struct uplink_url *u, char *err, size_t errlen)
{
	const char *p, *at, *hostend, *slash, *colon;
	long port = 8000;

	memset(u, 0, sizeof *u);
	if (strncasecmp(s, "shoutcast://", 12) == 0 || strncasecmp(s, "icy://", 6) == 0) {
		u->shoutcast = 1;
		port = 8001;
		p = strstr(s, "://") + 3;
	} else if (strncasecmp(s, "https://", 8) == 0) {
		u->tls = 1;
		port = 443;
		p = s + 8;
	} else if (strncasecmp(s, "http://", 7) == 0)
		p = s + 7;
	else {
		/* Only the scheme: the rest may hold the password. */
		p = strstr(s, "://");
		if (p != NULL && p - s <= 16)
			snprintf(err, errlen, "URL must start with http://, https:// or "
			    "shoutcast:// (not %.*s://)", (int)(p - s), s);
		else
			snprintf(err, errlen, "URL must start with http://, https:// or shoutcast://");
		return -1;
	}
	slash = strchr(p, '/');
	if (slash == NULL && u->shoutcast)
		slash = p + strlen(p);	/* Shoutcast v1 has no mounts */
	if (slash == NULL || (slash[0] == '/' && slash[1] == '\0' && !u->shoutcast)) {
		snprintf(err, errlen, "URL has no mount point (http://source:PASS@HOST:PORT/MOUNT)");
		return -1;
	}
	at = memrchr(p, '@', (size_t)(slash - p));
	if (at != NULL) {
		colon = memchr(p, ':', (size_t)(at - p));
		if (colon != NULL) {
			u->user = url_decode(p, (size_t)(colon - p), 0, NULL);
			u->pass = url_decode(colon + 1, (size_t)(at - colon - 1), 0, NULL);
		} else if (u->shoutcast) {	/* shoutcast://PASS@HOST: only a password */
			u->pass = url_decode(p, (size_t)(at - p), 0, NULL);
		} else {
			u->user = url_decode(p, (size_t)(at - p), 0, NULL);
			u->pass = xstrdup("");
		}
		p = at + 1;
	}
	if (u->user == NULL || *u->user == '\0') {
		free(u->user);
		u->user = xstrdup("source");
	}
	if (u->pass == NULL)
		u->pass = xstrdup("");
	if (*p == '[') {
		hostend = memchr(p, ']', (size_t)(slash - p));
		if (hostend == NULL)
			goto bad_host;
		u->host = xstrndup(p + 1, (size_t)(hostend - p - 1));
		p = hostend + 1;
	} else {
		hostend = memchr(p, ':', (size_t)(slash - p));
		if (hostend == NULL)
			hostend = slash;
		u->host = xstrndup(p, (size_t)(hostend - p));
		p = hostend;
	}
	if (*u->host == '\0')
		goto bad_host;
	if (*p == ':') {
		char *ps = xstrndup(p + 1, (size_t)(slash - p - 1));
		int bad = parse_long(ps, 1, 65535, &port) != 0;
		free(ps);
		if (bad) {
			snprintf(err, errlen, "URL has a bad port");
			uplink_url_free(u);
			return -1;
		}
	} else if (p != slash)
		goto bad_host;
	u->port = (int)port;
	if (u->shoutcast && strcmp(slash, "/") == 0)
		slash = "";
	u->mount = url_decode(slash, strlen(slash), 0, NULL);
	return 0;
bad_host:
	snprintf(err, errlen, "URL has a bad host");
	uplink_url_free(u);
	return -1;
}

/* Free a parsed URL. */
void
uplink_url_free(struct uplink_url *u)
{
	free(u->user);
	free(u->pass);
	free(u->host);
	free(u->mount);
	memset(u, 0, sizeof *u);
}

/* host:port for Host headers and logs. */
void
uplink_url_hostport(const struct uplink_url *u, char *buf, size_t n)
{
	if (strchr(u->host, ':') != NULL)
		snprintf(buf, n, "[%s]:%d", u->host, u->port);
	else
		snprintf(buf, n, "%s:%d", u->host, u->port);
}

/* ---------------------------------------------------------------- parser */

/* Parse a response head. Pure: no I/O, called again with more bytes on AGAIN. */
int
uplink_parse_response(const char *buf, size_t len, int *status, char *reason, size_t reasonlen,
    size_t *head_len)
{
	const char *end = NULL, *eol, *p;
	size_t i, rl;
	long st;

	for (i = 0; i < len && end == NULL; i++) {
		if (buf[i] != '\n')
			continue;
		if (i + 1 < len && buf[i + 1] == '\n')
			end = buf + i + 2;
		else if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			end = buf + i + 3;
	}
	if (end == NULL)
		return len > RESPONSE_HEAD_MAX ? UPLINK_PARSE_ERROR : UPLINK_PARSE_AGAIN;
	eol = memchr(buf, '\n', len);
	if (strncmp(buf, "HTTP/1.", 7) == 0 && eol - buf >= 12)
		p = buf + 8;
	else if (strncmp(buf, "ICY", 3) == 0 && eol - buf >= 7)
		p = buf + 3;
	else
		return UPLINK_PARSE_ERROR;
	if (*p != ' ' || !isdigit((unsigned char)p[1]) || !isdigit((unsigned char)p[2]) ||
	    !isdigit((unsigned char)p[3]))
		return UPLINK_PARSE_ERROR;
	st = (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
	p += 4;
	while (p < eol && *p == ' ')
		p++;
	rl = (size_t)(eol - p);
	while (rl > 0 && (p[rl - 1] == '\r' || p[rl - 1] == ' '))
		rl--;
	if (reasonlen > 0) {
		rl = FLOE_MIN(rl, reasonlen - 1);
		memcpy(reason, p, rl);
		reason[rl] = '\0';
	}
	*status = (int)st;
	*head_len = (size_t)(end - buf);
	return UPLINK_PARSE_OK;
}

/* ---------------------------------------------------------------- request */

/* Append a header whose value is config text: control characters dropped. */
static void
add_header(struct sbuf *sb, const char *name, const char *value)
{
	const unsigned char *p;

	if (value == NULL || *value == '\0')
		return;
	sbuf_adds(sb, name);
	sbuf_adds(sb, ": ");
	for (p = (const unsigned char *)value; *p != '\0'; p++)
		if (*p >= 0x20 && *p != 0x7f)
			sbuf_add(sb, p, 1);
	sbuf_adds(sb, "\r\n");
}

/* Append a mount as a request target: unsafe bytes percent-encoded. */
static void
add_target(struct sbuf *sb, const char *mount)
{
	static const char safe[] = "/-._~!$&'()*+,;=:@";
	const unsigned char *p;

	for (p = (const unsigned char *)mount; *p != '\0'; p++) {
		if (isalnum(*p) || strchr(safe, *p) != NULL)
			sbuf_add(sb, p, 1);
		else
			sbuf_addf(sb, "%%%02X", *p);
	}
}

/* Host and Basic Authorization lines, shared by the stream and metadata requests. */
void
uplink_url_add_login(const struct uplink_url *u, struct sbuf *sb)
{
	char hostport[300], *cred, *b64;

	uplink_url_hostport(u, hostport, sizeof hostport);
	add_header(sb, "Host", hostport);
	cred = xasprintf("%s:%s", u->user, u->pass);
	b64 = base64_encode(cred, strlen(cred));
	sbuf_addf(sb, "Authorization: Basic %s\r\n", b64);
	free(b64);
	free(cred);
}

/* The request head, per method. */
static char *
build_head(const struct uplink_url *u, enum uplink_method method, const struct uplink_info *in)
{
	struct sbuf sb;

	sbuf_init(&sb);
	sbuf_adds(&sb, method == UPLINK_PUT ? "PUT " : "SOURCE ");
	add_target(&sb, u->mount);
	sbuf_adds(&sb, method == UPLINK_PUT ? " HTTP/1.1\r\n" : " HTTP/1.0\r\n");
	uplink_url_add_login(u, &sb);
	add_header(&sb, "User-Agent", USER_AGENT);
	add_header(&sb, "Content-Type", in->content_type);
	if (method == UPLINK_PUT)
		sbuf_adds(&sb, "Expect: 100-continue\r\n");
	add_header(&sb, "ice-public", in->public ? "1" : "0");
	add_header(&sb, "ice-name", in->name);
	add_header(&sb, "ice-description", in->description);
	add_header(&sb, "ice-genre", in->genre);
	add_header(&sb, "ice-url", in->url);
	add_header(&sb, "ice-audio-info", in->audio_info);
	sbuf_adds(&sb, "\r\n");
	return sb.data;
}

/* Append a Shoutcast icy-* line ("icy-name:Text", no space, as encoders
 * send them); control characters dropped, so no value can end the block. */
static void
add_icy(struct sbuf *sb, const char *name, const char *value)
{
	const unsigned char *p;

	if (value == NULL)
		return;
	sbuf_adds(sb, name);
	sbuf_adds(sb, ":");
	for (p = (const unsigned char *)value; *p != '\0'; p++)
		if (*p >= 0x20 && *p != 0x7f)
			sbuf_add(sb, p, 1);
	sbuf_adds(sb, "\r\n");
}

/* A Shoutcast v1 login: the password line, and the icy-* lines that follow
 * OK2. A password cannot hold a line break (it would end the line early). */
static void
build_icy(const struct uplink_url *u, const struct uplink_info *in, char **login, char **lines)
{
	struct sbuf sb;
	char br[16];

	*login = xasprintf("%s\r\n", u->pass);
	sbuf_init(&sb);
	add_icy(&sb, "content-type", in->content_type);
	add_icy(&sb, "icy-name", in->name != NULL ? in->name : "");
	add_icy(&sb, "icy-genre", in->genre != NULL ? in->genre : "");
	add_icy(&sb, "icy-url", in->url != NULL ? in->url : "");
	add_icy(&sb, "icy-pub", in->public ? "1" : "0");
	if (in->bitrate > 0) {
		snprintf(br, sizeof br, "%d", in->bitrate);
		add_icy(&sb, "icy-br", br);
	}
	sbuf_adds(&sb, "\r\n");
	*lines = sb.data;
}

/* ---------------------------------------------------------------- states */

/* Change state and tell the owner. */
static void
set_state(struct uplink *ul, enum uplink_state st)
{
	if (ul->state == st)
		return;
	ul->state = st;
	if (ul->cb != NULL)
		ul->cb(ul, st, ul->cb_arg);
}

/* Drop the connection, if any. */
static void
drop_conn(struct uplink *ul)
{
	if (ul->bev != NULL) {
		bufferevent_free(ul->bev);
		ul->bev = NULL;
	}
	evtimer_del(ul->timer);
}

/* Arm the one timer for secs seconds. */
static void
arm_timer(struct uplink *ul, int secs)
{
	struct timeval tv = { secs, 0 };

	evtimer_add(ul->timer, &tv);
}

static int stalled(struct uplink *ul);

static void
arm_timer_ms(struct uplink *ul, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(ul->timer, &tv);
}

/* A failure: log why, and retry after the backoff delay. */
static void
fail(struct uplink *ul, const char *why)
{
	char where[300];
	int delay;

	drop_conn(ul);
	if (ul->finishing) {
		set_state(ul, UPLINK_CLOSED);
		return;
	}
	if (ul->state == UPLINK_STREAMING &&
	    time_mono_ns() - ul->up_since >= (uint64_t)STABLE_SECONDS * FLOE_NS_PER_SEC)
		ul->backoff = BACKOFF_MIN_MS;
	uplink_url_hostport(&ul->url, where, sizeof where);
	snprintf(ul->why, sizeof ul->why, "%s", why);
	delay = ul->backoff - (int)(random() % (ul->backoff / 4 + 1));
	log_warn("output %s: %s %s%s: %s; retrying in %.1f s", ul->label,
	    ul->state == UPLINK_STREAMING ? "lost" : "cannot stream to", where, ul->url.mount,
	    why, delay / 1000.0);
	ul->retry_at = time_mono_ns() + (uint64_t)delay * 1000000;
	arm_timer_ms(ul, delay);
	ul->backoff = FLOE_MIN(ul->backoff * 2, BACKOFF_MAX_MS);
	set_state(ul, UPLINK_BACKOFF);
}

/* The server refused: 401 ends it, anything else is retried. */
static void
refused(struct uplink *ul, const char *body)
{
	char why[400], where[300];

	if (ul->status == 401 && ul->worked) {
		uplink_url_hostport(&ul->url, where, sizeof where);
		log_error("output %s: the server now refuses the password for %s%s (401 %s), "
		    "which worked before: retrying until it takes it again (fix the password "
		    "on the server or in the URL)", ul->label, where, ul->url.mount, ul->reason);
		fail(ul, "wrong password (401), which worked before");
		return;
	}
	if (ul->status == 401) {
		drop_conn(ul);
		uplink_url_hostport(&ul->url, where, sizeof where);
		snprintf(ul->why, sizeof ul->why, "%s", ul->method == UPLINK_SHOUTCAST ?
		    "wrong password" : "wrong password (401)");
		if (ul->method == UPLINK_SHOUTCAST)
			log_error("output %s: wrong password for the Shoutcast server %s (%s); "
			    "not retrying: fix the password in the URL or config", ul->label,
			    where, ul->reason);
		else
			log_error("output %s: wrong user name or password for %s%s (the server "
			    "answered 401 %s); not retrying: fix the password in the URL or config",
			    ul->label, where, ul->url.mount, ul->reason);
		set_state(ul, UPLINK_FAILED);
		return;
	}
	if (body != NULL && *body != '\0')
		snprintf(why, sizeof why, "refused with %d %s: %s", ul->status, ul->reason, body);
	else
		snprintf(why, sizeof why, "refused with %d %s", ul->status, ul->reason);
	fail(ul, why);
}

/* Finish a refusal with whatever body has arrived. */
static void
refusal_done(struct uplink *ul)
{
	struct evbuffer *in = bufferevent_get_input(ul->bev);
	char body[REFUSAL_BODY_MAX + 1];
	size_t n = FLOE_MIN(evbuffer_get_length(in), (size_t)REFUSAL_BODY_MAX), i, o = 0;

	evbuffer_remove(in, body, n);
	for (i = 0; i < n; i++)
		if ((unsigned char)body[i] >= 0x20)
			body[o++] = body[i];
	body[o] = '\0';
	refused(ul, str_trim(body));
}

/* Accepted: start streaming. */
static void
accepted(struct uplink *ul)
{
	char where[300];

	evtimer_del(ul->timer);
	ul->appended = 0;
	ul->up_since = time_mono_ns();
	ul->worked = 1;
	ul->wnd_since = 0;
	ul->stall_secs = 0;
	ul->stall_check = ul->up_since + FLOE_NS_PER_SEC;
	ul->why[0] = '\0';
	ul->silent = 0;
	if (ul->icy_lines != NULL)
		bufferevent_write(ul->bev, ul->icy_lines, strlen(ul->icy_lines));
	uplink_url_hostport(&ul->url, where, sizeof where);
	log_info("output %s: connected to %s%s (%s)", ul->label, where, ul->url.mount,
	    ul->method == UPLINK_PUT ? "PUT" : ul->method == UPLINK_SOURCE ? "SOURCE" :
	    "Shoutcast v1");
	set_state(ul, UPLINK_STREAMING);
}

/* Handle a response head at the front of the input buffer; 0 to go on. */
static int
handle_response(struct uplink *ul)
{
	struct evbuffer *in = bufferevent_get_input(ul->bev);
	size_t len = evbuffer_get_length(in), head;
	const char *data;
	int rc, status;

	if (len == 0)
		return 0;
	data = (const char *)evbuffer_pullup(in, (ssize_t)FLOE_MIN(len, (size_t)RESPONSE_HEAD_MAX + 1));
	rc = uplink_parse_response(data, FLOE_MIN(len, (size_t)RESPONSE_HEAD_MAX + 1), &status,
	    ul->reason, sizeof ul->reason, &head);
	if (rc == UPLINK_PARSE_AGAIN)
		return 0;
	if (rc == UPLINK_PARSE_ERROR) {
		fail(ul, "the server's answer is not HTTP");
		return -1;
	}
	evbuffer_drain(in, head);
	ul->status = status;
	if (status == 100) {
		ul->got_continue = 1;
		if (ul->state != UPLINK_STREAMING)
			accepted(ul);
		return handle_response(ul);	/* a 200 may be right behind it */
	}
	if (status >= 200 && status < 300) {
		ul->got_continue = 0;
		if (ul->state != UPLINK_STREAMING)
			accepted(ul);
		return 0;
	}
	ul->refused = 1;
	arm_timer(ul, REFUSAL_WAIT_SECONDS);
	return 0;
}

/*
 * A Shoutcast server's answer to the password line: OK2 starts the stream,
 * an HTTP status goes to handle_response, any other line is a refusal of
 * the password (its words kept for the log).
 */
static void
handle_icy_answer(struct uplink *ul)
{
	struct evbuffer *in = bufferevent_get_input(ul->bev);
	size_t len = evbuffer_get_length(in), n, i, o = 0;
	const char *data;
	char *line;

	if (len == 0)
		return;
	data = (const char *)evbuffer_pullup(in, (ssize_t)FLOE_MIN(len, (size_t)5));
	if (strncmp(data, "HTTP/", FLOE_MIN(len, (size_t)5)) == 0 ||
	    (len >= 4 && strncmp(data, "ICY ", 4) == 0)) {
		handle_response(ul);
		return;
	}
	if ((line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF)) == NULL) {
		if (len > ICY_ANSWER_MAX)
			fail(ul, "the server's answer to the password is not Shoutcast's");
		return;
	}
	if (strncmp(line, "OK", 2) == 0) {
		free(line);
		evbuffer_drain(in, evbuffer_get_length(in));	/* icy-caps and the blank line */
		accepted(ul);
		return;
	}
	for (i = 0; i < n && o < sizeof ul->reason - 3; i++)
		if ((unsigned char)line[i] >= 0x20 && line[i] != 0x7f)
			ul->reason[o++] = line[i];
	ul->reason[o] = '\0';
	free(line);
	if (o == 0)
		snprintf(ul->reason, sizeof ul->reason, "an empty line");
	else {
		memmove(ul->reason + 1, ul->reason, o + 1);
		ul->reason[0] = '"';
		snprintf(ul->reason + o + 1, sizeof ul->reason - o - 1, "\"");
	}
	ul->status = 401;
	refused(ul, NULL);
}

/* Data from the server. */
static void
read_cb(struct bufferevent *bev, void *arg)
{
	struct uplink *ul = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	if (ul->refused) {
		if (evbuffer_get_length(in) >= REFUSAL_BODY_MAX)
			refusal_done(ul);
		return;
	}
	if (ul->state == UPLINK_CONNECTING && ul->method == UPLINK_SHOUTCAST) {
		handle_icy_answer(ul);
		return;
	}
	if (ul->state == UPLINK_CONNECTING || ul->got_continue) {
		handle_response(ul);
		return;
	}
	/* Servers say nothing while we stream; ignore anything they do say. */
	evbuffer_drain(in, evbuffer_get_length(in));
}

/* Everything queued has been written. */
static void
write_cb(struct bufferevent *bev, void *arg)
{
	struct uplink *ul = arg;

	if (ul->finishing && evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
		drop_conn(ul);
		set_state(ul, UPLINK_CLOSED);
	}
}

/* Connected, closed, or failed. */
static void
event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct uplink *ul = arg;
	char why[300];

	if (what & BEV_EVENT_CONNECTED) {
		bufferevent_write(bev, ul->head, strlen(ul->head));
		return;
	}
	if (ul->refused) {
		refusal_done(ul);
		return;
	}
	if ((what & BEV_EVENT_EOF) && ul->state == UPLINK_CONNECTING &&
	    ul->method == UPLINK_SHOUTCAST) {
		/* icecast2 refuses a wrong Shoutcast password so */
		if (++ul->silent >= SILENT_REFUSALS && !ul->worked) {
			snprintf(ul->reason, sizeof ul->reason, "it closed the connection without "
			    "a word after the password line, %d times in a row, as icecast2 does "
			    "for a wrong one", ul->silent);
			ul->status = 401;
			refused(ul, NULL);
		} else
			fail(ul, "the server closed the connection after the password line without "
			    "answering (a wrong password, to icecast2)");
		return;
	}
	if (what & BEV_EVENT_EOF) {
		fail(ul, ul->state == UPLINK_STREAMING ? "the server closed the connection" :
		    "the server closed the connection without answering");
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		int dnserr = bufferevent_socket_get_dns_error(bev);
		if (dnserr != 0)
			snprintf(why, sizeof why, "cannot resolve %s: %s", ul->url.host,
			    evutil_gai_strerror(dnserr));
		else if (ul->url.tls && tlsclient_error(bev, why, sizeof why) != NULL)
			;
		else
			snprintf(why, sizeof why, "%s",
			    evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		fail(ul, why);
	}
}

/* The timer: retry after backoff, or a handshake/refusal timeout. */
static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct uplink *ul = arg;

	if (ul->state == UPLINK_BACKOFF)
		start_connect(ul);
	else if (ul->refused)
		refusal_done(ul);
	else if (ul->state == UPLINK_CONNECTING)
		fail(ul, "no answer from the server in time");
}

/* Open a new connection. */
static void
start_connect(struct uplink *ul)
{
	drop_conn(ul);
	ul->refused = 0;
	ul->got_continue = 0;
	if (ul->url.tls) {
		char err[200];

		if ((ul->bev = tlsclient_bev(ul->base, ul->url.host, err, sizeof err)) == NULL) {
			fail(ul, err);
			return;
		}
	} else
		ul->bev = bufferevent_socket_new(ul->base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (ul->bev == NULL) {
		fail(ul, "cannot create a socket");
		return;
	}
	bufferevent_setcb(ul->bev, read_cb, write_cb, event_cb, ul);
	bufferevent_enable(ul->bev, EV_READ | EV_WRITE);
	set_state(ul, UPLINK_CONNECTING);
	arm_timer(ul, HANDSHAKE_TIMEOUT_SECONDS);
	if (bufferevent_socket_connect_hostname(ul->bev, ul->dns, AF_UNSPEC, ul->url.host,
	    ul->url.port) != 0) {
		/* The error callback may already have run and dropped it. */
		if (ul->state == UPLINK_CONNECTING)
			fail(ul, "cannot start connecting");
	}
}

/* ---------------------------------------------------------------- API */

/* Create and start connecting. */
struct uplink *
uplink_new(struct event_base *base, struct evdns_base *dns, const char *label,
    const struct uplink_url *url, enum uplink_method method, const struct uplink_info *info,
    size_t max_queue, uplink_cb *cb, void *arg)
{
	static int seeded;
	struct uplink *ul = xcalloc(1, sizeof *ul);

	ul->base = base;
	ul->dns = dns;
	ul->label = xstrdup(label);
	ul->url.user = xstrdup(url->user);
	ul->url.pass = xstrdup(url->pass);
	ul->url.host = xstrdup(url->host);
	ul->url.port = url->port;
	ul->url.tls = url->tls;
	ul->url.mount = xstrdup(url->mount);
	ul->url.shoutcast = url->shoutcast;
	ul->url.title_port = url->title_port;
	ul->method = url->shoutcast ? UPLINK_SHOUTCAST : method;
	if (ul->method == UPLINK_SHOUTCAST)
		build_icy(url, info, &ul->head, &ul->icy_lines);
	else
		ul->head = build_head(url, method, info);
	ul->stall_bytes = info->byte_rate * STALL_AUDIO_SECONDS;
	ul->max_queue = max_queue;
	ul->cb = cb;
	ul->cb_arg = arg;
	if (!seeded++)		/* the jitter differs from process to process */
		srandom((unsigned)(time_mono_ns() ^ (uint64_t)getpid() << 16));
	ul->backoff = BACKOFF_MIN_MS;
	ul->state = UPLINK_BACKOFF;
	ul->timer = evtimer_new(base, timer_cb, ul);
	start_connect(ul);
	return ul;
}

/* Close and free. */
void
uplink_free(struct uplink *ul)
{
	if (ul == NULL)
		return;
	drop_conn(ul);
	event_free(ul->timer);
	uplink_url_free(&ul->url);
	free(ul->label);
	free(ul->head);
	free(ul->icy_lines);
	free(ul);
}

/* Current state. */
enum uplink_state
uplink_state(const struct uplink *ul)
{
	return ul->state;
}

/* Queue audio, or drop it when not streaming. A server that stops reading
 * would make the queue grow without end: past max_queue the connection is
 * dropped and retried, so the pacer and the other outputs never wait. */
int
uplink_send(struct uplink *ul, const void *p, size_t n)
{
	struct evbuffer *out;

	if (ul->state != UPLINK_STREAMING || ul->finishing || ul->refused || n == 0)
		return -1;
	out = bufferevent_get_output(ul->bev);
	if (evbuffer_get_length(out) + n > ul->max_queue) {
		fail(ul, "the server stopped reading (send queue full)");
		return -1;
	}
	if (stalled(ul))
		return -1;
	bufferevent_write(ul->bev, p, n);
	ul->appended += n;
	return 0;
}

/*
 * Once a second while streaming: has the server stopped reading? (See
 * STALL_WINDOW_SECONDS.) The connection is dropped, and retried, at once;
 * 1 if it was.
 */
static int
stalled(struct uplink *ul)
{
	uint64_t now = time_mono_ns(), waiting;
	struct tcp_info ti;
	socklen_t len = sizeof ti;
	int fd = bufferevent_getfd(ul->bev), outq = 0;
	char why[200];

	if (now < ul->stall_check || ul->stall_bytes == 0)
		return 0;
	ul->stall_check = now + FLOE_NS_PER_SEC;
	memset(&ti, 0, sizeof ti);
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 &&
	    len >= offsetof(struct tcp_info, tcpi_snd_wnd) + sizeof ti.tcpi_snd_wnd) {
		/* Grown since the last check: it reads. */
		if (ul->wnd_since == 0 || ti.tcpi_snd_wnd > ul->wnd_last) {
			ul->wnd_base = ti.tcpi_snd_wnd;
			ul->wnd_since = now;
			ul->wnd_drops = 0;
		} else if (ti.tcpi_snd_wnd < ul->wnd_last)
			ul->wnd_drops++;
		ul->wnd_last = ti.tcpi_snd_wnd;
		if (now - ul->wnd_since >= (uint64_t)STALL_WINDOW_SECONDS * FLOE_NS_PER_SEC &&
		    ul->wnd_base - ti.tcpi_snd_wnd >= STALL_WINDOW_BYTES &&
		    ul->wnd_drops >= STALL_WINDOW_DROPS) {
			snprintf(why, sizeof why, "the server stopped reading (its TCP window "
			    "shrank by %u KB in %d s and never reopened)",
			    (ul->wnd_base - ti.tcpi_snd_wnd) / 1024, STALL_WINDOW_SECONDS);
			fail(ul, why);
			return 1;
		}
	}
	waiting = evbuffer_get_length(bufferevent_get_output(ul->bev));
	if (ioctl(fd, SIOCOUTQ, &outq) == 0 && outq > 0)
		waiting += (uint64_t)outq;
	if (waiting < ul->stall_bytes) {
		ul->stall_secs = 0;
		return 0;
	}
	if (++ul->stall_secs < STALL_SECONDS)
		return 0;
	snprintf(why, sizeof why, "the server stopped reading (%llu KB of audio waiting to be "
	    "sent or acknowledged for %d s)", (unsigned long long)(waiting / 1024),
	    STALL_SECONDS);
	fail(ul, why);
	return 1;
}

/* Bytes of the stream written to the socket on this connection. */
uint64_t
uplink_sent(const struct uplink *ul)
{
	if (ul->state != UPLINK_STREAMING || ul->bev == NULL)
		return 0;
	return ul->appended - evbuffer_get_length(bufferevent_get_output(ul->bev));
}

/* Bytes waiting to be written. */
size_t
uplink_queued(const struct uplink *ul)
{
	return ul->bev != NULL ? evbuffer_get_length(bufferevent_get_output(ul->bev)) : 0;
}

/* Close once the queue has drained (the write callback does it). */
void
uplink_finish(struct uplink *ul)
{
	ul->finishing = 1;
	if (ul->state != UPLINK_STREAMING || ul->bev == NULL || uplink_queued(ul) == 0) {
		drop_conn(ul);
		set_state(ul, UPLINK_CLOSED);
	}
}

/* One-line status: "up 0:12:03, 1.2 MB sent" or "down: why; retry in 3 s". */
void
uplink_describe(const struct uplink *ul, char *buf, size_t n)
{
	uint64_t now = time_mono_ns(), secs;

	switch (ul->state) {
	case UPLINK_STREAMING:
		secs = (now - ul->up_since) / FLOE_NS_PER_SEC;
		snprintf(buf, n, "up %llu:%02llu:%02llu", (unsigned long long)(secs / 3600),
		    (unsigned long long)(secs / 60 % 60), (unsigned long long)(secs % 60));
		break;
	case UPLINK_CONNECTING:
		if (ul->why[0] != '\0')
			snprintf(buf, n, "connecting (last try: %s)", ul->why);
		else
			snprintf(buf, n, "connecting");
		break;
	case UPLINK_BACKOFF:
		secs = ul->retry_at > now ? (ul->retry_at - now + FLOE_NS_PER_SEC - 1) / FLOE_NS_PER_SEC : 0;
		snprintf(buf, n, "DOWN (%s), retry in %llu s", ul->why[0] ? ul->why : "not connected",
		    (unsigned long long)secs);
		break;
	case UPLINK_FAILED:
		snprintf(buf, n, "FAILED: %s", ul->why);
		break;
	case UPLINK_CLOSED:
		snprintf(buf, n, "closed");
		break;
	}
}
