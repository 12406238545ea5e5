/*
 * util.h: small helpers every floe-source module uses: allocation that never
 * returns NULL, a growable byte buffer, percent-encoding, base64, number
 * parsing with range checks, and the monotonic clock.
 */
#ifndef FSRC_UTIL_H
#define FSRC_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* glibc's sys/queue.h lacks the _SAFE iterators that BSD has. */
#include <sys/queue.h>
#ifndef TAILQ_FOREACH_SAFE
#define TAILQ_FOREACH_SAFE(var, head, field, tvar)			\
	for ((var) = TAILQ_FIRST((head));				\
	    (var) && ((tvar) = TAILQ_NEXT((var), field), 1);		\
	    (var) = (tvar))
#endif

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define NS_PER_SEC 1000000000ULL

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

/** A growable byte string, always NUL-terminated. */
struct sbuf {
	char	*data;
	size_t	 len;
	size_t	 cap;
};
void sbuf_init(struct sbuf *sb);
void sbuf_free(struct sbuf *sb);
void sbuf_reset(struct sbuf *sb);
void sbuf_add(struct sbuf *sb, const void *p, size_t n);
void sbuf_adds(struct sbuf *sb, const char *s);
void sbuf_addf(struct sbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Make room for n more bytes and return where they go (commit with sbuf_commit). */
void *sbuf_reserve(struct sbuf *sb, size_t n);
void sbuf_commit(struct sbuf *sb, size_t n);
/** Append s percent-encoded: every byte but A-Z a-z 0-9 - _ . ~ becomes %XX. */
void sbuf_add_pct(struct sbuf *sb, const char *s);

/** Percent-decode s into a new string; invalid escapes are kept literally. */
char *pct_decode(const char *s, size_t n);
/** Base64 (RFC 4648, padded) of [p, p+n), allocated and NUL-terminated. */
char *base64_encode(const void *p, size_t n);

/** Parse a whole decimal integer in [min, max]; 0 on success, -1 otherwise. */
int parse_long(const char *s, long min, long max, long *out);
/** Parse a whole decimal number in [min, max]; 0 on success, -1 otherwise. */
int parse_double(const char *s, double min, double max, double *out);
/** yes/no, true/false, on/off, 1/0; 0 on success, -1 otherwise. */
int parse_bool(const char *s, int *out);

/** Trim ASCII white space at both ends, in place; returns s. */
char *str_trim(char *s);
/** Case-insensitive ASCII equality and suffix test. */
int str_ieq(const char *a, const char *b);
int str_isuffix(const char *s, const char *suffix);
/** Copy Latin-1 bytes [s, s+n) to a new UTF-8 string, stopping at NUL. */
char *latin1_to_utf8(const char *s, size_t n);

/** CLOCK_MONOTONIC in nanoseconds. */
uint64_t time_mono_ns(void);

#endif
