/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Start-up reconcile (spec §8): finish or undo work recorded as in progress, mount the
 * pools that can be mounted, mark the rest Unavailable with a reason, and report storage
 * without a row (and rows without storage) in the log and the pool's status_reason. */
#pragma once

struct mgr;

/* Never fails: whatever it cannot fix is logged and shown as a pool status. Runs before the
 * socket listens. */
void storage_reconcile(struct mgr *m);

/* Tries again to mount every Unavailable pool (spec §7: at least every 30 s); a pool that
 * mounts becomes Created and gets the volume checks of the start-up reconcile. Takes
 * mgr->change_lock. Returns the number of pools that became available. */
int storage_pools_recheck(struct mgr *m);
