/*
 * auth_htpasswd.h: icecast's htpasswd user files, for listener
 * authentication (mount_auth.c) and the manageauth admin command.
 */
#ifndef FLOE_AUTH_HTPASSWD_H
#define FLOE_AUTH_HTPASSWD_H

#include <stddef.h>

/** Does pass match the stored hash (icecast2's MD5 hex, {SHA}, crypt(3))? */
int htpasswd_verify(const char *hash, const char *pass);
/** May name be a user name in the file (no ':', no control characters)? */
int htpasswd_name_ok(const char *name);
/** The user names in the file (allocated, NULL-terminated); 0, or -1 if
 *  the file exists but cannot be read. A missing file has no users. */
int htpasswd_list(const char *path, char ***names, size_t *n);
/** Add (hashed as icecast2 does) or delete a user, rewriting the file
 *  atomically. 0 done; 1 refused (exists / not found), -1 failed; *err
 *  (allocated) says why. */
int htpasswd_adduser(const char *path, const char *user, const char *pass, char **err);
int htpasswd_deleteuser(const char *path, const char *user, char **err);
/** Forget the cached files. */
void htpasswd_shutdown(void);

#endif
