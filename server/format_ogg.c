/*
 * format_ogg.c: Ogg page sync (Vorbis, Opus, FLAC, Speex in Ogg).
 *
 * Blocks are cut at page boundaries. A chain begins with BOS pages and its
 * codec header pages (granule position 0, or -1 while a long header such as
 * a comment with cover art spans pages); the first page with a positive
 * granule position is audio. The source keeps the header pages of the
 * current chain (struct ogg_headers) and sends them to each listener who
 * joins mid-stream; a new chain (a new BOS after audio) replaces them.
 * ICY metadata is never interleaved into Ogg: titles travel in the stream.
 */
#include "format.h"
#include "block.h"
#include "util.h"

#include <string.h>
#include <strings.h>

#define OGG_HDR 27

/* Total length of the Ogg page at p, 0 if incomplete, -1 if not a page. */
long
ogg_page_len(const uint8_t *p, size_t n)
{
	size_t i, nseg, body = 0;

	if (n < 4)
		return memcmp(p, "OggS", n) == 0 ? 0 : -1;
	if (memcmp(p, "OggS", 4) != 0)
		return -1;
	if (n < OGG_HDR)
		return 0;
	if (p[4] != 0)
		return -1;	/* stream structure version must be 0 */
	nseg = p[26];
	if (n < OGG_HDR + nseg)
		return 0;
	for (i = 0; i < nseg; i++)
		body += p[OGG_HDR + i];
	if (n < OGG_HDR + nseg + body)
		return 0;
	return (long)(OGG_HDR + nseg + body);
}

/* Granule position of a page (little-endian 64-bit at offset 6). */
static int64_t
ogg_granule(const uint8_t *p)
{
	uint64_t g = 0;
	int i;

	for (i = 7; i >= 0; i--)
		g = (g << 8) | p[6 + i];
	return (int64_t)g;
}

/* Is the page at p a header page of its chain? */
static int
ogg_is_header(struct format_state *st, const uint8_t *p)
{
	int bos = (p[5] & 0x02) != 0;
	int64_t g = ogg_granule(p);

	if (bos) {
		/* A BOS after audio begins a new chain. */
		st->ogg_headers = 1;
		st->ogg_seen_audio = 0;
		return 1;
	}
	if (st->ogg_headers && (g == 0 || g == -1))
		return 1;
	st->ogg_headers = 0;
	st->ogg_seen_audio = 1;
	return 0;
}

/* See format_ops.take: a run of header pages, a run of audio pages, or garbage. */
static size_t
ogg_take(struct format_state *st, const uint8_t *p, size_t n, uint32_t *flags)
{
	size_t off = 0, prev = 0;
	long len;
	int header, first_header = -1;

	*flags = 0;
	if ((len = ogg_page_len(p, n)) == 0)
		return 0;
	if (len < 0) {
		/* Garbage: pass it through up to the next capture pattern. */
		for (off = 1; off < n; off++)
			if (p[off] == 'O' && ogg_page_len(p + off, n - off) >= 0)
				break;
		return off;
	}
	/*
	 * Group consecutive pages of one kind. A BOS after a non-BOS page
	 * starts a new chain and opens its own block, even straight after a
	 * chain's header pages; only consecutive BOS pages (multiplexed
	 * streams) stay together. Checking the previous page, not the group's
	 * first, keeps the cut the same however the reads were split.
	 */
	while (off < n && (len = ogg_page_len(p + off, n - off)) > 0) {
		if (off > 0 && (p[off + 5] & 0x02) && !(p[prev + 5] & 0x02))
			break;		/* a BOS (new chain) opens its own block */
		header = ogg_is_header(st, p + off);
		if (first_header < 0) {
			first_header = header;
			if (p[off + 5] & 0x02)
				*flags |= BLOCK_CHAIN;
		} else if (header != first_header)
			break;	/* the first audio page: it starts the next block */
		prev = off;
		off += (size_t)len;
		st->frames++;
	}
	*flags |= BLOCK_SYNC | (first_header ? BLOCK_HEADER : 0);
	return off;
}

const struct format_ops format_ogg = {
	.name = "ogg",
	.icy = 0,
	/* An Ogg page is at most 27 + 255 + 255 * 255 bytes. */
	.max_unit = 27 + 255 + 255 * 255,
	.take = ogg_take,
};

/* A little-endian 32-bit length at p. */
static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The payloads of the pages of p[0..n), joined (header packets sit back
 * to back in them). */
static void
ogg_payloads(const uint8_t *p, size_t n, struct sbuf *pl)
{
	size_t off = 0, i, nseg, body;
	long page;

	sbuf_init(pl);
	while (off < n && (page = ogg_page_len(p + off, n - off)) > 0) {
		nseg = p[off + 26];
		for (i = 0, body = 0; i < nseg; i++)
			body += p[off + 27 + i];
		sbuf_add(pl, p + off + 27 + nseg, body);
		off += (size_t)page;
	}
}

/* What the first header packet of a chain says, as icecast2 shows it:
 * Vorbis's channels, rate and nominal bitrate; Opus and FLAC by name. */
void
ogg_stream_info(const uint8_t *p, size_t n, struct ogg_info *info)
{
	struct sbuf pl;
	const uint8_t *d;

	memset(info, 0, sizeof *info);
	ogg_payloads(p, n, &pl);
	d = (const uint8_t *)pl.data;
	if (pl.len >= 7 + 4 + 1 + 4 + 4 + 4 && memcmp(d, "\x01vorbis", 7) == 0) {
		info->subtype = "Vorbis";
		info->channels = d[11];
		info->samplerate = le32(d + 12);
		info->bitrate = (int32_t)le32(d + 20);
	} else if (pl.len >= 8 && memcmp(d, "OpusHead", 8) == 0)
		info->subtype = "Opus";
	else if (pl.len >= 5 && memcmp(d, "\x7f" "FLAC", 5) == 0)
		info->subtype = "FLAC";
	else if (pl.len >= 7 && memcmp(d, "\x80theora", 7) == 0)
		info->subtype = "Theora";
	sbuf_free(&pl);
}

/* The value of KEY= in a comment (case-insensitive key), copied, or NULL. */
static char *
ogg_comment_value(const uint8_t *c, size_t n, const char *key)
{
	size_t k = strlen(key);

	if (n <= k || strncasecmp((const char *)c, key, k) != 0 || c[k] != '=')
		return NULL;
	return xstrndup((const char *)c + k + 1, n - k - 1);
}

/* FLAC in Ogg: the first packet is "\x7fFLAC", the mapping version, the
 * header count, "fLaC" and the STREAMINFO block; each further header
 * packet is one metadata block (type byte, 24-bit big-endian length). The
 * body of the VORBIS_COMMENT block (type 4), or NULL. */
#define FLAC_OGG_FIRST_PACKET 51
static const uint8_t *
flac_comment_block(const uint8_t *d, const uint8_t *end)
{
	const uint8_t *b = d + FLAC_OGG_FIRST_PACKET;

	while (end - b >= 4) {
		size_t len = (size_t)b[1] << 16 | (size_t)b[2] << 8 | b[3];

		if ((b[0] & 0x7F) == 4)
			return b + 4;
		if ((b[0] & 0x80) || (size_t)(end - b - 4) < len)
			break;		/* the last block, or one cut short */
		b += 4 + len;
	}
	return NULL;
}

/*
 * TITLE and ARTIST from a chain's header pages: the Vorbis comment packet
 * ("\x03vorbis"), Opus's ("OpusTags") or FLAC's VORBIS_COMMENT block, of
 * its first stream. The pages'
 * payloads are joined (header packets sit back to back) and every length
 * is checked against what is there: hostile bytes give NULLs, never a read
 * past the end. Caller frees.
 */
void
ogg_comments(const uint8_t *p, size_t n, char **title, char **artist)
{
	struct sbuf pl;
	const uint8_t *d, *end;
	size_t i, len;
	uint32_t vlen, count, clen;

	*title = *artist = NULL;
	ogg_payloads(p, n, &pl);
	if (pl.len == 0)
		goto out;
	d = (const uint8_t *)pl.data;
	end = d + pl.len;
	if (pl.len > FLAC_OGG_FIRST_PACKET && memcmp(d, "\x7f" "FLAC", 5) == 0)
		d = flac_comment_block(d, end);
	else {
		for (; d + 8 <= end; d++) {
			if (memcmp(d, "\x03vorbis", 7) == 0) {
				d += 7;
				break;
			}
			if (memcmp(d, "OpusTags", 8) == 0) {
				d += 8;
				break;
			}
		}
	}
	if (d == NULL || d + 8 > end)
		goto out;
	vlen = le32(d);
	if ((size_t)(end - d) < 8 + (size_t)vlen)
		goto out;
	d += 4 + vlen;
	count = le32(d);
	d += 4;
	for (i = 0; i < count && end - d >= 4; i++) {
		clen = le32(d);
		d += 4;
		if ((size_t)(end - d) < clen)
			break;
		len = clen;
		if (*title == NULL)
			*title = ogg_comment_value(d, len, "TITLE");
		if (*artist == NULL)
			*artist = ogg_comment_value(d, len, "ARTIST");
		d += len;
	}
out:
	sbuf_free(&pl);
}
