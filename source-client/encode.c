/*
 * encode.c: the encoder interface: picks the implementation for a format
 * and forwards to it; format names and what a mount's extension implies.
 */
#include "encode.h"
#include "../server/util.h"

#include <stdio.h>
#include <stdlib.h>

struct encoder {
	const struct encode_ops	*ops;
	void			*st;
};

/* Open the encoder for o->format. */
struct encoder *
encode_open(const struct encode_opts *o, char *err, size_t errlen)
{
	static const struct encode_ops *const ops_of[] = {
		[ENCODE_MP3] = &encode_mp3_ops, [ENCODE_AAC] = &encode_aac_ops,
		[ENCODE_VORBIS] = &encode_vorbis_ops, [ENCODE_OPUS] = &encode_opus_ops,
		[ENCODE_FLAC] = &encode_flac_ops,
	};
	const struct encode_ops *ops;
	struct encoder *e;
	void *st;

	if ((unsigned)o->format >= FLOE_NELEM(ops_of)) {
		snprintf(err, errlen, "unknown format %d", (int)o->format);
		return NULL;
	}
	ops = ops_of[o->format];
	if ((st = ops->open(o, err, errlen)) == NULL)
		return NULL;
	e = xcalloc(1, sizeof *e);
	e->ops = ops;
	e->st = st;
	return e;
}

/* Encode interleaved float frames. */
int
encode_pcm(struct encoder *e, const float *pcm, size_t frames, struct sbuf *out)
{
	return e->ops->encode(e->st, pcm, frames, out);
}

/* Drain the encoder. */
int
encode_flush(struct encoder *e, struct sbuf *out)
{
	return e->ops->flush(e->st, out);
}

/* A new track: Ogg encoders begin a new chain; the others have nothing to do. */
int
encode_track(struct encoder *e, const char *title, struct sbuf *out)
{
	return e->ops->track != NULL ? e->ops->track(e->st, title, out) : 0;
}

/* Titles in the stream (Ogg) rather than out of band? */
int
encode_titles_in_stream(const struct encoder *e)
{
	return e->ops->track != NULL;
}

/* MIME type of the encoded stream. */
const char *
encode_content_type(const struct encoder *e)
{
	return e->ops->content_type;
}

/* Short format name. */
const char *
encode_name(const struct encoder *e)
{
	return e->ops->name;
}

/* Free the encoder. */
void
encode_close(struct encoder *e)
{
	if (e == NULL)
		return;
	e->ops->close(e->st);
	free(e);
}

/* Format names, in enum order. */
static const char *const format_names[] = { "mp3", "aac", "vorbis", "opus", "flac" };

/* Parse a format name. */
int
encode_format_parse(const char *s)
{
	size_t i;

	for (i = 0; i < FLOE_NELEM(format_names); i++)
		if (str_ieq(s, format_names[i]))
			return (int)i;
	return -1;
}

/* A format's name. */
const char *
encode_format_name(int format)
{
	return (unsigned)format < FLOE_NELEM(format_names) ? format_names[format] : "?";
}

/* The format a name's extension implies. */
int
encode_format_for_name(const char *name)
{
	if (str_isuffix(name, ".aac") || str_isuffix(name, ".adts"))
		return ENCODE_AAC;
	if (str_isuffix(name, ".ogg") || str_isuffix(name, ".oga"))
		return ENCODE_VORBIS;
	if (str_isuffix(name, ".opus"))
		return ENCODE_OPUS;
	if (str_isuffix(name, ".flac"))
		return ENCODE_FLAC;
	return ENCODE_MP3;
}
