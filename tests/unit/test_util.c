/*
 * test_util.c: the helpers floe and floe-source share: the byte buffer,
 * percent-encoding and -decoding, base64 both ways, strict number parsing,
 * booleans, trimming, the string tests and the clocks.
 */
#include "tap.h"

#include "../../server/util.c"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Run the checks; the exit status says whether all passed. */
int
main(void)
{
	struct sbuf sb;
	char *s, buf[64];
	size_t n;
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
	s = base64_decode("c291cmNlOmhhY2ttZQ==", 20, &n);
	ok(s != NULL && n == 13 && memcmp(s, "source:hackme", 13) == 0,
	    "base64 decodes what it encodes");
	free(s);
	ok(base64_decode("c29*", 4, &n) == NULL, "base64 refuses a bad character");

	sbuf_init(&sb);
	is_str(sb.data, "", "a new buffer is an empty string");
	sbuf_add_pct(&sb, "/live.mp3");
	is_str(sb.data, "%2Flive.mp3", "percent-encoding keeps unreserved, encodes /");
	sbuf_reset(&sb);
	sbuf_add_pct(&sb, "A & B - \"Ça\" 'x' ~_-.");
	is_str(sb.data, "A%20%26%20B%20-%20%22%C3%87a%22%20%27x%27%20~_-.",
	    "percent-encoding of spaces, quotes, UTF-8");
	sbuf_reset(&sb);
	sbuf_addf(&sb, "%d-%s", 42, "x");
	is_str(sb.data, "42-x", "sbuf_addf");
	sbuf_reset(&sb);
	memset(buf, 'z', sizeof buf);
	for (l = 0; l < 100; l++)
		sbuf_add(&sb, buf, sizeof buf);
	ok(sb.len == 6400 && sb.data[6400] == '\0' && sb.data[6399] == 'z',
	    "the buffer grows and stays NUL-terminated");
	sbuf_free(&sb);
	ok(sb.data == NULL && sb.len == 0, "a freed buffer is empty");
	sbuf_adds(&sb, "again");
	is_str(sb.data, "again", "a freed buffer can be appended to again");
	s = sbuf_steal(&sb, &n);
	ok(n == 5 && sb.data == NULL, "sbuf_steal hands the bytes over");
	free(s);
	s = sbuf_steal(&sb, &n);
	ok(s != NULL && n == 0 && *s == '\0', "stealing from an empty buffer gives \"\"");
	free(s);
	sbuf_init(&sb);
	sbuf_add_xml(&sb, "<a href='x'>&\"\x01");
	is_str(sb.data, "&lt;a href=&apos;x&apos;&gt;&amp;&quot;", "XML escaping");
	sbuf_reset(&sb);
	sbuf_add_json(&sb, "\"a\\b\n<\x01");
	is_str(sb.data, "\"\\\"a\\\\b\\n\\u003c\\u0001\"", "JSON escaping");
	sbuf_free(&sb);

	s = url_decode("a%20b%2", 7, 0, NULL);
	is_str(s, "a b%2", "percent-decoding keeps a cut escape literally");
	free(s);
	s = url_decode("p%40ss%zz", 9, 0, NULL);
	is_str(s, "p@ss%zz", "percent-decoding keeps invalid escapes");
	free(s);
	s = url_decode("a+b", 3, 0, &n);
	ok(n == 3 && strcmp(s, "a+b") == 0, "'+' kept outside query strings");
	free(s);
	s = url_decode("a+b", 3, 1, NULL);
	is_str(s, "a b", "'+' is a space in query strings");
	free(s);

	ok(parse_long("128", 8, 320, &l) == 0 && l == 128, "parse_long in range");
	ok(parse_long("-1", -1, 1, &l) == 0 && l == -1, "parse_long negative");
	ok(parse_long("1000", 8, 320, &l) != 0, "parse_long out of range");
	ok(parse_long("99999999999999999999", 0, LONG_MAX, &l) != 0, "parse_long overflow");
	ok(parse_long("12x", 0, 100, &l) != 0, "parse_long with junk");
	ok(parse_long("", 0, 100, &l) != 0, "parse_long of nothing");
	ok(parse_long(NULL, 0, 100, &l) != 0, "parse_long of NULL");
	ok(parse_long(" 5", 0, 100, &l) != 0, "parse_long with leading space");
	ok(parse_long("5 ", 0, 100, &l) != 0, "parse_long with trailing space");
	ok(parse_double("2.5", 0, 30, &d) == 0 && d == 2.5, "parse_double");
	ok(parse_double("nan", 0, 30, &d) != 0, "parse_double refuses NaN");
	ok(parse_double("-1", 0, 30, &d) != 0, "parse_double range");
	ok(parse_double(" 2", 0, 30, &d) != 0, "parse_double with leading space");
	ok(parse_bool("Yes", &b) == 0 && b == 1, "parse_bool yes");
	ok(parse_bool("off", &b) == 0 && b == 0, "parse_bool off");
	ok(parse_bool("1", &b) == 0 && b == 1, "parse_bool 1");
	ok(parse_bool("maybe", &b) != 0, "parse_bool refuses maybe");
	ok(parse_bool(" no", &b) != 0, "parse_bool is strict about spaces too");

	{
		char t[] = "  \tvalue \r\n";
		is_str(str_trim(t), "value", "str_trim");
	}
	{
		char t[] = " 12 ";
		ok(parse_long(str_trim(t), 0, 100, &l) == 0 && l == 12,
		    "trim, then parse: how padded config values are read");
	}
	ok(str_ieq("ICY-Name", "icy-name"), "str_ieq ignores case");
	ok(str_iprefix("Basic abc", "basic "), "str_iprefix ignores case");
	ok(str_isuffix("Song.MP3", ".mp3"), "str_isuffix ignores case");
	ok(!str_isuffix("mp3", ".mp3"), "str_isuffix needs the whole suffix");
	is_int(utf8_cut("a\xc3\xa9", 3, 2), 1, "utf8_cut never splits a character");
	s = str_sanitize("a\r\nb", 64);
	is_str(s, "a??b", "str_sanitize replaces control characters");
	free(s);
	ok(time_mono_ns() > 0, "monotonic clock runs");
	ok(time_mono_ms() <= time_mono_ns() / 1000000 + 1, "ms and ns clocks agree");
	return tap_done();
}
