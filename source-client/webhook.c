/*
 * webhook.c: webhooks (webhook.h) on libcurl's multi interface.
 *
 * curl says which sockets to watch (socket_cb) and when to wake it
 * (timer_cb); the loop tells it when a socket is ready. Each URL is a
 * target with a ring of waiting bodies and at most one transfer; a
 * finished transfer starts the next body. Nothing here runs inside the
 * pacer's tick for longer than a copy and a curl_multi_add_handle.
 */
#include "webhook.h"
#include "history.h"
#include "log.h"
#include "../server/util.h"

#include <curl/curl.h>
#include <event2/event.h>

#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

/* Failures and drops of one URL are logged at most this often. */
#define WEBHOOK_LOG_EVERY_SECONDS 60
/* An answer's body is not wanted: this much is read and thrown away. */
#define WEBHOOK_ANSWER_MAX 65536

struct target {
	struct target	*next;
	struct webhooks	*w;
	char		*url;
	char		*shown;			/* url for logs */
	char		*queue[WEBHOOK_QUEUE_MAX];	/* a ring of bodies */
	size_t		 first, n;
	CURL		*easy;			/* the transfer under way, or NULL */
	char		*body;			/* its body (curl does not copy it) */
	struct curl_slist *hdrs;
	char		 errbuf[CURL_ERROR_SIZE];
	size_t		 answer;		/* bytes of the answer read */
	int64_t		 last_said;		/* when a failure or drop was last logged */
	unsigned	 unsaid;		/* failures and drops since */
};

struct webhooks {
	struct event_base *base;
	char		*ca_file;
	CURLM		*multi;
	struct event	*timer;
	struct target	*targets;
};

static void target_start(struct target *t);

char *
webhook_url_for_log(const char *url)
{
	const char *p = strstr(url, "://"), *end, *at;

	if (p == NULL)
		return xstrdup(url);
	p += 3;
	end = p + strcspn(p, "/?#");
	for (at = NULL; p < end; p++)
		if (*p == '@')
			at = p;
	if (at == NULL)
		return xstrdup(url);
	return xasprintf("%.*s%s", (int)(strstr(url, "://") + 3 - url), url, at + 1);
}

/* Log a failure or a drop, at most once a minute per URL. */
static void
target_complain(struct target *t, const char *what)
{
	int64_t now = time_wall();

	if (t->last_said != 0 && now - t->last_said < WEBHOOK_LOG_EVERY_SECONDS) {
		t->unsaid++;
		return;
	}
	if (t->unsaid > 0)
		log_warn("webhook %s: %s (and %u more failures or drops in the last minute)",
		    t->shown, what, t->unsaid);
	else
		log_warn("webhook %s: %s", t->shown, what);
	t->last_said = now;
	t->unsaid = 0;
}

/* The answer's body: counted, not kept. */
static size_t
write_cb(char *p, size_t size, size_t n, void *arg)
{
	struct target *t = arg;

	(void)p;
	t->answer += size * n;
	return t->answer > WEBHOOK_ANSWER_MAX ? 0 : size * n;
}

/* Forget the transfer of t. */
static void
target_end_transfer(struct target *t)
{
	curl_multi_remove_handle(t->w->multi, t->easy);
	curl_easy_cleanup(t->easy);
	curl_slist_free_all(t->hdrs);
	free(t->body);
	t->easy = NULL;
	t->hdrs = NULL;
	t->body = NULL;
}

/* Collect finished transfers; start each target's next body. */
static void
check_done(struct webhooks *w)
{
	struct target *t;
	CURLMsg *msg;
	long status = 0;
	int left;
	char why[CURL_ERROR_SIZE + 64];

	while ((msg = curl_multi_info_read(w->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&t);
		if (msg->data.result != CURLE_OK) {
			snprintf(why, sizeof why, "%s", t->errbuf[0] != '\0' ? t->errbuf :
			    curl_easy_strerror(msg->data.result));
			target_complain(t, why);
		} else {
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
			if (status < 200 || status > 299) {
				snprintf(why, sizeof why, "answered %ld", status);
				target_complain(t, why);
			} else
				log_debug("webhook %s: %ld", t->shown, status);
		}
		target_end_transfer(t);
		target_start(t);
	}
}

/* A socket curl watches is ready. */
static void
on_socket(evutil_socket_t fd, short what, void *arg)
{
	struct webhooks *w = arg;
	int running, flags = 0;

	if (what & EV_READ)
		flags |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		flags |= CURL_CSELECT_OUT;
	curl_multi_socket_action(w->multi, fd, flags, &running);
	check_done(w);
}

/* curl's wishes for a socket, as one event each. */
static int
socket_cb(CURL *easy, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct webhooks *w = userp;
	struct event *ev = socketp;
	short events = EV_PERSIST;

	(void)easy;
	if (ev != NULL)
		event_free(ev);
	if (what == CURL_POLL_REMOVE) {
		curl_multi_assign(w->multi, s, NULL);
		return 0;
	}
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	ev = event_new(w->base, s, events, on_socket, w);
	event_add(ev, NULL);
	curl_multi_assign(w->multi, s, ev);
	return 0;
}

/* curl's timer is due. */
static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct webhooks *w = arg;
	int running;

	curl_multi_socket_action(w->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	check_done(w);
}

/* curl wants waking in timeout_ms (-1: not at all). */
static int
timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	struct webhooks *w = userp;
	struct timeval tv;

	(void)m;
	if (timeout_ms < 0) {
		evtimer_del(w->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(w->timer, &tv);
	return 0;
}

/* Send t's oldest waiting body, if it has one and nothing is in flight. */
static void
target_start(struct target *t)
{
	if (t->easy != NULL || t->n == 0)
		return;
	t->body = t->queue[t->first];
	t->queue[t->first] = NULL;
	t->first = (t->first + 1) % WEBHOOK_QUEUE_MAX;
	t->n--;
	if ((t->easy = curl_easy_init()) == NULL) {
		target_complain(t, "cannot start a request");
		free(t->body);
		t->body = NULL;
		return;
	}
	t->errbuf[0] = '\0';
	t->answer = 0;
	t->hdrs = curl_slist_append(NULL, "Content-Type: application/json");
	t->hdrs = curl_slist_append(t->hdrs, "Expect:");
	curl_easy_setopt(t->easy, CURLOPT_URL, t->url);
	curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(t->easy, CURLOPT_USERAGENT, "floe-source/" PACKAGE_VERSION);
	curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->hdrs);
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->body);
	curl_easy_setopt(t->easy, CURLOPT_TIMEOUT_MS, (long)WEBHOOK_TIMEOUT_MS);
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(t->easy, CURLOPT_PRIVATE, t);
	if (t->w->ca_file != NULL)
		curl_easy_setopt(t->easy, CURLOPT_CAINFO, t->w->ca_file);
	if (curl_multi_add_handle(t->w->multi, t->easy) != CURLM_OK) {
		target_complain(t, "cannot start a request");
		target_end_transfer(t);
	}
	/* curl asks for a 0 ms timer: the request starts on the next turn of
	 * the loop, never inside the caller's (the pacer's) time. */
}

struct webhooks *
webhooks_new(struct event_base *base, const char *ca_file)
{
	struct webhooks *w = xcalloc(1, sizeof *w);

	w->base = base;
	w->ca_file = ca_file != NULL ? xstrdup(ca_file) : NULL;
	return w;
}

void
webhooks_free(struct webhooks *w)
{
	struct target *t;

	if (w == NULL)
		return;
	while ((t = w->targets) != NULL) {
		w->targets = t->next;
		if (t->easy != NULL)
			target_end_transfer(t);
		while (t->n > 0) {
			free(t->queue[t->first]);
			t->first = (t->first + 1) % WEBHOOK_QUEUE_MAX;
			t->n--;
		}
		free(t->url);
		free(t->shown);
		free(t);
	}
	if (w->multi != NULL) {
		curl_multi_cleanup(w->multi);
		curl_global_cleanup();
	}
	if (w->timer != NULL)
		event_free(w->timer);
	free(w->ca_file);
	free(w);
}

void
webhooks_post(struct webhooks *w, const char *url, const char *body)
{
	struct target *t;

	if (w->multi == NULL) {		/* the first webhook: set curl up */
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
		    (w->multi = curl_multi_init()) == NULL) {
			log_error("webhooks: cannot set up libcurl");
			return;
		}
		w->timer = evtimer_new(w->base, on_timer, w);
		curl_multi_setopt(w->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
		curl_multi_setopt(w->multi, CURLMOPT_SOCKETDATA, w);
		curl_multi_setopt(w->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
		curl_multi_setopt(w->multi, CURLMOPT_TIMERDATA, w);
	}
	for (t = w->targets; t != NULL && strcmp(t->url, url) != 0; t = t->next)
		;
	if (t == NULL) {
		t = xcalloc(1, sizeof *t);
		t->w = w;
		t->url = xstrdup(url);
		t->shown = webhook_url_for_log(url);
		t->next = w->targets;
		w->targets = t;
	}
	if (t->n == WEBHOOK_QUEUE_MAX) {
		char why[96];

		snprintf(why, sizeof why, "too slow: %d events wait; this one dropped",
		    WEBHOOK_QUEUE_MAX);
		target_complain(t, why);
		return;
	}
	t->queue[(t->first + t->n++) % WEBHOOK_QUEUE_MAX] = xstrdup(body);
	target_start(t);
}

void
webhooks_event(struct webhooks *w, const char *url, const char *event, const char *const *env)
{
	struct sbuf sb;
	char when[40], key[64];
	const char *eq;
	size_t i, k;

	history_iso8601(time_wall_ms(), when, sizeof when);
	sbuf_init(&sb);
	sbuf_adds(&sb, "{\"event\":");
	sbuf_add_json(&sb, event);
	sbuf_addf(&sb, ",\"time\":\"%s\"", when);
	for (i = 0; env != NULL && env[i] != NULL; i++) {
		if (strncmp(env[i], "FLOE_", 5) != 0 || (eq = strchr(env[i], '=')) == NULL ||
		    (size_t)(eq - env[i] - 5) >= sizeof key)
			continue;
		for (k = 0; env[i] + 5 + k < eq; k++)
			key[k] = (char)tolower((unsigned char)env[i][5 + k]);
		key[k] = '\0';
		sbuf_adds(&sb, ",");
		sbuf_add_json(&sb, key);
		sbuf_adds(&sb, ":");
		sbuf_add_json(&sb, eq + 1);
	}
	sbuf_adds(&sb, "}");
	webhooks_post(w, url, sb.data);
	sbuf_free(&sb);
}
