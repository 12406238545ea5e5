/*
 * router_check.c: pure checks on client-chosen names (see router_check.h).
 */
#include "router_check.h"
#include "util.h"

#include <string.h>
#include <strings.h>

/* Why 256: icecast2 has no limit, but a mount name is shown in every
 * status document and log line; real ones are under 64 bytes. */
#define ROUTER_MOUNT_NAME_MAX 256

/* Why 255: the longest DNS name is 253 characters; a port and brackets
 * fit in the rest. */
#define ROUTER_HOST_MAX 255

/* Why 256: a source's Content-Type is echoed to every listener; real ones
 * ("audio/mpeg", "application/ogg; codecs=opus") are under 64 bytes. */
#define ROUTER_TYPE_MAX 256

/* Characters of an RFC 9110 token (a media type's type and subtype). */
static const char router_tchar[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~";

/* Is this a name a mount may have: leading '/', printable UTF-8, bounded? */
int
router_mount_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (n < 2 || n > ROUTER_MOUNT_NAME_MAX || name[0] != '/')
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
			return 0;
	return strstr(name, "/../") == NULL && utf8_is_valid(name, n);
}

/* Is s made only of characters a host[:port] may have? */
int
router_host_ok(const char *s)
{
	size_t n;

	if (s == NULL || *s == '\0' || (n = strlen(s)) > ROUTER_HOST_MAX)
		return 0;
	return strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") == n;
}

/* Does path start with prefix and end there or go on below it ('/')? */
static int
router_under(const char *path, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(path, prefix, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* Does floe answer this path itself, before any mount? */
int
router_path_reserved(const char *path)
{
	/* What router.c answers without looking at mounts, and /admin and
	 * /api themselves, where icecast2 and browsers look for them. */
	return router_under(path, "/admin") || router_under(path, "/api") ||
	    strcmp(path, "/admin.cgi") == 0 || strcmp(path, "/status-json.xsl") == 0 ||
	    strcmp(path, "/metrics") == 0;
}

/* Is [s, s+n) one of the media types a source may send? */
static int
router_media_type_ok(const char *s, size_t n)
{
	static const char *const exact[] = { "application/ogg", "application/x-ogg" };
	static const char *const tops[] = { "audio/", "video/" };
	size_t i, top;

	for (i = 0; i < FLOE_NELEM(exact); i++)
		if (n == strlen(exact[i]) && strncasecmp(s, exact[i], n) == 0)
			return 1;
	for (i = 0; i < FLOE_NELEM(tops); i++) {
		top = strlen(tops[i]);
		if (n > top && strncasecmp(s, tops[i], top) == 0)
			return strspn(s + top, router_tchar) == n - top;
	}
	return 0;
}

/* May a source stream with this Content-Type? */
int
router_source_type_ok(const char *ct)
{
	size_t n, i;

	if (ct == NULL)
		return 1;
	if (strlen(ct) > ROUTER_TYPE_MAX)
		return 0;
	/* Parameters are echoed to listeners: printable ASCII only. */
	for (i = 0; ct[i] != '\0'; i++)
		if ((unsigned char)ct[i] < 0x20 || (unsigned char)ct[i] > 0x7e)
			return 0;
	n = strcspn(ct, "; ");
	if (!router_media_type_ok(ct, n))
		return 0;
	ct += n + strspn(ct + n, " ");
	return *ct == '\0' || *ct == ';';
}
