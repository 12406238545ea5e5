/*
 * fuzz_chunked.c: the chunked body decoder (http_parse.c) a source's body
 * goes through, fed in pieces whose sizes come from the input. Output never
 * exceeds input, and the decoded bytes and the verdict do not depend on
 * where the body was split.
 */
#include "../../server/util.c"
#include "../../server/http_parse.c"

#include "fuzz.h"

#include <string.h>

/* Decode data in pieces (or whole) into out; the verdict. */
static enum parse_result
decode(const uint8_t *data, size_t size, int whole, char *out, size_t *outlen)
{
	struct http_chunked c;
	char *buf = malloc(size + 1);
	size_t off = 0, len, got;
	enum parse_result res = PARSE_AGAIN;

	http_chunked_init(&c);
	*outlen = 0;
	while (off < size && res == PARSE_AGAIN) {
		len = whole ? size : fuzz_piece(data + off, size - off);
		memcpy(buf, data + off, len);
		got = len + 1;
		res = http_chunked_decode(&c, buf, len, &got);
		FUZZ_CHECK(got <= len);
		FUZZ_CHECK(res != PARSE_ERROR || c.error != NULL);
		memcpy(out + *outlen, buf, got);
		*outlen += got;
		off += len;
	}
	free(buf);
	return res;
}

/* One input: a body decoded split and whole, with the same outcome. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *a = malloc(size + 1), *b = malloc(size + 1);
	size_t la, lb;
	enum parse_result ra, rb;

	ra = decode(data, size, 0, a, &la);
	rb = decode(data, size, 1, b, &lb);
	FUZZ_CHECK(ra == rb);
	FUZZ_CHECK(la == lb && memcmp(a, b, la) == 0);
	free(a);
	free(b);
	return 0;
}
