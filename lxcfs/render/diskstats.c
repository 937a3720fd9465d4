/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure renderer of /proc/diskstats from a cgroup's IO counters; no I/O. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "diskstats.h"
#include "parse-util.h"

#define SECTOR_SIZE 512u		/* /proc/diskstats sectors are always 512 bytes */
#define NSEC_PER_MSEC 1000000u

static const enum blkio_op op_of[DISKSTATS_OP_MAX] = {
	[DISKSTATS_READ] = BLKIO_OP_READ,
	[DISKSTATS_WRITE] = BLKIO_OP_WRITE,
	[DISKSTATS_DISCARD] = BLKIO_OP_DISCARD,
};

/* Sources of requests and bytes, best first (see diskstats_from_blkio() in the header). */
static const struct {
	enum blkio_file serviced, bytes;
} count_sources[] = {
	{ BLKIO_THROTTLE_SERVICED, BLKIO_THROTTLE_BYTES },
	{ BLKIO_BFQ_SERVICED, BLKIO_BFQ_BYTES },
	{ BLKIO_CFQ_SERVICED, BLKIO_CFQ_BYTES },
};

/* Sources of merges and times, best first. */
static const struct {
	enum blkio_file service_time, wait_time, merged;
} time_sources[] = {
	{ BLKIO_BFQ_SERVICE_TIME, BLKIO_BFQ_WAIT_TIME, BLKIO_BFQ_MERGED },
	{ BLKIO_CFQ_SERVICE_TIME, BLKIO_CFQ_WAIT_TIME, BLKIO_CFQ_MERGED },
};

void diskstats_inputs_done(struct diskstats_inputs *in)
{
	free(in->host_diskstats);
	free(in->dev);
	*in = (struct diskstats_inputs) {};
}

static const struct blkio_dev_stat *find(const struct blkio_rwstat files[BLKIO_FILE_MAX],
					 enum blkio_file f, unsigned major, unsigned minor)
{
	if (!files[f].present)
		return NULL;
	return blkio_rwstat_find(&files[f], major, minor);
}

static bool nonzero(const struct blkio_dev_stat *s)
{
	return s && (s->v[BLKIO_OP_READ] || s->v[BLKIO_OP_WRITE] || s->v[BLKIO_OP_DISCARD] ||
		     s->v[BLKIO_OP_TOTAL]);
}

static uint64_t get(const struct blkio_dev_stat *s, enum blkio_op op)
{
	return s ? s->v[op] : 0;
}

/* Appends every device of @files not yet in *@dev (first appearance order). */
static int collect_devices(const struct blkio_rwstat files[BLKIO_FILE_MAX],
			   struct diskstats_dev **dev, size_t *n)
{
	size_t alloc = 0;

	for (size_t f = 0; f < BLKIO_FILE_MAX; f++) {
		if (!files[f].present)
			continue;
		for (size_t i = 0; i < files[f].n_dev; i++) {
			const struct blkio_dev_stat *s = &files[f].dev[i];
			bool seen = false;

			for (size_t j = 0; !seen && j < *n; j++)
				seen = (*dev)[j].major == s->major && (*dev)[j].minor == s->minor;
			if (seen)
				continue;
			if (*n == alloc) {
				size_t want = alloc ? alloc * 2 : 8;
				struct diskstats_dev *p = reallocarray(*dev, want, sizeof(**dev));

				if (!p)
					return -ENOMEM;
				*dev = p;
				alloc = want;
			}
			(*dev)[(*n)++] = (struct diskstats_dev) { .major = s->major, .minor = s->minor };
		}
	}
	return 0;
}

static void fill_from_blkio(const struct blkio_rwstat files[BLKIO_FILE_MAX],
			    struct diskstats_dev *d)
{
	for (size_t i = 0; i < ELEMENTSOF(count_sources); i++) {
		const struct blkio_dev_stat *s = find(files, count_sources[i].serviced, d->major, d->minor);
		const struct blkio_dev_stat *b = find(files, count_sources[i].bytes, d->major, d->minor);

		if (!nonzero(s) && !nonzero(b))
			continue;
		for (int op = 0; op < DISKSTATS_OP_MAX; op++) {
			d->ios[op] = get(s, op_of[op]);
			d->sectors[op] = get(b, op_of[op]) / SECTOR_SIZE;
		}
		break;
	}
	for (size_t i = 0; i < ELEMENTSOF(time_sources); i++) {
		const struct blkio_dev_stat *st = find(files, time_sources[i].service_time, d->major, d->minor);
		const struct blkio_dev_stat *wt = find(files, time_sources[i].wait_time, d->major, d->minor);
		const struct blkio_dev_stat *m = find(files, time_sources[i].merged, d->major, d->minor);

		if (!nonzero(st) && !nonzero(wt) && !nonzero(m))
			continue;
		for (int op = 0; op < DISKSTATS_OP_MAX; op++) {
			d->merges[op] = get(m, op_of[op]);
			d->ns[op] = add_sat(get(st, op_of[op]), get(wt, op_of[op]));
		}
		/* the disk works on one request for its service time; queueing is not busy time */
		if (st && (st->present & (1u << BLKIO_OP_TOTAL)))
			d->io_ns = st->v[BLKIO_OP_TOTAL];
		else
			d->io_ns = add_sat(add_sat(get(st, BLKIO_OP_READ), get(st, BLKIO_OP_WRITE)),
					   get(st, BLKIO_OP_DISCARD));
		break;
	}
}

int diskstats_from_blkio(const struct blkio_rwstat files[BLKIO_FILE_MAX],
			 struct diskstats_inputs *ret)
{
	_cleanup_free_ struct diskstats_dev *dev = NULL;
	size_t n = 0;
	int r;

	r = collect_devices(files, &dev, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		fill_from_blkio(files, &dev[i]);
	free(ret->dev);
	ret->dev = TAKE_PTR(dev);
	ret->n_dev = n;
	return 0;
}

int diskstats_from_iostat(const struct iostat *s, struct diskstats_inputs *ret)
{
	struct diskstats_dev *dev = calloc(s->n_dev ? s->n_dev : 1, sizeof(*dev));

	if (!dev)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_dev; i++) {
		const struct iostat_dev *x = &s->dev[i];

		dev[i] = (struct diskstats_dev) {
			.major = x->major,
			.minor = x->minor,
			.ios = { x->v[IOSTAT_RIOS], x->v[IOSTAT_WIOS], x->v[IOSTAT_DIOS] },
			.sectors = { x->v[IOSTAT_RBYTES] / SECTOR_SIZE, x->v[IOSTAT_WBYTES] / SECTOR_SIZE,
				     x->v[IOSTAT_DBYTES] / SECTOR_SIZE },
		};
	}
	free(ret->dev);
	ret->dev = dev;
	ret->n_dev = s->n_dev;
	return 0;
}

bool diskstats_dev_touched(const struct diskstats_dev *d)
{
	if (d->io_ns)
		return true;
	for (int op = 0; op < DISKSTATS_OP_MAX; op++)
		if (d->ios[op] || d->merges[op] || d->sectors[op] || d->ns[op])
			return true;
	return false;
}

/* The kernel prints milliseconds as (unsigned int)div_u64(nsecs, NSEC_PER_MSEC). */
static unsigned ms32(uint64_t ns)
{
	return (unsigned) (uint32_t) (ns / NSEC_PER_MSEC);
}

static int render_line(const struct diskstats_dev *d, const char *name, size_t name_len,
		       struct strbuf *out)
{
	const uint64_t *ios = d->ios, *mg = d->merges, *sec = d->sectors, *ns = d->ns;
	uint64_t weighted = add_sat(add_sat(ns[DISKSTATS_READ], ns[DISKSTATS_WRITE]),
				    ns[DISKSTATS_DISCARD]);

	/* block/genhd.c diskstats_show(): "%4d %7d %pg " then 17 numbers; in flight and the
	 * flush pair are not per cgroup anywhere */
	return strbuf_appendf(out,
			      "%4u %7u %.*s "
			      "%" PRIu64 " %" PRIu64 " %" PRIu64 " %u "
			      "%" PRIu64 " %" PRIu64 " %" PRIu64 " %u "
			      "%u %u %u "
			      "%" PRIu64 " %" PRIu64 " %" PRIu64 " %u "
			      "%u %u\n",
			      d->major, d->minor, (int) name_len, name,
			      ios[DISKSTATS_READ], mg[DISKSTATS_READ], sec[DISKSTATS_READ],
			      ms32(ns[DISKSTATS_READ]),
			      ios[DISKSTATS_WRITE], mg[DISKSTATS_WRITE], sec[DISKSTATS_WRITE],
			      ms32(ns[DISKSTATS_WRITE]),
			      0u, ms32(d->io_ns), ms32(weighted),
			      ios[DISKSTATS_DISCARD], mg[DISKSTATS_DISCARD], sec[DISKSTATS_DISCARD],
			      ms32(ns[DISKSTATS_DISCARD]),
			      0u, 0u);
}

/* "MAJ MIN NAME ..." of a host line: the name and its length point into @line. */
static int parse_host_line(const char *line, unsigned *ret_major, unsigned *ret_minor,
			   const char **ret_name, size_t *ret_len)
{
	uint64_t major, minor;
	const char *p = line, *name;

	if (parse_u64_token(p, &major, &p) < 0 || parse_u64_token(p, &minor, &p) < 0 ||
	    major > UINT32_MAX || minor > UINT32_MAX)
		return -EBADMSG;
	while (*p == ' ' || *p == '\t')
		p++;
	name = p;
	while (*p && !isspace((unsigned char) *p))
		p++;
	if (p == name)
		return -EBADMSG;
	*ret_major = (unsigned) major;
	*ret_minor = (unsigned) minor;
	*ret_name = name;
	*ret_len = (size_t) (p - name);
	return 0;
}

int diskstats_render(const struct diskstats_inputs *in, struct strbuf *out)
{
	for (const char *l = in->host_diskstats; l && *l; l = next_line(l)) {
		const struct diskstats_dev *d = NULL;
		unsigned major, minor;
		const char *name;
		size_t len;
		int r;

		if (*l == '\n')
			continue;
		r = parse_host_line(l, &major, &minor, &name, &len);
		if (r < 0)
			return r;
		for (size_t i = 0; !d && i < in->n_dev; i++)
			if (in->dev[i].major == major && in->dev[i].minor == minor)
				d = &in->dev[i];
		if (!d || !diskstats_dev_touched(d))
			continue;
		r = render_line(d, name, len, out);
		if (r < 0)
			return r;
	}
	return 0;
}
