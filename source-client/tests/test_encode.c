/*
 * test_encode.c: ADTS headers, AudioSpecificConfig parsing, and both
 * encoders producing whole, parseable frames.
 */
#include "../../tests/unit/tap.h"
#include "../encode_aac.c"

#include <math.h>

/* Frame length field of an ADTS header. */
static size_t
adts_len(const uint8_t *h)
{
	return (size_t)((h[3] & 3) << 11 | h[4] << 3 | h[5] >> 5);
}

/* Run the checks; the exit status says whether all passed. */
int
main(void)
{
	struct encode_opts o = { ENCODE_AAC, 44100, 2, 64, 0, 4 };
	struct encoder *e;
	struct sbuf out;
	uint8_t h[7], asc[2] = { 0x12, 0x10 };
	float pcm[44100 * 2];
	char err[200];
	size_t i, frames, pos;
	int obj, sri, chc, bad;

	adts_header(h, 2, 4, 2, 371);
	ok(h[0] == 0xFF && (h[1] & 0xF6) == 0xF0, "ADTS sync word, layer 0");
	ok(h[1] & 1, "protection absent (no CRC)");
	is_int(h[2] >> 6, 1, "profile LC (object type - 1)");
	is_int((h[2] >> 2) & 15, 4, "sampling frequency index 4 (44100)");
	is_int(((h[2] & 1) << 2) | (h[3] >> 6), 2, "channel configuration 2");
	is_int(adts_len(h), 378, "frame length includes the header");
	is_int(((h[5] & 31) << 6) | (h[6] >> 2), 0x7FF, "buffer fullness 0x7FF");
	is_int(h[6] & 3, 0, "one raw data block");
	adts_header(h, 2, 3, 1, 8000);
	is_int(adts_len(h), 8007, "13-bit length near the limit");

	ok(parse_asc(asc, 2, &obj, &sri, &chc) == 0 && obj == 2 && sri == 4 && chc == 2,
	    "AudioSpecificConfig 12 10: LC, 44100, stereo");
	ok(parse_asc(asc, 1, &obj, &sri, &chc) != 0, "short config refused");
	is_int(aac_rate_index(48000), 3, "48000 is index 3");
	is_int(aac_rate_index(44000), -1, "44000 is no standard rate");

	for (i = 0; i < 44100; i++)
		pcm[2 * i] = pcm[2 * i + 1] = 0.25f * (float)sin(2 * M_PI * 440 * (double)i / 44100);

	sbuf_init(&out);
	e = encode_open(&o, err, sizeof err);
	ok(e != NULL, "AAC encoder opens");
	is_str(encode_content_type(e), "audio/aac", "AAC content type");
	ok(encode_pcm(e, pcm, 44100, &out) == 0 && encode_flush(e, &out) == 0, "AAC encodes 1 s");
	for (pos = 0, frames = 0, bad = 0; pos + 7 <= out.len; frames++) {
		const uint8_t *f = (const uint8_t *)out.data + pos;
		if (f[0] != 0xFF || (f[1] & 0xF6) != 0xF0 || adts_len(f) < 7) {
			bad = 1;
			break;
		}
		pos += adts_len(f);
	}
	ok(!bad && pos == out.len, "AAC output is whole ADTS frames end to end");
	ok(frames >= 43 && frames <= 46, "about 44 frames of 1024 samples for 1 s (%zu)", frames);
	ok(out.len > 6000 && out.len < 10000, "about 64 kbps (%zu bytes)", out.len);
	encode_close(e);

	sbuf_reset(&out);
	o.format = ENCODE_MP3;
	o.bitrate = 128;
	e = encode_open(&o, err, sizeof err);
	ok(e != NULL, "MP3 encoder opens");
	is_str(encode_content_type(e), "audio/mpeg", "MP3 content type");
	ok(encode_pcm(e, pcm, 44100, &out) == 0 && encode_flush(e, &out) == 0, "MP3 encodes 1 s");
	ok((unsigned char)out.data[0] == 0xFF && ((unsigned char)out.data[1] & 0xE0) == 0xE0,
	    "MP3 output starts on a frame (no tag)");
	ok(out.len > 15000 && out.len < 18500, "128 kbps CBR: about 16000 bytes (%zu)", out.len);
	encode_close(e);

	o.vbr = 1;
	o.quality = 2;
	o.channels = 1;
	ok((e = encode_open(&o, err, sizeof err)) != NULL, "MP3 VBR mono opens");
	encode_close(e);
	o.channels = 3;
	ok(encode_open(&o, err, sizeof err) == NULL && strstr(err, "channels"),
	    "three channels refused with a reason");
	is_int(encode_format_parse("AAC"), ENCODE_AAC, "format names");
	is_int(encode_format_parse("ogg"), -1, "unknown format");
	sbuf_free(&out);
	return tap_done();
}
