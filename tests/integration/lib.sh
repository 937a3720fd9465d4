# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# Helpers for the lxcfs integration tests (tests/integration/test-*.sh source this file).
# Real FUSE mount, real cgroups, real processes: everything here needs root.
#
# Environment:
#   LXCFS_BIN   the daemon under test (default: ../../build/lxcfs/lxcfs from this file)
#   LXT_HOLD    the lxt-hold helper    (SIZE_MIB SECONDS: touch SIZE_MIB of anon memory, sleep)
#   LXT_CHURN   the lxt-churn helper   (SIZE_MIB SECONDS: mmap/write/munmap in a loop)
#   LXT_MESON   set to 1 by meson. Meson 1.0's TAP runner turns every non-zero exit status into
#               ERROR, exit 77 included, so under meson a skip prints "1..0 # SKIP reason" and
#               exits 0, and a run with failures exits 0 (the "not ok" lines carry the verdict).
#               Run by hand (LXT_MESON unset): skip exits 77, failures exit 1.
#
# Conventions: every test's cgroups are /sys/fs/cgroup/<controller>/lxkit-test-<$$>-NAME, its
# mountpoints /tmp/lxkit-test-<$$>-XXXX, so parallel tests never share anything. One EXIT trap
# undoes everything the test made (processes by PID, bind mounts, daemons, cgroups, temp dirs).

set -u

LXT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
: "${LXCFS_BIN:=$LXT_DIR/../../build/lxcfs/lxcfs}"
: "${LXT_HOLD:=$LXT_DIR/../../build/tests/integration/lxt-hold}"
: "${LXT_CHURN:=$LXT_DIR/../../build/tests/integration/lxt-churn}"
LXT_CGROOT=/sys/fs/cgroup
# the system python: unprivileged users (setpriv --reuid=65534) must be able to run it too
LXT_PY=/usr/bin/python3
[ -x "$LXT_PY" ] || LXT_PY=$(command -v python3)

LXT_N=0			# TAP test number
LXT_FAILED=0		# "not ok" lines so far
LXT_DONE=		# set once the plan was printed
LXT_PIDS=()		# background processes started by the test
LXT_CGROUPS=()		# cgroup directories created by the test (full paths)
LXT_TMPDIRS=()		# temp dirs (mountpoints included)
LXT_MOUNTS=()		# extra mounts made by the test (bind mounts), undone before the daemons stop
LXT_DAEMONS=()		# daemon PIDs not stopped yet
LXT_PROBLEMS=()		# what lxt_cleanup could not undo (or had to force)
declare -A LXT_DAEMON_MNT=() LXT_DAEMON_PIDFILE=()

# ---------------------------------------------------------------------------------------------
# TAP output

# One line, no '#' (TAP would read what follows as a directive) and not too long.
_lxt_flat() {
	local s=$1

	s=${s//$'\n'/\\n}
	s=${s//$'\t'/\\t}
	s=${s//#/%23}
	((${#s} > 300)) && s="${s:0:300}..."
	printf '%s' "$s"
}

lxt_diag() {
	local line

	while IFS= read -r line; do
		printf '# %s\n' "$line"
	done <<<"$*"
}

lxt_pass() {
	LXT_N=$((LXT_N + 1))
	printf 'ok %d - %s\n' "$LXT_N" "$(_lxt_flat "$1")"
}

# lxt_fail DESC GOT WANT
lxt_fail() {
	LXT_N=$((LXT_N + 1))
	LXT_FAILED=$((LXT_FAILED + 1))
	printf 'not ok %d - %s # got %s want %s\n' "$LXT_N" "$(_lxt_flat "$1")" \
		"$(_lxt_flat "${2-}")" "$(_lxt_flat "${3-}")"
}

# lxt_skip_case DESC REASON: one assertion that cannot run here
lxt_skip_case() {
	LXT_N=$((LXT_N + 1))
	printf 'ok %d - %s # SKIP %s\n' "$LXT_N" "$(_lxt_flat "$1")" "$(_lxt_flat "$2")"
}

# lxt_is GOT WANT DESC: string equality
lxt_is() {
	if [ "$1" == "$2" ]; then
		lxt_pass "$3"
	else
		lxt_fail "$3" "'$1'" "'$2'"
	fi
}

# lxt_num GOT OP WANT DESC: integer comparison, OP one of -eq -ne -lt -le -gt -ge
lxt_num() {
	if ! [[ $1 =~ ^-?[0-9]+$ ]] || ! [[ $3 =~ ^-?[0-9]+$ ]]; then
		lxt_fail "$4" "'$1'" "an integer $2 $3"
	elif test "$1" "$2" "$3"; then
		lxt_pass "$4"
	else
		lxt_fail "$4" "$1" "$2 $3"
	fi
}

# lxt_match GOT ERE DESC
lxt_match() {
	if [[ $1 =~ $2 ]]; then
		lxt_pass "$3"
	else
		lxt_fail "$3" "'$1'" "match /$2/"
	fi
}

# lxt_true DESC CMD...: the command succeeds
lxt_true() {
	local desc=$1 rc
	shift
	"$@"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		lxt_pass "$desc"
	else
		lxt_fail "$desc" "exit $rc" "exit 0"
	fi
}

# lxt_false DESC CMD...: the command fails
lxt_false() {
	local desc=$1 rc
	shift
	"$@"
	rc=$?
	if [ "$rc" -ne 0 ]; then
		lxt_pass "$desc"
	else
		lxt_fail "$desc" "exit 0" "non-zero exit"
	fi
}

# The whole test cannot run here: say why, then exit 77 (0 under meson, see the header).
lxt_skip() {
	echo "lxt: skipping: $*" >&2
	if [ "$LXT_N" -eq 0 ]; then
		printf '1..0 # SKIP %s\n' "$(_lxt_flat "$*")"
	else
		printf '1..%d\n' "$LXT_N"	# assertions already printed stay valid
	fi
	LXT_DONE=1
	if [ "${LXT_MESON:-}" = 1 ]; then
		exit 0
	fi
	exit 77
}

# Cannot go on at all (setup failed): TAP "Bail out!", cleanup runs from the EXIT trap.
lxt_bail() {
	printf 'Bail out! %s\n' "$(_lxt_flat "$*")"
	echo "lxt: bail out: $*" >&2
	_lxt_daemon_logs >&2
	LXT_DONE=1
	exit 1
}

# Cleans up, reports leftovers as the last assertion, prints the plan and exits.
lxt_done() {
	if [ "$LXT_FAILED" -gt 0 ]; then
		_lxt_daemon_logs >&2	# before the cleanup removes them
	fi
	lxt_cleanup
	if ((${#LXT_PROBLEMS[@]} == 0)); then
		lxt_pass "cleanup: no processes, mounts, cgroups or temp dirs left behind"
	else
		lxt_fail "cleanup: no processes, mounts, cgroups or temp dirs left behind" \
			"$(printf '%s; ' "${LXT_PROBLEMS[@]}")" "nothing"
	fi
	printf '1..%d\n' "$LXT_N"
	LXT_DONE=1
	if [ "$LXT_FAILED" -gt 0 ] && [ "${LXT_MESON:-}" != 1 ]; then
		exit 1
	fi
	exit 0
}

_lxt_on_exit() {
	local rc=$?

	trap - EXIT
	if [ -z "$LXT_DONE" ]; then
		LXT_N=$((LXT_N + 1))
		printf 'not ok %d - test script ended before lxt_done (exit status %d)\n' "$LXT_N" "$rc"
		_lxt_daemon_logs >&2
		printf '1..%d\n' "$LXT_N"
		[ "$rc" -eq 0 ] && rc=1
	fi
	lxt_cleanup
	exit "$rc"
}

trap _lxt_on_exit EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

# ---------------------------------------------------------------------------------------------
# Preconditions

lxt_require_root() {
	[ "$(id -u)" = 0 ] || lxt_skip "needs root (FUSE mount with allow_other, cgroup writes)"
}

lxt_require_fuse() {
	[ -c /dev/fuse ] || lxt_skip "/dev/fuse is missing"
	[ -x "$LXCFS_BIN" ] || lxt_skip "daemon binary '$LXCFS_BIN' not built"
}

# lxt_require_v1 CONTROLLER...: each must be a cgroup v1 hierarchy at /sys/fs/cgroup/<ctrl>
lxt_require_v1() {
	local c

	for c in "$@"; do
		awk -v d="$LXT_CGROOT/$c" '$5 == d { for (i = 7; $i != "-"; i++); if ($(i + 1) == "cgroup") f = 1 } END { exit !f }' \
			/proc/self/mountinfo ||
			lxt_skip "cgroup v1 controller '$c' is not mounted at $LXT_CGROOT/$c"
	done
}

# lxt_require_tools TOOL...
lxt_require_tools() {
	local t

	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || lxt_skip "tool '$t' is not installed"
	done
}

# ---------------------------------------------------------------------------------------------
# Processes

lxt_track() {
	LXT_PIDS+=("$@")
}

# lxt_bg CMD...: start CMD in the background, remember its PID in LXT_PIDS and $LXT_BG_PID.
# "lxt_bg lxt_in_cgroups ..." runs the helper script directly, so that $LXT_BG_PID is the PID
# that ends up running the command (a function would add a subshell in between).
lxt_bg() {
	if [ "$1" = lxt_in_cgroups ]; then
		shift
		set -- bash "$LXT_IN_CGROUPS" "$@"
	fi
	"$@" &
	LXT_BG_PID=$!
	LXT_PIDS+=("$LXT_BG_PID")
}

# Is PID a live (not zombie) process?
lxt_alive() {
	local line

	[ -n "${1-}" ] || return 1
	read -r line 2>/dev/null <"/proc/$1/stat" || return 1
	line=${line##*) }
	[ "${line:0:1}" != Z ] && [ "${line:0:1}" != X ]
}

# Fills LXT_DESC with the PIDs of all descendants of $1 (builtins only: no extra children).
_lxt_descendants() {
	local queue=("$1") p f c kids

	LXT_DESC=()
	while ((${#queue[@]})); do
		p=${queue[0]}
		queue=("${queue[@]:1}")
		for f in /proc/"$p"/task/*/children; do
			kids=()
			[ -r "$f" ] && read -r -a kids <"$f"
			for c in "${kids[@]}"; do
				LXT_DESC+=("$c")
				queue+=("$c")
			done
		done
	done
}

_lxt_kill_list() {
	local p i live

	for p in "$@"; do
		kill -TERM "$p" 2>/dev/null
	done
	for i in $(seq 20); do
		live=0
		for p in "$@"; do
			lxt_alive "$p" && live=1
		done
		[ "$live" = 0 ] && break
		sleep 0.1
	done
	for p in "$@"; do
		lxt_alive "$p" && kill -KILL "$p" 2>/dev/null
	done
	return 0
}

# ---------------------------------------------------------------------------------------------
# The daemon

lxt_is_mounted() {
	awk -v d="$1" '$5 == d { f = 1 } END { exit !f }' /proc/self/mountinfo
}

# lxt_start_daemon [ARGS...]: mount a fresh lxcfs; exports MNT, DAEMON_PID, PIDFILE, DAEMON_LOG.
# Returns 1 (daemon log on stderr) when the mount does not appear within 5 s.
lxt_start_daemon() {
	local mnt rundir pid i

	mnt=$(mktemp -d "/tmp/lxkit-test-$$-XXXX") || return 1
	rundir=$(mktemp -d "/tmp/lxkit-test-$$-run-XXXX") || return 1
	LXT_TMPDIRS+=("$mnt" "$rundir")
	# A non-interactive shell starts background jobs with SIGINT ignored, and libfuse leaves an
	# ignored SIGINT alone: restore the default so the daemon runs as a user would start it.
	env --default-signal=INT,QUIT "$LXCFS_BIN" "$@" -p "$rundir/lxcfs.pid" "$mnt" \
		>"$rundir/lxcfs.log" 2>&1 </dev/null &
	pid=$!
	LXT_DAEMONS+=("$pid")
	LXT_DAEMON_MNT[$pid]=$mnt
	LXT_DAEMON_PIDFILE[$pid]=$rundir/lxcfs.pid
	MNT=$mnt DAEMON_PID=$pid PIDFILE=$rundir/lxcfs.pid DAEMON_LOG=$rundir/lxcfs.log
	export MNT DAEMON_PID PIDFILE DAEMON_LOG
	for i in $(seq 50); do
		if [ -e "$mnt/proc/meminfo" ]; then
			return 0
		fi
		lxt_alive "$pid" || break
		sleep 0.1
	done
	echo "lxt: lxcfs $* did not mount $mnt within 5 s" >&2
	sed 's/^/lxcfs: /' "$rundir/lxcfs.log" >&2
	return 1
}

# lxt_stop_daemon [PID [SIGNAL]]: signal the daemon (SIGTERM), wait up to 10 s for it to exit,
# check that its mount is gone. Sets LXT_DAEMON_STATUS (exit status; 128+n when killed).
# Returns 0 when it exited 0 and unmounted, 1 otherwise (it is SIGKILLed and lazily unmounted
# if it had to be).
lxt_stop_daemon() {
	local pid=${1:-$DAEMON_PID} sig=${2:-TERM} mnt i rc=0 kept=()

	mnt=${LXT_DAEMON_MNT[$pid]-}
	kill -"$sig" "$pid" 2>/dev/null
	for i in $(seq 100); do
		lxt_alive "$pid" || break
		sleep 0.1
	done
	if lxt_alive "$pid"; then
		echo "lxt: daemon $pid ignored SIG$sig for 10 s, killing it" >&2
		kill -KILL "$pid" 2>/dev/null
		rc=1
	fi
	wait "$pid" 2>/dev/null
	LXT_DAEMON_STATUS=$?
	[ "$LXT_DAEMON_STATUS" -eq 0 ] || rc=1
	if [ -n "$mnt" ] && lxt_is_mounted "$mnt"; then
		echo "lxt: $mnt still mounted after the daemon $pid exited" >&2
		umount -l "$mnt" 2>/dev/null
		rc=1
	fi
	for i in "${LXT_DAEMONS[@]}"; do
		[ "$i" = "$pid" ] || kept+=("$i")
	done
	LXT_DAEMONS=("${kept[@]}")
	return "$rc"
}

_lxt_daemon_logs() {
	local pid log

	for pid in "${!LXT_DAEMON_PIDFILE[@]}"; do
		log=$(dirname "${LXT_DAEMON_PIDFILE[$pid]}")/lxcfs.log
		[ -s "$log" ] || continue
		echo "---- lxcfs $pid log (last 30 lines) ----"
		tail -n 30 "$log"
	done
}

# lxt_lxlaunch_cleanup LXCPATH PREFIX: deletes every container LXCPATH/PREFIX-* with lxlaunch
# (LXLAUNCH_BIN, 30 s each), then LXC's leftover lxc.monitor/lxc.payload cgroups of those names
lxt_lxlaunch_cleanup() {
	local P=$1 PFX=$2 n d
	for d in "$P"/"$PFX"-*; do
		[ -d "$d" ] || continue
		n=${d##*/}
		timeout 30 "$LXLAUNCH_BIN" delete --lxcpath "$P" "$n" >/dev/null 2>&1
	done
	while IFS= read -r -d '' d; do
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done < <(find /sys/fs/cgroup -maxdepth 6 -type d \
		\( -name "lxc.monitor.$PFX-*" -o -name "lxc.payload.$PFX-*" \) -print0 -prune 2>/dev/null)
	return 0
}

# ---------------------------------------------------------------------------------------------
# cgroups (v1 hierarchies at /sys/fs/cgroup/<controller>)

# lxt_cgname NAME -> lxkit-test-<pid>-NAME (the path below a controller's root)
lxt_cgname() {
	printf 'lxkit-test-%s-%s' "$$" "$1"
}

# lxt_mkcg CONTROLLER NAME: creates /sys/fs/cgroup/CONTROLLER/lxkit-test-<pid>-NAME (NAME may be
# "a/b/c": every missing level is created and registered). cpuset cgroups get the parent's cpus
# and mems so that tasks can join them. Sets CG (full path) and CGREL (CONTROLLER/...) and does
# not print: call it directly, not in $(...), or the registration is lost.
lxt_mkcg() {
	local ctrl=$1 rel parts part acc v

	rel=$(lxt_cgname "$2")
	acc=$LXT_CGROOT/$ctrl
	IFS=/ read -r -a parts <<<"$rel"
	for part in "${parts[@]}"; do
		[ -n "$part" ] || continue
		if [ ! -d "$acc/$part" ]; then
			mkdir "$acc/$part" || lxt_bail "cannot create cgroup $acc/$part"
			LXT_CGROUPS+=("$acc/$part")
			if [ "$ctrl" = cpuset ]; then
				read -r v <"$acc/cpuset.mems"
				echo "${v:-0}" >"$acc/$part/cpuset.mems" || lxt_bail "cannot set cpuset.mems of $acc/$part"
				read -r v <"$acc/cpuset.cpus"
				echo "$v" >"$acc/$part/cpuset.cpus" || lxt_bail "cannot set cpuset.cpus of $acc/$part"
			fi
		fi
		acc=$acc/$part
	done
	# shellcheck disable=SC2034 # outputs for the caller
	CG=$acc CGREL=$ctrl/$rel
}

# lxt_cgset CONTROLLER NAME FILE VALUE
lxt_cgset() {
	echo "$4" >"$LXT_CGROOT/$1/$(lxt_cgname "$2")/$3" ||
		lxt_bail "cannot write '$4' to $1/$(lxt_cgname "$2")/$3"
}

# lxt_in_cgroups "memory/X cpuset/Y" CMD...: one process writes its own PID to every listed
# cgroup.procs (paths relative to /sys/fs/cgroup), then execs CMD (the PID stays the same).
LXT_IN_CGROUPS=$LXT_DIR/helpers/in-cgroups.sh
lxt_in_cgroups() {
	bash "$LXT_IN_CGROUPS" "$@"
}

# ---------------------------------------------------------------------------------------------
# Reading the mount

# lxt_field FILE KEY: the number after "KEY:" in a meminfo-style file (empty when missing)
lxt_field() {
	awk -v k="$2:" '$1 == k { print $2; exit }' "$1"
}

# lxt_host_memtotal: the host's MemTotal in kB
lxt_host_memtotal() {
	lxt_field /proc/meminfo MemTotal
}

# Expands a CPU list ("0-2,5") into one number per line.
lxt_cpulist() {
	local part a b
	local IFS=,

	for part in $1; do
		part=${part//[[:space:]]/}
		[ -n "$part" ] || continue
		if [[ $part == *-* ]]; then
			a=${part%-*} b=${part#*-}
			seq "$a" "$b"
		else
			echo "$part"
		fi
	done
}

# lxt_verdicts WHAT < LINES: turns the output of a check script ("PASS desc", "FAIL desc # got X
# want Y", anything else a diagnostic) into TAP in this shell (not in a pipe: a subshell would
# lose the counts). No verdict line at all is one failure.
lxt_verdicts() {
	local line desc n=0

	while IFS= read -r line; do
		case $line in
		PASS\ *)
			lxt_pass "${line#PASS }"
			n=$((n + 1))
			;;
		FAIL\ *)
			desc=${line#FAIL }
			if [[ $desc == *" # got "* ]]; then
				lxt_fail "${desc%% # got *}" "${desc#* # got }" ""
			else
				lxt_fail "$desc" "" ""
			fi
			n=$((n + 1))
			;;
		*) lxt_diag "$line" ;;
		esac
	done
	[ "$n" -gt 0 ] || lxt_fail "$1 produced a verdict" "none" "PASS/FAIL lines"
}

# lxt_py_tap PYTHON-SOURCE ARGS...: runs a python3 check script and reports its verdicts as TAP.
lxt_py_tap() {
	local src=$1

	shift
	lxt_verdicts "python check script" < <("$LXT_PY" -c "$src" "$@" 2>&1)
}

# ---------------------------------------------------------------------------------------------
# Cleanup

# Undoes everything, in an order that cannot deadlock: readers first (they may sit in a FUSE
# request), then bind mounts, then the daemons, then cgroups deepest first, then temp dirs.
# Appends one line per thing it had to force or could not undo to LXT_PROBLEMS. Runs in the
# main shell (never in $(...)): it has to wait() for the processes it stops.
lxt_cleanup() {
	local p d i procs leftover=() kept=() daemons=" ${LXT_DAEMONS[*]} "

	# 1. processes the test started, by PID, then any remaining descendant of this shell
	#    (all started by the test) except the daemons, which get a clean SIGTERM below
	_lxt_kill_list "${LXT_PIDS[@]}"
	_lxt_descendants $$
	for p in "${LXT_DESC[@]}"; do
		[ "$p" = "$BASHPID" ] && continue
		[[ $daemons == *" $p "* ]] && continue
		lxt_alive "$p" && kept+=("$p")
	done
	if ((${#kept[@]})); then
		_lxt_kill_list "${kept[@]}"
	fi
	for p in "${LXT_PIDS[@]}" "${kept[@]}"; do
		wait "$p" 2>/dev/null
	done
	LXT_PIDS=()

	# 2. bind mounts, newest first
	for ((i = ${#LXT_MOUNTS[@]} - 1; i >= 0; i--)); do
		d=${LXT_MOUNTS[i]}
		if lxt_is_mounted "$d"; then
			umount "$d" 2>/dev/null || umount -l "$d" 2>/dev/null || LXT_PROBLEMS+=("cannot unmount $d")
		fi
	done
	LXT_MOUNTS=()

	# 3. daemons
	for p in "${LXT_DAEMONS[@]}"; do
		lxt_stop_daemon "$p" TERM 2>/dev/null ||
			LXT_PROBLEMS+=("daemon $p did not stop cleanly (status $LXT_DAEMON_STATUS)")
	done

	# 4. cgroups, deepest first; leftover tasks (only ours can be in them) go to the parent
	#    and are killed by PID
	while IFS= read -r d; do
		[ -n "$d" ] && [ -d "$d" ] || continue
		for i in $(seq 50); do
			procs=()
			mapfile -t procs <"$d/cgroup.procs" 2>/dev/null
			((${#procs[@]} == 0)) && break
			for p in "${procs[@]}"; do
				echo "$p" >"$(dirname "$d")/cgroup.procs" 2>/dev/null
				leftover+=("$p")
			done
			sleep 0.1
		done
		if ((${#leftover[@]})); then
			LXT_PROBLEMS+=("processes left in $d: ${leftover[*]}")
			_lxt_kill_list "${leftover[@]}"
			leftover=()
		fi
		for i in $(seq 50); do
			rmdir "$d" 2>/dev/null && break
			sleep 0.1
		done
		[ -d "$d" ] && LXT_PROBLEMS+=("cannot remove cgroup $d")
	done < <({
		printf '%s\n' "${LXT_CGROUPS[@]}"
		# also what background subshells made (their LXT_CGROUPS never reached this shell)
		find "$LXT_CGROOT" -mindepth 2 -maxdepth 2 -type d -name "lxkit-test-$$-*" \
			-exec find {} -type d \; 2>/dev/null
	} | grep -v '^$' | sort -u | while IFS= read -r d; do
		p=${d//[!\/]/}
		printf '%d %s\n' "${#p}" "$d"
	done | sort -rn | cut -d' ' -f2-)
	LXT_CGROUPS=()

	# 5. temp dirs; a mountpoint that is somehow still mounted is never recursed into
	for d in "${LXT_TMPDIRS[@]}"; do
		[ -e "$d" ] || continue
		if lxt_is_mounted "$d"; then
			umount -l "$d" 2>/dev/null
			LXT_PROBLEMS+=("$d was still mounted")
		fi
		if lxt_is_mounted "$d"; then
			LXT_PROBLEMS+=("cannot unmount $d")
			continue
		fi
		if [[ $d == /tmp/lxkit-test-* ]]; then
			rm -rf --one-file-system "$d" || LXT_PROBLEMS+=("cannot remove $d")
		fi
	done
	LXT_TMPDIRS=()
}

# Common preamble of every test: root, FUSE, the v1 controllers it needs.
lxt_init() {
	lxt_require_root
	lxt_require_fuse
	lxt_require_tools unshare setpriv getconf timeout nsenter awk findmnt
	[ -x "$LXT_PY" ] || lxt_skip "python3 is not installed"
	[ "$#" -gt 0 ] && lxt_require_v1 "$@"
	return 0
}
