/*
 * format.c: the handler table, the generic handler, and shared helpers.
 * Codec-specific scanning lives in format_mpeg.c (MP3, ADTS) and
 * format_ogg.c.
 */
#include "format.h"
#include "block.h"
#include "util.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* Generic streams have no known framing: every read is a start point. */
static size_t
generic_take(struct format_state *st, const uint8_t *p, size_t n, uint32_t *flags)
{
	*flags = BLOCK_SYNC;
	return n;
}

const struct format_ops format_generic = {
	.name = "generic",
	.icy = 1,
	.max_unit = 1,
	.take = generic_take,
};

/* Content-Type to handler, as icecast maps them. */
const struct format_ops *
format_for_type(const char *ct)
{
	static const struct {
		const char *type;
		const struct format_ops *ops;
	} map[] = {
		{ "audio/mpeg", &format_mp3 },
		{ "audio/mp3", &format_mp3 },
		{ "audio/x-mpeg", &format_mp3 },
		{ "audio/mpeg3", &format_mp3 },
		{ "audio/aac", &format_aac },
		{ "audio/aacp", &format_aac },
		{ "audio/x-aac", &format_aac },
		{ "audio/x-hx-aac-adts", &format_aac },
		{ "application/ogg", &format_ogg },
		{ "application/x-ogg", &format_ogg },
		{ "audio/ogg", &format_ogg },
		{ "audio/opus", &format_ogg },
		{ "audio/x-opus+ogg", &format_ogg },
		{ "audio/vorbis", &format_ogg },
		{ "audio/x-vorbis+ogg", &format_ogg },
		{ "audio/flac", &format_ogg },
		{ "video/ogg", &format_ogg },
		{ "audio/webm", &format_webm },
		{ "video/webm", &format_webm },
		{ "audio/x-matroska", &format_webm },
		{ "video/x-matroska", &format_webm },
	};
	size_t i, len;

	if (ct == NULL)
		return &format_mp3;
	/* Compare the media type only: "audio/mpeg; charset=x" is audio/mpeg. */
	len = strcspn(ct, "; \t");
	for (i = 0; i < FLOE_NELEM(map); i++)
		if (strlen(map[i].type) == len && strncasecmp(ct, map[i].type, len) == 0)
			return map[i].ops;
	return &format_generic;
}

/* Fresh parse state for a new source. */
void
format_state_init(struct format_state *st, const struct format_ops *ops)
{
	memset(st, 0, sizeof *st);
	st->ops = ops;
}

/* See format.h: the handler's next unit, or the pass-through rule. */
size_t
format_cut(struct format_state *st, const uint8_t *p, size_t n, uint32_t *flags)
{
	size_t len;

	*flags = 0;
	if (n == 0)
		return 0;
	if ((len = st->ops->take(st, p, n, flags)) > 0) {
		assert(len <= n);
		return len;
	}
	*flags = 0;
	if (n < st->ops->max_unit)
		return 0;	/* an incomplete frame or page: wait for the rest */
	return n;		/* no framing found within max_unit: pass it through */
}
