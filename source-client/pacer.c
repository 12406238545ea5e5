/*
 * pacer.c: schedule arithmetic for real-time pacing.
 *
 *     due(now) = floor((now - t0 + lead) * rate / 1e9) - frames
 *
 * Elapsed time is split into whole seconds and the remainder before the
 * multiplication, so the product cannot overflow 64 bits however long the
 * station runs.
 */
#include "pacer.h"
#include "../server/util.h"

/* Frames due between t0 - lead and now. */
static uint64_t
frames_by(const struct pacer *p, uint64_t now_ns)
{
	uint64_t since;

	if (now_ns + p->lead < p->t0)
		return 0;
	since = now_ns + p->lead - p->t0;
	return since / FLOE_NS_PER_SEC * p->rate + since % FLOE_NS_PER_SEC * p->rate / FLOE_NS_PER_SEC;
}

/* Begin a new schedule. */
void
pacer_start(struct pacer *p, uint64_t now_ns, unsigned rate, uint64_t lead_ns)
{
	p->t0 = now_ns;
	p->frames = 0;
	p->lead = lead_ns;
	p->rate = rate;
	p->running = 1;
}

/* Pause: nothing is due until the next pacer_start(). */
void
pacer_stop(struct pacer *p)
{
	p->running = 0;
}

/* Frames owed now. */
uint64_t
pacer_due(const struct pacer *p, uint64_t now_ns)
{
	uint64_t by;

	if (!p->running)
		return 0;
	by = frames_by(p, now_ns);
	return by > p->frames ? by - p->frames : 0;
}

/* Count produced frames. */
void
pacer_advance(struct pacer *p, uint64_t n)
{
	p->frames += n;
}

/* When frames + more will be due (rounded up to the next ns). */
uint64_t
pacer_when(const struct pacer *p, uint64_t more)
{
	uint64_t k = p->frames + more, secs = k / p->rate, rem = k % p->rate;
	uint64_t at = p->t0 + secs * FLOE_NS_PER_SEC + (rem * FLOE_NS_PER_SEC + p->rate - 1) / p->rate;

	return at > p->lead ? at - p->lead : 0;
}

/* Lateness: the time since the next unproduced frame became due. */
uint64_t
pacer_behind(const struct pacer *p, uint64_t now_ns)
{
	uint64_t due_at = pacer_when(p, 0);

	return p->running && now_ns > due_at ? now_ns - due_at : 0;
}
