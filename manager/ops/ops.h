/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Operations (spec §5.1) and events (§5.2). */
#pragma once

#include <json-glib/json-glib.h>
#include <stdbool.h>

struct mgr;
struct api_resp;
struct op;

enum event_type {
	EVENT_LIFECYCLE,
	EVENT_OPERATION,
	EVENT_LOGGING,
	EVENT_TYPE_MAX,
	EVENT_TYPE_INVALID = -EINVAL,
};

/* Operation work: runs in the operation thread pool with mgr->change_lock held. Returns 0,
 * or a negative errno with *ret_err set to the message the operation's err shows. */
typedef int (*op_work_t)(struct mgr *m, struct op *op, void *data, char **ret_err);

/* Creates a Running operation (resources: @resources_kind -> [@resource_url], both may be
 * NULL), announces it, queues @work and fills @ret with the async reply. Owns @data (freed
 * with @free_data after the work). Returns 0. Thread-safe. */
int op_start(struct mgr *m, const char *description, const char *resources_kind,
	     const char *resource_url, op_work_t work, void *data, GDestroyNotify free_data,
	     struct api_resp *ret);
/* Replaces the operation's metadata (owned). Thread-safe. */
void op_set_metadata(struct mgr *m, struct op *op, JsonNode *metadata);

/* JSON of operation @id, or NULL when unknown. When @wait_s > 0 waits up to that many
 * seconds for it to finish first (-1: forever). Thread-safe. */
JsonNode *op_lookup_json(struct mgr *m, const char *id, double wait_s);
/* URLs or objects of every known operation, by status: {"running":[...],"success":[...]}. */
JsonNode *op_list_json(struct mgr *m, bool recursion);
/* -ENOENT unknown, -EBUSY cannot be cancelled (may_cancel false or finished). */
int op_cancel(struct mgr *m, const char *id);
void op_registry_init(struct mgr *m);
void op_registry_done(struct mgr *m);

/* "lifecycle,operation" -> mask of 1 << type; empty or NULL -> all. -EINVAL for an unknown
 * type. Pure. */
int events_parse_types(const char *s, unsigned *ret_mask);
/* Sends a lifecycle event to every listener (@context owned, may be NULL). Thread-safe. */
void events_lifecycle(struct mgr *m, const char *action, const char *source, JsonNode *context);
