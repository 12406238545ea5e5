/*
 * api.c: the HTTP JSON API (api.h) on libevent's evhttp.
 *
 *   GET    /api/now            the track playing now
 *   GET    /api/next           the track that plays next
 *   GET    /api/queue          the queue, in order (position 1 plays next)
 *   POST   /api/queue          {"file":"/abs/path.mp3"}: queue a file
 *   DELETE /api/queue/N        take the N'th file out of the queue
 *   DELETE /api/queue          empty the queue
 *   POST   /api/skip           end the current track (fading out)
 *   POST   /api/reload         re-read the playlist
 *   GET    /api/schedule       the playlists the station plays from
 *   GET    /api/history?limit=N   the last N tracks (default and at most 100)
 *
 * Every answer is a JSON object; errors are {"error":"why"} with 400, 401,
 * 404, 405 (with Allow), 409 or 500. Strings go through sbuf_add_json, so a
 * title of any bytes (quotes, control characters, invalid UTF-8) is valid
 * JSON. The actions run the control socket's commands (control.h).
 */
#include "api.h"
#include "config.h"
#include "history.h"
#include "log.h"
#include "player.h"
#include "../server/util.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/util.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Headers of a request: a bearer token and a few more fit easily. */
#define API_HEADERS_MAX 8192
/* A client that sends nothing for this long is closed. */
#define API_TIMEOUT_SECONDS 10

struct api {
	struct evhttp	*http;
	struct api_env	 env;
	char		*token;		/* NULL: none required (loopback only) */
};

/* ---------------------------------------------------------------- pure parts */

/* Is the address (v4, v6 or v4-mapped v6) loopback? */
static int
sockaddr_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_LOOPBACK(a))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127;
	}
	return 0;
}

int
api_parse_addr(const char *s, char *host, size_t hostlen, int *port, int *loopback)
{
	struct sockaddr_storage ss;
	int len = (int)sizeof ss;
	char buf[300];
	const char *p;

	if (strncmp(s, "localhost:", 10) == 0) {	/* the usual spelling of 127.0.0.1 */
		snprintf(buf, sizeof buf, "127.0.0.1:%s", s + 10);
		s = buf;
	}
	p = strrchr(s, ':');
	if (p == NULL || p[1] == '\0' || evutil_parse_sockaddr_port(s, (struct sockaddr *)&ss,
	    &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		if (evutil_inet_ntop(AF_INET, &sin->sin_addr, host, hostlen) == NULL)
			return -1;
		*port = ntohs(sin->sin_port);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		if (evutil_inet_ntop(AF_INET6, &sin6->sin6_addr, host, hostlen) == NULL)
			return -1;
		*port = ntohs(sin6->sin6_port);
	} else
		return -1;
	if (*port <= 0)
		return -1;
	*loopback = sockaddr_loopback((struct sockaddr *)&ss);
	return 0;
}

/* Skip JSON white space. */
static size_t
ws(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* Four hex digits at s[i]; -1 if not. */
static long
hex4(const char *s, size_t len, size_t i)
{
	long v = 0;
	size_t k;

	if (i + 4 > len)
		return -1;
	for (k = i; k < i + 4; k++) {
		char c = s[k];
		v = v * 16 + (c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		    c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1000000);
	}
	return v < 0 ? -1 : v;
}

/* Append code point cp as UTF-8. */
static void
add_utf8(struct sbuf *sb, uint32_t cp)
{
	char b[4];

	if (cp < 0x80) {
		b[0] = (char)cp;
		sbuf_add(sb, b, 1);
	} else if (cp < 0x800) {
		b[0] = (char)(0xC0 | cp >> 6);
		b[1] = (char)(0x80 | (cp & 0x3F));
		sbuf_add(sb, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xE0 | cp >> 12);
		b[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		sbuf_add(sb, b, 3);
	} else {
		b[0] = (char)(0xF0 | cp >> 18);
		b[1] = (char)(0x80 | (cp >> 12 & 0x3F));
		b[2] = (char)(0x80 | (cp >> 6 & 0x3F));
		b[3] = (char)(0x80 | (cp & 0x3F));
		sbuf_add(sb, b, 4);
	}
}

/* A JSON string at s[*i] (its opening quote) into out (may be NULL); -1 if
 * malformed or it holds a NUL. */
static int
json_string(const char *s, size_t len, size_t *i, struct sbuf *out)
{
	size_t k = *i + 1;
	long cp, lo;

	if (*i >= len || s[*i] != '"')
		return -1;
	while (k < len && s[k] != '"') {
		unsigned char c = (unsigned char)s[k];

		if (c < 0x20)
			return -1;
		if (c != '\\') {
			if (out != NULL)
				sbuf_add(out, &s[k], 1);
			k++;
			continue;
		}
		if (++k >= len)
			return -1;
		switch (s[k]) {
		case '"': case '\\': case '/':
			cp = s[k];
			break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'n': cp = '\n'; break;
		case 'r': cp = '\r'; break;
		case 't': cp = '\t'; break;
		case 'u':
			if ((cp = hex4(s, len, k + 1)) < 0)
				return -1;
			k += 4;
			if (cp >= 0xD800 && cp <= 0xDBFF) {	/* a surrogate pair */
				if (k + 2 >= len || s[k + 1] != '\\' || s[k + 2] != 'u' ||
				    (lo = hex4(s, len, k + 3)) < 0xDC00 || lo > 0xDFFF)
					return -1;
				cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
				k += 6;
			} else if (cp >= 0xDC00 && cp <= 0xDFFF)
				return -1;
			if (cp == 0)
				return -1;	/* a NUL cannot be in a path or a C string */
			break;
		default:
			return -1;
		}
		if (out != NULL)
			add_utf8(out, (uint32_t)cp);
		k++;
	}
	if (k >= len)
		return -1;
	*i = k + 1;
	return 0;
}

int
api_json_string(const char *s, size_t len, const char *key, char **out)
{
	struct sbuf k, v;
	size_t i = ws(s, len, 0);
	int found = 0, first = 1, is_str;

	if (i >= len || s[i] != '{')
		return -1;
	i++;
	sbuf_init(&k);
	sbuf_init(&v);
	for (;;) {
		i = ws(s, len, i);
		if (i < len && s[i] == '}' && first) {
			i++;
			break;
		}
		sbuf_reset(&k);
		if (json_string(s, len, &i, &k) != 0)
			goto bad;
		i = ws(s, len, i);
		if (i >= len || s[i] != ':')
			goto bad;
		i = ws(s, len, i + 1);
		is_str = i < len && s[i] == '"';
		if (is_str) {
			sbuf_reset(&v);
			if (json_string(s, len, &i, &v) != 0)
				goto bad;
		} else {	/* a number, true, false or null; nothing nested */
			size_t at = i;
			while (i < len && (s[i] == '-' || s[i] == '+' || s[i] == '.' ||
			    (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
			    (s[i] >= 'A' && s[i] <= 'Z')))
				i++;
			if (i == at)
				goto bad;
		}
		if (strcmp(k.data, key) == 0) {
			if (!is_str || found)	/* not a string, or said twice */
				goto bad;
			found = 1;
			*out = xstrndup(v.data, v.len);
		}
		first = 0;
		i = ws(s, len, i);
		if (i < len && s[i] == ',') {
			i++;
			continue;
		}
		if (i < len && s[i] == '}') {
			i++;
			break;
		}
		goto bad;
	}
	if (ws(s, len, i) != len)
		goto bad;
	sbuf_free(&k);
	sbuf_free(&v);
	return found ? 0 : 1;
bad:
	if (found) {
		free(*out);
		*out = NULL;
	}
	sbuf_free(&k);
	sbuf_free(&v);
	return -1;
}

int
api_check(const struct config *cfg, const char *config_file, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN], where[600];
	int port, loopback;

	if (cfg->api_listen == NULL)
		return 0;
	if (cfg->api_line > 0 && config_file != NULL)
		snprintf(where, sizeof where, "%s line %d: api-listen", config_file, cfg->api_line);
	else
		snprintf(where, sizeof where, "--api-listen");
	if (api_parse_addr(cfg->api_listen, host, sizeof host, &port, &loopback) != 0) {
		snprintf(err, errlen, "%s %s: give ADDRESS:PORT (127.0.0.1:8020, [::1]:8020, "
		    "localhost:8020)", where, cfg->api_listen);
		return -1;
	}
	if (cfg->api_token != NULL && *cfg->api_token == '\0') {
		snprintf(err, errlen, "api-token is empty");
		return -1;
	}
	if (!loopback && cfg->api_token == NULL) {
		snprintf(err, errlen, "%s %s is not a loopback address: anyone who reaches it could "
		    "skip and queue, so set api-token (clients then send \"Authorization: Bearer "
		    "TOKEN\"), or listen on 127.0.0.1", where, cfg->api_listen);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- answers */

/* Send a JSON document with a status. */
static void
reply(struct evhttp_request *req, int code, const char *reason, struct sbuf *json)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *b = evbuffer_new();

	evhttp_add_header(h, "Content-Type", "application/json; charset=utf-8");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evbuffer_add(b, json->data, json->len);
	evbuffer_add(b, "\n", 1);
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

/* {"error":"why"} with a status. */
static void
reply_error(struct evhttp_request *req, int code, const char *reason, const char *why)
{
	struct sbuf sb;

	sbuf_init(&sb);
	sbuf_adds(&sb, "{\"error\":");
	sbuf_add_json(&sb, why);
	sbuf_adds(&sb, "}");
	reply(req, code, reason, &sb);
	sbuf_free(&sb);
}

/* 405, saying which methods the path takes. */
static void
reply_method(struct evhttp_request *req, const char *allow)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
	reply_error(req, 405, "Method Not Allowed", "method not allowed here");
}

/* Run a control command; on failure *why is its message (allocated). */
static int
run(struct api *a, enum control_cmd cmd, const char *arg, char **why)
{
	struct sbuf sb;
	char *last;
	int rc;

	sbuf_init(&sb);
	rc = a->env.run(cmd, arg, &sb, a->env.arg);
	if (rc != 0 && why != NULL) {
		while (sb.len > 0 && sb.data[sb.len - 1] == '\n')
			sb.data[--sb.len] = '\0';
		last = strrchr(sb.data, '\n');
		*why = xstrdup(last != NULL ? last + 1 : sb.len > 0 ? sb.data : "failed");
	}
	sbuf_free(&sb);
	return rc;
}

/* "key":"value" with a comma before unless first. */
static void
add_str(struct sbuf *sb, const char *key, const char *value, int first)
{
	sbuf_addf(sb, "%s\"%s\":", first ? "" : ",", key);
	if (value != NULL)
		sbuf_add_json(sb, value);
	else
		sbuf_adds(sb, "null");
}

/* GET /api/now */
static void
get_now(struct api *a, struct evhttp_request *req)
{
	const struct player_track *cur = player_current(a->env.player);
	const struct history_entry *h = history_current(a->env.history);
	const char *dj;
	char when[40];
	struct sbuf sb;

	sbuf_init(&sb);
	sbuf_addf(&sb, "{\"playing\":%s", cur != NULL ? "true" : "false");
	add_str(&sb, "title", cur != NULL ? player_track_title(cur) : NULL, 0);
	add_str(&sb, "file", cur != NULL ? player_track_path(cur) : NULL, 0);
	if (cur != NULL)
		sbuf_addf(&sb, ",\"position\":%.3f", player_position(a->env.player));
	else
		sbuf_adds(&sb, ",\"position\":null");
	if (cur != NULL && player_track_duration(cur) >= 0)
		sbuf_addf(&sb, ",\"duration\":%.3f", player_track_duration(cur));
	else
		sbuf_adds(&sb, ",\"duration\":null");	/* unknown: no header says */
	if (cur != NULL && h != NULL && strcmp(h->path, player_track_path(cur)) == 0) {
		history_iso8601(h->started_ms, when, sizeof when);
		sbuf_addf(&sb, ",\"started\":\"%s\"", when);
	} else
		sbuf_adds(&sb, ",\"started\":null");
	sbuf_addf(&sb, ",\"paused\":%s", a->env.paused(a->env.arg) ? "true" : "false");
	/* A DJ on the air: what listeners hear; the track above waits, paused. */
	if (a->env.live_title != NULL && (dj = a->env.live_title(a->env.arg)) != NULL) {
		sbuf_adds(&sb, ",\"live\":{");
		add_str(&sb, "title", dj, 1);
		sbuf_adds(&sb, "}}");
	} else
		sbuf_adds(&sb, ",\"live\":null}");
	reply(req, 200, "OK", &sb);
	sbuf_free(&sb);
}

/* GET /api/next */
static void
get_next(struct api *a, struct evhttp_request *req)
{
	char *title = NULL, *path = NULL;
	int rc = player_next(a->env.player, &title, &path);
	struct sbuf sb;

	sbuf_init(&sb);
	sbuf_addf(&sb, "{\"end\":%s", rc < 0 ? "true" : "false");
	add_str(&sb, "title", title, 0);
	add_str(&sb, "file", path, 0);
	sbuf_addf(&sb, ",\"queued\":%s}", rc == 1 ? "true" : "false");
	reply(req, 200, "OK", &sb);
	sbuf_free(&sb);
	free(title);
	free(path);
}

/* One queued file as a JSON object. */
static void
queue_item(void *arg, size_t pos, const char *path, const char *title)
{
	struct sbuf *sb = arg;

	sbuf_addf(sb, "%s\n {\"position\":%zu", pos > 1 ? "," : "", pos);
	add_str(sb, "title", title, 0);
	add_str(sb, "file", path, 0);
	sbuf_adds(sb, "}");
}

/* The queued file at one position (after POST /api/queue). */
struct queue_pick {
	struct sbuf	*sb;
	size_t		 want;
};

static void
queue_pick(void *arg, size_t pos, const char *path, const char *title)
{
	struct queue_pick *qp = arg;

	if (pos == qp->want)
		queue_item(qp->sb, 1, path, title);
}

/* GET /api/queue */
static void
get_queue(struct api *a, struct evhttp_request *req)
{
	struct sbuf sb;

	sbuf_init(&sb);
	sbuf_addf(&sb, "{\"length\":%zu,\"queue\":[", player_queue_len(a->env.player));
	player_queue_list(a->env.player, queue_item, &sb);
	sbuf_adds(&sb, player_queue_len(a->env.player) > 0 ? "\n]}" : "]}");
	reply(req, 200, "OK", &sb);
	sbuf_free(&sb);
}

/* POST /api/queue {"file":"/abs/path"} */
static void
post_queue(struct api *a, struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	char *body, *file = NULL, *why = NULL;
	struct queue_pick qp;
	struct sbuf sb;
	int rc;

	body = xmalloc(len + 1);
	evbuffer_remove(in, body, len);
	body[len] = '\0';
	rc = api_json_string(body, len, "file", &file);
	free(body);
	if (rc != 0) {
		reply_error(req, 400, "Bad Request", rc < 0 ? "the body must be a JSON object: "
		    "{\"file\":\"/path/to/file.mp3\"}" : "no \"file\" in the body");
		return;
	}
	if (file[0] != '/') {
		reply_error(req, 400, "Bad Request", "file must be an absolute path");
		free(file);
		return;
	}
	if (strchr(file, '\n') != NULL || strchr(file, '\r') != NULL) {
		reply_error(req, 400, "Bad Request", "file cannot contain line breaks");
		free(file);
		return;
	}
	if (run(a, CONTROL_QUEUE, file, &why) != 0) {
		reply_error(req, 400, "Bad Request", why);
		free(why);
		free(file);
		return;
	}
	sbuf_init(&sb);
	sbuf_addf(&sb, "{\"length\":%zu,\"queued\":", player_queue_len(a->env.player));
	qp.sb = &sb;
	qp.want = player_queue_len(a->env.player);
	player_queue_list(a->env.player, queue_pick, &qp);
	sbuf_adds(&sb, "}");
	reply(req, 201, "Created", &sb);
	sbuf_free(&sb);
	free(file);
}

/* DELETE /api/queue (pos 0) or /api/queue/N */
static void
delete_queue(struct api *a, struct evhttp_request *req, const char *pos)
{
	size_t before = player_queue_len(a->env.player);
	char *why = NULL;
	struct sbuf sb;

	if (pos == NULL) {
		run(a, CONTROL_QUEUE_CLEAR, NULL, NULL);
		sbuf_init(&sb);
		sbuf_addf(&sb, "{\"cleared\":%zu,\"length\":0}", before);
	} else {
		if (run(a, CONTROL_QUEUE_REMOVE, pos, &why) != 0) {
			reply_error(req, 404, "Not Found", why);
			free(why);
			return;
		}
		sbuf_init(&sb);
		sbuf_addf(&sb, "{\"removed\":%s,\"length\":%zu}", pos,
		    player_queue_len(a->env.player));
	}
	reply(req, 200, "OK", &sb);
	sbuf_free(&sb);
}

/* POST /api/skip */
static void
post_skip(struct api *a, struct evhttp_request *req)
{
	const struct player_track *cur = player_current(a->env.player);
	char *title = cur != NULL ? xstrdup(player_track_title(cur)) : NULL, *why = NULL;
	struct sbuf sb;

	if (run(a, CONTROL_SKIP, NULL, &why) != 0) {
		reply_error(req, 409, "Conflict", why);
		free(why);
		free(title);
		return;
	}
	sbuf_init(&sb);
	sbuf_adds(&sb, "{\"skipped\":");
	sbuf_add_json(&sb, title);
	sbuf_adds(&sb, "}");
	reply(req, 200, "OK", &sb);
	sbuf_free(&sb);
	free(title);
}

/* POST /api/reload */
static void
post_reload(struct api *a, struct evhttp_request *req)
{
	char *why = NULL;
	struct sbuf sb;

	if (run(a, CONTROL_RELOAD, NULL, &why) != 0) {
		reply_error(req, 500, "Internal Server Error", why);
		free(why);
		return;
	}
	sbuf_init(&sb);
	sbuf_addf(&sb, "{\"reloaded\":true}");
	reply(req, 200, "OK", &sb);
	sbuf_free(&sb);
}

/* GET /api/schedule */
static void
get_schedule(struct api *a, struct evhttp_request *req)
{
	struct sbuf sb;

	sbuf_init(&sb);
	a->env.schedule(a->env.arg, &sb);
	reply(req, 200, "OK", &sb);
	sbuf_free(&sb);
}

/* GET /api/history?limit=N */
static void
get_history(struct api *a, struct evhttp_request *req)
{
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req)), *v;
	struct evkeyvalq params;
	long limit = HISTORY_MAX;
	struct sbuf sb;

	TAILQ_INIT(&params);
	if (q != NULL && evhttp_parse_query_str(q, &params) != 0) {
		reply_error(req, 400, "Bad Request", "malformed query string");
		return;
	}
	v = evhttp_find_header(&params, "limit");
	if (v != NULL && parse_long(v, 1, HISTORY_MAX, &limit) != 0) {
		evhttp_clear_headers(&params);
		reply_error(req, 400, "Bad Request", "limit must be 1 to 100");
		return;
	}
	evhttp_clear_headers(&params);
	sbuf_init(&sb);
	sbuf_adds(&sb, "{\"history\":");
	history_json(a->env.history, (size_t)limit, a->env.audio_clock(a->env.arg), &sb);
	sbuf_adds(&sb, "}");
	reply(req, 200, "OK", &sb);
	sbuf_free(&sb);
}

/* ---------------------------------------------------------------- routing */

/* Does the request carry the token? Compared in constant time. */
static int
authorized(const struct api *a, struct evhttp_request *req)
{
	const char *h;
	size_t n, m, i;
	unsigned char diff;

	if (a->token == NULL)
		return 1;
	h = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return 0;
	h += 7;
	while (*h == ' ')
		h++;
	n = strlen(h);
	m = strlen(a->token);
	diff = n != m;
	for (i = 0; i < m; i++)
		diff |= (unsigned char)(a->token[i] ^ h[i < n ? i : 0]);
	return diff == 0;
}

/* Every request. */
static void
request_cb(struct evhttp_request *req, void *arg)
{
	struct api *a = arg;
	enum evhttp_cmd_type m = evhttp_request_get_command(req);
	const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	int get = m == EVHTTP_REQ_GET || m == EVHTTP_REQ_HEAD, post = m == EVHTTP_REQ_POST;
	int del = m == EVHTTP_REQ_DELETE;
	long pos;

	if (path == NULL)
		path = "";
	if (post || del) {	/* who changed what plays: in the log */
		struct evhttp_connection *ec = evhttp_request_get_connection(req);
		const char *peer = NULL;
		ev_uint16_t pport = 0;

		if (ec != NULL)
			evhttp_connection_get_peer(ec, (char **)&peer, &pport);
		log_info("HTTP API: %s %s from %s:%u", post ? "POST" : "DELETE", path,
		    peer != NULL ? peer : "?", (unsigned)pport);
	}
	if (!authorized(a, req)) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
		    "Bearer realm=\"floe-source\"");
		reply_error(req, 401, "Unauthorized", "a valid \"Authorization: Bearer TOKEN\" "
		    "header is required");
		return;
	}
	if (strcmp(path, "/api/now") == 0)
		get ? get_now(a, req) : reply_method(req, "GET, HEAD");
	else if (strcmp(path, "/api/next") == 0)
		get ? get_next(a, req) : reply_method(req, "GET, HEAD");
	else if (strcmp(path, "/api/queue") == 0) {
		if (get)
			get_queue(a, req);
		else if (post)
			post_queue(a, req);
		else if (del)
			delete_queue(a, req, NULL);
		else
			reply_method(req, "GET, HEAD, POST, DELETE");
	} else if (strncmp(path, "/api/queue/", 11) == 0) {
		if (parse_long(path + 11, 1, PLAYER_QUEUE_MAX, &pos) != 0)
			reply_error(req, 404, "Not Found", "no such queue position");
		else if (del)
			delete_queue(a, req, path + 11);
		else
			reply_method(req, "DELETE");
	} else if (strcmp(path, "/api/skip") == 0)
		post ? post_skip(a, req) : reply_method(req, "POST");
	else if (strcmp(path, "/api/reload") == 0)
		post ? post_reload(a, req) : reply_method(req, "POST");
	else if (strcmp(path, "/api/schedule") == 0)
		get ? get_schedule(a, req) : reply_method(req, "GET, HEAD");
	else if (strcmp(path, "/api/history") == 0)
		get ? get_history(a, req) : reply_method(req, "GET, HEAD");
	else
		reply_error(req, 404, "Not Found", "no such endpoint (see /api/now, /api/next, "
		    "/api/queue, /api/skip, /api/reload, /api/schedule, /api/history)");
}

struct api *
api_new(struct event_base *base, const struct config *cfg, const struct api_env *env,
    char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN];
	int port, loopback;
	struct api *a;

	if (api_parse_addr(cfg->api_listen, host, sizeof host, &port, &loopback) != 0) {
		snprintf(err, errlen, "api-listen %s: not ADDRESS:PORT", cfg->api_listen);
		return NULL;
	}
	a = xcalloc(1, sizeof *a);
	a->env = *env;
	a->token = cfg->api_token != NULL ? xstrdup(cfg->api_token) : NULL;
	if ((a->http = evhttp_new(base)) == NULL ||
	    evhttp_bind_socket_with_handle(a->http, host, (ev_uint16_t)port) == NULL) {
		snprintf(err, errlen, "cannot listen on %s for the HTTP API (api-listen): is the "
		    "port taken?", cfg->api_listen);
		api_free(a);
		return NULL;
	}
	evhttp_set_max_body_size(a->http, API_BODY_MAX);
	evhttp_set_max_headers_size(a->http, API_HEADERS_MAX);
	evhttp_set_timeout(a->http, API_TIMEOUT_SECONDS);
	evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_PUT | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(a->http, request_cb, a);
	log_info("HTTP API on http://%s%s%s:%d/api/ (%s)", strchr(host, ':') ? "[" : "", host,
	    strchr(host, ':') ? "]" : "", port, a->token != NULL ? "token required" :
	    "loopback, no token");
	return a;
}

void
api_free(struct api *a)
{
	if (a == NULL)
		return;
	if (a->http != NULL)
		evhttp_free(a->http);
	free(a->token);
	free(a);
}
