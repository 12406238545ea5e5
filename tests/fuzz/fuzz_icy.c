/*
 * fuzz_icy.c: stripping interleaved ICY metadata from a source (icy.c's
 * deframer), and what the server does with a title found there: convert it
 * to UTF-8 and render it for listeners. The first input byte sets the
 * metadata interval; the rest is fed in pieces. The audio that comes out
 * does not depend on the split, and every title becomes valid UTF-8.
 */
#include "../../server/util.c"
#include "../../server/icy.c"

#include "fuzz.h"

#include <string.h>

/* A title from the source, through what source.c and mount.c do with it. */
static void
check_title(char *title, int latin1)
{
	char *u = icy_to_utf8(title, latin1 ? "ISO-8859-1" : NULL);
	struct icy_meta *m;
	size_t i;

	FUZZ_CHECK(u != NULL && utf8_is_valid(u, strlen(u)));
	m = icy_meta_new(u, NULL);
	FUZZ_CHECK(m->len == 1 + 16 * (size_t)m->data[0] && m->len <= 1 + ICY_MAX_META);
	FUZZ_CHECK(utf8_is_valid(m->title, strlen(m->title)));
	for (i = 0; m->title[i] != '\0'; i++)
		FUZZ_CHECK((unsigned char)m->title[i] >= 0x20 && m->title[i] != 0x7f);
	FUZZ_CHECK(strstr(m->title, "';") == NULL);
	FUZZ_CHECK(m->title[0] != ';');
	icy_meta_unref(m);
	free(u);
	free(title);
}

/* Deframe data in pieces (or whole) into out. */
static void
deframe(size_t metaint, const uint8_t *data, size_t size, int whole, uint8_t *out,
    size_t *outlen)
{
	struct icy_deframer *d = malloc(sizeof *d);
	uint8_t *buf = malloc(size + 1);
	size_t off = 0, len, got;
	char *title;

	icy_deframer_init(d, metaint);
	*outlen = 0;
	while (off < size) {
		len = whole ? size : fuzz_piece(data + off, size - off);
		memcpy(buf, data + off, len);
		icy_deframe(d, buf, len, &got, &title);
		FUZZ_CHECK(got <= len);
		memcpy(out + *outlen, buf, got);
		*outlen += got;
		if (title != NULL)
			check_title(title, whole);
		off += len;
	}
	free(buf);
	free(d);
}

/* One input: an interval and a source's stream, deframed split and whole. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *a, *b;
	size_t la, lb, metaint;

	if (size < 1)
		return 0;
	metaint = (size_t)data[0] + 1;
	a = malloc(size);
	b = malloc(size);
	deframe(metaint, data + 1, size - 1, 0, a, &la);
	deframe(metaint, data + 1, size - 1, 1, b, &lb);
	FUZZ_CHECK(la == lb && memcmp(a, b, la) == 0);
	free(a);
	free(b);
	return 0;
}
