/*
 * test_decode.c: decoding and tags on files written here (an MP3 from LAME
 * with ID3v2 or ID3v1 tags, a WAV with RIFF INFO), ID3v1's Latin-1 text,
 * files that must be refused with a reason, and the resampler's rate and
 * channel conversion.
 */
#include "../../tests/unit/tap.h"
#include "../decode.c"
#include "../resample.c"
#include "../encode.h"

#include <math.h>

static char dir[] = "/tmp/fsrc-decode-XXXXXX";

/* Write bytes to a new file in dir; returns its path. */
static char *
put(const char *name, const void *p, size_t n)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *fp = fopen(path, "wb");

	fwrite(p, 1, n, fp);
	fclose(fp);
	return path;
}

/* An ID3v2.3 text frame: id, size (big-endian), flags, encoding 0, text. */
static void
id3_frame(struct sbuf *sb, const char *id, const char *text)
{
	size_t n = strlen(text) + 1;
	unsigned char h[10] = { 0 };

	memcpy(h, id, 4);
	h[4] = (unsigned char)(n >> 24);
	h[5] = (unsigned char)(n >> 16);
	h[6] = (unsigned char)(n >> 8);
	h[7] = (unsigned char)n;
	sbuf_add(sb, h, 10);
	sbuf_add(sb, "", 1);		/* ISO-8859-1 */
	sbuf_add(sb, text, n - 1);
}

/* Decode a whole file: frames, and the rate/channels at the end. */
static long
decode_all(const char *path, int *rate, int *ch, char *err, size_t errlen)
{
	struct decode *d = decode_open(path, err, errlen);
	const float *pcm;
	long n, total = 0;

	if (d == NULL)
		return -1;
	while ((n = decode_read(d, &pcm, err, errlen)) > 0)
		total += n;
	*rate = decode_rate(d);
	*ch = decode_channels(d);
	decode_close(d);
	return n < 0 ? -1 : total;
}

/* Run the checks; the exit status says whether all passed. */
int
main(void)
{
	struct encode_opts eo = { ENCODE_MP3, 44100, 2, 128, 0, 4 };
	struct encoder *enc;
	struct sbuf mp3, tag, file;
	struct decode *d;
	char err[256], *path;
	static float pcm[44100 * 2];
	int rate, ch, i;
	long n;

	ok(mkdtemp(dir) != NULL, "temporary folder");
	log_open("-", LOG_ERROR);
	decode_global_init();
	for (i = 0; i < 44100; i++)
		pcm[2 * i] = pcm[2 * i + 1] = 0.3f * (float)sin(2 * M_PI * 440 * i / 44100.0);

	/* One second of MP3 from LAME. */
	sbuf_init(&mp3);
	enc = encode_open(&eo, err, sizeof err);
	encode_pcm(enc, pcm, 44100, &mp3);
	encode_flush(enc, &mp3);
	encode_close(enc);

	/* ID3v2.3 with artist and title. */
	sbuf_init(&tag);
	id3_frame(&tag, "TPE1", "Tag Artist");
	id3_frame(&tag, "TIT2", "Tag Title");
	sbuf_init(&file);
	{
		unsigned char h[10] = { 'I', 'D', '3', 3, 0, 0 };
		size_t n2 = tag.len;
		h[6] = (unsigned char)(n2 >> 21 & 127);
		h[7] = (unsigned char)(n2 >> 14 & 127);
		h[8] = (unsigned char)(n2 >> 7 & 127);
		h[9] = (unsigned char)(n2 & 127);
		sbuf_add(&file, h, 10);
		sbuf_add(&file, tag.data, tag.len);
		sbuf_add(&file, mp3.data, mp3.len);
	}
	path = put("v2.mp3", file.data, file.len);
	d = decode_open(path, err, sizeof err);
	ok(d != NULL && strcmp(decode_engine(d), "mpg123") == 0, "MP3 opens with mpg123");
	is_str(d ? decode_artist(d) : NULL, "Tag Artist", "ID3v2 artist");
	is_str(d ? decode_title(d) : NULL, "Tag Title", "ID3v2 title");
	ok(d != NULL && decode_duration(d) > 0.9 && decode_duration(d) < 1.1,
	    "MP3 duration from its headers (%.3f s)", d ? decode_duration(d) : -1);
	decode_close(d);
	n = decode_all(path, &rate, &ch, err, sizeof err);
	ok(n > 44100 && n < 44100 + 3000 && rate == 44100 && ch == 2,
	    "MP3 decodes to about a second of 44100 Hz stereo (%ld frames)", n);
	free(path);

	/* ID3v1 only (Latin-1). */
	sbuf_reset(&file);
	sbuf_add(&file, mp3.data, mp3.len);
	{
		char v1[128] = "TAG";
		memcpy(v1 + 3, "Old Title", 9);
		memcpy(v1 + 33, "Ol\xe9", 3);
		sbuf_add(&file, v1, sizeof v1);
	}
	path = put("v1.mp3", file.data, file.len);
	d = decode_open(path, err, sizeof err);
	is_str(d ? decode_artist(d) : NULL, "Ol\xc3\xa9", "ID3v1 artist, Latin-1 made UTF-8");
	is_str(d ? decode_title(d) : NULL, "Old Title", "ID3v1 title");
	decode_close(d);
	free(path);

	/* WAV with RIFF INFO tags, decoded by libavcodec. */
	sbuf_reset(&file);
	{
		static const char info[] = "LIST\x22\0\0\0INFOIART\x06\0\0\0WavArtINAM\x08\0\0\0WavTitle";
		unsigned char hdr[44];
		uint32_t data = 4410 * 4, riff = 36 + data + (uint32_t)sizeof info - 1;
		memcpy(hdr, "RIFF", 4);
		memcpy(hdr + 4, &riff, 4);
		memcpy(hdr + 8, "WAVEfmt \x10\0\0\0\x01\0\x02\0\x44\xac\0\0\x10\xb1\x02\0\x04\0\x10\0", 28);
		memcpy(hdr + 36, "data", 4);
		memcpy(hdr + 40, &data, 4);
		sbuf_add(&file, hdr, 36);
		sbuf_add(&file, info, sizeof info - 1);
		sbuf_add(&file, hdr + 36, 8);
		for (i = 0; i < 4410 * 2; i++) {
			int16_t v = (int16_t)(pcm[i] * 32767);
			sbuf_add(&file, &v, 2);
		}
	}
	path = put("t.wav", file.data, file.len);
	d = decode_open(path, err, sizeof err);
	ok(d != NULL && strstr(decode_engine(d), "pcm_s16le") != NULL, "WAV opens with libavcodec (%s)",
	    d != NULL ? "" : err);
	is_str(d ? decode_artist(d) : NULL, "WavArt", "RIFF INFO artist");
	is_str(d ? decode_title(d) : NULL, "WavTitle", "RIFF INFO title");
	ok(d != NULL && fabs(decode_duration(d) - 0.1) < 0.001, "WAV duration: 0.1 s (%.4f)",
	    d ? decode_duration(d) : -1);
	decode_close(d);
	is_int(decode_all(path, &rate, &ch, err, sizeof err), 4410, "WAV: every frame, exactly");
	free(path);

	/* Files to refuse, each with a reason. */
	ok(decode_open("/nonexistent/x.flac", err, sizeof err) == NULL &&
	    strstr(err, "No such file") != NULL, "missing file: %s", err);
	ok(decode_open(dir, err, sizeof err) == NULL && strstr(err, "not a regular file") != NULL,
	    "a folder: %s", err);
	{
		char junk[20000];
		for (i = 0; i < (int)sizeof junk; i++)
			junk[i] = (char)(tap_rng() & 0xFF);
		path = put("junk.mp3", junk, sizeof junk);
		ok(decode_open(path, err, sizeof err) == NULL, "random bytes as .mp3: %s", err);
		free(path);
		path = put("junk.flac", junk, sizeof junk);
		ok(decode_open(path, err, sizeof err) == NULL, "random bytes as .flac: %s", err);
		free(path);
		path = put("text.ogg", "hello\n", 6);
		ok(decode_open(path, err, sizeof err) == NULL, "text as .ogg: %s", err);
		free(path);
	}
	/* 4 KiB of garbage in the middle of an MP3: decoding goes on past it,
	 * to the end (mpg123's default resync limit ended the track there). */
	sbuf_reset(&file);
	sbuf_add(&file, mp3.data, mp3.len / 2);
	{
		char junk[4096];
		for (i = 0; i < (int)sizeof junk; i++)
			junk[i] = (char)(tap_rng() & 0xFF);
		sbuf_add(&file, junk, sizeof junk);
	}
	sbuf_add(&file, mp3.data + mp3.len / 2, mp3.len - mp3.len / 2);
	path = put("damaged.mp3", file.data, file.len);
	n = decode_all(path, &rate, &ch, err, sizeof err);
	ok(n > 44100 - 3000, "an MP3 with 4 KiB of garbage mid-file plays to its end (%ld frames)",
	    n);
	free(path);
	/* A file whose name lies: WAV data called .mp3 is decoded all the same. */
	sbuf_reset(&file);
	{
		static const unsigned char hdr[44] = { 'R', 'I', 'F', 'F', 0xB4, 1, 0, 0, 'W',
		    'A', 'V', 'E', 'f', 'm', 't', ' ', 16, 0, 0, 0, 1, 0, 1, 0, 0x44, 0xAC, 0, 0,
		    0x88, 0x58, 1, 0, 2, 0, 16, 0, 'd', 'a', 't', 'a', 0x90, 1, 0, 0 };
		static const char body[400];
		sbuf_add(&file, hdr, sizeof hdr);
		sbuf_add(&file, body, sizeof body);
	}
	path = put("wav-named.mp3", file.data, file.len);
	d = decode_open(path, err, sizeof err);
	ok(d != NULL && strncmp(decode_engine(d), "libavcodec", 10) == 0,
	    "a WAV named .mp3: decoded by what can decode it (%s)", d ? decode_engine(d) : err);
	decode_close(d);
	free(path);

	/* MP3 data under another name goes to mpg123 all the same. */
	path = put("disguised.bin", mp3.data, mp3.len);
	d = decode_open(path, err, sizeof err);
	ok(d != NULL && strcmp(decode_engine(d), "mpg123") == 0,
	    "MP3 without an .mp3 name is still decoded by mpg123");
	decode_close(d);
	free(path);

	{
		char *t = latin1_to_utf8("Caf\xe9\0junk", 10);
		is_str(t, "Caf\xc3\xa9", "ID3v1 Latin-1 to UTF-8 stops at NUL");
		free(t);
	}

	/* The resampler. */
	{
		struct resample *r = resample_new(44100, 2, 44100, 2, err, sizeof err);
		const float *out;
		ok(resample_run(r, pcm, 1000, &out) == 1000 && out == pcm, "same format: untouched");
		resample_free(r);
		r = resample_new(48000, 2, 44100, 2, err, sizeof err);
		n = resample_run(r, pcm, 48000 / 2, &out);
		n += resample_flush(r, &out);
		ok(labs(n - 44100 / 2) <= 2, "48 kHz to 44.1 kHz: %ld frames for 0.5 s", n);
		resample_free(r);
		r = resample_new(44100, 1, 44100, 2, err, sizeof err);
		n = resample_run(r, pcm, 1000, &out);
		{
			float peak = 0.0f, diff = 0.0f;
			for (i = 0; i < n; i++) {
				peak = fmaxf(peak, fabsf(out[2 * i]));
				diff = fmaxf(diff, fabsf(out[2 * i] - out[2 * i + 1]));
			}
			ok(n == 1000 && diff < 1e-6f && peak > 0.29f && peak <= 0.3f,
			    "mono to stereo: both channels at full level (peak %.2f)", peak);
		}
		resample_free(r);
		r = resample_new(44100, 2, 44100, 1, err, sizeof err);
		{
			float st[4] = { 0.8f, 0.4f, -1.0f, -1.0f };
			n = resample_run(r, st, 2, &out);
			ok(n == 2 && fabsf(out[0] - 0.6f) < 1e-5f && fabsf(out[1] + 1.0f) < 1e-5f,
			    "stereo to mono: the average, which cannot clip");
		}
		resample_free(r);
	}
	{
		char cmd[600];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		ok(system(cmd) == 0, "clean up");
	}
	sbuf_free(&mp3);
	sbuf_free(&tag);
	sbuf_free(&file);
	return tap_done();
}
