/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Autostart (spec manager-api.md §7): at manager start the instances with boot.autostart=true
 * that are not running are started in priority order, each followed by its delay; one whose
 * network parent (a nic `parent`) is missing or whose pool is not available becomes Waiting
 * ("waiting for network (BR)", "waiting for storage (P)") and is started by a worker thread
 * within a second of its last missing link appearing (rtnetlink, netlink.h) or, for storage, at
 * the next check after its pool became available (every 2 s). The Waiting state lives in memory
 * only: the next manager start decides again. */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "instance-db.h"
#include "instance-rt.h"

struct mgr;
struct autostart;

/* Allocates m->autostart; call in main() before the API listens (no thread yet). */
void autostart_init(struct mgr *m);
/* Opens the rtnetlink watch on m->main_ctx and starts the worker thread that runs the start-up
 * sequence; call after the API listens. A watch that cannot open is logged (waiting instances
 * are then found by the 2 s check only); never fatal. */
void autostart_run(struct mgr *m);

/* The status and reason the API shows for @row whose runtime status is @st: Waiting with the
 * waiting reason for a stopped instance with a pending autostart; for a running one, the
 * reason "network device BR missing" when a nic parent has vanished. Replaces *reason_inout
 * (g_free()d) when it changes it. Thread-safe. */
enum inst_status autostart_status(struct mgr *m, const struct instance_row *row,
				  enum inst_status st, char **reason_inout);
/* What the Waiting instance @name waits for (links or pools), NULL-terminated; an empty vector
 * when it is not waiting. Caller g_strfreev()s. Thread-safe. */
char **autostart_waiting_for(struct mgr *m, const char *name);
/* Cancels the pending autostart of @name (a `stop` of a Waiting instance); true when there was
 * one. Thread-safe. */
bool autostart_cancel(struct mgr *m, const char *name);

/* The nic parents of @row that do not exist on the host now, as "BR1, BR2", or NULL when all
 * exist. Caller g_free()s. */
char *autostart_missing_parents(const struct instance_row *row);
/* Before a start, with m->change_lock held: -ENXIO with *ret_err "network device BR missing"
 * when a nic parent does not exist; else writes the LXC network lines of @name's nic devices
 * into its LXC config (nic_lxc_items(), replacing the old lxc.net.* lines; a nic without
 * hwaddr first gets a MAC stored once as volatile.DEV.hwaddr in the config), records that the
 * instance is meant to run (<state-dir>/autostart/<name> holds its created_at: an instance
 * with boot.autostart unset is started at the next manager start when this record is there
 * and it does not run, spec §4.4 [LXD]) and returns 0, or -errno with *ret_err. */
int autostart_prepare_start(struct mgr *m, const char *name, char **ret_err);
/* After a stop through the API: removes the record of autostart_prepare_start(), so an
 * instance with boot.autostart unset stays stopped at the next manager start. */
void autostart_note_stopped(struct mgr *m, const char *name);
