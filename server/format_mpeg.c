/*
 * format_mpeg.c: MPEG audio (MP3, and layers I/II) and AAC ADTS frame sync.
 *
 * Blocks are cut at frame boundaries: the source hands over every complete
 * frame it has and keeps a trailing partial frame until the rest arrives
 * (at most one frame, ~26 ms at 44.1 kHz). Bytes that are not frames (an
 * ID3v2 tag, garbage) are passed through as blocks no listener starts on.
 * To resynchronise after garbage a candidate header must be followed by
 * another valid header, so a stray 0xFF in garbage does not fool us.
 */
#include "format.h"
#include "block.h"
#include "util.h"

#include <string.h>

/* kbps by [version is MPEG-1][layer index 1..3][bitrate index]. */
static const short mp3_kbps[2][4][16] = {
	{ /* MPEG-2 and 2.5 */
		{ 0 },
		{ 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0 },	/* L3 */
		{ 0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160, 0 },	/* L2 */
		{ 0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256, 0 }, /* L1 */
	},
	{ /* MPEG-1 */
		{ 0 },
		{ 0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 0 },
		{ 0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 0 },
		{ 0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448, 0 },
	},
};
static const int mp3_rates[4][3] = {
	{ 11025, 12000, 8000 },		/* MPEG-2.5 */
	{ 0, 0, 0 },			/* reserved */
	{ 22050, 24000, 16000 },	/* MPEG-2 */
	{ 44100, 48000, 32000 },	/* MPEG-1 */
};

/* Length of the MPEG audio frame whose header is at p, or 0. */
size_t
mp3_frame_len(const uint8_t *p, int *samplerate, int *channels, int *kbps)
{
	int ver, layer, bri, sri, pad, rate, br, mpeg1;

	if (p[0] != 0xFF || (p[1] & 0xE0) != 0xE0)
		return 0;
	ver = (p[1] >> 3) & 3;		/* 0 = 2.5, 1 = reserved, 2 = 2, 3 = 1 */
	layer = (p[1] >> 1) & 3;	/* 1 = III, 2 = II, 3 = I */
	bri = (p[2] >> 4) & 15;
	sri = (p[2] >> 2) & 3;
	pad = (p[2] >> 1) & 1;
	if (ver == 1 || layer == 0 || bri == 0 || bri == 15 || sri == 3)
		return 0;
	mpeg1 = ver == 3;
	br = mp3_kbps[mpeg1][layer][bri] * 1000;
	rate = mp3_rates[ver][sri];
	if (samplerate != NULL)
		*samplerate = rate;
	if (channels != NULL)
		*channels = ((p[3] >> 6) & 3) == 3 ? 1 : 2;
	if (kbps != NULL)
		*kbps = br / 1000;
	if (layer == 3)			/* Layer I: 4-byte slots */
		return (size_t)((12 * br / rate + pad) * 4);
	if (layer == 1 && !mpeg1)	/* Layer III, MPEG-2/2.5: 576 samples */
		return (size_t)(72 * br / rate + pad);
	return (size_t)(144 * br / rate + pad);
}

static const int adts_rates[16] = {
	96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050,
	16000, 12000, 11025, 8000, 7350, 0, 0, 0,
};

/* Length of the ADTS frame whose header is at p, or 0. */
size_t
adts_frame_len(const uint8_t *p, int *samplerate, int *channels)
{
	size_t len;
	int sri;

	/* 12-bit sync, layer must be 00. */
	if (p[0] != 0xFF || (p[1] & 0xF6) != 0xF0)
		return 0;
	sri = (p[2] >> 2) & 15;
	if (adts_rates[sri] == 0)
		return 0;
	len = ((size_t)(p[3] & 3) << 11) | ((size_t)p[4] << 3) | (p[5] >> 5);
	if (len < 7)
		return 0;
	if (samplerate != NULL)
		*samplerate = adts_rates[sri];
	if (channels != NULL)
		*channels = ((p[2] & 1) << 2) | (p[3] >> 6);
	return len;
}

/* Length of a frame at p with the handler's parser; 0 if not a header. */
static size_t
frame_len(struct format_state *st, const uint8_t *p, int record)
{
	int rate = 0, ch = 0, kbps = 0;
	size_t len;

	if (st->ops == &format_aac)
		len = adts_frame_len(p, &rate, &ch);
	else
		len = mp3_frame_len(p, &rate, &ch, &kbps);
	if (len != 0 && record && st->samplerate == 0) {
		st->samplerate = rate;
		st->channels = ch;
		st->bitrate = kbps;
	}
	return len;
}

/* Total size of the ID3v2 tag at p (header + body + footer), 0 if p is
 * not one, or -1 if there are too few bytes to tell. */
static long
id3v2_len(const uint8_t *p, size_t n)
{
	long size;

	if (n < 3)
		return memcmp(p, "ID3", n) == 0 ? -1 : 0;
	if (memcmp(p, "ID3", 3) != 0)
		return 0;
	if (n < 10)
		return -1;
	if ((p[6] | p[7] | p[8] | p[9]) & 0x80)
		return 0;	/* sizes are syncsafe: not an ID3 header */
	size = ((long)p[6] << 21) | ((long)p[7] << 14) | ((long)p[8] << 7) | p[9];
	return size + 10 + ((p[5] & 0x10) ? 10 : 0);
}

/* Is there a frame start at p: 1 if a valid header is followed by another
 * valid header, 0 if not, -1 if the data ends before we can tell. */
static int
confirmed_frame(struct format_state *st, const uint8_t *p, size_t n)
{
	size_t len, hdr = st->ops == &format_aac ? 7 : 4;

	if (n < hdr)
		return -1;
	if ((len = frame_len(st, p, 0)) == 0)
		return 0;
	if (len + hdr > n)
		return -1;
	return frame_len(st, p + len, 0) != 0;
}

/* See format_ops.take: whole frames, an ID3v2 tag, or a run of garbage. */
static size_t
mpeg_take(struct format_state *st, const uint8_t *p, size_t n, uint32_t *flags)
{
	size_t off = 0, len, hdr = st->ops == &format_aac ? 7 : 4;
	long id3;
	int c;

	*flags = 0;
	if (st->skip > 0) {		/* the rest of a long ID3 tag */
		len = (size_t)FLOE_MIN((uint64_t)n, st->skip);
		st->skip -= len;
		return len;
	}
	if (!st->in_sync) {
		c = confirmed_frame(st, p, n);
		if (c < 0 && n < st->ops->max_unit)
			return 0;	/* wait for enough to confirm */
		st->in_sync = c != 0;
	}
	if (st->in_sync) {
		while (n - off >= hdr && (len = frame_len(st, p + off, 1)) != 0 &&
		    len <= n - off) {
			off += len;
			st->frames++;
		}
		if (off > 0) {
			*flags = BLOCK_SYNC;
			return off;
		}
		if (n < hdr || frame_len(st, p, 0) != 0)
			return 0;	/* partial frame: wait for the rest */
		st->in_sync = 0;	/* lost sync */
	}

	/* Not at a frame: an ID3v2 tag, or garbage up to the next real frame. */
	if ((id3 = id3v2_len(p, n)) < 0)
		return 0;
	if (id3 > 0) {
		len = (size_t)FLOE_MIN((uint64_t)n, (uint64_t)id3);
		st->skip = (uint64_t)id3 - len;
		return len;
	}
	for (off = 1; off < n; off++) {
		if (p[off] == 'I' && id3v2_len(p + off, n - off) != 0)
			break;
		if (p[off] == 0xFF && confirmed_frame(st, p + off, n - off) != 0)
			break;
	}
	return off;
}

const struct format_ops format_mp3 = {
	.name = "mp3",
	.icy = 1,
	/* Why 4 KiB: the longest MPEG audio frame (Layer II, 384 kbps, 32 kHz)
	 * is 1,729 bytes; twice that plus a header still fits. */
	.max_unit = 4096,
	.take = mpeg_take,
};

const struct format_ops format_aac = {
	.name = "aac",
	.icy = 1,
	/* ADTS frame length is a 13-bit field: at most 8,191 bytes. */
	.max_unit = 8192,
	.take = mpeg_take,
};

/*
 * Audio samples in whole MPEG audio or ADTS frames p[0..n) (an ID3 tag or
 * bytes that are no frame count none), and their sample rate in *rate
 * (0 if no frame was found). For HLS timestamps.
 */
uint64_t
format_samples(const struct format_ops *ops, const uint8_t *p, size_t n, int *rate)
{
	uint64_t samples = 0;
	size_t off = 0, len;
	int sr = 0, layer, mpeg1;

	*rate = 0;
	while (off + 7 <= n) {
		if (ops == &format_aac) {
			if ((len = adts_frame_len(p + off, &sr, NULL)) == 0)
				break;
			samples += 1024 * (uint64_t)((p[off + 6] & 3) + 1);
		} else {
			if ((len = mp3_frame_len(p + off, &sr, NULL, NULL)) == 0)
				break;
			layer = (p[off + 1] >> 1) & 3;
			mpeg1 = ((p[off + 1] >> 3) & 3) == 3;
			samples += layer == 3 ? 384 : layer == 1 && !mpeg1 ? 576 : 1152;
		}
		*rate = sr;
		off += len;
	}
	return samples;
}
