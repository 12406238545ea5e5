/*
 * test_util.c: base64, percent-encoding and -decoding, number parsing,
 * trimming, Latin-1 conversion and the byte buffer.
 */
#include "../../tests/unit/tap.h"
#include "../util.c"

/* Run the checks; the exit status says whether all passed. */
int
main(void)
{
	struct sbuf sb;
	char *s;
	long l;
	double d;
	int b;

	s = base64_encode("source:hackme", 13);
	is_str(s, "c291cmNlOmhhY2ttZQ==", "base64 of source:hackme");
	free(s);
	s = base64_encode("ab", 2);
	is_str(s, "YWI=", "base64 pads one byte short");
	free(s);
	s = base64_encode("", 0);
	is_str(s, "", "base64 of nothing");
	free(s);

	sbuf_init(&sb);
	sbuf_add_pct(&sb, "/live.mp3");
	is_str(sb.data, "%2Flive.mp3", "percent-encoding keeps unreserved, encodes /");
	sbuf_reset(&sb);
	sbuf_add_pct(&sb, "A & B - \"Ça\" 'x' ~_-.");
	is_str(sb.data, "A%20%26%20B%20-%20%22%C3%87a%22%20%27x%27%20~_-.",
	    "percent-encoding of spaces, quotes, UTF-8");
	sbuf_reset(&sb);
	sbuf_addf(&sb, "%d-%s", 42, "x");
	is_str(sb.data, "42-x", "sbuf_addf");
	sbuf_free(&sb);

	s = pct_decode("a%20b%2", 7);
	is_str(s, "a b%2", "percent-decoding keeps a cut escape literally");
	free(s);
	s = pct_decode("p%40ss%zz", 9);
	is_str(s, "p@ss%zz", "percent-decoding keeps invalid escapes");
	free(s);

	ok(parse_long("128", 8, 320, &l) == 0 && l == 128, "parse_long in range");
	ok(parse_long("1000", 8, 320, &l) != 0, "parse_long out of range");
	ok(parse_long("12x", 0, 100, &l) != 0, "parse_long with junk");
	ok(parse_long("", 0, 100, &l) != 0, "parse_long of nothing");
	ok(parse_long(" 5", 0, 100, &l) != 0, "parse_long with leading space");
	ok(parse_double("2.5", 0, 30, &d) == 0 && d == 2.5, "parse_double");
	ok(parse_double("nan", 0, 30, &d) != 0, "parse_double refuses NaN");
	ok(parse_double("-1", 0, 30, &d) != 0, "parse_double range");
	ok(parse_bool("Yes", &b) == 0 && b == 1, "parse_bool yes");
	ok(parse_bool("off", &b) == 0 && b == 0, "parse_bool off");
	ok(parse_bool("maybe", &b) != 0, "parse_bool refuses maybe");

	{
		char buf[] = "  \tvalue \r\n";
		is_str(str_trim(buf), "value", "str_trim");
	}
	ok(str_isuffix("Song.MP3", ".mp3"), "str_isuffix ignores case");
	ok(!str_isuffix("mp3", ".mp3"), "str_isuffix needs the whole suffix");
	s = latin1_to_utf8("Caf\xe9\0junk", 10);
	is_str(s, "Caf\xc3\xa9", "Latin-1 to UTF-8 stops at NUL");
	free(s);
	ok(time_mono_ns() > 0, "monotonic clock runs");
	return tap_done();
}
