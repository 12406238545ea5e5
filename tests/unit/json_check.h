/*
 * json_check.h: a strict JSON checker for the unit tests that render
 * documents (test_doc, test_stats). It accepts exactly RFC 8259's grammar in
 * valid UTF-8 (no raw control character in a string, no overlong forms or
 * surrogates, no leading zeros or '+' in numbers) and, stricter than the
 * RFC but as a forged value would need, refuses an object that names a
 * member twice. Written apart from util.c on purpose: it must not share a
 * bug with the writers it checks.
 */
#ifndef FLOE_JSON_CHECK_H
#define FLOE_JSON_CHECK_H

#include <stddef.h>
#include <string.h>

/* Why 64: the documents under test nest four deep at most. */
#define JC_MAX_DEPTH 64
/* Why 512: more members than any stats object has. */
#define JC_MAX_KEYS 512

struct jc {
	const unsigned char *p, *end;
	const char *err;		/* what was wrong, or NULL */
	int	 depth;
};

static int jc_value(struct jc *j);

/* Record the first error; always 0 so callers can return it. */
static int
jc_fail(struct jc *j, const char *why)
{
	if (j->err == NULL)
		j->err = why;
	return 0;
}

/* Skip JSON white space. */
static void
jc_ws(struct jc *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

/* Length of the valid UTF-8 character at p (2-4 bytes, p[0] >= 0x80), or 0. */
static size_t
jc_utf8(const unsigned char *p, const unsigned char *end)
{
	size_t len, i;
	unsigned long cp, min;

	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		len = 2; cp = p[0] & 0x1F; min = 0x80;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		len = 3; cp = p[0] & 0x0F; min = 0x800;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		len = 4; cp = p[0] & 0x07; min = 0x10000;
	} else
		return 0;
	if ((size_t)(end - p) < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

/* A string; *start and *len give its raw text between the quotes. */
static int
jc_string(struct jc *j, const unsigned char **start, size_t *len)
{
	size_t n, i;

	if (j->p >= j->end || *j->p != '"')
		return jc_fail(j, "a string must start with '\"'");
	*start = ++j->p;
	while (j->p < j->end && *j->p != '"') {
		if (*j->p < 0x20)
			return jc_fail(j, "raw control character in a string");
		if (*j->p == '\\') {
			if (++j->p >= j->end)
				return jc_fail(j, "string ends in an escape");
			if (*j->p == 'u') {
				for (i = 1; i <= 4; i++)
					if (j->p + i >= j->end ||
					    strchr("0123456789abcdefABCDEF", j->p[i]) == NULL ||
					    j->p[i] == '\0')
						return jc_fail(j, "bad \\u escape");
				j->p += 5;
			} else if (strchr("\"\\/bfnrt", *j->p) != NULL && *j->p != '\0')
				j->p++;
			else
				return jc_fail(j, "unknown escape");
		} else if (*j->p >= 0x80) {
			if ((n = jc_utf8(j->p, j->end)) == 0)
				return jc_fail(j, "invalid UTF-8 in a string");
			j->p += n;
		} else
			j->p++;
	}
	if (j->p >= j->end)
		return jc_fail(j, "unterminated string");
	*len = (size_t)(j->p - *start);
	j->p++;
	return 1;
}

/* A number by RFC 8259's grammar. */
static int
jc_number(struct jc *j)
{
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p < j->end && *j->p == '0')
		j->p++;
	else if (j->p < j->end && *j->p >= '1' && *j->p <= '9')
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	else
		return jc_fail(j, "not a value");
	if (j->p < j->end && *j->p == '.') {
		if (++j->p >= j->end || *j->p < '0' || *j->p > '9')
			return jc_fail(j, "no digit after '.'");
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return jc_fail(j, "no digit in the exponent");
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	return 1;
}

/* An object; member names are compared as written (the writers under test
 * never escape a plain name two ways). */
static int
jc_object(struct jc *j)
{
	const unsigned char *keys[JC_MAX_KEYS];
	size_t klen[JC_MAX_KEYS], nkeys = 0, i;

	j->p++;
	jc_ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return 1;
	}
	for (;;) {
		jc_ws(j);
		if (nkeys == JC_MAX_KEYS)
			return jc_fail(j, "too many members for the checker");
		if (!jc_string(j, &keys[nkeys], &klen[nkeys]))
			return 0;
		for (i = 0; i < nkeys; i++)
			if (klen[i] == klen[nkeys] && memcmp(keys[i], keys[nkeys], klen[i]) == 0)
				return jc_fail(j, "a member name repeats in one object");
		nkeys++;
		jc_ws(j);
		if (j->p >= j->end || *j->p++ != ':')
			return jc_fail(j, "':' expected");
		if (!jc_value(j))
			return 0;
		jc_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			return 1;
		}
		return jc_fail(j, "',' or '}' expected");
	}
}

/* An array. */
static int
jc_array(struct jc *j)
{
	j->p++;
	jc_ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return 1;
	}
	for (;;) {
		if (!jc_value(j))
			return 0;
		jc_ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return 1;
		}
		return jc_fail(j, "',' or ']' expected");
	}
}

/* Any value. */
static int
jc_value(struct jc *j)
{
	const unsigned char *s;
	size_t n;
	int ok;

	jc_ws(j);
	if (j->p >= j->end)
		return jc_fail(j, "value expected");
	if (++j->depth > JC_MAX_DEPTH)
		return jc_fail(j, "nested too deep");
	switch (*j->p) {
	case '{': ok = jc_object(j); break;
	case '[': ok = jc_array(j); break;
	case '"': ok = jc_string(j, &s, &n); break;
	case 't':
	case 'f':
	case 'n':
		n = *j->p == 'f' ? 5 : 4;
		ok = (size_t)(j->end - j->p) >= n &&
		    (memcmp(j->p, "true", n) == 0 || memcmp(j->p, "false", n) == 0 ||
		    memcmp(j->p, "null", n) == 0);
		if (ok)
			j->p += n;
		else
			jc_fail(j, "not a value");
		break;
	default: ok = jc_number(j); break;
	}
	j->depth--;
	return ok;
}

/* Is [s, s+n) one JSON value, strictly? NULL if so, else what is wrong. */
static const char *
json_check(const char *s, size_t n)
{
	struct jc j = { (const unsigned char *)s, (const unsigned char *)s + n, NULL, 0 };

	if (jc_value(&j)) {
		jc_ws(&j);
		if (j.p != j.end)
			jc_fail(&j, "text after the value");
	}
	return j.err;
}

#endif
