/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nullfs: a do-nothing low-level FUSE filesystem, the ceiling for lxcfs read benchmarks.
 *
 * Usage: nullfs [-f] [-s] [-p PIDFILE] [--size FILE=BYTES]... [--read-delay-ms N] MOUNTPOINT
 *
 * It serves the tree lxcfs serves for the benchmarked files (proc/meminfo, proc/cpuinfo,
 * proc/stat, proc/uptime, proc/swaps, proc/loadavg, sys/devices/system/cpu/online), each a
 * fixed buffer of printable lines built once at start, so that a benchmark pays for the
 * FUSE round trips only. Requests are answered the way lxcfs answers them: lookups and
 * attributes are cached for LXCFS_CACHE_TIMEOUT (0.5 s), open() sets direct_io, read()
 * replies with a slice of the buffer. FLUSH, RELEASE and the rest are not implemented, so
 * the kernel learns ENOSYS once where it can (FLUSH) and stops sending them.
 *
 *   -f             accepted for compatibility with the daemons' command lines; nullfs always
 *                  runs in the foreground
 *   -s             single-threaded session loop (default: multi-threaded with clone_fd, as
 *                  lxcfs runs)
 *   -p PIDFILE     write the pid here once mounted; removed at exit
 *   --size F=B     serve B bytes (0..1 MiB) for F, one of the paths above (repeatable);
 *                  the defaults are typical sizes of lxcfs's views on a 2-CPU host
 *   --read-delay-ms N
 *                  sleep N ms (0..60000) in every read before replying: a file whose read
 *                  blocks, for the tests of lxcfs's loop watchdog (a cgroup file bound over
 *                  by one of these makes lxcfs's own read of it block)
 *
 * SIGTERM, SIGINT or SIGHUP unmounts and exits 0. Exit status 1 on failure, 2 on bad usage.
 */

#define FUSE_USE_VERSION 312

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fuse_lowlevel.h>

#define NULLFS_TIMEOUT	0.5		/* lxcfs's LXCFS_CACHE_TIMEOUT */
#define NULLFS_DELAY_MAX_MS 60000u

static unsigned read_delay_ms;		/* --read-delay-ms */
#define NULLFS_SIZE_MAX	(1024 * 1024)
#define NULLFS_LINE	64		/* bytes per filler line, '\n' included */

struct node {
	const char *name;
	fuse_ino_t parent;
	bool dir;
	size_t size;	/* files: bytes served */
	char *buf;	/* files: the content, built before the session starts */
};

/* Index + 1 is the inode number; FUSE_ROOT_ID (1) is the root. Written only before the loop. */
static struct node nodes[] = {
	{ "",        0, true,  0,     NULL },	/* 1 */
	{ "proc",    1, true,  0,     NULL },	/* 2 */
	{ "sys",     1, true,  0,     NULL },	/* 3 */
	{ "devices", 3, true,  0,     NULL },	/* 4 */
	{ "system",  4, true,  0,     NULL },	/* 5 */
	{ "cpu",     5, true,  0,     NULL },	/* 6 */
	{ "meminfo", 2, false, 1400,  NULL },	/* 7 */
	{ "cpuinfo", 2, false, 2700,  NULL },	/* 8 */
	{ "stat",    2, false, 900,   NULL },	/* 9 */
	{ "uptime",  2, false, 16,    NULL },	/* 10 */
	{ "swaps",   2, false, 37,    NULL },	/* 11 */
	{ "loadavg", 2, false, 27,    NULL },	/* 12 */
	{ "online",  6, false, 4,     NULL },	/* 13 */
};
#define N_NODES (sizeof(nodes) / sizeof(nodes[0]))

static const struct node *node_get(fuse_ino_t ino)
{
	return ino >= 1 && ino <= N_NODES ? &nodes[ino - 1] : NULL;
}

static void node_stat(fuse_ino_t ino, struct stat *st)
{
	const struct node *n = &nodes[ino - 1];

	*st = (struct stat) { .st_ino = ino, .st_nlink = n->dir ? 2 : 1,
			      .st_mode = n->dir ? S_IFDIR | 0555 : S_IFREG | 0444,
			      .st_size = (off_t) n->size };
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	for (size_t i = 0; i < N_NODES; i++) {
		if (nodes[i].parent == parent && strcmp(nodes[i].name, name) == 0) {
			struct fuse_entry_param e = { .ino = i + 1, .attr_timeout = NULLFS_TIMEOUT,
						      .entry_timeout = NULLFS_TIMEOUT };

			node_stat(i + 1, &e.attr);
			(void) fuse_reply_entry(req, &e);
			return;
		}
	}
	(void) fuse_reply_err(req, ENOENT);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct stat st;

	(void) fi;
	if (!node_get(ino))
		return (void) fuse_reply_err(req, ENOENT);
	node_stat(ino, &st);
	(void) fuse_reply_attr(req, &st, NULLFS_TIMEOUT);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct node *n = node_get(ino);

	if (!n)
		return (void) fuse_reply_err(req, ENOENT);
	if (n->dir)
		return (void) fuse_reply_err(req, EISDIR);
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return (void) fuse_reply_err(req, EACCES);
	fi->direct_io = 1;	/* as lxcfs: every read() is a round trip */
	fi->keep_cache = 0;
	(void) fuse_reply_open(req, fi);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	const struct node *n = node_get(ino);

	(void) fi;
	if (!n || n->dir)
		return (void) fuse_reply_err(req, EINVAL);
	if (read_delay_ms) {
		struct timespec ts = { .tv_sec = read_delay_ms / 1000,
				       .tv_nsec = (long) (read_delay_ms % 1000) * 1000000 };

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
	}
	if (off < 0 || (size_t) off >= n->size)
		return (void) fuse_reply_buf(req, NULL, 0);
	if (size > n->size - (size_t) off)
		size = n->size - (size_t) off;
	(void) fuse_reply_buf(req, n->buf + off, size);
}

static const struct fuse_lowlevel_ops nullfs_ops = {
	.lookup = op_lookup,
	.getattr = op_getattr,
	.open = op_open,
	.read = op_read,
};

/* Fills every file with NULLFS_LINE-byte lines of text, the last one cut short. */
static int nodes_fill(void)
{
	for (size_t i = 0; i < N_NODES; i++) {
		struct node *n = &nodes[i];

		if (n->dir)
			continue;
		n->buf = malloc(n->size + 1);
		if (!n->buf)
			return -ENOMEM;
		for (size_t k = 0; k < n->size; k++)
			n->buf[k] = (k + 1) % NULLFS_LINE == 0 || k + 1 == n->size ?
					    '\n' : (char) ('a' + k % 26);
		n->buf[n->size] = '\0';
	}
	return 0;
}

static void nodes_free(void)
{
	for (size_t i = 0; i < N_NODES; i++) {
		free(nodes[i].buf);
		nodes[i].buf = NULL;
	}
}

/* "proc/meminfo=1472": sets that file's size; -EINVAL on anything else. */
static int size_option_apply(const char *arg)
{
	static const char *const paths[] = {
		"proc/meminfo", "proc/cpuinfo", "proc/stat", "proc/uptime", "proc/swaps",
		"proc/loadavg", "sys/devices/system/cpu/online",
	};
	static const fuse_ino_t inos[] = { 7, 8, 9, 10, 11, 12, 13 };
	const char *eq = strchr(arg, '=');
	unsigned long v;
	char *end;

	if (!eq || eq[1] < '0' || eq[1] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(eq + 1, &end, 10);
	if (*end != '\0' || errno == ERANGE || v > NULLFS_SIZE_MAX)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (strlen(paths[i]) == (size_t) (eq - arg) &&
		    strncmp(arg, paths[i], (size_t) (eq - arg)) == 0) {
			nodes[inos[i] - 1].size = v;
			return 0;
		}
	}
	return -EINVAL;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: nullfs [-f] [-s] [-p PIDFILE] [--size FILE=BYTES]... [--read-delay-ms N] MOUNTPOINT\n"
		   "A do-nothing FUSE filesystem serving fixed buffers at lxcfs's paths.\n"
		   "  -s  single-threaded loop (default: multi-threaded, clone_fd)\n");
}

int main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "foreground", no_argument,       NULL, 'f' },
		{ "single",     no_argument,       NULL, 's' },
		{ "pidfile",    required_argument, NULL, 'p' },
		{ "size",       required_argument, NULL, 'S' },
		{ "read-delay-ms", required_argument, NULL, 'D' },
		{ "help",       no_argument,       NULL, 'h' },
		{}
	};
	char *fuse_argv[] = { argv[0], "-o", "allow_other,default_permissions,fsname=nullfs",
			      NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, fuse_argv);
	struct fuse_loop_config *loop = NULL;
	struct fuse_session *se = NULL;
	const char *pidfile = NULL;
	bool single = false, mounted = false;
	int c, r, ret = EXIT_FAILURE;

	while ((c = getopt_long(argc, argv, "fsp:h", options, NULL)) >= 0) {
		switch (c) {
		case 'f':
			break;
		case 's':
			single = true;
			break;
		case 'p':
			pidfile = optarg;
			break;
		case 'S':
			if (size_option_apply(optarg) < 0) {
				fprintf(stderr, "nullfs: bad --size '%s'\n", optarg);
				return 2;
			}
			break;
		case 'D': {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (optarg[0] < '0' || optarg[0] > '9' || *end != '\0' || errno == ERANGE ||
			    v > NULLFS_DELAY_MAX_MS) {
				fprintf(stderr, "nullfs: bad --read-delay-ms '%s' (0..%u)\n", optarg,
					NULLFS_DELAY_MAX_MS);
				return 2;
			}
			read_delay_ms = (unsigned) v;
			break;
		}
		case 'h':
			usage(stdout);
			return EXIT_SUCCESS;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	if (nodes_fill() < 0) {
		fprintf(stderr, "nullfs: out of memory\n");
		goto out;
	}

	se = fuse_session_new(&args, &nullfs_ops, sizeof(nullfs_ops), NULL);
	if (!se) {
		fprintf(stderr, "nullfs: failed to create the FUSE session\n");
		goto out;
	}
	if (fuse_set_signal_handlers(se) < 0) {
		fprintf(stderr, "nullfs: failed to install signal handlers\n");
		goto out_session;
	}
	if (fuse_session_mount(se, argv[optind]) < 0) {
		fprintf(stderr, "nullfs: failed to mount on '%s'\n", argv[optind]);
		goto out_signals;
	}
	mounted = true;
	if (pidfile) {
		FILE *f = fopen(pidfile, "we");

		if (!f || fprintf(f, "%d\n", (int) getpid()) < 0 || fclose(f) != 0) {
			fprintf(stderr, "nullfs: failed to write '%s'\n", pidfile);
			goto out_unmount;
		}
	}

	if (single) {
		r = fuse_session_loop(se);
	} else {
		loop = fuse_loop_cfg_create();
		if (!loop) {
			fprintf(stderr, "nullfs: out of memory\n");
			goto out_unmount;
		}
		fuse_loop_cfg_set_clone_fd(loop, 1);
		fuse_loop_cfg_set_idle_threads(loop, 10);	/* as lxcfs */
		r = fuse_session_loop_mt(se, loop);
		fuse_loop_cfg_destroy(loop);
	}
	ret = r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;

out_unmount:
	if (mounted)
		fuse_session_unmount(se);
	if (pidfile)
		(void) unlink(pidfile);
out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out:
	nodes_free();
	fuse_opt_free_args(&args);
	return ret;
}
