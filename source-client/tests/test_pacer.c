/*
 * test_pacer.c: the absolute schedule: frames due, wake times, lead, no
 * drift over a long run of jittery ticks, and no overflow after days.
 */
#include "../../tests/unit/tap.h"
#include "../pacer.c"

/* Run the checks; the exit status says whether all passed. */
int
main(void)
{
	struct pacer p;
	uint64_t now, produced = 0, t, n;
	int i, late, ahead;

	pacer_start(&p, 1000 * FLOE_NS_PER_SEC, 44100, 0);
	is_int(pacer_due(&p, 1000 * FLOE_NS_PER_SEC), 0, "nothing due at the start without lead");
	is_int(pacer_due(&p, 1001 * FLOE_NS_PER_SEC), 44100, "one second later: 44100 frames due");
	pacer_advance(&p, 44100);
	is_int(pacer_due(&p, 1001 * FLOE_NS_PER_SEC), 0, "after producing them, nothing");
	is_int(pacer_when(&p, 441), 1001 * FLOE_NS_PER_SEC + 10 * 1000000,
	    "next 441 frames due 10 ms later");

	pacer_start(&p, 50 * FLOE_NS_PER_SEC, 48000, FLOE_NS_PER_SEC / 2);
	is_int(pacer_due(&p, 50 * FLOE_NS_PER_SEC), 24000, "lead: half a second due at once");
	pacer_advance(&p, 24000);
	is_int(pacer_when(&p, 0), 50 * FLOE_NS_PER_SEC, "lead: the next frame is due now");

	/* A long run with irregular wake-ups never drifts: whatever the tick
	 * jitter, frames produced == rate * elapsed (+ lead) at every tick. */
	pacer_start(&p, 0, 44100, 0);
	now = 0;
	for (i = 0; i < 60000; i++) {	/* ~20 minutes of 20 ms ticks */
		now += 20 * 1000000ULL + (uint64_t)(tap_rng() % 3000000);
		produced += pacer_due(&p, now);
		pacer_advance(&p, pacer_due(&p, now));
	}
	t = now / FLOE_NS_PER_SEC * 44100 + now % FLOE_NS_PER_SEC * 44100 / FLOE_NS_PER_SEC;
	is_int(produced, t, "after ~20 minutes of jittery ticks, exactly on schedule");
	ok(pacer_when(&p, 1) > now && pacer_when(&p, 1) <= now + FLOE_NS_PER_SEC / 44100 + 1,
	    "the next frame is due within one frame period");

	/* With a lead, and a tick that now and then comes seconds late (a
	 * loaded machine): after every tick production is exactly the
	 * schedule, rate x (elapsed + lead), never ahead of it, and a late
	 * tick catches up in full. This is the precision the integration test
	 * (test_floe_source_pacing.py) leaves to this one. */
	pacer_start(&p, 5 * FLOE_NS_PER_SEC, 44100, FLOE_NS_PER_SEC);
	now = 5 * FLOE_NS_PER_SEC;
	produced = 0;
	late = ahead = 0;
	for (i = 0; i < 20000; i++) {
		now += 20 * 1000000ULL + (uint64_t)(tap_rng() % 5000000);
		if (i % 1000 == 999)
			now += 3 * FLOE_NS_PER_SEC;	/* a 3 s stall */
		n = pacer_due(&p, now);
		produced += n;
		pacer_advance(&p, n);
		t = (now - 5 * FLOE_NS_PER_SEC + FLOE_NS_PER_SEC) / FLOE_NS_PER_SEC * 44100 +
		    (now - 5 * FLOE_NS_PER_SEC + FLOE_NS_PER_SEC) % FLOE_NS_PER_SEC * 44100 /
		    FLOE_NS_PER_SEC;
		late += produced < t;
		ahead += produced > t;
	}
	ok(late == 0 && ahead == 0, "with a lead and 3 s stalls: on schedule after every tick "
	    "(%d behind, %d ahead)", late, ahead);
	ok(pacer_behind(&p, now) <= FLOE_NS_PER_SEC / 44100 + 1,
	    "... and not behind by more than a frame after catching up");

	/* Days of uptime: no overflow. */
	pacer_start(&p, 0, 96000, 0);
	now = 30ULL * 24 * 3600 * FLOE_NS_PER_SEC;
	is_int(pacer_due(&p, now), 30ULL * 24 * 3600 * 96000, "30 days at 96 kHz: exact");

	pacer_stop(&p);
	is_int(pacer_due(&p, now + FLOE_NS_PER_SEC), 0, "stopped: nothing due");
	pacer_start(&p, 10 * FLOE_NS_PER_SEC, 44100, 0);
	is_int(pacer_behind(&p, 10 * FLOE_NS_PER_SEC), 0, "not behind at the start");
	is_int(pacer_behind(&p, 16 * FLOE_NS_PER_SEC), 6 * FLOE_NS_PER_SEC, "6 s behind after 6 s idle");
	return tap_done();
}
