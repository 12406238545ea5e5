/*
 * encode.h: one interface over the output encoders (MP3 with libmp3lame in
 * encode_mp3.c, AAC-LC in ADTS with libavcodec in encode_aac.c). An encoder
 * takes interleaved float PCM at the output rate and appends whole encoded
 * frames to a byte buffer.
 */
#ifndef FSRC_ENCODE_H
#define FSRC_ENCODE_H

#include <stddef.h>

struct sbuf;

enum encode_format { ENCODE_MP3, ENCODE_AAC };

struct encode_opts {
	enum encode_format	 format;
	int			 rate;
	int			 channels;
	int			 bitrate;	/* kbps (CBR, or the AAC target) */
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
};

extern const struct encode_ops encode_mp3_ops;
extern const struct encode_ops encode_aac_ops;

struct encoder;

/** Open an encoder; NULL with a reason in err. */
struct encoder *encode_open(const struct encode_opts *o, char *err, size_t errlen);
/** Encode frames, appending bytes to out; -1 on an encoder error. */
int encode_pcm(struct encoder *e, const float *pcm, size_t frames, struct sbuf *out);
/** Encode what is still buffered (at the end of the stream). */
int encode_flush(struct encoder *e, struct sbuf *out);
const char *encode_content_type(const struct encoder *e);
const char *encode_name(const struct encoder *e);
void encode_close(struct encoder *e);

/** "mp3"/"aac" to a format; -1 if unknown. */
int encode_format_parse(const char *s);

#endif
