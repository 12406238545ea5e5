/*
 * doc.c: XML-or-JSON document building (see doc.h). Whatever the callers
 * pass, the text is well-formed and valid UTF-8: values go through
 * sbuf_add_xml / sbuf_add_json (which replace bytes that are not UTF-8 and
 * escape every control character), element names are forced into XML's
 * name syntax, and a "number" that is not one by JSON's grammar is quoted.
 */
#include "doc.h"

#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Characters an element or attribute name may hold beyond its first: a
 * plain ASCII subset of XML's NameChar (no ':', no namespaces here). */
#define DOC_NAME_CHARS \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"

/* Append an XML element or attribute name. Names are ours or checked by the
 * caller (stats.c's audio-info keys); should one slip through, each byte
 * outside the name syntax becomes '_' rather than break the document. */
static void
doc_add_name(struct sbuf *sb, const char *name)
{
	const char *p;

	if (!(isalpha((unsigned char)*name) || *name == '_'))
		sbuf_add(sb, "_", 1);
	for (p = name; *p != '\0'; p++)
		sbuf_add(sb, strchr(DOC_NAME_CHARS, *p) != NULL ? p : "_", 1);
}

/* Is s a number by JSON's grammar (-?int frac? exp?, no leading zeros)? */
static int
json_number_ok(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		s += strspn(s, "0123456789");
	else
		return 0;
	if (*s == '.') {
		s++;
		if (strspn(s, "0123456789") == 0)
			return 0;
		s += strspn(s, "0123456789");
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (strspn(s, "0123456789") == 0)
			return 0;
		s += strspn(s, "0123456789");
	}
	return *s == '\0';
}

/* Append a JSON scalar: the number bare if it is one, else a string. */
void
doc_json_scalar(struct sbuf *sb, const char *value, int number)
{
	if (number && json_number_ok(value))
		sbuf_adds(sb, value);
	else
		sbuf_add_json(sb, value);
}

/* XML: <name> or </name>. */
static void
doc_tag(struct sbuf *sb, const char *open, const char *name)
{
	sbuf_adds(sb, open);
	doc_add_name(sb, name);
	sbuf_add(sb, ">", 1);
}

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
		doc_tag(&d->sb, "<", name);
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
	sbuf_add(&d->sb, "<", 1);
	doc_add_name(&d->sb, name);
	if (attr != NULL) {
		sbuf_add(&d->sb, " ", 1);
		doc_add_name(&d->sb, attr);
		sbuf_adds(&d->sb, "=\"");
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
		doc_tag(&d->sb, "</", name);
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
		doc_json_scalar(&d->sb, value, number);
		return;
	}
	doc_tag(&d->sb, "<", key);
	sbuf_add_xml(&d->sb, value);
	doc_tag(&d->sb, "</", key);
}

/* A numeric leaf. */
void
doc_number(struct doc *d, const char *key, unsigned long long v)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%llu", v);
	doc_value(d, key, buf, 1);
}
