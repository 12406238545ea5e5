/*
 * refcount.h: the one reference count for objects shared between threads
 * once published (blocks, rendered titles, Ogg header sets). Taking a
 * reference on an object whose count is zero, or dropping one more than
 * was taken, is a use-after-free in the making: both assert.
 */
#ifndef FLOE_REFCOUNT_H
#define FLOE_REFCOUNT_H

#include <assert.h>

/** Take a reference on an object someone already holds. */
static inline void
refcount_get(unsigned *refs)
{
	unsigned old = __atomic_fetch_add(refs, 1, __ATOMIC_RELAXED);

	assert(old > 0);
	(void)old;
}

/** Drop a reference; nonzero when it was the last (the caller frees). */
static inline int
refcount_put(unsigned *refs)
{
	unsigned old = __atomic_fetch_sub(refs, 1, __ATOMIC_ACQ_REL);

	assert(old > 0);
	return old == 1;
}

#endif
