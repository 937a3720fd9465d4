/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxcfs: argv, pidfile, mount and the FUSE session loop; owns the session, the inode table and
 * the signals. Everything else is liblxcfs.so (lxcfs/lib-api.h), replaced on SIGUSR1. */
#define FUSE_USE_VERSION 312
#include <fuse_lowlevel.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cleanup.h"
#include "config.h"
#include "inode.h"
#include "library.h"
#include "log.h"
#include "loop.h"
#include "recovery.h"
#include "strbuf.h"

static bool arg_debug;
static bool arg_foreground;
static bool arg_loadavg;
static bool arg_swap_off;
static bool arg_cfs;
static bool arg_disable_cgroup;
static bool arg_remount_containers;
static enum { FUSE_LOOP_ADAPTIVE, FUSE_LOOP_SINGLE, FUSE_LOOP_MULTI } arg_fuse_loop;
static const char *arg_pidfile = LXCFS_DEFAULT_PIDFILE;
static const char *arg_fuse_opts;
static const char *arg_mountpoint;

/* SIGUSR2 toggles it; the library reads it through lxcfs_core.virtualize */
static atomic_bool virtualize = true;

static void usage(void)
{
	fprintf(stderr,
		"Usage: lxcfs [-f|-d] [-l] [-u] [-p pidfile] [--enable-cfs] [--enable-pidfd]\n"
		"             [--disable-cgroup] [--remount-containers] [-o fuse_options] mountpoint\n"
		"\n"
		"Container-aware /proc and /sys files for the cgroups of each reader.\n"
		"\n"
		"Options:\n"
		"  -d, --debug          FUSE debug output (implies foreground)\n"
		"  -f, --foreground     run in the foreground (always the case)\n"
		"  -h, --help           this text\n"
		"  -l, --enable-loadavg per-container load average (sampled every 5 s)\n"
		"  -o OPTIONS           extra FUSE mount options\n"
		"  -p, --pidfile FILE   pidfile to lock (default %s)\n"
		"  -s                   single-threaded (as LXCFS's -s): --fuse-loop single\n"
		"  --fuse-loop MODE     adaptive (default: one thread while requests come one at a\n"
		"                       time, more when they queue up), single, or multi (libfuse's\n"
		"                       multi-threaded loop)\n"
		"  -u, --disable-swap   show no swap in meminfo and swaps\n"
		"  -v, --version        print the version\n"
		"  --enable-cfs         CPU count from the CFS quota/period (cpuinfo, stat, online)\n"
		"  --disable-cgroup     no virtual cgroupfs (the cgroup/ directory)\n"
		"  --enable-pidfd       accepted for compatibility (pidfds are always used)\n"
		"  --enable-psi-poll    accepted for compatibility (PSI triggers and poll always work)\n"
		"  --remount-containers after mounting, bind the new views again into the containers\n"
		"                       whose binds point at a dead lxcfs (after a crash)\n",
		LXCFS_DEFAULT_PIDFILE);
}

/* Parses argv into arg_*. Returns 0 to run, 1 to exit 0 (version), -EINVAL on usage errors
 * (usage printed), -ENOTRECOVERABLE for --help (exit 1 like LXCFS). */
static int parse_argv(int argc, char *argv[])
{
	enum { ARG_ENABLE_CFS = 0x100, ARG_ENABLE_PIDFD, ARG_ENABLE_PSI_POLL, ARG_REMOUNT_CONTAINERS,
	       ARG_DISABLE_CGROUP, ARG_FUSE_LOOP };
	static const struct option options[] = {
		{ "debug", no_argument, NULL, 'd' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ "enable-loadavg", no_argument, NULL, 'l' },
		{ "pidfile", required_argument, NULL, 'p' },
		{ "disable-swap", no_argument, NULL, 'u' },
		{ "version", no_argument, NULL, 'v' },
		{ "enable-cfs", no_argument, NULL, ARG_ENABLE_CFS },
		{ "enable-pidfd", no_argument, NULL, ARG_ENABLE_PIDFD },
		{ "enable-psi-poll", no_argument, NULL, ARG_ENABLE_PSI_POLL },
		{ "remount-containers", no_argument, NULL, ARG_REMOUNT_CONTAINERS },
		{ "disable-cgroup", no_argument, NULL, ARG_DISABLE_CGROUP },
		{ "fuse-loop", required_argument, NULL, ARG_FUSE_LOOP },
		{}
	};
	int c;

	while ((c = getopt_long(argc, argv, "dfhlo:p:suv", options, NULL)) >= 0) {
		switch (c) {
		case 'd':
			arg_debug = true;
			break;
		case 'f':
			arg_foreground = true;
			break;
		case 'h':
			usage();
			return -ENOTRECOVERABLE;
		case 'l':
			arg_loadavg = true;
			break;
		case 'o':
			if (arg_fuse_opts) {
				fprintf(stderr, "lxcfs: only one -o option is supported\n");
				usage();
				return -EINVAL;
			}
			arg_fuse_opts = optarg;
			break;
		case 'p':
			arg_pidfile = optarg;
			break;
		case 's':
			arg_fuse_loop = FUSE_LOOP_SINGLE;
			break;
		case 'u':
			arg_swap_off = true;
			break;
		case 'v':
			fprintf(stderr, "%s\n", PACKAGE_VERSION);
			return 1;
		case ARG_ENABLE_CFS:
			arg_cfs = true;
			break;
		case ARG_ENABLE_PIDFD:
		case ARG_ENABLE_PSI_POLL:	/* LXCFS 7.0: triggers are always available here */
			break;
		case ARG_REMOUNT_CONTAINERS:
			arg_remount_containers = true;
			break;
		case ARG_DISABLE_CGROUP:
			arg_disable_cgroup = true;
			break;
		case ARG_FUSE_LOOP:
			if (strcmp(optarg, "adaptive") == 0)
				arg_fuse_loop = FUSE_LOOP_ADAPTIVE;
			else if (strcmp(optarg, "single") == 0)
				arg_fuse_loop = FUSE_LOOP_SINGLE;
			else if (strcmp(optarg, "multi") == 0)
				arg_fuse_loop = FUSE_LOOP_MULTI;
			else {
				fprintf(stderr, "lxcfs: --fuse-loop: unknown mode '%s' (adaptive, single, multi)\n",
					optarg);
				usage();
				return -EINVAL;
			}
			break;
		default:
			usage();
			return -EINVAL;
		}
	}
	if (arg_debug && arg_foreground) {
		fprintf(stderr, "lxcfs: both --debug and --foreground specified\n");
		usage();
		return -EINVAL;
	}
	if (optind == argc) {
		usage();
		return -EINVAL;
	}
	if (argc - optind > 1) {
		fprintf(stderr, "lxcfs: missing mountpoint or too many arguments\n");
		usage();
		return -EINVAL;
	}
	arg_mountpoint = argv[optind];
	return 0;
}

/* Builds the -o string: the user's options minus those lxcfs forces, then ours. */
static int build_fuse_opts(struct strbuf *out)
{
	static const char *const forced[] = { "allow_other", "direct_io", "entry_timeout",
					       "attr_timeout", "nonempty", "fsname", "subtype" };
	_cleanup_free_ char *copy = arg_fuse_opts ? strdup(arg_fuse_opts) : NULL;
	char *save = NULL;
	int r;

	if (arg_fuse_opts && !copy)
		return -ENOMEM;
	for (char *tok = copy ? strtok_r(copy, ",", &save) : NULL; tok; tok = strtok_r(NULL, ",", &save)) {
		bool drop = false;

		for (size_t i = 0; i < ELEMENTSOF(forced); i++) {
			size_t n = strlen(forced[i]);

			if (strncmp(tok, forced[i], n) == 0 && (tok[n] == 0 || tok[n] == '='))
				drop = true;
		}
		if (drop)
			continue;
		r = strbuf_appendf(out, "%s,", tok);
		if (r < 0)
			return r;
	}
	return strbuf_appends(out, "allow_other,fsname=lxcfs,subtype=lxcfs");
}

/* Creates and locks the pidfile. Returns the fd (kept open for the daemon's life) or -errno;
 * -EWOULDBLOCK when another instance holds it (its file is left untouched). */
static int pidfile_acquire(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char buf[32];
	int n;

	if (fd < 0)
		return -errno;
	if (fcntl(fd, F_SETLK, &fl) < 0)
		return errno == EACCES || errno == EAGAIN ? -EWOULDBLOCK : -errno;
	if (ftruncate(fd, 0) < 0)
		return -errno;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long) getpid());
	if (n < 0 || (size_t) n >= sizeof(buf) || write(fd, buf, (size_t) n) != n)
		return -EIO;
	return TAKE_FD(fd);
}

/* SIGUSR1: load liblxcfs.so again (live upgrade, lxcfs/core/library.h). The reloader thread
 * does it; requests keep being served by the old copy until the new one is in place. */
static void on_sigusr1(int sig)
{
	core_library_request_reload();
}

static void on_sigusr2(int sig)
{
	static const char off[] = "lxcfs: Switched into non-virtualization mode\n";
	static const char on[] = "lxcfs: Switched into virtualization mode\n";
	bool was = atomic_load(&virtualize);

	atomic_store(&virtualize, !was);	/* only this handler writes it */

	(void) !write(STDERR_FILENO, was ? off : on, (was ? sizeof(off) : sizeof(on)) - 1);
}

int main(int argc, char *argv[])
{
	_cleanup_(strbuf_done) struct strbuf opts = STRBUF_INIT(65536);
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	static struct inode_table inodes;
	static struct lxcfs_core core;
	_cleanup_free_ char *lib_path = NULL;
	struct fuse_session *se = NULL;
	struct fuse_loop_config *loop = NULL;
	struct sigaction sa = {};
	int r, pidfd = -EBADF, ret = EXIT_FAILURE;

	/* glibc gives each new thread a malloc arena of its own, up to 8 per CPU: with up to 16
	 * request threads that is most of the daemon's RSS for little gain; two arenas keep
	 * 200 readers in 200 cgroups under 10 MB (tests/bench) */
	(void) mallopt(M_ARENA_MAX, 2);
	r = parse_argv(argc, argv);
	if (r == 1)
		return EXIT_SUCCESS;
	if (r < 0)
		return EXIT_FAILURE;
	if (arg_debug)
		log_set_max_level(LOG_LEVEL_DEBUG);

	pidfd = pidfile_acquire(arg_pidfile);
	if (pidfd == -EWOULDBLOCK) {
		log_error("PID file '%s' is already locked", arg_pidfile);
		return EXIT_FAILURE;
	}
	if (pidfd < 0) {
		log_error_errno(pidfd, "Failed to create PID file '%s': %m", arg_pidfile);
		return EXIT_FAILURE;
	}

	r = inode_table_init(&inodes);
	if (r < 0) {
		log_error_errno(r, "Failed to allocate the inode table: %m");
		goto out_pidfile;
	}
	core = (struct lxcfs_core) {
		.abi = LXCFS_LIB_ABI,
		.inodes = &inodes,
		.inode_get = inode_get,
		.inode_ref = inode_ref,
		.inode_forget = inode_forget,
		.reply_open = core_reply_open,
		.virtualize = &virtualize,
		.log_level = arg_debug ? LOG_LEVEL_DEBUG : LOG_LEVEL_INFO,
		.swap_disabled = arg_swap_off,
		.cfs = arg_cfs,
		.loadavg = arg_loadavg,
		.cgroup_disabled = arg_disable_cgroup,
	};
	r = core_library_path(LXCFS_LIBDIR, &lib_path);
	if (r < 0)
		goto out_inodes;
	r = core_library_load_first(lib_path, &core);
	if (r < 0) {
		log_error_errno(r, "Failed to load '%s': %m", lib_path);
		goto out_inodes;
	}

	r = build_fuse_opts(&opts);
	if (r < 0 || fuse_opt_add_arg(&args, argv[0]) < 0 || fuse_opt_add_arg(&args, "-o") < 0 ||
	    fuse_opt_add_arg(&args, opts.buf) < 0 || (arg_debug && fuse_opt_add_arg(&args, "-d") < 0)) {
		log_error("Failed to build the FUSE arguments");
		goto out_inodes;
	}
	se = fuse_session_new(&args, &core_dispatch_ops, sizeof(core_dispatch_ops), NULL);
	if (!se) {
		log_error("Failed to create the FUSE session (options '%s')", opts.buf);
		goto out_inodes;
	}
	if (fuse_set_signal_handlers(se) < 0) {
		log_error("Failed to install the signal handlers");
		goto out_session;
	}
	r = core_library_start_reloader();
	if (r < 0) {
		log_error_errno(r, "Failed to start the library reloader: %m");
		goto out_signals;
	}
	sa.sa_handler = on_sigusr1;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	(void) sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_sigusr2;
	(void) sigaction(SIGUSR2, &sa, NULL);

	r = recovery_detach_stale(arg_mountpoint);	/* a mount left by a killed daemon */
	if (r < 0) {
		log_error_errno(r, "Failed to clean up the stale mount on '%s': %m", arg_mountpoint);
		goto out_signals;
	}
	if (fuse_session_mount(se, arg_mountpoint) < 0) {
		log_error("Failed to mount lxcfs on '%s'", arg_mountpoint);
		goto out_signals;
	}
	log_info("Mounted on '%s'", arg_mountpoint);
	if (arg_remount_containers) {
		r = recovery_remount_containers(arg_mountpoint);
		if (r < 0)
			log_warning_errno(r, "Failed to start re-binding the containers' views: %m, ignoring");
	}
	loop = fuse_loop_cfg_create();
	if (!loop) {
		log_error("Failed to allocate the FUSE loop configuration");
		goto out_unmount;
	}
	fuse_loop_cfg_set_clone_fd(loop, 1);
	fuse_loop_cfg_set_idle_threads(loop, 10);
	switch (arg_fuse_loop) {
	case FUSE_LOOP_SINGLE:
		r = loop_run(se, 1);
		break;
	case FUSE_LOOP_MULTI:
		r = fuse_session_loop_mt(se, loop);
		break;
	default:
		r = loop_run(se, 0);
		break;
	}
	ret = r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
	log_info("Unmounting '%s'", arg_mountpoint);
	fuse_loop_cfg_destroy(loop);
out_unmount:
	/* the library's threads first: PSI notifications write to the /dev/fuse fd unmount closes */
	core_library_shutdown();
	fuse_session_unmount(se);
out_signals:
	fuse_remove_signal_handlers(se);
	signal(SIGUSR1, SIG_IGN);
	signal(SIGUSR2, SIG_IGN);
out_session:
	fuse_session_destroy(se);
out_inodes:
	core_library_shutdown();	/* no-op when it ran already */
	inode_table_done(&inodes);
out_pidfile:
	(void) unlink(arg_pidfile);
	(void) close(pidfd);
	fuse_opt_free_args(&args);
	return ret;
}
