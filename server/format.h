/*
 * format.h: codec handlers behind a small vtable. A handler's only job on
 * the fan-out path is to say where frames (MP3, ADTS) or pages (Ogg) begin,
 * so the source can cut blocks at boundaries a new listener can start on.
 * Handlers are pure: bytes in, a length and flags out.
 */
#ifndef FLOE_FORMAT_H
#define FLOE_FORMAT_H

#include <stddef.h>
#include <stdint.h>

struct format_state;

struct format_ops {
	const char *name;	/* "mp3", "aac", "ogg", "generic" */
	int	 icy;		/* may ICY metadata be interleaved for listeners? */
	size_t	 max_unit;	/* longest frame/page: waiting for more than this is pointless */
	/**
	 * Look at the unconsumed input p[0..n), n > 0. Return how many bytes
	 * from the start form one unit to cut now (at most n), with *flags for
	 * it (BLOCK_*), or 0 if a frame/page is incomplete and more input is
	 * needed. Only format_cut() calls it: callers use that.
	 */
	size_t	(*take)(struct format_state *st, const uint8_t *p, size_t n, uint32_t *flags);
};

/** Per-source parse state shared by all handlers. */
struct format_state {
	const struct format_ops *ops;
	int	 in_sync;	/* MP3/ADTS: the last unit ended on a frame boundary */
	uint64_t skip;		/* bytes of a long non-frame unit (ID3 tag) still to pass */
	int	 ogg_headers;	/* Ogg: inside a chain's header pages */
	int	 ogg_seen_audio;
	uint64_t frames;	/* frames or pages seen, for stats/tests */
	/* Parsed from the first MP3/ADTS frame header, for stats. */
	int	 samplerate;
	int	 channels;
	int	 bitrate;	/* kbps, MP3 only */
};

extern const struct format_ops format_mp3, format_aac, format_ogg, format_webm, format_generic;

/** Pick a handler from a Content-Type ("audio/mpeg", "application/ogg"...). */
const struct format_ops *format_for_type(const char *content_type);
void format_state_init(struct format_state *st, const struct format_ops *ops);

/**
 * The cutting step, the one every caller uses (the source, the unit test,
 * the fuzzer): given the pending bytes p[0..n) of a source, return the
 * length of the next unit to hand over (whole frames or pages, an ID3 tag,
 * a run of garbage), with its BLOCK_* flags in *flags, or 0 when the rest
 * must wait for more bytes. Pure: no I/O, only st changes. Call it again on
 * what follows the unit until it returns 0; then fewer than the handler's
 * max_unit bytes are left, so a pending buffer of max_unit plus one read
 * always has room. If the handler finds no framing within max_unit bytes,
 * all n bytes come out as one unframed unit (flags 0): a stream that is not
 * what it claims still flows, and no listener starts inside it.
 */
size_t format_cut(struct format_state *st, const uint8_t *p, size_t n, uint32_t *flags);

/** MP3 frame header at p (4 bytes): frame length, or 0 if not a valid header. */
size_t mp3_frame_len(const uint8_t *p, int *samplerate, int *channels, int *kbps);
/** ADTS header at p (7 bytes): frame length, or 0 if not a valid header. */
size_t adts_frame_len(const uint8_t *p, int *samplerate, int *channels);
/** Samples in the whole MP3/ADTS frames of p[0..n), their rate in *rate. */
uint64_t format_samples(const struct format_ops *ops, const uint8_t *p, size_t n, int *rate);
/** Ogg page at p[0..n): its total length, 0 if incomplete, or -1 if p is not a page. */
long ogg_page_len(const uint8_t *p, size_t n);
/** A chain's codec, as icecast2's stats name it, and Vorbis's numbers. */
struct ogg_info {
	const char	*subtype;	/* "Vorbis", "Opus", "FLAC", "Theora", or NULL */
	int		 channels;	/* 0: not known */
	uint32_t	 samplerate;
	int32_t		 bitrate;	/* nominal, bits per second; <= 0: not known */
};
void ogg_stream_info(const uint8_t *p, size_t n, struct ogg_info *info);
/** TITLE and ARTIST of a chain's header pages p[0..n) (Vorbis or Opus
 *  comments), allocated, or NULL each; never reads past n. */
void ogg_comments(const uint8_t *p, size_t n, char **title, char **artist);

#endif
