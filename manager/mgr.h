/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's one shared state struct (STYLE §3.9). Lock order: change_lock, then lock,
 * then the database's own lock (db.h). */
#pragma once

#include <glib.h>
#include <stdbool.h>

struct db;
struct api_server;
struct autostart;

enum pool_status {
	POOL_CREATED,
	POOL_PENDING,
	POOL_UNAVAILABLE,
	POOL_ERRORED,
	POOL_STATUS_MAX,
	POOL_STATUS_INVALID = -EINVAL,
};

/* Runtime view of a pool (not stored): whether its storage is usable now. */
struct pool_rt {
	enum pool_status status;
	char *reason;		/* "" or one line: why Unavailable, what reconcile found */
};

struct mgr {
	/* set in main() before any thread starts, read-only afterwards */
	char *state_dir;	/* --state-dir */
	char *runtime_dir;	/* --runtime-dir */
	char *socket_path;	/* --socket */
	char *test_pause;	/* --test-pause glob or NULL */
	char *test_fail;	/* --test-fail glob or NULL */
	GMainContext *main_ctx;	/* the glib loop of main(); events and replies are sent there */
	struct db *db;		/* thread-safe by its own lock */
	struct api_server *server;

	/* serialises every change: non-GET handlers and operation work hold it throughout */
	GMutex change_lock;

	GMutex lock;		/* protects the fields below */
	GHashTable *pool_rt;	/* pool name -> struct pool_rt *; protected by ->lock */
	GHashTable *ops;	/* operation id -> struct op *; protected by ->lock */
	GThreadPool *op_pool;	/* runs operation work */

	/* autostart.c: set by autostart_init() before the API listens; has its own lock */
	struct autostart *autostart;
};

/* Test hooks (spec §1.3). Call mgr_step() before a step runs: it returns -EIO with
 * *ret_err = "injected failure at STEP" when STEP matches --test-fail, else 0. Call
 * mgr_step_done() after the step completed: when STEP matches --test-pause it writes STEP to
 * <runtime-dir>/test-paused, logs "TEST-PAUSE STEP" and blocks until that file is deleted.
 * STEP is "<operation>/<step>", e.g. "volume-create/storage". Thread-safe. */
int mgr_step(struct mgr *m, const char *step, char **ret_err);
void mgr_step_done(struct mgr *m, const char *step);

/* Pool runtime status. mgr_pool_status() copies the reason (caller g_free()s, may pass
 * NULL); a pool never set is POOL_CREATED with "". Thread-safe. */
void mgr_pool_set_status(struct mgr *m, const char *pool, enum pool_status st, const char *reason);
enum pool_status mgr_pool_status(struct mgr *m, const char *pool, char **ret_reason);
void mgr_pool_forget(struct mgr *m, const char *pool);
const char *pool_status_to_string(enum pool_status st);

/* "<state-dir>/<a>/<b>..." (NULL-terminated components); caller g_free()s. */
char *mgr_path(struct mgr *m, ...) G_GNUC_NULL_TERMINATED;
/* RFC 3339 UTC with microseconds, now. Caller g_free()s. */
char *mgr_now_rfc3339(void);
