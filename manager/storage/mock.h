/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The mock storage driver (STYLE §3.11): volumes are plain directories, copies are done in
 * C, no tool and no privilege; every call is recorded and any primitive can be made to fail.
 * It is never offered by the API: storage_driver_find("mock") finds it only after
 * storage_mock_enable() (unit tests). Not thread-safe (tests only). */
#pragma once

#include <stdbool.h>

void storage_mock_enable(bool on);
bool storage_mock_enabled(void);
/* Makes the @nth (1-based) next call of primitive @op ("vol_create", "vol_delete",
 * "vol_copy", "vol_set_quota", "pool_create") fail with -EIO; NULL clears. */
void storage_mock_fail(const char *op, int nth);
/* The calls so far, "op path;op path;..."; cleared by storage_mock_reset(). */
const char *storage_mock_calls(void);
void storage_mock_reset(void);
