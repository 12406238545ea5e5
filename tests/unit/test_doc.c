/*
 * test_doc.c: TAP tests for doc.c and the escapers it writes through
 * (util.c's sbuf_add_xml and sbuf_add_json): every control character,
 * quotes and markup, bytes that are not UTF-8, characters XML cannot carry,
 * element names, JSON numbers, and long strings. Each document must parse
 * strictly (libxml2 without recovery; json_check.h) and give back what was
 * put in wherever the format can carry it.
 */
#include "tap.h"
#include "json_check.h"

#include "../../server/doc.c"
#include "../../server/util.c"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>

/* U+FFFD in UTF-8, what stands for a byte that is not UTF-8. */
#define FFFD "\xEF\xBF\xBD"

/* A one-value document: <root><key>value</key></root> or its JSON. */
static char *
one_value(int json, const char *key, const char *value, int number, size_t *len)
{
	struct doc d;

	doc_init(&d, json, "root");
	doc_value(&d, key, value, number);
	return doc_finish(&d, len);
}

/* Parse XML strictly: NULL if it is not well-formed (any encoding error,
 * forbidden character or markup error is fatal without XML_PARSE_RECOVER). */
static xmlDocPtr
xml_parse(const char *s, size_t n)
{
	return xmlReadMemory(s, (int)n, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/* The text of the root's first element child, as libxml2 parsed it (caller
 * frees), or NULL if the document is not well-formed. */
static char *
xml_first_text(const char *s, size_t n)
{
	xmlDocPtr x = xml_parse(s, n);
	xmlNodePtr root, c;
	char *out = NULL;

	if (x == NULL)
		return NULL;
	root = xmlDocGetRootElement(x);
	for (c = root != NULL ? root->children : NULL; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE) {
			xmlChar *t = xmlNodeGetContent(c);
			out = xstrdup((const char *)t);
			xmlFree(t);
			break;
		}
	xmlFreeDoc(x);
	return out;
}

/* Does [s, s+n) hold a byte below 0x20 other than the document's own
 * line ends (after the XML declaration and at the very end)? */
static int
raw_control(const char *s, size_t n)
{
	size_t i, lf = 0;

	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] >= 0x20)
			continue;
		if (s[i] != '\n' || ++lf > 2)
			return 1;
	}
	return 0;
}

/* XML and JSON of one value; is the XML round trip exact (want != NULL)? */
static void
check_xml(const char *value, const char *want_text, const char *what)
{
	size_t n;
	char *s = one_value(0, "v", value, 0, &n), *t = xml_first_text(s, n);

	ok(t != NULL, "XML well-formed: %s", what);
	if (t == NULL)
		printf("#   %s\n", s);
	ok(!raw_control(s, n), "XML has no raw control character: %s", what);
	if (want_text != NULL)
		is_str(t, want_text, "XML parses back to the expected text: %s", what);
	free(t);
	free(s);
}

/* JSON of one value: valid strictly, and exactly want if given. */
static void
check_json(const char *value, int number, const char *want, const char *what)
{
	size_t n;
	char *s = one_value(1, "v", value, number, &n);
	const char *err = json_check(s, n);

	ok(err == NULL, "JSON valid: %s", what);
	if (err != NULL)
		printf("#   %s: %s\n", err, s);
	if (want != NULL)
		is_str(s, want, "JSON text: %s", what);
	free(s);
}

/* Every C0 control character and DEL, alone inside text. */
static void
test_controls(void)
{
	static const char *const short_json[] = {
		['\t'] = "\\t", ['\n'] = "\\n", ['\r'] = "\\r",
	};
	char value[4], want[64], what[32];
	int c;

	for (c = 1; c < 0x20 || c == 0x7f; c = c == 0x1f ? 0x7f : c + 1) {
		snprintf(value, sizeof value, "a%cb", c);
		snprintf(what, sizeof what, "byte 0x%02x", c);
		/* XML keeps what it can carry (tab, LF, CR, DEL as references,
		 * so no parser normalizes them) and has U+FFFD for the rest. */
		if (c == '\t' || c == '\n' || c == '\r' || c == 0x7f)
			check_xml(value, value, what);
		else
			check_xml(value, "a" FFFD "b", what);
		if (c < (int)FLOE_NELEM(short_json) && short_json[c] != NULL)
			snprintf(want, sizeof want, "{\"root\":{\"v\":\"a%sb\"}}\n", short_json[c]);
		else
			snprintf(want, sizeof want, "{\"root\":{\"v\":\"a\\u%04xb\"}}\n", c);
		check_json(value, 0, want, what);
	}
}

/* Markup, quotes and the other characters either format gives meaning to. */
static void
test_markup(void)
{
	size_t n;
	char *s;

	s = one_value(0, "v", "<a href=\"x\" b='y'>&amp;</a>", 0, &n);
	is_str(s, "<?xml version=\"1.0\"?>\n<root><v>&lt;a href=&quot;x&quot; b=&apos;y&apos;&gt;"
	    "&amp;amp;&lt;/a&gt;</v></root>\n", "XML: markup and quotes become entities");
	free(s);
	check_xml("</v><forged>1</forged><v>", "</v><forged>1</forged><v>",
	    "a closing tag in a value stays text");
	check_xml("]]><![CDATA[x", "]]><![CDATA[x", "CDATA markers stay text");
	check_json("\"},\"forged\":{\"x\":\"", 0,
	    "{\"root\":{\"v\":\"\\\"},\\\"forged\\\":{\\\"x\\\":\\\"\"}}\n",
	    "a quote cannot end a JSON string");
	check_json("back\\slash /", 0, "{\"root\":{\"v\":\"back\\\\slash /\"}}\n", "backslash");
	check_json("</script><b>", 0,
	    "{\"root\":{\"v\":\"\\u003c/script\\u003e\\u003cb\\u003e\"}}\n",
	    "'<' and '>' escaped so JSON can sit in a page");
	check_json("a\xE2\x80\xA8""b\xE2\x80\xA9", 0, "{\"root\":{\"v\":\"a\\u2028b\\u2029\"}}\n",
	    "U+2028 and U+2029 escaped (JavaScript line terminators)");
}

/* Characters beyond ASCII: kept if UTF-8, replaced if not. */
static void
test_utf8_values(void)
{
	static const struct {
		const char *in, *xml, *json, *what;
	} cases[] = {
		{ "Caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x8E\xB5", "Caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x8E\xB5",
		    "Caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x8E\xB5", "valid UTF-8 is kept" },
		{ "a\xFF""b", "a" FFFD "b", "a\\ufffdb", "0xFF" },
		{ "a\xFE\xFF", "a" FFFD FFFD, "a\\ufffd\\ufffd", "0xFE 0xFF" },
		{ "Caf\xE9", "Caf" FFFD, "Caf\\ufffd", "Latin-1 (the writers do not guess)" },
		{ "\x80x", FFFD "x", "\\ufffdx", "a stray continuation byte" },
		{ "x\xC3", "x" FFFD, "x\\ufffd", "a character cut at the end" },
		{ "\xE2\x82""x", FFFD FFFD "x", "\\ufffd\\ufffdx", "a character cut inside" },
		{ "\xC0\xAF", FFFD FFFD, "\\ufffd\\ufffd", "overlong '/'" },
		{ "\xED\xA0\x80", FFFD FFFD FFFD, "\\ufffd\\ufffd\\ufffd", "a surrogate" },
		{ "\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD, "\\ufffd\\ufffd\\ufffd\\ufffd",
		    "above U+10FFFF" },
		{ "a\xC2\x85""b", "a\xC2\x85""b", "a\\u0085b", "a C1 control (NEL)" },
		{ "\xEF\xBF\xBE\xEF\xBF\xBF", FFFD FFFD, "\xEF\xBF\xBE\xEF\xBF\xBF",
		    "U+FFFE and U+FFFF (XML cannot carry them, JSON can)" },
	};
	char want[256];
	size_t i;

	for (i = 0; i < FLOE_NELEM(cases); i++) {
		check_xml(cases[i].in, cases[i].xml, cases[i].what);
		snprintf(want, sizeof want, "{\"root\":{\"v\":\"%s\"}}\n", cases[i].json);
		check_json(cases[i].in, 0, want, cases[i].what);
	}
}

/* Attribute values (doc_item) and element names. */
static void
test_names_and_attributes(void)
{
	struct doc d;
	size_t n;
	char *s;
	xmlDocPtr x;
	xmlNodePtr item;
	xmlChar *attr;

	doc_init(&d, 0, "root");
	doc_list(&d, "source");
	doc_item(&d, "source", "mount", "/a\"b'<c>&\n\t\xFF.mp3");
	doc_close(&d);
	doc_close(&d);
	s = doc_finish(&d, &n);
	x = xml_parse(s, n);
	ok(x != NULL, "an attribute value with quotes, markup, LF, tab and 0xFF is well-formed");
	item = x != NULL ? xmlDocGetRootElement(x)->children : NULL;
	attr = item != NULL ? xmlGetProp(item, BAD_CAST "mount") : NULL;
	is_str((const char *)attr, "/a\"b'<c>&\n\t" FFFD ".mp3",
	    "and parses back intact (LF and tab are not normalized to spaces)");
	xmlFree(attr);
	if (x != NULL)
		xmlFreeDoc(x);
	free(s);

	s = one_value(0, "a b<c>\"", "x", 0, &n);
	is_str(s, "<?xml version=\"1.0\"?>\n<root><a_b_c__>x</a_b_c__></root>\n",
	    "an element name outside XML's syntax is forced into it");
	free(s);
	s = one_value(0, "1st", "x", 0, &n);
	is_str(s, "<?xml version=\"1.0\"?>\n<root><_1st>x</_1st></root>\n",
	    "a name cannot start with a digit");
	free(s);
	s = one_value(0, "ice-samplerate", "x", 0, &n);
	is_str(s, "<?xml version=\"1.0\"?>\n<root><ice-samplerate>x</ice-samplerate></root>\n",
	    "a plain name with '-' is kept");
	free(s);
	s = one_value(1, "a\"b", "x", 0, &n);
	is_str(s, "{\"root\":{\"a\\\"b\":\"x\"}}\n", "JSON member names are escaped strings");
	free(s);
}

/* Values marked as numbers are bare in JSON only if they are numbers. */
static void
test_numbers(void)
{
	static const struct {
		const char *in;
		int bare;
	} cases[] = {
		{ "128", 1 }, { "0", 1 }, { "-1", 1 }, { "1.5", 1 }, { "2e10", 1 },
		{ "1.5E-3", 1 }, { "+128", 0 }, { "0128", 0 }, { "128k", 0 }, { "", 0 },
		{ " 1", 0 }, { "1.", 0 }, { ".5", 0 }, { "1e", 0 }, { "0x10", 0 },
		{ "NaN", 0 }, { "1,\"forged\":2", 0 }, { "1}", 0 }, { "true", 0 },
	};
	char want[128], what[64];
	size_t i;

	for (i = 0; i < FLOE_NELEM(cases); i++) {
		if (cases[i].bare)
			snprintf(want, sizeof want, "{\"root\":{\"v\":%s}}\n", cases[i].in);
		else {
			struct sbuf sb = { 0 };
			sbuf_add_json(&sb, cases[i].in);
			snprintf(want, sizeof want, "{\"root\":{\"v\":%s}}\n", sb.data);
			sbuf_free(&sb);
		}
		snprintf(what, sizeof what, "number \"%s\" %s", cases[i].in,
		    cases[i].bare ? "bare" : "quoted");
		check_json(cases[i].in, 1, want, what);
	}
	{
		size_t n;
		char *s = one_value(0, "v", "1<2", 1, &n);
		is_str(s, "<?xml version=\"1.0\"?>\n<root><v>1&lt;2</v></root>\n",
		    "XML escapes a \"number\" like any text");
		free(s);
	}
}

/* Lists and items: the JSON commas and arrays, an empty list, nesting. */
static void
test_structure(void)
{
	struct doc d;
	size_t n;
	char *s;
	int i;

	doc_init(&d, 1, "icestats");
	doc_number(&d, "n", 2);
	doc_list(&d, "source");
	for (i = 0; i < 2; i++) {
		doc_item(&d, "source", "mount", i ? "/b" : "/a");
		doc_value(&d, "x", "1", 0);
		doc_list(&d, "listener");
		doc_close(&d);
		doc_close(&d);
	}
	s = doc_finish(&d, &n);
	is_str(s, "{\"icestats\":{\"n\":2,\"source\":[{\"mount\":\"/a\",\"x\":\"1\",\"listener\":[]},"
	    "{\"mount\":\"/b\",\"x\":\"1\",\"listener\":[]}]}}\n", "JSON: arrays, items, commas");
	ok(json_check(s, n) == NULL, "and it is valid");
	free(s);

	doc_init(&d, 0, "icestats");
	doc_value(&d, "absent", NULL, 0);
	doc_item(&d, "listener", NULL, NULL);
	doc_close(&d);
	s = doc_finish(&d, &n);
	is_str(s, "<?xml version=\"1.0\"?>\n<icestats><listener></listener></icestats>\n",
	    "XML: a NULL value is left out, an item without attribute");
	free(s);
}

/* Long values: everything arrives, and the result is still well-formed. */
static void
test_long(void)
{
	static const char piece[] = "ab<\xFF\xC3\xA9\"\n";
	enum { REPEAT = 100000 };
	size_t n, i, len = REPEAT * (sizeof piece - 1);
	char *big = xmalloc(len + 1), *s, *t;
	struct sbuf want = { 0 };
	const char *err;

	for (i = 0; i < REPEAT; i++)
		memcpy(big + i * (sizeof piece - 1), piece, sizeof piece - 1);
	big[len] = '\0';
	for (i = 0; i < REPEAT; i++)
		sbuf_adds(&want, "ab<" FFFD "\xC3\xA9\"\n");

	s = one_value(0, "v", big, 0, &n);
	t = xml_first_text(s, n);
	ok(t != NULL && strcmp(t, want.data) == 0, "XML: a 900 KB value arrives whole and parses");
	free(t);
	free(s);
	s = one_value(1, "v", big, 0, &n);
	err = json_check(s, n);
	ok(err == NULL, "JSON: a 900 KB value is valid");
	ok(n == strlen("{\"root\":{\"v\":\"\"}}\n") + REPEAT * strlen("ab\\u003c\\ufffd\xC3\xA9\\\"\\n"),
	    "JSON: and every piece is there, escaped");
	free(s);
	sbuf_free(&want);
	free(big);
}

/* Run the checks; the exit status says whether all passed. */
int
main(void)
{
	test_controls();
	test_markup();
	test_utf8_values();
	test_names_and_attributes();
	test_numbers();
	test_structure();
	test_long();
	xmlCleanupParser();
	return tap_done();
}
