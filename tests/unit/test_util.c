/*
 * test_util.c: the helpers floe and floe-source share: the byte buffer,
 * percent-encoding and -decoding, base64 both ways, strict number parsing,
 * booleans, trimming, the string tests, UTF-8 decoding and the cleaning of
 * strings from the network, and the clocks.
 */
#include "tap.h"

#include "../../server/util.c"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* One utf8_decode case: the length it gives and, if valid, the code point. */
static void
check_decode(const char *s, size_t n, size_t want_len, uint32_t want_cp, const char *what)
{
	uint32_t cp = 0xDEAD;
	size_t len = utf8_decode(s, n, &cp);

	is_int(len, want_len, "utf8_decode: %s", what);
	if (want_len > 0)
		is_int(cp, want_cp, "utf8_decode: %s: code point", what);
}

/* The decoder and validator against the edges of RFC 3629. */
static void
test_utf8(void)
{
	check_decode("A", 1, 1, 'A', "ASCII");
	check_decode("\xC3\xA9", 2, 2, 0xE9, "two bytes (e-acute)");
	check_decode("\xE2\x82\xAC", 3, 3, 0x20AC, "three bytes (euro)");
	check_decode("\xF0\x9F\x8E\xB5", 4, 4, 0x1F3B5, "four bytes (musical note)");
	check_decode("\xF4\x8F\xBF\xBF", 4, 4, 0x10FFFF, "U+10FFFF, the last code point");
	check_decode("\xEF\xBF\xBF", 3, 3, 0xFFFF, "U+FFFF is UTF-8 (XML refuses it later)");
	check_decode("\xFF", 1, 0, 0, "0xFF never occurs");
	check_decode("\xFE", 1, 0, 0, "0xFE never occurs");
	check_decode("\x80", 1, 0, 0, "a stray continuation byte");
	check_decode("\xC3", 1, 0, 0, "a sequence cut by the end");
	check_decode("\xC3\xA9", 1, 0, 0, "a sequence cut by n");
	check_decode("\xC3(", 2, 0, 0, "a lead byte without its continuation");
	check_decode("\xC0\xAF", 2, 0, 0, "overlong '/' (two bytes)");
	check_decode("\xC1\xBF", 2, 0, 0, "overlong (C1 lead)");
	check_decode("\xE0\x80\xAF", 3, 0, 0, "overlong '/' (three bytes)");
	check_decode("\xF0\x80\x80\xAF", 4, 0, 0, "overlong '/' (four bytes)");
	check_decode("\xED\xA0\x80", 3, 0, 0, "a surrogate (U+D800)");
	check_decode("\xED\xBF\xBF", 3, 0, 0, "a surrogate (U+DFFF)");
	check_decode("\xF4\x90\x80\x80", 4, 0, 0, "above U+10FFFF");
	check_decode("\xF8\x88\x80\x80\x80", 5, 0, 0, "five-byte forms are gone");
	check_decode("", 0, 0, 0, "nothing");

	ok(utf8_is_valid("", 0), "the empty string is UTF-8");
	ok(utf8_is_valid("Caf\xC3\xA9 \xE2\x82\xAC", 9), "mixed widths are UTF-8");
	ok(!utf8_is_valid("Caf\xE9", 4), "Latin-1 e-acute is not UTF-8");
	ok(!utf8_is_valid("ok\xFF", 3), "a trailing 0xFF is not UTF-8");
	ok(!utf8_is_valid("/a\xC3", 3), "a cut character at the end is not UTF-8");
}

/* str_to_utf8 and str_sanitize: what every string from the network becomes. */
static void
test_sanitize(void)
{
	char *s, big[3000];

	s = str_to_utf8("Caf\xC3\xA9");
	is_str(s, "Caf\xC3\xA9", "str_to_utf8 keeps UTF-8 as it is");
	free(s);
	s = str_to_utf8("Caf\xE9 \xFF");
	is_str(s, "Caf\xC3\xA9 \xC3\xBF", "str_to_utf8 reads a value that is not UTF-8 as Latin-1");
	free(s);
	s = str_to_utf8("\xC3\xA9\xE9");
	is_str(s, "\xC3\x83\xC2\xA9\xC3\xA9",
	    "one invalid byte makes the whole value Latin-1 (as icy_to_utf8 does for titles)");
	free(s);

	s = str_sanitize("Player \xFF\xFE", 512);
	is_str(s, "Player \xC3\xBF\xC3\xBE", "str_sanitize: 0xFF and 0xFE as Latin-1");
	ok(utf8_is_valid(s, strlen(s)), "str_sanitize: the result is UTF-8");
	free(s);
	s = str_sanitize("a\x7F""b\x85""c\x1B", 64);
	is_str(s, "a?b?c?", "str_sanitize: DEL, a C1 control (Latin-1 0x85) and ESC become '?'");
	free(s);
	s = str_sanitize("a\xC2\x85""b", 64);
	is_str(s, "a?b", "str_sanitize: a C1 control sent as UTF-8 becomes '?' too");
	free(s);
	s = str_sanitize("\xE2\x82\xAC\xE2\x82\xAC", 4);
	is_str(s, "\xE2\x82\xAC", "str_sanitize cuts between characters");
	free(s);
	s = str_sanitize("ab\xFF", 3);
	is_str(s, "ab", "str_sanitize cuts after converting (0xFF grew to two bytes)");
	free(s);
	memset(big, 0xFF, sizeof big - 1);
	big[sizeof big - 1] = '\0';
	s = str_sanitize(big, 1024);
	ok(strlen(s) == 1024 && utf8_is_valid(s, strlen(s)),
	    "str_sanitize of 3 KB of 0xFF: 1024 bytes of UTF-8");
	free(s);
	s = str_sanitize("", 10);
	is_str(s, "", "str_sanitize of nothing");
	free(s);
}

/* Networks for <deny-ip>/<allow-ip>/<x-forwarded-for>. */
static void
test_cidr(void)
{
	struct cidr n;
	char *e;

	ok(cidr_parse("10.1.0.0/16", &n) == 0, "cidr: a v4 network parses");
	ok(cidr_match(&n, "10.1.255.3") && !cidr_match(&n, "10.2.0.1"),
	    "cidr: inside and outside a /16");
	ok(cidr_match(&n, "::ffff:10.1.2.3"), "cidr: a v4-mapped v6 address matches its v4 net");
	ok(!cidr_match(&n, "2001:db8::1") && !cidr_match(&n, "garbage"),
	    "cidr: v6 and garbage never match a v4 net");
	ok(cidr_parse("192.0.2.7", &n) == 0 && cidr_match(&n, "192.0.2.7") &&
	    !cidr_match(&n, "192.0.2.8"), "cidr: a bare address is a /32");
	ok(cidr_parse("2001:db8::/32", &n) == 0 && cidr_match(&n, "2001:db8:1::5") &&
	    !cidr_match(&n, "2001:db9::1"), "cidr: a v6 network");
	ok(cidr_parse("0.0.0.0/0", &n) == 0 && cidr_match(&n, "203.0.113.1"),
	    "cidr: /0 matches every v4 address");
	ok(cidr_parse("10.0.0.0/33", &n) < 0 && cidr_parse("10.0.0/8", &n) < 0 &&
	    cidr_parse("example.org", &n) < 0 && cidr_parse("10.0.0.0/", &n) < 0 &&
	    cidr_parse("::/129", &n) < 0, "cidr: bad prefixes and names are refused");
	e = url_encode("a b&c=d/é");
	is_str(e, "a%20b%26c%3Dd%2F%C3%A9", "url_encode escapes what a form needs");
	free(e);
}

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
	is_str(sb.data, "&lt;a href=&apos;x&apos;&gt;&amp;&quot;\xEF\xBF\xBD",
	    "XML escaping (a C0 byte XML cannot carry becomes U+FFFD)");
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
	s = url_without_credentials("https://dj:pw@host:8000/show.mp3?token=t#x");
	is_str(s, "https://host:8000/show.mp3", "url_without_credentials: no password, query");
	free(s);
	s = url_without_credentials("http://host/a@b.mp3");
	is_str(s, "http://host/a@b.mp3", "... an @ in the path is not a password's");
	free(s);
	ok(url_has_scheme("http://x") && url_has_scheme("file:///a") &&
	    !url_has_scheme("music/a.mp3") && !url_has_scheme("://x") &&
	    !url_has_scheme("c:/a"), "url_has_scheme");
	test_utf8();
	test_sanitize();
	test_cidr();
	ok(time_mono_ns() > 0, "monotonic clock runs");
	return tap_done();
}
