/*
 * router_check.h: the router's pure checks on names a client chooses (a
 * mount name, a Host header, a source's Content-Type). No I/O and no
 * server state: strings in, yes or no out, so each is unit-tested alone
 * (tests/unit/test_router.c) without the rest of the server.
 */
#ifndef FLOE_ROUTER_CHECK_H
#define FLOE_ROUTER_CHECK_H

/** Is this a name a mount may have: leading '/', printable, bounded, no "/../"? */
int router_mount_name_ok(const char *name);

/** Is s made only of characters a host[:port] may have (a playlist URL's host)? */
int router_host_ok(const char *s);

/**
 * Does floe answer this path itself (/admin/..., /admin.cgi, /api/...,
 * /status-json.xsl)? A mount with such a name would never be reached, or
 * would stand where the admin's pages and commands are.
 */
int router_path_reserved(const char *path);

/**
 * May a source stream with this Content-Type: audio/ *, video/ * or
 * application/ogg (x-ogg), with optional parameters? NULL (no header) is
 * allowed: the stream is then taken as audio/mpeg. Anything a browser
 * could run as a page or a script (text/html, text/javascript...) is not.
 */
int router_source_type_ok(const char *content_type);

#endif
