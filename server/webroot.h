/*
 * webroot.h: the files under <webroot> (the status page, the admin page,
 * their scripts and styles), served to GET and HEAD.
 */
#ifndef FLOE_WEBROOT_H
#define FLOE_WEBROOT_H

struct conn;

/**
 * Answer a GET or HEAD for path (percent-decoded, no query) with the file
 * it names; 0 if answered, -1 if there is no such file (or it is not a
 * regular file, or its real path leaves the allowed directories). Never
 * blocks on the file's contents.
 */
int webroot_serve(struct conn *c, const char *path);

/** Would a GET for path be answered with a file (webroot_serve would answer)? */
int webroot_has(const char *path);

/** The real path of the webroot file a request path names, or NULL if there
 *  is none inside the allowed directories (caller frees). */
char *webroot_path(const char *path);
/** The real path of adminroot's file name (a bare name), or NULL. */
char *webroot_admin_path(const char *name);

#endif
