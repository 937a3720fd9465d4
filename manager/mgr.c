/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared daemon state helpers: test hooks, pool runtime status, paths. */
#include <errno.h>
#include <fnmatch.h>
#include <glib.h>
#include <stdarg.h>
#include <unistd.h>

#include "log.h"
#include "mgr.h"

int mgr_step(struct mgr *m, const char *step, char **ret_err)
{
	if (m->test_fail && fnmatch(m->test_fail, step, 0) == 0) {
		log_warning("TEST-FAIL %s", step);
		if (ret_err)
			*ret_err = g_strdup_printf("injected failure at %s", step);
		return -EIO;
	}
	return 0;
}

void mgr_step_done(struct mgr *m, const char *step)
{
	g_autofree char *path = NULL;
	g_autoptr(GError) err = NULL;

	if (!m->test_pause || fnmatch(m->test_pause, step, 0) != 0)
		return;
	path = g_build_filename(m->runtime_dir, "test-paused", NULL);
	if (!g_file_set_contents(path, step, -1, &err)) {
		log_error("Failed to write '%s' for the test pause at %s: %s, not pausing", path,
			  step, err->message);
		return;
	}
	log_warning("TEST-PAUSE %s", step);
	while (access(path, F_OK) == 0)
		g_usleep(50 * 1000);
	log_warning("TEST-RESUME %s", step);
}

static void pool_rt_free(gpointer p)
{
	struct pool_rt *rt = p;

	g_free(rt->reason);
	g_free(rt);
}

void mgr_pool_set_status(struct mgr *m, const char *pool, enum pool_status st, const char *reason)
{
	struct pool_rt *rt = g_new0(struct pool_rt, 1);

	rt->status = st;
	rt->reason = g_strdup(reason ? reason : "");
	g_mutex_lock(&m->lock);
	if (!m->pool_rt)
		m->pool_rt = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, pool_rt_free);
	g_hash_table_replace(m->pool_rt, g_strdup(pool), rt);
	g_mutex_unlock(&m->lock);
}

enum pool_status mgr_pool_status(struct mgr *m, const char *pool, char **ret_reason)
{
	enum pool_status st = POOL_CREATED;
	struct pool_rt *rt;

	g_mutex_lock(&m->lock);
	rt = m->pool_rt ? g_hash_table_lookup(m->pool_rt, pool) : NULL;
	if (rt)
		st = rt->status;
	if (ret_reason)
		*ret_reason = g_strdup(rt ? rt->reason : "");
	g_mutex_unlock(&m->lock);
	return st;
}

void mgr_pool_forget(struct mgr *m, const char *pool)
{
	g_mutex_lock(&m->lock);
	if (m->pool_rt)
		g_hash_table_remove(m->pool_rt, pool);
	g_mutex_unlock(&m->lock);
}

const char *pool_status_to_string(enum pool_status st)
{
	static const char *const names[POOL_STATUS_MAX] = {
		[POOL_CREATED] = "Created", [POOL_PENDING] = "Pending",
		[POOL_UNAVAILABLE] = "Unavailable", [POOL_ERRORED] = "Errored",
	};

	return st >= 0 && st < POOL_STATUS_MAX ? names[st] : "Errored";
}

char *mgr_path(struct mgr *m, ...)
{
	GPtrArray *parts = g_ptr_array_new();
	va_list ap;
	const char *s;
	char *r;

	g_ptr_array_add(parts, m->state_dir);
	va_start(ap, m);
	while ((s = va_arg(ap, const char *)))
		g_ptr_array_add(parts, (gpointer) s);
	va_end(ap);
	g_ptr_array_add(parts, NULL);
	r = g_build_filenamev((char **) parts->pdata);
	g_ptr_array_free(parts, TRUE);
	return r;
}

char *mgr_now_rfc3339(void)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_utc();

	return g_date_time_format(now, "%Y-%m-%dT%H:%M:%S.%fZ");
}
