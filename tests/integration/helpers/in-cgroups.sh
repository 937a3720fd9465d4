#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# in-cgroups.sh "memory/X cpuset/Y ..." CMD...: write our own PID to the cgroup.procs of every
# listed cgroup (paths relative to /sys/fs/cgroup), then exec CMD, which keeps the PID. The
# "bugs-in.sh" of the LXCFS bug cases; lib.sh's lxt_in_cgroups runs it.
list=$1
shift
for c in $list; do
	echo $$ >"/sys/fs/cgroup/$c/cgroup.procs" || {
		echo "in-cgroups.sh: cannot join cgroup '$c'" >&2
		exit 125
	}
done
exec "$@"
