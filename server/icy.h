/*
 * icy.h: ICY (Shoutcast) in-band metadata. A title is rendered once per
 * change into the exact bytes listeners receive (length byte + padded
 * "StreamTitle='...';"), and that one object is shared by every listener.
 */
#ifndef FLOE_ICY_H
#define FLOE_ICY_H

#include <stddef.h>
#include <stdint.h>

/* icecast2's default interval, and what players expect. */
#define ICY_DEFAULT_METAINT 16000
/* The length byte counts 16-byte units: 255 * 16 bytes at most. */
#define ICY_MAX_META (255 * 16)

/** A rendered metadata block, immutable and reference-counted. */
struct icy_meta {
	unsigned refs;
	char	*title;		/* the cleaned title as rendered (for stats) */
	size_t	 len;		/* 1 + 16 * data[0] */
	uint8_t	 data[];
};

/**
 * Render a title. Control characters (CR, LF, NUL ...) become spaces, a
 * "';" inside the title is broken up so players that scan for the end of
 * the value are not fooled, and an overlong title is cut at a UTF-8
 * boundary. NULL or "" renders StreamTitle='';.
 */
struct icy_meta *icy_meta_new(const char *title, const char *url);
/** The block data[0..len) another floe rendered (hand-off), or NULL if it
 *  is not one. */
struct icy_meta *icy_meta_copy(const char *title, const uint8_t *data, size_t len);
void icy_meta_ref(struct icy_meta *m);
void icy_meta_unref(struct icy_meta *m);	/* NULL is fine */

/** The one-byte "no change" block. */
extern const uint8_t icy_empty[1];

/**
 * Convert text in charset (NULL or "UTF-8": validate; invalid UTF-8 is taken
 * as Latin-1, as old encoders send) to UTF-8. Returns an allocated string.
 */
char *icy_to_utf8(const char *s, const char *charset);

/**
 * Strips ICY metadata from a source's stream that interleaves it (a source
 * that sent "icy-metaint: N"). Pure and resumable.
 */
struct icy_deframer {
	size_t	 metaint;
	size_t	 audio_left;	/* audio bytes before the next length byte */
	size_t	 meta_left;	/* metadata bytes still to collect */
	size_t	 meta_len;
	int	 in_meta;
	char	 meta[ICY_MAX_META + 1];
};
void icy_deframer_init(struct icy_deframer *d, size_t metaint);
/**
 * Remove metadata from buf[0..n) in place; audio stays in buf[0..*outlen).
 * When a complete non-empty metadata block is seen, its StreamTitle value
 * is returned as an allocated string via *title (else *title is NULL); if
 * several arrive in one call, the last wins.
 */
void icy_deframe(struct icy_deframer *d, uint8_t *buf, size_t n, size_t *outlen, char **title);

/** Extract the StreamTitle='...' value from a metadata text, or NULL. */
char *icy_parse_title(const char *text, size_t len);

#endif
