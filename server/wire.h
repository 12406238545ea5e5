/*
 * wire.h: the hand-off's encoding (takeover.c). One process writes its
 * state into a wire, field by field, big-endian, every string and byte run
 * with its length; the descriptors it refers to travel beside the bytes
 * (SCM_RIGHTS) and are named by their index. Field by field, not structs:
 * the reader may be another build of floe, with other struct layouts.
 *
 * Reading never trusts the bytes: a run past the end, a length beyond what
 * is left or a descriptor index out of range sets w->err, and every later
 * get returns zero or NULL, so a decoder checks once, at the end.
 */
#ifndef FLOE_WIRE_H
#define FLOE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct icy_meta;
struct ogg_headers;

struct wire {
	struct sbuf	 buf;		/* writing: the bytes */
	const uint8_t	*p, *end;	/* reading: what is left */
	int		*fds;		/* descriptors, by index */
	size_t		 nfds, fdcap;
	int		 err;		/* reading ran out or met a bad field */
	int		 reading;
	/* Titles and Ogg header sets are shared by many blocks and listeners:
	 * each goes once, then by its index here (a reference held on each). */
	void		**objs;
	size_t		 nobjs, objcap;
};

void wire_init(struct wire *w);
/** Free the bytes and the tables. A writer's descriptors are its own and
 *  stay open; a reader closes those nobody took. */
void wire_free(struct wire *w);

void wire_u8(struct wire *w, uint8_t v);
void wire_u32(struct wire *w, uint32_t v);
void wire_u64(struct wire *w, uint64_t v);
void wire_i64(struct wire *w, int64_t v);
/** A string, or NULL (told apart from ""). */
void wire_str(struct wire *w, const char *s);
void wire_bytes(struct wire *w, const void *p, size_t n);
/** A descriptor to send: its index goes into the bytes. */
void wire_fd(struct wire *w, int fd);
/** A title (ICY block as rendered) or Ogg header set, NULL allowed: sent
 *  whole the first time, by index after. */
void wire_meta(struct wire *w, struct icy_meta *m);
void wire_hdrs(struct wire *w, struct ogg_headers *h);

/** Read from p[0..n), with the descriptors received (fds[] becomes the
 *  reader's: wire_free frees it). */
void wire_reader(struct wire *w, const void *p, size_t n, int *fds, size_t nfds);
uint8_t wire_get_u8(struct wire *w);
/** The next byte, left to be read (0 at the end or on error). */
uint8_t wire_peek_u8(const struct wire *w);
uint32_t wire_get_u32(struct wire *w);
uint64_t wire_get_u64(struct wire *w);
int64_t wire_get_i64(struct wire *w);
/** An allocated string, or NULL (written as NULL, or on error). */
char *wire_get_str(struct wire *w);
/** A byte run: a pointer into the reader's bytes (valid while they are),
 *  its length in *n. */
const uint8_t *wire_get_bytes(struct wire *w, size_t *n);
/** A descriptor by index; -1 on error. The caller owns it from then on:
 *  the reader forgets it (so it is not closed twice). */
int wire_get_fd(struct wire *w);
/** The title or header set written there, with a reference for the caller
 *  (NULL if none was, or on error). */
struct icy_meta *wire_get_meta(struct wire *w);
struct ogg_headers *wire_get_hdrs(struct wire *w);

#endif
