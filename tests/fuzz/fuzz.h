/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the libFuzzer targets (tests/fuzz/fuzz-*.c): NUL-terminated copies of the
 * input, splitting one input into several texts, and invariants checked on rendered output.
 * A failed invariant aborts, which libFuzzer and the replay main() both report as a crash. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

/* Inputs above this are skipped: the kernel files the parsers see are read with caps of this
 * order, and longer inputs only slow the fuzzer down. */
#define FUZZ_INPUT_MAX (256u * 1024u)
/* Hard cap of the output buffers the targets render into. */
#define FUZZ_OUTPUT_MAX (4u * 1024u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)								\
	do {										\
		if (!(cond)) {								\
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,	\
				#cond);							\
			abort();							\
		}									\
	} while (0)

/* A malloc'd, NUL-terminated copy of @size bytes of @data (embedded NULs kept: the parser sees
 * the text up to the first one, as it would a file the reader had not rejected). Aborts on OOM. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = 0;
	return s;
}

/* Splits @data at its NUL bytes into at most @n NUL-terminated texts (one malloc'd block, freed
 * with free(ret[0])); missing parts are "". Fuzzers use it for targets that take several files. */
static inline void fuzz_split(const uint8_t *data, size_t size, char **ret, size_t n)
{
	char *s = fuzz_text(data, size), *p = s, *end = s + size;

	for (size_t i = 0; i < n; i++) {
		ret[i] = p;
		if (p < end) {
			p += strlen(p);
			if (p < end)
				p++;
		}
	}
}

/* Checks what a renderer left in @sb: len within cap, NUL-terminated, no NUL inside. */
static inline void fuzz_check_strbuf(const struct strbuf *sb)
{
	FUZZ_ASSERT(sb->len <= sb->cap);
	if (!sb->buf) {
		FUZZ_ASSERT(sb->len == 0);
		return;
	}
	FUZZ_ASSERT(sb->len < sb->alloc);
	FUZZ_ASSERT(sb->buf[sb->len] == 0);
	FUZZ_ASSERT(memchr(sb->buf, 0, sb->len) == NULL);
}

/* Reads a little-endian integer of @n bytes from *@data (0 past the end) and advances. */
static inline uint64_t fuzz_consume(const uint8_t **data, size_t *size, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++) {
		if (*size) {
			v |= (uint64_t) **data << (8 * i);
			(*data)++;
			(*size)--;
		}
	}
	return v;
}
