/*
 * doc.h: builds one admin answer and renders it as icecast2's XML or as
 * JSON, from the same calls. Elements become objects, leaf values become
 * members, and an element that repeats (source, listener) is declared a
 * list so JSON gets an array (always an array, even of one). Whatever
 * strings it is given, the text is well-formed and valid UTF-8 (see doc.c).
 */
#ifndef FLOE_DOC_H
#define FLOE_DOC_H

#include "util.h"

#define DOC_MAX_DEPTH 8

enum doc_kind { DOC_ELEMENT, DOC_LIST, DOC_ITEM };

struct doc {
	struct sbuf sb;
	int	 json;
	int	 depth;
	struct {
		enum doc_kind kind;
		const char *name;	/* a string that outlives the document */
		int	 members;	/* written so far at this level (JSON commas) */
	} stack[DOC_MAX_DEPTH];
};

/** Start a document whose root element is name. */
void doc_init(struct doc *d, int json, const char *root);
/** Finish it: closes the root, returns the text (caller frees). */
char *doc_finish(struct doc *d, size_t *len);

/** Open an element (a JSON object member). */
void doc_open(struct doc *d, const char *name);
/** Open a list of repeated elements called name (a JSON array member). */
void doc_list(struct doc *d, const char *name);
/** Open one item of the list: XML <name attr="value">, JSON {"attr":"value". */
void doc_item(struct doc *d, const char *name, const char *attr, const char *value);
/** Close whatever was opened last (element, list or item). */
void doc_close(struct doc *d);
/** A leaf value; number: unquoted in JSON (quoted all the same if value is
 *  not a number by JSON's grammar). */
void doc_value(struct doc *d, const char *key, const char *value, int number);
void doc_number(struct doc *d, const char *key, unsigned long long v);

/** Append value to sb as a JSON scalar: bare if number is set and value is
 *  a JSON number, else as a string (for documents written without a doc). */
void doc_json_scalar(struct sbuf *sb, const char *value, int number);

#endif
