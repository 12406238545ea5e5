/*
 * stats.c: collecting statistics into named values (see stats.h), and the
 * three documents built from them. Every value is escaped at rendering.
 */
#include "stats.h"
#include "config.h"
#include "doc.h"
#include "fanout.h"
#include "format.h"
#include "hls.h"
#include "mount.h"
#include "relay.h"
#include "server.h"
#include "source.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Add one value (copied). */
static void
kv_add(struct stat_list *sl, const char *key, const char *value, int number, int public)
{
	if (value == NULL)
		return;
	if (sl->n == sl->cap) {
		sl->cap = sl->cap ? sl->cap * 2 : 32;
		sl->kv = xrealloc(sl->kv, sl->cap * sizeof *sl->kv);
	}
	sl->kv[sl->n].key = xstrdup(key);
	sl->kv[sl->n].value = xstrdup(value);
	sl->kv[sl->n].number = number;
	sl->kv[sl->n].public = public;
	sl->n++;
}

/* Add a number. */
static void
kv_num(struct stat_list *sl, const char *key, unsigned long long v, int public)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%llu", v);
	kv_add(sl, key, buf, 1, public);
}

/* Add a string that may be a number: plain decimal digits without a leading
 * zero or sign, as JSON writes numbers ("128" is one; "128k", "+128" and
 * "0128" are not and stay strings). */
static void
kv_maybe_num(struct stat_list *sl, const char *key, const char *v, int public)
{
	long n;
	int num = v != NULL && v[strspn(v, "0123456789")] == '\0' &&
	    (v[0] != '0' || v[1] == '\0') && parse_long(v, 0, 1L << 30, &n) == 0;

	kv_add(sl, key, v, num, public);
}

/* icecast2 sorts its stats by name. */
static int
kv_cmp(const void *a, const void *b)
{
	return strcmp(((const struct stat_kv *)a)->key, ((const struct stat_kv *)b)->key);
}

/* Free the values. */
void
stats_list_free(struct stat_list *sl)
{
	size_t i;

	for (i = 0; i < sl->n; i++) {
		free(sl->kv[i].key);
		free(sl->kv[i].value);
	}
	free(sl->kv);
	sl->kv = NULL;
	sl->n = sl->cap = 0;
}

/* Add icecast's pair of date formats. */
static void
kv_dates(struct stat_list *sl, const char *key, const char *key_iso, int64_t t)
{
	char buf[64];

	time_icecast(buf, sizeof buf, t);
	kv_add(sl, key, buf, 0, 1);
	time_iso8601(buf, sizeof buf, t);
	kv_add(sl, key_iso, buf, 0, 1);
}

/* Server-wide values. */
void
stats_global(struct stat_list *sl)
{
	const struct config *cf = srv.config;
	const struct server_stats *st = &srv.stats;

	kv_add(sl, "admin", cf->admin, 0, 1);
	kv_num(sl, "client_connections", st->client_connections, 0);
	kv_num(sl, "clients", STAT_GET(st->clients), 0);
	kv_num(sl, "connections", st->connections, 0);
	kv_num(sl, "file_connections", st->file_connections, 0);
	kv_add(sl, "host", cf->hostname, 0, 1);
	kv_num(sl, "listener_connections", st->listener_connections, 0);
	kv_num(sl, "listeners", STAT_GET(st->listeners), 0);
	kv_add(sl, "location", cf->location, 0, 1);
	kv_add(sl, "server_id", server_id(), 0, 1);
	kv_dates(sl, "server_start", "server_start_iso8601", srv.started);
	kv_num(sl, "source_client_connections", st->source_client_connections, 0);
	kv_num(sl, "source_relay_connections", 0, 0);
	kv_num(sl, "source_total_connections", st->source_total_connections, 0);
	kv_num(sl, "sources", st->sources, 0);
	/* icecast2's stats-protocol clients: floe has none; the names stay
	 * because icecast2's documents carry them (always 0 here). */
	kv_num(sl, "stats", 0, 0);
	kv_num(sl, "stats_connections", 0, 0);
	qsort(sl->kv, sl->n, sizeof *sl->kv, kv_cmp);
}

/*
 * Names a mount's values may take (stats_mount's, whether or not this mount
 * has them now) and the members documents add beside them ("mount" in
 * /api/v1, "dummy" in /status-json.xsl): an audio-info key may be none of
 * them, or a JSON object would hold the name twice and parsers keep the
 * last one, the source's.
 */
static const char *const mount_keys[] = {
	"artist", "audio_bitrate", "audio_channels", "audio_info", "audio_samplerate",
	"ice-bitrate", "subtype", "bitrate", "connected", "dummy", "genre", "listener_peak", "listeners",
	"listenurl", "max_listeners", "mount", "public", "server_description", "server_name",
	"server_type", "server_url", "slow_listeners", "source_ip", "stream_start",
	"stream_start_iso8601", "title", "total_bytes_read", "total_bytes_sent", "user_agent",
};

/* Is key one of the names a source may not take? */
static int
kv_reserved(const char *key)
{
	size_t i;

	for (i = 0; i < FLOE_NELEM(mount_keys); i++)
		if (strcmp(mount_keys[i], key) == 0)
			return 1;
	return 0;
}

/* Is key already among the values? */
static int
kv_has(const struct stat_list *sl, const char *key)
{
	size_t i;

	for (i = 0; i < sl->n; i++)
		if (strcmp(sl->kv[i].key, key) == 0)
			return 1;
	return 0;
}

/* Why 16: real encoders send two to four keys; the cap bounds what a
 * source can add to every stats document. */
#define AUDIO_INFO_MAX_KEYS 16

/*
 * Each key of ice-audio-info as a value of its own, named as the source
 * sent it, as icecast2 lists them ("channels", "samplerate", or
 * "ice-samplerate" from encoders that prefix). A key must be a plain name
 * (it becomes an XML element) and may not take the name of one of our own
 * values (mount_keys) nor repeat: a source cannot forge "listeners" this way.
 */
static void
kv_audio_info(struct stat_list *sl, const char *ai)
{
	const char *p, *eq, *end;
	char *k, *v;
	int n = 0;

	for (p = ai; p != NULL && *p != '\0' && n < AUDIO_INFO_MAX_KEYS;
	    p = *end != '\0' ? end + 1 : NULL) {
		end = p + strcspn(p, ";");
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq == NULL || eq == p || eq - p > 32)
			continue;
		k = xstrndup(p, (size_t)(eq - p));
		if (isalpha((unsigned char)k[0]) &&
		    strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") ==
		    strlen(k) && !kv_reserved(k) && !kv_has(sl, k)) {
			v = xstrndup(eq + 1, (size_t)(end - eq - 1));
			kv_maybe_num(sl, k, v, 1);
			free(v);
			n++;
		}
		free(k);
	}
}

/* The listen URL of a mount. */
char *
stats_listenurl(const char *mount)
{
	const struct config *cf = srv.config;
	const struct config_mount *mc = config_find_mount(cf, mount);
	int port = cf->nlistens > 0 ? cf->listens[0].port : 8000;

	if (mc != NULL && mc->listenurl != NULL)	/* the operator's public URL */
		return xstrdup(mc->listenurl);
	return xasprintf("%s://%s:%d%s", cf->nlistens > 0 && cf->listens[0].tls ? "https" : "http",
	    cf->hostname, port, mount);
}

/* One mount's values. */
void
stats_mount(struct stat_list *sl, const struct mount *m)
{
	const struct stream_info *si = &m->info;
	char *url = stats_listenurl(m->name);
	long max = mount_max_listeners(m);
	unsigned hls_n;

	if (m->artist != NULL)		/* an Ogg stream's own ARTIST, as icecast2 */
		kv_add(sl, "artist", m->artist, 0, 1);
	if (m->ogg.subtype != NULL) {	/* what icecast2 reads from Ogg headers */
		kv_add(sl, "subtype", m->ogg.subtype, 0, 1);
		if (m->ogg.bitrate > 0) {
			kv_num(sl, "audio_bitrate", (unsigned long long)m->ogg.bitrate, 1);
			kv_num(sl, "ice-bitrate", (unsigned long long)m->ogg.bitrate / 1000, 1);
		}
		if (m->ogg.channels > 0)
			kv_num(sl, "audio_channels", (unsigned long long)m->ogg.channels, 1);
		if (m->ogg.samplerate > 0)
			kv_num(sl, "audio_samplerate", m->ogg.samplerate, 1);
	}
	kv_add(sl, "audio_info", si->audio_info, 0, 1);
	kv_maybe_num(sl, "bitrate", si->bitrate, 1);
	if (m->source != NULL)
		kv_num(sl, "connected", (unsigned long long)(time_wall() - m->stream_start), 0);
	kv_add(sl, "genre", si->genre != NULL ? si->genre : "various", 0, 1);
	kv_num(sl, "listener_peak", STAT_GET(m->peak), 1);
	/* HLS players are listeners too, each a session (hls.c) */
	hls_n = m->conf != NULL && m->conf->hls > 0 ? hls_sessions(m) : 0;
	kv_num(sl, "listeners", STAT_GET(m->nlisteners) + hls_n, 1);
	if (m->conf != NULL && m->conf->hls > 0)
		kv_num(sl, "hls_sessions", hls_n, 1);
	kv_add(sl, "listenurl", url, 0, 1);
	if (max >= 0)
		kv_num(sl, "max_listeners", (unsigned long long)max, 0);
	else
		kv_add(sl, "max_listeners", "unlimited", 0, 0);
	kv_num(sl, "public", (unsigned long long)(si->public > 0), 0);
	kv_add(sl, "server_description", si->description != NULL ? si->description :
	    "Unspecified description", 0, 1);
	kv_add(sl, "server_name", si->name != NULL ? si->name : "Unspecified name", 0, 1);
	kv_add(sl, "server_type", si->content_type, 0, 1);
	kv_add(sl, "server_url", si->url, 0, 1);
	if (mount_rewind_ms(m) > 0 && m->q.head != NULL && m->q.tail != NULL) {
		/* Floe's rewind buffer (main thread: only it appends and trims) */
		kv_num(sl, "rewind_bytes", m->q.tail_pos - m->q.head_pos, 0);
		kv_num(sl, "rewind_seconds", (unsigned long long)((m->q.tail->time_ms -
		    m->q.head->time_ms) / 1000), 0);
		kv_dates(sl, "rewind_oldest", "rewind_oldest_iso8601", m->q.head->time_ms / 1000);
	}
	kv_num(sl, "slow_listeners", fanout_slow(m), 0);
	kv_add(sl, "source_ip", si->source_ip, 0, 0);
	if (m->source != NULL)
		kv_dates(sl, "stream_start", "stream_start_iso8601", m->stream_start);
	kv_add(sl, "title", m->title, 0, 1);
	kv_num(sl, "total_bytes_read", m->bytes_read, 0);
	kv_num(sl, "total_bytes_sent", fanout_bytes_sent(m), 0);
	kv_add(sl, "user_agent", si->user_agent, 0, 0);
	kv_audio_info(sl, si->audio_info);
	qsort(sl->kv, sl->n, sizeof *sl->kv, kv_cmp);
	free(url);
}

/* Every value of a list as a leaf of d. */
static void
doc_values(struct doc *d, const struct stat_list *sl, int public_only)
{
	size_t i;

	for (i = 0; i < sl->n; i++)
		if (!public_only || sl->kv[i].public)
			doc_value(d, sl->kv[i].key, sl->kv[i].value, sl->kv[i].number);
}

/* Is the mount live and listed? */
static int
mount_listed(const struct mount *m)
{
	return m->source != NULL;
}

struct relay_doc {
	struct doc	*d;
	int		 open;
};

/* One <relay mount="/x"> of /admin/stats. */
static void
stats_relay(void *arg, const struct relay_status *st)
{
	struct relay_doc *rd = arg;
	struct doc *d = rd->d;
	char num[32];

	if (!rd->open) {
		doc_list(d, "relay");
		rd->open = 1;
	}
	doc_item(d, "relay", "mount", st->mount);
	doc_value(d, "upstream", st->upstream, 0);
	doc_value(d, "state", st->state, 0);
	doc_value(d, "on_demand", st->on_demand ? "1" : "0", 1);
	doc_value(d, "from_master", st->from_master ? "1" : "0", 1);
	snprintf(num, sizeof num, "%u", st->retries);
	doc_value(d, "retries", num, 1);
	snprintf(num, sizeof num, "%u", st->connections);
	doc_value(d, "connections", num, 1);
	snprintf(num, sizeof num, "%llu", (unsigned long long)st->bytes);
	doc_value(d, "total_bytes_read", num, 1);
	if (st->error != NULL)
		doc_value(d, "error", st->error, 0);
	doc_close(d);
}

/* icestats: every value (admin), or the public ones of the mounts not hidden
 * (what icecast2 hands a webroot .xsl page); only_mount limits it to one. */
static void
stats_render_doc(struct doc *d, const char *only, int public_only)
{
	struct stat_list sl = { 0 };
	struct mount *m;

	stats_global(&sl);
	doc_values(d, &sl, public_only);
	stats_list_free(&sl);
	doc_list(d, "source");
	TAILQ_FOREACH(m, &srv.mounts, entry) {
		if (!mount_listed(m) || (only != NULL && strcmp(only, m->name) != 0) ||
		    (public_only && m->conf != NULL && m->conf->hidden > 0))
			continue;
		doc_item(d, "source", "mount", m->name);
		stats_mount(&sl, m);
		doc_values(d, &sl, public_only);
		stats_list_free(&sl);
		doc_close(d);
	}
	doc_close(d);
	/* Floe's own: each relay's upstream and state, for the admin only. */
	if (!public_only && only == NULL) {
		struct relay_doc rd = { d, 0 };

		relay_each(stats_relay, &rd);
		if (rd.open)
			doc_close(d);
	}
}

/* icestats, as /admin/stats answers. */
void
stats_render(struct doc *d, const char *only)
{
	stats_render_doc(d, only, 0);
}

/* icestats as the public sees it (webroot .xsl pages). */
void
stats_render_public(struct doc *d, const char *only)
{
	stats_render_doc(d, only, 1);
}

/* /admin/listmounts as icecast2 answers it. */
void
stats_render_listmounts(struct doc *d, const char *except)
{
	struct mount *m;

	doc_list(d, "source");
	TAILQ_FOREACH(m, &srv.mounts, entry) {
		if (!mount_listed(m) || (except != NULL && strcmp(m->name, except) == 0))
			continue;
		doc_item(d, "source", "mount", m->name);
		doc_value(d, "fallback", mount_fallback(m) != NULL ? mount_fallback(m) : "", 0);
		doc_number(d, "listeners", STAT_GET(m->nlisteners));
		doc_number(d, "Connected", (unsigned long long)(time_wall() - m->stream_start));
		doc_value(d, "content-type", m->info.content_type, 0);
		doc_close(d);
	}
	doc_close(d);
}

/* "key":value pairs of the public values. */
static void
json_values(struct sbuf *sb, const struct stat_list *sl)
{
	size_t i;

	for (i = 0; i < sl->n; i++) {
		if (!sl->kv[i].public)
			continue;
		sbuf_add_json(sb, sl->kv[i].key);
		sbuf_add(sb, ":", 1);
		doc_json_scalar(sb, sl->kv[i].value, sl->kv[i].number);
		sbuf_add(sb, ",", 1);
	}
}

/*
 * /status-json.xsl exactly as icecast2 2.4 shapes it: "source" is absent
 * with no sources, an object with one, an array with several (dashboards
 * depend on that quirk), and each object ends with "dummy":null.
 */
void
stats_render_json(struct sbuf *sb)
{
	stats_render_json_mount(sb, NULL);
}

/* The same for one mount (?mount=), as icecast2: its source alone, an object. */
void
stats_render_json_mount(struct sbuf *sb, const char *only)
{
	struct stat_list sl = { 0 };
	struct mount *m;
	size_t nsrc = 0, i = 0;

#define JSON_SHOWN(m) (mount_listed(m) && !((m)->conf != NULL && (m)->conf->hidden > 0) && \
	(only == NULL || strcmp(only, (m)->name) == 0))
	TAILQ_FOREACH(m, &srv.mounts, entry)
		if (JSON_SHOWN(m))
			nsrc++;
	sbuf_adds(sb, "{\"icestats\":{");
	stats_global(&sl);
	json_values(sb, &sl);
	stats_list_free(&sl);
	if (nsrc == 0) {
		sb->data[--sb->len] = '\0';	/* the trailing comma */
		sbuf_adds(sb, "}}");
		return;
	}
	sbuf_adds(sb, nsrc > 1 ? "\"source\":[" : "\"source\":");
	TAILQ_FOREACH(m, &srv.mounts, entry) {
		if (!JSON_SHOWN(m))
			continue;
		sbuf_adds(sb, i++ > 0 ? ",{" : "{");
		stats_mount(&sl, m);
		json_values(sb, &sl);
		stats_list_free(&sl);
		sbuf_adds(sb, "\"dummy\":null}");
	}
	sbuf_adds(sb, nsrc > 1 ? "]}}" : "}}");
#undef JSON_SHOWN
}
