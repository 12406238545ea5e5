/*
 * hls.c: HLS over a mount's queue (its rewind buffer). Main thread only:
 * the main thread is the one that appends to and trims a queue, so it
 * walks the blocks without the lock.
 *
 *   /live.mp3.m3u8              live playlist: the last <hls-window> whole
 *                               segments (?dvr=1: every one the buffer holds)
 *   live.mp3.hls/SEQ.ts         segment SEQ, relative to the playlist
 *
 * Segments are cut on block (so frame) boundaries on a fixed grid of the
 * mount's audio clock (block.pts, 90 kHz, counted from the frames
 * appended): segment SEQ holds the blocks whose clock falls in
 * [SEQ x D, (SEQ+1) x D). So a segment's bytes never change once the next
 * one has begun, which is what lets any cache keep it: segments are
 * immutable for a day, playlists for a fraction of a segment.
 *
 * The container is MPEG-TS (PAT, PMT, the audio as MPEG-1/2 audio or ADTS
 * AAC PES, and the titles as timed ID3, the way Apple's timed metadata
 * spec puts them): every HLS player plays it (Safari and iOS, hls.js,
 * ExoPlayer, ffmpeg, VLC), where packed audio is not played by all, and
 * only MPEG-TS carries ID3 that ffmpeg reports as it changes.
 */
#include "hls.h"
#include "block.h"
#include "config.h"
#include "conn.h"
#include "format.h"
#include "http_parse.h"
#include "http_resp.h"
#include "icy.h"
#include "log.h"
#include "mount.h"
#include "server.h"
#include "util.h"
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/random.h>
#include <time.h>

#define TS_PACKET	188
#define PID_PMT		0x1000
#define PID_AUDIO	0x100
#define PID_ID3		0x101
/* PCR a little before the PTS it clocks, as muxers do. */
#define PCR_LEAD	9000

/* One segment: its blocks [first, after), its number, clock and length. */
struct seg {
	uint64_t	 seq;
	const struct block *first;
	const struct block *after;	/* the next segment's first block */
	uint64_t	 pts;
	uint64_t	 dur;
	int64_t		 time_ms;
};

/* ---- sessions ---- */

/*
 * An HLS player is a session, not a connection: its playlist URL carries
 * ?s=ID (a first request without one is sent there with a 302), so do the
 * segment URLs it lists; each fetch keeps the session alive, and a session
 * with no fetch for HLS_SESSION_IDLE seconds (plus 3 segments) has ended.
 * Sessions count as listeners: in stats, in listclients, against
 * max-listeners. Behind a cache, the cache is the session floe sees.
 */
#define HLS_SESSION_IDLE	10

struct hls_session {
	char		 id[17];
	char		*mount;
	char		 ip[64];
	char		*agent;
	int64_t		 started;	/* wall clock, seconds */
	uint64_t	 seen_ns;	/* last fetch, monotonic */
	LIST_ENTRY(hls_session) entry;
};
static LIST_HEAD(, hls_session) sessions = LIST_HEAD_INITIALIZER(sessions);

static uint64_t
session_idle_ns(const struct mount *m)
{
	return (uint64_t)(HLS_SESSION_IDLE + 3 * mount_hls_segment(m)) * 1000000000ULL;
}

/* Forget the sessions of m (all mounts if NULL) that have ended. */
static void
sessions_expire(const struct mount *m)
{
	struct hls_session *h, *next;
	uint64_t now = time_mono_ns();
	struct mount *hm;

	for (h = LIST_FIRST(&sessions); h != NULL; h = next) {
		next = LIST_NEXT(h, entry);
		if (m != NULL && strcmp(h->mount, m->name) != 0)
			continue;
		hm = m != NULL ? (struct mount *)m : mount_find(h->mount);
		if (hm != NULL && now - h->seen_ns < session_idle_ns(hm))
			continue;
		log_debug("HLS session %s on %s from %s ended", h->id, h->mount, h->ip);
		LIST_REMOVE(h, entry);
		free(h->mount);
		free(h->agent);
		free(h);
	}
}

static struct hls_session *
session_find(const struct mount *m, const char *id)
{
	struct hls_session *h;

	LIST_FOREACH(h, &sessions, entry)
		if (strcmp(h->id, id) == 0 && strcmp(h->mount, m->name) == 0)
			return h;
	return NULL;
}

static int
session_id_ok(const char *id)
{
	size_t i;

	for (i = 0; id[i] != '\0'; i++)
		if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
			return 0;
	return i == 16;
}

unsigned
hls_sessions(const struct mount *m)
{
	struct hls_session *h;
	unsigned n = 0;

	sessions_expire(m);
	LIST_FOREACH(h, &sessions, entry)
		if (strcmp(h->mount, m->name) == 0)
			n++;
	return n;
}

void
hls_each_session(const struct mount *m, void (*fn)(void *arg, const char *id, const char *ip,
    const char *agent, int64_t started), void *arg)
{
	struct hls_session *h;

	sessions_expire(m);
	LIST_FOREACH(h, &sessions, entry)
		if (strcmp(h->mount, m->name) == 0)
			fn(arg, h->id, h->ip, h->agent, h->started);
}

/* A fetch of session id (NULL: none) on m: kept alive, or begun if room. 0
 * to serve it, -1 if refused (answered). */
static int
session_touch(struct conn *c, struct mount *m, const char *id, int create)
{
	struct hls_session *h;
	long max = mount_max_listeners(m);
	uint8_t rnd[8];
	size_t i;

	if (id != NULL && (h = session_find(m, id)) != NULL) {
		h->seen_ns = time_mono_ns();
		return 0;
	}
	if (!create)
		return 0;		/* a segment of an ended session: served, not counted */
	if (max >= 0 && STAT_GET(m->nlisteners) + hls_sessions(m) >= (unsigned long)max &&
	    !c->relay_client) {
		log_info("HLS player %s refused on %s: max-listeners %ld reached", c->ip, m->name,
		    max);
		resp_plain_error(c, 403, "max listeners reached");
		return -1;
	}
	h = xcalloc(1, sizeof *h);
	if (id != NULL)
		snprintf(h->id, sizeof h->id, "%s", id);
	else {
		if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
			for (i = 0; i < sizeof rnd; i++)
				rnd[i] = (uint8_t)(time_mono_ns() >> (i * 3));
		for (i = 0; i < sizeof rnd; i++)
			snprintf(h->id + 2 * i, 3, "%02x", rnd[i]);
	}
	h->mount = xstrdup(m->name);
	snprintf(h->ip, sizeof h->ip, "%s", c->ip);
	h->agent = xstrdup(c->user_agent != NULL ? c->user_agent : "");
	h->started = time_wall();
	h->seen_ns = time_mono_ns();
	LIST_INSERT_HEAD(&sessions, h, entry);
	log_info("HLS session %s on %s from %s", h->id, m->name, c->ip);
	return 0;
}

/* ---- MPEG-TS ---- */

struct ts {
	struct sbuf	 out;
	unsigned	 cc[3];		/* continuity counters: PAT/PMT, audio, ID3 */
};

static uint32_t
crc32_mpeg(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xFFFFFFFF;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		crc ^= (uint32_t)p[i] << 24;
		for (k = 0; k < 8; k++)
			crc = crc & 0x80000000 ? (crc << 1) ^ 0x04C11DB7 : crc << 1;
	}
	return crc;
}

/* TS packets for pid carrying payload p[0..n), the first with PUSI (and a
 * PCR if pcr >= 0); the last padded with adaptation-field stuffing. */
static void
ts_write(struct ts *ts, unsigned pid, unsigned *cc, const uint8_t *p, size_t n, int64_t pcr)
{
	uint8_t pkt[TS_PACKET];
	size_t take, af, hdr;
	int first = 1;

	while (n > 0 || first) {
		hdr = 4;
		af = 0;
		if (first && pcr >= 0)
			af = 8;		/* length, flags, 6 bytes of PCR */
		take = FLOE_MIN(n, TS_PACKET - hdr - af);
		/* stuffing: the adaptation field grows to fill the packet */
		if (hdr + af + take < TS_PACKET)
			af = TS_PACKET - hdr - take;
		pkt[0] = 0x47;
		pkt[1] = (uint8_t)((first ? 0x40 : 0) | ((pid >> 8) & 0x1F));
		pkt[2] = (uint8_t)(pid & 0xFF);
		pkt[3] = (uint8_t)((af > 0 ? 0x30 : 0x10) | (*cc & 0x0F));
		*cc = (*cc + 1) & 0x0F;
		if (af > 0) {
			pkt[4] = (uint8_t)(af - 1);
			if (af > 1) {
				pkt[5] = 0;
				memset(pkt + 6, 0xFF, af - 2);
				if (first && pcr >= 0 && af >= 8) {
					uint64_t base = (uint64_t)pcr & 0x1FFFFFFFFULL;

					pkt[5] = 0x50;	/* random access, PCR */
					pkt[6] = (uint8_t)(base >> 25);
					pkt[7] = (uint8_t)(base >> 17);
					pkt[8] = (uint8_t)(base >> 9);
					pkt[9] = (uint8_t)(base >> 1);
					pkt[10] = (uint8_t)(((base & 1) << 7) | 0x7E);
					pkt[11] = 0;
				}
			}
		}
		memcpy(pkt + hdr + af, p, take);
		sbuf_add(&ts->out, pkt, TS_PACKET);
		p += take;
		n -= take;
		first = 0;
	}
}

/* A PSI section (PAT or PMT): pointer field, the section, its CRC. */
static void
ts_section(struct ts *ts, unsigned pid, const uint8_t *sec, size_t n)
{
	uint8_t buf[TS_PACKET];
	uint32_t crc = crc32_mpeg(sec, n);

	buf[0] = 0;		/* pointer_field */
	memcpy(buf + 1, sec, n);
	buf[n + 1] = (uint8_t)(crc >> 24);
	buf[n + 2] = (uint8_t)(crc >> 16);
	buf[n + 3] = (uint8_t)(crc >> 8);
	buf[n + 4] = (uint8_t)crc;
	ts_write(ts, pid, &ts->cc[0], buf, n + 5, -1);
}

/* The ID3 metadata descriptor's body (Apple's timed metadata for HLS). */
static size_t
id3_format(uint8_t *p)
{
	static const uint8_t f[] = { 0xFF, 0xFF, 'I', 'D', '3', ' ', 0xFF, 'I', 'D', '3', ' ', 0 };

	memcpy(p, f, sizeof f);
	return sizeof f;
}

static void
ts_tables(struct ts *ts, int aac, int mpeg1)
{
	uint8_t pat[] = { 0x00, 0xB0, 13, 0x00, 0x01, 0xC1, 0x00, 0x00,
	    0x00, 0x01, 0xE0 | (PID_PMT >> 8), PID_PMT & 0xFF };
	uint8_t pmt[128];
	size_t n = 0, len_at, pil_at, es_at;

	ts_section(ts, 0, pat, sizeof pat - 0);
	pmt[n++] = 0x02;
	len_at = n;
	n += 2;				/* section_length, below */
	pmt[n++] = 0x00;
	pmt[n++] = 0x01;		/* program 1 */
	pmt[n++] = 0xC1;
	pmt[n++] = 0x00;
	pmt[n++] = 0x00;
	pmt[n++] = 0xE0 | (PID_AUDIO >> 8);
	pmt[n++] = PID_AUDIO & 0xFF;	/* PCR PID */
	pil_at = n;
	n += 2;
	/* metadata_pointer_descriptor: the program's timed ID3 */
	pmt[n++] = 0x25;
	pmt[n++] = 15;
	n += id3_format(pmt + n);
	pmt[n++] = 0x1F;		/* no locator, carriage in this TS */
	pmt[n++] = 0x00;
	pmt[n++] = 0x01;		/* program_number */
	pmt[pil_at] = (uint8_t)(0xF0 | ((n - pil_at - 2) >> 8));
	pmt[pil_at + 1] = (uint8_t)(n - pil_at - 2);
	/* the audio */
	pmt[n++] = aac ? 0x0F : mpeg1 ? 0x03 : 0x04;
	pmt[n++] = 0xE0 | (PID_AUDIO >> 8);
	pmt[n++] = PID_AUDIO & 0xFF;
	pmt[n++] = 0xF0;
	pmt[n++] = 0x00;
	/* the titles: stream_type 0x15 with an ID3 metadata_descriptor */
	pmt[n++] = 0x15;
	pmt[n++] = 0xE0 | (PID_ID3 >> 8);
	pmt[n++] = PID_ID3 & 0xFF;
	es_at = n;
	n += 2;
	pmt[n++] = 0x26;
	pmt[n++] = 13;
	n += id3_format(pmt + n);	/* ... metadata_service_id 0 */
	pmt[n++] = 0x0F;		/* no decoder config, no DSM-CC */
	pmt[es_at] = (uint8_t)(0xF0 | ((n - es_at - 2) >> 8));
	pmt[es_at + 1] = (uint8_t)(n - es_at - 2);
	pmt[len_at] = (uint8_t)(0xB0 | ((n - len_at - 2 + 4) >> 8));
	pmt[len_at + 1] = (uint8_t)(n - len_at - 2 + 4);
	ts_section(ts, PID_PMT, pmt, n);
}

/* One PES packet with a PTS, as TS packets. */
static void
ts_pes(struct ts *ts, unsigned pid, unsigned *cc, uint8_t stream_id, uint64_t pts,
    const uint8_t *p, size_t n, int pcr)
{
	struct sbuf pes;
	uint8_t h[14];
	size_t plen = n + 8;

	pts &= 0x1FFFFFFFFULL;
	h[0] = 0;
	h[1] = 0;
	h[2] = 1;
	h[3] = stream_id;
	h[4] = plen <= 0xFFFF ? (uint8_t)(plen >> 8) : 0;
	h[5] = plen <= 0xFFFF ? (uint8_t)plen : 0;
	h[6] = 0x80;
	h[7] = 0x80;			/* PTS only */
	h[8] = 5;
	h[9] = (uint8_t)(0x21 | ((pts >> 29) & 0x0E));
	h[10] = (uint8_t)(pts >> 22);
	h[11] = (uint8_t)(((pts >> 14) & 0xFE) | 1);
	h[12] = (uint8_t)(pts >> 7);
	h[13] = (uint8_t)(((pts << 1) & 0xFE) | 1);
	sbuf_init(&pes);
	sbuf_add(&pes, h, sizeof h);
	sbuf_add(&pes, p, n);
	ts_write(ts, pid, cc, (const uint8_t *)pes.data, pes.len,
	    pcr ? (int64_t)(pts > PCR_LEAD ? pts - PCR_LEAD : 0) : -1);
	sbuf_free(&pes);
}

/* An ID3v2.4 tag holding one TIT2 frame: the title, UTF-8. */
static void
id3_title(struct sbuf *sb, const char *title)
{
	size_t tlen = strlen(title), flen = tlen + 1, total = 10 + flen;
	uint8_t h[20];

	memcpy(h, "ID3\x04\x00\x00", 6);
	h[6] = (uint8_t)((total >> 21) & 0x7F);
	h[7] = (uint8_t)((total >> 14) & 0x7F);
	h[8] = (uint8_t)((total >> 7) & 0x7F);
	h[9] = (uint8_t)(total & 0x7F);
	memcpy(h + 10, "TIT2", 4);
	h[14] = (uint8_t)((flen >> 21) & 0x7F);
	h[15] = (uint8_t)((flen >> 14) & 0x7F);
	h[16] = (uint8_t)((flen >> 7) & 0x7F);
	h[17] = (uint8_t)(flen & 0x7F);
	h[18] = 0;
	h[19] = 0;
	sbuf_add(sb, h, sizeof h);
	sbuf_add(sb, "\x03", 1);	/* UTF-8 */
	sbuf_add(sb, title, tlen);
}

/* ---- segments ---- */

static uint64_t
seg_ticks(const struct mount *m)
{
	return (uint64_t)mount_hls_segment(m) * 90000;
}

/*
 * The whole segments the queue holds, oldest first, at most max (the
 * newest ones). A segment is whole once the next has begun, and only if
 * its first block is in the queue (the block before it is of an earlier
 * segment): bytes served for a number never change.
 */
static size_t
hls_segments(const struct mount *m, struct seg *out, size_t max)
{
	const struct block *b, *prev = NULL;
	uint64_t ticks = seg_ticks(m), seq;
	size_t n = 0, total = 0;
	struct seg cur = { 0 };
	int open = 0;

	for (b = m->q.head; b != NULL; prev = b, b = b->next) {
		if (b->dur == 0)
			continue;
		seq = b->pts / ticks;
		if (open && seq == cur.seq)
			continue;
		if (open) {
			cur.after = b;
			cur.dur = b->pts - cur.pts;
			/* keep the newest max: a ring over out[] */
			out[total % max] = cur;
			total++;
		}
		/* a segment whose start we hold: the block before is older */
		open = prev != NULL && prev->dur > 0 && prev->pts / ticks < seq;
		cur.seq = seq;
		cur.first = b;
		cur.pts = b->pts;
		cur.time_ms = b->time_ms;
	}
	/* unroll the ring into order */
	if (total > max) {
		struct seg *tmp = xcalloc(max, sizeof *tmp);

		for (n = 0; n < max; n++)
			tmp[n] = out[(total + n) % max];
		memcpy(out, tmp, max * sizeof *tmp);
		free(tmp);
		return max;
	}
	return total;
}

static int
hls_format_ok(const struct mount *m)
{
	const struct format_ops *f = __atomic_load_n(&m->fmt, __ATOMIC_ACQUIRE);

	return f == &format_mp3 || f == &format_aac;
}

/* The mount the first mlen bytes of path name, or NULL. */
static struct mount *
hls_mount(const char *path, size_t mlen)
{
	char *name = xstrndup(path, mlen);
	struct mount *m = mount_find(name);

	free(name);
	return m;
}

static void
iso8601_ms(char *buf, size_t n, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
}

static void
hls_playlist(struct conn *c, const struct http_request *r, struct mount *m, const char *sid)
{
	char *dvr = r->query != NULL ? http_query_get(r->query, "dvr") : NULL;
	int all = dvr != NULL && strcmp(dvr, "1") == 0;
	size_t max = all ? 100000 : (size_t)mount_hls_window(m), n, i;
	struct seg *segs = xcalloc(max, sizeof *segs);
	const char *base = strrchr(m->name, '/') + 1;
	uint64_t target = 1;
	char date[96], cache[64];
	struct sbuf sb;

	free(dvr);
	n = hls_segments(m, segs, max);
	for (i = 0; i < n; i++)
		target = FLOE_MAX(target, (segs[i].dur + 89999) / 90000);
	sbuf_init(&sb);
	sbuf_addf(&sb, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:%llu\n"
	    "#EXT-X-MEDIA-SEQUENCE:%llu\n", (unsigned long long)target,
	    (unsigned long long)(n > 0 ? segs[0].seq : 0));
	for (i = 0; i < n; i++) {
		iso8601_ms(date, sizeof date, segs[i].time_ms);
		sbuf_addf(&sb, "#EXT-X-PROGRAM-DATE-TIME:%s\n#EXTINF:%.3f,\n%s.hls/%llu.ts%s%s\n",
		    date, (double)segs[i].dur / 90000.0, base, (unsigned long long)segs[i].seq,
		    sid != NULL ? "?s=" : "", sid != NULL ? sid : "");
	}
	free(segs);
	/* a quarter of a segment: a cache in front asks once per quarter */
	snprintf(cache, sizeof cache, "public, max-age=%ld",
	    FLOE_MAX(1L, mount_hls_segment(m) / 4));
	resp_send_cached(c, "application/vnd.apple.mpegurl", cache, m->conf, sb.data, sb.len);
	sbuf_free(&sb);
}

/*
 * Made segments, kept: a segment never changes once listed, so every
 * player after the first gets the bytes muxed for the first (most fetch
 * the same newest few). A small LRU across mounts.
 */
#define SEG_CACHE	64

struct seg_cached {
	char		*mount;
	uint64_t	 seq;
	uint8_t		*data;
	size_t		 len;
	uint64_t	 used;
};
static struct seg_cached seg_cache[SEG_CACHE];
static uint64_t seg_clock;

static struct seg_cached *
seg_cache_find(const struct mount *m, uint64_t seq)
{
	size_t i;

	for (i = 0; i < SEG_CACHE; i++)
		if (seg_cache[i].mount != NULL && seg_cache[i].seq == seq &&
		    strcmp(seg_cache[i].mount, m->name) == 0) {
			seg_cache[i].used = ++seg_clock;
			return &seg_cache[i];
		}
	return NULL;
}

static void
seg_cache_put(const struct mount *m, uint64_t seq, const void *data, size_t len)
{
	struct seg_cached *e = &seg_cache[0];
	size_t i;

	for (i = 1; i < SEG_CACHE; i++)
		if (seg_cache[i].used < e->used)
			e = &seg_cache[i];
	free(e->mount);
	free(e->data);
	e->mount = xstrdup(m->name);
	e->seq = seq;
	e->data = xmalloc(len);
	memcpy(e->data, data, len);
	e->len = len;
	e->used = ++seg_clock;
}

void
hls_shutdown(void)
{
	struct hls_session *h;
	size_t i;

	for (i = 0; i < SEG_CACHE; i++) {
		free(seg_cache[i].mount);
		free(seg_cache[i].data);
		memset(&seg_cache[i], 0, sizeof seg_cache[i]);
	}
	while ((h = LIST_FIRST(&sessions)) != NULL) {
		LIST_REMOVE(h, entry);
		free(h->mount);
		free(h->agent);
		free(h);
	}
}

static void
hls_segment(struct conn *c, struct mount *m, uint64_t seq)
{
	size_t max = (size_t)mount_rewind_ms(m) / 1000 / (size_t)mount_hls_segment(m) + 16, n, i;
	struct seg *segs = xcalloc(max, sizeof *segs), *s = NULL;
	const struct block *b;
	const struct icy_meta *meta = NULL;
	struct ts ts;
	struct sbuf id3;
	int mpeg1 = 1;
	struct seg_cached *hit = seg_cache_find(m, seq);

	if (hit != NULL) {
		free(segs);
		resp_send_cached(c, "video/mp2t", "public, max-age=86400, immutable", m->conf,
		    (const char *)hit->data, hit->len);
		return;
	}
	n = hls_segments(m, segs, max);
	for (i = 0; i < n; i++)
		if (segs[i].seq == seq)
			s = &segs[i];
	if (s == NULL) {
		free(segs);
		resp_html_error(c, 404, "No such segment (it has left the buffer, or is not "
		    "whole yet)");
		return;
	}
	memset(&ts, 0, sizeof ts);
	sbuf_init(&ts.out);
	for (b = s->first; b != NULL && b->len < 4; b = b->next)
		;
	if (b != NULL && m->fmt == &format_mp3)
		mpeg1 = ((b->data[1] >> 3) & 3) == 3;
	ts_tables(&ts, m->fmt == &format_aac, mpeg1);
	for (b = s->first; b != s->after; b = b->next) {
		if (b->dur == 0)
			continue;		/* an ID3 tag from the source, not audio */
		/* the title in force at the segment's start, then each change */
		if (b->meta != meta) {
			meta = b->meta;
			sbuf_init(&id3);
			id3_title(&id3, meta != NULL && meta->title != NULL ? meta->title : "");
			ts_pes(&ts, PID_ID3, &ts.cc[2], 0xBD, b->pts, (const uint8_t *)id3.data,
			    id3.len, 0);
			sbuf_free(&id3);
		}
		ts_pes(&ts, PID_AUDIO, &ts.cc[1], 0xC0, b->pts, b->data, b->len, 1);
	}
	free(segs);
	seg_cache_put(m, seq, ts.out.data, ts.out.len);
	resp_send_cached(c, "video/mp2t", "public, max-age=86400, immutable", m->conf,
	    ts.out.data, ts.out.len);
	sbuf_free(&ts.out);
}

char *
hls_path_mount(const char *path)
{
	size_t len = strlen(path);
	const char *hls;

	if (len > 5 && strcmp(path + len - 5, ".m3u8") == 0)
		return xstrndup(path, len - 5);
	if ((hls = strstr(path, ".hls/")) != NULL && len > 3 && strcmp(path + len - 3, ".ts") == 0)
		return xstrndup(path, (size_t)(hls - path));
	return NULL;
}

/* A new player: to the playlist URL of its session (the newest session,
 * just made), the rest of its query kept; never cached. */
static void
hls_session_redirect(struct conn *c, const struct http_request *r, struct mount *m)
{
	struct hls_session *h = LIST_FIRST(&sessions);
	const char *base = strrchr(m->name, '/') + 1;
	char *loc;
	int keep_q = r->query != NULL && strpbrk(r->query, " \t\r\n\"<>") == NULL;

	loc = xasprintf("%s.m3u8?s=%s%s%s", base, h->id, keep_q ? "&" : "",
	    keep_q ? r->query : "");
	resp_redirect(c, loc);
	free(loc);
}

int
hls_route(struct conn *c, const struct http_request *r, const char *path)
{
	size_t len = strlen(path);
	const char *hls;
	struct mount *m;
	char *end, *sid;
	unsigned long long seq;

	if (len > 5 && strcmp(path + len - 5, ".m3u8") == 0) {
		if ((m = hls_mount(path, len - 5)) == NULL)
			return -1;
		hls = "playlist";
	} else if ((hls = strstr(path, ".hls/")) != NULL && len > 3 &&
	    strcmp(path + len - 3, ".ts") == 0) {
		if ((m = hls_mount(path, (size_t)(hls - path))) == NULL)
			return -1;
	} else
		return -1;
	if (m->conf == NULL || m->conf->hls <= 0) {
		resp_html_error(c, 404, "This mount has no HLS: set <hls>1</hls> in its <mount>");
		return 0;
	}
	if (!hls_format_ok(m)) {
		resp_html_error(c, 404, "HLS is for MP3 and AAC mounts; this one is not");
		return 0;
	}
	sid = r->query != NULL ? http_query_get(r->query, "s") : NULL;
	if (sid != NULL && !session_id_ok(sid)) {
		free(sid);
		sid = NULL;
	}
	if (strcmp(hls, "playlist") == 0) {
		if (session_touch(c, m, sid, 1) == 0) {
			if (sid == NULL)
				hls_session_redirect(c, r, m);	/* to ?s=ID */
			else
				hls_playlist(c, r, m, sid);
		}
		free(sid);
		return 0;
	}
	session_touch(c, m, sid, 0);
	free(sid);
	seq = strtoull(hls + 5, &end, 10);
	if (end == hls + 5 || strcmp(end, ".ts") != 0) {
		resp_html_error(c, 404, "The file you requested could not be found");
		return 0;
	}
	hls_segment(c, m, seq);
	return 0;
}

/* ---- the hand-off (takeover.c) ---- */

void
hls_save(struct wire *w)
{
	struct hls_session *h;
	uint64_t now = time_mono_ns();

	LIST_FOREACH(h, &sessions, entry) {
		wire_u8(w, 'H');
		wire_str(w, h->id);
		wire_str(w, h->mount);
		wire_str(w, h->ip);
		wire_str(w, h->agent);
		wire_i64(w, h->started);
		wire_u64(w, now - h->seen_ns);	/* idle for, as the clock may differ */
	}
}

void
hls_restore(struct wire *w)
{
	struct hls_session *h = xcalloc(1, sizeof *h);
	char *id = wire_get_str(w), *ip;
	uint64_t idle;

	h->mount = wire_get_str(w);
	ip = wire_get_str(w);
	h->agent = wire_get_str(w);
	h->started = wire_get_i64(w);
	idle = wire_get_u64(w);
	if (w->err || id == NULL || h->mount == NULL || ip == NULL || h->agent == NULL) {
		free(h->mount);
		free(h->agent);
		free(h);
		w->err = 1;
	} else {
		snprintf(h->id, sizeof h->id, "%s", id);
		snprintf(h->ip, sizeof h->ip, "%s", ip);
		h->seen_ns = time_mono_ns() - FLOE_MIN(idle, time_mono_ns());
		LIST_INSERT_HEAD(&sessions, h, entry);
	}
	free(id);
	free(ip);
}
