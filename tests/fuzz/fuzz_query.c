/*
 * fuzz_query.c: admin query strings (/admin/ commands, the /api/v1/ calls,
 * /admin.cgi): splitting into key=value pairs and percent-decoding
 * (http_query_get in http_parse.c, url_decode in util.c), then what admin.c
 * does with the values: a listener id through parse_long, and a title with
 * the charset the request names through icy_to_utf8 and the ICY renderer.
 * The input is the raw query string, as the request parser leaves it.
 */
#include "../../server/util.c"
#include "../../server/http_parse.c"
#include "../../server/icy.c"

#include "fuzz.h"

#include <limits.h>
#include <string.h>

/* Every key admin.c and the API look up. */
static const char *const keys[] = {
	"mount", "mode", "song", "artist", "title", "charset", "id", "destination",
	"fallback", "username", "password", "pass", "format",
};

/* A decoded value is no longer than the raw string it came from. */
static char *
get(const char *q, const char *key)
{
	char *v = http_query_get(q, key);

	FUZZ_CHECK(v == NULL || strlen(v) <= strlen(q));
	return v;
}

/* A title as cmd_metadata takes it: to UTF-8 in the named charset, rendered. */
static void
check_title(const char *v, const char *charset)
{
	char *u = icy_to_utf8(v, charset);
	struct icy_meta *m;

	/* Latin-1 is the last resort and every byte is a character in it. */
	FUZZ_CHECK(u != NULL);
	FUZZ_CHECK(utf8_is_valid(u, strlen(u)));
	m = icy_meta_new(u, NULL);
	FUZZ_CHECK(m->len == 1 + 16 * (size_t)m->data[0]);
	icy_meta_unref(m);
	free(u);
}

/* url_decode on the raw bytes, both ways: terminated, never longer, and
 * without a '%' nothing changes but '+' (when it means a space). */
static void
check_decode(const char *s, size_t n)
{
	size_t len, i;
	char *d;

	for (int plus = 0; plus <= 1; plus++) {
		d = url_decode(s, n, plus, &len);
		FUZZ_CHECK(len <= n && d[len] == '\0');
		if (memchr(s, '%', n) == NULL) {
			FUZZ_CHECK(len == n);
			for (i = 0; i < n; i++)
				FUZZ_CHECK(d[i] == (plus && s[i] == '+' ? ' ' : s[i]));
		}
		free(d);
	}
}

/* One input: a query string, as every admin command reads it. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *q = fuzz_string(data, size), *v, *charset, *name;
	size_t i, nlen;
	long id;

	check_decode((const char *)data, size);
	for (i = 0; i < sizeof keys / sizeof keys[0]; i++)
		free(get(q, keys[i]));

	/* The first pair's own name finds a value (names are decoded too). */
	if (q[0] != '\0') {
		nlen = strcspn(q, "=&");
		name = url_decode(q, nlen, 1, &nlen);
		if (strlen(name) == nlen) {
			v = get(q, name);
			FUZZ_CHECK(v != NULL);
			free(v);
		}
		free(name);
	}

	if ((v = get(q, "id")) != NULL) {
		if (parse_long(v, 0, LONG_MAX, &id) == 0)
			FUZZ_CHECK(id >= 0);
		free(v);
	}
	charset = get(q, "charset");
	for (i = 0; i < 3; i++) {
		if ((v = get(q, keys[2 + i])) != NULL) {	/* song, artist, title */
			check_title(v, charset);
			check_title(v, NULL);		/* /admin.cgi: no charset */
			free(v);
		}
	}
	free(charset);
	free(q);
	return 0;
}
