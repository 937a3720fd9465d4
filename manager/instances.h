/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Instance handlers (instances.c): the route table api_routes_instances (api/route-tables.h)
 * and the start-up reconcile. */
#pragma once

struct mgr;

/* Start-up, after storage_reconcile(): instances left 'pending' or 'deleting' by a crash lose
 * what their create made or what their delete had not removed yet (LXC container, root
 * volume, rows). Logs what it cannot remove and goes on. */
void instances_reconcile(struct mgr *m);
