/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Fixture loader for unit tests: raw kernel text under tests/fixtures/<file>/<case>/. */
#pragma once

/* Reads FIXTURE_DIR/@dir/@name into *ret (caller frees). Returns 0 or -errno (-ENOENT). */
int fixture_read(const char *dir, const char *name, char **ret);

/* Compares @got with FIXTURE_DIR/@dir/@name; with UPDATE_GOLDEN=1 in the environment, writes
 * @got there instead. Returns 0 when equal (or written), 1 when different (a diff is printed
 * to stderr), -errno on I/O errors. */
int fixture_golden(const char *dir, const char *name, const char *got);
