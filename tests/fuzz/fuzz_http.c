/*
 * fuzz_http.c: the request-head parser (http_parse.c), fed in pieces whose
 * sizes come from the input, as a network would split it. The result must
 * not depend on the split: the same bytes fed whole parse the same way.
 */
#include "../../server/util.c"
#include "../../server/http_parse.c"

#include "fuzz.h"

#include <string.h>

/* Parse data in pieces (or whole): the result, and how much was taken. */
static enum parse_result
parse(struct http_request *r, const uint8_t *data, size_t size, int whole, size_t *taken)
{
	size_t off = 0, used, len;
	enum parse_result res = PARSE_AGAIN;

	http_request_init(r);
	while (off < size && res == PARSE_AGAIN) {
		len = whole ? size : fuzz_piece(data + off, size - off);
		used = len + 1;
		res = http_request_feed(r, (const char *)data + off, len, &used);
		FUZZ_CHECK(used <= len);
		FUZZ_CHECK(res != PARSE_AGAIN || used == len);
		off += used;
	}
	*taken = off;
	return res;
}

/* Two optional strings are equal. */
static int
same(const char *a, const char *b)
{
	return a == NULL || b == NULL ? a == b : strcmp(a, b) == 0;
}

/* One input: a request head parsed split and whole, with the same outcome. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request *a = malloc(sizeof *a), *b = malloc(sizeof *b);
	enum parse_result ra, rb;
	size_t ta, tb, i;

	ra = parse(a, data, size, 0, &ta);
	rb = parse(b, data, size, 1, &tb);
	FUZZ_CHECK(ra == rb);
	FUZZ_CHECK(ra == PARSE_AGAIN || ta == tb);
	if (ra == PARSE_OK) {
		FUZZ_CHECK(same(a->method, b->method) && same(a->uri, b->uri) &&
		    same(a->path, b->path) && same(a->query, b->query));
		FUZZ_CHECK(a->version == b->version && a->nheaders == b->nheaders);
		for (i = 0; a->method[i] != '\0'; i++)
			FUZZ_CHECK(a->method[i] >= 'A' && a->method[i] <= 'Z');
		FUZZ_CHECK(a->path != NULL && strlen(a->path) <= strlen(a->uri));
		for (i = 0; i < a->nheaders; i++) {
			FUZZ_CHECK(same(a->headers[i].name, b->headers[i].name));
			FUZZ_CHECK(same(a->headers[i].value, b->headers[i].value));
			FUZZ_CHECK(a->headers[i].name[0] != '\0');
			FUZZ_CHECK(http_header_get(a, a->headers[i].name) != NULL);
		}
		free(http_query_get(a->query, "mount"));
	}
	http_request_free(a);
	http_request_free(b);
	free(a);
	free(b);
	return 0;
}
