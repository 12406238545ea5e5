/*
 * util.c: allocation, byte buffers, encodings, number parsing and the
 * monotonic clock for floe-source.
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

/* Die loudly: a program that cannot allocate a few bytes can do nothing useful. */
static void
oom(size_t n)
{
	fprintf(stderr, "floe-source: out of memory allocating %zu bytes\n", n);
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

/* Start an empty buffer. */
void
sbuf_init(struct sbuf *sb)
{
	sb->data = NULL;
	sb->len = sb->cap = 0;
}

/* Release the buffer's memory. */
void
sbuf_free(struct sbuf *sb)
{
	free(sb->data);
	sbuf_init(sb);
}

/* Empty the buffer but keep its memory. */
void
sbuf_reset(struct sbuf *sb)
{
	sb->len = 0;
	if (sb->data != NULL)
		sb->data[0] = '\0';
}

/* Ensure room for n more bytes plus the terminating NUL. */
void *
sbuf_reserve(struct sbuf *sb, size_t n)
{
	if (n > SIZE_MAX - sb->len - 1)
		oom(SIZE_MAX);
	if (sb->len + n + 1 > sb->cap) {
		size_t cap = sb->cap ? sb->cap : 64;
		while (cap < sb->len + n + 1)
			cap = cap > SIZE_MAX / 2 ? sb->len + n + 1 : cap * 2;
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

/* Append n bytes. */
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

/* Percent-decode [s, s+n) into a new NUL-terminated string. */
char *
pct_decode(const char *s, size_t n)
{
	char *out = xmalloc(n + 1), *o = out;
	size_t i;

	for (i = 0; i < n; i++) {
		int hi, lo;
		if (s[i] == '%' && i + 2 < n &&
		    (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
		    (lo = hexval((unsigned char)s[i + 2])) >= 0) {
			*o++ = (char)(hi << 4 | lo);
			i += 2;
		} else
			*o++ = s[i];
	}
	*o = '\0';
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

/* strtol over the whole string with a range check. */
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

/* The usual spellings of a boolean. */
int
parse_bool(const char *s, int *out)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < NELEM(yes); i++) {
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

/* ASCII case-insensitive equality. */
int
str_ieq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

/* Does s end with suffix, ignoring ASCII case? */
int
str_isuffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* Latin-1 to UTF-8 (ID3v1 fields are Latin-1 by convention). */
char *
latin1_to_utf8(const char *s, size_t n)
{
	char *out = xmalloc(n * 2 + 1), *o = out;
	size_t i;

	for (i = 0; i < n && s[i] != '\0'; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80)
			*o++ = (char)c;
		else {
			*o++ = (char)(0xC0 | c >> 6);
			*o++ = (char)(0x80 | (c & 0x3F));
		}
	}
	*o = '\0';
	return out;
}

/* Nanoseconds on the monotonic clock: never jumps with wall-clock changes. */
uint64_t
time_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS_PER_SEC + (uint64_t)ts.tv_nsec;
}
