/*
 * util.c: allocation, string building, encodings, number parsing and clock
 * helpers, shared by floe and floe-source.
 */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* First capacity of a buffer that starts empty: one short line or header. */
#define SBUF_FIRST_CAP 256

/* Die loudly: a program that cannot allocate 100 bytes cannot do anything
 * useful. The name is the running program's, floe or floe-source. */
static void
oom(size_t n)
{
	fprintf(stderr, "%s: out of memory allocating %zu bytes\n",
	    program_invocation_short_name, n);
	abort();
}

/* malloc that never returns NULL. */
void *
xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		oom(n);
	return p;
}

/* calloc that never returns NULL. */
void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		oom(n * size);
	return p;
}

/* realloc that never returns NULL. */
void *
xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		oom(n);
	return q;
}

/* realloc of an array, checking n * size for overflow. */
void *
xreallocarray(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		oom(SIZE_MAX);
	return xrealloc(p, n * size);
}

/* strdup that never returns NULL; NULL in gives NULL out. */
char *
xstrdup(const char *s)
{
	return s == NULL ? NULL : xstrndup(s, strlen(s));
}

/* strndup that never returns NULL (copies exactly n bytes). */
char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

/* asprintf that never returns NULL. */
char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		oom(0);
	va_end(ap);
	return p;
}

/* Start an empty buffer (an empty string, never NULL). */
void
sbuf_init(struct sbuf *sb)
{
	sb->cap = SBUF_FIRST_CAP;
	sb->len = 0;
	sb->data = xmalloc(sb->cap);
	sb->data[0] = '\0';
}

/* Release a buffer's memory. */
void
sbuf_free(struct sbuf *sb)
{
	free(sb->data);
	sb->data = NULL;
	sb->len = sb->cap = 0;
}

/* Empty the buffer but keep its memory. */
void
sbuf_reset(struct sbuf *sb)
{
	sb->len = 0;
	if (sb->data != NULL)
		sb->data[0] = '\0';
}

/* Ensure room for n more bytes plus the terminating NUL; works on a freed
 * (or zeroed) buffer too. */
void *
sbuf_reserve(struct sbuf *sb, size_t n)
{
	size_t need, cap;

	if (n > SIZE_MAX - sb->len - 1)
		oom(SIZE_MAX);
	need = sb->len + n + 1;
	if (need > sb->cap) {
		cap = sb->cap != 0 ? sb->cap : SBUF_FIRST_CAP;
		while (cap < need)
			cap = cap > SIZE_MAX / 2 ? need : cap * 2;
		sb->data = xrealloc(sb->data, cap);
		sb->cap = cap;
	}
	return sb->data + sb->len;
}

/* Account for n bytes written at sbuf_reserve()'s pointer. */
void
sbuf_commit(struct sbuf *sb, size_t n)
{
	sb->len += n;
	sb->data[sb->len] = '\0';
}

/* Append n raw bytes. */
void
sbuf_add(struct sbuf *sb, const void *p, size_t n)
{
	memcpy(sbuf_reserve(sb, n), p, n);
	sbuf_commit(sb, n);
}

/* Append a C string. */
void
sbuf_adds(struct sbuf *sb, const char *s)
{
	sbuf_add(sb, s, strlen(s));
}

/* Append printf-formatted text. */
void
sbuf_addf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	va_start(ap, fmt);
	vsnprintf(sbuf_reserve(sb, (size_t)n), (size_t)n + 1, fmt, ap);
	va_end(ap);
	sbuf_commit(sb, (size_t)n);
}

/* Append s with every byte outside RFC 3986's unreserved set as %XX. */
void
sbuf_add_pct(struct sbuf *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (isalnum(*p) || *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			sbuf_add(sb, p, 1);
		} else {
			char e[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			sbuf_add(sb, e, 3);
		}
	}
}

/* Append text escaped for XML; control bytes that XML 1.0 forbids are dropped. */
void
sbuf_add_xml(struct sbuf *sb, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '<': sbuf_adds(sb, "&lt;"); break;
		case '>': sbuf_adds(sb, "&gt;"); break;
		case '&': sbuf_adds(sb, "&amp;"); break;
		case '"': sbuf_adds(sb, "&quot;"); break;
		case '\'': sbuf_adds(sb, "&apos;"); break;
		default:
			if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
				break;
			sbuf_add(sb, s, 1);
		}
	}
}

/* Append a JSON string literal; '<' and '>' are escaped too so the text is
 * safe to embed in a page. */
void
sbuf_add_json(struct sbuf *sb, const char *s)
{
	sbuf_add(sb, "\"", 1);
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '"': sbuf_adds(sb, "\\\""); break;
		case '\\': sbuf_adds(sb, "\\\\"); break;
		case '\n': sbuf_adds(sb, "\\n"); break;
		case '\r': sbuf_adds(sb, "\\r"); break;
		case '\t': sbuf_adds(sb, "\\t"); break;
		case '<': sbuf_adds(sb, "\\u003c"); break;
		case '>': sbuf_adds(sb, "\\u003e"); break;
		default:
			if (c < 0x20)
				sbuf_addf(sb, "\\u%04x", c);
			else
				sbuf_add(sb, s, 1);
		}
	}
	sbuf_add(sb, "\"", 1);
}

/* Give the bytes away and leave sb empty. */
char *
sbuf_steal(struct sbuf *sb, size_t *len)
{
	char *p = sb->data != NULL ? sb->data : xstrdup("");

	if (len != NULL)
		*len = sb->len;
	sb->data = NULL;
	sb->len = sb->cap = 0;
	return p;
}

/* Value of one hex digit, or -1. */
static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode; invalid escapes pass through unchanged. */
char *
url_decode(const char *s, size_t n, int plus_is_space, size_t *outlen)
{
	char *out = xmalloc(n + 1);
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n &&
		    hexval((unsigned char)s[i + 1]) >= 0 &&
		    hexval((unsigned char)s[i + 2]) >= 0) {
			out[o++] = (char)(hexval((unsigned char)s[i + 1]) * 16 +
			    hexval((unsigned char)s[i + 2]));
			i += 2;
		} else if (s[i] == '+' && plus_is_space)
			out[o++] = ' ';
		else
			out[o++] = s[i];
	}
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return out;
}

/* Value of one base64 character, or -1. */
static int
b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Strict base64 decoder (padding optional); NULL on any invalid character. */
char *
base64_decode(const char *s, size_t n, size_t *outlen)
{
	char *out;
	size_t i, o = 0;
	uint32_t acc = 0;
	int bits = 0, v;

	while (n > 0 && s[n - 1] == '=')
		n--;
	out = xmalloc(n * 3 / 4 + 2);
	for (i = 0; i < n; i++) {
		if ((v = b64val((unsigned char)s[i])) < 0) {
			free(out);
			return NULL;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	if (outlen != NULL)
		*outlen = o;
	return out;
}

/* Standard padded base64 of n bytes. */
char *
base64_encode(const void *p, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char *in = p;
	char *out, *o;
	size_t i;

	if (n > (SIZE_MAX - 1) / 4 * 3 - 3)
		oom(SIZE_MAX);
	out = o = xmalloc((n + 2) / 3 * 4 + 1);
	for (i = 0; i + 2 < n; i += 3) {
		*o++ = tab[in[i] >> 2];
		*o++ = tab[(in[i] & 3) << 4 | in[i + 1] >> 4];
		*o++ = tab[(in[i + 1] & 15) << 2 | in[i + 2] >> 6];
		*o++ = tab[in[i + 2] & 63];
	}
	if (i < n) {
		*o++ = tab[in[i] >> 2];
		if (i + 1 < n) {
			*o++ = tab[(in[i] & 3) << 4 | in[i + 1] >> 4];
			*o++ = tab[(in[i + 1] & 15) << 2];
		} else {
			*o++ = tab[(in[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

/* ASCII case-insensitive equality. */
int
str_ieq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

/* Does s start with prefix, ignoring ASCII case? */
int
str_iprefix(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* Does s end with suffix, ignoring ASCII case? */
int
str_isuffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Trim white space at both ends in place. */
char *
str_trim(char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* strtol over the whole string with a range check. strtol itself would
 * skip leading white space, so that is refused here, before it can. */
int
parse_long(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* strtod over the whole string with a range check (no NaN, no inf). */
int
parse_double(const char *s, double min, double max, double *out)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* The usual spellings of a boolean, as Icecast configs write them too. */
int
parse_bool(const char *s, int *out)
{
	static const char *const yes[] = { "1", "true", "yes", "on" };
	static const char *const no[] = { "0", "false", "no", "off" };
	size_t i;

	for (i = 0; s != NULL && i < FLOE_NELEM(yes); i++) {
		if (str_ieq(s, yes[i])) {
			*out = 1;
			return 0;
		}
		if (str_ieq(s, no[i])) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

/* Length of the longest prefix of s (at most max bytes) that ends on a UTF-8
 * character boundary. */
size_t
utf8_cut(const char *s, size_t len, size_t max)
{
	size_t n;

	if (len <= max)
		return len;
	n = max;
	/* Back off continuation bytes so we never split a character. */
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return n;
}

/* Copy with control characters replaced, cut at a UTF-8 boundary. */
char *
str_sanitize(const char *s, size_t max)
{
	size_t len = strlen(s), i;
	char *out;

	len = utf8_cut(s, len, max);
	out = xstrndup(s, len);
	for (i = 0; i < len; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = '?';
	return out;
}

/* Milliseconds from a monotonic clock. */
uint64_t
time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Nanoseconds on the monotonic clock: never jumps with wall-clock changes. */
uint64_t
time_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * FLOE_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Seconds since the epoch. */
int64_t
time_wall(void)
{
	return (int64_t)time(NULL);
}

/* RFC 1123 date for HTTP headers. */
void
time_http(char *buf, size_t n, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, n, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* Icecast's stats date format. */
void
time_icecast(char *buf, size_t n, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	strftime(buf, n, "%a, %d %b %Y %H:%M:%S %z", &tm);
}

/* ISO 8601 date as icecast's stats give it. */
void
time_iso8601(char *buf, size_t n, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	strftime(buf, n, "%Y-%m-%dT%H:%M:%S%z", &tm);
}
