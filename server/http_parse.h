/*
 * http_parse.h: a pure, resumable HTTP/1.x request-head parser and a chunked
 * body decoder. No sockets and no libevent: bytes in, OK / AGAIN / ERROR out,
 * so both are unit-tested and fuzzed directly.
 */
#ifndef FLOE_HTTP_PARSE_H
#define FLOE_HTTP_PARSE_H

#include <stddef.h>
#include <stdint.h>

enum parse_result { PARSE_OK = 0, PARSE_AGAIN = 1, PARSE_ERROR = -1 };

/* Why a bound is what it is: icecast2 accepts heads up to 8 KB; real clients
 * send under 1 KB (INTEROP.md), so 16 KB leaves room for long cookies and
 * still caps what one idle connection can make us hold. */
#define HTTP_MAX_HEAD	16384
#define HTTP_MAX_HEADERS 64

struct http_header {
	char	*name;		/* points into the request's head copy */
	char	*value;		/* leading/trailing white space trimmed */
};

/** One parsed request head. All strings point into head[]. */
struct http_request {
	/* Parser state: the head accumulates here until its end is seen. */
	char	 head[HTTP_MAX_HEAD + 1];
	size_t	 len;
	int	 nl_state;	/* newlines seen in a row, CRs ignored */
	int	 started;	/* a non-empty line has begun */

	/* Results, valid after PARSE_OK. */
	char	*method;	/* upper-cased */
	char	*uri;		/* raw, as sent */
	char	*path;		/* percent-decoded path, without the query */
	char	*query;		/* raw query string (after '?'), or NULL */
	char	*userinfo;	/* "user:pass" of an absolute-form target (raw), or NULL */
	int	 version;	/* 10 for HTTP/1.0, 11 for HTTP/1.1 */
	struct http_header headers[HTTP_MAX_HEADERS];
	size_t	 nheaders;
	const char *error;	/* why PARSE_ERROR, for the log */
};

/** Reset r to parse a new request. */
void http_request_init(struct http_request *r);
/** Free what a parse allocated (the decoded path). */
void http_request_free(struct http_request *r);

/**
 * Feed n bytes. *used is set to how many were consumed: on PARSE_OK the head
 * ended within them and the rest is body; on PARSE_AGAIN all were taken and
 * more are needed; on PARSE_ERROR r->error says why. Accepts CRLF, bare LF or
 * a mix, leading empty lines, a lower-case method, and heads split across any
 * number of reads.
 */
enum parse_result http_request_feed(struct http_request *r, const char *buf,
    size_t n, size_t *used);

/** Value of a header (case-insensitive name), or NULL. */
const char *http_header_get(const struct http_request *r, const char *name);

/**
 * Look up key in a query string ("a=1&b=2"), percent-decoded ('+' is a
 * space). Returns an allocated string, or NULL if absent.
 */
char *http_query_get(const char *query, const char *key);

/** State of a chunked-body decoder. */
struct http_chunked {
	int	 state;
	uint64_t remaining;	/* bytes left in the current chunk */
	int	 digits;
	const char *error;
};

void http_chunked_init(struct http_chunked *c);

/**
 * Decode chunked framing in place: buf[0..n) becomes the payload bytes in
 * buf[0..*outlen). Returns PARSE_AGAIN while the body goes on, PARSE_OK at
 * the terminating zero-length chunk (bytes after it are ignored), or
 * PARSE_ERROR on malformed framing.
 */
enum parse_result http_chunked_decode(struct http_chunked *c, char *buf,
    size_t n, size_t *outlen);

#endif
