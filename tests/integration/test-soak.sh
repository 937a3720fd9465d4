#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-soak.sh: one lxcfs daemon (-l) under churn for SOAK_SECONDS (default 45; `make soak`
# runs 600):
#   - SOAK_CHURNERS loops (default 2), each: lxlaunch create --template busybox --memory 64M,
#     start --lxcfs MNT, exec a shell that reads every view inside (and checks MemTotal is
#     65536 kB), stop, delete
#   - SOAK_READERS readers (default 2), each in its own memory cgroup, reading every proc/ and
#     sys/ view and their cgroup/ view through the mount, in a loop
#   - one reader in this shell's cgroup listing the whole virtual cgroup/memory tree (the
#     containers' cgroups appear and vanish there: ENOENT is the one error accepted, and only
#     below cgroup/)
#   - a cgroup churn: memory cgroups created, a short reader moved in (its MemTotal must be the
#     cgroup's limit), removed
# The daemon's fd count (/proc/PID/fd) and VmRSS are taken after a warm-up cycle and at the end
# (both with nothing running): the end values must be within 10% of the start ones. Nothing may
# be left: containers, their cgroups, our cgroups, mounts. Cycles, reads, fd and RSS are printed
# as TAP diagnostics.
#
# Environment: LXLAUNCH_BIN, LXCFS_BIN (meson passes both), SOAK_SECONDS, SOAK_CHURNERS,
# SOAK_READERS, SOAK_DRAIN_SECONDS (default 120: how long the last cycles may take after the
# soak time); LXT_SANITIZED=1 (tests/sanitize/asan-pass.sh) skips the RSS verdict. Containers and cgroups are named lxkit-test-<pid>-soak-..., destroyed by the
# EXIT trap whatever happens.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

lxt_init memory
: "${LXLAUNCH_BIN:=$LXT_DIR/../../build/launcher/cli/lxlaunch}"
: "${SOAK_SECONDS:=45}" "${SOAK_CHURNERS:=2}" "${SOAK_READERS:=2}" "${SOAK_DRAIN_SECONDS:=120}"
[[ $SOAK_SECONDS =~ ^[1-9][0-9]*$ && $SOAK_DRAIN_SECONDS =~ ^[1-9][0-9]*$ ]] ||
	lxt_bail "SOAK_SECONDS '$SOAK_SECONDS' / SOAK_DRAIN_SECONDS '$SOAK_DRAIN_SECONDS' are not numbers of seconds"
[ -x "$LXLAUNCH_BIN" ] || lxt_skip "lxlaunch binary '$LXLAUNCH_BIN' not built"
command -v busybox >/dev/null || lxt_skip "busybox not found (install busybox-static)"
[ -f /usr/share/lxc/templates/lxc-busybox ] || lxt_skip "LXC busybox template missing"
HOOK=/usr/share/lxcfs/lxc.mount.hook
[ -x "$HOOK" ] || lxt_skip "$HOOK is not installed (meson install): containers would get no views"

T=$(mktemp -d "/tmp/lxkit-test-$$-soak-XXXX") || lxt_bail "mktemp failed"
LXT_TMPDIRS+=("$T")
P=$T/lxc
W=$T/work
mkdir "$P" "$W" || lxt_bail "mkdir in $T failed"
PFX=lxkit-test-$$-soak
CT_MEM_KB=65536

# ct_cleanup: every container of this test, then LXC's leftover cgroups of those names
# shellcheck disable=SC2317  # runs from the EXIT trap
ct_cleanup() { lxt_lxlaunch_cleanup "$P" "$PFX"; }
# stop_workers: for the EXIT trap; every process this shell started but the daemon, by PID
# shellcheck disable=SC2317  # runs from the EXIT trap
stop_workers() {
	local p kids=()
	touch "$W/stop" 2>/dev/null
	_lxt_descendants $$
	for p in "${LXT_DESC[@]}"; do
		[ "$p" = "$BASHPID" ] || [ "$p" = "${DAEMON_PID-}" ] || kids+=("$p")
	done
	((${#kids[@]} == 0)) || _lxt_kill_list "${kids[@]}"
}
# shellcheck disable=SC2154  # rc is assigned inside the trap
trap 'rc=$?; stop_workers; ct_cleanup; (exit $rc); _lxt_on_exit' EXIT

# daemon_fds / daemon_rss: the daemon's open fds and VmRSS (kB)
daemon_fds() { find "/proc/$DAEMON_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
daemon_rss() { awk '$1 == "VmRSS:" { print $2 }' "/proc/$DAEMON_PID/status" 2>/dev/null; }
daemon_threads() { awk '$1 == "Threads:" { print $2 }' "/proc/$DAEMON_PID/status" 2>/dev/null; }
# daemon_fd_list: what the daemon's fds point to, one per line, sorted
daemon_fd_list() {
	local f
	for f in "/proc/$DAEMON_PID/fd"/*; do
		readlink "$f"
	done 2>/dev/null | sed 's/[0-9][0-9]*\]$/N]/' | sort
}

# within10 END START: is END within 10% of START?
within10() {
	local d=$(($1 - $2))
	((d < 0)) && d=$((-d))
	((d * 10 <= $2))
}

lxt_start_daemon -l || lxt_bail "lxcfs did not mount"

# The views: every proc/ file, and every sys/ file whose host original reads (sysfs has files
# that fail on read for everyone, e.g. power/autosuspend_delay_ms without runtime PM)
VIEWS=()
while IFS= read -r f; do
	case $f in
	sys/*) cat "/$f" >/dev/null 2>&1 || continue ;;
	esac
	VIEWS+=("$f")
done < <(cd "$MNT" && find proc sys -type f | sort)
lxt_num "${#VIEWS[@]}" -gt 10 "the mount serves proc/ and sys/ views (${#VIEWS[@]} readable)"
printf '%s\n' "${VIEWS[@]}" >"$W/views"
# inside a container: every proc/ view, and the sys/devices/system/cpu files (the hook binds
# that directory)
IN_VIEWS=$(grep -E '^(proc/|sys/devices/system/cpu/[^/]+$)' "$W/views" | sed 's|^|/|' | tr '\n' ' ')
HAVE_CGFS=0
[ -d "$MNT/cgroup/memory" ] && HAVE_CGFS=1

# ---------------------------------------------------------------- workers
# cycle ID N: one container life cycle; appends "ok"/"FAIL step: output" to W/cycles-ID
cycle() {
	local id=$1 n=$2 name=$PFX-$1-$2 out rc
	local log=$W/cycle-$id.log

	run() {
		out=$(timeout -k 10 120 "$LXLAUNCH_BIN" "$@" 2>&1 </dev/null)
		rc=$?
	}
	run create --lxcpath "$P" --template busybox --memory "${CT_MEM_KB}K" --lxcfs "$MNT" "$name"
	if [ "$rc" != 0 ]; then
		echo "FAIL create $name: exit $rc: $out" >>"$log"
		run delete --lxcpath "$P" "$name"
		return
	fi
	run start --lxcpath "$P" --lxcfs "$MNT" "$name"
	if [ "$rc" = 0 ]; then
		# shellcheck disable=SC2016  # expanded by the container's sh
		run exec --lxcpath "$P" "$name" -- sh -c '
			for f in '"$IN_VIEWS"'; do
				cat "$f" >/dev/null || echo "READFAIL $f"
			done
			head -n 1 /proc/meminfo
			grep -c " /proc/meminfo .* fuse.lxcfs " /proc/self/mountinfo'
		if [ "$rc" != 0 ] || [[ $out == *READFAIL* ]] ||
			[ "$(echo "$out" | tail -n 2 | tr -s ' \n' ' ')" != "MemTotal: $CT_MEM_KB kB 1 " ]; then
			echo "FAIL exec $name: exit $rc: $out" >>"$log"
		else
			echo "reads-ok" >>"$log"
		fi
		run stop --lxcpath "$P" --timeout 2 "$name"
		[ "$rc" = 0 ] || echo "FAIL stop $name: exit $rc: $out" >>"$log"
	else
		echo "FAIL start $name: exit $rc: $out" >>"$log"
	fi
	run delete --lxcpath "$P" "$name"
	if [ "$rc" != 0 ]; then
		echo "FAIL delete $name: exit $rc: $out" >>"$log"
	elif [ -e "$P/$name" ]; then
		echo "FAIL delete $name: $P/$name is still there" >>"$log"
	else
		echo "cycle-done" >>"$log"
	fi
}

churner() {
	local id=$1 n=0

	while [ ! -e "$W/stop" ]; do
		n=$((n + 1))
		cycle "$id" "$n"
	done
}

# The readers: python (no fork per read; errno exact). READER W ID MODE [--once] [FILE...]:
# reads every view of W/views, then the FILEs (the reader's own cgroup/ files), and in MODE
# "tree" lstat()s everything below cgroup/memory and reads its cgroup.procs files; until
# $SOAK_STOP (default W/stop) exists (or one pass with --once). Writes W/reader-ID.passes (one line per pass),
# W/reader-ID.err (one line per failed read) and W/reader-ID.enoent (vanished entries below
# cgroup/, the one error accepted there).
READER='
import errno, os, stat, sys
w, rid, mode = sys.argv[1:4]
rest = sys.argv[4:]
once = bool(rest) and rest[0] == "--once"
if once:
    rest = rest[1:]
mnt = os.environ["MNT"]
views = [l.rstrip("\n") for l in open(w + "/views") if l.strip()] + rest
err = open("%s/reader-%s.err" % (w, rid), "a", buffering=1)
enoent = open("%s/reader-%s.enoent" % (w, rid), "a", buffering=1)
passes = open("%s/reader-%s.passes" % (w, rid), "a", buffering=1)

def failed(rel, e, vanishing):
    if vanishing and e.errno == errno.ENOENT:
        enoent.write(rel + "\n")
    else:
        err.write("%s: %s\n" % (rel, os.strerror(e.errno or 0)))

def read(rel, vanishing=False):
    try:
        with open(os.path.join(mnt, rel), "rb") as f:
            while f.read(65536):
                pass
    except OSError as e:
        failed(rel, e, vanishing)

def tree(rel):
    try:
        names = os.listdir(os.path.join(mnt, rel))
    except OSError as e:
        return failed(rel, e, rel != "cgroup/memory")
    for n in names:
        sub = rel + "/" + n
        try:
            st = os.lstat(os.path.join(mnt, sub))
        except OSError as e:
            failed(sub, e, True)
            continue
        if stat.S_ISDIR(st.st_mode):
            tree(sub)
        elif n == "cgroup.procs":
            read(sub, True)

stop = os.environ.get("SOAK_STOP", w + "/stop")
while not os.path.exists(stop):
    for v in views:
        read(v)
    if mode == "tree":
        tree("cgroup/memory")
    passes.write("\n")
    if once:
        break
'
export MNT

# reader_start ID MODE [ARG...]: a reader in the background; ID "tree" or "warm-*" stays in this
# shell's cgroup, any other moves to its own memory cgroup soak-reader-ID (256 MiB) and also reads its
# cgroup/ files
reader_start() {
	local id=$1 mode=$2 own=()
	shift 2
	if [ "$id" = tree ] || [[ $id == warm-* ]]; then
		lxt_bg "$LXT_PY" -c "$READER" "$W" "$id" "$mode" "$@"
		return
	fi
	lxt_mkcg memory "soak-reader-$id"
	[ -e "$CG/memory.limit_in_bytes" ] && lxt_cgset memory "soak-reader-$id" memory.limit_in_bytes $((256 << 20))
	if [ "$HAVE_CGFS" = 1 ]; then
		own=("cgroup/$CGREL/cgroup.procs" "cgroup/$CGREL/memory.limit_in_bytes"
			"cgroup/$CGREL/memory.usage_in_bytes" "cgroup/$CGREL/memory.stat")
	fi
	lxt_bg lxt_in_cgroups "$CGREL" "$LXT_PY" -c "$READER" "$W" "$id" "$mode" "$@" "${own[@]}"
}

# cgroup churn: memory cgroups made and removed; a reader in each checks its MemTotal
cg_churn() {
	local i=0 cg mt want

	while [ ! -e "$W/stop" ]; do
		i=$((i + 1))
		cg=$LXT_CGROOT/memory/$PFX-cg-$((i % 4))
		mkdir "$cg" 2>/dev/null || { echo "FAIL mkdir $cg" >>"$W/cgchurn.log"; sleep 0.2; continue; }
		want=$((32768 + (i % 4) * 1024))
		echo "$((want * 1024))" >"$cg/memory.limit_in_bytes"
		mt=$(bash "$LXT_IN_CGROUPS" "memory/${cg#"$LXT_CGROOT"/memory/}" \
			awk '$1 == "MemTotal:" { print $2 }' "$MNT/proc/meminfo" 2>&1)
		[ "$mt" = "$want" ] || echo "FAIL MemTotal in $cg: '$mt' want $want" >>"$W/cgchurn.log"
		for _ in $(seq 50); do
			rmdir "$cg" 2>/dev/null && break
			sleep 0.1
		done
		[ -d "$cg" ] && echo "FAIL rmdir $cg" >>"$W/cgchurn.log"
		echo >>"$W/cgchurn.count"
	done
}

# ---------------------------------------------------------------- warm-up, then the soak
# The warm-up: one container cycle while every reader of the soak reads in a loop, and 16 more
# readers as well, so that libfuse's worker pool reaches its full size (at most 10 threads, each
# with its own cloned /dev/fuse fd, all kept when idle: main.c) and the caches and malloc arenas
# their working size; then the baseline with nothing running
export SOAK_STOP=$W/warm-stop
for r in $(seq "$SOAK_READERS") tree $(seq -f 'warm-%g' 16); do
	reader_start "$r" "$([ "$r" = tree ] && echo tree || echo own)"
done
cycle warm 0
touch "$SOAK_STOP"
wait "${LXT_PIDS[@]}"
LXT_PIDS=()
unset SOAK_STOP
lxt_is "$(grep -c '^FAIL' "$W/cycle-warm.log")/$(grep -c '^cycle-done' "$W/cycle-warm.log")" "0/1" \
	"warm-up: one container cycle (create, start --lxcfs, read views inside, stop, delete)"
grep '^FAIL' "$W/cycle-warm.log" | head -n 3 | while IFS= read -r l; do lxt_diag "$l"; done
lxt_is "$(cat "$W"/reader-*.err 2>/dev/null | sort | uniq -c | head -n 3)" "" \
	"warm-up: $(cat "$W"/reader-*.passes 2>/dev/null | wc -l) reader passes, no read failed"
rm -f "$W"/reader-*
sleep 4	# as at the end: the warm-up's cached files and pidfds are closed by then
FD0=$(daemon_fds) RSS0=$(daemon_rss) THR0=$(daemon_threads)
daemon_fd_list >"$W/fds.start"

pids=()
for c in $(seq "$SOAK_CHURNERS"); do
	churner "$c" &
	pids+=("$!")
done
for r in $(seq "$SOAK_READERS") tree; do
	reader_start "$r" "$([ "$r" = tree ] && echo tree || echo own)"
	pids+=("$LXT_BG_PID")
done
cg_churn &
pids+=("$!")
lxt_track "${pids[@]}"
T0=$(date +%s)
# samples of the daemon's fds and VmRSS (while busy) every SOAK_SECONDS/10 s, for the diagnostics
SAMPLES=()
for _ in $(seq 10); do
	sleep "$(((SOAK_SECONDS + 9) / 10))"
	(($(date +%s) - T0 >= SOAK_SECONDS + 1)) && break
	SAMPLES+=("$(daemon_fds)/$(daemon_rss)")
done
touch "$W/stop"
# the workers finish their current container cycle, for at most SOAK_DRAIN_SECONDS (a loaded
# machine can make one take minutes); what is still running then is ended by PID, its container
# deleted by ct_cleanup, and the cut counted as a failed cycle
DRAINED=1
for _ in $(seq "$((SOAK_DRAIN_SECONDS * 10))"); do
	live=0
	for p in "${pids[@]}"; do
		lxt_alive "$p" && live=1
	done
	[ "$live" = 0 ] && break
	sleep 0.1
done
if [ "$live" = 1 ]; then
	DRAINED=0
	stop_workers
	ct_cleanup
	echo "FAIL drain: a container cycle still ran ${SOAK_DRAIN_SECONDS} s after the stop, ended" \
		>>"$W/cycle-drain.log"
fi
wait "${pids[@]}" 2>/dev/null
lxt_diag "workers stopped within ${SOAK_DRAIN_SECONDS} s: $([ "$DRAINED" = 1 ] && echo yes || echo no)"
ELAPSED=$(($(date +%s) - T0))
# the daemon keeps files and pidfds of recent readers open for 2 s of idleness and closes them
# within the next second (lxcfs/sources/fdcache.h, lxcfs/state/pidcache.h)
sleep 4
FD1=$(daemon_fds) RSS1=$(daemon_rss) THR1=$(daemon_threads)
daemon_fd_list >"$W/fds.end"

# ---------------------------------------------------------------- verdicts
cycles=$(cat "$W"/cycle-[0-9]*.log 2>/dev/null | grep -c '^cycle-done')
reads_in=$(cat "$W"/cycle-[0-9]*.log 2>/dev/null | grep -c '^reads-ok')
passes=$(cat "$W"/reader-*.passes 2>/dev/null | wc -l)
reads=$((passes * ${#VIEWS[@]}))
cgs=$(wc -l <"$W/cgchurn.count" 2>/dev/null || echo 0)
lxt_diag "soak: ${ELAPSED} s, $cycles container cycles ($reads_in with every view read inside)," \
	"$passes reader passes over ${#VIEWS[@]} views (over $reads reads), $cgs cgroups made and removed"
lxt_diag "daemon fds: $FD0 at start (after warm-up), $FD1 at end;" \
	"VmRSS: $RSS0 kB at start, $RSS1 kB at end; threads: $THR0 at start, $THR1 at end"
lxt_diag "daemon fds/VmRSS kB while busy, every $(((SOAK_SECONDS + 9) / 10)) s: ${SAMPLES[*]}"
lxt_num "$cycles" -ge 1 "container cycles completed during the soak"
lxt_is "$(cat "$W"/cycle-[0-9]*.log "$W"/cycle-drain.log 2>/dev/null | grep '^FAIL' | head -n 3)" "" \
	"no container step failed, every view read inside, MemTotal $CT_MEM_KB kB inside"
lxt_num "$passes" -ge 1 "readers read every view at least once"
# proc/ and sys/ views never fail; below cgroup/ only ENOENT (a vanished container's cgroup)
lxt_is "$(cat "$W"/reader-*.err 2>/dev/null | sort | uniq -c | head -n 3)" "" \
	"no read failed (proc/, sys/, own cgroup/ files; below cgroup/memory only ENOENT)"
lxt_diag "ENOENT met below cgroup/memory (vanished containers): $(cat "$W"/reader-*.enoent 2>/dev/null | wc -l)"
lxt_num "$cgs" -ge 1 "cgroups were created and removed meanwhile"
lxt_is "$(head -n 3 "$W/cgchurn.log" 2>/dev/null)" "" \
	"cgroup churn: MemTotal of a reader in each new cgroup is its limit, every rmdir worked"
if within10 "$FD1" "$FD0"; then
	lxt_pass "daemon fd count back within 10% of its start ($FD0 -> $FD1)"
else
	lxt_fail "daemon fd count back within 10% of its start" "$FD1" "$FD0 +- 10%"
	lxt_diag "fds at the end that were not there at the start:" \
		"$(diff "$W/fds.start" "$W/fds.end" | sed -n 's/^> //p' | sort | uniq -c)"
fi
if [ -n "${LXT_SANITIZED:-}" ]; then
	lxt_skip_case "daemon VmRSS back within 10% of its start" \
		"sanitizer build: ASan's quarantine holds freed memory, RSS is not comparable"
elif [ -n "$RSS0" ] && [ -n "$RSS1" ] && within10 "$RSS1" "$RSS0"; then
	lxt_pass "daemon VmRSS back within 10% of its start ($RSS0 kB -> $RSS1 kB)"
else
	lxt_fail "daemon VmRSS back within 10% of its start" "'$RSS1' kB" "$RSS0 kB +- 10%"
fi

# leftovers: containers, their cgroups, our churn cgroups, mounts other than the daemon's
lxt_is "$(find "$P" -mindepth 1 -maxdepth 1 | head -n 3)" "" "no container directory left"
lxt_is "$(find /sys/fs/cgroup -maxdepth 6 -type d \( -name "lxc.monitor.$PFX-*" -o \
	-name "lxc.payload.$PFX-*" -o -name "$PFX-cg-*" \) 2>/dev/null | head -n 3)" "" \
	"no container or churn cgroup left"
lxt_is "$(awk -v m="$MNT" '$5 ~ /lxkit-test-'"$$"'-/ && $5 != m { print $5 }' /proc/self/mountinfo)" "" \
	"no mount left but the daemon's own"
lxt_true "the daemon still serves proc/meminfo" test -s "$MNT/proc/meminfo"
# stopping it: exit status 0 (a sanitizer build fails here on a leak at exit)
lxt_stop_daemon "$DAEMON_PID"
lxt_is "$LXT_DAEMON_STATUS" 0 "the daemon exits 0 on SIGTERM and unmounts"
ct_cleanup
lxt_done
