/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure renderer of the container's /proc/diskstats (Documentation/admin-guide/iostats.rst,
 * Documentation/ABI/testing/procfs-diskstats; block/genhd.c diskstats_show()) from the IO
 * counters of its cgroup (lxcfs-behaviour.md 4.7). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "blkio.h"
#include "strbuf.h"

enum diskstats_op {
	DISKSTATS_READ,
	DISKSTATS_WRITE,
	DISKSTATS_DISCARD,
	DISKSTATS_OP_MAX,
};

/* What one cgroup did on one whole disk. Anything the cgroup files do not say is 0. */
struct diskstats_dev {
	unsigned major, minor;
	uint64_t ios[DISKSTATS_OP_MAX];		/* requests completed */
	uint64_t merges[DISKSTATS_OP_MAX];	/* requests merged into others */
	uint64_t sectors[DISKSTATS_OP_MAX];	/* 512-byte sectors (bytes / 512) */
	uint64_t ns[DISKSTATS_OP_MAX];		/* time the requests took, ns (wait + service) */
	uint64_t io_ns;				/* time the disk spent on them, ns */
};

struct diskstats_inputs {
	char *host_diskstats;		/* verbatim host /proc/diskstats, NUL-terminated; owned */
	struct diskstats_dev *dev;	/* owned */
	size_t n_dev;
};

/* Frees what @in owns; safe on a zeroed or already-released struct. */
void diskstats_inputs_done(struct diskstats_inputs *in);

/* Builds the per-device counters from parsed cgroup v1 blkio files (@files[f].present false
 * when file f does not exist). Per device, requests and sectors come from the first of
 * blk-throttle, BFQ, CFQ whose io_serviced/io_service_bytes show non-zero counters for it:
 * throttle counts every bio of the cgroup whatever the IO scheduler, BFQ and CFQ only on disks
 * they schedule. Merges and times come from the first of BFQ (debug builds only) and CFQ whose
 * io_merged/io_service_time/io_wait_time show non-zero values: time per operation = wait +
 * service time, busy time = service time Total. Replaces ret->dev/n_dev (freeing the old
 * array). Returns 0 or -ENOMEM. */
int diskstats_from_blkio(const struct blkio_rwstat files[BLKIO_FILE_MAX],
			 struct diskstats_inputs *ret);

/* Same from a parsed cgroup v2 io.stat: rios/wios/dios requests, rbytes/wbytes/dbytes / 512
 * sectors; merges and times are unknown (0). Returns 0 or -ENOMEM. */
int diskstats_from_iostat(const struct iostat *s, struct diskstats_inputs *ret);

/* True when @d has any non-zero counter: the cgroup has touched the disk. */
bool diskstats_dev_touched(const struct diskstats_dev *d);

/* Appends the container's /proc/diskstats to @out: for each line of the host file, in its
 * order, whose MAJ:MIN has a touched device in @in, one line in the kernel's 17-number layout
 * ("%4d %7d %s" then reads, merged, sectors, ms; writes ...; in flight 0, io ms, weighted ms;
 * discards ...; flushes 0 0). Host devices the cgroup has not touched, partitions and devices
 * missing from the host file give no line, so a cgroup without IO renders an empty file.
 * Millisecond fields are ns / 10^6 truncated to 32 bits as the kernel prints them.
 * Deterministic. Returns 0, -EBADMSG for a host line without "major minor name", or a strbuf
 * error. */
int diskstats_render(const struct diskstats_inputs *in, struct strbuf *out);
