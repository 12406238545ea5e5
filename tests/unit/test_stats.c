/*
 * test_stats.c: TAP tests for stats.c: a source cannot forge a value. Its
 * stream description (ice-name, description, genre, url, bitrate,
 * audio-info, user agent) and its titles hold markup, quotes, newlines,
 * JSON syntax and "k=v" text; every document built from the stats (the
 * /admin/stats XML and JSON, /status-json.xsl, and the /api/v1 shape) must
 * parse strictly and still hold each of our values exactly once, with our
 * value. The registry (mount.c) is replaced by stubs below.
 */
#include "tap.h"
#include "json_check.h"

#include "../../server/stats.c"
#include "../../server/doc.c"
#include "../../server/util.c"

#include <libxml/parser.h>
#include <libxml/tree.h>

struct server srv;

/* Stand-ins for mount.c and fanout.c: the values stats.c asks them for. */
long
mount_max_listeners(const struct mount *m)
{
	(void)m;
	return 100;
}

/* No listener was ever slow in these tests. */
uint64_t
fanout_slow(const struct mount *m)
{
	(void)m;
	return 0;
}

/* A fixed byte count. */
uint64_t
fanout_bytes_sent(const struct mount *m)
{
	(void)m;
	return 4096;
}

/* No mount has a <mount> block (config.c's lookup, for listenurl). */
const struct config_mount *
config_find_mount(const struct config *cf, const char *name)
{
	(void)cf;
	(void)name;
	return NULL;
}

/* No HLS sessions here. */
unsigned
hls_sessions(const struct mount *m)
{
	(void)m;
	return 0;
}

/* No rewind buffers here. */
int64_t
mount_rewind_ms(const struct mount *m)
{
	(void)m;
	return 0;
}

/* The run-time fallback only. */
const char *
mount_fallback(const struct mount *m)
{
	return m->fallback;
}

/* The relays stats.c lists for the admin: none, or one with a hostile error. */
static int stub_relays;

void
relay_each(void (*fn)(void *arg, const struct relay_status *st), void *arg)
{
	struct relay_status st = { "/relayed", "http://up:8000/x", "retrying",
	    "</error><state>live</state>&", 3, 1, 0, 0, 1234 };

	if (stub_relays)
		fn(arg, &st);
}

/* stats.c only asks whether a mount has a source. */
static char a_source;

/* The hostile description a source sends, field by field. */
#define EVIL_NAME	"</server_name><listeners>999</listeners><server_name>"
#define EVIL_DESC	"x\" listeners=\"999\n<listeners>999</listeners>"
#define EVIL_GENRE	"a\r\nlisteners=999\r\n"
#define EVIL_URL	"\"},\"listeners\":999,\"x\":{\""
#define EVIL_BITRATE	"128,\"listeners\":999"
#define EVIL_AUDIO	"channels=2;listeners=999;mount=/evil;dummy=1;connected=5;" \
	"<x>=1;samplerate=44100;channels=6;title=forged;a b=1;1x=2;server_name=forged;" \
	"listenurl=http://evil/;ice-samplerate=48000"
#define EVIL_UA		"Enc\x01\x1b[31m</user_agent><listeners>999</listeners>"
#define EVIL_TITLE	"]]><listeners>999</listeners>\",\"listeners\":999,\"t\":\""

/* A live mount (with a source) in the registry. */
static struct mount *
add_mount(const char *name, unsigned listeners)
{
	struct mount *m = xcalloc(1, sizeof *m);

	m->name = xstrdup(name);
	m->source = (struct source *)(void *)&a_source;
	m->stream_start = time_wall() - 100;
	m->nlisteners = listeners;
	m->peak = listeners;
	m->info.content_type = xstrdup("audio/mpeg");
	TAILQ_INSERT_TAIL(&srv.mounts, m, entry);
	return m;
}

/* Give m the hostile description. */
static void
make_evil(struct mount *m)
{
	m->info.name = xstrdup(EVIL_NAME);
	m->info.description = xstrdup(EVIL_DESC);
	m->info.genre = xstrdup(EVIL_GENRE);
	m->info.url = xstrdup(EVIL_URL);
	m->info.bitrate = xstrdup(EVIL_BITRATE);
	m->info.audio_info = xstrdup(EVIL_AUDIO);
	m->info.user_agent = xstrdup(EVIL_UA);
	m->info.source_ip = xstrdup("127.0.0.1");
	m->title = xstrdup(EVIL_TITLE);
}

/* Parse XML strictly (no recovery): NULL if not well-formed. */
static xmlDocPtr
xml_parse(const char *s, size_t n)
{
	return xmlReadMemory(s, (int)n, NULL, NULL,
	    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
}

/* How many element children of parent are called name. */
static int
xml_count(xmlNodePtr parent, const char *name)
{
	xmlNodePtr c;
	int n = 0;

	for (c = parent != NULL ? parent->children : NULL; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
			n++;
	return n;
}

/* The text of parent's first child called name (caller frees), or NULL. */
static char *
xml_text(xmlNodePtr parent, const char *name)
{
	xmlNodePtr c;

	for (c = parent != NULL ? parent->children : NULL; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0) {
			xmlChar *t = xmlNodeGetContent(c);
			char *s = xstrdup((const char *)t);
			xmlFree(t);
			return s;
		}
	return NULL;
}

/* The <source> element whose mount attribute is mount, or NULL. */
static xmlNodePtr
xml_source(xmlNodePtr root, const char *mount)
{
	xmlNodePtr c;

	for (c = root != NULL ? root->children : NULL; c != NULL; c = c->next) {
		xmlChar *a;
		int same;

		if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "source") != 0)
			continue;
		a = xmlGetProp(c, BAD_CAST "mount");
		same = a != NULL && strcmp((const char *)a, mount) == 0;
		xmlFree(a);
		if (same)
			return c;
	}
	return NULL;
}

/* Is a child's text exactly want? */
static void
is_text(xmlNodePtr parent, const char *name, const char *want, const char *what)
{
	char *t = xml_text(parent, name);

	is_str(t, want, "%s", what);
	free(t);
}

/* Does no element child of parent appear twice? */
static int
xml_no_repeats(xmlNodePtr parent)
{
	xmlNodePtr c;

	for (c = parent != NULL ? parent->children : NULL; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && xml_count(parent, (const char *)c->name) != 1)
			return 0;
	return 1;
}

/* How often needle occurs in s. */
static int
count_in(const char *s, const char *needle)
{
	int n = 0;

	for (; (s = strstr(s, needle)) != NULL; s += strlen(needle))
		n++;
	return n;
}

/* /admin/stats as XML: well-formed, and our values stand. */
static void
test_xml(void)
{
	struct doc d;
	size_t n;
	char *s, *t;
	xmlDocPtr x;
	xmlNodePtr root, src;
	long connected;

	doc_init(&d, 0, "icestats");
	stats_render(&d, NULL);
	s = doc_finish(&d, &n);
	x = xml_parse(s, n);
	ok(x != NULL, "/admin/stats with a hostile source is well-formed XML");
	if (x == NULL) {
		printf("# %s\n", s);
		free(s);
		return;
	}
	root = xmlDocGetRootElement(x);
	is_int(xml_count(root, "source"), 2, "two <source> elements, no more");
	is_int(xml_count(root, "listeners"), 1, "one global <listeners>");
	is_text(root, "listeners", "3", "the global listener count is ours");
	src = xml_source(root, "/live.mp3");
	ok(src != NULL, "the hostile source's element is found by its mount");
	ok(xml_no_repeats(src), "no element repeats inside the hostile source's <source>");
	is_text(src, "listeners", "7", "its <listeners> is ours (7), not the source's 999");
	is_text(src, "server_name", EVIL_NAME, "ice-name is text, given back exactly");
	is_text(src, "server_description", EVIL_DESC,
	    "ice-description with quotes and a newline, exactly (LF kept)");
	is_text(src, "genre", EVIL_GENRE, "ice-genre with CR LF, exactly");
	is_text(src, "server_url", EVIL_URL, "ice-url with JSON syntax, exactly");
	is_text(src, "bitrate", EVIL_BITRATE, "ice-bitrate, exactly");
	is_text(src, "audio_info", EVIL_AUDIO, "ice-audio-info, whole, as icecast2 shows it");
	is_text(src, "user_agent", "Enc" "\xEF\xBF\xBD\xEF\xBF\xBD" "[31m</user_agent>"
	    "<listeners>999</listeners>", "the source's User-Agent (controls as U+FFFD)");
	is_text(src, "title", EVIL_TITLE, "the title, exactly");
	is_text(src, "channels", "2", "audio-info channels: the first one given");
	is_text(src, "samplerate", "44100", "audio-info samplerate");
	is_text(src, "ice-samplerate", "48000", "an ice- prefixed audio-info key is kept");
	is_text(src, "listenurl", "http://localhost:8000/live.mp3", "listenurl is ours");
	is_text(src, "server_name", EVIL_NAME, "server_name is not the audio-info's");
	t = xml_text(src, "connected");
	connected = t != NULL ? strtol(t, NULL, 10) : -1;
	ok(connected >= 100 && connected < 100000, "connected is ours (%ld), not audio-info's 5",
	    connected);
	free(t);
	ok(xml_count(src, "mount") == 0 && xml_count(src, "dummy") == 0 &&
	    xml_count(src, "x") == 0 && xml_count(src, "_x_") == 0 && xml_count(src, "a_b") == 0 && xml_count(src, "_1x") == 0,
	    "audio-info keys that are ours, not names, or reserved by the documents are dropped");
	src = xml_source(root, "/a\"b'<c>&.mp3");
	ok(src != NULL, "a mount name with quotes and markup comes back intact as the attribute");
	is_text(src, "listeners", "1", "and that mount keeps its own values");
	xmlFreeDoc(x);
	free(s);
}

/* /admin/stats as JSON: strictly valid, no member named twice. */
static void
test_admin_json(void)
{
	struct doc d;
	size_t n;
	const char *err;
	char *s;

	doc_init(&d, 1, "icestats");
	stats_render(&d, "/live.mp3");
	s = doc_finish(&d, &n);
	err = json_check(s, n);
	ok(err == NULL, "/admin/stats.json: valid, no member twice in an object");
	if (err != NULL)
		printf("#   %s: %s\n", err, s);
	is_int(count_in(s, "\"listeners\":"), 2, "one listeners member globally, one in the source");
	ok(strstr(s, "\"listeners\":7,") != NULL, "the source's listeners is ours (7)");
	ok(strstr(s, "\"bitrate\":\"128,\\\"listeners\\\":999\"") != NULL,
	    "a bitrate that is not a number is a string");
	free(s);
}

/* /status-json.xsl: icecast2's shape, strictly valid. */
static void
test_status_json(void)
{
	struct sbuf sb;
	const char *err;

	sbuf_init(&sb);
	stats_render_json(&sb);
	err = json_check(sb.data, sb.len);
	ok(err == NULL, "/status-json.xsl: valid, no member twice in an object");
	if (err != NULL)
		printf("#   %s: %s\n", err, sb.data);
	is_int(count_in(sb.data, "\"dummy\":"), 2, "one \"dummy\" per source, ours (null)");
	is_int(count_in(sb.data, "\"dummy\":null"), 2, "both null");
	is_int(count_in(sb.data, "\"listeners\":"), 2, "one listeners member per source");
	ok(strstr(sb.data, "\"listeners\":7,") != NULL, "the hostile source's listeners is ours");
	sbuf_free(&sb);
}

/* The /api/v1/status shape (admin.c): each mount an object whose "mount"
 * member comes first, then its values; audio-info cannot add another. */
static void
test_api_shape(void)
{
	struct stat_list sl = { 0 };
	struct mount *m;
	struct doc d;
	size_t n, i;
	const char *err;
	char *s;

	doc_init(&d, 1, "server");
	doc_close(&d);
	doc_list(&d, "mounts");
	TAILQ_FOREACH(m, &srv.mounts, entry) {
		doc_item(&d, "mount", "mount", m->name);
		stats_mount(&sl, m);
		for (i = 0; i < sl.n; i++)
			doc_value(&d, sl.kv[i].key, sl.kv[i].value, sl.kv[i].number);
		stats_list_free(&sl);
		doc_close(&d);
	}
	s = doc_finish(&d, &n);
	err = json_check(s, n);
	ok(err == NULL, "/api/v1 mounts: valid, the source cannot add a second \"mount\"");
	if (err != NULL)
		printf("#   %s: %s\n", err, s);
	is_int(count_in(s, "\"mount\":\"/evil\""), 0, "no forged mount name");
	free(s);
}

/* Which values are numbers: what JSON writes bare. */
static void
test_numbers(void)
{
	static const struct {
		const char *bitrate;
		int number;
	} cases[] = {
		{ "128", 1 }, { "0", 1 }, { "+128", 0 }, { "0128", 0 }, { "128k", 0 },
		{ "-1", 0 }, { " 128", 0 }, { "99999999999", 0 },
	};
	struct stat_list sl = { 0 };
	struct mount *m = add_mount("/num.mp3", 0);
	size_t i, k;
	int found;

	for (i = 0; i < FLOE_NELEM(cases); i++) {
		free(m->info.bitrate);
		m->info.bitrate = xstrdup(cases[i].bitrate);
		stats_mount(&sl, m);
		found = -1;
		for (k = 0; k < sl.n; k++)
			if (strcmp(sl.kv[k].key, "bitrate") == 0)
				found = sl.kv[k].number;
		is_int(found, cases[i].number, "bitrate \"%s\" is %s", cases[i].bitrate,
		    cases[i].number ? "a number" : "a string");
		stats_list_free(&sl);
	}
	free(m->info.bitrate);
	m->info.bitrate = xstrdup("+128");
	{
		struct sbuf sb;
		sbuf_init(&sb);
		stats_render_json(&sb);
		ok(json_check(sb.data, sb.len) == NULL, "/status-json.xsl with bitrate \"+128\" is valid");
		ok(strstr(sb.data, "\"bitrate\":\"+128\"") != NULL, "and the bitrate is a string");
		sbuf_free(&sb);
	}
	TAILQ_REMOVE(&srv.mounts, m, entry);
	free(m->info.bitrate);
	free(m->info.content_type);
	free(m->name);
	free(m);
}

/* Values as they reach stats in floe: through str_sanitize (source.c). */
static void
test_sanitized(void)
{
	struct mount *m = add_mount("/clean.mp3", 0);
	struct doc d;
	size_t n;
	char *s;
	xmlDocPtr x;

	m->info.name = str_sanitize("Caf\xE9 \xFF\r\n<listeners>9</listeners>", 1024);
	m->info.audio_info = str_sanitize("channels=2;note=\xFF\nlisteners=9", 1024);
	doc_init(&d, 0, "icestats");
	stats_render(&d, "/clean.mp3");
	s = doc_finish(&d, &n);
	x = xml_parse(s, n);
	ok(x != NULL, "a sanitized ice-name with 0xFF and CR LF: well-formed");
	if (x != NULL) {
		xmlNodePtr src = xml_source(xmlDocGetRootElement(x), "/clean.mp3");
		is_text(src, "server_name", "Caf\xC3\xA9 \xC3\xBF?" "?<listeners>9</listeners>",
		    "read as Latin-1, CR LF as '?', markup as text");
		is_text(src, "note", "\xC3\xBF?listeners=9", "an audio-info value cannot start a pair");
		is_text(src, "listeners", "0", "listeners is ours");
		xmlFreeDoc(x);
	}
	free(s);
	TAILQ_REMOVE(&srv.mounts, m, entry);
	free(m->info.name);
	free(m->info.audio_info);
	free(m->info.content_type);
	free(m->name);
	free(m);
}

/* Run the checks; the exit status says whether all passed. */
/* Relays: in /admin/stats (escaped), never in what the public sees. */
static void
test_relays(void)
{
	struct doc d;
	size_t n;
	char *s;
	xmlDocPtr x;
	xmlNodePtr root, r;

	stub_relays = 1;
	doc_init(&d, 0, "icestats");
	stats_render(&d, NULL);
	s = doc_finish(&d, &n);
	x = xml_parse(s, n);
	ok(x != NULL, "/admin/stats with a relay whose error is hostile is well-formed");
	root = x != NULL ? xmlDocGetRootElement(x) : NULL;
	is_int(root != NULL ? xml_count(root, "relay") : -1, 1, "one <relay>");
	for (r = root != NULL ? root->children : NULL; r != NULL; r = r->next)
		if (r->type == XML_ELEMENT_NODE && xmlStrcmp(r->name, BAD_CAST "relay") == 0)
			break;
	ok(r != NULL, "the <relay> element is there");
	if (r != NULL) {
		is_text(r, "state", "retrying", "its state is ours");
		is_text(r, "error", "</error><state>live</state>&", "its error, exactly, as text");
		is_text(r, "upstream", "http://up:8000/x", "its upstream");
		is_text(r, "retries", "3", "its retries");
	}
	if (x != NULL)
		xmlFreeDoc(x);
	free(s);
	doc_init(&d, 0, "icestats");
	stats_render_public(&d, NULL);
	s = doc_finish(&d, &n);
	ok(strstr(s, "relay") == NULL, "the public stats say nothing of relays");
	free(s);
	stub_relays = 0;
}

int
main(void)
{
	static struct config cf;
	struct mount *m;

	cf.hostname = (char *)"localhost";
	cf.location = (char *)"Earth";
	cf.admin = (char *)"icemaster@localhost";
	srv.config = &cf;
	srv.started = time_wall();
	srv.stats.listeners = 3;
	srv.stats.sources = 2;
	TAILQ_INIT(&srv.mounts);
	make_evil(add_mount("/live.mp3", 7));
	add_mount("/a\"b'<c>&.mp3", 1);

	test_xml();
	test_admin_json();
	test_status_json();
	test_api_shape();
	test_numbers();
	test_sanitized();
	test_relays();

	while ((m = TAILQ_FIRST(&srv.mounts)) != NULL) {
		TAILQ_REMOVE(&srv.mounts, m, entry);
		free(m->info.name); free(m->info.description); free(m->info.genre);
		free(m->info.url); free(m->info.bitrate); free(m->info.audio_info);
		free(m->info.user_agent); free(m->info.source_ip); free(m->info.content_type);
		free(m->title);
		free(m->name);
		free(m);
	}
	xmlCleanupParser();
	return tap_done();
}
