/*
 * http_client.c: libcurl's multi interface on libevent. curl tells us which
 * sockets to watch (socket_cb) and when to wake it (timer_cb); we tell it
 * when a socket is ready (curl_multi_socket_action) and collect finished
 * transfers. A thousand listeners waiting on an auth backend are a
 * thousand transfers on one loop, each costing a socket, not a thread.
 */
#include "http_client.h"
#include "log.h"
#include "server.h"
#include "util.h"

#include <curl/curl.h>
#include <event2/event.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Why 64 KiB: auth answers are a few headers and a short body; a backend
 * that sends more is cut off rather than allowed to fill memory. */
#define BODY_MAX 65536
#define HEADERS_MAX 65536
/* A GET's document (thousands of mounts' status) may be larger. */
#define GET_BODY_MAX (4 * 1024 * 1024)
/* A stream's bytes from one turn of curl (it hands over 16 KiB at a time). */
#define STREAM_PENDING_MAX (4 * 1024 * 1024)

struct http_call {
	CURL		*easy;
	http_call_done	 done;
	void		*arg;
	struct curl_slist *hdrs;
	char		*body;		/* the POST body (curl does not copy it) */
	struct sbuf	 resp_headers;
	struct sbuf	 resp_body;
	size_t		 body_max;	/* a longer body fails the call */
	char		 errbuf[CURL_ERROR_SIZE];
	/* a stream (http_stream): its bytes go to ops as they come */
	const struct http_stream_ops *ops;
	int		 head_done;
	int		 aborted;	/* an op said stop */
	int		 ended;		/* done() has run or is running */
	struct http_call *next, *prev;
};

static CURLM *multi;
static struct event *timer;
static struct http_call *calls;
static unsigned ncalls;

static void check_done(void);
static void stream_end(struct http_call *call, const char *why);
static void streams_deliver(void);

/* curl's socket wishes, as one event per socket. */
static void
on_socket(evutil_socket_t fd, short what, void *arg)
{
	int running, flags = 0;

	(void)arg;
	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(multi, fd, flags, &running);
	streams_deliver();
	check_done();
}

static int
socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct event *ev = socketp;
	short events = 0;

	(void)easy;
	(void)userp;
	if (what == CURL_POLL_REMOVE) {
		if (ev != NULL) {
			event_free(ev);
			curl_multi_assign(multi, s, NULL);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	if (ev != NULL)
		event_free(ev);
	ev = event_new(srv.base, s, events | EV_PERSIST, on_socket, NULL);
	event_add(ev, NULL);
	curl_multi_assign(multi, s, ev);
	return 0;
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	int running;

	(void)fd;
	(void)what;
	(void)arg;
	curl_multi_socket_action(multi, CURL_SOCKET_TIMEOUT, 0, &running);
	streams_deliver();
	check_done();
}

static int
timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	struct timeval tv;

	(void)m;
	(void)userp;
	if (timeout_ms < 0) {
		evtimer_del(timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(timer, &tv);
	return 0;
}

static size_t
header_cb(char *p, size_t size, size_t n, void *arg)
{
	struct http_call *call = arg;
	size_t len = size * n;

	/* A new status line starts a new response (after 100 Continue or a
	 * redirect); Shoutcast servers answer "ICY 200 OK". */
	if (len >= 5 && (strncmp(p, "HTTP/", 5) == 0 || strncmp(p, "ICY ", 4) == 0))
		call->resp_headers.len = 0;
	if (call->resp_headers.len + len <= HEADERS_MAX)
		sbuf_add(&call->resp_headers, p, len);
	return len;
}

/*
 * A stream's bytes wait in resp_body until curl has returned: its ops run
 * outside curl's callbacks (curl refuses calls into the multi handle from
 * inside them, and an op may start a call: a listener routed again may
 * need an auth backend). The head goes first, once.
 */
static int
stream_deliver(struct http_call *call)
{
	long status = 0;
	int rc = 0;

	if (call->aborted)
		return -1;
	if (!call->head_done && (call->resp_body.len > 0 || call->ended)) {
		call->head_done = 1;
		curl_easy_getinfo(call->easy, CURLINFO_RESPONSE_CODE, &status);
		sbuf_add(&call->resp_headers, "", 1);
		call->resp_headers.len--;
		rc = call->ops->head(call->arg, status, call->resp_headers.data);
	}
	if (rc == 0 && call->resp_body.len > 0) {
		rc = call->ops->data(call->arg, (const uint8_t *)call->resp_body.data,
		    call->resp_body.len);
		call->resp_body.len = 0;
	}
	if (rc < 0)
		call->aborted = 1;
	return rc;
}

/* Hand every stream what came in this turn; a stream an op ended is
 * finished here (its done runs). */
static void
streams_deliver(void)
{
	struct http_call *call;
	int again = 1;

	/* An op may start or cancel calls: walk afresh after each. */
	while (again) {
		again = 0;
		for (call = calls; call != NULL; call = call->next)
			if (call->ops != NULL && !call->aborted && !call->ended &&
			    call->resp_body.len > 0) {
				if (stream_deliver(call) < 0)
					stream_end(call, "stopped by floe");
				again = 1;
				break;
			}
	}
}

static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct http_call *call = arg;
	size_t len = size * n;

	if (call->ops != NULL) {
		if (call->aborted || call->resp_body.len + len > STREAM_PENDING_MAX)
			return 0;	/* the transfer fails */
		sbuf_add(&call->resp_body, p, len);
		return len;
	}
	if (call->resp_body.len + len > call->body_max)
		return 0;	/* too much: the transfer fails */
	sbuf_add(&call->resp_body, p, len);
	return len;
}

static int
client_init(void)
{
	if (multi != NULL)
		return 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -1;
	if ((multi = curl_multi_init()) == NULL)
		return -1;
	timer = evtimer_new(srv.base, on_timer, NULL);
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	/* Reuse connections to the same backend, a few at a time. */
	curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, 64L);
	return 0;
}

static void
call_unlink(struct http_call *call)
{
	if (call->prev != NULL)
		call->prev->next = call->next;
	else
		calls = call->next;
	if (call->next != NULL)
		call->next->prev = call->prev;
	ncalls--;
}

static void
call_free(struct http_call *call)
{
	curl_multi_remove_handle(multi, call->easy);
	curl_easy_cleanup(call->easy);
	curl_slist_free_all(call->hdrs);
	sbuf_free(&call->resp_headers);
	sbuf_free(&call->resp_body);
	free(call->body);
	free(call);
}

/* A stream is over: its done runs once, and it is freed. */
static void
stream_end(struct http_call *call, const char *why)
{
	call->ended = 1;
	call_unlink(call);
	call->ops->done(call->arg, why);
	call_free(call);
}

/* Hand every finished transfer its answer. */
static void
check_done(void)
{
	struct http_result res;
	struct http_call *call;
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&call);
		memset(&res, 0, sizeof res);
		if (msg->data.result != CURLE_OK)
			res.error = call->errbuf[0] != '\0' ? call->errbuf :
			    curl_easy_strerror(msg->data.result);
		if (call->ops != NULL) {
			/* What came last (a head with no body included), then the end. */
			call->ended = res.error == NULL;
			stream_deliver(call);
			stream_end(call, call->aborted ? "stopped by floe" : res.error);
			continue;
		}
		sbuf_add(&call->resp_headers, "", 1);
		sbuf_add(&call->resp_body, "", 1);
		res.headers = call->resp_headers.data;
		res.body = call->resp_body.data;
		res.body_len = call->resp_body.len - 1;
		if (res.error == NULL)
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &res.status);
		call_unlink(call);
		call->done(call->arg, &res);
		call_free(call);
	}
}

/* A call with the options every request shares, not yet started. */
static struct http_call *
call_new(const char *url, const char *userpwd)
{
	struct http_call *call;

	if (client_init() < 0)
		return NULL;
	call = xcalloc(1, sizeof *call);
	if ((call->easy = curl_easy_init()) == NULL) {
		free(call);
		return NULL;
	}
	sbuf_init(&call->resp_headers);
	sbuf_init(&call->resp_body);
	curl_easy_setopt(call->easy, CURLOPT_URL, url);
	curl_easy_setopt(call->easy, CURLOPT_USERAGENT, "floe/" PACKAGE_VERSION);
	curl_easy_setopt(call->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(call->easy, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(call->easy, CURLOPT_HEADERDATA, call);
	curl_easy_setopt(call->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(call->easy, CURLOPT_WRITEDATA, call);
	curl_easy_setopt(call->easy, CURLOPT_ERRORBUFFER, call->errbuf);
	curl_easy_setopt(call->easy, CURLOPT_PRIVATE, call);
	curl_easy_setopt(call->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	if (userpwd != NULL) {
		curl_easy_setopt(call->easy, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(call->easy, CURLOPT_USERPWD, userpwd);
	}
	return call;
}

/* Start it; NULL (and nothing left behind) if curl would not. */
static struct http_call *
call_start(struct http_call *call)
{
	if (curl_multi_add_handle(multi, call->easy) != CURLM_OK) {
		curl_easy_cleanup(call->easy);
		curl_slist_free_all(call->hdrs);
		sbuf_free(&call->resp_headers);
		sbuf_free(&call->resp_body);
		free(call->body);
		free(call);
		return NULL;
	}
	call->next = calls;
	if (calls != NULL)
		calls->prev = call;
	calls = call;
	ncalls++;
	/* curl asks (timer_cb) for a timer of 0 ms to start it: on the next
	 * loop turn, never inside this call, so done() never runs before the
	 * caller has the handle (nor does another call's). */
	return call;
}

struct http_call *
http_post(const char *url, const char *body, const char *userpwd, long timeout_ms,
    http_call_done done, void *arg)
{
	struct http_call *call;

	if ((call = call_new(url, userpwd)) == NULL)
		return NULL;
	call->done = done;
	call->arg = arg;
	call->body_max = BODY_MAX;
	call->hdrs = curl_slist_append(NULL, "Expect:");
	curl_easy_setopt(call->easy, CURLOPT_HTTPHEADER, call->hdrs);
	curl_easy_setopt(call->easy, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(call->easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	if (body != NULL) {
		call->body = xstrdup(body);
		curl_easy_setopt(call->easy, CURLOPT_POSTFIELDS, call->body);
	}
	return call_start(call);
}

struct http_call *
http_get(const char *url, const char *userpwd, long timeout_ms, http_call_done done,
    void *arg)
{
	struct http_call *call = http_post(url, NULL, userpwd, timeout_ms, done, arg);

	/* A master's stream list, an edge's status: documents, not answers. */
	if (call != NULL)
		call->body_max = GET_BODY_MAX;
	return call;
}

struct http_call *
http_stream(const struct http_stream_req *req, const struct http_stream_ops *ops, void *arg)
{
	struct http_call *call;
	size_t i;

	if ((call = call_new(req->url, req->userpwd)) == NULL)
		return NULL;
	call->ops = ops;
	call->arg = arg;
	for (i = 0; req->headers != NULL && req->headers[i] != NULL; i++)
		call->hdrs = curl_slist_append(call->hdrs, req->headers[i]);
	curl_easy_setopt(call->easy, CURLOPT_HTTPHEADER, call->hdrs);
	curl_easy_setopt(call->easy, CURLOPT_CONNECTTIMEOUT_MS, req->connect_timeout_ms);
	/* A stream has no end to wait for; one that stops sending is over. */
	curl_easy_setopt(call->easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(call->easy, CURLOPT_LOW_SPEED_TIME, req->stall_s);
	/* A full master may send us to an edge (302), as it does a player. */
	curl_easy_setopt(call->easy, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(call->easy, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(call->easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	if (req->bind != NULL)
		curl_easy_setopt(call->easy, CURLOPT_INTERFACE, req->bind);
	if (req->cafile != NULL)
		curl_easy_setopt(call->easy, CURLOPT_CAINFO, req->cafile);
	if (!req->verify) {
		curl_easy_setopt(call->easy, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(call->easy, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return call_start(call);
}

void
http_call_cancel(struct http_call *call)
{
	call_unlink(call);
	call_free(call);
}

char *
http_result_header(const struct http_result *res, const char *name)
{
	const char *p = res->headers, *eol;
	size_t n = strlen(name), len;


	while (p != NULL && *p != '\0') {
		eol = strstr(p, "\r\n");
		len = eol != NULL ? (size_t)(eol - p) : strlen(p);
		if (len > n && strncasecmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			len -= n + 1;
			while (len > 0 && (*p == ' ' || *p == '\t'))
				p++, len--;
			while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
				len--;
			return xstrndup(p, len);	/* the caller frees it */
		}
		p = eol != NULL ? eol + 2 : NULL;
	}
	return NULL;
}

unsigned
http_client_pending(void)
{
	return ncalls;
}

void
http_client_shutdown(void)
{
	if (multi == NULL)
		return;
	while (calls != NULL)
		http_call_cancel(calls);
	curl_multi_cleanup(multi);
	multi = NULL;
	event_free(timer);
	timer = NULL;
	curl_global_cleanup();
}
