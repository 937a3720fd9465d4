/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

static int strbuf_reserve(struct strbuf *sb, size_t extra)
{
	size_t want, n;
	char *p;

	if (extra > sb->cap || sb->len > sb->cap - extra)
		return -EFBIG;
	want = sb->len + extra + 1;
	if (want <= sb->alloc)
		return 0;
	n = sb->alloc ? sb->alloc : 256;
	while (n < want)
		n *= 2;
	p = realloc(sb->buf, n);
	if (!p)
		return -ENOMEM;
	sb->buf = p;
	sb->alloc = n;
	return 0;
}

int strbuf_append(struct strbuf *sb, const char *s, size_t n)
{
	int r = strbuf_reserve(sb, n);

	if (r < 0)
		return r;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = 0;
	return 0;
}

int strbuf_appends(struct strbuf *sb, const char *s)
{
	return strbuf_append(sb, s, strlen(s));
}

int strbuf_appendf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n, r;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;
	r = strbuf_reserve(sb, (size_t) n);
	if (r < 0)
		return r;
	va_start(ap, fmt);
	(void) vsnprintf(sb->buf + sb->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t) n;
	return 0;
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->buf)
		sb->buf[0] = 0;
}

void strbuf_done(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->alloc = 0;
}

char *strbuf_steal(struct strbuf *sb, size_t *ret_len)
{
	char *p;

	if (!sb->buf && strbuf_reserve(sb, 0) < 0)
		return NULL;
	if (!sb->buf)
		return NULL;
	if (sb->len == 0)
		sb->buf[0] = 0;
	p = sb->buf;
	if (ret_len)
		*ret_len = sb->len;
	sb->buf = NULL;
	sb->len = sb->alloc = 0;
	return p;
}
