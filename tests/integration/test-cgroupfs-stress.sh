#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The virtual cgroupfs under churn (issue 6): 1000 `ls -la MNT/cgroup/cpuset` from 4 parallel
# readers while cpuset cgroups lxkit-test-<pid>-churn-N are created and removed in the
# hierarchy root. A reader may see an entry vanish between readdir and lstat (ENOENT, "No such
# file or directory"); any other error, or a daemon that stops serving, fails the test.
. "$(dirname "$0")/lib.sh"
lxt_init cpuset

READERS=4
RUNS=250	# per reader: 1000 in all

grep -qx '[0-9]*:cpuset:/' /proc/self/cgroup ||
	lxt_skip "this shell is not in the cpuset root cgroup: its view would not show the churn"
lxt_start_daemon || lxt_bail "daemon did not start"
ROOT=$LXT_CGROOT/cpuset
CHURN_PREFIX=$(lxt_cgname churn)
WORK=$(mktemp -d "/tmp/lxkit-test-$$-work-XXXX") || lxt_bail "no temp dir"
LXT_TMPDIRS+=("$WORK")

# The churn: 8 names created and removed in turn until the readers are done (WORK/stop: no
# kill, which could leave a mkdir running past the cleanup below)
churn() {
	local i=0 n

	while [ ! -e "$WORK/stop" ]; do
		n=$ROOT/$CHURN_PREFIX-$((i % 8))
		if [ -d "$n" ]; then rmdir "$n" 2>/dev/null; else mkdir "$n" 2>/dev/null; fi
		i=$((i + 1))
		echo "$i" >"$WORK/churn.count"
	done
}
churn &
CHURN=$!
lxt_track "$CHURN"

reader() {
	local k out=$WORK/reader-$1

	: >"$out.err"
	for ((k = 0; k < RUNS; k++)); do
		ls -la "$MNT/cgroup/cpuset" >/dev/null 2>>"$out.err"
		echo "$?" >>"$out.rc"
	done
}
pids=()
for r in $(seq "$READERS"); do
	reader "$r" &
	pids+=("$!")
	lxt_track "$!"
done
wait "${pids[@]}"
touch "$WORK/stop"
wait "$CHURN" 2>/dev/null
for d in "$ROOT/$CHURN_PREFIX"-*; do
	[ -d "$d" ] && rmdir "$d"
done

runs=$(cat "$WORK"/reader-*.rc | wc -l)
lxt_num "$runs" -eq $((READERS * RUNS)) "$READERS readers ran ls -la cgroup/cpuset $((READERS * RUNS)) times"
lxt_num "$(cat "$WORK/churn.count" 2>/dev/null || echo 0)" -gt 10 \
	"cgroups were created and removed meanwhile"
unexpected=$(cat "$WORK"/reader-*.err | grep -v 'No such file or directory' | sort | uniq -c | head -5)
lxt_is "$unexpected" "" "no error other than ENOENT for vanished entries"
lxt_diag "ls runs that met a vanished entry: $(grep -vc '^0$' "$WORK"/reader-*.rc | awk -F: '{ s += $2 } END { print s + 0 }')"
bad_rc=$(cat "$WORK"/reader-*.rc | grep -v '^[01]$' | sort | uniq -c | tr '\n' ' ')
lxt_is "$bad_rc" "" "ls exit statuses are 0 or 1 (1: an entry vanished) only"
lxt_true "the daemon is alive" lxt_alive "$DAEMON_PID"
lxt_true "the mount still serves cgroup/cpuset/cgroup.procs" test -s "$MNT/cgroup/cpuset/cgroup.procs"
lxt_is "$(ls "$ROOT" | grep -c "^$CHURN_PREFIX-")" 0 "no churn cgroup left on the host"
lxt_done
