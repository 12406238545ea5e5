/*
 * webroot.h: the files under <webroot> (the status page, the admin page,
 * their scripts and styles), served to GET and HEAD.
 */
#ifndef FLOE_WEBROOT_H
#define FLOE_WEBROOT_H

struct conn;

/** Answer a GET or HEAD for path with the file it names; 0 if answered, -1 if none. */
int webroot_serve(struct conn *c, const char *path);

#endif
