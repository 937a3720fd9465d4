/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parsers for cgroup v1 blkio rwstat files and cgroup v2 io.stat; no I/O. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blkio.h"
#include "cleanup.h"
#include "parse-util.h"

const char *const blkio_file_names[BLKIO_FILE_MAX][2] = {
	[BLKIO_THROTTLE_SERVICED] = { "blkio.throttle.io_serviced_recursive",
				      "blkio.throttle.io_serviced" },
	[BLKIO_THROTTLE_BYTES] = { "blkio.throttle.io_service_bytes_recursive",
				   "blkio.throttle.io_service_bytes" },
	[BLKIO_BFQ_SERVICED] = { "blkio.bfq.io_serviced_recursive",
				 "blkio.bfq.io_serviced" },
	[BLKIO_BFQ_BYTES] = { "blkio.bfq.io_service_bytes_recursive",
			      "blkio.bfq.io_service_bytes" },
	[BLKIO_BFQ_SERVICE_TIME] = { "blkio.bfq.io_service_time_recursive",
				     "blkio.bfq.io_service_time" },
	[BLKIO_BFQ_WAIT_TIME] = { "blkio.bfq.io_wait_time_recursive",
				  "blkio.bfq.io_wait_time" },
	[BLKIO_BFQ_MERGED] = { "blkio.bfq.io_merged_recursive",
			       "blkio.bfq.io_merged" },
	[BLKIO_CFQ_SERVICED] = { "blkio.io_serviced_recursive",
				 "blkio.io_serviced" },
	[BLKIO_CFQ_BYTES] = { "blkio.io_service_bytes_recursive",
			      "blkio.io_service_bytes" },
	[BLKIO_CFQ_SERVICE_TIME] = { "blkio.io_service_time_recursive",
				     "blkio.io_service_time" },
	[BLKIO_CFQ_WAIT_TIME] = { "blkio.io_wait_time_recursive",
				  "blkio.io_wait_time" },
	[BLKIO_CFQ_MERGED] = { "blkio.io_merged_recursive",
			       "blkio.io_merged" },
};

/* the words of blk-cgroup-rwstat.c's rwstr[] plus the per-device "Total" */
static const char *const blkio_op_names[BLKIO_OP_MAX] = {
	[BLKIO_OP_READ] = "Read",
	[BLKIO_OP_WRITE] = "Write",
	[BLKIO_OP_SYNC] = "Sync",
	[BLKIO_OP_ASYNC] = "Async",
	[BLKIO_OP_DISCARD] = "Discard",
	[BLKIO_OP_TOTAL] = "Total",
};

static const char *const iostat_key_names[IOSTAT_KEY_MAX] = {
	[IOSTAT_RBYTES] = "rbytes",
	[IOSTAT_WBYTES] = "wbytes",
	[IOSTAT_RIOS] = "rios",
	[IOSTAT_WIOS] = "wios",
	[IOSTAT_DBYTES] = "dbytes",
	[IOSTAT_DIOS] = "dios",
};

static bool is_sep(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_end(char c)
{
	return c == '\n' || c == 0;
}

/* Decimal digits at @s that fit in 32 bits; *ret_end just past them. */
static int parse_u32_digits(const char *s, unsigned *ret, const char **ret_end)
{
	uint64_t v = 0;
	const char *p = s;

	if (!isdigit((unsigned char) *p))
		return -EINVAL;
	for (; isdigit((unsigned char) *p); p++) {
		v = v * 10 + (unsigned) (*p - '0');
		if (v > UINT32_MAX)
			return -ERANGE;
	}
	*ret = (unsigned) v;
	*ret_end = p;
	return 0;
}

int blkio_parse_devt(const char *s, unsigned *ret_major, unsigned *ret_minor, const char **ret_end)
{
	unsigned major, minor;
	const char *p;
	int r;

	r = parse_u32_digits(s, &major, &p);
	if (r < 0)
		return r;
	if (*p != ':')
		return -EINVAL;
	r = parse_u32_digits(p + 1, &minor, &p);
	if (r < 0)
		return r;
	if (!is_sep(*p) && !is_end(*p))
		return -EINVAL;
	*ret_major = major;
	*ret_minor = minor;
	*ret_end = p;
	return 0;
}

/* An unsigned decimal at @s that ends the line (trailing blanks allowed); *ret_end at the
 * newline or NUL. */
static int parse_value_eol(const char *s, uint64_t *ret, const char **ret_end)
{
	const char *e;
	uint64_t v;

	if (parse_u64_token(s, &v, &e) < 0)
		return -EBADMSG;
	while (is_sep(*e))
		e++;
	if (!is_end(*e))
		return -EBADMSG;
	*ret = v;
	*ret_end = e;
	return 0;
}

static const char *skip_sep(const char *p)
{
	while (is_sep(*p))
		p++;
	return p;
}

/* Length of the word at @p (up to a blank or the end of the line). */
static size_t word_len(const char *p)
{
	size_t n = 0;

	while (!is_sep(p[n]) && !is_end(p[n]))
		n++;
	return n;
}

static int lookup_word(const char *p, size_t n, const char *const *names, size_t n_names)
{
	for (size_t i = 0; i < n_names; i++)
		if (strlen(names[i]) == n && strncmp(p, names[i], n) == 0)
			return (int) i;
	return -ENOENT;
}

/* Capacity after growing an array of capacity @alloc. */
static size_t grown(size_t alloc)
{
	return alloc ? alloc * 2 : 8;
}

int blkio_rwstat_parse(const char *text, struct blkio_rwstat *ret)
{
	_cleanup_free_ struct blkio_dev_stat *dev = NULL;
	size_t n = 0, alloc = 0;
	uint64_t total = 0;
	int r;

	for (const char *l = text; l && *l; l = next_line(l)) {
		const char *p = l, *e;
		struct blkio_dev_stat *d = NULL;
		unsigned major, minor;
		uint64_t v;
		size_t wl;
		int op;

		if (*l == '\n')
			continue;
		if (startswith(l, "Total") && is_sep(l[strlen("Total")])) {
			/* the sum over all devices; it closes the file */
			r = parse_value_eol(skip_sep(l + strlen("Total")), &total, &e);
			if (r < 0)
				return r;
			continue;
		}
		if (blkio_parse_devt(p, &major, &minor, &p) < 0 || !is_sep(*p))
			return -EBADMSG;
		p = skip_sep(p);
		wl = word_len(p);
		if (wl == 0 || !is_sep(p[wl]))
			return -EBADMSG;
		op = lookup_word(p, wl, blkio_op_names, BLKIO_OP_MAX);
		if (op < 0)
			continue;	/* an operation word this parser does not know yet */
		r = parse_value_eol(skip_sep(p + wl), &v, &e);
		if (r < 0)
			return r;

		/* a device's lines are consecutive: look at the last one first */
		if (n > 0 && dev[n - 1].major == major && dev[n - 1].minor == minor)
			d = &dev[n - 1];
		for (size_t i = 0; !d && i < n; i++)
			if (dev[i].major == major && dev[i].minor == minor)
				d = &dev[i];
		if (!d) {
			if (n == alloc) {
				struct blkio_dev_stat *a = reallocarray(dev, grown(alloc), sizeof(*dev));

				if (!a)
					return -ENOMEM;
				dev = a;
				alloc = grown(alloc);
			}
			d = &dev[n++];
			*d = (struct blkio_dev_stat) { .major = major, .minor = minor };
		}
		if (d->present & (1u << op))
			return -EBADMSG;
		d->present |= 1u << op;
		d->v[op] = v;
	}
	*ret = (struct blkio_rwstat) {
		.present = true,
		.dev = TAKE_PTR(dev),
		.n_dev = n,
		.total = total,
	};
	return 0;
}

void blkio_rwstat_done(struct blkio_rwstat *s)
{
	free(s->dev);
	*s = (struct blkio_rwstat) {};
}

const struct blkio_dev_stat *blkio_rwstat_find(const struct blkio_rwstat *s, unsigned major,
					       unsigned minor)
{
	for (size_t i = 0; i < s->n_dev; i++)
		if (s->dev[i].major == major && s->dev[i].minor == minor)
			return &s->dev[i];
	return NULL;
}

bool blkio_rwstat_has_devices(const struct blkio_rwstat *s)
{
	return s->present && s->n_dev > 0;
}

int iostat_parse(const char *text, struct iostat *ret)
{
	_cleanup_free_ struct iostat_dev *dev = NULL;
	size_t n = 0, alloc = 0;

	for (const char *l = text; l && *l; l = next_line(l)) {
		struct iostat_dev d = {};
		const char *p;

		if (*l == '\n')
			continue;
		if (blkio_parse_devt(l, &d.major, &d.minor, &p) < 0)
			return -EBADMSG;
		for (size_t i = 0; i < n; i++)
			if (dev[i].major == d.major && dev[i].minor == d.minor)
				return -EBADMSG;
		for (p = skip_sep(p); !is_end(*p); p = skip_sep(p)) {
			size_t wl = word_len(p);
			const char *eq = memchr(p, '=', wl);
			const char *e;
			int k;

			if (!eq || eq == p)
				return -EBADMSG;
			k = lookup_word(p, (size_t) (eq - p), iostat_key_names, IOSTAT_KEY_MAX);
			if (k >= 0) {
				if (d.present & (1u << k))
					return -EBADMSG;
				if (parse_u64_token(eq + 1, &d.v[k], &e) < 0 || e != p + wl)
					return -EBADMSG;
				d.present |= 1u << k;
			}
			p += wl;	/* other keys: value not ours to judge */
		}
		if (n == alloc) {
			struct iostat_dev *a = reallocarray(dev, grown(alloc), sizeof(*dev));

			if (!a)
				return -ENOMEM;
			dev = a;
			alloc = grown(alloc);
		}
		dev[n++] = d;
	}
	*ret = (struct iostat) { .dev = TAKE_PTR(dev), .n_dev = n };
	return 0;
}

void iostat_done(struct iostat *s)
{
	free(s->dev);
	*s = (struct iostat) {};
}
