/*
 * http_resp.c: response heads and error answers (see http_resp.h).
 */
#include "http_resp.h"
#include "conn.h"
#include "log.h"
#include "server.h"
#include "util.h"

#include <event2/buffer.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reason phrases as icecast2 sends them. */
const char *
resp_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Authentication Required";
	case 403: return "Forbidden";
	case 404: return "File Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Request Entity Too Large";
	case 416: return "Requested Range Not Satisfiable";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

/* Append configured headers, skipping any with characters that could split
 * the response (the config is trusted, but a typo must not break framing). */
static void
add_headers(struct sbuf *sb, const struct config_header *h, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strpbrk(h[i].name, "\r\n:") != NULL || strpbrk(h[i].value, "\r\n") != NULL)
			continue;
		sbuf_addf(sb, "%s: %s\r\n", h[i].name, h[i].value);
	}
}

/* Is a header of this name among h[0..n)? */
static int
has_header(const struct config_header *h, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (str_ieq(h[i].name, name))
			return 1;
	return 0;
}

static void resp_head_cc(struct sbuf *sb, int status, const char *content_type,
    const struct config_mount *mc, const char *cache);

/* icecast's response head, without the final blank line. */
void
resp_head(struct sbuf *sb, int status, const char *content_type,
    const struct config_mount *mc)
{
	resp_head_cc(sb, status, content_type, mc, NULL);
}

/* The same, with Cache-Control: cache instead of the no-cache trio if given. */
static void
resp_head_cc(struct sbuf *sb, int status, const char *content_type,
    const struct config_mount *mc, const char *cache)
{
	char date[64];
	const struct config *cf = srv.config;

	time_http(date, sizeof date, time_wall());
	sbuf_addf(sb, "HTTP/1.0 %d %s\r\n", status, resp_reason(status));
	sbuf_addf(sb, "Server: %s\r\n", server_id());
	sbuf_adds(sb, "Connection: Close\r\n");
	sbuf_addf(sb, "Date: %s\r\n", date);
	if (content_type != NULL)
		sbuf_addf(sb, "Content-Type: %s\r\n", content_type);
	if (cache != NULL)
		sbuf_addf(sb, "Cache-Control: %s\r\n", cache);
	else
		sbuf_adds(sb, "Cache-Control: no-cache, no-store\r\n"
		    "Expires: Mon, 26 Jul 1997 05:00:00 GMT\r\n"
		    "Pragma: no-cache\r\n");
	if (cf != NULL)
		add_headers(sb, cf->headers, cf->nheaders);
	if (mc != NULL)
		add_headers(sb, mc->headers, mc->nheaders);
	/* Browser players need CORS; an operator's own header wins. */
	if (!has_header(cf != NULL ? cf->headers : NULL, cf != NULL ? cf->nheaders : 0,
	    "Access-Control-Allow-Origin") &&
	    !has_header(mc != NULL ? mc->headers : NULL, mc != NULL ? mc->nheaders : 0,
	    "Access-Control-Allow-Origin"))
		sbuf_adds(sb, "Access-Control-Allow-Origin: *\r\n");
}

/*
 * What a stream's head says so that no browser treats a stream as a page of
 * this origin, whatever its bytes: no sniffing a type from the content, and
 * a policy that lets nothing load or run; sandbox gives the stream, should
 * it ever be shown as a document, an origin of its own. media-src 'self'
 * lets a browser opened on the stream's URL still play it in its own
 * player page.
 */
#define RESP_STREAM_GUARD \
	"X-Content-Type-Options: nosniff\r\n" \
	"Content-Security-Policy: default-src 'none'; media-src 'self'; sandbox\r\n"

/* A listener's head: resp_head, then the stream guard. */
void
resp_stream_head(struct sbuf *sb, const char *content_type, const struct config_mount *mc)
{
	resp_head(sb, 200, content_type, mc);
	sbuf_adds(sb, RESP_STREAM_GUARD);
}

/* Queue head and body (none for HEAD requests), then close. */
static void
resp_finish(struct conn *c, int status, struct sbuf *sb, const char *body, size_t len)
{
	if (!c->head_only)
		sbuf_add(sb, body, len);
	evbuffer_add(conn_output(c), sb->data, sb->len);
	c->bytes_out += sb->len;
	sbuf_free(sb);
	c->status = status;
	conn_close_after_write(c);
}

/* A whole response with Content-Length, then close. */
void
resp_send(struct conn *c, int status, const char *content_type,
    const char *body, size_t len)
{
	struct sbuf sb;

	sbuf_init(&sb);
	resp_head(&sb, status, content_type, NULL);
	sbuf_addf(&sb, "Content-Length: %zu\r\n\r\n", len);
	resp_finish(c, status, &sb, body, len);
}

/*
 * A whole response whose body is the regular file fd (len bytes), then
 * close; fd is taken. The file is never read into memory here: on a plain
 * socket libevent sendfile()s it from the page cache as the socket drains;
 * under TLS it maps the file and OpenSSL reads the pages as it encrypts.
 */
void
resp_file(struct conn *c, int status, const char *content_type, int fd, off_t len)
{
	struct evbuffer_file_segment *seg;
	struct sbuf sb;

	sbuf_init(&sb);
	resp_head(&sb, status, content_type, NULL);
	sbuf_addf(&sb, "Content-Length: %lld\r\n\r\n", (long long)len);
	evbuffer_add(conn_output(c), sb.data, sb.len);
	c->bytes_out += sb.len + (c->head_only ? 0 : (uint64_t)len);
	sbuf_free(&sb);
	c->status = status;
	if (c->head_only || len == 0) {
		close(fd);
		conn_close_after_write(c);
		return;
	}
	/* Not evbuffer_add_file: it leaves fd open when the segment cannot be
	 * made and closes it when the segment cannot be added. */
	if ((seg = evbuffer_file_segment_new(fd, 0, len, EVBUF_FS_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		goto fail;
	}
	if (evbuffer_add_file_segment(conn_output(c), seg, 0, len) < 0)
		goto fail;			/* seg is released, fd closed */
	evbuffer_file_segment_free(seg);	/* the buffer keeps its own reference */
	conn_close_after_write(c);
	return;
fail:
	log_error("%s: cannot queue a file of %lld bytes", c->ip, (long long)len);
	conn_close(c);
}

/* Plain-text error as icecast2 sends it (no Content-Length). */
void
resp_plain_error(struct conn *c, int status, const char *text)
{
	struct sbuf sb;

	sbuf_init(&sb);
	resp_head(&sb, status, "text/plain; charset=utf-8", NULL);
	sbuf_adds(&sb, "\r\n");
	resp_finish(c, status, &sb, text, strlen(text));
}

/* HTML error as icecast2 sends it. */
void
resp_html_error(struct conn *c, int status, const char *text)
{
	struct sbuf sb, body;

	sbuf_init(&sb);
	resp_head(&sb, status, "text/html; charset=utf-8", NULL);
	sbuf_adds(&sb, "\r\n");
	sbuf_init(&body);
	sbuf_addf(&body, "<html><head><title>Error %d</title></head><body><b>%d - ",
	    status, status);
	sbuf_add_xml(&body, text);
	sbuf_adds(&body, "</b></body></html>\r\n");
	resp_finish(c, status, &sb, body.data, body.len);
	sbuf_free(&body);
}

/* 401 with the realm icecast2 uses (libshout and butt look for it). */
void
resp_auth_required(struct conn *c)
{
	resp_auth_refused(c, 401, NULL);
}

void
resp_auth_refused(struct conn *c, int status, const char *message)
{
	static const char body[] = "You need to authenticate\r\n";
	struct sbuf sb;
	char *clean = NULL;

	if (c->icy_v1 && status == 401) {
		/* A Shoutcast v1 encoder shows the DNAS's words (icecast2 just
		 * closes, and the encoder cannot say why). */
		evbuffer_add_printf(conn_output(c), "Invalid Password\r\n");
		c->status = 401;
		c->bytes_out += 18;
		conn_close_after_write(c);
		return;
	}
	sbuf_init(&sb);
	resp_head(&sb, status, "text/plain; charset=utf-8", NULL);
	if (status == 401)
		sbuf_adds(&sb, "WWW-Authenticate: Basic realm=\"Icecast2 Server\"\r\n");
	sbuf_adds(&sb, "\r\n");
	if (message != NULL && message[0] != '\0') {
		clean = str_sanitize(message, 512);
	}
	if (clean != NULL) {
		size_t n = strlen(clean);

		clean = xrealloc(clean, n + 3);
		memcpy(clean + n, "\r\n", 3);
		resp_finish(c, status, &sb, clean, n + 2);
		free(clean);
	} else if (status == 401)
		resp_finish(c, status, &sb, body, sizeof body - 1);
	else
		resp_finish(c, status, &sb, "Forbidden\r\n", 11);
}

void
resp_redirect(struct conn *c, const char *location)
{
	static const char body[] = "Moved\r\n";
	struct sbuf sb;

	sbuf_init(&sb);
	resp_head(&sb, 302, "text/plain; charset=utf-8", NULL);
	sbuf_addf(&sb, "Location: %s\r\n\r\n", location);
	resp_finish(c, 302, &sb, body, sizeof body - 1);
}

void
resp_send_cached(struct conn *c, const char *content_type, const char *cache,
    const struct config_mount *mc, const char *body, size_t len)
{
	struct sbuf sb;

	sbuf_init(&sb);
	resp_head_cc(&sb, 200, content_type, mc, cache);
	sbuf_addf(&sb, "Content-Length: %zu\r\n\r\n", len);
	resp_finish(c, 200, &sb, body, len);
}
