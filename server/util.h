/*
 * util.h: small helpers every module of both programs uses (floe and
 * floe-source link the same util.c): allocation that never returns NULL,
 * bounded string building, XML/JSON escaping, percent-encoding, base64,
 * UTF-8 checks and the cleaning of strings from the network, number parsing
 * with range checks, and clocks.
 */
#ifndef FLOE_UTIL_H
#define FLOE_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

/* glibc's sys/queue.h lacks the _SAFE iterators that BSD has. */
#include <sys/queue.h>
#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST((head));				\
	    (var) && ((tvar) = TAILQ_NEXT((var), field), 1);		\
	    (var) = (tvar))
#endif

#define FLOE_NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define FLOE_MIN(a, b) ((a) < (b) ? (a) : (b))
#define FLOE_MAX(a, b) ((a) > (b) ? (a) : (b))

#define FLOE_NS_PER_SEC 1000000000ULL

/** malloc/calloc/realloc/strdup that abort the process with a message on OOM. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
/** realloc for n elements of size bytes, dying on overflow as on OOM. */
void *xreallocarray(void *p, size_t n, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/** asprintf that aborts on OOM. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** A growable byte string, NUL-terminated whenever data is not NULL (it is
 *  not NULL after sbuf_init; sbuf_free and sbuf_steal leave it NULL, and the
 *  next append allocates again). */
struct sbuf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};
void sbuf_init(struct sbuf *sb);
void sbuf_free(struct sbuf *sb);
/** Empty the buffer but keep its memory. */
void sbuf_reset(struct sbuf *sb);
void sbuf_add(struct sbuf *sb, const void *p, size_t n);
void sbuf_adds(struct sbuf *sb, const char *s);
void sbuf_addf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Make room for n more bytes and return where they go (commit with sbuf_commit). */
void *sbuf_reserve(struct sbuf *sb, size_t n);
/** Account for n bytes written at sbuf_reserve()'s pointer. */
void sbuf_commit(struct sbuf *sb, size_t n);
/** Append s percent-encoded: every byte but A-Z a-z 0-9 - _ . ~ becomes %XX. */
void sbuf_add_pct(struct sbuf *sb, const char *s);
/** Append s escaped for XML text and attribute values. The output is valid
 *  UTF-8 with no raw control character whatever s holds: a byte that is not
 *  UTF-8 becomes U+FFFD, as does a character XML 1.0 cannot carry. */
void sbuf_add_xml(struct sbuf *sb, const char *s);
/** Append s as a JSON string literal, quotes included; valid UTF-8 with every
 *  control character escaped whatever s holds (U+FFFD for bytes that are
 *  not UTF-8). */
void sbuf_add_json(struct sbuf *sb, const char *s);
/** Hand the buffer to the caller (who frees it) and reset sb. */
char *sbuf_steal(struct sbuf *sb, size_t *len);

/** Percent-decode [s, s+n) ('+' becomes space when plus_is_space); result
 *  is NUL-terminated and allocated. Invalid escapes are kept literally. */
char *url_decode(const char *s, size_t n, int plus_is_space, size_t *outlen);
/** Percent-encode everything but RFC 3986's unreserved bytes (allocated). */
char *url_encode(const char *s);
/** Append a form field "key=value" ('&' first unless sb is empty), value encoded. */
void sbuf_add_form(struct sbuf *sb, const char *key, const char *value);

/** Decode base64 text; returns allocated NUL-terminated bytes or NULL if the
 *  input is not valid base64. */
char *base64_decode(const char *s, size_t n, size_t *outlen);
/** Base64 (RFC 4648, padded) of [p, p+n), allocated and NUL-terminated. */
char *base64_encode(const void *p, size_t n);

/** Case-insensitive ASCII equality, prefix and suffix tests. */
int str_ieq(const char *a, const char *b);
/** Are two optional strings equal (NULL only equals NULL)? */
int str_same(const char *a, const char *b);
int str_iprefix(const char *s, const char *prefix);
int str_isuffix(const char *s, const char *suffix);
/** An IPv4 or IPv6 network (an address is a /32 or /128); v4 kept as v4-mapped v6. */
struct cidr {
	unsigned char	addr[16];
	int		bits;		/* prefix length on the 128-bit form */
};
/** Parse "1.2.3.4", "10.0.0.0/8", "::1", "2001:db8::/32"; 0 or -1. */
int cidr_parse(const char *s, struct cidr *out);
/** Does the address text (as in conn->ip) fall inside the network? */
int cidr_match(const struct cidr *net, const char *ip);

/** Trim ASCII white space at both ends: cuts the end in place and returns
 *  a pointer past the leading white space (inside s: free s, not it). */
char *str_trim(char *s);

/*
 * The parsers are strict: the whole string must be the number, with no
 * white space around it. Text formats that allow padding (config values)
 * trim first with str_trim(); HTTP header values arrive already trimmed.
 */
/** Parse a decimal integer in [min, max]; 0 on success, -1 otherwise. */
int parse_long(const char *s, long min, long max, long *out);
/** Parse a finite decimal number in [min, max]; 0 on success, -1 otherwise. */
int parse_double(const char *s, double min, double max, double *out);
/** yes/no, true/false, on/off, 1/0 (any case); 0 on success, -1 otherwise. */
int parse_bool(const char *s, int *out);

/** Clean a string that came from the network for stats, documents, headers
 *  and logs: an allocated copy that is valid UTF-8 (if s is not, it is read
 *  as Latin-1, as titles are), with every control character (C0, DEL, C1)
 *  replaced by '?', cut to at most max bytes at a character boundary. */
char *str_sanitize(const char *s, size_t max);
/** An allocated copy of s in UTF-8: s itself if it is valid UTF-8, else s
 *  read as Latin-1. */
char *str_to_utf8(const char *s);

/** Cut a UTF-8 string to at most max bytes without splitting a character. */
size_t utf8_cut(const char *s, size_t len, size_t max);
/** Length (1-4) of the valid UTF-8 sequence at s within n bytes, its code
 *  point in *cp; 0 if invalid (overlong, surrogate, above U+10FFFF, cut). */
size_t utf8_decode(const char *s, size_t n, uint32_t *cp);
/** Is [s, s+n) valid UTF-8? */
int utf8_is_valid(const char *s, size_t n);

/** Monotonic (nanoseconds) and wall clocks. */
uint64_t time_mono_ns(void);
int64_t time_wall(void);
int64_t time_wall_ms(void);
/** Format t (UTC) as RFC 1123 ("Sun, 06 Nov 1994 08:49:37 GMT"). */
void time_http(char *buf, size_t n, int64_t t);
/** Format t as icecast's "Sun, 22 Nov 2026 02:21:15 +0000" (local time). */
void time_icecast(char *buf, size_t n, int64_t t);
/** Format t as ISO 8601 "2026-11-22T02:21:15+0000" (local time). */
void time_iso8601(char *buf, size_t n, int64_t t);

/** url without "user:password@" and its query or fragment (allocated). */
char *url_without_credentials(const char *url);
/** Does s begin with a scheme and "://" (letters only: http, file...)? */
int url_has_scheme(const char *s);

#endif
