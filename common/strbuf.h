/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Growable, NUL-terminated output buffer with a hard cap; appends never truncate. */
#pragma once

#include <stdarg.h>
#include <stddef.h>

struct strbuf {
	char *buf;	/* NUL-terminated when non-NULL */
	size_t len;	/* bytes, excluding the NUL */
	size_t alloc;
	size_t cap;	/* hard limit for len in bytes */
};

#define STRBUF_INIT(max) ((struct strbuf) { .cap = (max) })

/* Append: 0 on success, -ENOMEM, or -EFBIG when len would exceed cap (buffer unchanged). */
int strbuf_append(struct strbuf *sb, const char *s, size_t n);
int strbuf_appends(struct strbuf *sb, const char *s);
int strbuf_appendf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Empties the buffer, keeping its memory. */
void strbuf_reset(struct strbuf *sb);
/* Frees the memory; safe on a zeroed or already-freed buffer. */
void strbuf_done(struct strbuf *sb);
/* Hands the NUL-terminated text to the caller (never NULL: "" for an empty buffer) or NULL on OOM. */
char *strbuf_steal(struct strbuf *sb, size_t *ret_len);
