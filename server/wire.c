/*
 * wire.c: the hand-off's field encoding (wire.h).
 */
#include "wire.h"
#include "block.h"
#include "icy.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A string longer than this is a damaged stream, not a field. */
#define WIRE_STR_MAX	(1U << 20)
#define WIRE_NULL	0xFFFFFFFFu

void
wire_init(struct wire *w)
{
	memset(w, 0, sizeof *w);
	sbuf_init(&w->buf);
}

/* What an object index stands for: a title or a header set. */
#define OBJ_NONE	0
#define OBJ_META	1
#define OBJ_HDRS	2

void
wire_free(struct wire *w)
{
	size_t i;

	sbuf_free(&w->buf);
	for (i = 0; w->reading && i < w->nfds; i++)
		if (w->fds[i] >= 0)
			close(w->fds[i]);
	free(w->fds);
	w->fds = NULL;
	w->nfds = w->fdcap = 0;
	/* A reader holds a reference on each object it made (bit 0 of the
	 * slot tells a header set from a title: see wire_obj_add). */
	for (i = 0; w->reading && i < w->nobjs; i++) {
		uintptr_t v = (uintptr_t)w->objs[i];

		if ((v & 1) == 0)
			icy_meta_unref((struct icy_meta *)v);
		else
			ogg_headers_unref((struct ogg_headers *)(v & ~(uintptr_t)1));
	}
	free(w->objs);
	w->objs = NULL;
	w->nobjs = w->objcap = 0;
}

/* Remember an object under the next index (tagged: bit 0 set for header
 * sets; both are malloc'ed, so the bit is free). */
static void
wire_obj_add(struct wire *w, void *p, int hdrs)
{
	if (w->nobjs == w->objcap) {
		w->objcap = w->objcap ? 2 * w->objcap : 32;
		w->objs = xreallocarray(w->objs, w->objcap, sizeof *w->objs);
	}
	w->objs[w->nobjs++] = (void *)((uintptr_t)p | (hdrs ? 1 : 0));
}

/* Index of an object already sent, or -1. Linear: a queue holds a handful
 * of titles and header sets, and listeners point at those. */
static long
wire_obj_find(const struct wire *w, const void *p, int hdrs)
{
	uintptr_t v = (uintptr_t)p | (hdrs ? 1 : 0);
	size_t i;

	for (i = w->nobjs; i-- > 0;)
		if ((uintptr_t)w->objs[i] == v)
			return (long)i;
	return -1;
}

/* u8 kind (OBJ_NONE: NULL), u32 index; a new object has index nobjs and
 * its contents follow. */
void
wire_meta(struct wire *w, struct icy_meta *m)
{
	long i;

	if (m == NULL) {
		wire_u8(w, OBJ_NONE);
		return;
	}
	wire_u8(w, OBJ_META);
	if ((i = wire_obj_find(w, m, 0)) >= 0) {
		wire_u32(w, (uint32_t)i);
		return;
	}
	wire_u32(w, (uint32_t)w->nobjs);
	wire_obj_add(w, m, 0);
	wire_str(w, m->title);
	wire_bytes(w, m->data, m->len);
}

void
wire_hdrs(struct wire *w, struct ogg_headers *h)
{
	long i;

	if (h == NULL) {
		wire_u8(w, OBJ_NONE);
		return;
	}
	wire_u8(w, OBJ_HDRS);
	if ((i = wire_obj_find(w, h, 1)) >= 0) {
		wire_u32(w, (uint32_t)i);
		return;
	}
	wire_u32(w, (uint32_t)w->nobjs);
	wire_obj_add(w, h, 1);
	wire_bytes(w, h->data, h->len);
}

void
wire_u8(struct wire *w, uint8_t v)
{
	sbuf_add(&w->buf, &v, 1);
}

void
wire_u32(struct wire *w, uint32_t v)
{
	uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };

	sbuf_add(&w->buf, b, 4);
}

void
wire_u64(struct wire *w, uint64_t v)
{
	wire_u32(w, (uint32_t)(v >> 32));
	wire_u32(w, (uint32_t)v);
}

void
wire_i64(struct wire *w, int64_t v)
{
	wire_u64(w, (uint64_t)v);
}

void
wire_bytes(struct wire *w, const void *p, size_t n)
{
	wire_u64(w, n);
	if (n > 0)
		sbuf_add(&w->buf, p, n);
}

void
wire_str(struct wire *w, const char *s)
{
	size_t n;

	if (s == NULL) {
		wire_u32(w, WIRE_NULL);
		return;
	}
	n = strlen(s);
	wire_u32(w, (uint32_t)n);
	sbuf_add(&w->buf, s, n);
}

void
wire_fd(struct wire *w, int fd)
{
	if (w->nfds == w->fdcap) {
		w->fdcap = w->fdcap ? 2 * w->fdcap : 64;
		w->fds = xreallocarray(w->fds, w->fdcap, sizeof *w->fds);
	}
	w->fds[w->nfds] = fd;
	wire_u32(w, (uint32_t)w->nfds++);
}

void
wire_reader(struct wire *w, const void *p, size_t n, int *fds, size_t nfds)
{
	memset(w, 0, sizeof *w);
	w->reading = 1;
	w->p = p;
	w->end = w->p + n;
	w->fds = fds;
	w->nfds = nfds;
}

/* n bytes from the reader, or NULL (and err) if fewer are left. */
static const uint8_t *
wire_take(struct wire *w, size_t n)
{
	const uint8_t *p = w->p;

	if (w->err || (size_t)(w->end - w->p) < n) {
		w->err = 1;
		return NULL;
	}
	w->p += n;
	return p;
}

uint8_t
wire_get_u8(struct wire *w)
{
	const uint8_t *p = wire_take(w, 1);

	return p != NULL ? p[0] : 0;
}

uint8_t
wire_peek_u8(const struct wire *w)
{
	return !w->err && w->p < w->end ? w->p[0] : 0;
}

uint32_t
wire_get_u32(struct wire *w)
{
	const uint8_t *p = wire_take(w, 4);

	return p != NULL ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
	    p[3] : 0;
}

uint64_t
wire_get_u64(struct wire *w)
{
	uint64_t hi = wire_get_u32(w);

	return hi << 32 | wire_get_u32(w);
}

int64_t
wire_get_i64(struct wire *w)
{
	return (int64_t)wire_get_u64(w);
}

const uint8_t *
wire_get_bytes(struct wire *w, size_t *n)
{
	uint64_t len = wire_get_u64(w);
	const uint8_t *p;

	*n = 0;
	if (w->err || len > (uint64_t)(w->end - w->p)) {
		w->err = 1;
		return NULL;
	}
	p = wire_take(w, (size_t)len);
	*n = (size_t)len;
	return p;
}

char *
wire_get_str(struct wire *w)
{
	uint32_t n = wire_get_u32(w);
	const uint8_t *p;

	if (w->err || n == WIRE_NULL)
		return NULL;
	if (n > WIRE_STR_MAX || (p = wire_take(w, n)) == NULL) {
		w->err = 1;
		return NULL;
	}
	return xstrndup((const char *)p, n);
}

int
wire_get_fd(struct wire *w)
{
	uint32_t i = wire_get_u32(w);
	int fd;

	if (w->err || i >= w->nfds || w->fds[i] < 0) {
		w->err = 1;
		return -1;
	}
	fd = w->fds[i];
	w->fds[i] = -1;
	return fd;
}

/* The object at the index read now: a new one (made from what follows) or
 * one made before; kind must match. */
static void *
wire_get_obj(struct wire *w, int kind)
{
	uint8_t k = wire_get_u8(w);
	uint32_t i;
	uintptr_t v;
	const uint8_t *data;
	char *title;
	size_t n;
	void *p;

	if (w->err || k == OBJ_NONE)
		return NULL;
	i = wire_get_u32(w);
	if (w->err || k != kind || i > w->nobjs) {
		w->err = 1;
		return NULL;
	}
	if (i < w->nobjs) {
		v = (uintptr_t)w->objs[i];
		if ((int)(v & 1) != (kind == OBJ_HDRS)) {
			w->err = 1;
			return NULL;
		}
		p = (void *)(v & ~(uintptr_t)1);
	} else if (kind == OBJ_META) {
		title = wire_get_str(w);
		data = wire_get_bytes(w, &n);
		p = w->err ? NULL : icy_meta_copy(title, data, n);
		free(title);
		if (p == NULL) {
			w->err = 1;
			return NULL;
		}
		wire_obj_add(w, p, 0);
	} else {
		data = wire_get_bytes(w, &n);
		if (w->err)
			return NULL;
		p = ogg_headers_new(data, n);
		wire_obj_add(w, p, 1);
	}
	if (kind == OBJ_META)
		icy_meta_ref(p);
	else
		ogg_headers_ref(p);
	return p;
}

struct icy_meta *
wire_get_meta(struct wire *w)
{
	return wire_get_obj(w, OBJ_META);
}

struct ogg_headers *
wire_get_hdrs(struct wire *w)
{
	return wire_get_obj(w, OBJ_HDRS);
}
