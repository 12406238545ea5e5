/*
 * test_meta.c: the /admin/metadata request: everything percent-encoded,
 * song + charset, the source credentials; a Shoutcast output's admin.cgi.
 */
#include "../../tests/unit/tap.h"
#include "../meta.c"

/* Run the checks; the exit status says whether all passed. */
int
main(void)
{
	struct uplink_url u;
	char err[100], *req;

	uplink_url_parse("http://source:hackme@127.0.0.1:8000/live.mp3", &u, err, sizeof err);
	req = meta_request(&u, "AC/DC - It's \"Live\" & Loud?=#%");
	ok(strncmp(req, "GET /admin/metadata?mode=updinfo&mount=%2Flive.mp3&song="
	    "AC%2FDC%20-%20It%27s%20%22Live%22%20%26%20Loud%3F%3D%23%25&charset=UTF-8 HTTP/1.0\r\n",
	    139) == 0, "request line: mount and song percent-encoded");
	ok(strstr(req, "\r\nAuthorization: Basic c291cmNlOmhhY2ttZQ==\r\n") != NULL,
	    "source credentials");
	ok(strstr(req, "\r\nHost: 127.0.0.1:8000\r\n") != NULL, "Host header");
	ok(strcmp(req + strlen(req) - 4, "\r\n\r\n") == 0, "head ends");
	free(req);
	req = meta_request(&u, "Caf\xc3\xa9 \xe2\x82\xac\r\nX: y");
	ok(strstr(req, "song=Caf%C3%A9%20%E2%82%AC%0D%0AX%3A%20y&") != NULL,
	    "UTF-8 and line breaks encoded, never raw");
	free(req);
	uplink_url_free(&u);

	uplink_url_parse("shoutcast://:ha%26ck@127.0.0.1:8001", &u, err, sizeof err);
	ok(meta_port(&u) == 8000, "Shoutcast titles: the source port - 1 by default");
	req = meta_request(&u, "A & B");
	{
		static const char want[] = "GET /admin.cgi?pass=ha%26ck&mode=updinfo&song="
		    "A%20%26%20B&charset=UTF-8 HTTP/1.0\r\nHost: 127.0.0.1:8000\r\n";
		ok(strncmp(req, want, sizeof want - 1) == 0, "Shoutcast: DNAS's admin.cgi");
	}
	ok(strstr(req, "(Mozilla compatible)\r\n\r\n") != NULL && strstr(req, "Authorization") ==
	    NULL, "a Mozilla user agent (DNAS answers browsers only), no Basic auth");
	free(req);
	u.title_port = 8080;
	free(u.mount);
	u.mount = xstrdup("/sc");
	ok(meta_port(&u) == 8080, "title-port overrides it");
	req = meta_request(&u, "t");
	ok(strstr(req, "&mount=%2Fsc&") != NULL, "a mount in the URL goes as mount=");
	free(req);
	uplink_url_free(&u);
	return tap_done();
}
