/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Runs an external tool (argv array, no shell) and captures its output. */
#pragma once

/* Runs @argv[0] (looked up in PATH) with @argv, stdin from /dev/null, and waits.
 * *ret_stdout (may be NULL) gets its standard output; *ret_err (may be NULL) a one-line
 * description on failure: "'mkfs.btrfs' exited with status 1: <stderr text>".
 * Returns 0 when it exited 0, -ENOENT when it could not be found, -EIO otherwise.
 * Thread-safe. Caller g_free()s the strings. */
int run_tool(const char *const *argv, char **ret_stdout, char **ret_err);

/* Whether @prog is found in PATH (or is an executable absolute path). */
int run_tool_exists(const char *prog);
