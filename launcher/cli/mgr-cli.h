/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lxlaunch's manager commands (spec/manager-api.md §9): storage, volume, snapshot and the
 * instance commands when they go to lxmanagerd. Exit codes: 0 done, 1 the manager refused or
 * an operation failed ("Error: <error>" on stderr), 2 usage error, 3 manager unreachable. */
#pragma once

#include <stdbool.h>

enum {
	MGR_EXIT_OK = 0,
	MGR_EXIT_REFUSED = 1,
	MGR_EXIT_USAGE = 2,
	MGR_EXIT_UNREACHABLE = 3,
};

/* The routing options of every command, found before the verb's own parsing. */
struct mgr_route {
	const char *socket;	/* --socket PATH, else NULL */
	bool remote;		/* --remote */
	bool local;		/* --local */
	bool lxcpath;		/* --lxcpath given: a liblxc path, so the command is local */
};

/* Scans @argv (from index 1, up to a "--") for --socket PATH / --socket=PATH, --remote,
 * --local and --lxcpath without changing it. Returns 0, or MGR_EXIT_USAGE after printing why
 * (--socket without a value, --remote with --local or --lxcpath). */
int mgr_route_scan(int argc, char *argv[], struct mgr_route *ret);

/* Whether @verb is one of the commands that always go to the manager */
bool mgr_verb_is_manager_only(const char *verb);

/* Whether the instance commands go to the manager for @route: --remote, or the chosen
 * socket exists as a socket and neither --local nor --lxcpath was given. */
bool mgr_route_is_remote(const struct mgr_route *route);

/* Runs the manager command argv[0] ("storage", "create", ...) with its operands and options
 * argv[1..]; returns the exit code. */
int mgr_cli_main(int argc, char *argv[]);
