#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The pure cgroup2 layout: the daemon runs in a private mount namespace whose /sys/fs/cgroup is
# the cgroup2 mount, as on a pure-v2 host. On this hybrid machine every controller is bound to a
# v1 hierarchy, so cgroup2 has none: the views must fall back to the host's files cleanly, and
# uptime must come from the cgroup2 cpu.stat path. (v2 memory/cpuset values themselves are
# covered by the unit tests' v2 fixtures; see tests/fixtures/meminfo/v2-*.)
. "$(dirname "$0")/lib.sh"
lxt_init
lxt_require_tools unshare mount

[ -d /sys/fs/cgroup/unified ] && grep -q ' /sys/fs/cgroup/unified cgroup2 ' /proc/self/mounts ||
	lxt_skip "no cgroup2 mount at /sys/fs/cgroup/unified to re-mount as a pure v2 layout"

T=$(mktemp -d "/tmp/lxkit-test-$$-v2-XXXX") || lxt_bail "mktemp failed"
LXT_TMPDIRS+=("$T")
CG=lxkit-test-$$-v2
mkdir "/sys/fs/cgroup/unified/$CG" || lxt_bail "cannot create cgroup2 group $CG"

# Everything that needs the private namespace runs in it; results come back in files.
unshare -m --propagation private bash -s "$LXCFS_BIN" "$T" "$CG" <<'INNER' >"$T/inner.log" 2>&1
set -u
bin=$1 t=$2 cg=$3
mount -t cgroup2 none /sys/fs/cgroup || { echo "mount cgroup2 failed"; exit 1; }
mkdir "$t/mnt"
env --default-signal=INT "$bin" -p "$t/pid" "$t/mnt" 2>"$t/daemon.log" &
dpid=$!
for _ in $(seq 50); do [ -r "$t/mnt/proc/meminfo" ] && break; sleep 0.1; done
echo "$dpid" >"$t/dpid"
cat /proc/meminfo >"$t/host-meminfo"
grep -c ^processor /proc/cpuinfo >"$t/host-ncpu"
(
	echo $$ >"/sys/fs/cgroup/$cg/cgroup.procs" || exit 1
	exec unshare --pid --fork sh -c "
		cat '$t/mnt/proc/meminfo' >'$t/ct-meminfo'
		grep -c ^processor '$t/mnt/proc/cpuinfo' >'$t/ct-ncpu'
		cat '$t/mnt/proc/uptime' >'$t/ct-uptime'
		cat '$t/mnt/sys/devices/system/cpu/online' >'$t/ct-online'
		cat '$t/mnt/proc/stat' >'$t/ct-stat'"
)
kill -TERM "$dpid"
wait "$dpid"
echo "daemon-exit $?" >"$t/daemon-exit"
umount /sys/fs/cgroup
INNER
rc=$?
rmdir "/sys/fs/cgroup/unified/$CG" 2>/dev/null

lxt_is "$rc" 0 "the private pure-v2 namespace ran"
lxt_match "$(cat "$T/daemon.log" 2>/dev/null)" 'hierarchy 0: /sys/fs/cgroup \(cgroup2\)' \
	"the daemon found exactly the cgroup2 hierarchy at /sys/fs/cgroup"
lxt_false "no other hierarchy was used" grep -q 'hierarchy 1:' "$T/daemon.log"
lxt_is "$(awk '/^MemTotal:/ { print $2 }' "$T/ct-meminfo" 2>/dev/null)" \
	"$(awk '/^MemTotal:/ { print $2 }' "$T/host-meminfo")" \
	"meminfo without a v2 memory controller is the host's (MemTotal)"
lxt_is "$(cat "$T/ct-ncpu" 2>/dev/null)" "$(cat "$T/host-ncpu")" \
	"cpuinfo without a v2 cpuset controller lists the host's CPUs"
lxt_match "$(cat "$T/ct-uptime" 2>/dev/null)" '^[0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2}$' "uptime format"
lxt_num "$(cut -d. -f1 "$T/ct-uptime" 2>/dev/null || echo 999)" -lt 3 \
	"uptime is the new pid namespace's age (cgroup2 cpu.stat busy path), not the host's"
lxt_match "$(head -1 "$T/ct-stat" 2>/dev/null)" '^cpu  [0-9]' "stat starts with the aggregate line"
lxt_is "$(cat "$T/ct-online" 2>/dev/null)" "$(cat /sys/devices/system/cpu/online)" \
	"online is the host's without a cpuset controller"
lxt_is "$(cat "$T/daemon-exit" 2>/dev/null)" "daemon-exit 0" "the daemon exited 0 on SIGTERM"
[ "$LXT_FAILED" -gt 0 ] && sed 's/^/# /' "$T/inner.log" "$T/daemon.log" 2>/dev/null
lxt_done
