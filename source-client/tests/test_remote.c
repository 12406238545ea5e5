/*
 * test_remote.c: the relay thread without a network: a WAV written here,
 * opened through libavformat's file: protocol, goes CONNECTING -> PLAYING
 * -> ENDED and hands over every frame, in order; a closed port fails with
 * the reason; closing a relay that is still connecting or still has
 * frames to push never waits. URLs are cleaned of credentials.
 */
#include "../../tests/unit/tap.h"
#include "../remote.c"

#include <math.h>
#include <unistd.h>

#include <time.h>

/* Wait (up to 10 s) for r to reach the state want; the state it is in. */
static enum remote_state
wait_state(struct remote *r, enum remote_state want)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i;

	for (i = 0; i < 1000 && remote_state(r) != want; i++)
		nanosleep(&ts, NULL);
	return remote_state(r);
}

/* Run the checks; the exit status says whether all passed. */
int
main(void)
{
	char dir[] = "/tmp/fsrc-remote-XXXXXX", *path, *url, *s, buf[200];
	enum { FRAMES = 44100 * 3 };	/* 3 s: more than the prebuffer */
	static float out[FRAMES * 2 + 4096];
	struct remote *r;
	size_t got = 0, n, bad = 0, i;
	FILE *fp;

	s = url_without_credentials("http://user:secret@radio.example.org:8000/live.mp3?token=x");
	is_str(s, "http://radio.example.org:8000/live.mp3", "credentials and query dropped");
	free(s);
	s = url_without_credentials("https://h/a@b");
	is_str(s, "https://h/a@b", "an @ in the path is not a login");
	free(s);
	ok(remote_is_url("HTTP://h/x") && remote_is_url("https://h/") &&
	    !remote_is_url("/music/a.mp3") && !remote_is_url("rtsp://h/"), "which URLs relay");

	decode_global_init();
	if (mkdtemp(dir) == NULL)
		return 1;
	path = xasprintf("%s/ramp.wav", dir);
	fp = fopen(path, "wb");
	{
		unsigned char hdr[44];
		uint32_t data = FRAMES * 4, riff = 36 + data;

		memcpy(hdr, "RIFF", 4);
		memcpy(hdr + 4, &riff, 4);
		memcpy(hdr + 8, "WAVEfmt \x10\0\0\0\x01\0\x02\0\x44\xac\0\0\x10\xb1\x02\0\x04\0\x10\0", 28);
		memcpy(hdr + 36, "data", 4);
		memcpy(hdr + 40, &data, 4);
		fwrite(hdr, 1, 44, fp);
		for (i = 0; i < FRAMES; i++) {	/* left: a sawtooth counter, right: 0 */
			int16_t v[2] = { (int16_t)(i % 20000), 0 };
			fwrite(v, 2, 2, fp);
		}
	}
	fclose(fp);
	url = xasprintf("file:%s", path);

	r = remote_open(url, 44100, 2);
	ok(remote_state(r) == REMOTE_CONNECTING || remote_state(r) == REMOTE_PLAYING,
	    "starts connecting at once");
	/* The ring (8 s) holds the whole file: the thread ends by itself. */
	is_int(wait_state(r, REMOTE_ENDED), REMOTE_ENDED, "the file read to its end: ENDED");
	remote_describe(r, buf, sizeof buf);
	ok(strstr(buf, "pcm_s16le") != NULL && strstr(buf, "44100 Hz, 2 ch") != NULL,
	    "described by its decoder and format");
	while ((n = remote_read(r, out + got * 2, 4096)) > 0)
		got += n;
	is_int(got, FRAMES, "every frame handed over");
	for (i = 0; i < got; i++)
		if (fabsf(out[i * 2] - (float)(i % 20000) / 32768.0f) > 1e-6f || out[i * 2 + 1] != 0)
			bad++;
	is_int(bad, 0, "in order, unchanged (same rate and channels)");
	ok(remote_take_title(r) == NULL, "a file has no ICY title");
	remote_close(r);

	/* Resampled to 22050 Hz mono: about half the frames. */
	r = remote_open(url, 22050, 1);
	wait_state(r, REMOTE_ENDED);
	for (got = 0; (n = remote_read(r, out + got, 4096)) > 0; )
		got += n;
	ok(got >= FRAMES / 2 - 100 && got <= FRAMES / 2 + 100, "resampled to the output's "
	    "rate and channels (%zu frames)", got);
	remote_close(r);

	/* Closed at once, its thread still opening the file: nothing waits;
	 * the thread frees what is left when it stops. */
	r = remote_open(url, 44100, 2);
	remote_close(r);

	/* Nothing listens on port 1. */
	r = remote_open("http://127.0.0.1:1/x.mp3", 44100, 2);
	is_int(wait_state(r, REMOTE_FAILED), REMOTE_FAILED, "a closed port: FAILED");
	ok(strstr(remote_error(r), "refused") != NULL, "with the reason: %s", remote_error(r));
	ok(remote_read(r, out, 10) == 0, "and no audio");
	remote_close(r);

	unlink(path);
	rmdir(dir);
	free(path);
	free(url);
	/* Let the closed threads finish before the process ends. */
	{
		struct timespec ts = { 0, 200 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return tap_done();
}
