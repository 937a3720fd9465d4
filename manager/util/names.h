/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Pure name rules of the manager API (spec manager-api.md §2.3). */
#pragma once

#include <stdbool.h>

/* Instance: 1-63 bytes of A-Z a-z 0-9 -, starts with a letter, does not end with '-'. */
bool name_instance_valid(const char *name);
/* Pool, volume, snapshot, device: 1-63 bytes of A-Z a-z 0-9 . _ -, not starting with '.' or
 * '-' (so ".", "..", "../x" and hidden names are refused; the manager's own temporary
 * entries start with '.' and can never clash with a user's object). */
bool name_object_valid(const char *name);
/* Network interface name (nic parent): 1-15 bytes, no '/', ':', whitespace or NUL,
 * not "." or "..". */
bool name_ifname_valid(const char *name);
