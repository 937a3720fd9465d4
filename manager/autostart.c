/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Autostart and the instances that wait for a network parent or a pool (autostart.h). */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <unistd.h>

#include "autostart.h"
#include "db/db.h"
#include "log.h"
#include "mgr.h"
#include "netdev.h"
#include "netlink.h"
#include "ops/ops.h"
#include "parse-util.h"
#include "tap.h"

/* How often waiting instances are looked at without a link event (pools, lost messages) */
#define AUTOSTART_CHECK_USEC (2 * G_USEC_PER_SEC)

struct waiter {
	char *reason;		/* "waiting for network (BR)" */
	GStrv waiting_for;	/* the links or pools */
	bool storage;		/* waiting_for names pools, not links */
	char *created_at;	/* of the instance: a new one of the same name is not this one */
};

/* A link event for the worker thread. */
struct kick {
	char *name;		/* NULL: every link (lost messages) */
	bool removed;
};

struct autostart {
	struct mgr *m;
	GAsyncQueue *kicks;		/* struct kick *, from the main context to the worker */
	struct rtnl_watch *watch;	/* main context only */

	/* protects the field below; taken after m->change_lock and before m->lock */
	GMutex lock;
	GHashTable *waiting;		/* instance name -> struct waiter *; protected by ->lock */
};

static void waiter_free(gpointer p)
{
	struct waiter *w = p;

	g_free(w->reason);
	g_strfreev(w->waiting_for);
	g_free(w->created_at);
	g_free(w);
}

static void kick_free(gpointer p)
{
	struct kick *k = p;

	g_free(k->name);
	g_free(k);
}

static char *instance_url(const char *name)
{
	return g_strdup_printf("/1.0/instances/%s", name);
}

static bool link_exists(const char *name)
{
	return if_nametoindex(name) != 0;
}

/* The missing nic parents of @row, NULL when none */
static GPtrArray *missing_parents(const struct instance_row *row)
{
	g_autoptr(GPtrArray) parents = nic_parents(row->devices);
	GPtrArray *missing = NULL;

	for (guint i = 0; i < parents->len; i++)
		if (!link_exists(parents->pdata[i])) {
			if (!missing)
				missing = g_ptr_array_new_with_free_func(g_free);
			g_ptr_array_add(missing, g_strdup(parents->pdata[i]));
		}
	return missing;
}

char *autostart_missing_parents(const struct instance_row *row)
{
	g_autoptr(GPtrArray) missing = missing_parents(row);

	if (!missing)
		return NULL;
	g_ptr_array_add(missing, NULL);
	return g_strjoinv(", ", (char **) missing->pdata);
}

enum inst_status autostart_status(struct mgr *m, const struct instance_row *row,
				  enum inst_status st, char **reason_inout)
{
	struct autostart *a = m->autostart;

	if (st == INST_STOPPED && a) {
		struct waiter *w;
		char *reason = NULL;

		g_mutex_lock(&a->lock);
		w = g_hash_table_lookup(a->waiting, row->name);
		if (w && streq(w->created_at, row->created_at))
			reason = g_strdup(w->reason);
		g_mutex_unlock(&a->lock);
		if (reason) {
			g_free(*reason_inout);
			*reason_inout = reason;
			return INST_WAITING;
		}
	} else if (st == INST_RUNNING || st == INST_FROZEN) {
		g_autofree char *missing = autostart_missing_parents(row);

		if (missing) {
			g_free(*reason_inout);
			*reason_inout = g_strdup_printf("network device %s missing", missing);
		}
	}
	return st;
}

char **autostart_waiting_for(struct mgr *m, const char *name)
{
	struct autostart *a = m->autostart;
	struct waiter *w;
	char **v = NULL;

	if (a) {
		g_mutex_lock(&a->lock);
		w = g_hash_table_lookup(a->waiting, name);
		if (w)
			v = g_strdupv(w->waiting_for);
		g_mutex_unlock(&a->lock);
	}
	return v ? v : g_new0(char *, 1);
}

bool autostart_cancel(struct mgr *m, const char *name)
{
	struct autostart *a = m->autostart;
	bool r;

	if (!a)
		return false;
	g_mutex_lock(&a->lock);
	r = g_hash_table_remove(a->waiting, name);
	g_mutex_unlock(&a->lock);
	if (r)
		log_info("Instance '%s': pending autostart cancelled", name);
	return r;
}

/* <state-dir>/autostart/<name>: holds the instance's created_at while it is meant to run */
static char *run_record_path(struct mgr *m, const char *name)
{
	return mgr_path(m, "autostart", name, NULL);
}

static void write_run_record(struct mgr *m, const struct instance_row *row)
{
	g_autofree char *path = run_record_path(m, row->name), *dir = g_path_get_dirname(path);
	g_autoptr(GError) gerr = NULL;

	if (g_mkdir_with_parents(dir, 0700) < 0 ||
	    !g_file_set_contents(path, row->created_at, -1, &gerr))
		log_warning("Instance '%s': cannot record that it runs ('%s': %s); with "
			    "boot.autostart unset it is not started at the next manager start",
			    row->name, path, gerr ? gerr->message : g_strerror(errno));
}

void autostart_note_stopped(struct mgr *m, const char *name)
{
	g_autofree char *path = run_record_path(m, name);

	if (unlink(path) < 0 && errno != ENOENT)
		log_warning("Instance '%s': cannot remove '%s': %m", name, path);
}

/* boot.autostart=true, or unset and the instance was meant to run when the host stopped it */
static bool wants_autostart(struct mgr *m, const struct instance_row *row)
{
	g_autofree char *path = NULL, *text = NULL;
	bool enabled;
	int64_t prio, delay;

	autostart_settings(row->config, &enabled, &prio, &delay);
	if (enabled || g_hash_table_contains(row->config, "boot.autostart"))
		return enabled;
	path = run_record_path(m, row->name);
	/* created_at: a record left by a deleted instance of the same name does not count */
	return g_file_get_contents(path, &text, NULL, NULL) && streq(text, row->created_at);
}

/* Gives each nic of @row without hwaddr or volatile.DEV.hwaddr a new MAC, stored in its config
 * (and in row->config), so that the container keeps its MAC across starts as a VM does */
static int store_macs(struct mgr *m, struct instance_row *row, char **ret_err)
{
	g_autoptr(GPtrArray) missing = nic_macs_missing(row->devices, row->config);
	int r;

	if (missing->len == 0)
		return 0;
	for (guint i = 0; i < missing->len; i++)
		g_hash_table_insert(row->config, nic_volatile_hwaddr_key(missing->pdata[i]),
				    tap_mac_random());
	r = inst_db_update(m->db, row->name, row->description, row->config, row->devices,
			   row->ephemeral);
	if (r < 0)
		*ret_err = g_strdup_printf("cannot store the MAC addresses of '%s'", row->name);
	return r;
}

int autostart_prepare_start(struct mgr *m, const char *name, char **ret_err)
{
	g_autoptr(instance_row_t) row = NULL;
	g_autoptr(GError) gerr = NULL;
	g_autofree char *missing = NULL, *cfg_path = NULL, *cfg = NULL, *items = NULL, *out = NULL;
	int r;

	r = inst_db_get(m->db, name, &row);
	if (r < 0) {
		*ret_err = g_strdup_printf("cannot read the record of instance '%s'", name);
		return r;
	}
	missing = autostart_missing_parents(row);
	if (missing) {
		*ret_err = g_strdup_printf("network device %s missing", missing);
		return -ENXIO;
	}
	write_run_record(m, row);
	cfg_path = mgr_path(m, "containers", name, "config", NULL);
	if (!g_file_get_contents(cfg_path, &cfg, NULL, &gerr)) {
		/* no LXC container: the start itself reports it as the runtime does */
		if (g_error_matches(gerr, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return 0;
		*ret_err = g_strdup_printf("cannot read the LXC config '%s': %s", cfg_path, gerr->message);
		return -EIO;
	}
	r = store_macs(m, row, ret_err);
	if (r < 0)
		return r;
	items = nic_lxc_items(row->devices, row->config);
	out = nic_lxc_config_replace(cfg, items);
	if (streq(out, cfg))
		return 0;
	if (!g_file_set_contents(cfg_path, out, -1, &gerr)) {
		*ret_err = g_strdup_printf("cannot write the LXC config '%s': %s", cfg_path, gerr->message);
		return -EIO;
	}
	return 0;
}

/* Records @name as waiting with @reason for @what; logs and sends instance-waiting when the
 * reason is new. */
static void set_waiting(struct autostart *a, const struct instance_row *row, const char *kind,
			GPtrArray *what)
{
	const char *name = row->name;
	g_autofree char *reason = autostart_waiting_reason(kind, what), *url = instance_url(name);
	struct waiter *w;
	bool changed;

	g_mutex_lock(&a->lock);
	w = g_hash_table_lookup(a->waiting, name);
	changed = !w || !streq(w->reason, reason) || !streq(w->created_at, row->created_at);
	if (changed) {
		w = g_new0(struct waiter, 1);
		w->reason = g_strdup(reason);
		w->storage = streq(kind, "storage");
		w->created_at = g_strdup(row->created_at);
		w->waiting_for = g_new0(char *, what->len + 1);
		for (guint i = 0; i < what->len; i++)
			w->waiting_for[i] = g_strdup(what->pdata[i]);
		g_hash_table_replace(a->waiting, g_strdup(name), w);
	}
	g_mutex_unlock(&a->lock);
	if (changed) {
		JsonNode *ctx = json_node_init_object(json_node_alloc(), json_object_new());

		json_object_set_string_member(json_node_get_object(ctx), "reason", reason);
		log_info("Instance '%s': autostart %s", name, reason);
		events_lifecycle(a->m, "instance-waiting", url, ctx);
	}
}

static void drop_waiting(struct autostart *a, const char *name)
{
	g_mutex_lock(&a->lock);
	g_hash_table_remove(a->waiting, name);
	g_mutex_unlock(&a->lock);
}

enum try_result { TRY_STARTED, TRY_WAITING, TRY_SKIPPED, TRY_FAILED };

/* One autostart attempt of @name, under m->change_lock: start it when its pool is available
 * and its parents exist, else record it as waiting. */
static enum try_result try_start(struct autostart *a, const char *name)
{
	struct mgr *m = a->m;
	g_autoptr(instance_row_t) row = NULL;
	g_autoptr(GPtrArray) missing = NULL;
	g_autofree char *err = NULL, *url = instance_url(name), *now = NULL;
	enum inst_status st;
	enum try_result res;

	g_mutex_lock(&m->change_lock);
	if (inst_db_get(m->db, name, &row) < 0 || !streq(row->state, "created")) {
		/* deleted or renamed meanwhile */
		drop_waiting(a, name);
		res = TRY_SKIPPED;
		goto out;
	}
	if (!wants_autostart(m, row)) {
		/* boot.autostart turned off while it waited */
		if (autostart_cancel(m, name))
			log_info("Instance '%s': boot.autostart is no longer true", name);
		res = TRY_SKIPPED;
		goto out;
	}
	if (inst_rt_state(m, name, &st, NULL, &err) < 0) {
		log_warning("Instance '%s': not autostarted, its state cannot be read: %s", name, err);
		drop_waiting(a, name);
		res = TRY_FAILED;
		goto out;
	}
	if (st != INST_STOPPED) {
		/* running already (re-adopted, or started by hand while it waited) */
		drop_waiting(a, name);
		res = TRY_SKIPPED;
		goto out;
	}
	if (mgr_pool_status(m, row->pool, NULL) != POOL_CREATED) {
		g_autoptr(GPtrArray) pools = g_ptr_array_new();

		g_ptr_array_add(pools, row->pool);
		set_waiting(a, row, "storage", pools);
		res = TRY_WAITING;
		goto out;
	}
	missing = missing_parents(row);
	if (missing) {
		set_waiting(a, row, "network", missing);
		res = TRY_WAITING;
		goto out;
	}
	drop_waiting(a, name);
	if (autostart_prepare_start(m, name, &err) < 0 || inst_rt_start(m, name, &err) < 0) {
		/* not retried until the next manager start (spec §7) */
		log_error("Instance '%s': autostart failed: %s", name, err);
		(void) inst_db_set_status_reason(m->db, name, err);
		res = TRY_FAILED;
		goto out;
	}
	now = mgr_now_rfc3339();
	(void) inst_db_set_last_used(m->db, name, now);
	(void) inst_db_set_status_reason(m->db, name, "");
	log_info("Instance '%s': autostarted", name);
	events_lifecycle(m, "instance-started", url, NULL);
	res = TRY_STARTED;
out:
	g_mutex_unlock(&m->change_lock);
	return res;
}

/* Logs the running instances that use the vanished link @link as a nic parent */
static void report_lost_link(struct autostart *a, const char *link)
{
	g_autoptr(GPtrArray) rows = NULL;

	if (link_exists(link) || inst_db_list(a->m->db, &rows) < 0)
		return;
	for (guint i = 0; i < rows->len; i++) {
		const struct instance_row *row = rows->pdata[i];
		g_autoptr(GPtrArray) parents = nic_parents(row->devices);
		g_autofree char *err = NULL;
		enum inst_status st;

		if (!g_ptr_array_find_with_equal_func(parents, link, g_str_equal, NULL))
			continue;
		if (inst_rt_state(a->m, row->name, &st, NULL, &err) >= 0 && st != INST_STOPPED)
			log_error("Instance '%s': network device %s missing (it was removed while the "
				  "instance runs; the instance keeps running)", row->name, link);
	}
}

/* Forgets the waiting entries of instances deleted or renamed meanwhile */
static void prune_waiting(struct autostart *a)
{
	g_autoptr(GPtrArray) rows = NULL;
	GHashTableIter it;
	gpointer k, v;

	if (inst_db_list(a->m->db, &rows) < 0)
		return;
	g_mutex_lock(&a->lock);
	g_hash_table_iter_init(&it, a->waiting);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const struct waiter *w = v;
		bool found = false;

		for (guint i = 0; i < rows->len && !found; i++) {
			const struct instance_row *row = rows->pdata[i];

			found = streq(row->name, k) && streq(row->created_at, w->created_at);
		}
		if (!found)
			g_hash_table_iter_remove(&it);
	}
	g_mutex_unlock(&a->lock);
}

static int str_ptr_cmp(gconstpointer x, gconstpointer y)
{
	return strcmp(*(const char *const *) x, *(const char *const *) y);
}

/* Tries every waiting instance whose links or pool may be there now */
static void retry_waiting(struct autostart *a)
{
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter it;
	gpointer k, v;

	g_mutex_lock(&a->lock);
	g_hash_table_iter_init(&it, a->waiting);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		const struct waiter *w = v;
		bool ready = true;

		/* cheap test first: links by name, pools by their runtime status */
		for (size_t j = 0; w->waiting_for[j] && ready; j++)
			ready = w->storage ? mgr_pool_status(a->m, w->waiting_for[j], NULL) == POOL_CREATED
					   : link_exists(w->waiting_for[j]);
		if (ready)
			g_ptr_array_add(names, g_strdup(k));
	}
	g_mutex_unlock(&a->lock);
	prune_waiting(a);
	g_ptr_array_sort(names, str_ptr_cmp);
	for (guint i = 0; i < names->len; i++)
		(void) try_start(a, names->pdata[i]);
}

/* Waits for link events until @deadline (monotonic µs) and handles each at once */
static void handle_kicks_until(struct autostart *a, gint64 deadline)
{
	for (;;) {
		gint64 now = g_get_monotonic_time(), left = deadline - now;
		struct kick *k;
		bool any_new = false;

		if (left <= 0)
			return;
		k = g_async_queue_timeout_pop(a->kicks, (guint64) MIN(left, AUTOSTART_CHECK_USEC));
		if (!k) {
			retry_waiting(a);
			continue;
		}
		/* a burst of events: handle them together */
		do {
			if (k->removed && k->name)
				report_lost_link(a, k->name);
			else
				any_new = true;
			kick_free(k);
		} while ((k = g_async_queue_try_pop(a->kicks)));
		if (any_new)
			retry_waiting(a);
	}
}

/* Removes the run records of instances that no longer exist (deleted, renamed, re-created) */
static void prune_run_records(struct autostart *a, GPtrArray *rows)
{
	g_autofree char *dir = mgr_path(a->m, "autostart", NULL);
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *f;

	while (d && (f = g_dir_read_name(d))) {
		g_autofree char *path = g_build_filename(dir, f, NULL), *text = NULL;
		bool keep = false;

		for (guint i = 0; i < rows->len && !keep; i++) {
			const struct instance_row *row = rows->pdata[i];

			keep = streq(row->name, f) && g_file_get_contents(path, &text, NULL, NULL) &&
			       streq(text, row->created_at);
		}
		if (!keep && unlink(path) < 0)
			log_warning("Cannot remove the stale run record '%s': %m", path);
	}
}

/* The start-up sequence of spec §7 */
static void startup_sequence(struct autostart *a)
{
	g_autoptr(GPtrArray) rows = NULL, cands = g_ptr_array_new_with_free_func(autostart_cand_free);

	if (inst_db_list(a->m->db, &rows) < 0) {
		log_error("Autostart: cannot list the instances; nothing is autostarted");
		return;
	}
	prune_run_records(a, rows);
	for (guint i = 0; i < rows->len; i++) {
		const struct instance_row *row = rows->pdata[i];
		struct autostart_cand *c;
		bool enabled;

		if (!streq(row->state, "created"))
			continue;
		if (!wants_autostart(a->m, row))
			continue;
		c = g_new0(struct autostart_cand, 1);
		autostart_settings(row->config, &enabled, &c->priority, &c->delay);
		c->name = g_strdup(row->name);
		g_ptr_array_add(cands, c);
	}
	g_ptr_array_sort(cands, autostart_cand_cmp);
	log_info("Autostart: %u candidate(s)", cands->len);
	for (guint i = 0; i < cands->len; i++) {
		const struct autostart_cand *c = cands->pdata[i];

		if (try_start(a, c->name) == TRY_STARTED && c->delay > 0)
			handle_kicks_until(a, g_get_monotonic_time() + c->delay * G_USEC_PER_SEC);
	}
}

static gpointer autostart_thread(gpointer data)
{
	struct autostart *a = data;

	startup_sequence(a);
	for (;;)
		handle_kicks_until(a, G_MAXINT64);
	return NULL;
}

/* Main context: a link appeared, changed or went away */
static void on_link(const char *name, bool removed, bool up, void *userdata)
{
	struct autostart *a = userdata;
	struct kick *k = g_new0(struct kick, 1);

	log_debug("rtnetlink: link %s %s%s", name ? name : "(all)", removed ? "removed" : "present",
		  !removed && up ? ", up" : "");
	k->name = g_strdup(name);
	k->removed = removed;
	g_async_queue_push(a->kicks, k);
}

void autostart_init(struct mgr *m)
{
	struct autostart *a = g_new0(struct autostart, 1);

	a->m = m;
	a->kicks = g_async_queue_new_full(kick_free);
	g_mutex_init(&a->lock);
	a->waiting = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, waiter_free);
	m->autostart = a;
}

void autostart_run(struct mgr *m)
{
	struct autostart *a = m->autostart;
	int r;

	r = rtnl_watch_new(m->main_ctx, on_link, a, &a->watch);
	if (r < 0)
		log_error_errno(r, "Failed to watch links with rtnetlink (%m): instances waiting for "
				"a network are checked every 2 s only");
	g_thread_unref(g_thread_new("autostart", autostart_thread, a));
}
