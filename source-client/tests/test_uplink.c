/*
 * test_uplink.c: URL parsing, the response-head parser (CRLF, bare LF,
 * split reads, ICY, junk), and the request heads for PUT and SOURCE.
 */
#include "../../tests/unit/tap.h"
#include "../uplink.c"

/* Run the checks; the exit status says whether all passed. */
int
main(void)
{
	struct uplink_url u;
	struct uplink_info info = { "audio/mpeg", "My Radio", "Desc\r\nInjected: x", "Rock",
	    "http://example.com/", 1, "channels=2;samplerate=44100;bitrate=128", 16000, 128 };
	char err[200], reason[64], hp[64], *head;
	size_t n, i;
	int st, rc;

	ok(uplink_url_parse("http://source:hackme@127.0.0.1:8000/live.mp3", &u, err,
	    sizeof err) == 0, "URL parses");
	is_str(u.user, "source", "user");
	is_str(u.pass, "hackme", "password");
	is_str(u.host, "127.0.0.1", "host");
	is_int(u.port, 8000, "port");
	is_str(u.mount, "/live.mp3", "mount");
	uplink_url_free(&u);

	ok(uplink_url_parse("http://:p%40ss:w@radio.example.org/a%20b.aac", &u, err, sizeof err) == 0,
	    "URL without user, encoded password, default port");
	is_str(u.user, "source", "user defaults to source");
	is_str(u.pass, "p@ss:w", "password percent-decoded, colon kept");
	is_int(u.port, 8000, "port defaults to 8000");
	is_str(u.mount, "/a b.aac", "mount decoded");
	uplink_url_free(&u);

	ok(uplink_url_parse("http://admin:x@[::1]:9000/m", &u, err, sizeof err) == 0, "IPv6 literal");
	is_str(u.host, "::1", "IPv6 host without brackets");
	uplink_url_hostport(&u, hp, sizeof hp);
	is_str(hp, "[::1]:9000", "host:port puts IPv6 back in brackets");
	uplink_url_free(&u);

	ok(uplink_url_parse("https://s:p@h/m", &u, err, sizeof err) == 0 && u.tls && u.port == 443,
	    "https: TLS, port 443 by default");
	uplink_url_free(&u);
	ok(uplink_url_parse("ftp://s:secret@h/m", &u, err, sizeof err) != 0 &&
	    strstr(err, "secret") == NULL, "another scheme refused, its password not echoed");
	ok(uplink_url_parse("http://h:8000", &u, err, sizeof err) != 0 && strstr(err, "mount"),
	    "no mount refused");
	ok(uplink_url_parse("shoutcast://:p%40ss@radio.example.org", &u, err, sizeof err) == 0 &&
	    u.shoutcast && !u.tls && u.port == 8001 && strcmp(u.pass, "p@ss") == 0 &&
	    strcmp(u.mount, "") == 0, "shoutcast://: no mount, port 8001 by default");
	uplink_url_free(&u);
	ok(uplink_url_parse("icy://secret@h:9001/", &u, err, sizeof err) == 0 && u.shoutcast &&
	    u.port == 9001 && strcmp(u.pass, "secret") == 0 && strcmp(u.mount, "") == 0,
	    "icy://PASS@HOST:PORT: the user part alone is the password");
	uplink_url_free(&u);
	ok(uplink_url_parse("shoutcast://:p@h:8001/sc", &u, err, sizeof err) == 0 &&
	    strcmp(u.mount, "/sc") == 0, "a Shoutcast URL may name the mount for titles");
	uplink_url_free(&u);
	{
		struct uplink_info in = { "audio/mpeg", "Name\r\nicy-x:1", NULL, "Rock", NULL, 1,
		    NULL, 0, 128 };
		char *login, *lines;

		uplink_url_parse("shoutcast://:hackme@h:8001", &u, err, sizeof err);
		build_icy(&u, &in, &login, &lines);
		is_str(login, "hackme\r\n", "Shoutcast: the password line alone first");
		is_str(lines, "content-type:audio/mpeg\r\nicy-name:Nameicy-x:1\r\nicy-genre:Rock\r\n"
		    "icy-url:\r\nicy-pub:1\r\nicy-br:128\r\n\r\n",
		    "then icy-* lines (a line break in a value dropped) and a blank line");
		free(login);
		free(lines);
		uplink_url_free(&u);
	}
	ok(uplink_url_parse("http://h:99999/m", &u, err, sizeof err) != 0, "bad port refused");
	ok(uplink_url_parse("http://h:80x/m", &u, err, sizeof err) != 0, "junk port refused");
	ok(uplink_url_parse("http://@:80/m", &u, err, sizeof err) != 0, "empty host refused");

	{
		static const char r[] = "HTTP/1.1 100 Continue\r\nContent-Length: 0\r\n\r\nHTTP/1.0 200 OK\r\n\r\n";
		rc = uplink_parse_response(r, sizeof r - 1, &st, reason, sizeof reason, &n);
		ok(rc == UPLINK_PARSE_OK && st == 100 && n == 44, "100 Continue, head length");
		is_str(reason, "Continue", "reason phrase");
		rc = uplink_parse_response(r + n, sizeof r - 1 - n, &st, reason, sizeof reason, &n);
		ok(rc == UPLINK_PARSE_OK && st == 200, "then 200 OK");
		/* Every split point of the first head is AGAIN until complete. */
		for (i = 0, rc = 0; i < 44; i++)
			rc |= uplink_parse_response(r, i, &st, reason, sizeof reason, &n) !=
			    UPLINK_PARSE_AGAIN;
		ok(rc == 0, "partial heads are AGAIN at every length");
	}
	rc = uplink_parse_response("HTTP/1.0 401 Authentication Required\n\nYou need", 46, &st,
	    reason, sizeof reason, &n);
	ok(rc == UPLINK_PARSE_OK && st == 401 && n == 38, "bare-LF head; body follows");
	is_str(reason, "Authentication Required", "401 reason");
	rc = uplink_parse_response("ICY 200 OK\r\n\r\n", 14, &st, reason, sizeof reason, &n);
	ok(rc == UPLINK_PARSE_OK && st == 200, "ICY 200 OK accepted");
	ok(uplink_parse_response("SSH-2.0-OpenSSH\r\n\r\n", 19, &st, reason, sizeof reason, &n) ==
	    UPLINK_PARSE_ERROR, "not HTTP is an error");
	ok(uplink_parse_response("HTTP/1.0 2x0 OK\r\n\r\n", 19, &st, reason, sizeof reason, &n) ==
	    UPLINK_PARSE_ERROR, "bad status digits are an error");
	{
		char big[RESPONSE_HEAD_MAX + 10];
		memset(big, 'a', sizeof big);
		memcpy(big, "HTTP/1.0 200 OK\r\n", 17);
		ok(uplink_parse_response(big, sizeof big, &st, reason, sizeof reason, &n) ==
		    UPLINK_PARSE_ERROR, "an endless head is an error");
	}

	uplink_url_parse("http://source:hackme@localhost:8000/my mount.mp3", &u, err, sizeof err);
	head = build_head(&u, UPLINK_PUT, &info);
	ok(strncmp(head, "PUT /my%20mount.mp3 HTTP/1.1\r\n", 30) == 0, "PUT request line, target encoded");
	ok(strstr(head, "\r\nHost: localhost:8000\r\n") != NULL, "Host header");
	ok(strstr(head, "\r\nAuthorization: Basic c291cmNlOmhhY2ttZQ==\r\n") != NULL, "Basic auth");
	ok(strstr(head, "\r\nExpect: 100-continue\r\n") != NULL, "Expect: 100-continue");
	ok(strstr(head, "\r\nContent-Type: audio/mpeg\r\n") != NULL, "Content-Type");
	ok(strstr(head, "\r\nice-name: My Radio\r\n") != NULL, "ice-name");
	ok(strstr(head, "\r\nice-public: 1\r\n") != NULL, "ice-public");
	ok(strstr(head, "\r\nice-genre: Rock\r\n") != NULL, "ice-genre");
	ok(strstr(head, "\r\nice-url: http://example.com/\r\n") != NULL, "ice-url");
	ok(strstr(head, "\r\nice-audio-info: channels=2;samplerate=44100;bitrate=128\r\n") != NULL,
	    "ice-audio-info");
	ok(strstr(head, "\r\nice-description: DescInjected: x\r\n") != NULL &&
	    strstr(head, "\r\nInjected") == NULL, "line breaks in values cannot inject headers");
	ok(strlen(head) > 4 && strcmp(head + strlen(head) - 4, "\r\n\r\n") == 0, "head ends");
	free(head);
	head = build_head(&u, UPLINK_SOURCE, &info);
	ok(strncmp(head, "SOURCE /my%20mount.mp3 HTTP/1.0\r\n", 33) == 0, "SOURCE request line");
	ok(strstr(head, "Expect") == NULL, "SOURCE sends no Expect");
	free(head);
	uplink_url_free(&u);
	return tap_done();
}
