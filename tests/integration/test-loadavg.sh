#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# proc/loadavg per container with -l (spec 4.8): LX-16 (a busy container's load rises like the
# kernel's, an idle one stays at 0.00 while the host is busy, without -l the host's file), the
# deletion of a key whose cgroup emptied, SIGUSR1 keeping the history, LX-17's loadavg stress
# (8 workers creating, reading and removing cpu cgroups) and a shutdown within a second.
. "$(dirname "$0")/lib.sh"
lxt_init cpu

T=$(mktemp -d "/tmp/lxkit-test-$$-la-XXXX") || lxt_bail "mktemp failed"
LXT_TMPDIRS+=("$T")
BUSY_SECONDS=30
STRESS_SECONDS=${LXT_STRESS_SECONDS:-25}
# "L1 L5 L15 running/total last"
LA_RE='^([0-9]+\.[0-9]{2}) ([0-9]+\.[0-9]{2}) ([0-9]+\.[0-9]{2}) ([0-9]+)/([0-9]+) ([0-9]+)$'

# la_field LINE N: field N (1..6) of a loadavg line, empty when the line is malformed
la_field() {
	[[ $1 =~ $LA_RE ]] && printf '%s' "${BASH_REMATCH[$2]}"
}

# within VALUE LOW HIGH: LOW <= VALUE <= HIGH (decimals)
within() {
	awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "" && v + 0 >= lo && v + 0 <= hi) }'
}

lxt_start_daemon -l || lxt_bail "daemon did not start"

# --- a host reader (root cpu cgroup) gets the kernel's own file ------------------------------
before=$(cat /proc/loadavg)
mine=$(lxt_in_cgroups cpu cat "$MNT/proc/loadavg")
after=$(cat /proc/loadavg)
lxt_match "$mine" "$LA_RE" "host reader: a loadavg line"
if [ "$(cut -d' ' -f1-3 <<<"$mine")" = "$(cut -d' ' -f1-3 <<<"$before")" ] ||
	[ "$(cut -d' ' -f1-3 <<<"$mine")" = "$(cut -d' ' -f1-3 <<<"$after")" ]; then
	lxt_pass "host reader in the root cpu cgroup: the host's averages ($mine)"
else
	lxt_fail "host reader in the root cpu cgroup: the host's averages" "'$mine'" "'$before' or '$after'"
fi

# --- LX-16: a busy and an idle container -----------------------------------------------------
lxt_mkcg cpu la-busy
BUSY=$CGREL
lxt_mkcg cpu la-idle
IDLE=$CGREL

# Each container (the init of a new pid namespace) prints its host pid, reads once at once
# (which creates its key), then reads again later; the busy one runs two busy loops and reads
# every 5 s. Both also note the host's /proc/loadavg at their last read.
lxt_bg lxt_in_cgroups "$IDLE" unshare --pid --fork --kill-child bash -c '
	read -r hp _ </proc/self/stat
	echo "hostpid $hp"
	echo "first $(cat "$1/proc/loadavg")"
	sleep "$2"
	echo "late $(cat "$1/proc/loadavg")"
	echo "host $(cat /proc/loadavg)"
' _ "$MNT" $((BUSY_SECONDS + 1)) >"$T/idle.out" 2>&1
IDLE_PID=$LXT_BG_PID
lxt_bg lxt_in_cgroups "$BUSY" unshare --pid --fork --kill-child bash -c '
	M=$1 N=$2
	read -r hp _ </proc/self/stat
	echo "hostpid $hp"
	echo "first $(cat "$M/proc/loadavg")"
	timeout $((N + 20)) sh -c "while :; do :; done" &
	timeout $((N + 20)) sh -c "while :; do :; done" &
	for ((t = 5; t <= N; t += 5)); do
		sleep 5
		echo "t=$t $(cat "$M/proc/loadavg")"
	done
	echo "host $(cat /proc/loadavg)"
	kill %1 %2
	wait
' _ "$MNT" "$BUSY_SECONDS" >"$T/busy.out" 2>&1
BUSY_PID=$LXT_BG_PID

# halfway: SIGUSR1 (a reload), consumed by the next request; the history must survive it
sleep $((BUSY_SECONDS / 2))
reloads0=$(grep -c 'Reloaded' "$DAEMON_LOG")
kill -USR1 "$DAEMON_PID"
sleep 0.2
cat "$MNT/proc/uptime" >/dev/null
wait "$BUSY_PID" "$IDLE_PID"
lxt_diag "busy container: $(tr '\n' ';' <"$T/busy.out")"
lxt_diag "idle container: $(tr '\n' ';' <"$T/idle.out")"

hp=$(sed -n 's/^hostpid //p' "$T/busy.out")
lxt_is "$(sed -n 's/^first //p' "$T/busy.out")" "0.00 0.00 0.00 0/1 $hp" \
	"LX-16: the busy container's first read creates its key: '0.00 0.00 0.00 0/1 <host pid of its init>'"
hp=$(sed -n 's/^hostpid //p' "$T/idle.out")
lxt_is "$(sed -n 's/^first //p' "$T/idle.out")" "0.00 0.00 0.00 0/1 $hp" \
	"LX-16: the idle container's first read: '0.00 0.00 0.00 0/1 <host pid of its init>'"

last=$(sed -n "s/^t=$BUSY_SECONDS //p" "$T/busy.out")
l1=$(la_field "$last" 1)
lxt_match "$last" "$LA_RE" "LX-16: busy container after ${BUSY_SECONDS}s: a loadavg line"
lxt_true "LX-16: busy container's load1 after ${BUSY_SECONDS}s = 0.79 +- 0.15 (2 * (1 - e^-0.5)); got '$l1'" \
	within "$l1" 0.64 0.94
lxt_true "LX-16: ... load5 = 0.19 +- 0.10; got '$(la_field "$last" 2)'" within "$(la_field "$last" 2)" 0.09 0.29
lxt_true "LX-16: ... load15 = 0.07 +- 0.05; got '$(la_field "$last" 3)'" within "$(la_field "$last" 3)" 0.02 0.12
lxt_true "LX-16: ... running field is 2 (the busy loops; 3 if a sample caught a reader); got '$(la_field "$last" 4)'" \
	within "$(la_field "$last" 4)" 2 3
lxt_true "LX-16: ... total counts the container's threads (>= 4); got '$(la_field "$last" 5)'" \
	within "$(la_field "$last" 5)" 4 64
rising=$(sed -n 's/^t=[0-9]* //p' "$T/busy.out" | awk '{ if ($1 + 0 < prev) bad = 1; prev = $1 + 0 } END { print bad ? "no" : "yes" }')
lxt_is "$rising" yes "LX-16: load1 never fell while the loops ran (SIGUSR1 at ${BUSY_SECONDS}/2 s kept the history)"
lxt_num "$(($(grep -c 'Reloaded' "$DAEMON_LOG") - reloads0))" -ge 1 "SIGUSR1: the daemon handled the reload"

late=$(sed -n 's/^late //p' "$T/idle.out")
host=$(sed -n 's/^host //p' "$T/idle.out")
lxt_is "$(cut -d' ' -f1-3 <<<"$late")" "0.00 0.00 0.00" "LX-16: the idle container still reads 0.00 0.00 0.00 ($late)"
lxt_is "$(la_field "$late" 4)" 0 "LX-16: ... with 0 running"
lxt_true "LX-16: ... while the host's load1 is well above it ($host)" within "$(la_field "$host" 1)" 0.5 100000

# --- the key of a cgroup that emptied is deleted by the next round ---------------------------
sleep 6
again=$(lxt_in_cgroups "$BUSY" unshare --pid --fork --kill-child bash -c \
	'read -r hp _ </proc/self/stat; echo "$hp $(cat "$1/proc/loadavg")"' _ "$MNT")
lxt_is "${again#* }" "0.00 0.00 0.00 0/1 ${again%% *}" \
	"emptied cgroup: its key was dropped, a new container there starts from '0.00 0.00 0.00 0/1 <pid>'"

# --- without -l: the host's file ---------------------------------------------------------------
LA_MNT=$MNT LA_PID=$DAEMON_PID LA_LOG=$DAEMON_LOG LA_PIDFILE=$PIDFILE
lxt_start_daemon || lxt_bail "second daemon (without -l) did not start"
lxt_bg lxt_in_cgroups "$BUSY" sh -c 'exec timeout 20 sh -c "while :; do :; done"'
sleep 6
out=$(lxt_in_cgroups "$BUSY" unshare --pid --fork --kill-child bash -c \
	'b=$(cat /proc/loadavg); m=$(cat "$1/proc/loadavg"); a=$(cat /proc/loadavg); printf "%s\n%s\n%s\n" "$b" "$m" "$a"' _ "$MNT")
kill "$LXT_BG_PID"
wait "$LXT_BG_PID" 2>/dev/null
mine=$(sed -n 2p <<<"$out")
lxt_diag "without -l: host before / container / host after: $(tr '\n' ';' <<<"$out")"
if [ "$(cut -d' ' -f1-3 <<<"$mine")" = "$(sed -n 1p <<<"$out" | cut -d' ' -f1-3)" ] ||
	[ "$(cut -d' ' -f1-3 <<<"$mine")" = "$(sed -n 3p <<<"$out" | cut -d' ' -f1-3)" ]; then
	lxt_pass "without -l: a container reads the host's averages"
else
	lxt_fail "without -l: a container reads the host's averages" "'$mine'" "host '$(sed -n 1p <<<"$out")'"
fi
lxt_true "without -l: ... and the host's thread count ($(la_field "$mine" 5))" within "$(la_field "$mine" 5)" 30 100000000
lxt_stop_daemon
MNT=$LA_MNT DAEMON_PID=$LA_PID DAEMON_LOG=$LA_LOG PIDFILE=$LA_PIDFILE

# --- LX-17: loadavg stress -----------------------------------------------------------------------
# descriptors besides /dev/fuse (one per worker thread) and the pid namespace cache's pidfds
# (one per namespace seen in the last ~10 s, pruned by lookups: not this test's business)
fds() { find "/proc/$DAEMON_PID/fd" -mindepth 1 -printf '%l\n' 2>/dev/null | grep -v pidfd | grep -vc '^/dev/fuse$'; }
fd_kinds() { find "/proc/$DAEMON_PID/fd" -mindepth 1 -printf '%l\n' 2>/dev/null | sed 's/[0-9]\+/N/g' | sort | uniq -c | tr -s ' \n' ' '; }
FDS0=$(fds)
# worker: create a fresh cpu cgroup, read loadavg 3x from it (timeout 3; odd workers as the init
# of a new pid namespace), remove it. Each read prints "<host pid of the reference process>
# <loadavg line>"; the first read of each fresh cgroup must be a fresh key.
cat >"$T/read.sh" <<'EOF2'
read -r hp _ </proc/self/stat
read -r line <"$1/proc/loadavg" && echo "$hp $line"
EOF2
WORKER='
M=$1 OUT=$2 DUR=$3 NAME=$4 NS=$5 IN=$6 READ=$7
cycles=0 hangs=0 bad=0 failed=0 stale=0
SECONDS=0
while [ "$SECONDS" -lt "$DUR" ]; do
	cycles=$((cycles + 1))
	cg=$NAME-$cycles
	if ! mkdir "/sys/fs/cgroup/cpu/$cg"; then
		failed=$((failed + 1))
		continue
	fi
	for k in 1 2 3; do
		if [ "$NS" = 1 ]; then
			got=$(timeout -k 1 3 bash "$IN" "cpu/$cg" unshare --pid --fork --kill-child bash "$READ" "$M")
		else
			got=$(timeout -k 1 3 bash "$IN" "cpu/$cg" bash "$READ" "$M")
		fi
		rc=$?
		if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
			hangs=$((hangs + 1)); echo "hang: $cg read $k" >>"$OUT.log"
		elif [ "$rc" -ne 0 ]; then
			failed=$((failed + 1)); echo "failed: $cg read $k (exit $rc)" >>"$OUT.log"
		elif ! [[ $got =~ ^([0-9]+)\ [0-9]+\.[0-9]{2}\ [0-9]+\.[0-9]{2}\ [0-9]+\.[0-9]{2}\ [0-9]+/[0-9]+\ [0-9]+$ ]]; then
			bad=$((bad + 1)); echo "bad: $cg read $k: $got" >>"$OUT.log"
		elif [ "$k" = 1 ] && [ "${got#* }" != "0.00 0.00 0.00 0/1 ${got%% *}" ]; then
			stale=$((stale + 1)); echo "stale: $cg: $got" >>"$OUT.log"
		fi
	done
	for i in $(seq 40); do
		rmdir "/sys/fs/cgroup/cpu/$cg" 2>/dev/null && break
		sleep 0.05
	done
	[ -d "/sys/fs/cgroup/cpu/$cg" ] && { failed=$((failed + 1)); echo "cannot remove $cg" >>"$OUT.log"; }
done
echo "cycles=$cycles hangs=$hangs bad=$bad failed=$failed stale=$stale" >"$OUT"
'
# meanwhile a container with two busy loops reads its own (long-lived) key in a tight loop
lxt_bg lxt_in_cgroups "$BUSY" unshare --pid --fork --kill-child bash -c '
	M=$1 OUT=$2 DUR=$3
	timeout $((DUR + 5)) sh -c "while :; do :; done" &
	timeout $((DUR + 5)) sh -c "while :; do :; done" &
	n=0 slow=0 SECONDS=0
	while [ "$SECONDS" -lt "$DUR" ]; do
		timeout -k 1 3 cat "$M/proc/loadavg" >"$OUT.last" || slow=$((slow + 1))
		n=$((n + 1))
	done
	echo "reads=$n slow=$slow last=$(cat "$OUT.last")" >"$OUT"
	kill %1 %2
' _ "$MNT" "$T/hot" "$STRESS_SECONDS"
for w in $(seq 1 8); do
	lxt_bg bash -c "$WORKER" _ "$MNT" "$T/worker.$w" "$STRESS_SECONDS" "$(lxt_cgname "w$w")" $((w % 2)) \
		"$LXT_IN_CGROUPS" "$T/read.sh"
done
for p in "${LXT_PIDS[@]}"; do
	wait "$p" 2>/dev/null
done
LXT_PIDS=()

cycles=0 hangs=0 bad=0 failed=0 stale=0 missing=0
for w in $(seq 1 8); do
	if [ -s "$T/worker.$w" ]; then
		IFS=' =' read -r _ c _ h _ b _ f _ s <"$T/worker.$w"
		cycles=$((cycles + c)) hangs=$((hangs + h)) bad=$((bad + b)) failed=$((failed + f)) stale=$((stale + s))
	else
		missing=$((missing + 1))
	fi
done
logs=$(cat "$T"/worker.*.log 2>/dev/null | head -3 | tr '\n' ';')
lxt_diag "LX-17 loadavg stress: $cycles create/read/remove cycles by 8 workers in ${STRESS_SECONDS}s; hot reader: $(cat "$T/hot" 2>/dev/null)"
lxt_is "$missing" 0 "LX-17: all 8 workers finished and reported"
lxt_num "$cycles" -ge 80 "LX-17: at least 80 cycles ran"
lxt_is "$hangs" 0 "LX-17: no read took 3 s or more${logs:+ [$logs]}"
lxt_is "$failed" 0 "LX-17: no read, mkdir or rmdir failed"
lxt_is "$bad" 0 "LX-17: every read was a loadavg line"
lxt_is "$stale" 0 "LX-17: the first read of every fresh cgroup was '0.00 0.00 0.00 0/1 <pid>'"
lxt_match "$(cat "$T/hot" 2>/dev/null)" '^reads=[1-9][0-9]* slow=0 last=' "LX-17: the long-lived container's tight reads were never slow"
lxt_true "LX-17: ... and its load1 rose above 0.5 meanwhile ($(sed -n 's/.*last=//p' "$T/hot"))" \
	within "$(la_field "$(sed -n 's/.*last=//p' "$T/hot")" 1)" 0.5 3
lxt_true "LX-17: daemon alive after the stress" lxt_alive "$DAEMON_PID"
lxt_match "$(timeout 3 cat "$MNT/proc/loadavg")" "$LA_RE" "LX-17: a final read of proc/loadavg succeeds within 3 s"
lxt_match "$(timeout 3 bash "$LXT_IN_CGROUPS" "$BUSY" cat "$MNT/proc/loadavg")" "$LA_RE" \
	"LX-17: ... also from a container cgroup"
lxt_num "$(fds)" -le $((FDS0 + 2)) "LX-17: no descriptor leak ($FDS0 fds besides /dev/fuse before, $(fds) after)"
lxt_diag "daemon threads after the stress: $(ls "/proc/$DAEMON_PID/task" | wc -l); descriptors: $(fd_kinds)"

# --- shutdown: the sampler is woken and joined at once ------------------------------------------
t0=$(date +%s%N)
lxt_stop_daemon
t1=$(date +%s%N)
lxt_is "$LXT_DAEMON_STATUS" 0 "daemon exits 0 on SIGTERM"
lxt_num $(((t1 - t0) / 1000000)) -lt 1000 "daemon with -l stops in under 1 s ($(((t1 - t0) / 1000000)) ms)"
lxt_is "$(grep -ciE 'error|failed' "$DAEMON_LOG")" 0 "daemon log has no errors"
lxt_done
