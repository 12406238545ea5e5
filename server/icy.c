/*
 * icy.c: rendering ICY metadata blocks, charset conversion of titles, and
 * stripping interleaved metadata from sources that send it.
 */
#include "icy.h"
#include "refcount.h"
#include "util.h"

#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>

const uint8_t icy_empty[1] = { 0 };

#define ICY_PREFIX "StreamTitle='"
#define ICY_SUFFIX "';"

/* Render a title (and optional URL) into a shared block. */
struct icy_meta *
icy_meta_new(const char *title, const char *url)
{
	struct icy_meta *m;
	struct sbuf sb;
	char *clean;
	size_t i, n, room, units;

	if (title == NULL)
		title = "";
	clean = xstrdup(title);
	n = strlen(clean);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)clean[i];
		if (c < 0x20 || c == 0x7f)
			clean[i] = ' ';
		/* "';" ends the value for every player's parser: break it up.
		 * A leading ';' counts too: it follows the prefix's own quote,
		 * and ffmpeg scans for "';" from that quote. */
		if (c == ';' && (i == 0 || clean[i - 1] == '\''))
			clean[i] = ',';
	}
	/* A title ending in "'" would read as "'';" ... harmless for players. */
	room = ICY_MAX_META - strlen(ICY_PREFIX) - strlen(ICY_SUFFIX);
	if (url != NULL && *url != '\0' && strchr(url, '\'') == NULL &&
	    strlen(url) < 512)
		room -= strlen("StreamUrl='") + strlen(url) + 2;
	else
		url = NULL;
	n = utf8_cut(clean, n, room);
	clean[n] = '\0';

	sbuf_init(&sb);
	sbuf_adds(&sb, ICY_PREFIX);
	sbuf_adds(&sb, clean);
	sbuf_adds(&sb, ICY_SUFFIX);
	if (url != NULL)
		sbuf_addf(&sb, "StreamUrl='%s';", url);
	units = (sb.len + 15) / 16;
	m = xcalloc(1, sizeof *m + 1 + units * 16);
	m->refs = 1;
	m->title = clean;
	m->len = 1 + units * 16;
	m->data[0] = (uint8_t)units;
	memcpy(m->data + 1, sb.data, sb.len);	/* the rest stays NUL padding */
	sbuf_free(&sb);
	return m;
}

/* A block rendered by another floe process (the hand-off): the same bytes,
 * so its listeners' ICY stream goes on unchanged. NULL if it is no block. */
struct icy_meta *
icy_meta_copy(const char *title, const uint8_t *data, size_t len)
{
	struct icy_meta *m;

	if (len == 0 || len != 1 + 16 * (size_t)data[0])
		return NULL;
	m = xcalloc(1, sizeof *m + len);
	m->refs = 1;
	m->title = xstrdup(title != NULL ? title : "");
	m->len = len;
	memcpy(m->data, data, len);
	return m;
}

/* Take a reference. */
void
icy_meta_ref(struct icy_meta *m)
{
	refcount_get(&m->refs);
}

/* Drop a reference. */
void
icy_meta_unref(struct icy_meta *m)
{
	if (m != NULL && refcount_put(&m->refs)) {
		free(m->title);
		free(m);
	}
}

/* Convert with iconv; NULL if the charset is unknown or the text invalid. */
static char *
convert(const char *s, const char *charset)
{
	iconv_t cd = iconv_open("UTF-8", charset);
	size_t inleft = strlen(s), outsize = inleft * 4 + 1, outleft = outsize;
	char *out, *in = (char *)s, *o;

	if (cd == (iconv_t)-1)
		return NULL;
	out = o = xmalloc(outsize);
	if (iconv(cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
		free(out);
		out = NULL;
	} else
		*o = '\0';
	iconv_close(cd);
	return out;
}

/* Titles to UTF-8, whatever the encoder claimed. */
char *
icy_to_utf8(const char *s, const char *charset)
{
	char *out;

	if (charset == NULL || *charset == '\0' || str_ieq(charset, "UTF-8") ||
	    str_ieq(charset, "UTF8")) {
		if (utf8_is_valid(s, strlen(s)))
			return xstrdup(s);
		charset = "ISO-8859-1";	/* not UTF-8 after all: old encoders send Latin-1 */
	}
	/* glibc's decoder for "UTF8 " or "utf-8//IGNORE" passes code points
	 * beyond U+10FFFF through: what iconv made is checked too. */
	if ((out = convert(s, charset)) != NULL && utf8_is_valid(out, strlen(out)))
		return out;
	free(out);
	if (utf8_is_valid(s, strlen(s)))
		return xstrdup(s);
	return convert(s, "ISO-8859-1");	/* cannot fail: every byte is a character */
}

/* Start stripping a source stream with the given interval. */
void
icy_deframer_init(struct icy_deframer *d, size_t metaint)
{
	memset(d, 0, sizeof *d);
	d->metaint = metaint;
	d->audio_left = metaint;
}

/* Find StreamTitle='...'; in metadata text. */
char *
icy_parse_title(const char *text, size_t len)
{
	const char *p, *end = text + len, *q;

	for (p = text; p + strlen(ICY_PREFIX) <= end; p++)
		if (memcmp(p, ICY_PREFIX, strlen(ICY_PREFIX)) == 0)
			break;
	if (p + strlen(ICY_PREFIX) > end)
		return NULL;
	p += strlen(ICY_PREFIX);
	for (q = p; q + 1 < end && q[0] != '\0'; q++)
		if (q[0] == '\'' && q[1] == ';')
			return xstrndup(p, (size_t)(q - p));
	/* Unterminated: take up to the padding. */
	for (q = p; q < end && *q != '\0'; q++)
		;
	if (q > p && q[-1] == '\'')
		q--;
	return xstrndup(p, (size_t)(q - p));
}

/* Strip metadata from a source's bytes, in place. */
void
icy_deframe(struct icy_deframer *d, uint8_t *buf, size_t n, size_t *outlen, char **title)
{
	size_t i = 0, o = 0, take;

	*title = NULL;
	while (i < n) {
		if (!d->in_meta) {
			take = FLOE_MIN(n - i, d->audio_left);
			memmove(buf + o, buf + i, take);
			o += take;
			i += take;
			d->audio_left -= take;
			if (d->audio_left == 0) {
				d->in_meta = 1;
				d->meta_left = (size_t)-1;	/* length byte next */
			}
			continue;
		}
		if (d->meta_left == (size_t)-1) {
			d->meta_len = 0;
			d->meta_left = (size_t)buf[i++] * 16;
		} else {
			take = FLOE_MIN(n - i, d->meta_left);
			memcpy(d->meta + d->meta_len, buf + i, take);
			d->meta_len += take;
			d->meta_left -= take;
			i += take;
		}
		if (d->meta_left == 0) {
			if (d->meta_len > 0) {
				char *t = icy_parse_title(d->meta, d->meta_len);
				if (t != NULL) {
					free(*title);
					*title = t;
				}
			}
			d->in_meta = 0;
			d->audio_left = d->metaint;
		}
	}
	*outlen = o;
}
