/*
 * live_av.c: a DJ's Ogg or AAC stream decoded on its own thread (live_av.h).
 *
 * Why a thread: libavformat's demuxers pull bytes through a read callback
 * and expect it to block until bytes come; one that said "none yet" would
 * be taken for the end of the stream, and decoding only once "enough" is
 * buffered cannot know what enough is for a probe or an Ogg header. So the
 * demuxer and decoder run here, and only two small locked queues meet the
 * event loop:
 *
 *   loop: live_av_feed --> [ in: bytes ] --> thread: read_cb -> demux ->
 *         decode -> resample --> [ out: PCM, title ] --> live_av_take (tick)
 *
 * Both queues are bounded: a thread more than IN_MAX behind is a decoder
 * that is stuck (the DJ is dropped), and PCM nobody takes (every output
 * down) is dropped oldest first, as the jitter buffer does.
 */
#include "live_av.h"
#include "decode.h"
#include "log.h"
#include "mix.h"
#include "resample.h"
#include "../server/util.h"

#include <libavutil/error.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes the thread may fall behind: 2 MB is over a minute of a 256 kbps
 * stream, far more than a decoder that is merely slow would lag. */
#define IN_MAX (2u << 20)
/* Seconds of decoded PCM kept for the tick to take. */
#define OUT_MAX_SECONDS 4

struct live_av {
	pthread_t	 th;
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	/* Under mu: */
	struct sbuf	 in;
	size_t		 in_off;	/* bytes of in already read */
	int		 ended;		/* no more bytes will come */
	int		 stop;		/* live_av_free wants the thread gone */
	int		 done;		/* the thread has finished */
	struct mix_fifo	 out;
	char		*title;		/* new, not yet taken */
	char		*error;
	/* The thread's own: */
	char		*format;
	int		 rate, ch;
};

/* The demuxer's read: block until bytes come, the stream ends, or stop. */
static int
read_cb(void *arg, uint8_t *buf, int n)
{
	struct live_av *a = arg;
	size_t k;

	pthread_mutex_lock(&a->mu);
	while (a->in.len == a->in_off && !a->ended && !a->stop)
		pthread_cond_wait(&a->cv, &a->mu);
	if (a->stop || a->in.len == a->in_off) {
		pthread_mutex_unlock(&a->mu);
		return AVERROR_EOF;
	}
	k = FLOE_MIN((size_t)n, a->in.len - a->in_off);
	memcpy(buf, a->in.data + a->in_off, k);
	a->in_off += k;
	if (a->in_off == a->in.len) {
		sbuf_reset(&a->in);
		a->in_off = 0;
	}
	pthread_mutex_unlock(&a->mu);
	return (int)k;
}

/* Record why decoding stopped (under mu). */
static void
set_error(struct live_av *a, const char *msg)
{
	if (a->error == NULL)
		a->error = xstrdup(msg);
}

/* Offer the stream's tags as the DJ's title. */
static void
offer_title(struct live_av *a, struct decode *d)
{
	const char *ar = decode_artist(d), *ti = decode_title(d);
	char *t;

	if (ti == NULL || *ti == '\0')
		return;
	t = ar != NULL && *ar != '\0' ? xasprintf("%s - %s", ar, ti) : xstrdup(ti);
	pthread_mutex_lock(&a->mu);
	free(a->title);
	a->title = t;
	pthread_mutex_unlock(&a->mu);
}

/* The thread: open, then decode until the end or stop. */
static void *
thread_main(void *arg)
{
	struct live_av *a = arg;
	struct resample *rs = NULL;
	struct decode *d;
	char err[256];
	const float *pcm, *o;
	long n, m;

	if ((d = decode_open_stream(read_cb, a, a->format, err, sizeof err)) == NULL) {
		pthread_mutex_lock(&a->mu);
		set_error(a, err);
		goto out;
	}
	offer_title(a, d);
	for (;;) {
		if ((n = decode_read(d, &pcm, err, sizeof err)) <= 0) {
			pthread_mutex_lock(&a->mu);
			if (n < 0)
				set_error(a, err);
			break;
		}
		if (decode_tags_changed(d))
			offer_title(a, d);
		if (rs == NULL || decode_rate(d) != resample_in_rate(rs) ||
		    decode_channels(d) != resample_in_channels(rs)) {
			resample_free(rs);
			if ((rs = resample_new(decode_rate(d), decode_channels(d), a->rate, a->ch, err,
			    sizeof err)) == NULL) {
				pthread_mutex_lock(&a->mu);
				set_error(a, err);
				break;
			}
		}
		if ((m = resample_run(rs, pcm, (size_t)n, &o)) < 0)
			continue;
		pthread_mutex_lock(&a->mu);
		mix_fifo_push(&a->out, o, (size_t)m);
		if (a->out.len > (size_t)a->rate * OUT_MAX_SECONDS)
			mix_fifo_drop(&a->out, a->out.len - (size_t)a->rate * OUT_MAX_SECONDS / 2);
		if (a->stop)
			break;
		pthread_mutex_unlock(&a->mu);
	}
	/* under mu here */
	if (rs != NULL && (m = resample_flush(rs, &o)) > 0)
		mix_fifo_push(&a->out, o, (size_t)m);
out:
	a->done = 1;
	pthread_mutex_unlock(&a->mu);
	resample_free(rs);
	decode_close(d);
	return NULL;
}

/* Content-Type to container. */
const char *
live_av_format(const char *ct)
{
	if (ct == NULL)
		return NULL;
	if (str_iprefix(ct, "application/ogg") || str_iprefix(ct, "audio/ogg") ||
	    str_iprefix(ct, "audio/opus") || str_iprefix(ct, "audio/vorbis") ||
	    str_iprefix(ct, "application/x-ogg"))
		return "ogg";
	if (str_iprefix(ct, "audio/aac") || str_iprefix(ct, "audio/aacp") ||
	    str_iprefix(ct, "audio/x-aac") || str_iprefix(ct, "audio/adts"))
		return "aac";
	return NULL;
}

/* Start the thread. */
struct live_av *
live_av_new(const char *format, int rate, int channels, char *err, size_t errlen)
{
	struct live_av *a = xcalloc(1, sizeof *a);
	int rc;

	pthread_mutex_init(&a->mu, NULL);
	pthread_cond_init(&a->cv, NULL);
	sbuf_init(&a->in);
	mix_fifo_init(&a->out, channels);
	a->format = xstrdup(format);
	a->rate = rate;
	a->ch = channels;
	if ((rc = pthread_create(&a->th, NULL, thread_main, a)) != 0) {
		snprintf(err, errlen, "cannot start a decoder thread: %s", strerror(rc));
		pthread_mutex_destroy(&a->mu);
		pthread_cond_destroy(&a->cv);
		sbuf_free(&a->in);
		mix_fifo_free(&a->out);
		free(a->format);
		free(a);
		return NULL;
	}
	return a;
}

/* Stop and join the thread (it is at most one decode step from noticing). */
void
live_av_free(struct live_av *a)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->mu);
	a->stop = 1;
	pthread_cond_broadcast(&a->cv);
	pthread_mutex_unlock(&a->mu);
	pthread_join(a->th, NULL);
	pthread_mutex_destroy(&a->mu);
	pthread_cond_destroy(&a->cv);
	sbuf_free(&a->in);
	mix_fifo_free(&a->out);
	free(a->title);
	free(a->error);
	free(a->format);
	free(a);
}

/* Hand bytes to the thread. */
int
live_av_feed(struct live_av *a, const void *buf, size_t n)
{
	int rc = 0;

	pthread_mutex_lock(&a->mu);
	if (a->done && a->error != NULL)
		rc = -1;
	else if (a->in.len - a->in_off + n > IN_MAX) {
		set_error(a, "the decoder is too far behind");
		rc = -1;
	} else {
		sbuf_add(&a->in, buf, n);
		pthread_cond_signal(&a->cv);
	}
	pthread_mutex_unlock(&a->mu);
	return rc;
}

/* The stream ended. */
void
live_av_end(struct live_av *a)
{
	pthread_mutex_lock(&a->mu);
	a->ended = 1;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
}

/* Take the decoded PCM. */
size_t
live_av_take(struct live_av *a, struct mix_fifo *dst)
{
	size_t n;

	pthread_mutex_lock(&a->mu);
	n = a->out.len;
	if (n > 0) {
		mix_fifo_push(dst, mix_fifo_data(&a->out), n);
		mix_fifo_clear(&a->out);
	}
	pthread_mutex_unlock(&a->mu);
	return n;
}

/* Take a new title. */
char *
live_av_take_title(struct live_av *a)
{
	char *t;

	pthread_mutex_lock(&a->mu);
	t = a->title;
	a->title = NULL;
	pthread_mutex_unlock(&a->mu);
	return t;
}

/* Why decoding stopped, or NULL. */
const char *
live_av_error(struct live_av *a)
{
	const char *e;

	pthread_mutex_lock(&a->mu);
	e = a->error;
	pthread_mutex_unlock(&a->mu);
	return e;
}
