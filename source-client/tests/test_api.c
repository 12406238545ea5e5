/*
 * test_api.c: the HTTP API's pure parts (the listen address and its
 * loopback check, the request body's JSON), the history ring and its JSON,
 * and webhook URLs in logs.
 */
#include "../../tests/unit/tap.h"
#include "../api.c"
#include "../webhook.c"

/* The value of key in body, or "(absent)" / "(bad)". */
static const char *
js(const char *body, const char *key)
{
	static char buf[256];
	char *v = NULL;
	int rc = api_json_string(body, strlen(body), key, &v);

	if (rc != 0)
		return rc > 0 ? "(absent)" : "(bad)";
	snprintf(buf, sizeof buf, "%s", v);
	free(v);
	return buf;
}

/* Run the checks; the exit status says whether all passed. */
int
main(void)
{
	char host[64], *s;
	int port, lo;
	struct history *h;
	const struct history_entry *e;
	struct sbuf sb;
	size_t i;

	ok(api_parse_addr("127.0.0.1:8020", host, sizeof host, &port, &lo) == 0 && port == 8020 &&
	    lo && strcmp(host, "127.0.0.1") == 0, "127.0.0.1:8020 is loopback");
	ok(api_parse_addr("127.1.2.3:1", host, sizeof host, &port, &lo) == 0 && lo,
	    "all of 127/8 is loopback");
	ok(api_parse_addr("[::1]:8020", host, sizeof host, &port, &lo) == 0 && lo &&
	    strcmp(host, "::1") == 0, "[::1]:8020 is loopback");
	ok(api_parse_addr("[::ffff:127.0.0.1]:80", host, sizeof host, &port, &lo) == 0 && lo,
	    "v4-mapped 127.0.0.1 is loopback");
	ok(api_parse_addr("localhost:8020", host, sizeof host, &port, &lo) == 0 && lo &&
	    strcmp(host, "127.0.0.1") == 0, "localhost is 127.0.0.1");
	ok(api_parse_addr("0.0.0.0:8020", host, sizeof host, &port, &lo) == 0 && !lo,
	    "0.0.0.0 is not loopback");
	ok(api_parse_addr("[::]:8020", host, sizeof host, &port, &lo) == 0 && !lo,
	    ":: is not loopback");
	ok(api_parse_addr("10.1.2.3:8020", host, sizeof host, &port, &lo) == 0 && !lo,
	    "a LAN address is not loopback");
	ok(api_parse_addr("127.0.0.1", host, sizeof host, &port, &lo) != 0, "a port is needed");
	ok(api_parse_addr("127.0.0.1:0", host, sizeof host, &port, &lo) != 0, "port 0 refused");
	ok(api_parse_addr("example.org:80", host, sizeof host, &port, &lo) != 0,
	    "a host name other than localhost is refused (no lookup at start)");

	is_str(js("{\"file\":\"/music/a b.mp3\"}", "file"), "/music/a b.mp3", "json: a string");
	is_str(js(" { \"x\" : 1 , \"y\":null,\"z\":true, \"file\" : \"\\/a\\\"b\\\\c\" } ", "file"),
	    "/a\"b\\c", "json: escapes, other keys, white space");
	is_str(js("{\"file\":\"caf\\u00e9 \\ud83c\\udfb5\"}", "file"), "caf\xc3\xa9 \xf0\x9f\x8e\xb5",
	    "json: \\u escapes and a surrogate pair to UTF-8");
	is_str(js("{\"other\":\"x\"}", "file"), "(absent)", "json: no such key");
	is_str(js("{}", "file"), "(absent)", "json: empty object");
	is_str(js("{\"file\":1}", "file"), "(bad)", "json: not a string");
	is_str(js("{\"file\":\"a\",\"file\":\"b\"}", "file"), "(bad)", "json: said twice");
	is_str(js("{\"file\":\"a\"} x", "file"), "(bad)", "json: trailing junk");
	is_str(js("{\"file\":{\"a\":1}}", "file"), "(bad)", "json: nothing nested");
	is_str(js("{\"file\":\"a\\u0000b\"}", "file"), "(bad)", "json: no NUL");
	is_str(js("{\"file\":\"a\nb\"}", "file"), "(bad)", "json: no raw control character");
	is_str(js("{\"file\":\"\\ud83c\"}", "file"), "(bad)", "json: a lone surrogate");
	is_str(js("{\"file\":\"abc", "file"), "(bad)", "json: cut short");
	is_str(js("", "file"), "(bad)", "json: empty body");
	is_str(js("/music/a.mp3", "file"), "(bad)", "json: a bare path is not JSON");

	h = history_new();
	ok(history_current(h) == NULL && history_len(h) == 0, "history: empty");
	history_begin(h, "A", "/a.mp3", 1000, 10.0);
	history_begin(h, "B", "/b.mp3", 4500, 13.5);
	history_skipped(h);
	e = history_get(h, 0);
	ok(e != NULL && strcmp(e->title, "A") == 0 && e->played == 3.5 && !e->skipped,
	    "history: A played 3.5 s, not skipped");
	e = history_current(h);
	ok(e != NULL && strcmp(e->title, "B") == 0 && e->skipped && e->played < 0,
	    "history: B playing, marked skipped");
	ok(history_played(e, 15.0) == 1.5, "history: B has played 1.5 s so far");
	sbuf_init(&sb);
	history_text(h, 10, 15.0, &sb);
	is_str(sb.data, "1970-01-01T00:00:01.000Z   0:04 played   A (/a.mp3)\n"
	    "1970-01-01T00:00:04.500Z   0:02 playing  B (/b.mp3)\n", "history: text lines");
	sbuf_reset(&sb);
	history_json(h, 1, 15.0, &sb);
	is_str(sb.data, "[\n {\"title\":\"B\",\"file\":\"/b.mp3\",\"started\":"
	    "\"1970-01-01T00:00:04.500Z\",\"played\":1.500,\"playing\":true,\"skipped\":true}\n]",
	    "history: JSON of the last 1");
	for (i = 0; i < 250; i++) {
		s = xasprintf("T%zu", i);
		history_begin(h, s, "/t", (int64_t)i, 20.0 + (double)i);
		free(s);
	}
	ok(history_len(h) == HISTORY_MAX && strcmp(history_get(h, 0)->title, "T150") == 0 &&
	    strcmp(history_get(h, HISTORY_MAX - 1)->title, "T249") == 0 &&
	    history_get(h, HISTORY_MAX) == NULL, "history: the last 100 kept, oldest first");
	history_begin(h, "a\"b\\c\nd\x01" "e\xff" "f", "/x", 0, 0);
	sbuf_reset(&sb);
	history_json(h, 1, 0, &sb);
	ok(strstr(sb.data, "\"title\":\"a\\\"b\\\\c\\nd\\u0001e\\ufffdf\"") != NULL,
	    "history: a hostile title is escaped (quote, backslash, newline, \\x01, bad UTF-8)");
	sbuf_free(&sb);
	history_free(h);

	{	/* a server too slow to keep up: the queue stops at its bound */
		struct event_base *base = event_base_new();
		struct webhooks *w = webhooks_new(base, NULL);

		log_open("/dev/null", LOG_ERROR);
		for (i = 0; i < WEBHOOK_QUEUE_MAX + 8; i++)
			webhooks_post(w, "http://127.0.0.1:9/never", "{}");
		ok(w->targets != NULL && w->targets->next == NULL && w->targets->easy != NULL &&
		    w->targets->n == WEBHOOK_QUEUE_MAX && w->targets->unsaid == 6,
		    "webhook: one request in flight, %d waiting, 7 dropped (one said, 6 counted)",
		    WEBHOOK_QUEUE_MAX);
		webhooks_post(w, "http://127.0.0.1:9/other", "{}");
		ok(w->targets->next != NULL && w->targets->easy != NULL,
		    "webhook: another URL has its own queue");
		webhooks_free(w);
		event_base_free(base);
	}
	s = webhook_url_for_log("https://user:s3cret@hooks.example/x?y=1");
	is_str(s, "https://hooks.example/x?y=1", "webhook URLs are logged without credentials");
	free(s);
	s = webhook_url_for_log("http://hooks.example/a@b");
	is_str(s, "http://hooks.example/a@b", "an @ in the path is not credentials");
	free(s);
	return tap_done();
}
