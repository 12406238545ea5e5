/*
 * output.c: resampler + encoder + destination(s) + title timing for one
 * output. An output whose rate differs from the station's converts the
 * mix with its own resampler (resample.c) before its encoder.
 *
 * Title timing: when a track begins, the output notes the position in its
 * encoded stream (bytes produced so far) with the new title. The uplink
 * reports how many bytes of this connection's stream the kernel has taken;
 * once that passes the noted position, the title goes to /admin/metadata.
 * Bytes produced while disconnected are never sent, so a new connection's
 * stream starts at the encoder's current position, and the current title is
 * sent as soon as the connection is accepted.
 *
 * Ogg outputs (Vorbis, Opus, FLAC) carry their titles in the stream: at a
 * track change the encoder ends its chain and the track's audio opens a new
 * one (encode_track), and nothing goes to /admin/metadata (icecast2 does
 * not take titles for Ogg mounts that way). A new connection, and a new
 * archive file, must begin with a chain's header pages, so each ends the
 * chain in progress there too (its end goes only where its start went).
 */
#include "output.h"
#include "config.h"
#include "encode.h"
#include "log.h"
#include "meta.h"
#include "resample.h"
#include "uplink.h"
#include "../server/util.h"

#include <errno.h>
#include <sys/stat.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Seconds of audio a connection may have queued before the server is
 * judged to have stopped reading (and the connection is dropped and
 * retried): long enough for any hiccup, short enough to bound memory. */
#define SEND_QUEUE_SECONDS 10
/* Floor of that queue in bytes, for very low bitrates. */
#define SEND_QUEUE_MIN_BYTES 65536

/* A title change at a position of the encoded stream. */
struct mark {
	TAILQ_ENTRY(mark) entry;
	uint64_t	 pos;
	char		*title;
};

struct output {
	char			*name;
	struct resample		*rs;		/* station rate to this output's; NULL: same */
	struct encoder		*enc;
	char			*enc_title;	/* the track being encoded */
	char			*fmtdesc;	/* "mp3 128k CBR" */
	struct uplink_url	 url;
	struct uplink		*ul;		/* NULL: file only */
	struct meta		*meta;
	char			*file;		/* the pattern (strftime %-codes expanded at each open) */
	char			*path;		/* the file being written */
	long			 rotate;	/* seconds per file; 0: one file */
	time_t			 next_file;	/* when the next file begins */
	FILE			*fp;
	struct sbuf		 bytes;		/* encoder output, reused */
	uint64_t		 enc_pos;	/* bytes encoded so far */
	uint64_t		 stream_base;	/* enc_pos when this connection began */
	TAILQ_HEAD(, mark)	 marks;
	char			*title;		/* the title listeners have now */
	int			 title_due;	/* new connection: send the title */
	int			 finished;
	output_cb		*cb;
	void			*cb_arg;
};

static void output_rechain(struct output *o, int to_server);

/* Connection state changes. */
static void
uplink_changed(struct uplink *ul, enum uplink_state st, void *arg)
{
	struct output *o = arg;

	if (st == UPLINK_STREAMING) {
		if (encode_titles_in_stream(o->enc))
			output_rechain(o, 0);
		o->stream_base = o->enc_pos;
		o->title_due = 1;
	}
	if (o->cb != NULL)
		o->cb(o, o->cb_arg);
}

/* Pick a value: the output's own, or the global one. */
static const char *
pick(const char *own, const char *global)
{
	return own != NULL ? own : global;
}

static int output_open_file(struct output *o, const char *pattern, char *err, size_t errlen);

/* The most kbps the output's stream may carry for a while: CBR is exact;
 * Vorbis and Opus aim at their bitrate on average, and a hard passage may
 * take twice it; FLAC is never above 16-bit PCM. */
static int
output_peak_kbps(const struct output_conf *oc, int channels)
{
	if (oc->format == ENCODE_FLAC)
		return oc->rate * channels * 16 / 1000;
	if (oc->format == ENCODE_VORBIS || oc->format == ENCODE_OPUS)
		return 2 * oc->bitrate;
	return oc->vbr ? 320 : oc->bitrate;
}

/* Create the output. */
struct output *
output_new(struct event_base *base, struct evdns_base *dns, const struct config *c,
    const struct output_conf *oc, output_cb *cb, void *arg, char *err, size_t errlen)
{
	struct encode_opts eo = { oc->format, oc->rate, c->channels, oc->bitrate, oc->vbr,
	    oc->quality };
	int peak = output_peak_kbps(oc, c->channels);
	struct output *o = xcalloc(1, sizeof *o);
	char msg[256], audio_info[128];

	o->name = xstrdup(oc->name);
	o->cb = cb;
	o->cb_arg = arg;
	sbuf_init(&o->bytes);
	TAILQ_INIT(&o->marks);
	if ((o->enc = encode_open(&eo, msg, sizeof msg)) == NULL) {
		snprintf(err, errlen, "output %s: %s", oc->name, msg);
		output_free(o);
		return NULL;
	}
	if (oc->rate != c->rate && (o->rs = resample_new(c->rate, c->channels, oc->rate,
	    c->channels, msg, sizeof msg)) == NULL) {
		snprintf(err, errlen, "output %s: %s", oc->name, msg);
		output_free(o);
		return NULL;
	}
	if (oc->vbr)
		o->fmtdesc = xasprintf("%s VBR q%d", encode_name(o->enc), oc->quality);
	else if (oc->format == ENCODE_FLAC)
		o->fmtdesc = xasprintf("%s", encode_name(o->enc));
	else
		o->fmtdesc = xasprintf("%s %dk", encode_name(o->enc), oc->bitrate);
	if (o->rs != NULL) {
		char *d = xasprintf("%s %d Hz", o->fmtdesc, oc->rate);
		free(o->fmtdesc);
		o->fmtdesc = d;
	}
	if (oc->file != NULL) {
		o->rotate = oc->rotate;
		if (output_open_file(o, oc->file, msg, sizeof msg) != 0) {
			snprintf(err, errlen, "output %s: %s", oc->name, msg);
			output_free(o);
			return NULL;
		}
		o->file = xstrdup(oc->file);
	}
	if (oc->url != NULL) {
		struct uplink_info info;
		size_t maxq = FLOE_MAX((size_t)SEND_QUEUE_MIN_BYTES,
		    (size_t)SEND_QUEUE_SECONDS * (size_t)peak * 1000 / 8);
		if (uplink_url_parse(oc->url, &o->url, msg, sizeof msg) != 0) {
			snprintf(err, errlen, "output %s: %s", oc->name, msg);
			output_free(o);
			return NULL;
		}
		if (oc->method == UPLINK_SHOUTCAST)	/* an http:// URL with method shoutcast */
			o->url.shoutcast = 1;
		o->url.title_port = oc->title_port;
		snprintf(audio_info, sizeof audio_info, "channels=%d;samplerate=%d", c->channels,
		    oc->rate);
		if (oc->format != ENCODE_FLAC)	/* lossless: no bitrate to announce */
			snprintf(audio_info + strlen(audio_info), sizeof audio_info -
			    strlen(audio_info), ";bitrate=%d", oc->bitrate);
		info.content_type = encode_content_type(o->enc);
		info.name = pick(oc->ice_name, c->ice_name);
		info.description = pick(oc->ice_description, c->ice_description);
		info.genre = pick(oc->ice_genre, c->ice_genre);
		info.url = pick(oc->ice_url, c->ice_url);
		info.public = oc->ice_public >= 0 ? oc->ice_public : c->ice_public;
		info.audio_info = audio_info;
		info.bitrate = oc->format != ENCODE_FLAC ? oc->bitrate : 0;
		info.byte_rate = (size_t)peak * 1000 / 8;
		if (!encode_titles_in_stream(o->enc))
			o->meta = meta_new(base, dns, o->name, &o->url);
		o->ul = uplink_new(base, dns, o->name, &o->url, (enum uplink_method)oc->method,
		    &info, maxq, uplink_changed, o);
	}
	return o;
}

/* Free the output and close its file. */
void
output_free(struct output *o)
{
	struct mark *m;

	if (o == NULL)
		return;
	while ((m = TAILQ_FIRST(&o->marks)) != NULL) {
		TAILQ_REMOVE(&o->marks, m, entry);
		free(m->title);
		free(m);
	}
	uplink_free(o->ul);
	meta_free(o->meta);
	uplink_url_free(&o->url);
	encode_close(o->enc);
	resample_free(o->rs);
	free(o->enc_title);
	if (o->fp != NULL)
		fclose(o->fp);
	free(o->file);
	free(o->path);
	free(o->fmtdesc);
	free(o->title);
	free(o->name);
	sbuf_free(&o->bytes);
	free(o);
}

/*
 * Open the file for now: the pattern's strftime %-codes expanded in local
 * time (archive/%Y-%m-%d/%H%M.mp3: folders are made). With rotate, the
 * next file begins at the next multiple of rotate seconds (3600: on the
 * hour), between two encoder writes: whole frames in each file.
 */
static int
output_open_file(struct output *o, const char *pattern, char *err, size_t errlen)
{
	char path[4096], *dir, *p;
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	if (strchr(pattern, '%') == NULL || strftime(path, sizeof path, pattern, &tm) == 0)
		snprintf(path, sizeof path, "%s", pattern);
	dir = xstrdup(path);
	for (p = strchr(dir + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
		*p = '\0';
		mkdir(dir, 0755);
		*p = '/';
	}
	free(dir);
	if ((o->fp = fopen(path, "wb")) == NULL) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	free(o->path);
	o->path = xstrdup(path);
	if (o->rotate > 0)
		o->next_file = (now / o->rotate + 1) * o->rotate;
	return 0;
}

/* Is it a rotating archive's time for its next file? */
static int
output_rotate_due(const struct output *o)
{
	return o->rotate != 0 && o->fp != NULL && time(NULL) >= o->next_file;
}

/* Begin the next file if it is time. */
static void
output_rotate(struct output *o)
{
	char err[4200];

	if (!output_rotate_due(o))
		return;
	fclose(o->fp);
	o->fp = NULL;
	log_info("output %s: %s done", o->name, o->path);
	if (output_open_file(o, o->file, err, sizeof err) != 0)
		log_error("output %s: %s; no longer writing the archive", o->name, err);
}

/* Send encoded bytes to the server (unless not to_server) and the file
 * being written. */
static void
output_put(struct output *o, const void *p, size_t n, int to_server)
{
	if (n == 0)
		return;
	o->enc_pos += n;
	if (o->ul != NULL && to_server)
		uplink_send(o->ul, p, n);
	/* Flushed per write: a file output is then always whole frames, even
	 * if floe-source is killed. */
	if (o->fp != NULL && (fwrite(p, 1, n, o->fp) != n || fflush(o->fp) != 0)) {
		log_error("output %s: writing %s failed: %s; no longer writing it", o->name,
		    o->path, strerror(errno));
		fclose(o->fp);
		o->fp = NULL;
	}
}

/* End the Ogg chain in progress (the next audio opens a new one): its last
 * pages go to the file, and to the server unless this is a new connection
 * that never had the chain's start. */
static void
output_rechain(struct output *o, int to_server)
{
	struct sbuf tail;

	sbuf_init(&tail);
	if (encode_track(o->enc, o->enc_title, &tail) != 0)
		log_warn("output %s: the encoder failed ending a chain", o->name);
	output_put(o, tail.data, tail.len, to_server);
	sbuf_free(&tail);
}

/* Resample (if this output has its own rate), encode and send. */
void
output_feed(struct output *o, const float *pcm, size_t frames, const char *title)
{
	long n = (long)frames;
	int rotate = output_rotate_due(o);

	if (o->finished)
		return;
	if (title != NULL) {
		struct mark *m = xcalloc(1, sizeof *m);
		m->pos = o->enc_pos;
		m->title = xstrdup(title);
		TAILQ_INSERT_TAIL(&o->marks, m, entry);
		free(o->enc_title);
		o->enc_title = xstrdup(title);
	}
	/* A new track, or an Ogg archive's next file (which must begin with a
	 * chain's headers): the chain ends in the file it began in. */
	if (title != NULL || (rotate && encode_titles_in_stream(o->enc)))
		output_rechain(o, 1);
	if (rotate)
		output_rotate(o);	/* between two encoder writes: whole frames */
	if (o->rs != NULL && (n = resample_run(o->rs, pcm, frames, &pcm)) < 0) {
		log_warn("output %s: resampling failed on %zu frames", o->name, frames);
		n = 0;
	}
	sbuf_reset(&o->bytes);
	if (encode_pcm(o->enc, pcm, (size_t)n, &o->bytes) != 0)
		log_warn("output %s: the encoder failed on %ld frames", o->name, n);
	output_put(o, o->bytes.data, o->bytes.len, 1);
	output_poll(o);
}

/* Fire the title updates whose first bytes are out. */
void
output_poll(struct output *o)
{
	int streaming = o->ul != NULL && uplink_state(o->ul) == UPLINK_STREAMING;
	uint64_t sent = streaming ? o->stream_base + uplink_sent(o->ul) : o->enc_pos;
	struct mark *m;
	int changed = 0;

	/* A mark at pos is reached once byte pos is out (sent > pos). One at
	 * the very start of this connection's stream (nothing sent before it)
	 * is reached at once: its title then goes to the server ahead of the
	 * first audio, not after the whole start-up burst. */
	while ((m = TAILQ_FIRST(&o->marks)) != NULL &&
	    (m->pos < sent || m->pos <= (streaming ? o->stream_base : sent))) {
		TAILQ_REMOVE(&o->marks, m, entry);
		free(o->title);
		o->title = m->title;
		free(m);
		changed = 1;
	}
	if (!streaming || o->title == NULL)
		return;
	if (o->title_due) {
		/* A new connection: tell it what is playing right away. */
		o->title_due = 0;
		changed = 1;
	}
	if (changed && o->meta != NULL)
		meta_update(o->meta, o->title);
}

/* Flush the encoder and close when the queue has drained. */
void
output_finish(struct output *o)
{
	if (o->finished)
		return;
	sbuf_reset(&o->bytes);
	if (o->rs != NULL) {
		const float *tail;
		long n = resample_flush(o->rs, &tail);

		if (n > 0)
			encode_pcm(o->enc, tail, (size_t)n, &o->bytes);
	}
	encode_flush(o->enc, &o->bytes);
	output_put(o, o->bytes.data, o->bytes.len, 1);
	o->finished = 1;
	if (o->fp != NULL) {
		fclose(o->fp);
		o->fp = NULL;
	}
	if (o->ul != NULL)
		uplink_finish(o->ul);
}

/* The output's name in logs. */
const char *
output_name(const struct output *o)
{
	return o->name;
}

/* Is anyone taking this output's audio right now? */
int
output_live(const struct output *o)
{
	return o->fp != NULL || (o->ul != NULL && uplink_state(o->ul) == UPLINK_STREAMING);
}

/* Still trying to connect (as opposed to streaming, failed, or file only)? */
int
output_connecting(const struct output *o)
{
	return o->ul != NULL && (uplink_state(o->ul) == UPLINK_CONNECTING ||
	    uplink_state(o->ul) == UPLINK_BACKOFF);
}

/* Gave up for good? */
int
output_failed(const struct output *o)
{
	return o->fp == NULL && o->ul != NULL && uplink_state(o->ul) == UPLINK_FAILED;
}

/* Finished and flushed? */
int
output_done(const struct output *o)
{
	return o->finished && (o->ul == NULL || uplink_state(o->ul) == UPLINK_CLOSED ||
	    uplink_state(o->ul) == UPLINK_FAILED || uplink_state(o->ul) == UPLINK_BACKOFF);
}

/* "/live.mp3 (mp3 128k -> 127.0.0.1:8000/live.mp3): up 0:01:02". */
void
output_describe(const struct output *o, char *buf, size_t n)
{
	char where[300] = "", state[300] = "writing";

	if (o->ul != NULL) {
		uplink_url_hostport(&o->url, where, sizeof where);
		uplink_describe(o->ul, state, sizeof state);
	}
	snprintf(buf, n, "%s (%s -> %s%s%s%s): %s", o->name, o->fmtdesc,
	    o->ul != NULL ? where : "", o->ul != NULL ? o->url.mount : "",
	    o->ul != NULL && o->file != NULL ? " + " : "", o->file != NULL ? o->file : "", state);
}
