/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lxcfs-bench: throughput and latency of open/read-whole/close on small files.
 *
 * Usage: lxcfs-bench [OPTION]... FILE...
 *
 *   --readers N    reader processes, 1..READERS_MAX (default 1)
 *   --seconds D    seconds spent on each FILE, a decimal number in (0, 3600] (default 3)
 *   --count N      instead: every reader does exactly N cycles per FILE (for callgrind runs,
 *                  where a fixed amount of work matters and time does not)
 *   --cgroup DIR   absolute cgroup directory (one holding cgroup.procs) that every reader
 *                  joins before the first FILE; repeat it to join one cgroup per hierarchy
 *   --cgroup-per-reader
 *                  scale mode: before forking, create one fresh cgroup per reader, named
 *                  lxkit-bench-<our pid>-<reader index>, in the memory and cpuset v1
 *                  hierarchies (/sys/fs/cgroup/{memory,cpuset}) or, without them, in the
 *                  cgroup2 root (whose subtree_control must enable memory and cpuset);
 *                  reader i joins its own, limited to --cg-memory + i MiB (distinct limits,
 *                  as distinct containers have) and the CPUs --cg-cpus; every one of them
 *                  is removed before exiting
 *   --cg-memory B  base memory limit of the per-reader cgroups, bytes (default 256 MiB)
 *   --cg-cpus LIST cpuset.cpus of the per-reader cgroups (default "1", or "0" on one CPU)
 *   --mountpoint DIR
 *                  a FILE not starting with '/' is taken relative to DIR: "--mountpoint /"
 *                  with "proc/meminfo" measures the kernel's own file, "--mountpoint
 *                  /var/lib/lxcfs" the same file through lxcfs
 *   --daemon-pid PID
 *                  the FUSE daemon serving FILE: its CPU time (utime + stime of all its
 *                  threads, /proc/PID/stat) is sampled before and after each FILE, and its
 *                  peak RSS (VmHWM, /proc/PID/status) after it
 *   --label NAME   first column of every result line (default "bench")
 *
 * The N readers are forked once. Each writes its own pid to DIR/cgroup.procs for every
 * --cgroup DIR, then the FILEs are measured one after the other: all readers start on a
 * FILE together and stop at the same deadline, D seconds later (with --count, after N
 * cycles each). In that window every reader loops open(O_RDONLY), read() with a 64 KiB
 * buffer until EOF, close(), and records the latency of the whole cycle (CLOCK_MONOTONIC,
 * ns) in memory shared with the parent, up to
 * SAMPLES_MAX latencies per reader and FILE; cycles beyond that still count towards reads/s
 * and are reported on stderr as not stored. A failed open, read or close counts as an
 * error: it is never retried or hidden, and the first error of each reader is described on
 * stderr.
 *
 * Standard output is one header line starting with '#', then one line per FILE as soon as
 * it is done, fields separated by single spaces:
 *
 *   # label file readers reads/s p50_us p99_us errors bytes_per_read daemon_cpu_us_per_read daemon_hwm_kb
 *   native /proc/meminfo 1 98765 9.1 14.2 0 1472 - -
 *
 * reads/s counts the successful cycles of all readers divided by the wall time from the
 * first reader's start to the last reader's end. p50_us and p99_us are nearest-rank
 * percentiles over the stored latencies of all readers, in microseconds; both are "-" when
 * there were no successful reads. bytes_per_read is the mean size of a successful read,
 * rounded down. daemon_cpu_us_per_read is the daemon's CPU time over the FILE's window
 * divided by the successful reads (clock-tick resolution: 10 ms at USER_HZ 100, under 1 us
 * per read once a run has 10k reads) and daemon_hwm_kb its VmHWM afterwards; both are "-"
 * without --daemon-pid. Labels and file names must not contain whitespace, so that the
 * output can be split on spaces.
 *
 * Exit status: 0 when every FILE was measured without errors, 1 when there were read
 * errors or a reader could not join a cgroup or died, 2 on bad usage.
 *
 * Memory: each reader's latencies live in a shared mapping of SAMPLES_MAX * 8 bytes,
 * reused for every FILE; pages are charged to the memory cgroup of the reader that first
 * touches them (about 8 bytes per read, e.g. 12 MB for 1.5 million reads).
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE	/* pipe2(); meson passes it already */
#endif

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/futex.h>

#define READ_BUF_SIZE	(64 * 1024)
#define SAMPLES_MAX	(4u * 1024 * 1024)	/* per reader and FILE: 32 MiB of latencies */
#define READERS_MAX	1024
#define CGROUPS_MAX	16
#define CG_ROOT		"/sys/fs/cgroup"
#define CG_NAME_FMT	"lxkit-bench-%d-%u"	/* our pid, reader index */
#define CG_RMDIR_TRIES	50			/* 5 s: an exited reader can stay listed */
#define SECONDS_MAX	3600.0
#define NSEC_PER_SEC	UINT64_C(1000000000)

#define EXIT_ERRORS	1
#define EXIT_USAGE	2

/* Bytes on the status pipe, from the readers (and the SIGCHLD handler) to the parent. */
#define MSG_READY	'R'	/* joined every cgroup, waiting for the first FILE */
#define MSG_SETUP_FAIL	'E'	/* could not join a cgroup; the reader exits */
#define MSG_DONE	'D'	/* finished the current FILE */
#define MSG_CHILD	'X'	/* written by the SIGCHLD handler: some reader exited */
#define MSG_STOP	'S'	/* written by the SIGINT/SIGTERM handler: stop the run */

#define _cleanup_(f) __attribute__((cleanup(f)))
#define TAKE_FD(fd) ({ int _fd = (fd); (fd) = -EBADF; _fd; })

static inline void freep(void *p)
{
	free(*(void **) p);
}

/* Never retried on EINTR: Linux has released the fd already. */
static inline void closep(int *fd)
{
	if (*fd >= 0)
		(void) close(*fd);
}

#define _cleanup_free_ _cleanup_(freep)
#define _cleanup_close_ _cleanup_(closep)

/* One reader's results for the current FILE; reset by the reader when the FILE starts. */
struct reader_stats {
	uint64_t n_reads;	/* successful open/read/close cycles */
	uint64_t n_errors;	/* failed cycles */
	uint64_t n_dropped;	/* successful cycles whose latency was not stored */
	uint64_t bytes;		/* bytes read by the successful cycles */
	uint64_t start_ns;	/* CLOCK_MONOTONIC before the first cycle */
	uint64_t end_ns;	/* CLOCK_MONOTONIC after the last cycle */
	int first_errno;	/* positive errno of the first failed cycle */
	const char *first_op;	/* "open", "read" or "close": static strings, same in all processes */
};

#define GEN_STOP	UINT32_MAX	/* bench_shared.generation: no more FILEs, exit */

/*
 * Shared between the parent and the readers. The parent writes deadline_ns before it
 * releases a FILE by storing its index + 1 in generation (release order; the readers load it
 * with acquire order and sleep on it as a futex), a reader writes its stats before it
 * reports MSG_DONE on the status pipe, and neither side touches the other's fields in between.
 * A generation rather than one byte per reader on a pipe: a reader done early with a FILE
 * could take a second byte meant for a reader that has not woken up yet.
 */
struct bench_shared {
	uint64_t deadline_ns;
	uint32_t generation;	/* FILE index + 1 being measured, 0 before the first, GEN_STOP */
	struct reader_stats stats[];
};

static unsigned arg_readers = 1;
static double arg_seconds = 3.0;
static const char *arg_cgroups[CGROUPS_MAX];
static unsigned arg_n_cgroups;
static const char *arg_label = "bench";
static uint64_t arg_count;		/* 0: run for arg_seconds */
static bool arg_cgroup_per_reader;
static uint64_t arg_cg_memory = UINT64_C(256) * 1024 * 1024;
static const char *arg_cg_cpus;		/* NULL: "1", or "0" on a single-CPU host */
static const char *arg_mountpoint;
static pid_t arg_daemon_pid;

/*
 * Hierarchies the per-reader cgroups are created in: the v1 memory and cpuset mounts, or the
 * cgroup2 root alone. Written by main() before the readers are forked.
 */
static const char *cg_bases[2];
static unsigned cg_n_bases;
static unsigned cg_n_created;	/* readers 0..n-1 may have cgroups to remove */

/* Write end of the status pipe, set before the signal handlers are installed. */
static int status_wr_fd = -EBADF;
/* SIGINT or SIGTERM received by the parent, re-raised once the readers are reaped. */
static volatile sig_atomic_t stop_signal;

static uint64_t now_ns(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC cannot fail with a valid clock id and pointer. */
	(void) clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * NSEC_PER_SEC + (uint64_t) ts.tv_nsec;
}

static void sigchld_handler(int sig)
{
	int saved_errno = errno;

	/* Wakes the parent blocked on the status pipe; it reaps with waitpid(WNOHANG). */
	(void) write(status_wr_fd, (char[]) { MSG_CHILD }, 1);
	errno = saved_errno;
}

static void sigstop_handler(int sig)
{
	int saved_errno = errno;

	/* The parent stops at its next wait on the status pipe, then kills and reaps the readers. */
	stop_signal = sig;
	(void) write(status_wr_fd, (char[]) { MSG_STOP }, 1);
	errno = saved_errno;
}

static int write_full(int fd, const void *buf, size_t size)
{
	const char *p = buf;

	while (size > 0) {
		ssize_t n = write(fd, p, size);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		size -= (size_t) n;
	}
	return 0;
}

/* Returns 1 and the byte on success, 0 on EOF, -errno on failure. */
static int read_byte(int fd, char *ret_byte)
{
	for (;;) {
		ssize_t n = read(fd, ret_byte, 1);

		if (n > 0)
			return 1;
		if (n == 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

/* Digits only, no sign or spaces; -EINVAL or -ERANGE on failure. */
static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*ret = (uint64_t) v;
	return 0;
}

static int parse_unsigned(const char *s, unsigned min, unsigned max, unsigned *ret)
{
	uint64_t v;
	int r = parse_u64(s, min, max, &v);

	if (r < 0)
		return r;
	*ret = (unsigned) v;
	return 0;
}

/* A finite decimal number such as "3" or "0.5"; -EINVAL or -ERANGE on failure. */
static int parse_seconds(const char *s, double *ret)
{
	double v;
	char *end;

	if ((*s < '0' || *s > '9') && *s != '.')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (*end != '\0' || end == s || !isfinite(v))
		return -EINVAL;
	if (errno == ERANGE || v <= 0.0 || v > SECONDS_MAX)
		return -ERANGE;
	*ret = v;
	return 0;
}

static bool has_space(const char *s)
{
	for (; *s; s++)
		if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
			return true;
	return false;
}

static int cgroup_procs_path(const char *dir, char *buf, size_t size)
{
	int r = snprintf(buf, size, "%s/cgroup.procs", dir);

	if (r < 0 || (size_t) r >= size)
		return -ENAMETOOLONG;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: lxcfs-bench [OPTION]... FILE...\n"
		"\n"
		"Measures reads/s and latency of open/read-whole/close cycles on each FILE in turn.\n"
		"\n"
		"  -n, --readers N         reader processes, 1..%u (default 1)\n"
		"  -s, --seconds D         seconds per FILE, > 0 and <= %.0f (default 3)\n"
		"  -N, --count N           instead, exactly N cycles per reader and FILE\n"
		"  -c, --cgroup DIR        absolute cgroup directory every reader joins (repeatable, up to %u)\n"
		"  -C, --cgroup-per-reader create cgroup lxkit-bench-PID-N for reader N, join it, remove it\n"
		"      --cg-memory BYTES   base memory limit of those cgroups; reader N gets BYTES + N MiB\n"
		"      --cg-cpus LIST      their cpuset.cpus (default \"1\", or \"0\" on a 1-CPU host)\n"
		"  -m, --mountpoint DIR    relative FILEs are taken under DIR (\"/\" for the kernel's files)\n"
		"  -P, --daemon-pid PID    report the CPU time per read and VmHWM of this FUSE daemon\n"
		"  -l, --label NAME        first column of the output (default \"bench\"), no whitespace\n"
		"  -h, --help              show this help\n"
		"\n"
		"Output: '# label file readers reads/s p50_us p99_us errors bytes_per_read\n"
		"daemon_cpu_us_per_read daemon_hwm_kb', then one line per FILE.\n"
		"Exit status: 0 no errors, 1 errors, 2 bad usage.\n",
		READERS_MAX, SECONDS_MAX, CGROUPS_MAX);
}

/*
 * Returns 0 and the index of the first FILE in argv, 1 after printing the help, or -EINVAL
 * after printing why the arguments are wrong.
 */
static int parse_argv(int argc, char *argv[], int *ret_first_file)
{
	enum { ARG_CG_MEMORY = 0x100, ARG_CG_CPUS };
	static const struct option options[] = {
		{ "readers",           required_argument, NULL, 'n' },
		{ "seconds",           required_argument, NULL, 's' },
		{ "count",             required_argument, NULL, 'N' },
		{ "cgroup",            required_argument, NULL, 'c' },
		{ "cgroup-per-reader", no_argument,       NULL, 'C' },
		{ "cg-memory",         required_argument, NULL, ARG_CG_MEMORY },
		{ "cg-cpus",           required_argument, NULL, ARG_CG_CPUS },
		{ "mountpoint",        required_argument, NULL, 'm' },
		{ "daemon-pid",        required_argument, NULL, 'P' },
		{ "label",             required_argument, NULL, 'l' },
		{ "help",              no_argument,       NULL, 'h' },
		{}
	};
	char path[PATH_MAX];
	unsigned pid;
	int c, r;

	while ((c = getopt_long(argc, argv, "n:s:N:c:Cm:P:l:h", options, NULL)) >= 0) {
		switch (c) {
		case 'N':
			r = parse_u64(optarg, 1, UINT64_C(1) << 32, &arg_count);
			if (r < 0) {
				fprintf(stderr, "lxcfs-bench: --count '%s' is not a number in 1..2^32\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'C':
			arg_cgroup_per_reader = true;
			break;
		case ARG_CG_MEMORY:
			/* v1 rounds the limit to pages; at least 16 MiB so readers can run */
			r = parse_u64(optarg, UINT64_C(16) << 20, UINT64_C(1) << 50, &arg_cg_memory);
			if (r < 0) {
				fprintf(stderr, "lxcfs-bench: --cg-memory '%s' is not a number of bytes in 16 MiB..1 PiB\n",
					optarg);
				return -EINVAL;
			}
			break;
		case ARG_CG_CPUS:
			if (optarg[0] == '\0' || has_space(optarg)) {
				fprintf(stderr, "lxcfs-bench: --cg-cpus '%s' must be a CPU list\n", optarg);
				return -EINVAL;
			}
			arg_cg_cpus = optarg;
			break;
		case 'm':
			if (optarg[0] != '/' || has_space(optarg)) {
				fprintf(stderr,
					"lxcfs-bench: --mountpoint '%s' must be an absolute path without whitespace\n",
					optarg);
				return -EINVAL;
			}
			arg_mountpoint = optarg;
			break;
		case 'P':
			r = parse_unsigned(optarg, 1, INT_MAX, &pid);
			if (r < 0) {
				fprintf(stderr, "lxcfs-bench: --daemon-pid '%s' is not a pid\n", optarg);
				return -EINVAL;
			}
			arg_daemon_pid = (pid_t) pid;
			break;
		case 'n':
			r = parse_unsigned(optarg, 1, READERS_MAX, &arg_readers);
			if (r < 0) {
				fprintf(stderr, "lxcfs-bench: --readers '%s' is not a number in 1..%u\n",
					optarg, READERS_MAX);
				return -EINVAL;
			}
			break;
		case 's':
			r = parse_seconds(optarg, &arg_seconds);
			if (r < 0) {
				fprintf(stderr,
					"lxcfs-bench: --seconds '%s' is not a number of seconds in (0, %.0f]\n",
					optarg, SECONDS_MAX);
				return -EINVAL;
			}
			break;
		case 'c':
			if (arg_n_cgroups >= CGROUPS_MAX) {
				fprintf(stderr, "lxcfs-bench: at most %u --cgroup options\n", CGROUPS_MAX);
				return -EINVAL;
			}
			if (optarg[0] != '/') {
				fprintf(stderr, "lxcfs-bench: --cgroup '%s' is not an absolute path\n",
					optarg);
				return -EINVAL;
			}
			if (cgroup_procs_path(optarg, path, sizeof(path)) < 0) {
				fprintf(stderr, "lxcfs-bench: --cgroup '%s' is too long\n", optarg);
				return -EINVAL;
			}
			if (access(path, W_OK) < 0) {
				fprintf(stderr, "lxcfs-bench: --cgroup '%s' is not a writable cgroup: '%s': %m\n",
					optarg, path);
				return -EINVAL;
			}
			arg_cgroups[arg_n_cgroups++] = optarg;
			break;
		case 'l':
			if (optarg[0] == '\0' || has_space(optarg)) {
				fprintf(stderr, "lxcfs-bench: --label '%s' must be non-empty without whitespace\n",
					optarg);
				return -EINVAL;
			}
			arg_label = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			/* getopt_long() has already named the bad option. */
			fprintf(stderr, "Try 'lxcfs-bench --help'.\n");
			return -EINVAL;
		}
	}

	if (optind >= argc) {
		fprintf(stderr, "lxcfs-bench: no FILE given\n");
		usage(stderr);
		return -EINVAL;
	}
	for (int i = optind; i < argc; i++) {
		if (argv[i][0] == '\0' || has_space(argv[i])) {
			fprintf(stderr,
				"lxcfs-bench: FILE '%s' must be non-empty without whitespace (the output is space separated)\n",
				argv[i]);
			return -EINVAL;
		}
	}

	*ret_first_file = optind;
	return 0;
}

/*
 * One measured cycle: open, read until EOF, close. Returns 0 and the byte count, or -errno
 * and the failing step in *ret_op. The fd is closed exactly once on every path.
 */
static int file_read_whole(const char *path, char *buf, uint64_t *ret_bytes, const char **ret_op)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint64_t total = 0;

	if (fd < 0) {
		*ret_op = "open";
		return -errno;
	}
	for (;;) {
		ssize_t n = read(fd, buf, READ_BUF_SIZE);

		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			*ret_op = "read";
			return -errno;
		}
		total += (uint64_t) n;
	}
	/* close() reports FUSE FLUSH failures; they count as errors too. */
	if (close(TAKE_FD(fd)) < 0) {
		*ret_op = "close";
		return -errno;
	}
	*ret_bytes = total;
	return 0;
}

/* Runs cycles until @deadline_ns, or @count of them when @count > 0. */
static void reader_measure(const char *path, uint64_t deadline_ns, uint64_t count, char *buf,
			   struct reader_stats *st, uint64_t *samples)
{
	uint64_t end = now_ns();

	*st = (struct reader_stats) { .start_ns = end };
	for (uint64_t i = 0;; i++) {
		uint64_t t0 = now_ns(), bytes = 0;
		const char *op = NULL;
		int r;

		if (count > 0 ? i >= count : t0 >= deadline_ns)
			break;
		r = file_read_whole(path, buf, &bytes, &op);
		end = now_ns();
		if (r < 0) {
			if (st->n_errors++ == 0) {
				st->first_errno = -r;
				st->first_op = op;
			}
			continue;
		}
		if (st->n_reads < SAMPLES_MAX)
			samples[st->n_reads] = end - t0;
		else
			st->n_dropped++;
		st->n_reads++;
		st->bytes += bytes;
	}
	st->end_ns = end;
}

/* Writes @text to the existing file @path; -errno on failure. */
static int file_write_string(const char *path, const char *text)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return write_full(fd, text, strlen(text));
}

/* Reads up to @size - 1 bytes of @path into @buf, NUL-terminated; -errno on failure. */
static int file_read_small(const char *path, char *buf, size_t size)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t total = 0;

	if (fd < 0)
		return -errno;
	while (total < size - 1) {
		ssize_t n = read(fd, buf + total, size - 1 - total);

		if (n == 0)
			break;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		total += (size_t) n;
	}
	buf[total] = '\0';
	return 0;
}

/* Pid in the per-reader cgroup names: the parent's, set before the readers are forked. */
static pid_t cg_owner_pid;

/* DIR of reader @idx's cgroup under @base, or DIR/@file when @file is not NULL. */
static int cg_reader_path(const char *base, unsigned idx, const char *file, char *buf,
			  size_t size)
{
	int r = snprintf(buf, size, "%s/" CG_NAME_FMT "%s%s", base, (int) cg_owner_pid, idx,
			 file ? "/" : "", file ? file : "");

	if (r < 0 || (size_t) r >= size)
		return -ENAMETOOLONG;
	return 0;
}

static int cgroup_join(const char *dir, const char *pid)
{
	char path[PATH_MAX];
	int r;

	r = cgroup_procs_path(dir, path, sizeof(path));
	if (r < 0)
		return r;
	return file_write_string(path, pid);
}

static int reader_join_cgroups(unsigned idx)
{
	char dir[PATH_MAX], pid[sizeof(int) * 3 + 2];
	int n = snprintf(pid, sizeof(pid), "%d\n", (int) getpid()), r;

	if (n < 0 || (size_t) n >= sizeof(pid))
		return -EINVAL;
	for (unsigned i = 0; i < arg_n_cgroups; i++) {
		r = cgroup_join(arg_cgroups[i], pid);
		if (r < 0) {
			fprintf(stderr, "lxcfs-bench: reader %u: failed to join cgroup '%s': %s\n",
				idx, arg_cgroups[i], strerror(-r));
			return r;
		}
	}
	for (unsigned i = 0; arg_cgroup_per_reader && i < cg_n_bases; i++) {
		r = cg_reader_path(cg_bases[i], idx, NULL, dir, sizeof(dir));
		if (r >= 0)
			r = cgroup_join(dir, pid);
		if (r < 0) {
			fprintf(stderr, "lxcfs-bench: reader %u: failed to join its cgroup under '%s': %s\n",
				idx, cg_bases[i], strerror(-r));
			return r;
		}
	}
	return 0;
}

/*
 * Creates the cgroups of --cgroup-per-reader, one per reader and hierarchy, each with its
 * own memory limit. Returns 0, or -errno after describing the failure; cg_n_created tells
 * cg_remove_all() what to remove either way.
 */
static int cg_create_all(void)
{
	char path[PATH_MAX], mems[64] = "0", limit[32];
	const char *cpus = arg_cg_cpus;
	bool v1;
	int r;

	v1 = access(CG_ROOT "/memory/cgroup.procs", F_OK) == 0 &&
	     access(CG_ROOT "/cpuset/cgroup.procs", F_OK) == 0;
	if (v1) {
		cg_bases[0] = CG_ROOT "/memory";
		cg_bases[1] = CG_ROOT "/cpuset";
		cg_n_bases = 2;
	} else if (access(CG_ROOT "/cgroup.controllers", F_OK) == 0) {
		cg_bases[0] = CG_ROOT;
		cg_n_bases = 1;
	} else {
		fprintf(stderr, "lxcfs-bench: no memory and cpuset cgroup hierarchy under " CG_ROOT "\n");
		return -ENOENT;
	}
	if (!cpus)
		cpus = access("/sys/devices/system/cpu/cpu1", F_OK) == 0 ? "1" : "0";
	/* cpuset.mems: the first online node ("0" without NUMA information) */
	if (file_read_small("/sys/devices/system/node/online", mems, sizeof(mems)) >= 0)
		mems[strspn(mems, "0123456789")] = '\0';
	if (mems[0] == '\0')
		strcpy(mems, "0");

	for (unsigned i = 0; i < arg_readers; i++) {
		uint64_t bytes = arg_cg_memory + ((uint64_t) i << 20);
		const struct { unsigned base; const char *file, *value; } settings[] = {
			{ 0, v1 ? "memory.limit_in_bytes" : "memory.max", limit },
			/* v1 cpuset refuses tasks until cpus and mems are set */
			{ v1 ? 1 : 0, "cpuset.cpus", cpus },
			{ v1 ? 1 : 0, "cpuset.mems", mems },
		};

		r = snprintf(limit, sizeof(limit), "%" PRIu64 "\n", bytes);
		if (r < 0 || (size_t) r >= sizeof(limit))
			return -EINVAL;
		cg_n_created = i + 1;	/* before mkdir: a partial set is removed too */
		for (unsigned b = 0; b < cg_n_bases; b++) {
			r = cg_reader_path(cg_bases[b], i, NULL, path, sizeof(path));
			if (r >= 0 && mkdir(path, 0755) < 0)
				r = -errno;
			if (r < 0) {
				fprintf(stderr, "lxcfs-bench: failed to create cgroup '%s': %s\n", path,
					strerror(-r));
				return r;
			}
		}
		for (size_t k = 0; k < sizeof(settings) / sizeof(settings[0]); k++) {
			r = cg_reader_path(cg_bases[settings[k].base], i, settings[k].file, path,
					   sizeof(path));
			if (r >= 0)
				r = file_write_string(path, settings[k].value);
			if (r < 0) {
				fprintf(stderr, "lxcfs-bench: failed to write '%s': %s\n", path,
					strerror(-r));
				return r;
			}
		}
	}
	return 0;
}

/* Removes every cgroup cg_create_all() created; returns 0 or the first -errno. */
static int cg_remove_all(void)
{
	char path[PATH_MAX];
	int ret = 0;

	for (unsigned i = 0; i < cg_n_created; i++) {
		for (unsigned b = 0; b < cg_n_bases; b++) {
			int r = cg_reader_path(cg_bases[b], i, NULL, path, sizeof(path));

			for (unsigned t = 0; r >= 0; t++) {
				if (rmdir(path) == 0 || errno == ENOENT)
					break;
				r = -errno;
				/* a reader reaped a moment ago can still be listed in it */
				if (r == -EBUSY && t < CG_RMDIR_TRIES) {
					r = 0;
					(void) nanosleep(&(struct timespec) { .tv_nsec = 100000000 }, NULL);
				}
			}
			if (r < 0) {
				fprintf(stderr, "lxcfs-bench: failed to remove cgroup '%s': %s\n", path,
					strerror(-r));
				if (ret == 0)
					ret = r;
			}
		}
	}
	cg_n_created = 0;
	return ret;
}

/* utime + stime of all threads of @pid, in clock ticks (fields 14 and 15 of proc(5)). */
static int daemon_cpu_ticks(pid_t pid, uint64_t *ret_ticks)
{
	char path[64], buf[1024];
	const char *p;
	uint64_t v[2];
	int r;

	r = snprintf(path, sizeof(path), "/proc/%d/stat", (int) pid);
	if (r < 0 || (size_t) r >= sizeof(path))
		return -EINVAL;
	r = file_read_small(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	p = strrchr(buf, ')');	/* the command name may contain spaces and ')' */
	if (!p)
		return -EBADMSG;
	/* after ") " comes field 3 (state); skip fields 3..13 */
	for (unsigned field = 3; field < 14; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EBADMSG;
	}
	for (unsigned k = 0; k < 2; k++) {
		char *end;

		errno = 0;
		v[k] = strtoull(p + 1, &end, 10);
		if (errno != 0 || end == p + 1 || *end != ' ')
			return -EBADMSG;
		p = end;
	}
	*ret_ticks = v[0] + v[1];
	return 0;
}

/* VmHWM of @pid in kB, from /proc/PID/status. */
static int daemon_hwm_kb(pid_t pid, uint64_t *ret_kb)
{
	char path[64], buf[8192], *p, *end;
	uint64_t v;
	int r;

	r = snprintf(path, sizeof(path), "/proc/%d/status", (int) pid);
	if (r < 0 || (size_t) r >= sizeof(path))
		return -EINVAL;
	r = file_read_small(path, buf, sizeof(buf));
	if (r < 0)
		return r;
	p = strstr(buf, "\nVmHWM:");
	if (!p)
		return -ENODATA;	/* a kernel thread or a zombie */
	p += strlen("\nVmHWM:");
	p += strspn(p, " \t");
	errno = 0;
	v = strtoull(p, &end, 10);
	if (errno != 0 || end == p)
		return -EBADMSG;
	*ret_kb = v;
	return 0;
}

/* Parent: releases the readers for FILE index @gen - 1, or makes them exit (GEN_STOP). */
static void generation_publish(struct bench_shared *sh, uint32_t gen)
{
	__atomic_store_n(&sh->generation, gen, __ATOMIC_RELEASE);
	/* not FUTEX_PRIVATE_FLAG: the word is shared between processes */
	(void) syscall(SYS_futex, &sh->generation, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/* Reader: sleeps until the generation differs from @seen and returns it. */
static uint32_t generation_wait(struct bench_shared *sh, uint32_t seen)
{
	uint32_t gen;

	/* FUTEX_WAIT returns at once (EAGAIN) when the word no longer equals @seen */
	while ((gen = __atomic_load_n(&sh->generation, __ATOMIC_ACQUIRE)) == seen)
		(void) syscall(SYS_futex, &sh->generation, FUTEX_WAIT, seen, NULL, NULL, 0);
	return gen;
}

/* Runs in the forked reader; returns its exit status. */
static int reader_main(unsigned idx, char **files, struct bench_shared *sh, uint64_t *samples,
		       int status_fd)
{
	_cleanup_free_ char *buf = NULL;

	buf = malloc(READ_BUF_SIZE);
	if (!buf || reader_join_cgroups(idx) < 0) {
		if (!buf)
			fprintf(stderr, "lxcfs-bench: reader %u: out of memory\n", idx);
		(void) write_full(status_fd, (char[]) { MSG_SETUP_FAIL }, 1);
		return EXIT_ERRORS;
	}
	if (write_full(status_fd, (char[]) { MSG_READY }, 1) < 0)
		return EXIT_ERRORS;

	for (uint32_t gen = 0;;) {
		gen = generation_wait(sh, gen);
		if (gen == GEN_STOP)
			return EXIT_SUCCESS;
		reader_measure(files[gen - 1], sh->deadline_ns, arg_count, buf, &sh->stats[idx],
			       samples);
		if (write_full(status_fd, (char[]) { MSG_DONE }, 1) < 0)
			return EXIT_ERRORS;
	}
}

struct reader_proc {
	pid_t pid;	/* 0 once reaped */
	int status;	/* wait status once reaped */
	bool killed;	/* killed by the parent while cleaning up: its status says nothing */
};

/* Reaps exited readers without blocking; returns how many were reaped. */
static unsigned readers_reap(struct reader_proc *procs, unsigned n)
{
	unsigned reaped = 0;

	for (unsigned i = 0; i < n; i++) {
		if (procs[i].pid <= 0)
			continue;
		if (waitpid(procs[i].pid, &procs[i].status, WNOHANG) == procs[i].pid) {
			procs[i].pid = 0;
			reaped++;
		}
	}
	return reaped;
}

/* Kills the readers still running when @kill_them, then reaps them all. */
static void readers_stop(struct reader_proc *procs, unsigned n, bool kill_them)
{
	for (unsigned i = 0; kill_them && i < n; i++) {
		if (procs[i].pid > 0) {
			(void) kill(procs[i].pid, SIGKILL);
			procs[i].killed = true;
		}
	}
	for (unsigned i = 0; i < n; i++) {
		while (procs[i].pid > 0) {
			pid_t pid = waitpid(procs[i].pid, &procs[i].status, 0);

			if (pid == procs[i].pid || (pid < 0 && errno != EINTR))
				procs[i].pid = 0;
		}
	}
}

/* Describes every reader that failed on its own; returns true if there was one. */
static bool readers_describe_failures(const struct reader_proc *procs, unsigned n)
{
	bool any = false;

	for (unsigned i = 0; i < n; i++) {
		int st = procs[i].status;

		if (procs[i].pid != 0 || procs[i].killed)
			continue;
		if (WIFSIGNALED(st)) {
			fprintf(stderr, "lxcfs-bench: reader %u was killed by signal %d (%s)\n", i,
				WTERMSIG(st), strsignal(WTERMSIG(st)));
			any = true;
		} else if (WIFEXITED(st) && WEXITSTATUS(st) != 0) {
			fprintf(stderr, "lxcfs-bench: reader %u exited with status %d\n", i,
				WEXITSTATUS(st));
			any = true;
		}
	}
	return any;
}

/*
 * Waits for @want status bytes equal to @expect. Returns 0 when all arrived, -ECHILD when a
 * reader exited first (or reported MSG_SETUP_FAIL), -EINTR on SIGINT/SIGTERM, -errno on a
 * pipe error.
 */
static int readers_wait(int status_fd, char expect, unsigned want, struct reader_proc *procs,
			unsigned n)
{
	unsigned got = 0;
	bool failed = false;
	char msg;
	int r;

	while (got < want) {
		r = read_byte(status_fd, &msg);
		if (r < 0)
			return r;
		if (r == 0)
			return -EPIPE;	/* the parent holds a write end: cannot happen */
		if (msg == expect) {
			got++;
		} else if (msg == MSG_SETUP_FAIL) {
			failed = true;
			got++;
		} else if (msg == MSG_STOP) {
			return -EINTR;
		} else if (msg == MSG_CHILD) {
			/* Any reader exiting before the run ends is a failure. */
			if (readers_reap(procs, n) > 0)
				return -ECHILD;
		}
	}
	return failed ? -ECHILD : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted @v; @n > 0. */
static uint64_t percentile(const uint64_t *v, size_t n, unsigned pct)
{
	size_t rank = (n * pct + 99) / 100;	/* ceil(n * pct / 100) */

	return v[rank > 0 ? rank - 1 : 0];
}

/*
 * Prints the result line of one FILE; @daemon_ticks and @daemon_hwm are the daemon's CPU
 * time over the run and its VmHWM, or -1 when unknown. Returns the number of errors, or
 * -ENOMEM.
 */
static int64_t results_print(const char *file, const struct bench_shared *sh,
			     const uint64_t *samples, int64_t daemon_ticks, int64_t daemon_hwm)
{
	_cleanup_free_ uint64_t *all = NULL;
	uint64_t reads = 0, errors = 0, dropped = 0, bytes = 0, start = UINT64_MAX, end = 0;
	size_t n_all = 0;
	double rate = 0.0;
	char p50[32] = "-", p99[32] = "-", cpu[32] = "-", hwm[32] = "-";

	for (unsigned i = 0; i < arg_readers; i++) {
		const struct reader_stats *st = &sh->stats[i];

		reads += st->n_reads;
		errors += st->n_errors;
		dropped += st->n_dropped;
		bytes += st->bytes;
		if (st->start_ns < start)
			start = st->start_ns;
		if (st->end_ns > end)
			end = st->end_ns;
		if (st->n_errors > 0)
			fprintf(stderr,
				"lxcfs-bench: '%s': reader %u: %" PRIu64 " failed reads, the first at %s(): %s\n",
				file, i, st->n_errors, st->first_op, strerror(st->first_errno));
	}
	if (dropped > 0)
		fprintf(stderr,
			"lxcfs-bench: '%s': %" PRIu64 " latencies not stored (over %u per reader); percentiles cover the first %u reads of each reader\n",
			file, dropped, SAMPLES_MAX, SAMPLES_MAX);

	if (reads > 0) {
		all = malloc((reads - dropped) * sizeof(uint64_t));
		if (!all)
			return -ENOMEM;
		for (unsigned i = 0; i < arg_readers; i++) {
			size_t k = sh->stats[i].n_reads - sh->stats[i].n_dropped;

			memcpy(all + n_all, samples + (size_t) i * SAMPLES_MAX, k * sizeof(uint64_t));
			n_all += k;
		}
		qsort(all, n_all, sizeof(uint64_t), cmp_u64);
		snprintf(p50, sizeof(p50), "%.1f", percentile(all, n_all, 50) / 1e3);
		snprintf(p99, sizeof(p99), "%.1f", percentile(all, n_all, 99) / 1e3);
		if (end > start)
			rate = (double) reads * 1e9 / (double) (end - start);
	}

	if (daemon_ticks >= 0 && reads > 0)
		snprintf(cpu, sizeof(cpu), "%.1f",
			 (double) daemon_ticks * 1e6 / (double) sysconf(_SC_CLK_TCK) / (double) reads);
	if (daemon_hwm >= 0)
		snprintf(hwm, sizeof(hwm), "%" PRId64, daemon_hwm);

	printf("%s %s %u %.0f %s %s %" PRIu64 " %" PRIu64 " %s %s\n", arg_label, file, arg_readers,
	       rate, p50, p99, errors, reads > 0 ? bytes / reads : 0, cpu, hwm);
	fflush(stdout);
	return (int64_t) errors;
}

int main(int argc, char *argv[])
{
	_cleanup_close_ int status_rd = -EBADF;
	_cleanup_free_ struct reader_proc *procs = NULL;
	_cleanup_free_ char *paths = NULL;
	_cleanup_free_ char **resolved = NULL;
	struct bench_shared *sh = MAP_FAILED;
	uint64_t *samples = MAP_FAILED;
	size_t sh_size, samples_size;
	struct sigaction sa_chld = { .sa_handler = sigchld_handler,
				     .sa_flags = SA_RESTART | SA_NOCLDSTOP };
	struct sigaction sa_stop = { .sa_handler = sigstop_handler, .sa_flags = SA_RESTART };
	char **files;
	int first_file, n_files, fds[2], r, ret = EXIT_SUCCESS;
	pid_t parent = getpid();

	r = parse_argv(argc, argv, &first_file);
	if (r < 0)
		return EXIT_USAGE;
	if (r > 0)
		return EXIT_SUCCESS;
	files = argv + first_file;
	n_files = argc - first_file;
	if (arg_mountpoint) {
		/* relative FILEs under --mountpoint; "/" must not make them "//proc/..." */
		size_t dir_len = strcmp(arg_mountpoint, "/") == 0 ? 0 : strlen(arg_mountpoint);

		resolved = calloc((size_t) n_files, sizeof(char *));
		paths = calloc((size_t) n_files, PATH_MAX);
		if (!resolved || !paths) {
			fprintf(stderr, "lxcfs-bench: out of memory\n");
			return EXIT_ERRORS;
		}
		for (int f = 0; f < n_files; f++) {
			char *p = paths + (size_t) f * PATH_MAX;

			r = files[f][0] == '/' ? snprintf(p, PATH_MAX, "%s", files[f]) :
				snprintf(p, PATH_MAX, "%.*s/%s", (int) dir_len, arg_mountpoint, files[f]);
			if (r < 0 || r >= PATH_MAX) {
				fprintf(stderr, "lxcfs-bench: FILE '%s' under '%s' is too long\n",
					files[f], arg_mountpoint);
				return EXIT_USAGE;
			}
			resolved[f] = p;
		}
		files = resolved;
	}

	procs = calloc(arg_readers, sizeof(*procs));
	if (!procs) {
		fprintf(stderr, "lxcfs-bench: out of memory\n");
		return EXIT_ERRORS;
	}

	sh_size = sizeof(struct bench_shared) + arg_readers * sizeof(struct reader_stats);
	sh = mmap(NULL, sh_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	/* NORESERVE: only the samples actually written use memory. */
	samples_size = (size_t) arg_readers * SAMPLES_MAX * sizeof(uint64_t);
	samples = mmap(NULL, samples_size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (sh == MAP_FAILED || samples == MAP_FAILED) {
		fprintf(stderr, "lxcfs-bench: failed to map shared memory: %m\n");
		ret = EXIT_ERRORS;
		goto unmap;
	}

	/* Status pipe: readers -> parent. The parent keeps the write end for the SIGCHLD handler. */
	if (pipe2(fds, O_CLOEXEC) < 0) {
		fprintf(stderr, "lxcfs-bench: failed to create a pipe: %m\n");
		ret = EXIT_ERRORS;
		goto unmap;
	}
	status_rd = fds[0];
	status_wr_fd = fds[1];

	/* Installed before the first fork, so no reader can exit unnoticed. */
	if (sigaction(SIGCHLD, &sa_chld, NULL) < 0 || sigaction(SIGINT, &sa_stop, NULL) < 0 ||
	    sigaction(SIGTERM, &sa_stop, NULL) < 0) {
		fprintf(stderr, "lxcfs-bench: failed to install signal handlers: %m\n");
		ret = EXIT_ERRORS;
		goto unmap;
	}

	cg_owner_pid = parent;
	if (arg_cgroup_per_reader && cg_create_all() < 0) {
		ret = EXIT_ERRORS;
		goto unmap;
	}

	fflush(stdout);
	for (unsigned i = 0; i < arg_readers; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			fprintf(stderr, "lxcfs-bench: failed to fork reader %u: %m\n", i);
			ret = EXIT_ERRORS;
			goto stop;
		}
		if (pid == 0) {
			(void) signal(SIGCHLD, SIG_DFL);
			(void) signal(SIGINT, SIG_DFL);
			(void) signal(SIGTERM, SIG_DFL);
			/* Readers must not outlive an interrupted parent. */
			if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
				_exit(EXIT_ERRORS);
			(void) close(status_rd);
			_exit(reader_main(i, files, sh, samples + (size_t) i * SAMPLES_MAX,
					  status_wr_fd));
		}
		procs[i].pid = pid;
	}

	r = readers_wait(status_rd, MSG_READY, arg_readers, procs, arg_readers);
	if (r < 0) {
		if (r == -EINTR)
			goto stop;
		if (r != -ECHILD)
			fprintf(stderr, "lxcfs-bench: status pipe: %s\n", strerror(-r));
		fprintf(stderr, "lxcfs-bench: readers failed to start\n");
		ret = EXIT_ERRORS;
		goto stop;
	}

	printf("# label file readers reads/s p50_us p99_us errors bytes_per_read"
	       " daemon_cpu_us_per_read daemon_hwm_kb\n");
	fflush(stdout);

	for (int f = 0; f < n_files; f++) {
		uint64_t ticks0 = 0, ticks1 = 0, hwm = 0;
		int64_t errors, d_ticks = -1, d_hwm = -1;
		bool have_ticks0 = false;

		if (arg_daemon_pid > 0)
			have_ticks0 = daemon_cpu_ticks(arg_daemon_pid, &ticks0) >= 0;
		sh->deadline_ns = now_ns() + (uint64_t) (arg_seconds * 1e9);
		generation_publish(sh, (uint32_t) f + 1);
		r = readers_wait(status_rd, MSG_DONE, arg_readers, procs, arg_readers);
		if (r >= 0 && arg_daemon_pid > 0) {
			/* a daemon that is gone is noticed by its caller: the columns say "-" */
			if (have_ticks0 && daemon_cpu_ticks(arg_daemon_pid, &ticks1) >= 0 &&
			    ticks1 >= ticks0)
				d_ticks = (int64_t) (ticks1 - ticks0);
			if (daemon_hwm_kb(arg_daemon_pid, &hwm) >= 0)
				d_hwm = (int64_t) hwm;
			if (d_ticks < 0 || d_hwm < 0)
				fprintf(stderr, "lxcfs-bench: could not read /proc/%d/stat or status\n",
					(int) arg_daemon_pid);
		}
		if (r == -EINTR)
			goto stop;
		if (r < 0) {
			fprintf(stderr, "lxcfs-bench: '%s': %s\n", files[f],
				r == -ECHILD ? "a reader exited before the end" : strerror(-r));
			ret = EXIT_ERRORS;
			goto stop;
		}
		errors = results_print(files[f], sh, samples, d_ticks, d_hwm);
		if (errors < 0) {
			fprintf(stderr, "lxcfs-bench: out of memory while sorting latencies\n");
			ret = EXIT_ERRORS;
			goto stop;
		}
		if (errors > 0)
			ret = EXIT_ERRORS;
	}

stop:
	/* GEN_STOP makes every waiting reader exit; after a failure, kill them. */
	generation_publish(sh, GEN_STOP);
	if (stop_signal)
		ret = EXIT_ERRORS;
	readers_stop(procs, arg_readers, ret != EXIT_SUCCESS);
	/* Ctrl-C also kills the readers: only describe their deaths when not interrupted. */
	if (!stop_signal && readers_describe_failures(procs, arg_readers))
		ret = EXIT_ERRORS;
unmap:
	/* after the readers are reaped: a cgroup with a task in it cannot be removed */
	if (cg_remove_all() < 0)
		ret = EXIT_ERRORS;
	if (samples != MAP_FAILED)
		(void) munmap(samples, samples_size);
	if (sh != MAP_FAILED)
		(void) munmap(sh, sh_size);
	if (stop_signal) {
		/* Die of the signal, so that the shell sees an interrupted command. */
		fprintf(stderr, "lxcfs-bench: interrupted by %s\n", strsignal(stop_signal));
		(void) signal(stop_signal, SIG_DFL);
		(void) raise(stop_signal);
	}
	return ret;
}
