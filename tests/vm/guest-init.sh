#!/bin/busybox sh
# shellcheck shell=dash
# SPDX-License-Identifier: LGPL-2.1-or-later
# /init of the pure cgroup2 test guest (tests/integration/test-v2-guest.sh boots it with
# cgroup_no_v1=all). Everything goes to the serial console in a line format the host parses:
#   @@ TAG KEY VALUE...        one value
#   @@> TAG LABEL / @@< TAG LABEL
#                              the lines in between are a file's content
# The same script is the reader: LXKIT_ROLE=reader /init TAG MOUNT ACTIONS, started as pid 1 of
# a new pid namespace inside a test cgroup, so lxcfs renders its views for that cgroup.

say() {
	echo "@@ $*"
}

uptime_s() {
	cut -d' ' -f1 /proc/uptime
}

# show TAG LABEL FILE: the file between markers (awk adds a missing final newline); a read
# that hangs in FUSE is killed after 20 s
show() {
	local rc

	echo "@@> $1 $2"
	timeout -s KILL 20 awk 1 "$3"
	rc=$?
	echo "@@< $1 $2"
	[ "$rc" = 0 ] || say "$1" readfail "$2 rc=$rc"
}

# the reader cgroup's memory.stat counters that meminfo's Cached/MemAvailable come from
cgstat() {
	awk '$1 ~ /^(anon|file|active_file|inactive_file|shmem|slab_reclaimable)$/ { printf "%s=%s ", $1, $2 }' \
		"/sys/fs/cgroup/$LXKIT_CG/memory.stat"
}

# ---------------------------------------------------------------------------------------------
# Reader role: pid 1 of its own pid namespace, already in the test cgroup

reader() {
	local tag="$1" mnt="$2" actions="$3" a

	say "$tag" reader "pid=$$ cgroup=$(cat /proc/self/cgroup)"
	for a in $actions; do
		case $a in
		mem)
			show "$tag" meminfo "$mnt/proc/meminfo"
			;;
		cpu)
			say "$tag" ncpu "$(timeout -s KILL 20 grep -c ^processor "$mnt/proc/cpuinfo")"
			show "$tag" online "$mnt/sys/devices/system/cpu/online"
			show "$tag" stat "$mnt/proc/stat"
			say "$tag" cpudirs "$(for d in "$mnt"/sys/devices/system/cpu/cpu[0-9]*; do printf '%s ' "${d##*/}"; done)"
			;;
		misc)
			show "$tag" uptime "$mnt/proc/uptime"
			say "$tag" t1 "$(uptime_s)"
			show "$tag" swaps "$mnt/proc/swaps"
			show "$tag" loadavg "$mnt/proc/loadavg"
			show "$tag" diskstats "$mnt/proc/diskstats"
			if [ -e "$mnt/proc/pressure/memory" ]; then
				show "$tag" pressure-memory "$mnt/proc/pressure/memory"
			else
				say "$tag" no-pressure-memory
			fi
			;;
		cache)
			# LX-06 (b): 20 MiB written through the page cache of the scratch disk, synced:
			# clean file pages charged to this cgroup, reclaimable, so "available". fd 3
			# keeps the disk open: the last close of a block device drops its page cache.
			if [ -b /dev/vda ] && exec 3</dev/vda; then
				say "$tag" cgstat-before "$(cgstat)"
				dd if=/dev/zero of=/dev/vda bs=1M count=20 conv=fsync 2>/dev/null
				say "$tag" dd-rc "$?"
				sync
				show "$tag" meminfo-after "$mnt/proc/meminfo"
				say "$tag" cgstat-after "$(cgstat)"
				show "$tag" diskstats-after "$mnt/proc/diskstats"
				exec 3<&-
			else
				say "$tag" no-disk
			fi
			;;
		esac
	done
	say "$tag" "done"
}

if [ "${LXKIT_ROLE-}" = reader ]; then
	reader "$@"
	exit 0
fi

# ---------------------------------------------------------------------------------------------
# init role

/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sysfs /sys
/bin/busybox mount -t devtmpfs devtmpfs /dev
/bin/busybox --install -s /bin
export PATH=/bin
exec </dev/console >/dev/console 2>&1
dmesg -n 1
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp

say guest start "$(uptime_s)"
say guest kernel "$(uname -r)"
say guest cmdline "$(cat /proc/cmdline)"

while read -r m; do
	modprobe "$m" || say guest modprobe-fail "$m"
done </etc/lxkit-modules
for _ in $(seq 50); do
	[ -c /dev/fuse ] && [ -e /sys/block/vda ] && break
	usleep 100000
done
say guest modules "$(cut -d' ' -f1 /proc/modules | tr '\n' ' ')"
say guest fuse "$([ -c /dev/fuse ] && echo yes || echo no)"
say guest memtotal "$(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo)"
say guest ncpu "$(grep -c ^processor /proc/cpuinfo)"
say guest online "$(cat /sys/devices/system/cpu/online)"
say guest swaptotal "$(awk '$1 == "SwapTotal:" { print $2 }' /proc/meminfo)"

# ---- cgroup2, and only cgroup2
G=/sys/fs/cgroup
mount -t cgroup2 cgroup2 "$G" || say guest setup-fail "mount cgroup2"
show guest proc-cgroups /proc/cgroups
say guest root-controllers "$(cat "$G/cgroup.controllers")"

# cgw FILE VALUE: one cgroup write, reported
cgw() {
	if echo "$2" >"$G/$1" 2>/dev/null; then
		say guest setup-ok "$1=$2"
	else
		say guest setup-fail "$1=$2"
	fi
}

cgw cgroup.subtree_control "+memory +cpu +cpuset +io"
for cg in lxkit-guest lxkit-max lxkit-cfs; do
	mkdir "$G/$cg" || say guest setup-fail "mkdir $cg"
done
# the limited container: 256 MiB, CPU 0 of 2, half a CPU of bandwidth, a write throttle on vda
cgw lxkit-guest/memory.max 268435456
cgw lxkit-guest/cpuset.cpus 0
cgw lxkit-guest/cpu.max "50000 100000"
if [ -e /sys/block/vda/dev ]; then
	cgw lxkit-guest/io.max "$(cat /sys/block/vda/dev) wbps=209715200"
	say guest io.max "$(cat "$G/lxkit-guest/io.max")"
fi
# LX-06 (a): memory.max "max"
cgw lxkit-max/memory.max max
# the CFS quota alone narrows the view: both CPUs in the cpuset, half a CPU of bandwidth
cgw lxkit-cfs/cpu.max "50000 100000"
for cg in lxkit-guest lxkit-max lxkit-cfs; do
	say "$cg" controllers "$(cat "$G/$cg/cgroup.controllers")"
	say "$cg" memory.max "$(cat "$G/$cg/memory.max")"
	say "$cg" cpuset.cpus.effective "$(cat "$G/$cg/cpuset.cpus.effective")"
	say "$cg" cpu.max "$(cat "$G/$cg/cpu.max")"
done

# ---- the daemons: one plain, one with --enable-cfs
lxcfs -p /run/lxcfs.pid /lxcfs >/run/lxcfs.log 2>&1 &
d_plain=$!
lxcfs --enable-cfs -p /run/lxcfs-cfs.pid /lxcfs-cfs >/run/lxcfs-cfs.log 2>&1 &
d_cfs=$!
for _ in $(seq 100); do
	[ -e /lxcfs/proc/meminfo ] && [ -e /lxcfs-cfs/proc/meminfo ] && break
	usleep 100000
done
say guest mounted "$(awk '$3 == "fuse.lxcfs" { printf "%s ", $2 }' /proc/mounts)"
say guest daemons-up "$(uptime_s)"

# run_reader TAG CGROUP MOUNT ACTIONS: a process joins CGROUP, then becomes pid 1 of a new pid
# namespace (the reader lxcfs resolves) and prints the views
run_reader() {
	say "$1" t0 "$(uptime_s)"
	(
		echo 0 >"$G/$2/cgroup.procs" || say "$1" join-fail "$2"
		export LXKIT_ROLE=reader LXKIT_CG="$2"
		exec unshare -p -f /init "$1" "$3" "$4"
	)
	say "$1" rc "$?"
}

run_reader lim lxkit-guest /lxcfs "misc mem cpu cache"
run_reader max lxkit-max /lxcfs "mem"
run_reader cfs-lim lxkit-guest /lxcfs-cfs "cpu"
run_reader cfs-wide lxkit-cfs /lxcfs-cfs "cpu"
run_reader plain-wide lxkit-cfs /lxcfs "cpu"

# ---- stop the daemons cleanly
kill -TERM "$d_plain" "$d_cfs"
wait "$d_plain"
say guest exit-plain "$?"
wait "$d_cfs"
say guest exit-cfs "$?"
say guest still-mounted "$(awk '$3 == "fuse.lxcfs" { printf "%s ", $2 }' /proc/mounts)"
show guest log-plain /run/lxcfs.log
show guest log-cfs /run/lxcfs-cfs.log
say guest end "$(uptime_s)"
poweroff -f
