/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure parsers for per-device block IO statistics of a cgroup: the cgroup v1 blkio "rwstat"
 * files (blkio.throttle.io_serviced, blkio.bfq.io_service_bytes, the legacy CFQ
 * blkio.io_*_recursive, ...; Documentation/admin-guide/cgroup-v1/blkio-controller.rst) and the
 * cgroup v2 io.stat (Documentation/admin-guide/cgroup-v2.rst "IO Interface Files"). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The v1 files a diskstats view can use, grouped by the policy that keeps them: blk-throttle
 * (counts only), BFQ (counts; times and merges only with CONFIG_BFQ_CGROUP_DEBUG) and CFQ
 * (kernels < 5.0). Each has a hierarchical name and a name counting the cgroup's own IO only. */
enum blkio_file {
	BLKIO_THROTTLE_SERVICED,	/* requests (bios), per operation */
	BLKIO_THROTTLE_BYTES,		/* bytes */
	BLKIO_BFQ_SERVICED,
	BLKIO_BFQ_BYTES,
	BLKIO_BFQ_SERVICE_TIME,		/* ns from dispatch to completion */
	BLKIO_BFQ_WAIT_TIME,		/* ns waiting in the scheduler queue */
	BLKIO_BFQ_MERGED,		/* requests merged */
	BLKIO_CFQ_SERVICED,
	BLKIO_CFQ_BYTES,
	BLKIO_CFQ_SERVICE_TIME,
	BLKIO_CFQ_WAIT_TIME,
	BLKIO_CFQ_MERGED,
	BLKIO_FILE_MAX,
};

/* blkio_file_names[f][0]: the hierarchical file (the cgroup and all its descendants), to be
 * preferred; [1]: the same counters for the cgroup's own tasks only (what a kernel without the
 * hierarchical variant offers). */
extern const char *const blkio_file_names[BLKIO_FILE_MAX][2];

/* Operations of an rwstat line ("MAJ:MIN Read N"). Sync and Async split the same requests a
 * second way; Total = Read + Write + Discard. */
enum blkio_op {
	BLKIO_OP_READ,
	BLKIO_OP_WRITE,
	BLKIO_OP_SYNC,
	BLKIO_OP_ASYNC,
	BLKIO_OP_DISCARD,
	BLKIO_OP_TOTAL,
	BLKIO_OP_MAX,
};

struct blkio_dev_stat {
	unsigned major, minor;
	uint64_t v[BLKIO_OP_MAX];	/* unit of the file (requests, bytes, ns); missing = 0 */
	unsigned present;		/* bitmask of 1u << enum blkio_op seen */
};

/* One parsed rwstat file. A device is listed only when the cgroup has a blkg with that policy
 * on the disk: it has issued IO there (or the policy was activated while it existed). */
struct blkio_rwstat {
	bool present;			/* the file exists (set by the caller; the parser sets it too) */
	struct blkio_dev_stat *dev;	/* in file order; malloc'd */
	size_t n_dev;
	uint64_t total;			/* the final "Total N" line, 0 when absent */
};

/* Parses a v1 blkio rwstat file: lines "MAJ:MIN Op N" with Op one of Read, Write, Sync, Async,
 * Discard, Total (other Op words are skipped: kernels may add some), a final "Total N", and
 * empty lines. On success *ret owns a new device array and has present = true. Returns 0,
 * -EBADMSG for a malformed line or an Op given twice for one device, -ENOMEM. *ret is
 * untouched on error. */
int blkio_rwstat_parse(const char *text, struct blkio_rwstat *ret);

/* Frees the device array; safe on a zeroed or already-released struct. */
void blkio_rwstat_done(struct blkio_rwstat *s);

/* The device's entry in @s, or NULL. */
const struct blkio_dev_stat *blkio_rwstat_find(const struct blkio_rwstat *s, unsigned major,
					       unsigned minor);

/* True when @s lists at least one device (even with all-zero counters). */
bool blkio_rwstat_has_devices(const struct blkio_rwstat *s);

/* The counters of io.stat that a diskstats view uses (bytes and bios, hierarchical). */
enum iostat_key {
	IOSTAT_RBYTES,
	IOSTAT_WBYTES,
	IOSTAT_RIOS,
	IOSTAT_WIOS,
	IOSTAT_DBYTES,
	IOSTAT_DIOS,
	IOSTAT_KEY_MAX,
};

struct iostat_dev {
	unsigned major, minor;
	uint64_t v[IOSTAT_KEY_MAX];	/* missing = 0 */
	unsigned present;		/* bitmask of 1u << enum iostat_key seen */
};

struct iostat {
	struct iostat_dev *dev;		/* in file order; malloc'd */
	size_t n_dev;
};

/* Parses cgroup v2 io.stat: one line per device, "MAJ:MIN key=value ...". The six keys above
 * must hold unsigned decimals; any other key=value pair (io.latency's "depth=max", iocost's
 * "cost.vrate=100.00", ...) is skipped unread. Returns 0, -EBADMSG for a malformed line, a
 * device listed twice or a key given twice, -ENOMEM. *ret is untouched on error. */
int iostat_parse(const char *text, struct iostat *ret);

/* Frees the device array; safe on a zeroed or already-released struct. */
void iostat_done(struct iostat *s);

/* Parses "MAJ:MIN" at @s up to a space, tab, newline or NUL: *ret_end points there.
 * Returns 0, -EINVAL, -ERANGE (a number above UINT32_MAX). */
int blkio_parse_devt(const char *s, unsigned *ret_major, unsigned *ret_minor, const char **ret_end);
