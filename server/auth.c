/*
 * auth.c: Basic authentication for sources and admin requests.
 */
#include "auth.h"
#include "config.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

/* Does s hold a C0 control character or DEL? */
static int
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

/*
 * Parse an Authorization header value. The user name is kept and shown
 * (logs, documents), so it leaves here as a clean string: one with a
 * control character is refused (RFC 7617 forbids them), one that is not
 * UTF-8 is read as Latin-1 (what older clients send), as str_sanitize reads
 * every header. The password is only compared, byte for byte as sent.
 */
int
auth_parse_basic(const char *h, char **user, char **pass)
{
	char *dec, *colon;
	size_t len;

	*user = *pass = NULL;
	if (h == NULL || !str_iprefix(h, "Basic "))
		return -1;
	h += 6;
	while (*h == ' ')
		h++;
	len = strcspn(h, " \t");
	if ((dec = base64_decode(h, len, &len)) == NULL)
		return -1;
	if (strlen(dec) != len || (colon = strchr(dec, ':')) == NULL) {
		free(dec);
		return -1;
	}
	*colon = '\0';
	if (has_control(dec)) {
		free(dec);
		return -1;
	}
	*user = str_to_utf8(dec);
	*pass = xstrdup(colon + 1);
	free(dec);
	return 0;
}

/* Compare without an early exit on the first differing byte. */
int
auth_equal(const char *a, const char *b)
{
	size_t la, lb, i;
	unsigned char d;

	if (a == NULL || b == NULL)
		return 0;
	la = strlen(a);
	lb = strlen(b);
	d = la != lb;
	for (i = 0; i < la; i++)
		d |= (unsigned char)a[i] ^ (unsigned char)b[i % (lb ? lb : 1)];
	return d == 0;
}

/* Source credentials: the mount's own user/password if it has a password,
 * else "source" with the global source-password (as icecast2). */
int
auth_source_ok(const struct config *cf, const struct config_mount *mc,
    const char *user, const char *pass)
{
	if (user == NULL || pass == NULL)
		return 0;
	if (mc != NULL && mc->password != NULL) {
		const char *mu = mc->username != NULL ? mc->username : "source";
		return auth_equal(user, mu) & auth_equal(pass, mc->password);
	}
	return auth_equal(user, "source") & auth_equal(pass, cf->source_password);
}

/* Admin credentials. */
int
auth_admin_ok(const struct config *cf, const char *user, const char *pass)
{
	if (user == NULL || pass == NULL || cf->admin_password == NULL)
		return 0;
	return auth_equal(user, cf->admin_user) & auth_equal(pass, cf->admin_password);
}
