/*
 * fuzz.h: what the fuzz targets share. Each tests/fuzz/fuzz_*.c is one
 * libFuzzer target (LLVMFuzzerTestOneInput) for one parser that hostile
 * bytes reach; it #includes the .c files under test, as the unit tests do.
 * The same file is built twice: with clang -fsanitize=fuzzer by
 * tests/fuzz/run, and with the normal compiler plus replay.c as a
 * check_PROGRAM that replays its corpus under make check.
 */
#ifndef FLOE_FUZZ_H
#define FLOE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/** The entry point libFuzzer (or replay.c) calls with one input. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property of the parser that must hold for every input: say which and
 * abort, so libFuzzer saves the input and the replay fails. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__,	\
		    __LINE__, #cond);					\
		abort();						\
	}								\
} while (0)

/*
 * Size of the next piece to feed, taken from the data itself, so the
 * fuzzer also explores where a network splits the bytes. Why 1..97: small
 * enough that headers and frames get split, and a prime, so piece sizes do
 * not line up with the power-of-two sizes of formats.
 */
static inline size_t
fuzz_piece(const uint8_t *p, size_t left)
{
	size_t n = left > 0 ? (size_t)(p[0] % 97) + 1 : 0;

	return n < left ? n : left;
}

/* A NUL-terminated copy of the input, as the parsers of strings see it. */
static inline char *
fuzz_string(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	for (size_t i = 0; i < size; i++)
		s[i] = (char)data[i];
	s[size] = '\0';
	return s;
}

#endif
