/*
 * test_icy.c: TAP tests for icy.c: the exact bytes of rendered metadata
 * blocks, titles that try to break the framing (checked with the parsers
 * ffmpeg and VLC use), overlong titles cut at a UTF-8 boundary, reference
 * counting, charset conversion, and stripping interleaved metadata from a
 * source stream fed in random pieces.
 */
#include "tap.h"

#include "../../server/icy.c"
#include "../../server/util.c"

#include <stdlib.h>

/* A string literal and its length. */
#define L(s)	(s), sizeof(s) - 1

/* Seeded per file so failures are reproducible. */
#define rng() tap_rng()

/* Independent strict UTF-8 check (not icy.c's own). */
static int
valid_utf8(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, k, need;
	uint32_t cp;

	while (s[i] != '\0') {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xC2 && s[i] <= 0xDF) {
			need = 1;
			cp = s[i] & 0x1F;
		} else if ((s[i] & 0xF0) == 0xE0) {
			need = 2;
			cp = s[i] & 0x0F;
		} else if (s[i] >= 0xF0 && s[i] <= 0xF4) {
			need = 3;
			cp = s[i] & 0x07;
		} else
			return 0;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((need == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
		    (need == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
			return 0;
		i += need + 1;
	}
	return 1;
}

/* The metadata text of a block: after the length byte, up to the padding. */
static size_t
meta_text_len(const struct icy_meta *m)
{
	size_t n = m->len - 1;

	while (n > 0 && m->data[n] == 0)	/* data[1..n] is the text */
		n--;
	return n;
}

/* Occurrences of "';" in the block's text. */
static int
count_terminators(const struct icy_meta *m)
{
	size_t i, n = meta_text_len(m);
	int count = 0;

	for (i = 1; i + 1 <= n; i++)
		if (m->data[i] == '\'' && m->data[i + 1] == ';')
			count++;
	return count;
}

/* How ffmpeg (libavformat/http.c update_metadata) reads a block: each key
 * runs to "='", each value from there to the next "';". */
static char *
parse_like_ffmpeg(const struct icy_meta *m, const char *want_key)
{
	char *text = xstrndup((const char *)m->data + 1, m->len - 1);
	char *next = text, *key, *val, *end, *found = NULL;

	while (*next != '\0') {
		key = next;
		if ((val = strstr(key, "='")) == NULL)
			break;
		if ((end = strstr(val, "';")) == NULL)
			break;
		*val = '\0';
		*end = '\0';
		val += 2;
		if (strcmp(key, want_key) == 0 && found == NULL)
			found = xstrdup(val);
		next = end + 2;
	}
	free(text);
	return found;
}

/* How VLC and most players read it: after "StreamTitle='", up to "';". */
static char *
parse_like_vlc(const struct icy_meta *m)
{
	char *text = xstrndup((const char *)m->data + 1, m->len - 1);
	char *p = strstr(text, "StreamTitle='"), *end, *r = NULL;

	if (p != NULL) {
		p += strlen("StreamTitle='");
		if ((end = strstr(p, "';")) != NULL)
			r = xstrndup(p, (size_t)(end - p));
	}
	free(text);
	return r;
}

/* The framing of a block is intact: length byte, units, padding. */
static int
framing_ok(const struct icy_meta *m)
{
	size_t i, n = meta_text_len(m);

	if (m->len != 1 + 16 * (size_t)m->data[0] || m->len > 1 + ICY_MAX_META)
		return 0;
	if (m->data[0] == 0 || n + 16 < m->len)	/* no unit of pure padding */
		return 0;
	for (i = n + 1; i < m->len; i++)
		if (m->data[i] != 0)
			return 0;
	return memcmp(m->data + 1, "StreamTitle='", 13) == 0;
}

/* The exact bytes of simple blocks. */
static void
test_render_exact(void)
{
	struct icy_meta *m;
	uint8_t want[64];

	m = icy_meta_new("Artist - Song", NULL);
	memset(want, 0, sizeof want);
	want[0] = 2;
	memcpy(want + 1, "StreamTitle='Artist - Song';", 28);
	is_int(m->len, 33, "28 bytes of text: 2 units, 33 bytes");
	ok(m->len == 33 && memcmp(m->data, want, 33) == 0,
	    "exact bytes: length byte, text, NUL padding");
	is_str(m->title, "Artist - Song", "title kept for stats");
	is_int(m->refs, 1, "new block has one reference");
	icy_meta_unref(m);

	m = icy_meta_new("A", NULL);	/* StreamTitle='A'; is exactly 16 bytes */
	is_int(m->len, 17, "16 bytes of text: exactly 1 unit, no padding unit");
	is_int(m->data[0], 1, "length byte 1");
	ok(memcmp(m->data + 1, "StreamTitle='A';", 16) == 0, "text of a one-unit block");
	icy_meta_unref(m);

	m = icy_meta_new("AB", NULL);	/* 17 bytes: 2 units */
	is_int(m->len, 33, "17 bytes of text: 2 units");
	ok(m->data[18] == 0 && m->data[32] == 0, "padded with NULs");
	icy_meta_unref(m);

	m = icy_meta_new("", NULL);
	is_int(m->len, 17, "empty title: one unit");
	ok(memcmp(m->data, "\001StreamTitle='';\0", 17) == 0, "empty title: StreamTitle='';");
	is_str(m->title, "", "empty title kept as empty");
	icy_meta_unref(m);

	m = icy_meta_new(NULL, NULL);
	ok(m->len == 17 && memcmp(m->data, "\001StreamTitle='';\0", 17) == 0,
	    "NULL title: StreamTitle='';");
	icy_meta_unref(m);

	m = icy_meta_new("T", "http://example.com/");
	ok(memcmp(m->data + 1, "StreamTitle='T';StreamUrl='http://example.com/';", 48) == 0,
	    "title and URL");
	is_int(m->len, 49, "title and URL: 48 bytes, 3 units");
	icy_meta_unref(m);

	m = icy_meta_new("T", "http://x/'evil");
	ok(m->len == 17 && memcmp(m->data + 1, "StreamTitle='T';", 16) == 0,
	    "a URL with a quote is left out");
	icy_meta_unref(m);

	m = icy_meta_new("T", "");
	is_int(m->len, 17, "an empty URL is left out");
	icy_meta_unref(m);

	ok(icy_empty[0] == 0, "the no-change block is a single 0 byte");
}

/* Control characters and titles that try to end the value early. */
static void
test_render_hostile(void)
{
	static const char *const nasty[] = {
		"It';s", "';';", ";-)", ";", "abc'", "'", "a'b", "''", "'';",
		"x';StreamUrl='http://evil/", "a ' ; b", "Tr\xc3\xa4" "ck';\xe2\x82\xac",
		"='", "StreamTitle='x';", "';'", ";;'';;",
	};
	struct icy_meta *m;
	char *a, *b, *c;
	size_t i;

	m = icy_meta_new("a\r\nb\tc\001" "d\177e\033f", NULL);
	is_str(m->title, "a  b c d e f", "CR, LF, tab, ^A, DEL, ESC become spaces");
	ok(memcmp(m->data + 1, "StreamTitle='a  b c d e f';", 27) == 0,
	    "cleaned title is what is rendered");
	icy_meta_unref(m);

	for (i = 0; i < FLOE_NELEM(nasty); i++) {
		m = icy_meta_new(nasty[i], NULL);
		ok(framing_ok(m), "'%s': framing intact", nasty[i]);
		is_int(count_terminators(m), 1, "'%s': exactly one \"';\", the terminator",
		    nasty[i]);
		a = icy_parse_title((const char *)m->data + 1, m->len - 1);
		b = parse_like_ffmpeg(m, "StreamTitle");
		c = parse_like_vlc(m);
		is_str(a, m->title, "'%s': icy_parse_title reads back the rendered title",
		    nasty[i]);
		is_str(b, m->title, "'%s': ffmpeg's parser reads the whole title", nasty[i]);
		is_str(c, m->title, "'%s': VLC's parser reads the whole title", nasty[i]);
		ok(strlen(m->title) == strlen(nasty[i]),
		    "'%s': only characters are replaced, none dropped", nasty[i]);
		free(a);
		free(b);
		free(c);
		icy_meta_unref(m);
	}

	m = icy_meta_new("x';y", "http://u/");
	b = parse_like_ffmpeg(m, "StreamUrl");
	is_str(b, "http://u/", "a broken-up \"';\" does not hide the StreamUrl");
	free(b);
	is_int(count_terminators(m), 2, "title and URL: exactly two terminators");
	icy_meta_unref(m);
}

/* A long title of repeated characters cut to fit one block. */
static void
check_overlong(const char *what, const char *unit, size_t reps, const char *prefix,
    const char *url)
{
	struct sbuf sb;
	struct icy_meta *m;
	size_t i, tl, maxloss = strlen(unit) - 1;
	size_t room = ICY_MAX_META - strlen("StreamTitle='';");
	char *full;

	if (url != NULL)
		room -= strlen("StreamUrl='';") + strlen(url);
	sbuf_init(&sb);
	sbuf_adds(&sb, prefix);
	for (i = 0; i < reps; i++)
		sbuf_adds(&sb, unit);
	full = sbuf_steal(&sb, NULL);

	m = icy_meta_new(full, url);
	tl = strlen(m->title);
	ok(m->len <= 1 + ICY_MAX_META, "%s: block within 1 + 255 * 16 bytes (%zu)", what, m->len);
	ok(framing_ok(m), "%s: framing intact", what);
	ok(valid_utf8(m->title), "%s: the cut title is valid UTF-8", what);
	ok(strncmp(m->title, full, tl) == 0, "%s: the cut title is a prefix", what);
	ok(tl <= room && tl + maxloss >= room, "%s: cut as late as possible (%zu of %zu)",
	    what, tl, room);
	ok(memcmp(m->data + 1 + 13 + tl, "';", 2) == 0, "%s: terminated after the cut", what);
	if (url != NULL) {
		char *u = parse_like_ffmpeg(m, "StreamUrl");
		is_str(u, url, "%s: the URL survives", what);
		free(u);
	}
	free(full);
	icy_meta_unref(m);
}

/* Overlong titles. */
static void
test_render_overlong(void)
{
	check_overlong("10 KB of 'a'", "a", 10240, "", NULL);
	check_overlong("10 KB of 2-byte characters", "\xc3\xa4", 5120, "", NULL);
	check_overlong("2-byte characters, odd start", "\xc3\xa4", 5120, "x", NULL);
	check_overlong("3-byte characters", "\xe2\x82\xac", 3500, "", NULL);
	check_overlong("3-byte characters, shifted by 1", "\xe2\x82\xac", 3500, "x", NULL);
	check_overlong("3-byte characters, shifted by 2", "\xe2\x82\xac", 3500, "xy", NULL);
	check_overlong("4-byte characters", "\xf0\x9f\x98\x80", 2600, "", NULL);
	check_overlong("4-byte characters, shifted by 3", "\xf0\x9f\x98\x80", 2600, "xyz", NULL);
	check_overlong("2-byte characters with a URL", "\xc3\xa4", 5120, "",
	    "http://example.com/stream");
}

/* Reference counting: the block lives while anyone holds it. */
static void
test_refcount(void)
{
	struct icy_meta *m = icy_meta_new("shared", NULL);

	icy_meta_ref(m);
	is_int(m->refs, 2, "ref: two references");
	icy_meta_ref(m);
	is_int(m->refs, 3, "ref: three references");
	icy_meta_unref(m);
	icy_meta_unref(m);
	is_int(m->refs, 1, "unref twice: one left");
	is_str(m->title, "shared", "still readable with one reference");
	icy_meta_unref(m);	/* freed: valgrind checks there is no leak */
	icy_meta_unref(NULL);
	ok(1, "unref of NULL is harmless");
}

/* Charset conversion of titles. */
static void
test_to_utf8(void)
{
	static const struct {
		const char *in, *charset, *want, *what;
	} t[] = {
		{ "Tr\xc3\xa4" "ck \xe2\x82\xac", NULL, "Tr\xc3\xa4" "ck \xe2\x82\xac", "valid UTF-8, no charset" },
		{ "Tr\xc3\xa4" "ck", "UTF-8", "Tr\xc3\xa4" "ck", "valid UTF-8, UTF-8" },
		{ "Tr\xc3\xa4" "ck", "utf8", "Tr\xc3\xa4" "ck", "valid UTF-8, 'utf8'" },
		{ "Tr\xc3\xa4" "ck", "", "Tr\xc3\xa4" "ck", "valid UTF-8, empty charset" },
		{ "plain ascii", NULL, "plain ascii", "ASCII" },
		{ "", NULL, "", "empty string" },
		{ "Tr\xe4" "ck", NULL, "Tr\xc3\xa4" "ck", "Latin-1 bytes, no charset" },
		{ "Tr\xe4" "ck", "UTF-8", "Tr\xc3\xa4" "ck", "Latin-1 bytes claimed UTF-8" },
		{ "\xc4\xd6\xdc\xdf", "ISO-8859-1", "\xc3\x84\xc3\x96\xc3\x9c\xc3\x9f", "ISO-8859-1" },
		{ "\xe4", "latin1", "\xc3\xa4", "'latin1' alias" },
		{ "\x80 5", "WINDOWS-1252", "\xe2\x82\xac 5", "windows-1252 euro sign" },
		{ "\xa4", "ISO-8859-15", "\xe2\x82\xac", "ISO-8859-15 euro sign" },
		{ "Tr\xc3\xa4" "ck", "no-such-charset", "Tr\xc3\xa4" "ck", "unknown charset, UTF-8 text" },
		{ "Tr\xe4" "ck", "no-such-charset", "Tr\xc3\xa4" "ck", "unknown charset, Latin-1 text" },
		{ "\xc0\xaf", NULL, "\xc3\x80\xc2\xaf", "overlong UTF-8 is not UTF-8" },
		{ "\xed\xa0\x80", NULL, "\xc3\xad\xc2\xa0\xc2\x80", "a surrogate is not UTF-8" },
		{ "\xc3", NULL, "\xc3\x83", "truncated UTF-8 sequence" },
		{ "\xf4\x90\x80\x80", NULL, "\xc3\xb4\xc2\x90\xc2\x80\xc2\x80", "beyond U+10FFFF" },
	};
	size_t i;
	char *r;

	for (i = 0; i < FLOE_NELEM(t); i++) {
		r = icy_to_utf8(t[i].in, t[i].charset);
		is_str(r, t[i].want, "icy_to_utf8: %s", t[i].what);
		ok(r != NULL && valid_utf8(r), "icy_to_utf8: %s: result is UTF-8", t[i].what);
		free(r);
	}
	/* Bytes invalid in the named charset: still some valid UTF-8. */
	r = icy_to_utf8("\xff\xfe", "ASCII");
	ok(r != NULL && valid_utf8(r), "bytes invalid in the named charset: still UTF-8 out");
	free(r);
}

/* icy_parse_title on metadata texts. */
static void
test_parse_title(void)
{
	static const struct {
		const char *text;
		size_t len;
		const char *want, *what;
	} t[] = {
		{ L("StreamTitle='abc';"), "abc", "simple" },
		{ L("StreamTitle='abc';StreamUrl='u';"), "abc", "with a URL after" },
		{ L("StreamUrl='u';StreamTitle='abc';"), "abc", "with a URL before" },
		{ L("StreamTitle='';"), "", "empty" },
		{ L("StreamTitle='it's';"), "it's", "a quote inside" },
		{ L("StreamTitle='abc';\0\0\0\0\0"), "abc", "padding after" },
		{ L("StreamTitle='abc'\0\0\0"), "abc", "unterminated, closing quote" },
		{ L("StreamTitle='abc"), "abc", "unterminated at the end" },
		{ L("StreamTitle='abc\0';junk"), "abc", "stops at a NUL" },
		{ L("StreamUrl='u';"), NULL, "no title" },
		{ L("StreamTitle="), NULL, "no quote" },
		{ L(""), NULL, "empty text" },
		{ L("streamtitle='x';"), NULL, "case matters" },
	};
	size_t i;
	char *r;

	for (i = 0; i < FLOE_NELEM(t); i++) {
		r = icy_parse_title(t[i].text, t[i].len);
		is_str(r, t[i].want, "icy_parse_title: %s", t[i].what);
		free(r);
	}
	/* The length bounds the scan: the terminator beyond it is not seen. */
	r = icy_parse_title("StreamTitle='abc';", 16);
	is_str(r, "abc", "icy_parse_title: length limits the scan");
	free(r);
	r = icy_parse_title("StreamTitle='abc';", 12);
	ok(r == NULL, "icy_parse_title: prefix cut by the length: NULL");
	free(r);
}

/* A source stream with interleaved metadata, and what stripping must give. */
struct icy_stream {
	struct sbuf wire;	/* what the source sends */
	struct sbuf audio;	/* the audio alone */
	char	*titles[64];	/* titles in order */
	int	 ntitles;
};

/* Build a stream: nblocks intervals of metaint audio bytes, each followed by
 * a metadata block of some kind, then a last run of audio. */
static void
icy_stream_build(struct icy_stream *s, size_t metaint, int nblocks)
{
	uint8_t a, meta[1 + ICY_MAX_META];
	size_t i, k, n;
	int b;

	sbuf_init(&s->wire);
	sbuf_init(&s->audio);
	s->ntitles = 0;
	for (b = 0; b <= nblocks; b++) {
		for (i = 0; i < metaint; i++) {
			a = (uint8_t)rng();	/* anything, zeros and 0xFF included */
			sbuf_add(&s->wire, &a, 1);
			sbuf_add(&s->audio, &a, 1);
		}
		if (b == nblocks)
			break;
		memset(meta, 0, sizeof meta);
		switch (b % 5) {
		case 0:
		case 3:
			sbuf_add(&s->wire, "", 1);	/* no change */
			break;
		case 1:
			n = (size_t)snprintf((char *)meta + 1, sizeof meta - 1,
			    "StreamTitle='Song %d';", b);
			meta[0] = (uint8_t)((n + 15) / 16);
			sbuf_add(&s->wire, meta, 1 + 16 * (size_t)meta[0]);
			s->titles[s->ntitles++] = xasprintf("Song %d", b);
			break;
		case 2:
			/* The largest block: a title filling 255 units. */
			memcpy(meta + 1, "StreamTitle='", 13);
			k = ICY_MAX_META - 13 - 2;
			for (i = 0; i < k; i++)
				meta[14 + i] = (uint8_t)('A' + (i + (size_t)b) % 26);
			memcpy(meta + 14 + k, "';", 2);
			meta[0] = 255;
			sbuf_add(&s->wire, meta, 1 + ICY_MAX_META);
			s->titles[s->ntitles++] = xstrndup((char *)meta + 14, k);
			break;
		case 4:
			/* Metadata without a title: no title reported. */
			n = (size_t)snprintf((char *)meta + 1, sizeof meta - 1,
			    "StreamUrl='http://x/%d';", b);
			meta[0] = (uint8_t)((n + 15) / 16);
			sbuf_add(&s->wire, meta, 1 + 16 * (size_t)meta[0]);
			break;
		}
	}
}

/* Free a built stream. */
static void
icy_stream_free(struct icy_stream *s)
{
	int i;

	sbuf_free(&s->wire);
	sbuf_free(&s->audio);
	for (i = 0; i < s->ntitles; i++)
		free(s->titles[i]);
}

/* Strip a stream fed in pieces of max_piece bytes at most (0: whole);
 * check the audio and the titles. */
static void
check_deframe(const char *what, const struct icy_stream *s, size_t metaint,
    size_t max_piece)
{
	struct icy_deframer d;
	struct sbuf out;
	uint8_t *buf = xmalloc(s->wire.len);
	size_t i = 0, k, got;
	char *title, *last = NULL;
	int next = 0, in_order = 1, per_call_all = 1;

	icy_deframer_init(&d, metaint);
	sbuf_init(&out);
	while (i < s->wire.len) {
		k = max_piece == 0 ? s->wire.len : 1 + rng() % max_piece;
		k = FLOE_MIN(k, s->wire.len - i);
		memcpy(buf, s->wire.data + i, k);
		icy_deframe(&d, buf, k, &got, &title);
		sbuf_add(&out, buf, got);
		if (title != NULL) {
			/* Titles come in order; several in one call: the last wins. */
			while (next < s->ntitles && strcmp(s->titles[next], title) != 0) {
				next++;
				if (max_piece == 1)
					per_call_all = 0;
			}
			if (next == s->ntitles)
				in_order = 0;
			else
				next++;
			free(last);
			last = title;
		}
		i += k;
	}
	ok(out.len == s->audio.len && memcmp(out.data, s->audio.data, out.len) == 0,
	    "%s: audio out equals audio in exactly (%zu of %zu bytes)", what, out.len,
	    s->audio.len);
	ok(in_order, "%s: every title returned is one that was sent, in order", what);
	is_str(last, s->ntitles > 0 ? s->titles[s->ntitles - 1] : NULL,
	    "%s: the last title is returned", what);
	if (max_piece == 1)
		ok(per_call_all && next == s->ntitles,
		    "%s: one byte at a time, every title is returned", what);
	free(last);
	free(buf);
	sbuf_free(&out);
}

/* Stripping metadata from a source stream. */
static void
test_deframe(void)
{
	struct icy_stream s;
	struct icy_deframer d;
	uint8_t buf[32];
	size_t got;
	char *title;
	int r;

	icy_stream_build(&s, 100, 30);
	check_deframe("metaint 100, whole", &s, 100, 0);
	check_deframe("metaint 100, 1 byte at a time", &s, 100, 1);
	for (r = 0; r < 5; r++)
		check_deframe("metaint 100, random pieces up to 50", &s, 100, 50);
	for (r = 0; r < 5; r++)
		check_deframe("metaint 100, random pieces up to 5000", &s, 100, 5000);
	icy_stream_free(&s);

	icy_stream_build(&s, 16000, 12);
	check_deframe("metaint 16000, random pieces up to 4096", &s, 16000, 4096);
	check_deframe("metaint 16000, 1 byte at a time", &s, 16000, 1);
	icy_stream_free(&s);

	/* Metaint 1: a length byte after every audio byte. */
	memcpy(buf, "a\0b\0c", 5);
	icy_deframer_init(&d, 1);
	icy_deframe(&d, buf, 5, &got, &title);
	ok(got == 3 && memcmp(buf, "abc", 3) == 0 && title == NULL,
	    "metaint 1 with empty blocks: audio 'abc'");
	free(title);

	/* A title split across calls is reported once it is complete. */
	icy_deframer_init(&d, 2);
	memcpy(buf, "xy\002StreamTi", 11);
	icy_deframe(&d, buf, 11, &got, &title);
	ok(got == 2 && title == NULL, "incomplete metadata block: no title yet");
	free(title);
	memcpy(buf, "tle='Z';", 8);
	memset(buf + 8, 0, 16);
	icy_deframe(&d, buf, 24, &got, &title);
	ok(got == 0, "rest of the block: no audio");
	is_str(title, "Z", "title reported when the block completes");
	free(title);
	memcpy(buf, "zw", 2);
	icy_deframe(&d, buf, 2, &got, &title);
	ok(got == 2 && memcmp(buf, "zw", 2) == 0 && title == NULL,
	    "audio resumes after the block");
	free(title);
}

int
main(void)
{
	tap_rng_state = 0xdeadbeef;
	test_render_exact();
	test_render_hostile();
	test_render_overlong();
	test_refcount();
	test_to_utf8();
	test_parse_title();
	test_deframe();
	return tap_done();
}
