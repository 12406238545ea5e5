/*
 * test_auth.c: TAP tests for auth.c: decoding Basic credentials (as every
 * captured source client sends them, and malformed ones), the source and
 * admin checks against a config loaded from memory, and auth_equal.
 */
#include "tap.h"

#include "../../server/auth.c"
#include "../../server/config.c"
#include "../../server/util.c"
#include "../../server/router_check.c"

#include <stdlib.h>

/* Parse a header and compare the result with what is wanted. */
static void
check_basic(const char *header, int want_rc, const char *want_user,
    const char *want_pass, const char *what)
{
	char *user = (char *)"unset", *pass = (char *)"unset";
	int rc = auth_parse_basic(header, &user, &pass);

	is_int(rc, want_rc, "%s: result", what);
	is_str(user, want_user, "%s: user", what);
	is_str(pass, want_pass, "%s: password", what);
	free(user);
	free(pass);
}

/* auth_parse_basic. */
static void
test_parse_basic(void)
{
	/* base64("source:hackme"), as ffmpeg, liquidsoap and libshout send it. */
	check_basic("Basic c291cmNlOmhhY2ttZQ==", 0, "source", "hackme", "captured header");
	check_basic("basic c291cmNlOmhhY2ttZQ==", 0, "source", "hackme", "lower-case scheme");
	check_basic("BASIC c291cmNlOmhhY2ttZQ==", 0, "source", "hackme", "upper-case scheme");
	check_basic("Basic   c291cmNlOmhhY2ttZQ==", 0, "source", "hackme", "extra spaces");
	check_basic("Basic c291cmNlOmhhY2ttZQ==  ", 0, "source", "hackme", "trailing spaces");
	check_basic("Basic c291cmNlOmhhY2ttZQ", 0, "source", "hackme", "padding omitted");
	check_basic("Basic dXNlcjo=", 0, "user", "", "empty password (user:)");
	check_basic("Basic OnB3", 0, "", "pw", "empty user (:pw)");
	check_basic("Basic YTpiOmM=", 0, "a", "b:c", "password containing ':' (a:b:c)");
	check_basic("Basic w6Q6w7Y=", 0, "\xc3\xa4", "\xc3\xb6", "UTF-8 user and password");
	check_basic("Basic YWRtaW46cGFzcyB3b3Jk", 0, "admin", "pass word", "space in password");
	/* The user name is shown (logs, documents): it leaves as UTF-8, and one
	 * with a control character is refused; the password stays as sent. */
	check_basic("Basic bfxsbGVyOnB3/w==", 0, "m\xc3\xbcller", "pw\xff",
	    "Latin-1 user read as Latin-1, password kept byte for byte");
	check_basic("Basic YQpiOnB3", -1, NULL, NULL, "LF in the user name");
	check_basic("Basic YX9iOnB3", -1, NULL, NULL, "DEL in the user name");
	check_basic("Basic dTpwAXc=", 0, "u", "p\x01w", "a control byte in the password is only compared");

	check_basic("Basic !!!!", -1, NULL, NULL, "invalid base64");
	check_basic("Basic c291cmNl=OmhhY2ttZQ==", -1, NULL, NULL, "'=' inside base64");
	check_basic("Basic dXNlcg==", -1, NULL, NULL, "no colon (user)");
	check_basic("Basic YQA6Yg==", -1, NULL, NULL, "NUL byte inside (a\\0:b)");
	check_basic("Basic YTpiAGM=", -1, NULL, NULL, "NUL byte in the password (a:b\\0c)");
	check_basic("Basic ", -1, NULL, NULL, "nothing after the scheme");
	check_basic("Basic", -1, NULL, NULL, "scheme alone");
	check_basic("Basicc291cmNlOmhhY2ttZQ==", -1, NULL, NULL, "no space after the scheme");
	check_basic("Digest username=\"source\"", -1, NULL, NULL, "another scheme");
	check_basic("Bearer c291cmNlOmhhY2ttZQ==", -1, NULL, NULL, "bearer token");
	check_basic("", -1, NULL, NULL, "empty header");
	check_basic(NULL, -1, NULL, NULL, "no header");
}

/* auth_equal. */
static void
test_equal(void)
{
	ok(auth_equal("hackme", "hackme"), "equal strings");
	ok(!auth_equal("hackme", "hackmf"), "last byte differs");
	ok(!auth_equal("hackme", "Hackme"), "case matters");
	ok(!auth_equal("hack", "hackme"), "a prefix is not equal");
	ok(!auth_equal("hackme", "hack"), "a longer string is not equal");
	ok(!auth_equal("hackmehackme", "hackme"), "a repetition is not equal");
	ok(!auth_equal("", "x"), "empty vs non-empty");
	ok(!auth_equal("x", ""), "non-empty vs empty");
	ok(auth_equal("", ""), "two empty strings are equal");
	ok(!auth_equal(NULL, "x"), "NULL never matches (left)");
	ok(!auth_equal("x", NULL), "NULL never matches (right)");
	ok(!auth_equal(NULL, NULL), "NULL never matches NULL");
}

/* Load a config from a string; NULL (and a failed check) on error. */
static struct config *
load(const char *xml)
{
	return config_load_mem(xml, strlen(xml), "test.xml", NULL, NULL);
}

/* auth_source_ok and auth_admin_ok with a loaded config. */
static void
test_source_admin(void)
{
	struct config *c = load(
	    "<icecast>"
	    "<authentication><source-password>hackme</source-password>"
	    "<admin-user>boss</admin-user><admin-password>secret</admin-password>"
	    "</authentication>"
	    "<mount><mount-name>/own.mp3</mount-name><username>dj</username>"
	    "<password>djpass</password></mount>"
	    "<mount><mount-name>/pw.mp3</mount-name><password>mountpw</password></mount>"
	    "<mount><mount-name>/open.mp3</mount-name><max-listeners>5</max-listeners></mount>"
	    "</icecast>");
	const struct config_mount *own, *pw, *open;

	ok(c != NULL, "config loads");
	if (c == NULL)
		return;
	own = config_find_mount(c, "/own.mp3");
	pw = config_find_mount(c, "/pw.mp3");
	open = config_find_mount(c, "/open.mp3");
	ok(own != NULL && pw != NULL && open != NULL, "mounts found");
	if (own == NULL || pw == NULL || open == NULL) {
		config_free(c);
		return;
	}

	ok(auth_source_ok(c, NULL, "source", "hackme"), "global password, no mount config");
	ok(!auth_source_ok(c, NULL, "source", "wrong"), "wrong global password");
	ok(!auth_source_ok(c, NULL, "admin", "hackme"), "global password needs user 'source'");
	ok(!auth_source_ok(c, NULL, "source", ""), "empty password refused");
	ok(!auth_source_ok(c, NULL, "source", "hackme2"), "password with a suffix refused");
	ok(!auth_source_ok(c, NULL, NULL, "hackme"), "no user: refused");
	ok(!auth_source_ok(c, NULL, "source", NULL), "no password: refused");
	ok(auth_source_ok(c, open, "source", "hackme"), "mount without a password: global one");

	ok(auth_source_ok(c, own, "dj", "djpass"), "mount's own user and password");
	ok(!auth_source_ok(c, own, "source", "hackme"), "mount's own password overrides the global");
	ok(!auth_source_ok(c, own, "source", "djpass"), "mount's own user is required");
	ok(!auth_source_ok(c, own, "dj", "hackme"), "mount user with the global password: refused");

	ok(auth_source_ok(c, pw, "source", "mountpw"), "mount password, default user 'source'");
	ok(!auth_source_ok(c, pw, "source", "hackme"), "mount password overrides the global");
	ok(!auth_source_ok(c, pw, "dj", "mountpw"), "mount password with another user: refused");

	ok(auth_admin_ok(c, "boss", "secret"), "admin credentials");
	ok(!auth_admin_ok(c, "admin", "secret"), "admin with the default user name: refused");
	ok(!auth_admin_ok(c, "boss", "hackme"), "admin with the source password: refused");
	ok(!auth_admin_ok(c, "source", "hackme"), "source credentials are not admin");
	ok(!auth_admin_ok(c, NULL, "secret"), "admin without user: refused");
	ok(!auth_admin_ok(c, "boss", NULL), "admin without password: refused");
	config_free(c);

	/* Only mount passwords: the global check has nothing to match. */
	c = load("<icecast><mount><mount-name>/m</mount-name><password>p</password>"
	    "</mount></icecast>");
	ok(c != NULL, "config with only a mount password loads");
	if (c != NULL) {
		ok(c->source_password == NULL, "no global source password");
		ok(!auth_source_ok(c, NULL, "source", ""), "no global password: empty refused");
		ok(!auth_source_ok(c, NULL, "source", "p"), "no global password: mount's refused elsewhere");
		ok(auth_source_ok(c, config_find_mount(c, "/m"), "source", "p"),
		    "the mount's password works on its mount");
		ok(!auth_admin_ok(c, "admin", ""), "no admin password: admin refused");
		config_free(c);
	}

	/* The default mount's password applies to mounts without their own. */
	c = load("<icecast><authentication><source-password>g</source-password>"
	    "<admin-password>a</admin-password></authentication>"
	    "<mount type=\"default\"><password>dflt</password></mount></icecast>");
	ok(c != NULL, "config with a default mount loads");
	if (c != NULL) {
		const struct config_mount *d = config_find_mount(c, "/any");

		ok(d != NULL && auth_source_ok(c, d, "source", "dflt"),
		    "default mount password on an unlisted mount");
		ok(d != NULL && !auth_source_ok(c, d, "source", "g"),
		    "default mount password overrides the global one");
		ok(auth_admin_ok(c, "admin", "a"), "default admin user is 'admin'");
		config_free(c);
	}

	/* A config built by hand. */
	c = xcalloc(1, sizeof *c);
	c->source_password = xstrdup("s3cret");
	c->admin_user = xstrdup("root");
	c->admin_password = xstrdup("toor");
	ok(auth_source_ok(c, NULL, "source", "s3cret"), "hand-built config: source");
	ok(auth_admin_ok(c, "root", "toor"), "hand-built config: admin");
	ok(!auth_admin_ok(c, "root", "s3cret"), "hand-built config: wrong admin password");
	free(c->admin_user);
	c->admin_user = NULL;
	ok(!auth_admin_ok(c, "root", "toor"), "no admin user configured: refused");
	config_free(c);
}

/* The header clients send decodes to credentials the checks accept. */
static void
test_end_to_end(void)
{
	struct config *c = load("<icecast><authentication><source-password>hackme"
	    "</source-password><admin-password>x</admin-password></authentication></icecast>");
	char *user, *pass;

	if (c == NULL) {
		ok(0, "config loads");
		return;
	}
	ok(auth_parse_basic("Basic c291cmNlOmhhY2ttZQ==", &user, &pass) == 0 &&
	    auth_source_ok(c, NULL, user, pass), "captured client header is accepted");
	free(user);
	free(pass);
	ok(auth_parse_basic("Basic c291cmNlOmhhY2ttZg==", &user, &pass) == 0 &&
	    !auth_source_ok(c, NULL, user, pass), "one byte off is refused");
	free(user);
	free(pass);
	config_free(c);
}

int
main(void)
{
	test_parse_basic();
	test_equal();
	test_source_admin();
	test_end_to_end();
	return tap_done();
}
