/*
 * util.c: allocation, string building, encodings, number parsing and clock
 * helpers, shared by floe and floe-source.
 */
#include "util.h"

#include <arpa/inet.h>
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

/* U+FFFD REPLACEMENT CHARACTER: what the writers put in place of a byte that
 * is not UTF-8, or of a character XML cannot carry even as a reference. */
#define UTF8_REPLACEMENT "\xEF\xBF\xBD"

/* Is this code point a control character (C0, DEL or C1)? */
static int
is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/*
 * The next character of [s, s+n) for a writer: its length and code point;
 * a byte that does not start a valid sequence comes back alone as U+FFFD.
 * A writer therefore emits valid UTF-8 whatever it was given.
 */
static size_t
next_char(const char *s, size_t n, uint32_t *cp)
{
	size_t len = utf8_decode(s, n, cp);

	if (len == 0) {
		*cp = 0xFFFD;
		return 1;
	}
	return len;
}

/*
 * Append text escaped for XML 1.0, text and attribute values alike, as
 * valid UTF-8 whatever s holds: markup and quotes become entities, control
 * characters XML allows (tab, LF, CR, DEL, C1) become character references
 * (so no parser normalizes them away), and what XML cannot carry at all
 * (other C0 bytes, U+FFFE, U+FFFF) and bytes that are not UTF-8 become
 * U+FFFD. Runs of plain text are copied whole.
 */
void
sbuf_add_xml(struct sbuf *sb, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0, i = 0, run = 0, len;
	uint32_t cp;

	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '<' && c != '>' && c != '&' &&
		    c != '"' && c != '\'') {
			i++;
			continue;
		}
		sbuf_add(sb, s + run, i - run);
		len = next_char(s + i, n - i, &cp);
		if (cp == '<')
			sbuf_adds(sb, "&lt;");
		else if (cp == '>')
			sbuf_adds(sb, "&gt;");
		else if (cp == '&')
			sbuf_adds(sb, "&amp;");
		else if (cp == '"')
			sbuf_adds(sb, "&quot;");
		else if (cp == '\'')
			sbuf_adds(sb, "&apos;");
		else if (cp == '\t' || cp == '\n' || cp == '\r' || (cp >= 0x7f && cp <= 0x9f))
			sbuf_addf(sb, "&#x%X;", (unsigned)cp);
		else if (cp < 0x20 || cp == 0xFFFE || cp == 0xFFFF || cp == 0xFFFD)
			sbuf_adds(sb, UTF8_REPLACEMENT);
		else
			sbuf_add(sb, s + i, len);
		i += len;
		run = i;
	}
	sbuf_add(sb, s + run, i - run);
}

/*
 * Append a JSON string literal, quotes included, as valid UTF-8 whatever s
 * holds: every control character (C0, DEL, C1) is escaped, and so are '<'
 * and '>' and U+2028/U+2029 so the text is safe to embed in a page or a
 * script; a byte that is not UTF-8 becomes \ufffd.
 */
void
sbuf_add_json(struct sbuf *sb, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0, i = 0, run = 0, len;
	uint32_t cp;

	sbuf_add(sb, "\"", 1);
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>') {
			i++;
			continue;
		}
		sbuf_add(sb, s + run, i - run);
		len = next_char(s + i, n - i, &cp);
		if (cp == '"')
			sbuf_adds(sb, "\\\"");
		else if (cp == '\\')
			sbuf_adds(sb, "\\\\");
		else if (cp == '\n')
			sbuf_adds(sb, "\\n");
		else if (cp == '\r')
			sbuf_adds(sb, "\\r");
		else if (cp == '\t')
			sbuf_adds(sb, "\\t");
		else if (cp == '<' || cp == '>' || is_control(cp) || cp == 0x2028 ||
		    cp == 0x2029 || cp == 0xFFFD)
			sbuf_addf(sb, "\\u%04x", (unsigned)cp);
		else
			sbuf_add(sb, s + i, len);
		i += len;
		run = i;
	}
	sbuf_add(sb, s + run, i - run);
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

int
str_same(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
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

/*
 * The UTF-8 sequence at s, within n bytes: its length (1 to 4) with the code
 * point in *cp, or 0 if it is not valid: a stray continuation byte, a
 * sequence cut short, an overlong form, a surrogate (U+D800-U+DFFF) or a
 * code point above U+10FFFF.
 */
size_t
utf8_decode(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len, i;
	uint32_t v, min;

	if (n == 0)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if ((p[0] & 0xE0) == 0xC0) {
		len = 2; v = p[0] & 0x1F; min = 0x80;
	} else if ((p[0] & 0xF0) == 0xE0) {
		len = 3; v = p[0] & 0x0F; min = 0x800;
	} else if ((p[0] & 0xF8) == 0xF0) {
		len = 4; v = p[0] & 0x07; min = 0x10000;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return len;
}

/* Is [s, s+n) valid UTF-8 throughout? */
int
utf8_is_valid(const char *s, size_t n)
{
	size_t i = 0, len;
	uint32_t cp;

	while (i < n) {
		if ((len = utf8_decode(s + i, n - i, &cp)) == 0)
			return 0;
		i += len;
	}
	return 1;
}

/* A copy of s that is UTF-8: s itself if it is, else s read as Latin-1
 * (each byte is the code point of the same value). */
char *
str_to_utf8(const char *s)
{
	size_t n = strlen(s), i, o = 0;
	unsigned char c;
	char *out;

	if (utf8_is_valid(s, n))
		return xstrndup(s, n);
	out = xmalloc(n * 2 + 1);	/* at most two bytes per Latin-1 byte */
	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c < 0x80) {
			out[o++] = (char)c;
		} else {
			out[o++] = (char)(0xC0 | c >> 6);
			out[o++] = (char)(0x80 | (c & 0x3F));
		}
	}
	out[o] = '\0';
	return out;
}

/*
 * Clean a string from the network: UTF-8 as str_to_utf8 makes it (a value
 * that is not UTF-8 is Latin-1, as icy_to_utf8 reads titles), every control
 * character (C0, DEL, C1) replaced by '?', cut to at most max bytes without
 * splitting a character.
 */
char *
str_sanitize(const char *s, size_t max)
{
	char *u = str_to_utf8(s);
	size_t n = strlen(u), i = 0, len;
	struct sbuf sb;
	uint32_t cp;

	sbuf_init(&sb);
	while (i < n) {
		len = utf8_decode(u + i, n - i, &cp);	/* never 0: u is UTF-8 */
		if (is_control(cp))
			sbuf_add(&sb, "?", 1);
		else
			sbuf_add(&sb, u + i, len);
		i += len;
	}
	free(u);
	sb.len = utf8_cut(sb.data, sb.len, max);
	sb.data[sb.len] = '\0';
	return sbuf_steal(&sb, NULL);
}

/* Nanoseconds on the monotonic clock: never jumps with wall-clock changes. */
uint64_t
time_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * FLOE_NS_PER_SEC + (uint64_t)ts.tv_nsec;
}

/* Milliseconds since the epoch. */
int64_t
time_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
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

/* An address as 16 bytes, IPv4 as ::ffff:a.b.c.d, so one match serves both. */
static int
addr16(const char *s, unsigned char out[16], int *v4)
{
	struct in_addr a4;

	if (inet_pton(AF_INET, s, &a4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, &a4, 4);
		*v4 = 1;
		return 0;
	}
	*v4 = 0;
	return inet_pton(AF_INET6, s, out) == 1 ? 0 : -1;
}

int
cidr_parse(const char *s, struct cidr *out)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	long bits;
	int v4;

	if (strlen(s) >= sizeof buf)
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	if (slash != NULL)
		buf[slash - s] = '\0';
	if (addr16(buf, out->addr, &v4) < 0)
		return -1;
	if (slash == NULL)
		bits = v4 ? 32 : 128;
	else if (parse_long(slash + 1, 0, v4 ? 32 : 128, &bits) < 0)
		return -1;
	out->bits = (int)bits + (v4 ? 96 : 0);
	return 0;
}

int
cidr_match(const struct cidr *net, const char *ip)
{
	unsigned char a[16];
	int v4, full = net->bits / 8, rest = net->bits % 8;

	if (addr16(ip, a, &v4) < 0)
		return 0;
	if (memcmp(a, net->addr, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	return ((a[full] ^ net->addr[full]) & (0xff << (8 - rest)) & 0xff) == 0;
}

/* application/x-www-form-urlencoded: unreserved bytes as they are, the rest %XX. */
char *
url_encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	struct sbuf sb;
	char e[3];

	sbuf_init(&sb);
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
			sbuf_add(&sb, s, 1);
			continue;
		}
		e[0] = '%';
		e[1] = hex[ch >> 4];
		e[2] = hex[ch & 15];
		sbuf_add(&sb, e, 3);
	}
	sbuf_add(&sb, "", 1);
	return sb.data;
}

/* Append "key=value" (after a '&' unless sb is empty), the value
 * form-encoded: one field of an application/x-www-form-urlencoded body. */
void
sbuf_add_form(struct sbuf *sb, const char *key, const char *value)
{
	char *e = url_encode(value != NULL ? value : "");

	sbuf_addf(sb, "%s%s=%s", sb->len > 0 ? "&" : "", key, e);
	free(e);
}

/* The URL without user:password@ and without its query (tokens live there):
 * what logs, titles and status may show of a URL a user wrote. */
char *
url_without_credentials(const char *url)
{
	const char *auth = strstr(url, "://"), *end, *at;
	char *s;

	if (auth == NULL)
		return xstrdup(url);
	auth += 3;
	end = auth + strcspn(auth, "/?#");
	at = memrchr(auth, '@', (size_t)(end - auth));
	s = xasprintf("%.*s%.*s", (int)(auth - url), url,
	    (int)strcspn(at != NULL ? at + 1 : auth, "?#"), at != NULL ? at + 1 : auth);
	return s;
}

/* Is s a URL with a scheme (letters, then "://")? */
int
url_has_scheme(const char *s)
{
	const char *p = s;

	while (isalpha((unsigned char)*p))
		p++;
	return p > s && strncmp(p, "://", 3) == 0;
}
