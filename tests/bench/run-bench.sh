#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# run-bench.sh BUILD_DIR [SECONDS]
#
# Compares open/read-whole/close throughput and latency of native /proc files, Debian's
# lxcfs (5.0.3 on bookworm) and our lxcfs (BUILD_DIR/lxcfs/lxcfs), using
# BUILD_DIR/tests/bench/lxcfs-bench with one reader placed in a fresh cgroup limited to
# 256 MiB of memory and one CPU. SECONDS (default 3) is the time spent on each file and target.
#
# Debian's lxcfs is never installed (its package ships LXC hooks that would conflict with
# ours): the .deb is fetched with `apt-get download` into BUILD_DIR/bench/debian-lxcfs/,
# unpacked there with `dpkg -x` and run with LD_LIBRARY_PATH pointing at its liblxcfs.so.
# A target that cannot be run is skipped with a message saying why.
#
# Every daemon is started as `DAEMON -f -p PIDFILE MOUNTPOINT` on a fresh mountpoint under
# /tmp. On any exit a trap stops the processes this script started (by their recorded PIDs),
# unmounts its mountpoints, removes its cgroups and its temporary directories.
#
# Output: a markdown table on stdout; the raw lxcfs-bench lines are also kept in
# BUILD_DIR/bench/results-DATE.txt. Exit status: 0 when every run was clean, 1 when a run
# reported errors or our daemon failed to start, 2 on bad usage, 77 when not root.
set -euo pipefail

readonly PROC_FILES=(meminfo cpuinfo stat uptime swaps loadavg)
readonly MEM_LIMIT=$((256 * 1024 * 1024))
readonly START_TIMEOUT_TENTHS=50	# 5 s to serve MOUNTPOINT/proc/meminfo
readonly STOP_TIMEOUT_TENTHS=50		# 5 s for a daemon to exit on SIGTERM

note() { echo "run-bench: $*" >&2; }
die() { note "$*"; exit 1; }
usage() {
	echo "Usage: $0 BUILD_DIR [SECONDS]" >&2
	exit 2
}

[[ $# -ge 1 && $# -le 2 ]] || usage
[[ -d $1 ]] || { note "build directory '$1' does not exist"; usage; }
BUILD_DIR=$(realpath -- "$1")
RUN_SECONDS=${2:-3}
if ! [[ $RUN_SECONDS =~ ^[0-9]+([.][0-9]+)?$ ]] || [[ $RUN_SECONDS =~ ^[0.]+$ ]]; then
	note "SECONDS '$RUN_SECONDS' is not a positive number"
	usage
fi
if [[ $EUID -ne 0 ]]; then
	note "must run as root (it mounts FUSE filesystems and creates cgroups)"
	exit 77
fi

BENCH=$BUILD_DIR/tests/bench/lxcfs-bench
OURS=$BUILD_DIR/lxcfs/lxcfs
DEB_DIR=$BUILD_DIR/bench/debian-lxcfs
[[ -x $BENCH ]] || die "'$BENCH' not found: build it with 'ninja -C $BUILD_DIR tests/bench/lxcfs-bench'"

# Everything below is undone by cleanup(); each item is recorded as soon as it exists.
WORK=""
MOUNTPOINTS=()
DAEMON_PIDS=()
CGROUPS=()
BENCH_PID=""
# Start time (clock ticks since boot) of every process we started, by PID: bash reaps its
# background children by itself, so a PID alone could name a stranger once it is reused.
declare -A START_TIME=()

# Prints "STATE STARTTIME" of PID from /proc/PID/stat.
proc_state() {
	local stat fields
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }	# the command name may contain spaces and ')'
	read -ra fields <<<"$stat"
	echo "${fields[0]} ${fields[19]}"	# fields 3 and 22 of proc(5)
}

# Records PID, just started by us, for pid_running().
remember_pid() {
	local st
	st=$(proc_state "$1") || st="gone -"
	START_TIME[$1]=${st#* }
}

# True while the process we started as PID runs (not a zombie, not a reused PID).
pid_running() {
	local st
	st=$(proc_state "$1") || return 1
	[[ ${st%% *} != Z && ${st#* } == "${START_TIME[$1]:-none}" ]]
}

is_mounted() {
	awk -v m="$1" '$2 == m { found = 1 } END { exit !found }' /proc/self/mounts
}

stop_daemon() {
	local pid=$1 i

	pid_running "$pid" && kill -TERM "$pid" 2>/dev/null
	for ((i = 0; i < STOP_TIMEOUT_TENTHS; i++)); do
		pid_running "$pid" || break
		sleep 0.1
	done
	if pid_running "$pid"; then
		note "daemon $pid ignored SIGTERM for 5 s, killing it"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null	# our child: reap it, if bash has not yet
}

cleanup() {
	local rc=$? pid mnt cg i
	set +e
	trap - EXIT INT TERM HUP

	if [[ -n $BENCH_PID ]] && pid_running "$BENCH_PID"; then
		# On SIGTERM it kills and reaps its readers; they would die with it anyway
		# (PR_SET_PDEATHSIG), but then init would have to reap them.
		kill -TERM "$BENCH_PID" 2>/dev/null
		for ((i = 0; i < 30; i++)); do
			pid_running "$BENCH_PID" || break
			sleep 0.1
		done
		pid_running "$BENCH_PID" && kill -KILL "$BENCH_PID" 2>/dev/null
		wait "$BENCH_PID" 2>/dev/null
	fi
	for pid in "${DAEMON_PIDS[@]}"; do
		stop_daemon "$pid"
	done
	for mnt in "${MOUNTPOINTS[@]}"; do
		if is_mounted "$mnt"; then
			fusermount3 -u "$mnt" 2>/dev/null || umount -l "$mnt" ||
				note "failed to unmount '$mnt'"
		fi
		is_mounted "$mnt" || rmdir "$mnt"
	done
	for cg in "${CGROUPS[@]}"; do
		# An exiting reader can stay listed for a moment.
		for ((i = 0; i < 50; i++)); do
			[[ -s $cg/cgroup.procs ]] || break
			sleep 0.1
		done
		rmdir "$cg" || note "failed to remove cgroup '$cg'"
	done
	[[ -n $WORK ]] && rm -rf -- "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

WORK=$(mktemp -d "/tmp/lxkit-bench-$$-XXXX")
mkdir -p "$BUILD_DIR/bench"

# Sets NEW_MNT to a fresh empty directory, recorded for cleanup (not run in a subshell).
new_mountpoint() {
	NEW_MNT=$(mktemp -d "/tmp/lxkit-bench-$$-XXXX")
	MOUNTPOINTS+=("$NEW_MNT")
}

# start_daemon NAME MOUNTPOINT COMMAND...: runs COMMAND -f -p PIDFILE MOUNTPOINT in the
# background and waits until MOUNTPOINT/proc/meminfo can be read. Sets STARTED_PID. The log
# is kept in BUILD_DIR/bench/NAME.log (overwritten by the next run).
start_daemon() {
	local name=$1 mnt=$2 i
	shift 2
	local log=$BUILD_DIR/bench/$name.log pidfile=$WORK/$name.pid

	# Without job control, background commands ignore SIGINT: cleanup() stops them.
	"$@" -f -p "$pidfile" "$mnt" >"$log" 2>&1 &
	STARTED_PID=$!
	remember_pid "$STARTED_PID"
	DAEMON_PIDS+=("$STARTED_PID")
	for ((i = 0; i < START_TIMEOUT_TENTHS; i++)); do
		if ! pid_running "$STARTED_PID"; then
			note "$name exited during startup; last lines of its log:"
			tail -n 15 "$log" >&2
			return 1
		fi
		if is_mounted "$mnt" && timeout 2 head -c 1 "$mnt/proc/meminfo" >/dev/null 2>&1; then
			if [[ -s $pidfile && $(<"$pidfile") != "$STARTED_PID" ]]; then
				note "$name: pidfile says $(<"$pidfile"), expected $STARTED_PID"
			fi
			return 0
		fi
		sleep 0.1
	done
	note "$name did not serve '$mnt/proc/meminfo' within 5 s; last lines of its log:"
	tail -n 15 "$log" >&2
	stop_daemon "$STARTED_PID"	# not left running beside the measured targets
	return 1
}

# Fetches and unpacks Debian's lxcfs; sets DEB_BIN, DEB_LIBDIR, DEB_VERSION, or SKIP_REASON.
fetch_debian_lxcfs() {
	local deb libs missing

	if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
		SKIP_REASON="apt-get or dpkg-deb not available (not a Debian host)"
		return 1
	fi
	mkdir -p "$DEB_DIR"
	deb=$(find "$DEB_DIR" -maxdepth 1 -name 'lxcfs_*.deb' | sort | tail -n 1)
	if [[ -z $deb ]]; then
		note "downloading Debian's lxcfs into '$DEB_DIR'"
		if ! (cd "$DEB_DIR" && apt-get download lxcfs) >"$DEB_DIR/apt.log" 2>&1; then
			note "apt-get download failed, running apt-get update once"
			if ! { apt-get update && (cd "$DEB_DIR" && apt-get download lxcfs); } \
				>>"$DEB_DIR/apt.log" 2>&1; then
				SKIP_REASON="apt-get download lxcfs failed, see '$DEB_DIR/apt.log'"
				return 1
			fi
		fi
		deb=$(find "$DEB_DIR" -maxdepth 1 -name 'lxcfs_*.deb' | sort | tail -n 1)
		if [[ -z $deb ]]; then
			SKIP_REASON="apt-get download lxcfs left no .deb in '$DEB_DIR'"
			return 1
		fi
	fi
	DEB_VERSION=$(dpkg-deb -f "$deb" Version) || {
		SKIP_REASON="'$deb' is not a readable .deb"
		return 1
	}
	rm -rf -- "$DEB_DIR/root"
	dpkg -x "$deb" "$DEB_DIR/root" || {
		SKIP_REASON="dpkg -x '$deb' failed"
		return 1
	}
	DEB_BIN=$DEB_DIR/root/usr/bin/lxcfs
	DEB_LIBDIR=$(dirname "$(find "$DEB_DIR/root/usr/lib" -path '*/lxcfs/liblxcfs.so' | head -n 1)")
	if [[ ! -x $DEB_BIN || ! -f $DEB_LIBDIR/liblxcfs.so ]]; then
		SKIP_REASON="the package has no usr/bin/lxcfs or usr/lib/*/lxcfs/liblxcfs.so"
		return 1
	fi
	# The binary dlopen()s "liblxcfs.so" through the dynamic loader first (so LD_LIBRARY_PATH
	# works) and only then falls back to the compiled-in /usr/lib/<triplet>/lxcfs/.
	libs=$(LD_LIBRARY_PATH=$DEB_LIBDIR ldd "$DEB_BIN" "$DEB_LIBDIR/liblxcfs.so" 2>&1) || true
	missing=$(awk '/not found/ { print $1 }' <<<"$libs" | sort -u | tr '\n' ' ')
	if [[ -n $missing ]]; then
		SKIP_REASON="missing libraries: ${missing% } (libfuse3-3 provides libfuse3.so.3)"
		return 1
	fi
	[[ $DEB_VERSION == 5.0.3* ]] || note "Debian's lxcfs is $DEB_VERSION, not the expected 5.0.3"
	return 0
}

# Creates the reader cgroups (256 MiB, one CPU) and sets CGROUP_MODE.
setup_cgroups() {
	local name=lxkit-bench-$$ cpu=0 mem=0 cg c

	# CPU 1 as in issue 7's measurements, when there is one; the daemons stay unpinned.
	[[ -d /sys/devices/system/cpu/cpu1 ]] && cpu=1
	[[ -r /sys/devices/system/node/online ]] && mem=$(cut -d, -f1 /sys/devices/system/node/online | cut -d- -f1)

	if [[ -f /sys/fs/cgroup/memory/cgroup.procs && -f /sys/fs/cgroup/cpuset/cgroup.procs ]]; then
		# cgroup v1 (or hybrid, cgroup2 at /sys/fs/cgroup/unified): LXCFS reads these.
		CGROUP_MODE="v1 (memory, cpuset)"
		cg=/sys/fs/cgroup/memory/$name
		mkdir "$cg"
		CGROUPS+=("$cg")
		echo "$MEM_LIMIT" >"$cg/memory.limit_in_bytes"
		cg=/sys/fs/cgroup/cpuset/$name
		mkdir "$cg"
		CGROUPS+=("$cg")
		# v1 cpuset refuses tasks until cpus and mems are set.
		echo "$cpu" >"$cg/cpuset.cpus"
		echo "$mem" >"$cg/cpuset.mems"
	elif [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
		CGROUP_MODE="v2"
		for c in memory cpuset; do
			grep -qw "$c" /sys/fs/cgroup/cgroup.controllers ||
				die "cgroup2 controller '$c' is not available"
			if ! grep -qw "$c" /sys/fs/cgroup/cgroup.subtree_control; then
				# Left enabled afterwards: other cgroups may have started to rely on it.
				note "enabling the cgroup2 '$c' controller in /sys/fs/cgroup/cgroup.subtree_control"
				echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control
			fi
		done
		cg=/sys/fs/cgroup/$name
		mkdir "$cg"
		CGROUPS+=("$cg")
		echo "$MEM_LIMIT" >"$cg/memory.max"
		echo "$cpu" >"$cg/cpuset.cpus"
		echo "$mem" >"$cg/cpuset.mems"
	else
		die "no memory and cpuset cgroup hierarchy found under /sys/fs/cgroup"
	fi
	CGROUP_CPU=$cpu
}

# Runs COMMAND inside the reader cgroups, in a subshell that exits with it.
in_cgroups() {
	(
		for cg in "${CGROUPS[@]}"; do
			echo "$BASHPID" >"$cg/cgroup.procs"
		done
		exec "$@"
	)
}

# What the target shows a reader in the cgroups: "MemTotal <kB> kB, <n> CPUs in cpuinfo".
# shellcheck disable=SC2016 # awk programs are single-quoted on purpose
describe_view() {
	local dir=$1 mem cpus
	mem=$(in_cgroups timeout 5 awk '$1 == "MemTotal:" { print $2 }' "$dir/meminfo") || mem="?"
	cpus=$(in_cgroups timeout 5 grep -c '^processor' "$dir/cpuinfo") || cpus="?"
	echo "MemTotal $mem kB, $cpus CPUs in cpuinfo"
}

# ---------------------------------------------------------------------------------------
TARGETS=(native)
declare -A TARGET_DIR=([native]=/proc)
declare -A TARGET_PID=()	# daemon of each FUSE target
FAILED=0
SKIP_REASON=""

setup_cgroups

if fetch_debian_lxcfs; then
	new_mountpoint
	DEB_MNT=$NEW_MNT
	if start_daemon debian-lxcfs "$DEB_MNT" env LD_LIBRARY_PATH="$DEB_LIBDIR" "$DEB_BIN"; then
		# Make sure the unpacked library is the one in use, not an installed one.
		if grep -qF "$DEB_LIBDIR/liblxcfs.so" "/proc/$STARTED_PID/maps"; then
			TARGETS+=(debian-lxcfs)
			TARGET_DIR[debian-lxcfs]=$DEB_MNT/proc
			TARGET_PID[debian-lxcfs]=$STARTED_PID
		else
			note "skipping Debian lxcfs: it did not load '$DEB_LIBDIR/liblxcfs.so'"
		fi
	else
		note "skipping Debian lxcfs: it did not start (log above)"
	fi
else
	note "skipping Debian lxcfs: $SKIP_REASON"
fi

if [[ -x $OURS ]]; then
	new_mountpoint
	OUR_MNT=$NEW_MNT
	if start_daemon lxkit-lxcfs "$OUR_MNT" "$OURS"; then
		TARGETS+=(lxkit-lxcfs)
		TARGET_DIR[lxkit-lxcfs]=$OUR_MNT/proc
		TARGET_PID[lxkit-lxcfs]=$STARTED_PID
	else
		note "skipping our lxcfs: '$OURS' did not start (log above)"
		FAILED=1
	fi
else
	note "skipping our lxcfs: '$OURS' not found (build the daemon first: ninja -C '$BUILD_DIR')"
fi

echo "# lxcfs read benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "- host: $(uname -r), $(nproc) CPUs; readers: 1, in cgroup $CGROUP_MODE limited to 256 MiB and CPU $CGROUP_CPU; daemons unpinned"
echo "- $RUN_SECONDS s per file and target, targets interleaved per file"
for t in "${TARGETS[@]}"; do
	case $t in
	native) what="/proc" ;;
	debian-lxcfs) what="Debian lxcfs $DEB_VERSION at $DEB_MNT" ;;
	lxkit-lxcfs) what="$OURS at $OUR_MNT" ;;
	esac
	echo "- $t: $what; a reader in the cgroup sees $(describe_view "${TARGET_DIR[$t]}")"
done
echo

RESULTS=$WORK/results.txt
: >"$RESULTS"
declare -A DEAD=()
for f in "${PROC_FILES[@]}"; do
	for t in "${TARGETS[@]}"; do
		[[ -n ${DEAD[$t]:-} ]] && continue
		rc=0
		"$BENCH" --readers 1 --seconds "$RUN_SECONDS" --label "$t" \
			"${CGROUPS[@]/#/--cgroup=}" "${TARGET_DIR[$t]}/$f" >"$WORK/run.out" &
		BENCH_PID=$!
		remember_pid "$BENCH_PID"
		wait "$BENCH_PID" || rc=$?
		BENCH_PID=""
		grep -v '^#' "$WORK/run.out" >>"$RESULTS" || true
		awk '!/^#/ { printf "run-bench: %-12s %-8s %8s reads/s  p50 %7s us  p99 %7s us  errors %s\n",
			$1, f, $4, $5, $6, $7 }' f="$f" "$WORK/run.out" >&2
		if [[ $rc -ne 0 ]]; then
			note "lxcfs-bench failed on $t '$f' (exit $rc)"
			FAILED=1
		fi
		if [[ -n ${TARGET_PID[$t]:-} ]] && ! pid_running "${TARGET_PID[$t]}"; then
			st=0
			wait "${TARGET_PID[$t]}" 2>/dev/null || st=$?
			how="exit status $st"
			((st > 128)) && how="signal SIG$(kill -l $((st - 128)))"
			note "$t (pid ${TARGET_PID[$t]}) died during the '$f' run ($how); no more runs on it; log: '$BUILD_DIR/bench/$t.log'"
			DEAD[$t]=1
			FAILED=1
		fi
	done
done

SAVED=$BUILD_DIR/bench/results-$(date -u +%Y%m%d-%H%M%S).txt
{
	echo "# label file readers reads/s p50_us p99_us errors bytes_per_read"
	cat "$RESULTS"
} >"$SAVED"

# label file readers reads/s p50_us p99_us errors bytes_per_read -> markdown
awk '
function ratio(a, b) { return (b > 0) ? sprintf("%.2f", a / b) : "-" }
{
	n = split($2, parts, "/"); file = parts[n]
	if (!(file in seen)) { seen[file] = 1; order[++nfiles] = file }
	key = file SUBSEP $1
	rows[file, ++count[file]] = key
	rate[key] = $4; p50[key] = $5; p99[key] = $6; err[key] = $7; size[key] = $8; label[key] = $1
}
END {
	print "| file | target | reads/s | p50 us | p99 us | errors | bytes/read | reads/s vs native | vs Debian |"
	print "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	for (i = 1; i <= nfiles; i++) {
		file = order[i]
		for (j = 1; j <= count[file]; j++) {
			key = rows[file, j]
			nat = file SUBSEP "native"; deb = file SUBSEP "debian-lxcfs"
			printf "| %s | %s | %d | %s | %s | %d | %d | %s | %s |\n", file, label[key],
				rate[key], p50[key], p99[key], err[key], size[key],
				(nat in rate) ? ratio(rate[key], rate[nat]) : "-",
				(deb in rate) ? ratio(rate[key], rate[deb]) : "-"
		}
	}
}' "$RESULTS"
echo
echo "Raw results: $SAVED"

if [[ $FAILED -ne 0 ]]; then
	note "some runs failed, see the messages above"
	exit 1
fi
