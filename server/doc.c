/*
 * doc.c: XML-or-JSON document building (see doc.h).
 */
#include "doc.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* JSON: a comma before every member but the first of its level. */
static void
doc_sep(struct doc *d)
{
	if (d->json && d->stack[d->depth].members++ > 0)
		sbuf_add(&d->sb, ",", 1);
}

/* Go one level deeper. */
static void
doc_push(struct doc *d, enum doc_kind kind, const char *name)
{
	assert(d->depth + 1 < DOC_MAX_DEPTH);
	d->depth++;
	d->stack[d->depth].kind = kind;
	d->stack[d->depth].name = name;
	d->stack[d->depth].members = 0;
}

/* Start with the root element. */
void
doc_init(struct doc *d, int json, const char *root)
{
	memset(d, 0, sizeof *d);
	sbuf_init(&d->sb);
	d->json = json;
	sbuf_adds(&d->sb, json ? "{" : "<?xml version=\"1.0\"?>\n");
	doc_open(d, root);
}

/* Close everything still open and hand the text over. */
char *
doc_finish(struct doc *d, size_t *len)
{
	while (d->depth > 0)
		doc_close(d);
	sbuf_adds(&d->sb, d->json ? "}\n" : "\n");
	return sbuf_steal(&d->sb, len);
}

/* An element. */
void
doc_open(struct doc *d, const char *name)
{
	doc_sep(d);
	if (d->json) {
		sbuf_add_json(&d->sb, name);
		sbuf_adds(&d->sb, ":{");
	} else
		sbuf_addf(&d->sb, "<%s>", name);
	doc_push(d, DOC_ELEMENT, name);
}

/* A list: only JSON shows it, as an array. */
void
doc_list(struct doc *d, const char *name)
{
	if (d->json) {
		doc_sep(d);
		sbuf_add_json(&d->sb, name);
		sbuf_adds(&d->sb, ":[");
	}
	doc_push(d, DOC_LIST, name);
}

/* One item of a list. */
void
doc_item(struct doc *d, const char *name, const char *attr, const char *value)
{
	if (d->json) {
		doc_sep(d);
		sbuf_adds(&d->sb, "{");
		doc_push(d, DOC_ITEM, name);
		if (attr != NULL)
			doc_value(d, attr, value, 0);
		return;
	}
	sbuf_addf(&d->sb, "<%s", name);
	if (attr != NULL) {
		sbuf_addf(&d->sb, " %s=\"", attr);
		sbuf_add_xml(&d->sb, value);
		sbuf_adds(&d->sb, "\"");
	}
	sbuf_adds(&d->sb, ">");
	doc_push(d, DOC_ITEM, name);
}

/* Close the innermost open element, list or item. */
void
doc_close(struct doc *d)
{
	enum doc_kind kind = d->stack[d->depth].kind;
	const char *name = d->stack[d->depth].name;

	assert(d->depth > 0);
	d->depth--;
	if (d->json)
		sbuf_adds(&d->sb, kind == DOC_LIST ? "]" : "}");
	else if (kind != DOC_LIST)
		sbuf_addf(&d->sb, "</%s>", name);
}

/* A leaf. */
void
doc_value(struct doc *d, const char *key, const char *value, int number)
{
	if (value == NULL)
		return;
	doc_sep(d);
	if (d->json) {
		sbuf_add_json(&d->sb, key);
		sbuf_add(&d->sb, ":", 1);
		if (number)
			sbuf_adds(&d->sb, value);
		else
			sbuf_add_json(&d->sb, value);
		return;
	}
	sbuf_addf(&d->sb, "<%s>", key);
	sbuf_add_xml(&d->sb, value);
	sbuf_addf(&d->sb, "</%s>", key);
}

/* A numeric leaf. */
void
doc_number(struct doc *d, const char *key, unsigned long long v)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%llu", v);
	doc_value(d, key, buf, 1);
}
