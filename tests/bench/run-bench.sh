#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# run-bench.sh [--callgrind] BUILD_DIR [SECONDS]
#
# Read benchmark of our lxcfs (BUILD_DIR/lxcfs/lxcfs) against its ceiling and references, all
# mounted side by side and measured interleaved in one run:
#
#   nullfs-mt     BUILD_DIR/tests/bench/nullfs, a do-nothing FUSE filesystem serving fixed
#                 buffers of the sizes our files have for the reader (multi-threaded loop with
#                 clone_fd, as ours); the ceiling
#   nullfs-st     the same with the single-threaded loop
#   lxkit-lxcfs   ours
#   debian-lxcfs  Debian's lxcfs (5.0.3 on bookworm), when it can be fetched (below)
#   native        the kernel's own files
#
# Files: proc/meminfo, proc/cpuinfo, proc/stat, proc/uptime, sys/devices/system/cpu/online,
# read by BUILD_DIR/tests/bench/lxcfs-bench with 1 and with 16 readers placed in a fresh
# cgroup limited to 256 MiB of memory and one CPU (CPU 1 when there is one; the daemons stay
# unpinned). Scale mode: proc/meminfo with 200 readers in that one cgroup, then 200 readers
# in 200 fresh cgroups (lxcfs-bench --cgroup-per-reader: lxkit-bench-<pid>-N, each with its
# own memory limit, removed at the end). Every round runs every configuration on every target
# in turn; the tables show medians over the rounds of reads/s, p50, p99 and the daemon's CPU
# time per read (utime + stime of /proc/PID/stat over the run, divided by the reads), and the
# daemons' peak RSS (VmHWM). "vs ceiling" compares with the faster nullfs loop for that file
# and reader count, "vs Debian" with Debian's lxcfs.
#
# SECONDS (default $BENCH_SECONDS or 2) is the time per file, target and round;
# BENCH_ROUNDS (default 3, at least 1) the number of rounds; BENCH_LOOPS="single multi" adds
# our lxcfs with those request loops (lxcfs --fuse-loop) as further targets.
#
# --callgrind: instead, runs our lxcfs (and nullfs-mt and Debian's lxcfs, for comparison)
# under `valgrind --tool=callgrind`, once idle (started, probed with stat(1), stopped) and
# once serving BENCH_READS (default 2000) open/read/close cycles of proc/meminfo from one
# reader in the cgroup, and prints the daemon's instructions per read, (Ir of the run - Ir
# idle) / reads, plus the 10 functions with the most instructions per read (self cost, the
# idle run's cost subtracted). Instruction counts do not depend on the machine's load.
#
# Debian's lxcfs is never installed (its package ships LXC hooks that would conflict with
# ours): the .deb is fetched with `apt-get download` into BUILD_DIR/bench/debian-lxcfs/,
# unpacked there with `dpkg -x` and run with LD_LIBRARY_PATH pointing at its liblxcfs.so.
# A target that cannot be run is skipped with a message saying why.
#
# Every daemon is started as `DAEMON -f -p PIDFILE MOUNTPOINT` on a fresh mountpoint under
# /tmp. On any exit a trap stops the processes this script started (by their recorded PIDs),
# unmounts its mountpoints, removes its cgroups (including those of an interrupted
# lxcfs-bench --cgroup-per-reader) and its temporary directories.
#
# Output: markdown on stdout; the raw lxcfs-bench lines are also kept in
# BUILD_DIR/bench/results-DATE.txt (callgrind outputs in BUILD_DIR/bench/callgrind/). Exit
# status: 0 when every run was clean, 1 when a run reported errors or our daemon failed to
# start, 2 on bad usage, 77 when not root.
set -euo pipefail

readonly FILES=(proc/meminfo proc/cpuinfo proc/stat proc/uptime sys/devices/system/cpu/online)
readonly READER_COUNTS=(1 16)
readonly SCALE_READERS=200
readonly MEM_LIMIT=$((256 * 1024 * 1024))
# Raised for daemons under valgrind, which start and stop far more slowly.
START_TIMEOUT_TENTHS=50		# 5 s to serve MOUNTPOINT/proc/meminfo
STOP_TIMEOUT_TENTHS=50		# 5 s for a daemon to exit on SIGTERM

note() { echo "run-bench: $*" >&2; }
die() { note "$*"; exit 1; }
usage() {
	echo "Usage: $0 [--callgrind] BUILD_DIR [SECONDS]" >&2
	exit 2
}

CALLGRIND=0
if [[ ${1:-} == --callgrind ]]; then
	CALLGRIND=1
	shift
fi
[[ $# -ge 1 && $# -le 2 ]] || usage
[[ -d $1 ]] || { note "build directory '$1' does not exist"; usage; }
BUILD_DIR=$(realpath -- "$1")
RUN_SECONDS=${2:-${BENCH_SECONDS:-2}}
ROUNDS=${BENCH_ROUNDS:-3}
CG_READS=${BENCH_READS:-2000}
if ! [[ $RUN_SECONDS =~ ^[0-9]+([.][0-9]+)?$ ]] || [[ $RUN_SECONDS =~ ^[0.]+$ ]]; then
	note "SECONDS '$RUN_SECONDS' is not a positive number"
	usage
fi
if ! [[ $ROUNDS =~ ^[1-9][0-9]?$ && $CG_READS =~ ^[1-9][0-9]{0,6}$ ]]; then
	note "BENCH_ROUNDS '$ROUNDS' (1..99) or BENCH_READS '$CG_READS' (1..9999999) is not valid"
	usage
fi
if [[ $EUID -ne 0 ]]; then
	note "must run as root (it mounts FUSE filesystems and creates cgroups)"
	exit 77
fi

BENCH=$BUILD_DIR/tests/bench/lxcfs-bench
NULLFS=$BUILD_DIR/tests/bench/nullfs
OURS=$BUILD_DIR/lxcfs/lxcfs
DEB_DIR=$BUILD_DIR/bench/debian-lxcfs
for prog in "$BENCH" "$NULLFS"; do
	[[ -x $prog ]] || die "'$prog' not found: build it with 'ninja -C $BUILD_DIR'"
done
if ((CALLGRIND)) && ! command -v valgrind >/dev/null; then
	die "valgrind not found (apt-get install valgrind)"
fi

# Everything below is undone by cleanup(); each item is recorded as soon as it exists.
WORK=""
MOUNTPOINTS=()
DAEMON_PIDS=()
CGROUPS=()
BENCH_PID=""
SCALE_BENCH_PIDS=()	# lxcfs-bench runs that created per-reader cgroups
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
		note "daemon $pid ignored SIGTERM for $((STOP_TIMEOUT_TENTHS / 10)) s, killing it"
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
	# lxcfs-bench removes its per-reader cgroups itself, unless it was killed.
	for pid in "${SCALE_BENCH_PIDS[@]}"; do
		for cg in /sys/fs/cgroup/{memory,cpuset,}/lxkit-bench-"$pid"-*; do
			[[ -d $cg ]] && { rmdir "$cg" || note "failed to remove cgroup '$cg'"; }
		done
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

PROBE="read"
probe_ready() {
	if [[ $PROBE == stat ]]; then
		timeout 10 stat -c %s "$1" >/dev/null 2>&1
	else
		timeout 2 head -c 1 "$1" >/dev/null 2>&1
	fi
}

# Sets NEW_MNT to a fresh empty directory, recorded for cleanup (not run in a subshell).
new_mountpoint() {
	NEW_MNT=$(mktemp -d "/tmp/lxkit-bench-$$-XXXX")
	MOUNTPOINTS+=("$NEW_MNT")
}

# start_daemon NAME MOUNTPOINT COMMAND...: runs COMMAND -f -p PIDFILE MOUNTPOINT in the
# background and waits until MOUNTPOINT/proc/meminfo can be read (with PROBE=stat: until it
# can be stat()ed, which neither opens nor reads it). Sets STARTED_PID. The log is kept in
# BUILD_DIR/bench/NAME.log (overwritten by the next run).
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
		if is_mounted "$mnt" && probe_ready "$mnt/proc/meminfo"; then
			# (under strace, the pidfile names strace's child)
			if [[ $1 != strace && -s $pidfile && $(<"$pidfile") != "$STARTED_PID" ]]; then
				note "$name: pidfile says $(<"$pidfile"), expected $STARTED_PID"
			fi
			return 0
		fi
		sleep 0.1
	done
	note "$name did not serve '$mnt/proc/meminfo' within $((START_TIMEOUT_TENTHS / 10)) s; last lines of its log:"
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

# describe_view ROOT: what the target mounted at ROOT shows a reader in the cgroups: "MemTotal <kB> kB, <n> CPUs in cpuinfo".
# shellcheck disable=SC2016 # awk programs are single-quoted on purpose
describe_view() {
	local dir=$1 mem cpus
	mem=$(in_cgroups timeout 5 awk '$1 == "MemTotal:" { print $2 }' "${dir%/}/proc/meminfo") || mem="?"
	cpus=$(in_cgroups timeout 5 grep -c '^processor' "${dir%/}/proc/cpuinfo") || cpus="?"
	echo "MemTotal $mem kB, $cpus CPUs in cpuinfo"
}


# Fails the run when the daemon of target $1 has died; stops measuring it.
check_alive() {
	local t=$1 st how
	[[ -z ${TARGET_PID[$t]:-} || -n ${DEAD[$t]:-} ]] && return 0
	pid_running "${TARGET_PID[$t]}" && return 0
	st=0
	wait "${TARGET_PID[$t]}" 2>/dev/null || st=$?
	how="exit status $st"
	((st > 128)) && how="signal SIG$(kill -l $((st - 128)))"
	note "$t (pid ${TARGET_PID[$t]}) died ($how); no more runs on it; log: '$BUILD_DIR/bench/$t.log'"
	DEAD[$t]=1
	FAILED=1
}

# run_bench ROUND CONFIG TARGET FILE LXCFS-BENCH-ARGS...: one lxcfs-bench run of FILE on TARGET.
# Appends "ROUND CONFIG FILE <lxcfs-bench line>" to RESULTS.
run_bench() {
	local round=$1 config=$2 t=$3 f=$4 rc=0
	shift 4
	local extra=()

	[[ -n ${DEAD[$t]:-} ]] && return 0
	[[ -n ${TARGET_PID[$t]:-} ]] && extra=(--daemon-pid "${TARGET_PID[$t]}")
	"$BENCH" --seconds "$RUN_SECONDS" --label "$t" --mountpoint "${TARGET_DIR[$t]}" \
		"${extra[@]}" "$@" "$f" >"$WORK/run.out" &
	BENCH_PID=$!
	remember_pid "$BENCH_PID"
	[[ " $* " == *" --cgroup-per-reader "* ]] && SCALE_BENCH_PIDS+=("$BENCH_PID")
	wait "$BENCH_PID" || rc=$?
	BENCH_PID=""
	awk -v r="$round" -v c="$config" -v f="$f" '!/^#/ { print r, c, f, $0 }' "$WORK/run.out" >>"$RESULTS"
	awk '!/^#/ { printf "run-bench: round %s %-11s %-12s %-8s %8s reads/s  p50 %7s us  p99 %8s us  cpu/read %6s us  errors %s\n",
		r, c, $1, f, $4, $5, $6, $9, $7 }' r="$round" c="$config" f="${f##*/}" "$WORK/run.out" >&2
	if [[ $rc -ne 0 ]]; then
		note "lxcfs-bench failed on $t '$f' ($config, exit $rc)"
		FAILED=1
	fi
	check_alive "$t"
}

# ---------------------------------------------------------------------------------------
# --callgrind

# lib_range PID: "LO HI", the addresses PID maps its memfd copy of liblxcfs.so at ("0 0" if
# none). Our lxcfs dlopen()s that copy through /proc/self/fd/N, so valgrind finds no symbols
# for it: cg_functions() names its functions with addr2line instead.
lib_range() {
	local lo=0 hi=0 range path s e
	while read -r range _ _ _ _ path; do
		[[ $path == *memfd:liblxcfs* ]] || continue
		s=$((16#${range%-*}))
		e=$((16#${range#*-}))
		((lo == 0 || s < lo)) && lo=$s
		((e > hi)) && hi=$e
	done <"/proc/$1/maps"
	echo "$lo $hi"
}

# cg_run NAME READS LD_LIBRARY_PATH COMMAND...: runs COMMAND -f -p PIDFILE MOUNTPOINT under
# callgrind, has one reader in the cgroups do READS (0: none) open/read/close cycles of
# proc/meminfo, stops the daemon and sets CG_IR to its total instruction count and CG_LIB to
# lib_range() of the daemon. The output is kept in CG_DIR/NAME-READS.out.
cg_run() {
	local name=$1 reads=$2 ldpath=$3 out rc=0
	shift 3
	out=$CG_DIR/$name-$reads.out
	rm -f -- "$out"
	# The library as the daemon loads it, for addr2line: the build directory may be rebuilt
	# while we measure.
	[[ $name == lxkit-lxcfs ]] && cp -- "$BUILD_DIR/lxcfs/liblxcfs.so" "$out.liblxcfs.so"
	new_mountpoint
	start_daemon "callgrind-$name" "$NEW_MNT" env ${ldpath:+LD_LIBRARY_PATH="$ldpath"} \
		valgrind --tool=callgrind --callgrind-out-file="$out" "$@" || return 1
	if ((reads > 0)); then
		"$BENCH" --count "$reads" --label "$name" --mountpoint "$NEW_MNT" \
			"${CGROUPS[@]/#/--cgroup=}" proc/meminfo >"$WORK/run.out" &
		BENCH_PID=$!
		remember_pid "$BENCH_PID"
		wait "$BENCH_PID" || rc=$?
		BENCH_PID=""
		if ((rc != 0)); then
			note "lxcfs-bench failed on $name under callgrind (exit $rc)"
			stop_daemon "$STARTED_PID"
			return 1
		fi
	fi
	CG_LIB=$(lib_range "$STARTED_PID" 2>/dev/null) || CG_LIB="0 0"
	stop_daemon "$STARTED_PID"
	if [[ $name == lxkit-lxcfs ]] && ! cmp -s -- "$BUILD_DIR/lxcfs/liblxcfs.so" "$out.liblxcfs.so"; then
		note "'$BUILD_DIR/lxcfs/liblxcfs.so' changed during the $name run: figures and names are unreliable"
		return 1
	fi
	CG_IR=$(awk '/^(summary|totals):/ { print $2; exit }' "$out" 2>/dev/null)
	if [[ -z $CG_IR ]]; then
		note "$name: no callgrind totals in '$out' (did the daemon exit cleanly? log: '$BUILD_DIR/bench/callgrind-$name.log')"
		return 1
	fi
}

# cg_functions FILE LO HI: "IR<tab>FUNCTION" per function (self cost) from callgrind_annotate;
# unnamed functions at addresses in [LO, HI) are named from FILE.liblxcfs.so (see cg_run).
cg_functions() {
	local file=$1 lo=$2 hi=$3 ir fn off i
	local -a offs=() syms=()
	local -A sym=()

	# The function list follows the "Ir  file:function" header and its dashes.
	callgrind_annotate --inclusive=no --threshold=100 --auto=no "$file" 2>/dev/null | awk '
	/file:function/ { on = 1; getline; next }
	on && /^ *$/ { exit }
	on && /^ *[0-9][0-9,]* / {
		ir = $1; gsub(",", "", ir)
		line = $0
		sub(/^ *[0-9][0-9,]* +(\([ 0-9.]+%\) +)?/, "", line)
		print ir "\t" line
	}' >"$WORK/functions.txt"

	while IFS=$'\t' read -r ir fn; do
		[[ $fn =~ ^\?\?\?:0x([0-9a-f]+)\ \[\?\?\?\]$ ]] || continue
		off=$((16#${BASH_REMATCH[1]}))
		((off >= lo && off < hi)) && offs+=("$(printf '0x%x' $((off - lo)))")
	done <"$WORK/functions.txt"
	if ((${#offs[@]} > 0)); then
		mapfile -t syms < <(addr2line -f -e "$file.liblxcfs.so" "${offs[@]}" | awk 'NR % 2 == 1')
		for i in "${!offs[@]}"; do
			sym[${offs[$i]}]=${syms[$i]:-??}
		done
	fi
	while IFS=$'\t' read -r ir fn; do
		if [[ $fn =~ ^\?\?\?:0x([0-9a-f]+)\ \[\?\?\?\]$ ]]; then
			off=$((16#${BASH_REMATCH[1]}))
			if ((off >= lo && off < hi)); then
				fn="${sym[$(printf '0x%x' $((off - lo)))]} [liblxcfs.so]"
			fi
		fi
		printf '%s\t%s\n' "$ir" "$fn"
	done <"$WORK/functions.txt"
}

# st_run NAME READS COMMAND...: like cg_run, under `strace -f -c` instead; sets ST_FILE to the
# syscall summary. strace is the process started (STARTED_PID): the daemon it runs, its child,
# is stopped through the pid in its pidfile, then strace exits by itself.
st_run() {
	local name=$1 reads=$2 rc=0 pid
	shift 2
	ST_FILE=$CG_DIR/$name-$reads.strace
	rm -f -- "$ST_FILE"
	new_mountpoint
	start_daemon "strace-$name" "$NEW_MNT" strace -f -qq -c -o "$ST_FILE" "$@" || return 1
	if ((reads > 0)); then
		"$BENCH" --count "$reads" --label "$name" --mountpoint "$NEW_MNT" \
			"${CGROUPS[@]/#/--cgroup=}" proc/meminfo >"$WORK/run.out" &
		BENCH_PID=$!
		remember_pid "$BENCH_PID"
		wait "$BENCH_PID" || rc=$?
		BENCH_PID=""
	fi
	pid=$(<"$WORK/strace-$name.pid") || pid=""
	# only a child of the strace we started
	if [[ $pid =~ ^[0-9]+$ ]] && grep -qx "PPid:[[:space:]]*$STARTED_PID" "/proc/$pid/status" 2>/dev/null; then
		kill -TERM "$pid"
	fi
	stop_daemon "$STARTED_PID"
	if ((rc != 0)) || [[ ! -s $ST_FILE ]]; then
		note "strace run of $name failed (lxcfs-bench exit $rc)"
		return 1
	fi
}

# st_calls FILE: "SYSCALL CALLS" per syscall of a `strace -c` summary, then "total CALLS".
st_calls() {
	awk '$1 ~ /^[0-9.]+$/ && NF >= 5 { print $NF, $4 }' "$1"
}

run_callgrind() {
	local name ir_idle ir_run per ldpath cmd lib_idle="0 0" lib_run="0 0" idle_file
	local -a names=()
	declare -A per_read=() idle=() run=() LIB_RANGE=()

	CG_DIR=$BUILD_DIR/bench/callgrind
	mkdir -p "$CG_DIR"
	START_TIMEOUT_TENTHS=600	# valgrind: 60 s to start, 60 s to stop
	STOP_TIMEOUT_TENTHS=600
	PROBE=stat		# the idle run must not read anything

	for name in nullfs-mt lxkit-lxcfs debian-lxcfs; do
		ldpath=""
		case $name in
		nullfs-mt) cmd=("$NULLFS") ;;
		lxkit-lxcfs)
			[[ -x $OURS ]] || { note "'$OURS' not found"; FAILED=1; continue; }
			cmd=("$OURS")
			;;
		debian-lxcfs)
			((HAVE_DEB)) || continue
			ldpath=$DEB_LIBDIR
			cmd=("$DEB_BIN")
			;;
		esac
		note "callgrind: $name idle"
		cg_run "$name" 0 "$ldpath" "${cmd[@]}" || { FAILED=1; continue; }
		ir_idle=$CG_IR
		lib_idle=$CG_LIB
		note "callgrind: $name with $CG_READS meminfo reads"
		cg_run "$name" "$CG_READS" "$ldpath" "${cmd[@]}" || { FAILED=1; continue; }
		ir_run=$CG_IR
		lib_run=$CG_LIB
		idle[$name]=$ir_idle
		run[$name]=$ir_run
		per_read[$name]=$(((ir_run - ir_idle) / CG_READS))
		if [[ $name == lxkit-lxcfs ]]; then
			LIB_RANGE[idle]=$lib_idle
			LIB_RANGE[run]=$lib_run
		fi
		names+=("$name")
	done

	echo "# lxcfs callgrind: daemon instructions per proc/meminfo read, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo
	echo "- $CG_READS open/read-whole/close cycles by one reader in cgroup $CGROUP_MODE (256 MiB, CPU $CGROUP_CPU);"
	echo "  per read = (Ir of the daemon serving them - Ir of the daemon started and stopped idle) / $CG_READS"
	echo
	echo "| daemon | Ir idle | Ir with $CG_READS reads | Ir per read | vs nullfs-mt |"
	echo "| --- | ---: | ---: | ---: | ---: |"
	for name in "${names[@]}"; do
		per=${per_read[$name]}
		echo "| $name | ${idle[$name]} | ${run[$name]} | $per | $(awk -v a="$per" -v b="${per_read[nullfs-mt]:-0}" \
			'BEGIN { print (b > 0) ? sprintf("%.1fx", a / b) : "-" }') |"
	done
	if [[ -n ${per_read[lxkit-lxcfs]:-} ]]; then
		echo
		echo "Top 10 functions of lxkit-lxcfs by instructions per read (self cost, idle run subtracted):"
		echo
		echo "| Ir per read | share | function |"
		echo "| ---: | ---: | --- |"
		# shellcheck disable=SC2086 # LO HI: two words on purpose
		{
			cg_functions "$CG_DIR/lxkit-lxcfs-0.out" ${LIB_RANGE[idle]} | sed 's/^/idle\t/'
			cg_functions "$CG_DIR/lxkit-lxcfs-$CG_READS.out" ${LIB_RANGE[run]} | sed 's/^/run\t/'
		} | awk -F '\t' '
		{
			if ($1 == "idle") base[$3] += $2; else cost[$3] += $2
		}
		END {
			for (fn in cost) {
				d = cost[fn] - base[fn]
				if (d > 0) printf "%d\t%s\n", d, fn
			}
		}' | sort -rn | awk 'NR <= 10' | awk -F '\t' -v reads="$CG_READS" \
			-v total="$((run[lxkit-lxcfs] - idle[lxkit-lxcfs]))" '
		{
			# "./malloc/./malloc/malloc.c:_int_free [/usr/lib/.../libc.so.6]" -> "_int_free (libc.so.6)"
			name = $2; obj = ""
			if (match(name, / \[[^]]*\]$/)) {
				obj = substr(name, RSTART + 2, RLENGTH - 3)
				name = substr(name, 1, RSTART - 1)
				sub(/.*\//, "", obj)
			}
			if (name !~ /^\?\?\?:/)
				sub(/^[^:]*:/, "", name)
			printf "| %d | %.1f%% | `%s`%s |\n", $1 / reads, 100 * $1 / total, name,
				obj != "" ? " (" obj ")" : ""
		}'
	fi

	# Kernel work is invisible to callgrind: count the daemon's system calls per read too.
	echo
	echo "System calls per read (strace -f -c, the idle run subtracted):"
	echo
	echo "| daemon | syscalls per read | the most frequent |"
	echo "| --- | ---: | --- |"
	for name in nullfs-mt lxkit-lxcfs; do
		case $name in
		nullfs-mt) cmd=("$NULLFS") ;;
		lxkit-lxcfs) cmd=("$OURS") ;;
		esac
		[[ -x ${cmd[0]} ]] || continue
		st_run "$name" 0 "${cmd[@]}" || { FAILED=1; continue; }
		idle_file=$ST_FILE
		st_run "$name" "$CG_READS" "${cmd[@]}" || { FAILED=1; continue; }
		{
			st_calls "$idle_file" | sed 's/^/idle /'
			st_calls "$ST_FILE" | sed 's/^/run /'
		} | awk -v reads="$CG_READS" -v name="$name" '
		{ if ($1 == "idle") base[$2] += $3; else cost[$2] += $3 }
		END {
			n = 0
			for (sc in cost) {
				if (sc == "total") continue
				d = (cost[sc] - base[sc]) / reads
				if (d >= 0.05) { list[++n] = sc; per[sc] = d }
			}
			# by calls per read, descending (insertion sort: a few dozen entries)
			for (i = 2; i <= n; i++) {
				t = list[i]
				for (j = i - 1; j >= 1 && per[list[j]] < per[t]; j--) list[j + 1] = list[j]
				list[j + 1] = t
			}
			top = ""
			for (i = 1; i <= n && i <= 8; i++)
				top = top sprintf("%s%s %.1f", i > 1 ? ", " : "", list[i], per[list[i]])
			printf "| %s | %.1f | %s |\n", name, (cost["total"] - base["total"]) / reads, top
		}'
	done
	echo
	echo "callgrind and strace outputs: $CG_DIR/ (callgrind_annotate FILE)"
}

# ---------------------------------------------------------------------------------------
TARGETS=()
declare -A TARGET_DIR=() TARGET_PID=() TARGET_WHAT=()
declare -A DEAD=()
FAILED=0
SKIP_REASON=""
HAVE_DEB=0

setup_cgroups
if fetch_debian_lxcfs; then
	HAVE_DEB=1
else
	note "skipping Debian lxcfs: $SKIP_REASON"
fi

if ((CALLGRIND)); then
	run_callgrind
	if [[ $FAILED -ne 0 ]]; then
		note "some runs failed, see the messages above"
		exit 1
	fi
	exit 0
fi

# Ours first: nullfs serves buffers of the sizes a reader in the cgroup gets from it.
SIZE_ARGS=()
if [[ -x $OURS ]]; then
	new_mountpoint
	if start_daemon lxkit-lxcfs "$NEW_MNT" "$OURS"; then
		TARGETS+=(lxkit-lxcfs)
		TARGET_DIR[lxkit-lxcfs]=$NEW_MNT
		TARGET_PID[lxkit-lxcfs]=$STARTED_PID
		TARGET_WHAT[lxkit-lxcfs]="$OURS at $NEW_MNT"
		for f in "${FILES[@]}"; do
			n=$(in_cgroups timeout 5 cat "$NEW_MNT/$f" | wc -c) || n=0
			((n > 0)) && SIZE_ARGS+=(--size "$f=$n")
		done
	else
		note "skipping our lxcfs: '$OURS' did not start (log above)"
		FAILED=1
	fi
else
	note "skipping our lxcfs: '$OURS' not found (build the daemon first: ninja -C '$BUILD_DIR')"
	FAILED=1
fi
[[ ${#SIZE_ARGS[@]} -gt 0 ]] || note "nullfs serves its default sizes (ours could not be read)"

# Prepended in reverse: the order is nullfs-mt, nullfs-st, lxkit-lxcfs.
for t in nullfs-st nullfs-mt; do
	new_mountpoint
	single=()
	[[ $t == nullfs-st ]] && single=(-s)
	if start_daemon "$t" "$NEW_MNT" "$NULLFS" "${single[@]}" "${SIZE_ARGS[@]}"; then
		TARGETS=("$t" "${TARGETS[@]}")
		TARGET_DIR[$t]=$NEW_MNT
		TARGET_PID[$t]=$STARTED_PID
		TARGET_WHAT[$t]="$NULLFS${single[*]:+ ${single[*]}} at $NEW_MNT"
	else
		note "skipping $t: it did not start (log above)"
		FAILED=1
	fi
done

# BENCH_LOOPS="single multi": our lxcfs also with those request loops (lxcfs --fuse-loop), as
# lxkit-single and lxkit-multi; lxkit-lxcfs is the default, adaptive loop
for mode in ${BENCH_LOOPS:-}; do
	case $mode in
	single | multi) ;;
	*) note "BENCH_LOOPS: unknown loop '$mode' (single, multi)"; exit 2 ;;
	esac
	[[ -x $OURS ]] || continue
	new_mountpoint
	if start_daemon "lxkit-$mode" "$NEW_MNT" "$OURS" --fuse-loop "$mode"; then
		TARGETS+=("lxkit-$mode")
		TARGET_DIR[lxkit-$mode]=$NEW_MNT
		TARGET_PID[lxkit-$mode]=$STARTED_PID
		TARGET_WHAT[lxkit-$mode]="$OURS --fuse-loop $mode at $NEW_MNT"
	else
		note "skipping lxkit-$mode: it did not start (log above)"
		FAILED=1
	fi
done

if ((HAVE_DEB)); then
	new_mountpoint
	if start_daemon debian-lxcfs "$NEW_MNT" env LD_LIBRARY_PATH="$DEB_LIBDIR" "$DEB_BIN"; then
		# Make sure the unpacked library is the one in use, not an installed one.
		if grep -qF "$DEB_LIBDIR/liblxcfs.so" "/proc/$STARTED_PID/maps"; then
			TARGETS+=(debian-lxcfs)
			TARGET_DIR[debian-lxcfs]=$NEW_MNT
			TARGET_PID[debian-lxcfs]=$STARTED_PID
			TARGET_WHAT[debian-lxcfs]="Debian lxcfs $DEB_VERSION at $NEW_MNT"
		else
			note "skipping Debian lxcfs: it did not load '$DEB_LIBDIR/liblxcfs.so'"
		fi
	else
		note "skipping Debian lxcfs: it did not start (log above)"
	fi
fi
TARGETS+=(native)
TARGET_DIR[native]=/
TARGET_WHAT[native]="the kernel's files"

echo "# lxcfs read benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "- host: $(uname -r), $(nproc) CPUs; readers in cgroup $CGROUP_MODE limited to 256 MiB and CPU $CGROUP_CPU; daemons unpinned"
echo "- $ROUNDS rounds of $RUN_SECONDS s per file, reader count and target, targets interleaved; medians over the rounds"
for t in "${TARGETS[@]}"; do
	if [[ $t == nullfs-* ]]; then
		echo "- $t: ${TARGET_WHAT[$t]}; filler text of our files' sizes (${SIZE_ARGS[*]:-defaults})"
	else
		echo "- $t: ${TARGET_WHAT[$t]}; a reader in the cgroup sees $(describe_view "${TARGET_DIR[$t]}")"
	fi
done
echo

RESULTS=$WORK/results.txt
: >"$RESULTS"
for ((round = 1; round <= ROUNDS; round++)); do
	for readers in "${READER_COUNTS[@]}"; do
		for f in "${FILES[@]}"; do
			for t in "${TARGETS[@]}"; do
				run_bench "$round" "${readers}r" "$t" "$f" --readers "$readers" \
					"${CGROUPS[@]/#/--cgroup=}"
			done
		done
	done
	for t in "${TARGETS[@]}"; do
		run_bench "$round" scale-1cg "$t" proc/meminfo --readers "$SCALE_READERS" \
			"${CGROUPS[@]/#/--cgroup=}"
		run_bench "$round" scale-Ncg "$t" proc/meminfo --readers "$SCALE_READERS" \
			--cgroup-per-reader --cg-memory "$MEM_LIMIT" --cg-cpus "$CGROUP_CPU"
	done
done

SAVED=$BUILD_DIR/bench/results-$(date -u +%Y%m%d-%H%M%S).txt
{
	echo "# round config file label path readers reads/s p50_us p99_us errors bytes_per_read daemon_cpu_us_per_read daemon_hwm_kb"
	cat "$RESULTS"
} >"$SAVED"

# round config file label path readers reads/s p50 p99 errors bytes cpu hwm -> markdown
awk -v targets="${TARGETS[*]}" -v scale="$SCALE_READERS" '
function median(key, what,   n, i, j, v, t) {
	n = cnt[key]
	for (i = 1; i <= n; i++) v[i] = val[key, what, i]
	for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
	if (n == 0 || v[1] == "-") return "-"
	return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function ratio(a, b) { return (a != "-" && b != "-" && b > 0) ? sprintf("%.2f", a / b) : "-" }
function num(x, fmt) { return (x == "-") ? "-" : sprintf(fmt, x) }
{
	key = $2 SUBSEP $3 SUBSEP $4
	n = ++cnt[key]
	val[key, "rate", n] = $7; val[key, "p50", n] = $8; val[key, "p99", n] = $9
	val[key, "cpu", n] = $12
	err[key] += $10
	if ($13 != "-" && $13 > hwm[$4]) hwm[$4] = $13
	if (!(($2 SUBSEP $3) in seenf)) { seenf[$2, $3] = 1; files[$2, ++nf[$2]] = $3 }
}
END {
	nt = split(targets, tl, " ")
	split("1r 16r", configs, " ")
	for (c = 1; c <= 2; c++) {
		conf = configs[c]
		if (nf[conf] == 0) continue
		printf "### %s reader%s\n\n", substr(conf, 1, length(conf) - 1), conf == "1r" ? "" : "s"
		print "| file | target | reads/s | p50 us | p99 us | daemon CPU us/read | errors | reads/s vs ceiling | p99 vs ceiling | reads/s vs Debian | p99 vs Debian |"
		print "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
		for (i = 1; i <= nf[conf]; i++) {
			f = files[conf, i]
			# the ceiling: the faster nullfs loop for this file and reader count
			ceil = ""; best = -1
			for (k = 1; k <= nt; k++) {
				if (tl[k] !~ /^nullfs/) continue
				r = median(conf SUBSEP f SUBSEP tl[k], "rate")
				if (r != "-" && r > best) { best = r; ceil = tl[k] }
			}
			ck = conf SUBSEP f SUBSEP ceil; dk = conf SUBSEP f SUBSEP "debian-lxcfs"
			crate = (ceil != "") ? median(ck, "rate") : "-"; cp99 = (ceil != "") ? median(ck, "p99") : "-"
			drate = (dk in cnt) ? median(dk, "rate") : "-"; dp99 = (dk in cnt) ? median(dk, "p99") : "-"
			for (k = 1; k <= nt; k++) {
				key = conf SUBSEP f SUBSEP tl[k]
				if (!(key in cnt)) continue
				rate = median(key, "rate"); p99 = median(key, "p99")
				printf "| %s | %s%s | %s | %s | %s | %s | %d | %s | %s | %s | %s |\n", f, tl[k],
					tl[k] == ceil ? " (ceiling)" : "", num(rate, "%.0f"),
					num(median(key, "p50"), "%.1f"), num(p99, "%.1f"),
					num(median(key, "cpu"), "%.1f"), err[key],
					ratio(rate, crate), ratio(p99, cp99), ratio(rate, drate), ratio(p99, dp99)
			}
		}
		print ""
	}
	printf "### Scale: %d readers reading proc/meminfo\n\n", scale
	printf "| target | 1 cgroup: reads/s | p99 us | %d cgroups: reads/s | p99 us | %d cg / 1 cg | daemon CPU us/read (%d cg) | daemon peak RSS (VmHWM) MB | errors |\n", scale, scale, scale
	print "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	for (k = 1; k <= nt; k++) {
		a = "scale-1cg" SUBSEP "proc/meminfo" SUBSEP tl[k]; b = "scale-Ncg" SUBSEP "proc/meminfo" SUBSEP tl[k]
		if (!(a in cnt) && !(b in cnt)) continue
		ra = median(a, "rate"); rb = median(b, "rate")
		printf "| %s | %s | %s | %s | %s | %s | %s | %s | %d |\n", tl[k], num(ra, "%.0f"),
			num(median(a, "p99"), "%.1f"), num(rb, "%.0f"), num(median(b, "p99"), "%.1f"),
			ratio(rb, ra), num(median(b, "cpu"), "%.1f"),
			(tl[k] in hwm) ? sprintf("%.1f", hwm[tl[k]] / 1024) : "-", err[a] + err[b]
	}
}' "$RESULTS"
echo
echo "Raw results: $SAVED"

if [[ $FAILED -ne 0 ]]; then
	note "some runs failed, see the messages above"
	exit 1
fi
