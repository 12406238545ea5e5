/*
 * remote.c: a remote stream relayed as a playlist entry.
 *
 *   thread:  libavformat open (icy=1) -> decode -> resample -> ring (bounded)
 *   player:  remote_read() takes what the ring holds, never waits
 *
 * libavformat blocks on the network (DNS, connect, every read), so all of
 * it runs on a thread of its own; the event loop only locks the ring for a
 * copy. The thread's waits are bounded by libavformat's interrupt callback:
 * REMOTE_CONNECT_SECONDS to open the stream and find its audio, then
 * REMOTE_STALL_SECONDS for each read; past either, or once the owner has
 * closed it, the callback aborts the wait. The ring holds
 * REMOTE_BUFFER_SECONDS; a full ring makes the thread wait (the remote
 * server's TCP window closes), as a real-time listener would. The entry
 * starts playing once REMOTE_PREBUFFER_SECONDS are in, so network jitter
 * does not make gaps.
 *
 * remote_close() never joins: getaddrinfo cannot be interrupted, and the
 * event loop must not wait for it. The struct is shared by the owner and
 * the thread (refs), and whichever lets go last frees it.
 */
#include "remote.h"
#include "decode.h"
#include "resample.h"
#include "../server/util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Opening: DNS, connect, the server's answer, and the probe of the first
 * frames. 10 s: a remote show that is up answers in well under a second. */
#define REMOTE_CONNECT_SECONDS 10
/* A read that brings nothing for this long is a stalled remote: the entry
 * ends (the player has been filling with silence meanwhile). */
#define REMOTE_STALL_SECONDS 10
/* The ring's size: enough to hold a server's whole start-up burst (64 KB
 * of 128 kbps MP3 is 4 s) and ride out jitter; bounded, so a remote
 * faster than real time waits instead of filling memory. */
#define REMOTE_BUFFER_SECONDS 8
/* Buffered before the entry starts playing. */
#define REMOTE_PREBUFFER_SECONDS 1.5

struct remote {
	pthread_mutex_t		 mu;
	pthread_cond_t		 room;		/* the player took some: space in the ring */
	int			 refs;		/* owner + thread */
	atomic_int		 abort;		/* the owner closed it */
	_Atomic uint64_t	 deadline;	/* monotonic ns; the current wait aborts past it */
	atomic_int		 timed_out;	/* a wait was aborted for the deadline */
	enum remote_state	 state;
	char			*url;
	int			 rate, channels;
	float			*ring;
	size_t			 cap;		/* frames */
	size_t			 head, len;	/* frames */
	size_t			 prebuffer;	/* frames */
	char			 err[256];
	char			 desc[160];
	char			*title;		/* latest remote title */
	int			 title_new;
};

/* Is it a URL we relay? */
int
remote_is_url(const char *path)
{
	return strncasecmp(path, "http://", 7) == 0 || strncasecmp(path, "https://", 8) == 0;
}


/* Drop one reference; the last frees. Called without the lock held. */
static void
remote_unref(struct remote *r)
{
	int last;

	pthread_mutex_lock(&r->mu);
	last = --r->refs == 0;
	pthread_mutex_unlock(&r->mu);
	if (!last)
		return;
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->room);
	free(r->ring);
	free(r->url);
	free(r->title);
	free(r);
}

/* libavformat's interrupt callback: closed, or past the deadline. */
static int
remote_interrupt(void *arg)
{
	struct remote *r = arg;

	if (atomic_load(&r->abort))
		return 1;
	if (time_mono_ns() <= atomic_load(&r->deadline))
		return 0;
	atomic_store(&r->timed_out, 1);
	return 1;
}

/* Allow the next wait secs seconds. */
static void
remote_allow(struct remote *r, int secs)
{
	atomic_store(&r->deadline, time_mono_ns() + (uint64_t)secs * FLOE_NS_PER_SEC);
}

/* The thread's end: ENDED or FAILED with a reason. */
static void
remote_finish(struct remote *r, enum remote_state st, const char *why)
{
	pthread_mutex_lock(&r->mu);
	r->state = st;
	if (why != NULL)
		snprintf(r->err, sizeof r->err, "%s", why);
	pthread_mutex_unlock(&r->mu);
}

/* Put n frames into the ring, waiting for room; -1 if closed meanwhile. */
static int
remote_push(struct remote *r, const float *pcm, size_t n)
{
	size_t ch = (size_t)r->channels;

	pthread_mutex_lock(&r->mu);
	while (n > 0) {
		size_t tail, k;

		while (r->len == r->cap && !atomic_load(&r->abort))
			pthread_cond_wait(&r->room, &r->mu);
		if (atomic_load(&r->abort)) {
			pthread_mutex_unlock(&r->mu);
			return -1;
		}
		tail = (r->head + r->len) % r->cap;
		k = FLOE_MIN(n, FLOE_MIN(r->cap - r->len, r->cap - tail));
		memcpy(r->ring + tail * ch, pcm, k * ch * sizeof *pcm);
		r->len += k;
		pcm += k * ch;
		n -= k;
		if (r->state == REMOTE_CONNECTING && r->len >= r->prebuffer)
			r->state = REMOTE_PLAYING;
	}
	pthread_mutex_unlock(&r->mu);
	return 0;
}

/* Note the remote's title if it changed. */
static void
remote_note_title(struct remote *r, struct decode *d, char **last)
{
	char *t = decode_icy_title(d);

	if (t == NULL || (*last != NULL && strcmp(t, *last) == 0)) {
		free(t);
		return;
	}
	free(*last);
	*last = xstrdup(t);
	pthread_mutex_lock(&r->mu);
	free(r->title);
	r->title = t;
	r->title_new = 1;
	pthread_mutex_unlock(&r->mu);
}

/* The thread: open, decode, resample, fill the ring until the end. */
static void *
remote_main(void *arg)
{
	struct remote *r = arg;
	struct resample *rs = NULL;
	struct decode *d;
	const float *pcm, *o;
	char err[256], *last = NULL;
	long n, m;
	int stalled = 0;

	remote_allow(r, REMOTE_CONNECT_SECONDS);
	if ((d = decode_open_url(r->url, remote_interrupt, r, err, sizeof err)) == NULL) {
		if (!atomic_load(&r->abort) && atomic_load(&r->timed_out))
			snprintf(err, sizeof err, "no audio from it within %d s",
			    REMOTE_CONNECT_SECONDS);
		remote_finish(r, REMOTE_FAILED, err);
		remote_unref(r);
		return NULL;
	}
	pthread_mutex_lock(&r->mu);
	snprintf(r->desc, sizeof r->desc, "%s, %d Hz, %d ch", decode_engine(d), decode_rate(d),
	    decode_channels(d));
	pthread_mutex_unlock(&r->mu);
	remote_note_title(r, d, &last);
	for (;;) {
		remote_allow(r, REMOTE_STALL_SECONDS);
		n = decode_read(d, &pcm, err, sizeof err);
		/* libavformat takes an interrupted read for the end and drains
		 * the decoder: what comes then is late, and the stream over */
		if (atomic_load(&r->timed_out)) {
			stalled = 1;
			break;
		}
		if (n <= 0)
			break;
		remote_note_title(r, d, &last);
		if (rs == NULL || decode_rate(d) != resample_in_rate(rs) ||
		    decode_channels(d) != resample_in_channels(rs)) {
			if (rs != NULL && (m = resample_flush(rs, &o)) > 0 &&
			    remote_push(r, o, (size_t)m) != 0)
				break;
			resample_free(rs);
			if ((rs = resample_new(decode_rate(d), decode_channels(d), r->rate,
			    r->channels, err, sizeof err)) == NULL) {
				n = -1;
				break;
			}
		}
		if ((m = resample_run(rs, pcm, (size_t)n, &o)) < 0) {
			snprintf(err, sizeof err, "resampling failed");
			n = -1;
			break;
		}
		if (m > 0 && remote_push(r, o, (size_t)m) != 0)
			break;
	}
	if (rs != NULL && n == 0 && !stalled && (m = resample_flush(rs, &o)) > 0)
		remote_push(r, o, (size_t)m);
	if (stalled)
		snprintf(err, sizeof err, "stalled: nothing from it for %d s", REMOTE_STALL_SECONDS);
	remote_finish(r, n < 0 || stalled ? REMOTE_FAILED : REMOTE_ENDED, n < 0 || stalled ?
	    err : NULL);
	resample_free(rs);
	decode_close(d);
	free(last);
	remote_unref(r);
	return NULL;
}

/* Start the thread. */
struct remote *
remote_open(const char *url, int rate, int channels)
{
	struct remote *r = xcalloc(1, sizeof *r);
	pthread_t tid;

	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->room, NULL);
	r->refs = 2;
	r->url = xstrdup(url);
	r->rate = rate;
	r->channels = channels;
	r->cap = (size_t)rate * REMOTE_BUFFER_SECONDS;
	r->prebuffer = (size_t)(rate * REMOTE_PREBUFFER_SECONDS);
	r->ring = xreallocarray(NULL, r->cap * (size_t)channels, sizeof *r->ring);
	r->state = REMOTE_CONNECTING;
	if (pthread_create(&tid, NULL, remote_main, r) != 0) {
		snprintf(r->err, sizeof r->err, "cannot start a thread");
		r->state = REMOTE_FAILED;
		r->refs = 1;
		return r;
	}
	pthread_detach(tid);
	return r;
}

/* Let go; the thread stops at its next wait and frees the rest. */
void
remote_close(struct remote *r)
{
	if (r == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	atomic_store(&r->abort, 1);
	pthread_cond_signal(&r->room);
	pthread_mutex_unlock(&r->mu);
	remote_unref(r);
}

/* Where it is. */
enum remote_state
remote_state(struct remote *r)
{
	enum remote_state st;

	pthread_mutex_lock(&r->mu);
	st = r->state;
	pthread_mutex_unlock(&r->mu);
	return st;
}

/* Take what is buffered, up to frames. */
size_t
remote_read(struct remote *r, float *out, size_t frames)
{
	size_t ch = (size_t)r->channels, done = 0, k;

	pthread_mutex_lock(&r->mu);
	while (done < frames && r->len > 0) {
		k = FLOE_MIN(frames - done, FLOE_MIN(r->len, r->cap - r->head));
		memcpy(out + done * ch, r->ring + r->head * ch, k * ch * sizeof *out);
		r->head = (r->head + k) % r->cap;
		r->len -= k;
		done += k;
	}
	if (done > 0)
		pthread_cond_signal(&r->room);
	pthread_mutex_unlock(&r->mu);
	return done;
}

/* Why it failed. The text is only written before the state turns FAILED,
 * so reading it after remote_state() said so needs no lock. */
const char *
remote_error(struct remote *r)
{
	return r->err;
}

/* A new title, once. */
char *
remote_take_title(struct remote *r)
{
	char *t = NULL;

	pthread_mutex_lock(&r->mu);
	if (r->title_new && r->title != NULL) {
		t = xstrdup(r->title);
		r->title_new = 0;
	}
	pthread_mutex_unlock(&r->mu);
	return t;
}

/* Its decoder and format. */
void
remote_describe(struct remote *r, char *buf, size_t n)
{
	pthread_mutex_lock(&r->mu);
	snprintf(buf, n, "%s", r->desc[0] != '\0' ? r->desc : "relayed");
	pthread_mutex_unlock(&r->mu);
}
