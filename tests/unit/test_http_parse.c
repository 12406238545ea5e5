/*
 * test_http_parse.c: TAP tests for http_parse.c: request heads with every
 * kind of line end, fed whole and one byte at a time; the exact requests
 * real source clients and players send (INTEROP captures); where the head
 * ends and the body begins; every error the parser reports; query lookup;
 * and the chunked decoder split at every byte boundary.
 */
#include "tap.h"

#include "../../server/http_parse.c"
#include "../../server/util.c"

#include <stdint.h>
#include <stdlib.h>

/* A string literal and its length (embedded NULs included). */
#define L(s)	(s), sizeof(s) - 1

/* One request at a time: the struct is 16 KB, too big for a casual local. */
static struct http_request R;

/* Seeded per file so failures are reproducible. */
#define rng() tap_rng()

/* Parse s in one feed; *used gets what the parser consumed. */
static enum parse_result
parse_whole(const char *s, size_t n, size_t *used)
{
	http_request_init(&R);
	return http_request_feed(&R, s, n, used);
}

/* Parse s one byte per feed, as a slow client would send it. *at gets the
 * offset just past the byte that completed (or broke) the head, or n if the
 * parser still wanted more at the end. */
static enum parse_result
parse_bytewise(const char *s, size_t n, size_t *at)
{
	enum parse_result res = PARSE_AGAIN;
	size_t i, used;

	http_request_init(&R);
	for (i = 0; i < n; i++) {
		res = http_request_feed(&R, s + i, 1, &used);
		if (res != PARSE_AGAIN) {
			*at = i + used;
			return res;
		}
		if (used != 1) {
			*at = i;
			return PARSE_ERROR;	/* AGAIN must take everything */
		}
	}
	*at = n;
	return res;
}

/* Parse s in pieces of random sizes. */
static enum parse_result
parse_pieces(const char *s, size_t n, size_t *at)
{
	enum parse_result res = PARSE_AGAIN;
	size_t i = 0, k, used;

	http_request_init(&R);
	while (i < n) {
		k = 1 + rng() % 40;
		if (k > n - i)
			k = n - i;
		res = http_request_feed(&R, s + i, k, &used);
		if (res != PARSE_AGAIN) {
			*at = i + used;
			return res;
		}
		i += k;
	}
	*at = n;
	return res;
}

/* A request with LF, CRLF or mixed line ends; the same results whatever the
 * line ends and however the bytes arrive. */
static void
check_simple(const char *what, const char *req)
{
	size_t n = strlen(req), used = 0, at = 0;
	int pass;

	is_int(parse_whole(req, n, &used), PARSE_OK, "%s: parses", what);
	is_int(used, n, "%s: consumed exactly the head", what);
	is_str(R.method, "GET", "%s: method", what);
	is_str(R.uri, "/test.mp3", "%s: uri", what);
	is_str(R.path, "/test.mp3", "%s: path", what);
	ok(R.query == NULL, "%s: no query", what);
	is_int(R.version, 11, "%s: HTTP/1.1", what);
	is_int(R.nheaders, 2, "%s: two headers", what);
	is_str(http_header_get(&R, "Host"), "example.org:8000", "%s: Host", what);
	is_str(http_header_get(&R, "icy-metadata"), "1",
	    "%s: header lookup is case-insensitive", what);
	ok(http_header_get(&R, "Range") == NULL, "%s: absent header is NULL", what);
	http_request_free(&R);

	pass = parse_bytewise(req, n, &at) == PARSE_OK && at == n &&
	    strcmp(R.method, "GET") == 0 && strcmp(R.path, "/test.mp3") == 0 &&
	    R.version == 11 && R.nheaders == 2 &&
	    strcmp(http_header_get(&R, "Icy-MetaData"), "1") == 0;
	ok(pass, "%s: same result fed one byte at a time", what);
	http_request_free(&R);
}

/* CRLF, bare LF, and a mix, including a CRLF blank line after LF lines. */
static void
test_line_ends(void)
{
	check_simple("CRLF", "GET /test.mp3 HTTP/1.1\r\nHost: example.org:8000\r\n"
	    "Icy-MetaData: 1\r\n\r\n");
	check_simple("bare LF", "GET /test.mp3 HTTP/1.1\nHost: example.org:8000\n"
	    "Icy-MetaData: 1\n\n");
	check_simple("mixed LF/CRLF", "GET /test.mp3 HTTP/1.1\nHost: example.org:8000\r\n"
	    "Icy-MetaData: 1\n\r\n");
	check_simple("mixed CRLF/LF", "GET /test.mp3 HTTP/1.1\r\nHost: example.org:8000\n"
	    "Icy-MetaData: 1\r\n\n");
	check_simple("spaces around values", "GET  /test.mp3  HTTP/1.1\r\n"
	    "Host:   example.org:8000  \r\nIcy-MetaData:1\t\r\n\r\n");
}

/* Empty lines before the request line (Chromium sends "\r\n\r\n" first). */
static void
test_leading_empty_lines(void)
{
	const char *req = "\r\n\r\nGET /a HTTP/1.1\r\nHost: h\r\n\r\n";
	size_t used, at;

	is_int(parse_whole(req, strlen(req), &used), PARSE_OK,
	    "leading CRLF CRLF skipped");
	is_int(used, strlen(req), "leading empty lines: consumed the whole head");
	is_str(R.method, "GET", "leading empty lines: method");
	is_str(R.path, "/a", "leading empty lines: path");
	is_str(http_header_get(&R, "Host"), "h", "leading empty lines: header");
	http_request_free(&R);

	is_int(parse_bytewise(req, strlen(req), &at), PARSE_OK,
	    "leading empty lines byte by byte");
	is_int(at, strlen(req), "leading empty lines byte by byte: ends at the head end");
	http_request_free(&R);

	/* Chromium's lone "\r\n\r\n" is not a request: wait for more. */
	is_int(parse_whole(L("\r\n\r\n"), &used), PARSE_AGAIN,
	    "only empty lines: AGAIN, not an empty request");
	is_int(used, 4, "only empty lines: all consumed");
	is_int(http_request_feed(&R, L("GET /b HTTP/1.0\n\n"), &used), PARSE_OK,
	    "a request after the empty lines parses");
	is_str(R.path, "/b", "request after empty lines: path");
	is_int(R.version, 10, "request after empty lines: version");
	http_request_free(&R);

	is_int(parse_whole(L("\n\r\n\nGET /c HTTP/1.0\n\n"), &used), PARSE_OK,
	    "mixed leading empty lines");
	is_str(R.path, "/c", "mixed leading empty lines: path");
	http_request_free(&R);
}

/* Methods are upper-cased; SOURCE and PUT with both versions. */
static void
test_methods(void)
{
	static const struct {
		const char *req, *method;
		int version;
	} t[] = {
		{ "get /x HTTP/1.1\r\n\r\n", "GET", 11 },
		{ "sOuRcE /x HTTP/1.0\r\n\r\n", "SOURCE", 10 },
		{ "SOURCE /x HTTP/1.0\r\n\r\n", "SOURCE", 10 },
		{ "SOURCE /x HTTP/1.1\r\n\r\n", "SOURCE", 11 },
		{ "PUT /x HTTP/1.0\r\n\r\n", "PUT", 10 },
		{ "PUT /x HTTP/1.1\r\n\r\n", "PUT", 11 },
		{ "put /x http/1.1\r\n\r\n", "PUT", 11 },
		{ "HEAD /x HTTP/1.1\r\n\r\n", "HEAD", 11 },
		{ "GET /x HTTP/1.2\r\n\r\n", "GET", 11 },
		{ "GET /x\r\n\r\n", "GET", 10 },
		{ "OPTIONS * HTTP/1.1\r\n\r\n", "OPTIONS", 11 },
	};
	size_t i, used;

	for (i = 0; i < FLOE_NELEM(t); i++) {
		enum parse_result res = parse_whole(t[i].req, strlen(t[i].req), &used);
		is_int(res, PARSE_OK, "'%.*s' parses", (int)strcspn(t[i].req, "\r"), t[i].req);
		if (res == PARSE_OK) {
			is_str(R.method, t[i].method, "method %s", t[i].method);
			is_int(R.version, t[i].version, "version of '%.*s'",
			    (int)strcspn(t[i].req, "\r"), t[i].req);
		}
		http_request_free(&R);
	}
	is_int(parse_whole(L("GET /x HTTP/1.0\r\n\r\n"), &used), PARSE_OK, "uri kept");
	is_str(R.uri, "/x", "uri is /x, not including the version");
	http_request_free(&R);
}

/* One captured request and what it must parse to. */
struct real_req {
	const char *client;
	const char *text;
	const char *method, *path, *query;
	int version;
	size_t nheaders;
	const char *hname, *hvalue;	/* one header to check */
	const char *hname2, *hvalue2;
};

/* Verbatim from /work/shared/interop/source-requests.txt and player-requests.txt. */
static const struct real_req real[] = {
	{ "ffmpeg PUT",
	  "PUT /test.mp3 HTTP/1.1\r\n"
	  "User-Agent: Lavf/59.27.100\r\n"
	  "Accept: */*\r\n"
	  "Expect: 100-continue\r\n"
	  "Connection: close\r\n"
	  "Host: 127.0.0.1:18010\r\n"
	  "Content-Type: audio/mpeg\r\n"
	  "Icy-MetaData: 1\r\n"
	  "Ice-Public: 0\r\n"
	  "Authorization: Basic c291cmNlOmhhY2ttZQ==\r\n"
	  "\r\n",
	  "PUT", "/test.mp3", NULL, 11, 9, "expect", "100-continue",
	  "Authorization", "Basic c291cmNlOmhhY2ttZQ==" },
	{ "ffmpeg legacy SOURCE",
	  "SOURCE /test.mp3 HTTP/1.1\r\n"
	  "User-Agent: Lavf/59.27.100\r\n"
	  "Accept: */*\r\n"
	  "Connection: close\r\n"
	  "Host: 127.0.0.1:18010\r\n"
	  "Content-Type: audio/mpeg\r\n"
	  "Icy-MetaData: 1\r\n"
	  "Ice-Public: 0\r\n"
	  "Authorization: Basic c291cmNlOmhhY2ttZQ==\r\n"
	  "\r\n",
	  "SOURCE", "/test.mp3", NULL, 11, 8, "content-type", "audio/mpeg",
	  "ice-public", "0" },
	{ "liquidsoap SOURCE",
	  "SOURCE /test.mp3 HTTP/1.0\r\n"
	  "ice-url: http://example.com/liq\r\n"
	  "ice-name: Liq MP3\r\n"
	  "Authorization: Basic c291cmNlOmhhY2ttZQ==\r\n"
	  "ice-description: liquidsoap mp3 test\r\n"
	  "ice-public: 0\r\n"
	  "User-Agent: Liquidsoap/2.1.3 (Unix; OCaml 4.13.1)\r\n"
	  "ice-genre: Test\r\n"
	  "ice-audio-info: channels=2;samplerate=44100;bitrate=128\r\n"
	  "Content-Type: audio/mpeg\r\n"
	  "\r\n",
	  "SOURCE", "/test.mp3", NULL, 10, 9, "Ice-Audio-Info",
	  "channels=2;samplerate=44100;bitrate=128",
	  "ice-url", "http://example.com/liq" },
	{ "liquidsoap metadata GET",
	  "GET /admin/metadata?mode=updinfo&mount=/test.mp3&charset=UTF-8&title=Tr%C3%A4ck%20Tw%C3%B6%20%C3%84%C3%96%C3%9C%20%E2%82%AC&artist=%C3%84rtist%20B&song=%C3%84rtist%20B%20%2D%20Tr%C3%A4ck%20Tw%C3%B6%20%C3%84%C3%96%C3%9C%20%E2%82%AC HTTP/1.0\r\n"
	  "ice-url: http://example.com/liq\r\n"
	  "ice-name: Liq MP3\r\n"
	  "Authorization: Basic c291cmNlOmhhY2ttZQ==\r\n"
	  "ice-description: liquidsoap mp3 test\r\n"
	  "ice-public: 0\r\n"
	  "User-Agent: Liquidsoap/2.1.3 (Unix; OCaml 4.13.1)\r\n"
	  "ice-genre: Test\r\n"
	  "ice-audio-info: channels=2;samplerate=44100;bitrate=128\r\n"
	  "\r\n",
	  "GET", "/admin/metadata",
	  "mode=updinfo&mount=/test.mp3&charset=UTF-8&title=Tr%C3%A4ck%20Tw%C3%B6%20%C3%84%C3%96%C3%9C%20%E2%82%AC&artist=%C3%84rtist%20B&song=%C3%84rtist%20B%20%2D%20Tr%C3%A4ck%20Tw%C3%B6%20%C3%84%C3%96%C3%9C%20%E2%82%AC",
	  10, 8, "ice-name", "Liq MP3", "user-agent",
	  "Liquidsoap/2.1.3 (Unix; OCaml 4.13.1)" },
	{ "liquidsoap chunked PUT",
	  "PUT /test.mp3 HTTP/1.1\r\n"
	  "ice-url: http://example.com/liq\r\n"
	  "Transfer-Encoding: chunked\r\n"
	  "Host: \r\n"
	  "ice-name: Liq MP3\r\n"
	  "Expect: 100-continue\r\n"
	  "Authorization: Basic c291cmNlOmhhY2ttZQ==\r\n"
	  "ice-description: liquidsoap mp3 test\r\n"
	  "ice-public: 0\r\n"
	  "User-Agent: Liquidsoap/2.1.3 (Unix; OCaml 4.13.1)\r\n"
	  "ice-genre: Test\r\n"
	  "ice-audio-info: channels=2;samplerate=44100;bitrate=128\r\n"
	  "Content-Type: audio/mpeg\r\n"
	  "\r\n",
	  "PUT", "/test.mp3", NULL, 11, 12, "transfer-encoding", "chunked",
	  "Host", "" },
	{ "liquidsoap ogg SOURCE",
	  "SOURCE /test.ogg HTTP/1.0\r\n"
	  "ice-url: http://example.com/liq\r\n"
	  "ice-name: Liq vorbis\r\n"
	  "Authorization: Basic c291cmNlOmhhY2ttZQ==\r\n"
	  "ice-description: liquidsoap vorbis test\r\n"
	  "ice-public: 0\r\n"
	  "User-Agent: Liquidsoap/2.1.3 (Unix; OCaml 4.13.1)\r\n"
	  "ice-genre: Test\r\n"
	  "ice-audio-info: channels=2;quality=0.4;samplerate=44100\r\n"
	  "Content-Type: application/ogg\r\n"
	  "\r\n",
	  "SOURCE", "/test.ogg", NULL, 10, 9, "content-type", "application/ogg",
	  "ice-audio-info", "channels=2;quality=0.4;samplerate=44100" },
	{ "liquidsoap opus SOURCE (empty header value)",
	  "SOURCE /test.opus HTTP/1.0\r\n"
	  "ice-url: http://example.com/liq\r\n"
	  "ice-name: Liq opus\r\n"
	  "Authorization: Basic c291cmNlOmhhY2ttZQ==\r\n"
	  "ice-description: liquidsoap opus test\r\n"
	  "ice-public: 0\r\n"
	  "User-Agent: Liquidsoap/2.1.3 (Unix; OCaml 4.13.1)\r\n"
	  "ice-genre: Test\r\n"
	  "ice-audio-info: \r\n"
	  "Content-Type: application/ogg\r\n"
	  "\r\n",
	  "SOURCE", "/test.opus", NULL, 10, 9, "ice-audio-info", "",
	  "ice-genre", "Test" },
	{ "libshout OPTIONS probe",
	  "OPTIONS * HTTP/1.1\r\n"
	  "Host: 127.0.0.1:18010\r\n"
	  "User-Agent: libshout/2.4.6\r\n"
	  "Connection: Upgrade\r\n"
	  "Upgrade: TLS/1.0, HTTP/1.1\r\n"
	  "\r\n",
	  "OPTIONS", "*", NULL, 11, 4, "upgrade", "TLS/1.0, HTTP/1.1",
	  "connection", "Upgrade" },
	{ "libshout auth probe",
	  "SOURCE /test.mp3 HTTP/1.0\r\n"
	  "Host: 127.0.0.1:18010\r\n"
	  "User-Agent: libshout/2.4.6\r\n"
	  "Content-Type: audio/mpeg\r\n"
	  "Content-Length: 0\r\n"
	  "Connection: Keep-Alive\r\n"
	  "ice-public: 0\r\n"
	  "ice-name: Ez mp3\r\n"
	  "ice-url: http://example.com/ez\r\n"
	  "ice-genre: Beeps\r\n"
	  "ice-description: ezstream mp3 test\r\n"
	  "ice-audio-info: bitrate=128;samplerate=44100;channels=2\r\n"
	  "Prefer: return=minimal\r\n"
	  "\r\n",
	  "SOURCE", "/test.mp3", NULL, 10, 12, "content-length", "0",
	  "authorization", NULL },
	{ "libshout SOURCE with auth",
	  "SOURCE /test.mp3 HTTP/1.0\r\n"
	  "Authorization: Basic c291cmNlOmhhY2ttZQ==\r\n"
	  "Host: 127.0.0.1:18010\r\n"
	  "User-Agent: libshout/2.4.6\r\n"
	  "Content-Type: audio/mpeg\r\n"
	  "ice-public: 0\r\n"
	  "ice-name: Ez mp3\r\n"
	  "ice-url: http://example.com/ez\r\n"
	  "ice-genre: Beeps\r\n"
	  "ice-description: ezstream mp3 test\r\n"
	  "ice-audio-info: bitrate=128;samplerate=44100;channels=2\r\n"
	  "Prefer: return=minimal\r\n"
	  "\r\n",
	  "SOURCE", "/test.mp3", NULL, 10, 11, "authorization",
	  "Basic c291cmNlOmhhY2ttZQ==", "prefer", "return=minimal" },
	{ "libshout metadata GET",
	  "GET /admin/metadata?mode=updinfo&mount=%2ftest%2emp3&charset=UTF%2d8&artist=%c3%84rtist%20B&title=Tr%c3%a4ck%20Tw%c3%b6%20%c3%84%c3%96%c3%9c%20%e2%82%ac HTTP/1.1\r\n"
	  "Host: 127.0.0.1:18010\r\n"
	  "User-Agent: libshout/2.4.6\r\n"
	  "Authorization: Basic c291cmNlOmhhY2ttZQ==\r\n"
	  "\r\n",
	  "GET", "/admin/metadata",
	  "mode=updinfo&mount=%2ftest%2emp3&charset=UTF%2d8&artist=%c3%84rtist%20B&title=Tr%c3%a4ck%20Tw%c3%b6%20%c3%84%c3%96%c3%9c%20%e2%82%ac",
	  11, 3, "host", "127.0.0.1:18010", "user-agent", "libshout/2.4.6" },
	{ "curl GET",
	  "GET /test.mp3 HTTP/1.1\r\n"
	  "Host: 127.0.0.1:18020\r\n"
	  "User-Agent: curl/7.88.1\r\n"
	  "Accept: */*\r\n"
	  "\r\n",
	  "GET", "/test.mp3", NULL, 11, 3, "user-agent", "curl/7.88.1",
	  "icy-metadata", NULL },
	{ "mpv GET",
	  "GET /test.mp3 HTTP/1.1\r\n"
	  "User-Agent: libmpv\r\n"
	  "Accept: */*\r\n"
	  "Range: bytes=0-\r\n"
	  "Connection: close\r\n"
	  "Host: 127.0.0.1:18020\r\n"
	  "Icy-MetaData: 1\r\n"
	  "\r\n",
	  "GET", "/test.mp3", NULL, 11, 6, "icy-metadata", "1",
	  "range", "bytes=0-" },
	{ "VLC GET 1.1",
	  "GET /test.mp3 HTTP/1.1\r\n"
	  "Host: 127.0.0.1:18020\r\n"
	  "Accept: */*\r\n"
	  "Accept-Language: en_US\r\n"
	  "User-Agent: VLC/3.0.24 LibVLC/3.0.24\r\n"
	  "Range: bytes=0-\r\n"
	  "\r\n",
	  "GET", "/test.mp3", NULL, 11, 5, "user-agent", "VLC/3.0.24 LibVLC/3.0.24",
	  "icy-metadata", NULL },
	{ "VLC GET 1.0",
	  "GET /test.mp3 HTTP/1.0\r\n"
	  "Host: 127.0.0.1:18020\r\n"
	  "User-Agent: VLC/3.0.24 LibVLC/3.0.24\r\n"
	  "Icy-MetaData: 1\r\n"
	  "\r\n",
	  "GET", "/test.mp3", NULL, 10, 3, "icy-metadata", "1",
	  "host", "127.0.0.1:18020" },
	{ "mpg123 GET",
	  "GET /test.mp3 HTTP/1.0\r\n"
	  "User-Agent: mpg123/1.31.2\r\n"
	  "Host: 127.0.0.1:18020\r\n"
	  "Icy-MetaData: 1\r\n"
	  "Accept: audio/mpeg, audio/x-mpeg, audio/mp3, audio/x-mp3, audio/mpeg3, audio/x-mpeg3, audio/mpg, audio/x-mpg, audio/x-mpegaudio, application/octet-stream, audio/mpegurl, audio/mpeg-url, audio/x-mpegurl, audio/x-scpls, audio/scpls, application/pls, application/x-scpls, application/pls+xml, */*\r\n"
	  "\r\n",
	  "GET", "/test.mp3", NULL, 10, 4, "accept",
	  "audio/mpeg, audio/x-mpeg, audio/mp3, audio/x-mp3, audio/mpeg3, audio/x-mpeg3, audio/mpg, audio/x-mpg, audio/x-mpegaudio, application/octet-stream, audio/mpegurl, audio/mpeg-url, audio/x-mpegurl, audio/x-scpls, audio/scpls, application/pls, application/x-scpls, application/pls+xml, */*",
	  "user-agent", "mpg123/1.31.2" },
	{ "Chromium GET",
	  "GET /test.mp3 HTTP/1.1\r\n"
	  "Host: 127.0.0.1:18020\r\n"
	  "Connection: keep-alive\r\n"
	  "sec-ch-ua-platform: \"Linux\"\r\n"
	  "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36\r\n"
	  "sec-ch-ua: \"Not:A-Brand\";v=\"8\", \"Chromium\";v=\"156\"\r\n"
	  "sec-ch-ua-mobile: ?0\r\n"
	  "Accept: */*\r\n"
	  "Sec-Fetch-Site: same-origin\r\n"
	  "Sec-Fetch-Mode: no-cors\r\n"
	  "Sec-Fetch-Dest: audio\r\n"
	  "Referer: http://127.0.0.1:18020/page.html\r\n"
	  "Accept-Encoding: identity\r\n"
	  "Accept-Language: en-US,en;q=0.9\r\n"
	  "Range: bytes=0-\r\n"
	  "\r\n",
	  "GET", "/test.mp3", NULL, 11, 14, "sec-ch-ua",
	  "\"Not:A-Brand\";v=\"8\", \"Chromium\";v=\"156\"",
	  "referer", "http://127.0.0.1:18020/page.html" },
};

/* Check the parse of one captured request against what it must give. */
static int
real_matches(const struct real_req *t)
{
	const char *v;

	if (strcmp(R.method, t->method) != 0 || strcmp(R.path, t->path) != 0 ||
	    R.version != t->version || R.nheaders != t->nheaders)
		return 0;
	if ((t->query == NULL) != (R.query == NULL) ||
	    (t->query != NULL && strcmp(R.query, t->query) != 0))
		return 0;
	v = http_header_get(&R, t->hname);
	if (v == NULL || strcmp(v, t->hvalue) != 0)
		return 0;
	v = http_header_get(&R, t->hname2);
	if ((v == NULL) != (t->hvalue2 == NULL) ||
	    (v != NULL && strcmp(v, t->hvalue2) != 0))
		return 0;
	return 1;
}

/* The exact requests real clients send parse to what they mean. */
static void
test_real_clients(void)
{
	size_t i, n, used, at;
	char *buf;

	for (i = 0; i < FLOE_NELEM(real); i++) {
		const struct real_req *t = &real[i];
		enum parse_result res;

		n = strlen(t->text);
		/* The body that follows must be left alone: append some. */
		buf = xmalloc(n + 8);
		memcpy(buf, t->text, n);
		memcpy(buf + n, "\xff\xfb\x90\x64\r\n\r\n", 8);

		res = parse_whole(buf, n + 8, &used);
		is_int(res, PARSE_OK, "%s: parses", t->client);
		if (res == PARSE_OK) {
			is_str(R.method, t->method, "%s: method", t->client);
			is_str(R.path, t->path, "%s: path", t->client);
			is_str(R.query, t->query, "%s: query", t->client);
			is_int(R.version, t->version, "%s: version", t->client);
			is_int(R.nheaders, t->nheaders, "%s: header count", t->client);
			is_str(http_header_get(&R, t->hname), t->hvalue, "%s: %s",
			    t->client, t->hname);
			is_str(http_header_get(&R, t->hname2), t->hvalue2, "%s: %s",
			    t->client, t->hname2);
		}
		is_int(used, n, "%s: body bytes not consumed", t->client);
		http_request_free(&R);

		res = parse_bytewise(buf, n + 8, &at);
		ok(res == PARSE_OK && at == n && real_matches(t),
		    "%s: same fed one byte at a time", t->client);
		http_request_free(&R);

		res = parse_pieces(buf, n + 8, &at);
		ok(res == PARSE_OK && at == n && real_matches(t),
		    "%s: same fed in random pieces", t->client);
		http_request_free(&R);
		free(buf);
	}
}

/* The head ends at the first blank line; what follows is body. */
static void
test_body_not_consumed(void)
{
	const char *req = "SOURCE /live HTTP/1.0\r\nContent-Type: audio/mpeg\r\n\r\n"
	    "\r\n\r\nBODY";
	size_t head = strlen("SOURCE /live HTTP/1.0\r\nContent-Type: audio/mpeg\r\n\r\n");
	size_t used, at;

	is_int(parse_whole(req, strlen(req), &used), PARSE_OK,
	    "head followed by a body that starts with blank lines");
	is_int(used, head, "*used stops right after the blank line");
	is_int(R.nheaders, 1, "body lines are not headers");
	http_request_free(&R);

	is_int(parse_bytewise(req, strlen(req), &at), PARSE_OK, "same byte by byte");
	is_int(at, head, "byte by byte: ends right after the blank line");
	http_request_free(&R);

	/* LF-only head followed by binary body. */
	is_int(parse_whole(L("PUT /x HTTP/1.1\n\n\xff\xfb\x00"), &used), PARSE_OK,
	    "LF head with a binary body (NUL in the body is not an error)");
	is_int(used, 17, "LF head: body untouched");
	http_request_free(&R);

	/* Head split exactly at the blank line: the body arrives later. */
	http_request_init(&R);
	is_int(http_request_feed(&R, L("GET /y HTTP/1.1\r\nA: b\r\n"), &used),
	    PARSE_AGAIN, "head without its blank line: AGAIN");
	is_int(used, 23, "AGAIN consumes everything");
	is_int(http_request_feed(&R, L("\r\nxyz"), &used), PARSE_OK,
	    "blank line in the next read completes the head");
	is_int(used, 2, "the body in that read is left over");
	is_str(http_header_get(&R, "a"), "b", "header from the first read");
	http_request_free(&R);
}

/* Build a request whose head is exactly total bytes long. */
static char *
sized_head(size_t total, size_t *len)
{
	const char *start = "GET / HTTP/1.1\r\nX-Pad: ";
	size_t s = strlen(start), pad = total - s - 4;
	char *buf = xmalloc(total + 1);

	memcpy(buf, start, s);
	memset(buf + s, 'a', pad);
	memcpy(buf + s + pad, "\r\n\r\n", 4);
	buf[total] = '\0';
	*len = total;
	return buf;
}

/* Every way a head can be refused. */
static void
test_errors(void)
{
	char *buf, many[HTTP_MAX_HEADERS * 8 + 64];
	size_t used, n, i, o;

	buf = sized_head(HTTP_MAX_HEAD, &n);
	is_int(parse_whole(buf, n, &used), PARSE_OK, "head of exactly HTTP_MAX_HEAD bytes is fine");
	is_int(strlen(http_header_get(&R, "x-pad")), HTTP_MAX_HEAD - 27,
	    "max-size head: long header value intact");
	http_request_free(&R);
	free(buf);

	buf = sized_head(HTTP_MAX_HEAD + 1, &n);
	is_int(parse_whole(buf, n, &used), PARSE_ERROR, "head of HTTP_MAX_HEAD + 1 bytes: error");
	ok(R.error != NULL && strstr(R.error, "large") != NULL, "oversize: error says why");
	http_request_free(&R);
	free(buf);

	/* A client that never ends its head, fed in small pieces. */
	http_request_init(&R);
	{
		enum parse_result res = PARSE_AGAIN;
		char chunk[100];
		size_t total = 0;

		memset(chunk, 'z', sizeof chunk);
		memcpy(chunk, "GET / HTTP/1.1\r\nX: ", 19);
		res = http_request_feed(&R, chunk, sizeof chunk, &used);
		total += sizeof chunk;
		memset(chunk, 'z', sizeof chunk);
		while (res == PARSE_AGAIN && total < 4 * HTTP_MAX_HEAD) {
			res = http_request_feed(&R, chunk, sizeof chunk, &used);
			total += sizeof chunk;
		}
		is_int(res, PARSE_ERROR, "endless head: error");
		ok(total <= HTTP_MAX_HEAD + sizeof chunk, "endless head: refused as soon as it passes the limit");
	}
	http_request_free(&R);

	is_int(parse_whole(L("GET /a\0b HTTP/1.1\r\n\r\n"), &used), PARSE_ERROR,
	    "NUL in the request line: error");
	is_int(used, 6, "NUL: *used points at the NUL");
	http_request_free(&R);
	is_int(parse_whole(L("GET / HTTP/1.1\r\nA: x\0y\r\n\r\n"), &used), PARSE_ERROR,
	    "NUL in a header: error");
	http_request_free(&R);
	is_int(parse_whole(L("GET /a%00b HTTP/1.1\r\n\r\n"), &used), PARSE_ERROR,
	    "%%00 in the path: error");
	http_request_free(&R);

	is_int(parse_whole(L("GET / HTTP/1.1\r\nNoColonHere\r\n\r\n"), &used), PARSE_ERROR,
	    "header without colon: error");
	ok(R.error != NULL && strstr(R.error, "colon") != NULL, "no colon: error says why");
	http_request_free(&R);
	is_int(parse_whole(L("GET / HTTP/1.1\r\n: empty-name\r\n\r\n"), &used),
	    PARSE_ERROR, "empty header name: error");
	http_request_free(&R);
	is_int(parse_whole(L("GET / HTTP/1.1\r\n folded\r\n\r\n"), &used), PARSE_ERROR,
	    "continuation before any header: error");
	http_request_free(&R);

	/* Exactly HTTP_MAX_HEADERS headers are fine, one more is not. */
	o = (size_t)snprintf(many, sizeof many, "GET / HTTP/1.1\r\n");
	for (i = 0; i < HTTP_MAX_HEADERS; i++)
		o += (size_t)snprintf(many + o, sizeof many - o, "H%zu: v\r\n", i);
	snprintf(many + o, sizeof many - o, "\r\n");
	is_int(parse_whole(many, strlen(many), &used), PARSE_OK, "%d headers: fine",
	    HTTP_MAX_HEADERS);
	is_int(R.nheaders, HTTP_MAX_HEADERS, "all of them kept");
	is_str(http_header_get(&R, "H63"), "v", "the last one found");
	http_request_free(&R);
	snprintf(many + o, sizeof many - o, "Hx: v\r\n\r\n");
	is_int(parse_whole(many, strlen(many), &used), PARSE_ERROR, "%d headers: error",
	    HTTP_MAX_HEADERS + 1);
	ok(R.error != NULL && strstr(R.error, "many") != NULL, "too many: error says why");
	http_request_free(&R);

	{
		static const char *bad[] = {
			"GARBAGE\r\n\r\n",
			"GET / HTTP/2.0\r\n\r\n",
			"GET / FTP/1.0\r\n\r\n",
			"G3T / HTTP/1.1\r\n\r\n",
			"Host: 127.0.0.1:18020\r\nAccept: */*\r\n\r\n",
			"!POKE\nicy-name:libshout server poke request\n\n",
			"VERYVERYLONGMETHODNAME / HTTP/1.1\r\n\r\n",
		};
		for (i = 0; i < FLOE_NELEM(bad); i++) {
			is_int(parse_whole(bad[i], strlen(bad[i]), &used), PARSE_ERROR,
			    "bad request line '%.*s': error", (int)strcspn(bad[i], "\r\n"), bad[i]);
			ok(R.error != NULL, "bad request line: error set");
			http_request_free(&R);
		}
	}
}

/* The path is percent-decoded, the uri kept raw, the query split off. */
static void
test_path_and_query(void)
{
	size_t used;
	char *v;

	is_int(parse_whole(L("GET /a%20b.mp3 HTTP/1.1\r\n\r\n"), &used), PARSE_OK,
	    "encoded path parses");
	is_str(R.path, "/a b.mp3", "path decoded");
	is_str(R.uri, "/a%20b.mp3", "uri kept raw");
	ok(R.query == NULL, "no query");
	http_request_free(&R);

	is_int(parse_whole(L("GET /a%20b+c.mp3?x=1%202&y HTTP/1.1\r\n\r\n"), &used),
	    PARSE_OK, "path with query parses");
	is_str(R.path, "/a b+c.mp3", "path decoded, '+' kept in the path");
	is_str(R.uri, "/a%20b+c.mp3?x=1%202&y", "uri raw with query");
	is_str(R.query, "x=1%202&y", "query raw");
	v = http_query_get(R.query, "x");
	is_str(v, "1 2", "query value decoded");
	free(v);
	http_request_free(&R);

	is_int(parse_whole(L("GET /%zz%4 HTTP/1.1\r\n\r\n"), &used), PARSE_OK,
	    "invalid escapes parse");
	is_str(R.path, "/%zz%4", "invalid escapes kept literally");
	http_request_free(&R);

	is_int(parse_whole(L("GET /?a=b HTTP/1.1\r\n\r\n"), &used), PARSE_OK,
	    "root with query");
	is_str(R.path, "/", "root path");
	is_str(R.query, "a=b", "root query");
	http_request_free(&R);

	is_int(parse_whole(L("GET /x? HTTP/1.1\r\n\r\n"), &used), PARSE_OK,
	    "empty query");
	is_str(R.path, "/x", "path before empty query");
	is_str(R.query, "", "empty query string");
	http_request_free(&R);
}

/* http_query_get on the queries real clients send. */
static void
test_query_get(void)
{
	static const char *libshout = "mode=updinfo&mount=%2ftest%2emp3&charset=UTF%2d8"
	    "&artist=%c3%84rtist%20B&title=Tr%c3%a4ck%20Tw%c3%b6";
	static const struct {
		const char *query, *key, *want;
	} t[] = {
		{ "mode=updinfo&mount=%2ftest%2emp3&charset=UTF%2d8", "mount", "/test.mp3" },
		{ "mode=updinfo&mount=%2ftest%2emp3&charset=UTF%2d8", "charset", "UTF-8" },
		{ "mode=updinfo&mount=%2ftest%2emp3&charset=UTF%2d8", "mode", "updinfo" },
		{ "mode=updinfo&mount=/test.mp3&song=A%20%2D%20B", "song", "A - B" },
		{ "%6dount=%2Fx&mode=1", "mount", "/x" },
		{ "m%6Fde=updinfo", "mode", "updinfo" },
		{ "title=a+b+c", "title", "a b c" },
		{ "title=a%2Bb", "title", "a+b" },
		{ "a=1&flag&b=2", "flag", "" },
		{ "a=1&flag", "flag", "" },
		{ "a=1&b=", "b", "" },
		{ "a=1&&b=2", "b", "2" },
		{ "a=1&b=2", "c", NULL },
		{ "mode=x", "mo", NULL },
		{ "mo=y&mode=x", "mode", "x" },
		{ "", "a", NULL },
		{ "a=1=2", "a", "1=2" },
		{ "a=first&a=second", "a", "first" },
		{ "x=%E2%82%AC", "x", "\xe2\x82\xac" },
	};
	size_t i;
	char *v;

	for (i = 0; i < FLOE_NELEM(t); i++) {
		v = http_query_get(t[i].query, t[i].key);
		is_str(v, t[i].want, "query '%s' key '%s'", t[i].query, t[i].key);
		free(v);
	}
	v = http_query_get(NULL, "a");
	ok(v == NULL, "NULL query: NULL");
	v = http_query_get(libshout, "title");
	is_str(v, "Tr\xc3\xa4" "ck Tw\xc3\xb6", "libshout title decoded to UTF-8");
	free(v);
	v = http_query_get(libshout, "artist");
	is_str(v, "\xc3\x84rtist B", "libshout artist");
	free(v);
}

/* Encode payload as a chunked body with randomly varied framing. */
static char *
make_chunked(const char *payload, size_t n, size_t *outlen)
{
	struct sbuf sb;
	size_t i = 0, k;
	const char *nl;

	sbuf_init(&sb);
	while (i < n) {
		k = 1 + rng() % 300;
		if (k > n - i)
			k = n - i;
		nl = (rng() & 3) == 0 ? "\n" : "\r\n";
		sbuf_addf(&sb, (rng() & 1) ? "%zx" : "%zX", k);
		switch (rng() % 4) {
		case 0:
			sbuf_adds(&sb, ";ext=1");
			break;
		case 1:
			sbuf_adds(&sb, " ");
			break;
		}
		sbuf_adds(&sb, nl);
		sbuf_add(&sb, payload + i, k);
		sbuf_adds(&sb, nl);
		i += k;
	}
	sbuf_adds(&sb, "0\r\n\r\n");
	return sbuf_steal(&sb, outlen);
}

/* Run a chunked body through the decoder in pieces whose sizes come from
 * next_size; check the payload and that PARSE_OK comes at the zero chunk. */
static int
chunked_run(const char *body, size_t blen, const char *payload, size_t plen,
    size_t (*next_size)(size_t), size_t *err_at)
{
	struct http_chunked c;
	char *out = xmalloc(plen + 1), *piece = xmalloc(blen + 1);
	size_t i = 0, k, o = 0, got, last_zero = blen - 2;
	enum parse_result res = PARSE_AGAIN;
	int good = 1;

	/* The zero chunk's size line ends 2 bytes before the end ("0\r\n" "\r\n"). */
	http_chunked_init(&c);
	while (i < blen && res == PARSE_AGAIN) {
		k = next_size(i);
		if (k > blen - i)
			k = blen - i;
		memcpy(piece, body + i, k);
		res = http_chunked_decode(&c, piece, k, &got);
		if (res == PARSE_ERROR || o + got > plen) {
			good = 0;
			break;
		}
		memcpy(out + o, piece, got);
		o += got;
		i += k;
	}
	*err_at = i;
	if (res != PARSE_OK || o != plen || memcmp(out, payload, plen) != 0)
		good = 0;
	/* OK must come in the piece holding the zero chunk's LF, not later. */
	if (i < last_zero)
		good = 0;
	free(out);
	free(piece);
	return good;
}

static size_t split_at;

/* Piece sizes: one byte. */
static size_t
size_one(size_t i)
{
	return 1;
}

/* Piece sizes: random 1..64. */
static size_t
size_random(size_t i)
{
	return 1 + rng() % 64;
}

/* Piece sizes: two pieces split at split_at. */
static size_t
size_split(size_t i)
{
	return i < split_at ? split_at - i : (size_t)-1 / 2;
}

/* The chunked decoder. */
static void
test_chunked(void)
{
	static const struct {
		const char *body, *why;
	} bad[] = {
		{ "zz\r\nhello\r\n", "garbage size" },
		{ "\r\nhello\r\n", "empty size" },
		{ ";ext\r\n", "extension without a size" },
		{ "-5\r\nhello\r\n", "negative size" },
		{ "00000000000000005\r\nhello\r\n", "17 hex digits" },
		{ "FFFFFFFFFFFFFFFFF\r\n", "size beyond 64 bits" },
		{ "5\r\nhelloX\r\n0\r\n\r\n", "chunk not followed by a line end" },
		{ "5\r\nhello\rX0\r\n\r\n", "CR not followed by LF" },
		{ "0x5\r\nhello\r\n", "0x prefix" },
	};
	struct http_chunked c;
	char buf[256], payload[5000], *body;
	size_t n, got, blen, err_at, i;
	int all;

	strcpy(buf, "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
	http_chunked_init(&c);
	is_int(http_chunked_decode(&c, buf, strlen(buf), &got), PARSE_OK,
	    "two chunks and the end: OK");
	is_int(got, 11, "payload length");
	ok(memcmp(buf, "hello world", 11) == 0, "payload decoded in place");

	strcpy(buf, "A\r\n0123456789\r\na\r\nabcdefghij\r\n1f\r\n"
	    "0123456789012345678901234567890\r\n1F\r\n"
	    "ABCDEFGHIJABCDEFGHIJABCDEFGHIJA\r\n0\r\n\r\n");
	http_chunked_init(&c);
	is_int(http_chunked_decode(&c, buf, strlen(buf), &got), PARSE_OK,
	    "hex sizes in upper and lower case");
	is_int(got, 10 + 10 + 31 + 31, "upper/lower hex: payload length");
	ok(memcmp(buf, "0123456789abcdefghij0123456789012345678901234567890"
	    "ABCDEFGHIJABCDEFGHIJABCDEFGHIJA", got) == 0, "upper/lower hex: payload");

	strcpy(buf, "5;name=value;x\r\nhello\r\n3 ; y\r\nabc\r\n0;last\r\n\r\n");
	http_chunked_init(&c);
	is_int(http_chunked_decode(&c, buf, strlen(buf), &got), PARSE_OK,
	    "chunk extensions skipped");
	is_int(got, 8, "extensions: payload length");
	ok(memcmp(buf, "helloabc", 8) == 0, "extensions: payload");

	strcpy(buf, "5\nhello\n3\nabc\n0\n\n");
	http_chunked_init(&c);
	is_int(http_chunked_decode(&c, buf, strlen(buf), &got), PARSE_OK,
	    "bare LF line ends");
	ok(got == 8 && memcmp(buf, "helloabc", 8) == 0, "bare LF: payload");

	strcpy(buf, "3\r\nabc\r\n");
	http_chunked_init(&c);
	is_int(http_chunked_decode(&c, buf, strlen(buf), &got), PARSE_AGAIN,
	    "body goes on: AGAIN");
	is_int(got, 3, "AGAIN: payload so far");
	strcpy(buf, "0\r\n\r\nTRAILING GARBAGE");
	is_int(http_chunked_decode(&c, buf, strlen(buf), &got), PARSE_OK,
	    "zero chunk: OK, bytes after it ignored");
	is_int(got, 0, "zero chunk: no payload");
	strcpy(buf, "more");
	is_int(http_chunked_decode(&c, buf, 4, &got), PARSE_OK, "after the end: still OK");
	is_int(got, 0, "after the end: nothing decoded");

	strcpy(buf, "0000000000000005\r\nhello\r\n0\r\n\r\n");
	http_chunked_init(&c);
	is_int(http_chunked_decode(&c, buf, strlen(buf), &got), PARSE_OK,
	    "16 hex digits are fine");
	is_int(got, 5, "16 digits: payload");

	for (i = 0; i < FLOE_NELEM(bad); i++) {
		strcpy(buf, bad[i].body);
		http_chunked_init(&c);
		is_int(http_chunked_decode(&c, buf, strlen(buf), &got), PARSE_ERROR,
		    "%s: error", bad[i].why);
		ok(c.error != NULL, "%s: error says why", bad[i].why);
	}

	/* Digits split across reads still count toward the limit. */
	http_chunked_init(&c);
	for (i = 0; i < 16; i++) {
		buf[0] = '0';
		if (http_chunked_decode(&c, buf, 1, &got) != PARSE_AGAIN)
			break;
	}
	is_int(i, 16, "16 digits one at a time: AGAIN");
	buf[0] = '1';
	is_int(http_chunked_decode(&c, buf, 1, &got), PARSE_ERROR,
	    "17th digit in a later read: error");

	/* A long body with random framing, split every possible way. */
	for (i = 0; i < sizeof payload; i++)
		payload[i] = (char)(rng() & 0xff);
	body = make_chunked(payload, sizeof payload, &blen);
	ok(chunked_run(body, blen, payload, sizeof payload, size_one, &err_at),
	    "random chunked body fed 1 byte at a time");
	is_int(err_at, blen - 2, "1 byte at a time: OK as soon as the zero chunk's line ends");
	all = 1;
	for (i = 0; i < 20 && all; i++)
		all = chunked_run(body, blen, payload, sizeof payload, size_random, &err_at);
	ok(all, "random chunked body fed in random pieces, 20 times");
	all = 1;
	for (split_at = 1; split_at < blen && all; split_at++)
		all = chunked_run(body, blen, payload, sizeof payload, size_split, &err_at);
	ok(all, "random chunked body split in two at every byte (failed at %zu)",
	    all ? 0 : split_at - 1);
	free(body);

	/* A hand-made body with every feature, split in two at every byte. */
	{
		const char *hand = "3;a=b\r\nabc\r\n1A\nabcdefghijklmnopqrstuvwxyz\n"
		    "2 \r\nxy\r\n0\r\n\r\n";
		const char *want = "abcabcdefghijklmnopqrstuvwxyzxy";
		n = strlen(hand);
		all = 1;
		for (split_at = 1; split_at < n && all; split_at++)
			all = chunked_run(hand, n, want, strlen(want), size_split, &err_at);
		ok(all, "hand-made body split at every byte (failed at %zu)",
		    all ? 0 : split_at - 1);
		ok(chunked_run(hand, n, want, strlen(want), size_one, &err_at),
		    "hand-made body one byte at a time");
		is_int(err_at, n - 2, "hand-made: OK at the zero chunk's LF");
	}
}

int
main(void)
{
	tap_rng_state = 0x12345678;
	test_line_ends();
	test_leading_empty_lines();
	test_methods();
	test_real_clients();
	test_body_not_consumed();
	test_errors();
	test_path_and_query();
	test_query_get();
	test_chunked();
	return tap_done();
}
