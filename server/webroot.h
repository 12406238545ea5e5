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

#endif
