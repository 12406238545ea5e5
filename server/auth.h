/*
 * auth.h: HTTP Basic credentials and who they let in. Comparisons take the
 * same time whatever the input, so passwords cannot be guessed by timing.
 */
#ifndef FLOE_AUTH_H
#define FLOE_AUTH_H

struct http_request;
struct config;
struct config_mount;

/** Decode "Basic base64(user:pass)" into allocated user and pass; 0 on
 *  success. The user name comes out as UTF-8 (Latin-1 if it was not) and one
 *  with a control character is refused; the password is as sent. */
int auth_parse_basic(const char *header, char **user, char **pass);

/** May these credentials feed the mount (global source password or the mount's own)? */
int auth_source_ok(const struct config *cf, const struct config_mount *mc,
    const char *user, const char *pass);
/** Are these the admin credentials? */
int auth_admin_ok(const struct config *cf, const char *user, const char *pass);

/** Constant-time string equality (length leaks, content does not). */
int auth_equal(const char *a, const char *b);

#endif
