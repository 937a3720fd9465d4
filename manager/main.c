/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxmanagerd: argv, state-dir lock, database, reconcile, API socket, glib main loop. */
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "api/api.h"
#include "api/server.h"
#include "autostart.h"
#include "db/db.h"
#include "instances.h"
#include "log.h"
#include "mgr.h"
#include "ops/ops.h"
#include "storage/reconcile.h"

static char *arg_state_dir = NULL;
static char *arg_socket = NULL;
static char *arg_runtime_dir = NULL;
static char *arg_log_level = NULL;
static char *arg_test_pause = NULL;
static char *arg_test_fail = NULL;
static gboolean arg_dump_routes = FALSE;
static gboolean arg_version = FALSE;

static const GOptionEntry arg_entries[] = {
	{ "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &arg_state_dir,
	  "Database, loop files, pool mount points (default /var/lib/lxkit)", "DIR" },
	{ "socket", 0, 0, G_OPTION_ARG_FILENAME, &arg_socket,
	  "API socket (default /run/lxkit/manager.socket)", "PATH" },
	{ "runtime-dir", 0, 0, G_OPTION_ARG_FILENAME, &arg_runtime_dir,
	  "Runtime files and test-hook files (default /run/lxkit)", "DIR" },
	{ "log-level", 0, 0, G_OPTION_ARG_STRING, &arg_log_level,
	  "debug, info (default), warn or error", "LEVEL" },
	{ "test-pause", 0, 0, G_OPTION_ARG_STRING, &arg_test_pause,
	  "Test hook: pause after each step matching GLOB", "GLOB" },
	{ "test-fail", 0, 0, G_OPTION_ARG_STRING, &arg_test_fail,
	  "Test hook: fail each step matching GLOB instead of running it", "GLOB" },
	{ "dump-routes", 0, 0, G_OPTION_ARG_NONE, &arg_dump_routes,
	  "Print the API routes (METHOD PATH) and exit", NULL },
	{ "version", 0, 0, G_OPTION_ARG_NONE, &arg_version, "Print the version and exit", NULL },
	{ NULL },
};

static GMainLoop *main_loop;
/* The daemon's state. Static, not on main()'s stack: at exit a worker may still be paused
 * in a step (test hooks) or finishing a GET, so the database stays open until the process
 * ends (SQLite's WAL keeps it consistent), and this keeps it reachable for LeakSanitizer. */
static struct mgr m;

/* Unavailable pools are tried again in a thread of their own (a mount can block) */
static gpointer recheck_thread(gpointer data)
{
	(void) storage_pools_recheck(&m);
	g_atomic_int_set((gint *) data, 0);
	return NULL;
}

static gboolean on_recheck(gpointer data)
{
	static gint running;

	if (g_atomic_int_compare_and_exchange(&running, 0, 1))
		g_thread_unref(g_thread_new("pool-recheck", recheck_thread, &running));
	return G_SOURCE_CONTINUE;
}

static gboolean on_signal(gpointer data)
{
	log_info("Received %s, exiting", (const char *) data);
	g_main_loop_quit(main_loop);
	return G_SOURCE_CONTINUE;
}

/* Takes <state-dir>/lxmanagerd.lock; returns the fd (kept open for the process's life),
 * -EBUSY with *ret_pid when another manager holds it, or -errno. */
static int lock_state_dir(const char *dir, long *ret_pid)
{
	g_autofree char *path = g_build_filename(dir, "lxmanagerd.lock", NULL);
	char buf[32];
	int fd, n;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int r = errno == EWOULDBLOCK ? -EBUSY : -errno;

		n = (int) pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		*ret_pid = strtol(buf, NULL, 10);
		close(fd);
		return r;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long) getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t) n, 0) != n)
		log_warning("Failed to write the pid into '%s': %m, ignoring", path);
	return fd;
}

static void dump_routes(void)
{
	for (size_t t = 0; api_route_tables[t]; t++)
		for (const struct api_route *r = api_route_tables[t]; r->path; r++)
			for (int mth = 0; mth < API_METHOD_MAX; mth++)
				if (r->h[mth])
					printf("%s %s\n", api_method_to_string(mth), r->path);
}

int main(int argc, char *argv[])
{
	g_autoptr(GOptionContext) ctx = g_option_context_new("- lxkit instance and storage manager");
	g_autoptr(GError) err = NULL;
	g_autofree char *db_path = NULL, *db_err = NULL, *sock_err = NULL;
	long holder = 0;
	int lock_fd, r;

	g_option_context_add_main_entries(ctx, arg_entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
		fprintf(stderr, "lxmanagerd: %s (see --help)\n", err->message);
		return 2;
	}
	if (argc > 1) {
		fprintf(stderr, "lxmanagerd: unexpected argument '%s'\n", argv[1]);
		return 2;
	}
	if (arg_version) {
		printf("lxmanagerd %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (arg_dump_routes) {
		dump_routes();
		return 0;
	}
	if (arg_log_level) {
		static const struct { const char *n; enum log_level l; } levels[] = {
			{ "debug", LOG_LEVEL_DEBUG }, { "info", LOG_LEVEL_INFO },
			{ "warn", LOG_LEVEL_WARNING }, { "error", LOG_LEVEL_ERR },
		};
		size_t i;

		for (i = 0; i < G_N_ELEMENTS(levels); i++)
			if (strcmp(arg_log_level, levels[i].n) == 0)
				break;
		if (i == G_N_ELEMENTS(levels)) {
			fprintf(stderr, "lxmanagerd: unknown --log-level '%s'\n", arg_log_level);
			return 2;
		}
		log_set_max_level(levels[i].l);
	}

	m.state_dir = arg_state_dir ? arg_state_dir : g_strdup("/var/lib/lxkit");
	m.runtime_dir = arg_runtime_dir ? arg_runtime_dir : g_strdup("/run/lxkit");
	m.socket_path = arg_socket ? arg_socket : g_strdup("/run/lxkit/manager.socket");
	m.test_pause = arg_test_pause;
	m.test_fail = arg_test_fail;
	if (m.test_pause)
		log_warning("Test hook: pausing after steps matching '%s'", m.test_pause);
	if (m.test_fail)
		log_warning("Test hook: failing steps matching '%s'", m.test_fail);
	g_mutex_init(&m.lock);
	g_mutex_init(&m.change_lock);

	if (g_mkdir_with_parents(m.state_dir, 0711) < 0 ||
	    g_mkdir_with_parents(m.runtime_dir, 0755) < 0) {
		log_error("Failed to create state dir '%s' or runtime dir '%s': %m", m.state_dir,
			  m.runtime_dir);
		return 1;
	}
	lock_fd = lock_state_dir(m.state_dir, &holder);
	if (lock_fd == -EBUSY) {
		fprintf(stderr, "lxmanagerd: state dir %s is in use by pid %ld\n", m.state_dir,
			holder);
		return 1;
	}
	if (lock_fd < 0) {
		log_error_errno(lock_fd, "Failed to lock state dir '%s': %m", m.state_dir);
		return 1;
	}

	db_path = g_build_filename(m.state_dir, "manager.db", NULL);
	r = db_open(db_path, &m.db, &db_err);
	if (r < 0) {
		log_error("Fatal: %s", db_err);
		return 1;
	}

	m.main_ctx = g_main_context_default();
	op_registry_init(&m);
	/* before listening: no request sees a half-made object from the previous run */
	storage_reconcile(&m);
	instances_reconcile(&m);
	autostart_init(&m);

	r = api_server_new(&m, m.socket_path, &m.server, &sock_err);
	if (r < 0) {
		log_error("Fatal: %s", sock_err);
		db_close(m.db);
		return 1;
	}
	log_info("Listening on '%s' (state dir '%s')", m.socket_path, m.state_dir);

	main_loop = g_main_loop_new(NULL, FALSE);
	/* spec §1: autostart runs in the background once the API listens */
	autostart_run(&m);
	{
		/* spec §7: at least every 30 s; LXKIT_POOL_RECHECK_SECONDS (tests) sets it */
		const char *e = g_getenv("LXKIT_POOL_RECHECK_SECONDS");
		unsigned secs = e ? (unsigned) g_ascii_strtoull(e, NULL, 10) : 0;

		g_timeout_add_seconds(secs > 0 && secs <= 30 ? secs : 30, on_recheck, NULL);
	}
	g_unix_signal_add(SIGTERM, on_signal, "SIGTERM");
	g_unix_signal_add(SIGINT, on_signal, "SIGINT");
	g_main_loop_run(main_loop);

	/* pools stay mounted and instances keep running: the next start re-adopts them */
	api_server_free(m.server);
	m.server = NULL;
	return 0;
}
