/*
 * test_router.c: TAP tests for the router's pure checks (router_check.c):
 * which mount names a source may take, which Host headers go into a
 * playlist URL, which paths floe keeps for itself, and which Content-Types
 * a source may stream with. router.c itself dispatches to every role, so
 * these checks live apart from it and are tested alone.
 */
#include "tap.h"

#include "../../server/router_check.c"
#include "../../server/util.c"

/* router_mount_name_ok. */
static void
test_mount_names(void)
{
	char longest[258];

	ok(router_mount_name_ok("/live.mp3"), "a plain mount name");
	ok(router_mount_name_ok("/a"), "the shortest name: '/' and one character");
	ok(router_mount_name_ok("/radio/high.ogg"), "a name with a directory");
	ok(router_mount_name_ok("/caf\xc3\xa9.mp3"), "UTF-8 bytes in a name");
	ok(router_mount_name_ok("/x..y"), "two dots inside a word");
	ok(!router_mount_name_ok("/"), "'/' alone is not a mount");
	ok(!router_mount_name_ok(""), "the empty name");
	ok(!router_mount_name_ok("live.mp3"), "no leading '/'");
	ok(!router_mount_name_ok("/a/../admin/stats"), "a '/../' step");
	ok(!router_mount_name_ok("/a\r\nX-Evil: 1"), "CR LF (would split a response head)");
	ok(!router_mount_name_ok("/a\tb"), "a tab");
	ok(!router_mount_name_ok("/a\x7f"), "DEL");
	memset(longest, 'a', sizeof longest);
	longest[0] = '/';
	longest[256] = '\0';
	ok(router_mount_name_ok(longest), "256 bytes: the longest name");
	longest[256] = 'a';
	longest[257] = '\0';
	ok(!router_mount_name_ok(longest), "257 bytes: too long");
}

/* router_host_ok. */
static void
test_hosts(void)
{
	char longest[257];

	ok(router_host_ok("radio.example.org"), "a host name");
	ok(router_host_ok("127.0.0.1:8000"), "an address and a port");
	ok(router_host_ok("[::1]:8000"), "an IPv6 address in brackets");
	ok(!router_host_ok(NULL), "no Host header");
	ok(!router_host_ok(""), "an empty Host header (Liquidsoap's chunked PUT)");
	ok(!router_host_ok("evil.org/x"), "a '/' (would change the URL's path)");
	ok(!router_host_ok("a@evil.org"), "a '@' (would make the rest user info)");
	ok(!router_host_ok("a\r\nb"), "CR LF");
	ok(!router_host_ok("a b"), "a space");
	ok(!router_host_ok("h\xc3\xa9"), "a non-ASCII byte");
	memset(longest, 'a', sizeof longest);
	longest[255] = '\0';
	ok(router_host_ok(longest), "255 characters: the longest host");
	longest[255] = 'a';
	longest[256] = '\0';
	ok(!router_host_ok(longest), "256 characters: too long");
}

/* router_path_reserved. */
static void
test_reserved(void)
{
	ok(router_path_reserved("/admin/stats"), "/admin/stats is floe's");
	ok(router_path_reserved("/admin/"), "/admin/ is floe's");
	ok(router_path_reserved("/admin"), "/admin is floe's");
	ok(router_path_reserved("/admin.cgi"), "/admin.cgi is floe's");
	ok(router_path_reserved("/api/v1/status"), "/api/v1/status is floe's");
	ok(router_path_reserved("/api"), "/api is floe's");
	ok(router_path_reserved("/status-json.xsl"), "/status-json.xsl is floe's");
	ok(!router_path_reserved("/administration.mp3"), "/administration.mp3 may be a mount");
	ok(!router_path_reserved("/admin.mp3"), "/admin.mp3 may be a mount");
	ok(!router_path_reserved("/apiary.ogg"), "/apiary.ogg may be a mount");
	ok(!router_path_reserved("/live.mp3"), "/live.mp3 may be a mount");
	ok(!router_path_reserved("/radio/admin"), "/radio/admin may be a mount");
	ok(!router_path_reserved("/status-json.xsl2"), "/status-json.xsl2 may be a mount");
}

/* router_source_type_ok. */
static void
test_source_types(void)
{
	static const char *const good[] = {
		"audio/mpeg", "audio/aac", "audio/aacp", "audio/ogg", "audio/webm",
		"application/ogg", "application/x-ogg", "video/ogg", "video/webm",
		"Audio/MPEG", "APPLICATION/OGG", "audio/mpeg; charset=utf-8",
		"audio/mpeg;codecs=mp3", "application/ogg; codecs=opus", "audio/x-hx-aac-adts",
		"audio/mpeg ; x=1",
	};
	static const char *const bad[] = {
		"text/html", "text/html; charset=utf-8", "text/javascript", "application/javascript",
		"image/svg+xml", "text/xml", "application/xhtml+xml", "application/octet-stream",
		"text/plain", "multipart/x-mixed-replace", "application/pdf", "", "audio",
		"audio/", "/mpeg", "audio/mpeg/x", "audio/mp eg", "application/oggx",
		"application/ogg2", "xaudio/mpeg", "audio/mpeg\x01", "audio/mpeg; x=\xc3\xa9",
		"audio/mpeg x", "audiomp3",
	};
	char longest[258];
	size_t i;

	ok(router_source_type_ok(NULL), "no Content-Type: taken as audio/mpeg");
	for (i = 0; i < FLOE_NELEM(good); i++)
		ok(router_source_type_ok(good[i]), "a source may send \"%s\"", good[i]);
	for (i = 0; i < FLOE_NELEM(bad); i++)
		ok(!router_source_type_ok(bad[i]), "a source may not send \"%s\"", bad[i]);
	memset(longest, 'a', sizeof longest);
	memcpy(longest, "audio/", 6);
	longest[256] = '\0';
	ok(router_source_type_ok(longest), "a 256-byte type");
	longest[256] = 'a';
	longest[257] = '\0';
	ok(!router_source_type_ok(longest), "a 257-byte type: too long");
}

int
main(void)
{
	test_mount_names();
	test_hosts();
	test_reserved();
	test_source_types();
	return tap_done();
}
