/*
 * tap.h: a minimal Test Anything Protocol emitter for the unit tests, which
 * automake's tap-driver.sh reads. Tests #include the .c under test to reach
 * its static functions.
 */
#ifndef FLOE_TAP_H
#define FLOE_TAP_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

/* Record one test result with a description. */
#define ok(cond, ...) do {						\
	int ok_c_ = (cond) ? 1 : 0;					\
	printf("%s %d - ", ok_c_ ? "ok" : "not ok", ++tap_n);		\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	if (!ok_c_) {							\
		tap_failed++;						\
		printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
	}								\
} while (0)

/* Compare two integers and show both on failure. */
#define is_int(got, want, ...) do {					\
	long long is_g_ = (long long)(got), is_w_ = (long long)(want);	\
	ok(is_g_ == is_w_, __VA_ARGS__);				\
	if (is_g_ != is_w_)						\
		printf("#   got %lld, want %lld\n", is_g_, is_w_);	\
} while (0)

/* Compare two C strings (NULL allowed) and show both on failure. */
#define is_str(got, want, ...) do {					\
	const char *is_g_ = (got), *is_w_ = (want);			\
	int is_same_ = (is_g_ == NULL || is_w_ == NULL) ? is_g_ == is_w_ : \
	    strcmp(is_g_, is_w_) == 0;					\
	ok(is_same_, __VA_ARGS__);					\
	if (!is_same_)							\
		printf("#   got '%s', want '%s'\n", is_g_ ? is_g_ : "(null)", \
		    is_w_ ? is_w_ : "(null)");				\
} while (0)

/* A small deterministic PRNG (xorshift32): tests seed it so that a
 * failure with random splits or inputs is reproducible. */
static uint32_t tap_rng_state = 0x2545f491;

/* Next pseudo-random number. */
static inline uint32_t
tap_rng(void)
{
	tap_rng_state ^= tap_rng_state << 13;
	tap_rng_state ^= tap_rng_state >> 17;
	tap_rng_state ^= tap_rng_state << 5;
	return tap_rng_state;
}

/* Print the plan at the end and give the exit status. */
static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
