#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# proc/meminfo and proc/swaps per cgroup: LX-02, LX-04, LX-05, the memsw rule, the pid
# namespace rule (init's cgroup, not the reader's), MemFree <= MemAvailable <= MemTotal.
. "$(dirname "$0")/lib.sh"
lxt_init memory
[ -x "$LXT_HOLD" ] && [ -x "$LXT_CHURN" ] || lxt_skip "helpers lxt-hold/lxt-churn not built"

T=$(mktemp -d "/tmp/lxkit-test-$$-mem-XXXX") || lxt_bail "mktemp failed"
LXT_TMPDIRS+=("$T")
MIB=1048576
HOST_TOTAL=$(lxt_host_memtotal)
SWAPS_HEADER=$'Filename\t\t\t\tType\t\tSize\tUsed\tPriority'

lxt_start_daemon || lxt_bail "daemon did not start"

# Every meminfo text read here goes through mi_check: MemFree <= MemAvailable <= MemTotal.
MI_READS=0
MI_BAD=()
mi_check() {	# FILE LABEL
	local total free avail

	total=$(lxt_field "$1" MemTotal) free=$(lxt_field "$1" MemFree) avail=$(lxt_field "$1" MemAvailable)
	MI_READS=$((MI_READS + 1))
	if [ -z "$total" ] || [ -z "$free" ] || [ -z "$avail" ] ||
		[ "$free" -gt "$avail" ] || [ "$avail" -gt "$total" ]; then
		MI_BAD+=("$2: MemTotal=$total MemFree=$free MemAvailable=$avail")
	fi
}

# mi_read LABEL CGROUPS [PREFIX-CMD...]: meminfo as read by a process in CGROUPS -> $T/LABEL
mi_read() {
	local label=$1 cgs=$2

	shift 2
	lxt_in_cgroups "$cgs" "$@" cat "$MNT/proc/meminfo" >"$T/$label" 2>"$T/$label.err"
	mi_check "$T/$label" "$label"
}

# --- LX-02: limits and usage through the hierarchy --------------------------------------------
lxt_mkcg memory m1/child/grandchild
M1=memory/$(lxt_cgname m1) CHILD=memory/$(lxt_cgname m1/child) GRAND=memory/$(lxt_cgname m1/child/grandchild)
lxt_cgset memory m1 memory.limit_in_bytes $((256 * MIB))

mi_read a "$GRAND"
lxt_is "$(lxt_field "$T/a" MemTotal)" 262144 "LX-02 (a): grandchild of a 256M cgroup sees MemTotal 262144 kB"

lxt_cgset memory m1/child memory.limit_in_bytes $((128 * MIB))
mi_read b "$GRAND"
lxt_is "$(lxt_field "$T/b" MemTotal)" 131072 "LX-02 (b): child limit 128M -> grandchild sees 131072 kB"

lxt_cgset memory m1/child memory.limit_in_bytes $((512 * MIB))
mi_read c "$CHILD"
lxt_is "$(lxt_field "$T/c" MemTotal)" 262144 "LX-02 (c): child limit 512M under 256M -> 262144 kB (smallest ancestor)"
mi_read c2 "$GRAND"
lxt_is "$(lxt_field "$T/c2" MemTotal)" 262144 "LX-02 (c): grandchild also sees 262144 kB"

mi_read d0 "$M1"
free0=$(lxt_field "$T/d0" MemFree) anon0=$(lxt_field "$T/d0" AnonPages)
lxt_bg lxt_in_cgroups "$GRAND" "$LXT_HOLD" 50 60 >"$T/hold-d.out" 2>&1
HOLD_D=$LXT_BG_PID
for i in $(seq 100); do
	grep -q ready "$T/hold-d.out" 2>/dev/null && break
	sleep 0.1
done
lxt_true "LX-02 (d): lxt-hold 50 MiB is ready in the grandchild" grep -q ready "$T/hold-d.out"
mi_read d "$M1"
free1=$(lxt_field "$T/d" MemFree) anon1=$(lxt_field "$T/d" AnonPages)
lxt_diag "LX-02 (d): before MemFree=$free0 AnonPages=$anon0; holding 50 MiB: MemFree=$free1 AnonPages=$anon1"
lxt_num "$anon1" -ge 51200 "LX-02 (d): AnonPages >= 51200 kB (usage of descendants counts)"
drop=$((free0 - free1))
lxt_num "$drop" -ge 46080 "LX-02 (d): MemFree dropped by >= 45 MiB (got $drop kB)"
lxt_num "$drop" -le 81920 "LX-02 (d): MemFree dropped by <= 80 MiB (got $drop kB)"
lxt_num "$(lxt_field "$T/d" MemTotal)" -eq 262144 "LX-02 (d): MemTotal still 262144 kB"
kill "$HOLD_D"
wait "$HOLD_D" 2>/dev/null

lxt_mkcg memory m3
lxt_cgset memory m3 memory.limit_in_bytes $((64 << 30))
mi_read e "$CGREL"
lxt_is "$(lxt_field "$T/e" MemTotal)" "$HOST_TOTAL" "LX-02 (e): 64G limit -> the host's MemTotal ($HOST_TOTAL kB), not 64 GiB"

# --- no limit ---------------------------------------------------------------------------------
lxt_mkcg memory unlimited
mi_read unl "$CGREL"
lxt_is "$(lxt_field "$T/unl" MemTotal)" "$HOST_TOTAL" "unlimited cgroup: MemTotal is the host's"
lxt_is "$(lxt_field "$T/unl" SwapTotal)" "$(lxt_field /proc/meminfo SwapTotal)" "unlimited cgroup: SwapTotal is the host's"

# --- memsw limit (LX-05 rule) ----------------------------------------------------------------
lxt_mkcg memory s1
S1=$CGREL
HOST_SWAP=$(lxt_field /proc/meminfo SwapTotal)
if [ -e "$CG/memory.memsw.limit_in_bytes" ]; then
	lxt_cgset memory s1 memory.limit_in_bytes $((256 * MIB))
	lxt_cgset memory s1 memory.memsw.limit_in_bytes $((384 * MIB))
	mi_read s1 "$S1"
	lxt_in_cgroups "$S1" cat "$MNT/proc/swaps" >"$T/s1.swaps"
	lxt_is "$(lxt_field "$T/s1" MemTotal)" 262144 "memsw: memory 256M, memsw 384M -> MemTotal 262144 kB"
	if [ "$HOST_SWAP" = 0 ]; then
		lxt_is "$(lxt_field "$T/s1" SwapTotal)" 0 "memsw: host has no swap -> SwapTotal 0 kB"
		lxt_is "$(lxt_field "$T/s1" SwapFree)" 0 "memsw: host has no swap -> SwapFree 0 kB"
		lxt_is "$(cat "$T/s1.swaps")" "$SWAPS_HEADER" "memsw: host has no swap -> proc/swaps is the header only"
	fi
else
	lxt_skip_case "memsw: SwapTotal from memory.memsw.limit_in_bytes" "no swap accounting (memory.memsw.* missing)"
fi

if [ -n "$(swapon --show --noheadings 2>/dev/null)" ] && [ "$HOST_SWAP" -gt 0 ] &&
	[ -e "$CG/memory.memsw.limit_in_bytes" ]; then
	want=$((393216 < HOST_SWAP ? 393216 : HOST_SWAP))
	st=$(lxt_field "$T/s1" SwapTotal) sf=$(lxt_field "$T/s1" SwapFree)
	lxt_is "$st" "$want" "LX-05: SwapTotal = min(memsw limit 384M, host swap)"
	lxt_num "$sf" -le "$st" "LX-05: SwapFree <= SwapTotal"
	lxt_match "$(sed -n 2p "$T/s1.swaps")" "^none +virtual"$'\t\t'"$st"$'\t'"[0-9]+"$'\t'"0$" \
		"LX-05: proc/swaps has one virtual device of SwapTotal kB"
	lxt_is "$(wc -l <"$T/s1.swaps")" 2 "LX-05: proc/swaps has exactly header + one line"
	lxt_mkcg memory s2
	lxt_cgset memory s2 memory.limit_in_bytes $((256 * MIB))
	mi_read s2 "$CGREL"
	lxt_is "$(lxt_field "$T/s2" SwapTotal)" "$HOST_SWAP" "LX-05: memsw unlimited -> SwapTotal = host swap"
else
	lxt_skip_case "LX-05: SwapTotal = min(memsw limit, host swap), swaps device line" "host has no swap"
fi

# --- LX-04: swappiness 0 and moving usage: never a phantom swap device ------------------------
lxt_mkcg memory swp0
SWP0=$CGREL
lxt_cgset memory swp0 memory.limit_in_bytes $((256 * MIB))
lxt_cgset memory swp0 memory.swappiness 0
# one process in the cgroup: lxt-churn (64 MiB) in the background, 1500 reads of swaps and
# meminfo with shell builtins only, one summary line per distinct result
lxt_in_cgroups "$SWP0" bash -c '
	M=$1 CHURN=$2
	"$CHURN" 64 120 >/dev/null &
	c=$!
	sleep 0.5
	for ((i = 0; i < 1500; i++)); do
		sw=()
		mapfile -t sw <"$M/proc/swaps"
		st=missing
		while IFS= read -r l; do
			case $l in SwapTotal:*) st=${l//[!0-9]/}; break ;; esac
		done <"$M/proc/meminfo"
		echo "swaps-lines=${#sw[@]} SwapTotal=$st header-ok=$([[ ${sw[0]-} == Filename* ]] && echo 1 || echo 0)"
	done | sort | uniq -c | sed "s/^ *//"
	kill $c
	wait $c 2>/dev/null
	exit 0
' _ "$MNT" "$LXT_CHURN" >"$T/lx04" 2>"$T/lx04.err"
lxt_diag "LX-04: $(tr '\n' ';' <"$T/lx04")"
lxt_is "$(cat "$T/lx04")" "1500 swaps-lines=1 SwapTotal=0 header-ok=1" \
	"LX-04: 1500 reads under churn, swappiness 0: SwapTotal 0 kB and swaps header only every time"
maxuse=$(cat "$LXT_CGROOT/$SWP0/memory.max_usage_in_bytes")
lxt_num "$maxuse" -ge $((64 * MIB)) "LX-04: churn really moved the cgroup's usage (max usage $((maxuse / MIB)) MiB)"
lxt_is "$(awk '$1 == "total_swap" { print $2 }' "$LXT_CGROOT/$SWP0/memory.stat")" 0 \
	"LX-04: the cgroup's memory.stat total_swap stayed 0"

# --- pid namespaces: the init's cgroup decides ------------------------------------------------
lxt_mkcg memory ns/child
NS=memory/$(lxt_cgname ns) NSCHILD=memory/$(lxt_cgname ns/child)
lxt_cgset memory ns memory.limit_in_bytes $((256 * MIB))
lxt_cgset memory ns/child memory.limit_in_bytes $((128 * MIB))
# init (bash, pid 1 of the new namespace) stays in NS; its child joins NS/child and reads
lxt_in_cgroups "$NS" unshare --pid --fork --kill-child bash -c '
	( echo $BASHPID >"$1/$2/cgroup.procs" || exit 1
	  grep -E "^[0-9]+:memory:" /proc/self/cgroup >&2
	  exec cat "$3/proc/meminfo" )
	echo "init pid $$" >&2
' _ "$LXT_CGROOT" "$NSCHILD" "$MNT" >"$T/ns" 2>"$T/ns.err"
mi_check "$T/ns" ns
lxt_diag "pidns reader: $(tr '\n' ';' <"$T/ns.err")"
lxt_match "$(cat "$T/ns.err")" ":memory:/$(lxt_cgname ns/child)" "pidns: the reader itself is in the 128M child cgroup"
lxt_match "$(cat "$T/ns.err")" "init pid 1" "pidns: its parent is pid 1 of a new namespace"
lxt_is "$(lxt_field "$T/ns" MemTotal)" 262144 "pidns: reader in a 128M child of a container whose init is in 256M sees 262144 kB"
mi_read nshost "$NSCHILD"
lxt_is "$(lxt_field "$T/nshost" MemTotal)" 131072 "host pidns: a reader in the 128M child sees its own 131072 kB"

# --- near and at the limit: MemFree never wraps ----------------------------------------------
# The memory is held by the init of a new pid namespace; the readers enter that namespace with
# nsenter but stay in the test's own cgroup, so they are never charged to (or blocked by) it.

# hold_ns NAME LIMIT_MIB HOLD_MIB [oom_kill_disable]: starts lxt-hold as init of a pid namespace
# in memory/NAME; sets HOLD_NS_PID (host pid of that init)
hold_ns() {
	local name=$1 i kids

	lxt_mkcg memory "$name"
	lxt_cgset memory "$name" memory.limit_in_bytes $(($2 * MIB))
	[ -n "${4-}" ] && lxt_cgset memory "$name" memory.oom_control 1
	lxt_bg lxt_in_cgroups "$CGREL" unshare --pid --fork --kill-child "$LXT_HOLD" "$3" 600 >"$T/hold-$name.out" 2>&1
	HOLD_NS_PID=
	for i in $(seq 50); do
		kids=$(cat "/proc/$LXT_BG_PID/task/$LXT_BG_PID/children" 2>/dev/null)
		[ -n "$kids" ] && HOLD_NS_PID=${kids%% *} && break
		sleep 0.1
	done
}

# ns_reads NAME N: N meminfo reads from inside the pid namespace of HOLD_NS_PID
ns_reads() {
	local i

	for ((i = 0; i < $2; i++)); do
		nsenter --target "$HOLD_NS_PID" --pid -- cat "$MNT/proc/meminfo" >"$T/$1.$i" 2>/dev/null
		mi_check "$T/$1.$i" "$1.$i"
	done
}

# max_field PREFIX N KEY: the largest KEY over files PREFIX.0..N-1
max_field() {
	local i m=0 v

	for ((i = 0; i < $2; i++)); do
		v=$(lxt_field "$T/$1.$i" "$3")
		[ -n "$v" ] && [ "$v" -gt "$m" ] && m=$v
	done
	echo "$m"
}

hold_ns near 96 80
for i in $(seq 100); do
	grep -q ready "$T/hold-near.out" 2>/dev/null && break
	sleep 0.1
done
lxt_true "near limit: 80 MiB held in a 96M container" grep -q ready "$T/hold-near.out"
ns_reads near 50
lxt_is "$(lxt_field "$T/near.0" MemTotal)" 98304 "near limit: container MemTotal 98304 kB"
lxt_num "$(max_field near 50 MemFree)" -le 16384 "near limit: MemFree <= 16 MiB in 50 reads (no wrap)"
lxt_num "$(max_field near 50 MemAvailable)" -le 98304 "near limit: MemAvailable <= MemTotal in 50 reads"
lxt_diag "near limit: usage $(($(cat "$LXT_CGROOT/memory/$(lxt_cgname near)/memory.usage_in_bytes") / 1024)) kB, MemFree $(lxt_field "$T/near.0" MemFree) kB"
kill "$LXT_BG_PID"

hold_ns full 64 96 oom_kill_disable
FULL=$LXT_CGROOT/memory/$(lxt_cgname full)
for i in $(seq 100); do
	grep -q 'under_oom 1' "$FULL/memory.oom_control" && break
	sleep 0.1
done
lxt_true "at the limit: 96 MiB wanted in a 64M container with the OOM killer off (under_oom 1)" \
	grep -q 'under_oom 1' "$FULL/memory.oom_control"
ns_reads full 50
lxt_diag "at the limit: usage $(($(cat "$FULL/memory.usage_in_bytes") / 1024)) kB of $(($(cat "$FULL/memory.limit_in_bytes") / 1024)) kB"
lxt_is "$(lxt_field "$T/full.0" MemTotal)" 65536 "at the limit: container MemTotal 65536 kB"
lxt_num "$(max_field full 50 MemFree)" -le 4096 "at the limit: MemFree stays small (<= 4 MiB) in 50 reads, never wraps"
lxt_num "$(max_field full 50 MemAvailable)" -le 65536 "at the limit: MemAvailable <= MemTotal in 50 reads"
kill -KILL "$HOLD_NS_PID" 2>/dev/null
kill "$LXT_BG_PID"

# --- one long-lived reader: a changed limit is seen on its very next read -------------------
# (issue 7: the daemon keeps cgroup files open and caches the reader's cgroup; neither may
# delay a change.) The reader writes the limit itself between two reads, so nothing else runs
# in between; then its cgroup is removed and made again under the same path with another
# limit; then it moves to another cgroup, which is seen within the pid cache's 1 s bound.
lxt_mkcg memory live
LIVE=$CG
lxt_mkcg memory live2
LIVE2=$CG
lxt_cgset memory live memory.limit_in_bytes $((200 * MIB))
lxt_cgset memory live2 memory.limit_in_bytes $((40 * MIB))
lxt_in_cgroups "memory/$(lxt_cgname live)" python3 - "$MNT/proc/meminfo" "$LIVE" "$LIVE2" \
	>"$T/live.out" 2>"$T/live.err" <<'PY'
import os, sys, time
view, cg, cg2 = sys.argv[1:4]
def total():
    with open(view) as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1])
def put(path, value):
    with open(path, "w") as f:
        f.write(str(value))
MIB = 1 << 20
out = [total() for _ in range(20)]          # warm: every cache filled
put(cg + "/memory.limit_in_bytes", 100 * MIB)
out.append(total())                         # the very next read
put(cg + "/memory.limit_in_bytes", 150 * MIB)
out.append(total())
put(cg2 + "/cgroup.procs", os.getpid())     # out, remove, make again, back in
os.rmdir(cg)
os.mkdir(cg)
put(cg + "/memory.limit_in_bytes", 80 * MIB)
put(cg + "/cgroup.procs", os.getpid())
out.append(total())
put(cg2 + "/cgroup.procs", os.getpid())     # moved for good: seen within 1 s
deadline = time.monotonic() + 1.5
while time.monotonic() < deadline and total() != 40960:
    time.sleep(0.05)
out.append(total())
put(os.path.dirname(cg) + "/cgroup.procs", os.getpid())
print(" ".join(map(str, out[19:])))
PY
lxt_diag "live reader MemTotal: warm, after 100M, after 150M, re-created 80M, moved to 40M: $(cat "$T/live.out") $(head -c 300 "$T/live.err")"
read -r l_warm l_100 l_150 l_recreated l_moved <"$T/live.out"
lxt_is "${l_warm:-}" 204800 "live reader: 200M limit -> MemTotal 204800 kB"
lxt_is "${l_100:-}" 102400 "live reader: limit set to 100M -> its very next read shows 102400 kB"
lxt_is "${l_150:-}" 153600 "live reader: limit set to 150M -> its very next read shows 153600 kB"
lxt_is "${l_recreated:-}" 81920 "live reader: cgroup removed and made again (80M) -> the next read shows 81920 kB"
lxt_is "${l_moved:-}" 40960 "live reader: moved to a 40M cgroup -> 40960 kB within 1.5 s"

# --- the invariant over every read of this test ----------------------------------------------
if ((${#MI_BAD[@]} == 0)); then
	lxt_pass "MemFree <= MemAvailable <= MemTotal in all $MI_READS meminfo reads of this test"
else
	lxt_fail "MemFree <= MemAvailable <= MemTotal in all $MI_READS meminfo reads of this test" \
		"${#MI_BAD[@]} bad: ${MI_BAD[*]:0:3}" "0 bad"
fi

lxt_true "daemon alive at the end" lxt_alive "$DAEMON_PID"
lxt_stop_daemon
lxt_is "$LXT_DAEMON_STATUS" 0 "daemon exits 0 on SIGTERM"
lxt_done
