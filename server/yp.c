/*
 * yp.c: YP directories (<directory><yp-url>), as icecast2 2.4 speaks to
 * them: a public mount is added (action=add: name, genre, description,
 * URLs, type, bitrate), touched every TouchFreq seconds the directory
 * asked for (action=touch: the title and the listeners), and removed when
 * its source leaves (action=remove). The directory answers in headers:
 * YPResponse (1 is success), YPMessage, SID and TouchFreq.
 *
 * Every call goes through http_client.c (libcurl's multi interface on the
 * main loop) and is bounded by <yp-url-timeout>: a directory that is down
 * or slow costs one pending call per mount, never a listener's byte. A
 * failed add is tried again after YP_RETRY seconds. Main thread only.
 */
#include "yp.h"
#include "config.h"
#include "format.h"
#include "http_client.h"
#include "log.h"
#include "mount.h"
#include "server.h"
#include "stats.h"
#include "util.h"

#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#define YP_TICK_S	1
#define YP_RETRY	60		/* seconds before a failed add is tried again */
#define YP_TOUCH_DEFAULT 200		/* icecast2's TouchFreq when none is given */

/* One mount as listed in one directory. */
struct yp_entry {
	char		*mount;
	char		*url;		/* the directory's yp-url */
	long		 timeout;
	char		*sid;		/* NULL until added */
	int64_t		 next;		/* when to add (again) or touch */
	long		 touch_freq;
	int		 gone;		/* its source left: remove, then forget */
	struct http_call *call;		/* the one call in flight, or NULL */
	TAILQ_ENTRY(yp_entry) entry;
};

static TAILQ_HEAD(, yp_entry) entries = TAILQ_HEAD_INITIALIZER(entries);
static struct event *tick;

static void
yp_free(struct yp_entry *e)
{
	TAILQ_REMOVE(&entries, e, entry);
	if (e->call != NULL)
		http_call_cancel(e->call);
	free(e->mount);
	free(e->url);
	free(e->sid);
	free(e);
}

/* Is m to be listed: live, public (its source or its <public> says so), not hidden? */
static int
yp_listed(const struct mount *m)
{
	return m->source != NULL && m->info.public > 0 &&
	    !(m->conf != NULL && m->conf->hidden > 0);
}

/* The answer to an add, touch or remove. */
static void
yp_answered(void *arg, const struct http_result *res)
{
	struct yp_entry *e = arg;
	char *ok = NULL, *msg = NULL, *sid = NULL, *freq = NULL, *clean;
	long v;
	int was_add = e->sid == NULL && !e->gone;

	e->call = NULL;
	if (res->error == NULL) {
		ok = http_result_header(res, "YPResponse");
		msg = http_result_header(res, "YPMessage");
		sid = http_result_header(res, "SID");
		freq = http_result_header(res, "TouchFreq");
	}
	clean = str_sanitize(msg != NULL ? msg : res->error != NULL ? res->error : "", 200);
	if (e->gone) {
		log_info("YP %s: %s removed (%s)", e->url, e->mount, clean);
		free(ok); free(msg); free(sid); free(freq); free(clean);
		yp_free(e);
		return;
	}
	if (ok == NULL || strcmp(ok, "1") != 0) {
		log_warn("YP %s: %s of %s failed: %s; trying again in %d s", e->url,
		    was_add ? "add" : "touch", e->mount,
		    clean[0] != '\0' ? clean : "no YPResponse", YP_RETRY);
		if (!was_add) {		/* a directory that forgot us: add again */
			free(e->sid);
			e->sid = NULL;
		}
		e->next = time_wall() + YP_RETRY;
	} else {
		if (was_add) {
			e->sid = sid != NULL ? sid : xstrdup("");
			sid = NULL;
			log_info("YP %s: %s added (%s)", e->url, e->mount, clean);
		} else
			log_debug("YP %s: %s touched", e->url, e->mount);
		if (freq != NULL && parse_long(freq, 1, 86400, &v) == 0)
			e->touch_freq = v;
		e->next = time_wall() + e->touch_freq;
	}
	free(ok); free(msg); free(sid); free(freq); free(clean);
}

/* Send one call for e (add, touch or remove, by its state). */
static void
yp_call(struct yp_entry *e, struct mount *m)
{
	struct sbuf sb;
	char *url, bitrate[32];

	sbuf_init(&sb);
	if (e->gone) {
		sbuf_add_form(&sb, "action", "remove");
		sbuf_add_form(&sb, "sid", e->sid);
	} else if (e->sid == NULL) {
		url = stats_listenurl(m->name);
		sbuf_add_form(&sb, "action", "add");
		sbuf_add_form(&sb, "sn", m->info.name != NULL ? m->info.name : "Unspecified name");
		sbuf_add_form(&sb, "genre", m->info.genre != NULL ? m->info.genre : "various");
		sbuf_add_form(&sb, "cpswd", "");
		sbuf_add_form(&sb, "desc", m->info.description != NULL ? m->info.description :
		    "Unspecified description");
		sbuf_add_form(&sb, "url", m->info.url != NULL ? m->info.url : "");
		sbuf_add_form(&sb, "listenurl", url);
		sbuf_add_form(&sb, "type", m->info.content_type);
		sbuf_add_form(&sb, "stype", m->fmt->name);
		sbuf_add_form(&sb, "b", m->info.bitrate != NULL ? m->info.bitrate : "");
		free(url);
	} else {
		snprintf(bitrate, sizeof bitrate, "%u", STAT_GET(m->nlisteners));
		sbuf_add_form(&sb, "action", "touch");
		sbuf_add_form(&sb, "sid", e->sid);
		sbuf_add_form(&sb, "st", m->title != NULL ? m->title : "");
		sbuf_add_form(&sb, "listeners", bitrate);
		snprintf(bitrate, sizeof bitrate, "%ld", mount_max_listeners(m));
		sbuf_add_form(&sb, "max_listeners", bitrate);
		sbuf_add_form(&sb, "stype", m->fmt->name);
	}
	e->call = http_post(e->url, sb.data, NULL, e->timeout * 1000, yp_answered, e);
	if (e->call == NULL) {
		log_warn("YP %s: cannot send a request for %s", e->url, e->mount);
		if (e->gone)
			yp_free(e);
		else
			e->next = time_wall() + YP_RETRY;
	}
	sbuf_free(&sb);
}

/* Once a second: list new public mounts, touch those due, remove the gone. */
static void
yp_tick(evutil_socket_t fd, short what, void *arg)
{
	struct timeval tv = { YP_TICK_S, 0 };
	const struct config *cf = srv.config;
	struct yp_entry *e, *next;
	struct mount *m;
	int64_t now = time_wall();
	size_t i;
	int found;

	(void)fd; (void)what; (void)arg;
	TAILQ_FOREACH_SAFE(e, &entries, entry, next) {
		m = mount_find(e->mount);
		if (!e->gone && (m == NULL || !yp_listed(m))) {
			if (e->sid == NULL) {	/* never listed: nothing to remove */
				yp_free(e);
				continue;
			}
			if (e->call != NULL) {
				http_call_cancel(e->call);
				e->call = NULL;
			}
			e->gone = 1;
			yp_call(e, NULL);
			continue;
		}
		if (!e->gone && e->call == NULL && now >= e->next)
			yp_call(e, m);
	}
	TAILQ_FOREACH(m, &srv.mounts, entry) {
		if (!yp_listed(m))
			continue;
		for (i = 0; i < cf->nyp; i++) {
			found = 0;
			TAILQ_FOREACH(e, &entries, entry)
				if (!e->gone && strcmp(e->mount, m->name) == 0 &&
				    strcmp(e->url, cf->yp[i].url) == 0)
					found = 1;
			if (found)
				continue;
			e = xcalloc(1, sizeof *e);
			e->mount = xstrdup(m->name);
			e->url = xstrdup(cf->yp[i].url);
			e->timeout = cf->yp[i].timeout;
			e->touch_freq = YP_TOUCH_DEFAULT;
			TAILQ_INSERT_TAIL(&entries, e, entry);
			yp_call(e, m);
		}
	}
	evtimer_add(tick, &tv);
}

void
yp_start(void)
{
	struct timeval tv = { YP_TICK_S, 0 };

	if (tick == NULL)
		tick = evtimer_new(srv.base, yp_tick, NULL);
	evtimer_add(tick, &tv);
}

void
yp_stop(void)
{
	while (!TAILQ_EMPTY(&entries))
		yp_free(TAILQ_FIRST(&entries));
	if (tick != NULL)
		event_free(tick);
	tick = NULL;
}
