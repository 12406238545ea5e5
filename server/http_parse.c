/*
 * http_parse.c: the request-head parser and chunked decoder (see http_parse.h).
 *
 * The head parser works in two phases. While the head is incomplete it only
 * copies bytes and counts line ends (so a head split into 1-byte reads costs
 * O(n) in total); when a blank line arrives it tokenises the copy in place.
 */
#include "http_parse.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Start over (r must be fresh or have been through http_request_free). */
void
http_request_init(struct http_request *r)
{
	r->len = 0;
	r->nl_state = 0;
	r->started = 0;
	r->method = r->uri = r->path = r->query = r->userinfo = NULL;
	r->version = 0;
	r->nheaders = 0;
	r->error = NULL;
}

/* Release what parsing allocated; r may then be initialised again. */
void
http_request_free(struct http_request *r)
{
	free(r->path);
	r->path = NULL;
}

/* Trim spaces and tabs from both ends, in place. */
static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}


/*
 * The absolute form, "GET http://user:pass@host/mount HTTP/1.0", as some
 * players send it (RFC 9112 3.2.2): the target becomes the path and query,
 * so logs never show the credentials, which are kept in r->userinfo.
 */
static enum parse_result
parse_absolute(struct http_request *r)
{
	char *auth, *end, *at;

	if (strncasecmp(r->uri, "http://", 7) == 0)
		auth = r->uri + 7;
	else if (strncasecmp(r->uri, "https://", 8) == 0)
		auth = r->uri + 8;
	else
		return PARSE_OK;
	end = auth + strcspn(auth, "/?#");
	if (*end != '/') {
		r->error = "absolute URI without a path";
		return PARSE_ERROR;
	}
	for (at = end; at > auth && at[-1] != '@'; at--)
		;
	if (at > auth) {
		at[-1] = '\0';
		r->userinfo = auth;
	}
	r->uri = end;
	return PARSE_OK;
}

/* Split the request line "METHOD URI HTTP/x.y". */
static enum parse_result
parse_request_line(struct http_request *r, char *line)
{
	char *sp1, *sp2, *ver, *q;
	size_t i;

	line = trim(line);
	if ((sp1 = strchr(line, ' ')) == NULL) {
		r->error = "malformed request line";
		return PARSE_ERROR;
	}
	*sp1 = '\0';
	r->method = line;
	for (i = 0; line[i] != '\0'; i++) {
		if (!isalpha((unsigned char)line[i])) {
			r->error = "malformed method";
			return PARSE_ERROR;
		}
		line[i] = (char)toupper((unsigned char)line[i]);
	}
	if (i == 0 || i > 16) {
		r->error = "malformed method";
		return PARSE_ERROR;
	}
	r->uri = trim(sp1 + 1);
	/* The version is the last word; URIs with raw spaces are tolerated. */
	if ((sp2 = strrchr(r->uri, ' ')) == NULL) {
		r->version = 10;	/* HTTP/0.9 style: treat as 1.0 */
	} else {
		ver = sp2 + 1;
		*sp2 = '\0';
		r->uri = trim(r->uri);
		if (str_ieq(ver, "HTTP/1.0"))
			r->version = 10;
		else if (str_ieq(ver, "HTTP/1.1"))
			r->version = 11;
		else if (str_iprefix(ver, "HTTP/1."))
			r->version = 11;
		else {
			r->error = "unsupported HTTP version";
			return PARSE_ERROR;
		}
	}
	if (*r->uri == '\0') {
		r->error = "empty URI";
		return PARSE_ERROR;
	}
	if (parse_absolute(r) != PARSE_OK)
		return PARSE_ERROR;
	if ((q = strchr(r->uri, '?')) != NULL) {
		/* Keep uri intact for logs: the path copy is made below. */
		r->query = q + 1;
	}
	return PARSE_OK;
}

/* Tokenise the complete head held in r->head[0..r->len). */
static enum parse_result
parse_head(struct http_request *r)
{
	char *p = r->head, *end = r->head + r->len, *nl, *colon, *line;
	char *path_end;
	size_t path_len;
	int first = 1;

	r->head[r->len] = '\0';
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		*nl = '\0';
		line = p;
		p = nl + 1;
		if (nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
		if (first) {
			if (*line == '\0')
				continue;	/* leading empty lines */
			if (parse_request_line(r, line) != PARSE_OK)
				return PARSE_ERROR;
			first = 0;
			continue;
		}
		if (*line == '\0')
			break;		/* end of head */
		if (*line == ' ' || *line == '\t') {
			/* Obsolete line folding: append to the previous value. */
			if (r->nheaders == 0) {
				r->error = "continuation line before any header";
				return PARSE_ERROR;
			}
			continue;	/* rare and unused by any client: dropped */
		}
		if ((colon = strchr(line, ':')) == NULL) {
			r->error = "header line without a colon";
			return PARSE_ERROR;
		}
		if (r->nheaders == HTTP_MAX_HEADERS) {
			r->error = "too many headers";
			return PARSE_ERROR;
		}
		*colon = '\0';
		r->headers[r->nheaders].name = trim(line);
		r->headers[r->nheaders].value = trim(colon + 1);
		if (*r->headers[r->nheaders].name == '\0') {
			r->error = "empty header name";
			return PARSE_ERROR;
		}
		r->nheaders++;
	}
	if (first) {
		r->error = "no request line";
		return PARSE_ERROR;
	}
	/* The decoded path is a separate allocation: uri stays raw for logs. */
	path_end = r->query != NULL ? r->query - 1 : r->uri + strlen(r->uri);
	r->path = url_decode(r->uri, (size_t)(path_end - r->uri), 0, &path_len);
	if (strlen(r->path) != path_len) {
		r->error = "NUL byte in path";
		return PARSE_ERROR;
	}
	return PARSE_OK;
}

/* Copy bytes until the blank line that ends the head. */
enum parse_result
http_request_feed(struct http_request *r, const char *buf, size_t n, size_t *used)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = buf[i];

		if (c == '\0') {
			*used = i;
			r->error = "NUL byte in request head";
			return PARSE_ERROR;
		}
		if (!r->started) {
			/* Skip empty lines before the request line (RFC 9112 2.2). */
			if (c == '\r' || c == '\n')
				continue;
			r->started = 1;
		}
		if (r->len == HTTP_MAX_HEAD) {
			*used = i;
			r->error = "request head too large";
			return PARSE_ERROR;
		}
		r->head[r->len++] = c;
		/* The first line ends: without a space it is no request line
		 * (a Shoutcast encoder's bare password waits for an answer). */
		if (c == '\n' && memchr(r->head, '\n', r->len - 1) == NULL &&
		    memchr(r->head, ' ', r->len) == NULL) {
			*used = i + 1;
			r->error = "malformed request line";
			return PARSE_ERROR;
		}
		if (c == '\n') {
			if (++r->nl_state == 2) {
				*used = i + 1;
				return parse_head(r);
			}
		} else if (c != '\r')
			r->nl_state = 0;
	}
	*used = n;
	return PARSE_AGAIN;
}

/* Case-insensitive header lookup. */
const char *
http_header_get(const struct http_request *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nheaders; i++)
		if (str_ieq(r->headers[i].name, name))
			return r->headers[i].value;
	return NULL;
}

/* Find key=value in a query string and decode the value. */
char *
http_query_get(const char *query, const char *key)
{
	const char *p = query, *amp, *eq;
	size_t klen = strlen(key), nlen;
	char *name;
	int match;

	while (p != NULL && *p != '\0') {
		amp = strchr(p, '&');
		if (amp == NULL)
			amp = p + strlen(p);
		eq = memchr(p, '=', (size_t)(amp - p));
		nlen = (size_t)((eq != NULL ? eq : amp) - p);
		/* Names may be percent-encoded too (libshout encodes everything). */
		name = url_decode(p, nlen, 1, &nlen);
		match = nlen == klen && memcmp(name, key, klen) == 0;
		free(name);
		if (match) {
			if (eq == NULL)
				return xstrdup("");
			return url_decode(eq + 1, (size_t)(amp - eq - 1), 1, NULL);
		}
		p = *amp != '\0' ? amp + 1 : NULL;
	}
	return NULL;
}

/* Chunked decoder states. */
enum {
	CH_SIZE,	/* reading hex digits */
	CH_EXT,		/* skipping a chunk extension up to LF */
	CH_DATA,	/* copying payload */
	CH_DATA_CR,	/* expecting CR or LF after payload */
	CH_DATA_LF,	/* expecting LF after CR */
	CH_TRAILER,	/* after the last chunk: ignore the rest */
};

/* Why 16 digits: a chunk size beyond 2^64 is not a size; more digits are an attack. */
#define CHUNK_MAX_DIGITS 16

/* Start decoding a new body. */
void
http_chunked_init(struct http_chunked *c)
{
	c->state = CH_SIZE;
	c->remaining = 0;
	c->digits = 0;
	c->error = NULL;
}

/* Decode in place; see the header for the contract. */
enum parse_result
http_chunked_decode(struct http_chunked *c, char *buf, size_t n, size_t *outlen)
{
	size_t i = 0, o = 0, take;
	int v;

	while (i < n) {
		char ch = buf[i];

		switch (c->state) {
		case CH_SIZE:
			if (isxdigit((unsigned char)ch)) {
				if (++c->digits > CHUNK_MAX_DIGITS) {
					c->error = "chunk size too long";
					*outlen = o;
					return PARSE_ERROR;
				}
				v = isdigit((unsigned char)ch) ? ch - '0' :
				    (tolower((unsigned char)ch) - 'a' + 10);
				c->remaining = c->remaining * 16 + (uint64_t)v;
				i++;
			} else if (c->digits > 0 && (ch == ';' || ch == ' ' ||
			    ch == '\t' || ch == '\r')) {
				c->state = CH_EXT;
				i++;
			} else if (c->digits > 0 && ch == '\n') {
				i++;
				goto size_done;
			} else {
				c->error = "malformed chunk size";
				*outlen = o;
				return PARSE_ERROR;
			}
			break;
		case CH_EXT:
			if (buf[i++] == '\n')
				goto size_done;
			break;
		case CH_DATA:
			take = FLOE_MIN((uint64_t)(n - i), c->remaining);
			memmove(buf + o, buf + i, take);
			o += take;
			i += take;
			c->remaining -= take;
			if (c->remaining == 0)
				c->state = CH_DATA_CR;
			break;
		case CH_DATA_CR:
			if (ch == '\r')
				c->state = CH_DATA_LF;
			else if (ch == '\n')
				c->state = CH_SIZE;
			else {
				c->error = "chunk not followed by a line end";
				*outlen = o;
				return PARSE_ERROR;
			}
			i++;
			break;
		case CH_DATA_LF:
			if (ch != '\n') {
				c->error = "chunk not followed by a line end";
				*outlen = o;
				return PARSE_ERROR;
			}
			c->state = CH_SIZE;
			i++;
			break;
		case CH_TRAILER:
			*outlen = o;
			return PARSE_OK;
		}
		continue;
size_done:
		c->digits = 0;
		if (c->remaining == 0) {
			c->state = CH_TRAILER;
			*outlen = o;
			return PARSE_OK;
		}
		c->state = CH_DATA;
	}
	*outlen = o;
	return c->state == CH_TRAILER ? PARSE_OK : PARSE_AGAIN;
}
