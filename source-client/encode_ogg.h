/*
 * encode_ogg.h: what the three Ogg encoders (encode_vorbis.c,
 * encode_opus.c, encode_flac.c) share: pages out of an ogg_stream_state
 * into the output buffer, serial numbers for new chains, and the split of
 * a display title "Artist - Title" into the ARTIST and TITLE comments.
 */
#ifndef FSRC_ENCODE_OGG_H
#define FSRC_ENCODE_OGG_H

#include <ogg/ogg.h>

#include <stdint.h>

struct sbuf;

/** The Content-Type of every Ogg output: the one both icecast2 2.4 (which
 *  treats audio/opus or audio/flac as an unknown, generic stream) and floe
 *  recognise as Ogg, keeping each chain's header pages for late joiners. */
#define ENCODE_OGG_CONTENT_TYPE "audio/ogg"

/** A serial number for a new chain: random, and never the last one's. */
uint32_t encode_ogg_serial(void);
/** Append os's complete pages to out (with flush: every packet in it, on
 *  pages of their own, as after headers and at the end of a chain). */
void encode_ogg_pages(ogg_stream_state *os, int flush, struct sbuf *out);
/** Split "Artist - Title" at its first " - " into artist and title (both
 *  allocated; *artist is NULL when there is no " - "; *title is NULL for an
 *  empty title). */
void encode_ogg_split_title(const char *display, char **artist, char **title);

#endif
