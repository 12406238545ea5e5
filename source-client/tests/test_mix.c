/*
 * test_mix.c: the FIFO, silence detection and the crossfade gains.
 */
#include "../../tests/unit/tap.h"
#include "../mix.c"

/* Run the checks; the exit status says whether all passed. */
int
main(void)
{
	struct mix_fifo f;
	float pcm[20], in, out, buf[8], tail[8];
	size_t i;

	mix_fifo_init(&f, 2);
	for (i = 0; i < 20; i++)
		pcm[i] = (float)i;
	mix_fifo_push(&f, pcm, 10);
	is_int(f.len, 10, "fifo holds 10 frames");
	mix_fifo_drop(&f, 3);
	ok(mix_fifo_data(&f)[0] == 6.0f, "drop from the front");
	mix_fifo_drop_back(&f, 2);
	is_int(f.len, 5, "drop from the back");
	ok(mix_fifo_data(&f)[9] == 15.0f, "the back is where it should be");
	for (i = 0; i < 3000; i++)
		mix_fifo_push(&f, pcm, 10);
	is_int(f.len, 30005, "fifo grows");
	ok(mix_fifo_data(&f)[0] == 6.0f && mix_fifo_data(&f)[10] == 0.0f,
	    "contents survive growth and compaction");
	mix_fifo_free(&f);

	{
		float s[] = { 0, 0, 0.001f, -0.001f, 0.5f, 0, 0, 0.002f, 0, 0 };
		float thr = mix_db_to_amp(-50);
		is_int(mix_silent_head(s, 5, 2, thr), 2, "two silent frames at the head");
		is_int(mix_silent_tail(s, 5, 2, thr), 2, "two silent frames at the tail");
		is_int(mix_silent_head(s, 1, 2, thr), 1, "all silent: the whole buffer");
		ok(thr > 0.0031f && thr < 0.0032f, "-50 dBFS is about 0.00316");
	}

	mix_fade_gains(0, 100, &out, &in);
	ok(out > 0.99f && in < 0.02f, "fade starts with the old track");
	mix_fade_gains(99, 100, &out, &in);
	ok(out < 0.02f && in > 0.99f, "fade ends with the new track");
	mix_fade_gains(50, 100, &out, &in);
	ok(out * out + in * in > 0.999f && out * out + in * in < 1.001f,
	    "equal power through the fade");
	mix_fade_gains(100, 100, &out, &in);
	ok(out == 0.0f && in == 1.0f, "past the fade: new track only");

	for (i = 0; i < 8; i++) {
		buf[i] = 1.0f;
		tail[i] = 1.0f;
	}
	mix_crossfade(buf, tail, 4, 2, 0, 4);
	for (i = 0; i < 4; i++) {
		mix_fade_gains(i, 4, &out, &in);
		ok(buf[i * 2] > out + in - 0.001f && buf[i * 2] < out + in + 0.001f,
		    "crossfade frame %zu mixes both", i);
	}
	{
		float c[] = { 1.5f, -2.0f, 0.25f };
		mix_clamp(c, 3);
		ok(c[0] == 1.0f && c[1] == -1.0f && c[2] == 0.25f, "clamp to full scale");
	}
	/* The limiter: a 1 s sine at -1 dBFS, then 1 s of the same summed with
	 * another (a loud crossfade: +5 dB over full scale at worst), then the
	 * first alone again. Nothing past the ceiling, the quiet parts
	 * untouched (only delayed), and the gain changing smoothly. */
	{
		enum { R = 44100, N = 3 * R, LA = 220 };
		static float sig[2 * N], orig[2 * N];
		struct mix_limiter lim;
		float ceiling = mix_db_to_amp(-1.0), a = mix_db_to_amp(-1.0), peak = 0.0f;
		double maxstep = 0.0, prevg = 1.0;
		size_t k, untouched = 1;

		for (k = 0; k < N; k++) {
			float v = a * sinf(2.0f * (float)M_PI * 440.0f * (float)k / R);
			if (k >= R && k < 2 * R)
				v += a * sinf(2.0f * (float)M_PI * 445.0f * (float)k / R + 0.3f);
			sig[2 * k] = sig[2 * k + 1] = orig[2 * k] = orig[2 * k + 1] = v;
		}
		mix_limiter_init(&lim, 2, R, -1.0, 5.0, 200.0);
		ok(lim.la == LA, "5 ms of look-ahead is %d frames", LA);
		for (k = 0; k < N; k += 1000)		/* in pieces, as the pacer feeds it */
			mix_limit(&lim, sig + 2 * k, k + 1000 <= N ? 1000 : N - k);
		for (k = 0; k < N; k++)
			peak = fmaxf(peak, fabsf(sig[2 * k]));
		ok(peak <= ceiling + 1e-6f, "limiter: no sample past -1 dBFS (peak %.4f, ceiling "
		    "%.4f; the input reached %.2f)", peak, ceiling, 2 * a);
		for (k = LA; k < R / 2; k++)
			untouched &= fabsf(sig[2 * k] - orig[2 * (k - LA)]) < 1e-6f;
		ok(untouched, "limiter: audio under the ceiling passes unchanged, %d frames late", LA);
		for (k = LA + 1; k < N; k++) {
			double x = fabs((double)orig[2 * (k - LA)]), g;
			if (x < 0.05)
				continue;		/* the gain is only seen where there is signal */
			g = fabs((double)sig[2 * k]) / x;
			if (fabs(g - prevg) > maxstep && k > LA + 1)
				maxstep = fabs(g - prevg);
			prevg = g;
		}
		ok(lim.min_gain < 0.7f && lim.min_gain > 0.4f,
		    "limiter: the loud part turned down by %.1f dB", 20 * log10f(lim.min_gain));
		ok(maxstep < 0.01, "limiter: the gain moves smoothly (largest step %.4f a frame)",
		    maxstep);
		mix_limiter_free(&lim);
	}
	return tap_done();
}
