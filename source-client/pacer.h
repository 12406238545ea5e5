/*
 * pacer.h: real-time pacing on an absolute schedule. Frame k of the stream
 * is due at t0 - lead + k / rate on the monotonic clock; the caller asks how
 * many frames are due now and when the next ones will be. Nothing here
 * sleeps, and no relative delay is ever added up, so there is no drift.
 */
#ifndef FSRC_PACER_H
#define FSRC_PACER_H

#include <stdint.h>

struct pacer {
	uint64_t	t0;		/* monotonic ns at which frame 0 was due, plus lead */
	uint64_t	frames;		/* frames produced since t0 */
	uint64_t	lead;		/* ns of audio sent ahead of real time (the burst) */
	unsigned	rate;
	int		running;
};

/** Start (or restart) the schedule at now, allowing lead_ns of burst. */
void pacer_start(struct pacer *p, uint64_t now_ns, unsigned rate, uint64_t lead_ns);
void pacer_stop(struct pacer *p);
/** Frames that are due by now and not yet produced. */
uint64_t pacer_due(const struct pacer *p, uint64_t now_ns);
/** Record that n frames were produced. */
void pacer_advance(struct pacer *p, uint64_t n);
/** Monotonic time at which `more` further frames will have become due. */
uint64_t pacer_when(const struct pacer *p, uint64_t more);
/** How far production is behind schedule, in ns (0 if not behind). */
uint64_t pacer_behind(const struct pacer *p, uint64_t now_ns);

#endif
