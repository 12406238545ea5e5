/*
 * xslt.h: icecast's .xsl pages, rendered with libxslt against an XML
 * document floe wrote (the stats, an admin command's answer).
 */
#ifndef FLOE_XSLT_H
#define FLOE_XSLT_H

#include <stddef.h>

struct conn;

/**
 * Answer c with the stylesheet at path applied to the XML document xml,
 * with the Content-Type the stylesheet declares. A stylesheet that does
 * not compile or fails gets a 500 and a log line naming the file.
 * 0 if rendered, -1 if an error was answered.
 */
int xslt_render(struct conn *c, const char *path, const char *xml, size_t len);

/** Forget every compiled stylesheet (SIGHUP: webroot or adminroot may move). */
void xslt_flush(void);

#endif
