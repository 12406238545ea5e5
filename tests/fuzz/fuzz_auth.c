/*
 * fuzz_auth.c: Basic authentication (auth.c): decoding an Authorization
 * header's base64 (util.c) into user and password, and the constant-time
 * comparisons that judge them. The input up to its first NUL is the header
 * value; with what follows, it is also a pair of strings to compare.
 */
#include "../../server/util.c"
#include "../../server/auth.c"

#include "fuzz.h"

#include <string.h>

/* auth_equal is string equality, whatever the lengths. */
static void
check_equal(const char *a, const char *b)
{
	int same = strcmp(a, b) == 0;

	FUZZ_CHECK(auth_equal(a, b) == same && auth_equal(b, a) == same);
	FUZZ_CHECK(auth_equal(a, a) && !auth_equal(a, NULL) && !auth_equal(NULL, b));
}

/* Decoded credentials: no ':' in the user, and they survive a round trip. */
static void
check_credentials(const char *user, const char *pass)
{
	struct config cf = { .admin_user = "admin", .admin_password = "hackme",
		.source_password = "hackme" };
	struct config_mount mc = { .password = "pw" };
	char *plain, *enc, *h, *u2, *p2;
	size_t n;

	FUZZ_CHECK(strchr(user, ':') == NULL);
	n = strlen(user) + strlen(pass) + 2;
	plain = malloc(n);
	snprintf(plain, n, "%s:%s", user, pass);
	enc = base64_encode(plain, n - 1);
	h = xasprintf("Basic %s", enc);
	FUZZ_CHECK(auth_parse_basic(h, &u2, &p2) == 0);
	FUZZ_CHECK(strcmp(u2, user) == 0 && strcmp(p2, pass) == 0);
	free(u2); free(p2); free(h); free(enc); free(plain);

	FUZZ_CHECK(auth_admin_ok(&cf, user, pass) ==
	    (strcmp(user, "admin") == 0 && strcmp(pass, "hackme") == 0));
	FUZZ_CHECK(auth_source_ok(&cf, NULL, user, pass) ==
	    (strcmp(user, "source") == 0 && strcmp(pass, "hackme") == 0));
	FUZZ_CHECK(auth_source_ok(&cf, &mc, user, pass) ==
	    (strcmp(user, "source") == 0 && strcmp(pass, "pw") == 0));
}

/* One input: a header to decode, and two strings to compare. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_string(data, size), *user, *pass;
	size_t head = strlen(s);

	if (auth_parse_basic(s, &user, &pass) == 0) {
		FUZZ_CHECK(user != NULL && pass != NULL);
		check_credentials(user, pass);
		free(user);
		free(pass);
	} else
		FUZZ_CHECK(user == NULL && pass == NULL);
	check_equal(s, head < size ? s + head + 1 : "");
	free(s);
	return 0;
}
