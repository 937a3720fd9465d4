/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxlaunch: argv -> spec -> liblxlaunch call; maps errors to exit codes (man/lxlaunch.1). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "lxc.h"
#include "mgr-cli.h"
#include "parse-util.h"
#include "responder.h"
#include "spec.h"

enum {
	EXIT_OK = 0,
	EXIT_RUNTIME = 1,	/* liblxc or the host failed */
	EXIT_USAGE = 2,		/* unknown option, bad value */
	EXIT_NOT_FOUND = 3,	/* container, rootfs or profile not found */
	EXIT_EXISTS = 4,	/* name taken */
	EXIT_NO_DEVICE = 5,	/* bridge missing */
	EXIT_PRIVILEGE = 6,	/* not root, no subordinate ids */
	EXIT_LAUNCHER = 125,	/* run/exec: lxlaunch itself failed (docker/podman convention) */
};

#define STOP_TIMEOUT_DEFAULT 10
#define SYSINFO_SOCK_DIR "/run/lxkit"	/* root only (0700): the proxy socket of run */

static const char *arg_lxcpath = LXL_DEFAULT_LXCPATH;
static const char *arg_log_file;
static const char *arg_log_level;
static int arg_timeout = STOP_TIMEOUT_DEFAULT;
static struct lxl_spec arg_spec;

static void err_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void err_line(const char *fmt, ...)
{
	va_list ap;

	fputs("lxlaunch: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int exit_code_of(int r)
{
	switch (-r) {
	case EINVAL:
	case ERANGE:
		return EXIT_USAGE;
	case ENOENT:
	case ENOTDIR:
		return EXIT_NOT_FOUND;
	case EEXIST:
		return EXIT_EXISTS;
	case ENODEV:
		return EXIT_NO_DEVICE;
	case EPERM:
	case EACCES:
		return EXIT_PRIVILEGE;
	default:
		return EXIT_RUNTIME;
	}
}

/* Prints the error once and returns the exit code for it */
static int fail(int r, const struct lxl_error *err)
{
	if (err && err->msg[0])
		err_line("%s", err->msg);
	else
		err_line("%s", strerror(-r));
	return exit_code_of(r);
}

static void usage(FILE *f)
{
	fputs("Usage: lxlaunch COMMAND [OPTIONS] [NAME] [-- CMD [ARG...]]\n"
	      "\n"
	      "Commands:\n"
	      "  create NAME            create a container from a spec (options below)\n"
	      "  start NAME             start it (--lxcfs DIR, --no-lxcfs)\n"
	      "  stop NAME              shut it down (--timeout S, then kill)\n"
	      "  restart NAME           stop, then start\n"
	      "  delete NAME            stop (kill) and destroy it\n"
	      "  list                   list the containers\n"
	      "  info NAME              state, init pid and limits\n"
	      "  exec NAME -- CMD...    run CMD in a running container, exit with its status\n"
	      "  run [OPTIONS] -- CMD...  create, start, run CMD, destroy; exit with CMD's status\n"
	      "\n"
	      "Manager (lxmanagerd): storage, volume, snapshot, device, freeze, unfreeze, copy,\n"
	      "console always go to the manager, the other commands (but run) with --remote or\n"
	      "when its socket exists\n"
	      "(--socket PATH, $LXKIT_SOCKET, /run/lxkit/manager.socket); --local or --lxcpath\n"
	      "keeps them on liblxc.\n"
	      "See 'lxlaunch storage --help'.\n"
	      "\n"
	      "Spec options (create, run):\n"
	      "  --name NAME  --template busybox | --rootfs DIR\n"
	      "  --memory SIZE  --memory-swap SIZE  --cpus N.NNN  --cpuset LIST  --pids N\n"
	      "  --io-weight 1..10000  --network none|host|bridge=BR  --userns\n"
	      "  --cap-drop LIST  --cap-add LIST  --seccomp default|unconfined|PROFILE\n"
	      "  --apparmor PROFILE|unconfined  --selinux CONTEXT  --lxcfs DIR  --no-lxcfs\n"
	      "Common options:\n"
	      "  --lxcpath DIR (default " LXL_DEFAULT_LXCPATH ")  --log-file FILE  --log-level LEVEL\n"
	      "  --timeout S (stop, restart; default 10)  -h, --help\n"
	      "\n"
	      "Exit codes: 0 ok, 1 runtime failure, 2 usage or bad value, 3 not found, 4 name taken,\n"
	      "5 missing device, 6 insufficient privileges; run/exec: 125 lxlaunch failed, 126 command\n"
	      "not executable, 127 command not found, else the command's status.\n", f);
}

enum {
	OPT_LXCPATH = 0x100,
	OPT_LOG_FILE,
	OPT_LOG_LEVEL,
	OPT_TIMEOUT,
	OPT_SPEC,	/* the spec options: long name = lxl_spec_set() key */
	OPT_ROUTE,	/* --local, --socket: routing, decided before (mgr_route_scan) */
};

static const struct option options[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "lxcpath", required_argument, NULL, OPT_LXCPATH },
	{ "log-file", required_argument, NULL, OPT_LOG_FILE },
	{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "name", required_argument, NULL, OPT_SPEC },
	{ "template", required_argument, NULL, OPT_SPEC },
	{ "rootfs", required_argument, NULL, OPT_SPEC },
	{ "memory", required_argument, NULL, OPT_SPEC },
	{ "memory-swap", required_argument, NULL, OPT_SPEC },
	{ "cpus", required_argument, NULL, OPT_SPEC },
	{ "cpuset", required_argument, NULL, OPT_SPEC },
	{ "pids", required_argument, NULL, OPT_SPEC },
	{ "io-weight", required_argument, NULL, OPT_SPEC },
	{ "network", required_argument, NULL, OPT_SPEC },
	{ "userns", no_argument, NULL, OPT_SPEC },
	{ "cap-drop", required_argument, NULL, OPT_SPEC },
	{ "cap-add", required_argument, NULL, OPT_SPEC },
	{ "seccomp", required_argument, NULL, OPT_SPEC },
	{ "apparmor", required_argument, NULL, OPT_SPEC },
	{ "selinux", required_argument, NULL, OPT_SPEC },
	{ "lxcfs", required_argument, NULL, OPT_SPEC },
	{ "no-lxcfs", no_argument, NULL, OPT_SPEC },
	{ "local", no_argument, NULL, OPT_ROUTE },
	{ "socket", required_argument, NULL, OPT_ROUTE },
	{}
};

enum verb { VERB_CREATE, VERB_START, VERB_STOP, VERB_RESTART, VERB_DELETE, VERB_LIST, VERB_INFO,
	    VERB_EXEC, VERB_RUN, VERB_MAX, VERB_INVALID = -EINVAL };

static const char * const verb_names[VERB_MAX] = {
	[VERB_CREATE] = "create", [VERB_START] = "start", [VERB_STOP] = "stop",
	[VERB_RESTART] = "restart", [VERB_DELETE] = "delete", [VERB_LIST] = "list",
	[VERB_INFO] = "info", [VERB_EXEC] = "exec", [VERB_RUN] = "run",
};

/* Which options a verb accepts beyond the common ones */
static bool verb_takes_spec(enum verb v, const char *key)
{
	switch (v) {
	case VERB_CREATE:
	case VERB_RUN:
		return true;
	case VERB_START:
	case VERB_RESTART:
		return streq(key, "lxcfs") || streq(key, "no-lxcfs");
	default:
		return false;
	}
}

static enum verb verb_from_string(const char *s)
{
	for (int i = 0; i < VERB_MAX; i++)
		if (streq(verb_names[i], s))
			return (enum verb) i;
	return VERB_INVALID;
}

/* The lxcfs dir the mount hook should bind from: --lxcfs, or NULL (the hook's default). With
 * --no-lxcfs a container created with the hook gets a directory without proc/, where the
 * hook finds nothing to bind and returns. */
static const char *lxcfs_dir_for_start(void)
{
	return arg_spec.no_lxcfs ? LXL_LXCFS_NONE : arg_spec.lxcfs_dir;
}

/* Parses the options after the verb. Returns the index of the first operand or an exit code
 * (negative: -EXIT_x). */
static int parse_argv(enum verb verb, int argc, char *argv[])
{
	struct lxl_error err = {};
	int c, idx, r;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", options, &idx)) >= 0) {
		switch (c) {
		case 'h':
			usage(stdout);
			exit(EXIT_OK);
		case OPT_LXCPATH:
			if (optarg[0] != '/') {
				err_line("Invalid --lxcpath value '%s': expected an absolute path", optarg);
				return -EXIT_USAGE;
			}
			arg_lxcpath = optarg;
			break;
		case OPT_LOG_FILE:
			arg_log_file = optarg;
			break;
		case OPT_LOG_LEVEL:
			arg_log_level = optarg;
			break;
		case OPT_TIMEOUT: {
			uint64_t t;

			if (safe_atou64(optarg, &t) < 0 || t > 3600 || optarg[0] == ' ') {
				err_line("Invalid --timeout value '%s': expected seconds, 0 to 3600", optarg);
				return -EXIT_USAGE;
			}
			arg_timeout = (int) t;
			break;
		}
		case OPT_SPEC: {
			const char *key = options[idx].name;

			if (!verb_takes_spec(verb, key)) {
				err_line("Option '--%s' does not apply to '%s'", key, verb_names[verb]);
				return -EXIT_USAGE;
			}
			r = lxl_spec_set(&arg_spec, key, optarg, &err);
			if (r < 0) {
				err_line("%s", err.msg);
				return -EXIT_USAGE;
			}
			break;
		}
		case OPT_ROUTE:
			break;
		case ':':
			err_line("Option '%s' needs a value", argv[optind - 1]);
			return -EXIT_USAGE;
		default:
			if (optopt)
				err_line("Unknown option '-%c' (see 'lxlaunch --help')", optopt);
			else
				err_line("Unknown option '%s' (see 'lxlaunch --help')", argv[optind - 1]);
			return -EXIT_USAGE;
		}
	}
	return optind;
}

static int verb_create(bool quiet)
{
	struct lxl_error err = {};
	int r;

	r = lxl_spec_validate(&arg_spec, true, &err);
	if (r < 0)
		return fail(r, &err);
	r = lxl_create(&arg_spec, arg_lxcpath, NULL, &err);
	if (r < 0)
		return fail(r, &err);
	if (!quiet)
		printf("Created container '%s'\n", arg_spec.name);
	return EXIT_OK;
}

static int verb_list(void)
{
	struct lxl_error err = {};
	struct lxl_info *infos;
	size_t n;
	int r;

	r = lxl_list(arg_lxcpath, &infos, &n, &err);
	if (r < 0)
		return fail(r, &err);
	printf("%-32s %-10s %s\n", "NAME", "STATE", "PID");
	for (size_t i = 0; i < n; i++) {
		printf("%-32s %-10s %d\n", infos[i].name, infos[i].state, (int) infos[i].init_pid);
		lxl_info_done(&infos[i]);
	}
	free(infos);
	return EXIT_OK;
}

static int verb_info(const char *name)
{
	_cleanup_(lxl_info_done) struct lxl_info info = {};
	struct lxl_error err = {};
	int r;

	r = lxl_info_get(arg_lxcpath, name, &info, &err);
	if (r < 0)
		return fail(r, &err);
	printf("Name: %s\nState: %s\n", info.name, info.state);
	if (info.init_pid > 0)
		printf("PID: %d\n", (int) info.init_pid);
	printf("Memory: %s\nMemory+swap: %s\nCPU quota/period: %s\nCPU set: %s\nPids: %s\nNetwork: %s\n",
	       info.memory ?: "unlimited", info.memory_swap ?: "unlimited", info.cpu ?: "unlimited",
	       info.cpuset ?: "all", info.pids ?: "unlimited", info.network ?: "default");
	return EXIT_OK;
}

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;	/* lxl_exec() passes it on to the command; we clean up after */
}

/* lxl_execute()'s callback: the responder samples the container's load from its start */
static void watch_load(pid_t init_pid, void *userdata)
{
	if (sysinfo_responder_watch(userdata, init_pid) < 0)
		err_line("Failed to sample the container's load, ignoring");
}

static int verb_run(char * const cmd[])
{
	struct lxl_error err = {};
	char name[LXL_NAME_MAX + 1];
	struct sigaction sa = { .sa_handler = on_signal };
	_cleanup_(sysinfo_responder_freep) struct sysinfo_responder *si = NULL;
	char sock[sizeof(SYSINFO_SOCK_DIR "/sysinfo-.sock") + 16];
	int r, status = EXIT_LAUNCHER;

	if (!arg_spec.name) {
		struct timespec ts;

		(void) clock_gettime(CLOCK_MONOTONIC, &ts);
		r = snprintf(name, sizeof(name), "lxlaunch-run-%d-%ld", (int) getpid(), (long) (ts.tv_nsec % 100000));
		if (r < 0 || (size_t) r >= sizeof(name))
			return EXIT_LAUNCHER;
		if (lxl_spec_set(&arg_spec, "name", name, &err) < 0) {
			fail(-EINVAL, &err);
			return EXIT_LAUNCHER;
		}
	}
	r = lxl_spec_validate(&arg_spec, true, &err);
	if (r < 0) {
		fail(r, &err);
		return EXIT_LAUNCHER;
	}
	/* from here on the container must go away whatever happens */
	(void) sigaction(SIGINT, &sa, NULL);
	(void) sigaction(SIGTERM, &sa, NULL);
	(void) sigaction(SIGHUP, &sa, NULL);

	/* sysinfo(2) interception: run lives as long as its container, so it can answer LXC's
	 * notify proxy (launcher/sysinfo). It listens before the start: the monitor connects
	 * once, at start. */
	if (arg_spec.seccomp != LXL_SECCOMP_UNCONFINED) {
		r = snprintf(sock, sizeof(sock), SYSINFO_SOCK_DIR "/sysinfo-%d.sock", (int) getpid());
		if (r < 0 || (size_t) r >= sizeof(sock))
			return EXIT_LAUNCHER;
		if (mkdir(SYSINFO_SOCK_DIR, 0700) < 0 && errno != EEXIST) {
			err_line("Failed to create '%s': %m", SYSINFO_SOCK_DIR);
			return EXIT_LAUNCHER;
		}
		r = sysinfo_responder_new(sock, &si);
		if (r < 0) {
			err_line("Failed to listen on '%s' for sysinfo calls: %s", sock, strerror(-r));
			return EXIT_LAUNCHER;
		}
	}

	r = lxl_create(&arg_spec, arg_lxcpath, si ? sock : NULL, &err);
	if (r < 0) {
		fail(r, &err);
		return EXIT_LAUNCHER;
	}
	if (si) {
		r = sysinfo_responder_start(si);
		if (r < 0)
			lxl_error_set(&err, r, "Failed to start the sysinfo responder: %s", strerror(-r));
	}
	if (r < 0)
		fail(r, &err);
	else if (got_signal)
		err_line("Interrupted by signal %d before the command ran", (int) got_signal);
	else {
		/* the command is the container's own (execute mode), not attached: see lxl_execute() */
		r = lxl_execute(arg_lxcpath, arg_spec.name, lxcfs_dir_for_start(), cmd, &got_signal,
				si ? watch_load : NULL, si, &status, &err);
		if (r == -ENOENT || r == -EACCES)
			err_line("%s", err.msg);	/* status is 127 or 126 */
		else if (r < 0) {
			fail(r, &err);
			status = EXIT_LAUNCHER;
		}
	}
	err = (struct lxl_error) {};
	r = lxl_destroy(arg_lxcpath, arg_spec.name, &err);
	if (r < 0) {
		fail(r, &err);
		return EXIT_LAUNCHER;
	}
	return status;
}

int main(int argc, char *argv[])
{
	struct lxl_error err = {};
	struct mgr_route route;
	enum verb verb;
	const char *name = NULL;
	char **cmd = NULL;
	int first, nops, r;

	lxl_spec_init(&arg_spec);
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (streq(argv[1], "-h") || streq(argv[1], "--help")) {
		usage(stdout);
		return EXIT_OK;
	}
	/* the manager's commands, and the instance commands routed to it (spec §9) */
	r = mgr_route_scan(argc - 1, argv + 1, &route);
	if (r)
		return r;
	if (mgr_verb_is_manager_only(argv[1]))
		return mgr_cli_main(argc - 1, argv + 1);
	verb = verb_from_string(argv[1]);
	if (verb >= 0 && verb != VERB_RUN && mgr_route_is_remote(&route))
		return mgr_cli_main(argc - 1, argv + 1);
	if (verb < 0) {
		err_line("Unknown command '%s' (see 'lxlaunch --help')", argv[1]);
		return EXIT_USAGE;
	}

	first = parse_argv(verb, argc - 1, argv + 1);
	if (first < 0)
		return (verb == VERB_RUN || verb == VERB_EXEC) ? EXIT_LAUNCHER : -first;
	first += 1;	/* index into argv */

	/* operands: NAME for most verbs, then "--" CMD... for exec and run */
	nops = argc - first;
	if (verb == VERB_EXEC || verb == VERB_RUN) {
		/* getopt consumed "--": everything after the name (exec) or from first (run) is CMD */
		if (verb == VERB_EXEC) {
			if (nops < 1) {
				err_line("Command 'exec' needs a container name");
				return EXIT_LAUNCHER;
			}
			name = argv[first];
			/* "exec NAME -- CMD": getopt permuted NAME before "--" */
			cmd = argv + first + 1;
			if (cmd[0] && streq(cmd[0], "--"))
				cmd++;
		} else {
			cmd = argv + first;
		}
		if (!cmd[0]) {
			err_line("Command '%s' needs a command to run after '--'", verb_names[verb]);
			return EXIT_LAUNCHER;
		}
	} else if (verb == VERB_LIST) {
		if (nops > 0) {
			err_line("Command 'list' takes no operand ('%s')", argv[first]);
			return EXIT_USAGE;
		}
	} else {
		if (nops < 1 && !(verb == VERB_CREATE && arg_spec.name)) {
			err_line("Command '%s' needs a container name", verb_names[verb]);
			return EXIT_USAGE;
		}
		if (nops > 1) {
			err_line("Unexpected operand '%s'", argv[first + 1]);
			return EXIT_USAGE;
		}
		if (nops == 1) {
			name = argv[first];
			if (verb == VERB_CREATE) {
				if (arg_spec.name && !streq(arg_spec.name, name)) {
					err_line("Two names given: '%s' and '%s'", arg_spec.name, name);
					return EXIT_USAGE;
				}
				r = lxl_spec_set(&arg_spec, "name", name, &err);
				if (r < 0)
					return fail(r, &err);
			} else if (!lxl_name_is_valid(name)) {
				err_line("Invalid container name '%s'", name);
				return EXIT_USAGE;
			}
		}
	}
	if (name && verb == VERB_EXEC && !lxl_name_is_valid(name)) {
		err_line("Invalid container name '%s'", name);
		return EXIT_LAUNCHER;
	}

	if (geteuid() != 0) {
		err_line("Insufficient privileges: '%s' needs root (running as uid %d)", verb_names[verb],
			 (int) geteuid());
		return (verb == VERB_RUN || verb == VERB_EXEC) ? EXIT_LAUNCHER : EXIT_PRIVILEGE;
	}
	if (arg_log_file && lxl_log_open(arg_log_file, arg_log_level, name ?: arg_spec.name, arg_lxcpath) < 0)
		err_line("Failed to open the log file '%s', ignoring", arg_log_file);

	switch (verb) {
	case VERB_CREATE:
		r = verb_create(false);
		break;
	case VERB_START:
		r = lxl_start(arg_lxcpath, name, lxcfs_dir_for_start(), &err);
		r = r < 0 ? fail(r, &err) : EXIT_OK;
		break;
	case VERB_STOP:
		r = lxl_stop(arg_lxcpath, name, arg_timeout, &err);
		r = r < 0 ? fail(r, &err) : EXIT_OK;
		break;
	case VERB_RESTART:
		r = lxl_stop(arg_lxcpath, name, arg_timeout, &err);
		if (r >= 0)
			r = lxl_start(arg_lxcpath, name, lxcfs_dir_for_start(), &err);
		r = r < 0 ? fail(r, &err) : EXIT_OK;
		break;
	case VERB_DELETE:
		r = lxl_destroy(arg_lxcpath, name, &err);
		r = r < 0 ? fail(r, &err) : EXIT_OK;
		break;
	case VERB_LIST:
		r = verb_list();
		break;
	case VERB_INFO:
		r = verb_info(name);
		break;
	case VERB_EXEC: {
		int status;

		r = lxl_exec(arg_lxcpath, name, cmd, NULL, &status, &err);
		if (r < 0) {
			fail(r, &err);
			r = EXIT_LAUNCHER;
		} else
			r = status;
		break;
	}
	case VERB_RUN:
		r = verb_run(cmd);
		break;
	default:
		r = EXIT_USAGE;
	}
	fflush(stdout);
	lxl_spec_done(&arg_spec);
	return r;
}
