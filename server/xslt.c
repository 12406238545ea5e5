/*
 * xslt.c: icecast's XSL pages (status.xsl, the admin pages, a station's
 * own .xsl endpoints) rendered with libxslt against the XML documents
 * floe already writes, as icecast2 renders them.
 *
 * Stylesheets are compiled once and kept, keyed by path and checked
 * against the file's mtime and size on each use, so an edited page is
 * picked up without a reload and an unchanged one costs one stat().
 * Rendering runs on the main loop, which also reads every source: Debian's
 * status.xsl over 100 live mounts takes about 2.5 ms (13 ms over 500;
 * tests/bench/bench_xslt.py), well inside the 250 ms write interval a
 * source's bytes wait anyway, so no thread is worth its locking here.
 *
 * A stylesheet is the operator's file, but it runs with no rights beyond
 * reading its document: libxslt's security preferences forbid reading or
 * writing files and the network (document(), exsl:document).
 */
#include "xslt.h"
#include "conn.h"
#include "http_resp.h"
#include "log.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>

/* Stations have a handful of pages; past this the oldest is dropped. */
#define XSLT_CACHE	32

struct xslt_entry {
	char		*path;
	time_t		 mtime;
	off_t		 size;
	xsltStylesheetPtr style;
	uint64_t	 used;		/* for dropping the least recently used */
};

static struct xslt_entry cache[XSLT_CACHE];
static uint64_t		 clock_uses;
static int		 ready;
static struct sbuf	 errors;	/* what libxml2/libxslt said during one call */

/* libxml2's and libxslt's messages land here instead of on stderr. */
static void
xslt_collect(void *ctx, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	(void)ctx;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (errors.len < 2048)
		sbuf_adds(&errors, buf);
}

/* Log what was collected (one line, control characters escaped by log.c). */
static void
xslt_log_errors(const char *what, const char *path)
{
	char *msg;

	if (errors.len == 0)
		return;
	msg = str_sanitize(errors.data, 400);
	log_warn("%s %s: %s", what, path, msg);
	free(msg);
	sbuf_free(&errors);
	sbuf_init(&errors);
}

static void
xslt_init(void)
{
	xsltSecurityPrefsPtr sec;

	if (ready)
		return;
	ready = 1;
	sbuf_init(&errors);
	xmlSetGenericErrorFunc(NULL, xslt_collect);
	xsltSetGenericErrorFunc(NULL, xslt_collect);
	sec = xsltNewSecurityPrefs();
	xsltSetSecurityPrefs(sec, XSLT_SECPREF_READ_FILE, xsltSecurityForbid);
	xsltSetSecurityPrefs(sec, XSLT_SECPREF_WRITE_FILE, xsltSecurityForbid);
	xsltSetSecurityPrefs(sec, XSLT_SECPREF_CREATE_DIRECTORY, xsltSecurityForbid);
	xsltSetSecurityPrefs(sec, XSLT_SECPREF_READ_NETWORK, xsltSecurityForbid);
	xsltSetSecurityPrefs(sec, XSLT_SECPREF_WRITE_NETWORK, xsltSecurityForbid);
	xsltSetDefaultSecurityPrefs(sec);
}

static void
xslt_drop(struct xslt_entry *e)
{
	if (e->style != NULL)
		xsltFreeStylesheet(e->style);
	free(e->path);
	memset(e, 0, sizeof *e);
}

/* The compiled stylesheet at path, from the cache or freshly compiled. */
static xsltStylesheetPtr
xslt_get(const char *path)
{
	struct xslt_entry *e, *slot = NULL;
	struct stat st;
	xmlDocPtr doc;
	xsltStylesheetPtr style;
	size_t i;

	if (stat(path, &st) < 0)
		return NULL;
	for (i = 0; i < XSLT_CACHE; i++) {
		e = &cache[i];
		if (e->path != NULL && strcmp(e->path, path) == 0) {
			if (e->mtime == st.st_mtime && e->size == st.st_size) {
				e->used = ++clock_uses;
				return e->style;
			}
			xslt_drop(e);		/* edited: compile it again */
		}
		if (e->path == NULL && slot == NULL)
			slot = e;
	}
	if (slot == NULL) {
		slot = &cache[0];
		for (i = 1; i < XSLT_CACHE; i++)
			if (cache[i].used < slot->used)
				slot = &cache[i];
		xslt_drop(slot);
	}
	/* No network, no entity expansion: the file is read as written. */
	doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	style = doc != NULL ? xsltParseStylesheetDoc(doc) : NULL;
	if (style == NULL) {
		if (doc != NULL)
			xmlFreeDoc(doc);
		xslt_log_errors("cannot compile stylesheet", path);
		return NULL;
	}
	slot->path = xstrdup(path);
	slot->mtime = st.st_mtime;
	slot->size = st.st_size;
	slot->style = style;
	slot->used = ++clock_uses;
	return style;
}

/* The Content-Type a stylesheet declares (xsl:output media-type, else by method). */
static char *
xslt_content_type(xsltStylesheetPtr style)
{
	const char *type = (const char *)style->mediaType;
	const char *method = (const char *)style->method;
	const char *enc = style->encoding != NULL ? (const char *)style->encoding : "UTF-8";

	if (type == NULL)
		type = method != NULL && strcmp(method, "html") == 0 ? "text/html" :
		    method != NULL && strcmp(method, "text") == 0 ? "text/plain" : "text/xml";
	return xasprintf("%s; charset=%s", type, enc);
}

int
xslt_render(struct conn *c, const char *path, const char *xml, size_t len)
{
	xsltStylesheetPtr style;
	xmlDocPtr doc, res = NULL;
	xmlChar *out = NULL;
	int outlen = 0;
	char *type;

	xslt_init();
	if ((style = xslt_get(path)) == NULL) {
		resp_html_error(c, 500, "Could not parse XSLT file");
		return -1;
	}
	doc = xmlReadMemory(xml, (int)len, "stats.xml", NULL, XML_PARSE_NONET);
	if (doc != NULL)
		res = xsltApplyStylesheet(style, doc, NULL);
	if (res == NULL || xsltSaveResultToString(&out, &outlen, res, style) < 0) {
		xslt_log_errors("cannot render stylesheet", path);
		resp_html_error(c, 500, "XSLT transform failed");
	} else {
		type = xslt_content_type(style);
		resp_send(c, 200, type, out != NULL ? (const char *)out : "",
		    out != NULL ? (size_t)outlen : 0);
		free(type);
	}
	sbuf_free(&errors);
	sbuf_init(&errors);
	xmlFree(out);
	if (res != NULL)
		xmlFreeDoc(res);
	if (doc != NULL)
		xmlFreeDoc(doc);
	return res != NULL ? 0 : -1;
}

void
xslt_flush(void)
{
	size_t i;

	for (i = 0; i < XSLT_CACHE; i++)
		xslt_drop(&cache[i]);
}
