/*
 * encode.h: one interface over the output encoders (MP3 with libmp3lame in
 * encode_mp3.c, AAC-LC in ADTS with libavcodec in encode_aac.c, and Ogg
 * Vorbis, Opus and FLAC in encode_vorbis.c, encode_opus.c, encode_flac.c).
 * An encoder takes interleaved float PCM at the output rate and appends
 * whole encoded frames (Ogg: whole pages) to a byte buffer.
 *
 * Titles: MP3 and AAC streams carry none; output.c sends them to the
 * server's /admin/metadata. The Ogg encoders carry them in the stream, as
 * Icecast expects: each track is a chained logical stream of its own (EOS
 * page, then a new serial number and fresh headers whose comments hold the
 * title), begun by encode_track().
 */
#ifndef FSRC_ENCODE_H
#define FSRC_ENCODE_H

#include <stddef.h>

struct sbuf;

/* The Ogg formats come last: format >= ENCODE_VORBIS is Ogg. */
enum encode_format { ENCODE_MP3, ENCODE_AAC, ENCODE_VORBIS, ENCODE_OPUS, ENCODE_FLAC };

struct encode_opts {
	enum encode_format	 format;
	int			 rate;
	int			 channels;
	int			 bitrate;	/* kbps (CBR, or the AAC/Vorbis/Opus target;
						 * FLAC has none) */
	int			 vbr;		/* MP3: VBR instead of CBR */
	int			 quality;	/* MP3 VBR quality, 0 (best) - 9 */
};

/** The operations each encoder implements. */
struct encode_ops {
	const char	*name;
	const char	*content_type;
	void		*(*open)(const struct encode_opts *o, char *err, size_t errlen);
	int		 (*encode)(void *st, const float *pcm, size_t frames, struct sbuf *out);
	int		 (*flush)(void *st, struct sbuf *out);
	void		 (*close)(void *st);
	/* Ogg only (NULL for formats whose titles go out of band): end the
	 * chain in progress, if any, appending its last pages (EOS) to out;
	 * the next frames open a new chain whose comments carry title. */
	int		 (*track)(void *st, const char *title, struct sbuf *out);
};

extern const struct encode_ops encode_mp3_ops;
extern const struct encode_ops encode_aac_ops;
extern const struct encode_ops encode_vorbis_ops;
extern const struct encode_ops encode_opus_ops;
extern const struct encode_ops encode_flac_ops;

struct encoder;

/** Open an encoder; NULL with a reason in err. */
struct encoder *encode_open(const struct encode_opts *o, char *err, size_t errlen);
/** Encode frames, appending bytes to out; -1 on an encoder error. */
int encode_pcm(struct encoder *e, const float *pcm, size_t frames, struct sbuf *out);
/** Encode what is still buffered (at the end of the stream; Ogg: the
 *  chain's EOS page). */
int encode_flush(struct encoder *e, struct sbuf *out);
/** A track with this title begins with the next frames. Ogg: the chain in
 *  progress ends here (its last pages go to out) and the next frames begin
 *  a new one carrying the title; other formats: nothing. */
int encode_track(struct encoder *e, const char *title, struct sbuf *out);
/** Does the stream carry its titles itself (Ogg), so that nothing is to be
 *  sent to the server's /admin/metadata? */
int encode_titles_in_stream(const struct encoder *e);
const char *encode_content_type(const struct encoder *e);
const char *encode_name(const struct encoder *e);
void encode_close(struct encoder *e);

/** "mp3", "aac", "vorbis", "opus" or "flac" to a format; -1 if unknown. */
int encode_format_parse(const char *s);
/** The format's name ("vorbis"). */
const char *encode_format_name(int format);
/** The format a mount or file name implies by its extension (.aac/.adts:
 *  AAC, .ogg/.oga: Vorbis, .opus: Opus, .flac: FLAC), else MP3. */
int encode_format_for_name(const char *name);

#endif
