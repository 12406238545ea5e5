/*
 * encode.c: the encoder interface: picks the implementation for a format
 * and forwards to it.
 */
#include "encode.h"
#include "../server/util.h"

#include <stdlib.h>

struct encoder {
	const struct encode_ops	*ops;
	void			*st;
};

/* Open the encoder for o->format. */
struct encoder *
encode_open(const struct encode_opts *o, char *err, size_t errlen)
{
	const struct encode_ops *ops = o->format == ENCODE_AAC ? &encode_aac_ops : &encode_mp3_ops;
	struct encoder *e;
	void *st;

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

/* Parse a format name. */
int
encode_format_parse(const char *s)
{
	if (str_ieq(s, "mp3"))
		return ENCODE_MP3;
	if (str_ieq(s, "aac"))
		return ENCODE_AAC;
	return -1;
}
