/*
 * intro.h: a mount's <intro> file, played to each new listener before the
 * live stream. Read once (and again when the file changes) into one
 * refcounted buffer that every listener's socket references: never copied
 * per listener.
 */
#ifndef FLOE_INTRO_H
#define FLOE_INTRO_H

#include <stddef.h>
#include <stdint.h>

/* No intro is longer than a few minutes of audio; bigger is a wrong file. */
#define INTRO_MAX_BYTES	(8 * 1024 * 1024)

struct intro {
	unsigned	 refs;		/* refcount.h */
	size_t		 len;
	uint8_t		 data[];
};

/**
 * The intro named by a mount's <intro> (taken from webroot when relative,
 * as icecast-kh does), with a reference for the caller; NULL if it cannot
 * be read (logged once per change). Main thread only: the file is read
 * here when first asked for or changed since, and is at most
 * INTRO_MAX_BYTES, so the read is short.
 */
struct intro *intro_get(const char *webroot, const char *name);
void intro_ref(struct intro *in);
void intro_unref(struct intro *in);
/** Drop the cached files (SIGHUP; at exit). */
void intro_flush(void);

#endif
