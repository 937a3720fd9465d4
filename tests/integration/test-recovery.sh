#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-recovery.sh: crash recovery (issue 5, item 3). A real busybox LXC container limited to
# 256 MiB gets its views from our lxcfs through the INSTALLED LXC hook; the daemon is killed
# with SIGKILL, so the container reads "Transport endpoint is not connected"; lxcfs is
# started again on the same mountpoint with --remount-containers: it must detach the stale
# mount, mount anew and bind the new views into the running container, which then reads its
# MemTotal again without being restarted. Then a clean stop and a plain start on the now
# clean mountpoint: nothing to detach, the mount works as usual, and without the option the
# container's binds (dead again after the stop) are left alone. Last, the systemd path (the
# unit's ExecStopPost already unmounted the dead mount, so the new daemon re-binds any dead
# lxcfs bind), with a plain mount namespace in a private pid namespace.
#
# Environment: LXCFS_BIN (meson passes the build tree's lxcfs), LXT_MESON (see lib.sh).
# Output: TAP (lib.sh). Skips, with the reason, when not root, without /dev/fuse, LXC,
# busybox or the installed hook. An EXIT trap destroys the container (and its cgroups), then
# lib.sh stops our daemons by PID, unmounts and removes the temp dirs.
set -u

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/lxc.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/lxc.sh"

readonly MEM_LIMIT=$((256 * 1024 * 1024))
readonly MEM_LIMIT_KB=$((MEM_LIMIT / 1024))
readonly WORKER_TIMEOUT_TENTHS=300	# the remount worker's summary within 30 s

# shellcheck disable=SC2119  # no v1 controllers of our own: LXC makes the container's cgroups
lxt_init
for tool in lxc-create lxc-start lxc-attach lxc-stop lxc-destroy lxc-info lxc-wait; do
	lxt_require_tools "$tool"
done
lxt_require_tools busybox
[[ -f /usr/share/lxc/templates/lxc-busybox ]] || lxt_skip "LXC busybox template missing"
for f in "$LXCT_CONFD_INCLUDE" "$LXCT_INSTALLED_HOOK"; do
	[[ -e $f ]] || lxt_skip "$f is not installed: run 'meson install -C build' or 'make check'"
done
lxct_limit_keys "$MEM_LIMIT" || lxt_skip "$LXCT_ERROR"
LXCFS_BIN=$(realpath -- "$LXCFS_BIN")

# The container goes first (its binds hold the FUSE mounts), then lib.sh's cleanup; keep the
# exit status for _lxt_on_exit.
LXCT_NAME=lxkit-test-$$-rec
# shellcheck disable=SC2317  # runs from the EXIT trap
on_exit() {
	local rc=$?

	lxct_cleanup
	(exit "$rc")
	_lxt_on_exit
}
trap on_exit EXIT

# ------------------------------------------------------------------------------- helpers

# start_on MNT LABEL [ARG...]: our lxcfs on the existing directory MNT, pidfile and log in a
# fresh run dir; registered with lib.sh so its cleanup stops it. Sets D_PID and D_LOG.
# Returns 1 when MNT does not serve proc/meminfo within 5 s.
start_on() {
	local mnt=$1 label=$2 rundir i

	shift 2
	rundir=$(mktemp -d "/tmp/lxkit-test-$$-$label-XXXX") || return 1
	LXT_TMPDIRS+=("$rundir")
	env --default-signal=INT,QUIT "$LXCFS_BIN" "$@" -p "$rundir/lxcfs.pid" "$mnt" \
		>"$rundir/lxcfs.log" 2>&1 </dev/null &
	D_PID=$!
	D_LOG=$rundir/lxcfs.log
	LXT_DAEMONS+=("$D_PID")
	LXT_DAEMON_MNT[$D_PID]=$mnt
	LXT_DAEMON_PIDFILE[$D_PID]=$rundir/lxcfs.pid
	for i in $(seq 50); do
		[[ -r $mnt/proc/meminfo ]] && lxt_is_mounted "$mnt" && return 0
		lxt_alive "$D_PID" || break
		sleep 0.1
	done
	return 1
}

# forget_daemon PID: it is dead (SIGKILL); lib.sh must not try to stop it or unmount for it.
forget_daemon() {
	local p kept=()

	for p in "${LXT_DAEMONS[@]}"; do
		[[ $p == "$1" ]] || kept+=("$p")
	done
	LXT_DAEMONS=("${kept[@]}")
	unset "LXT_DAEMON_MNT[$1]"
}

# host_dev MNT: major:minor of the topmost fuse.lxcfs mount on MNT in our namespace
host_dev() {
	awk -v m="$1" '$5 == m && / - fuse\.lxcfs / { d = $3 } END { print d }' /proc/self/mountinfo
}

# host_count MNT: number of mounts on MNT in our namespace
host_count() {
	awk -v m="$1" '$5 == m { n++ } END { print n + 0 }' /proc/self/mountinfo
}

in_ct() { lxct_attach "$@" 2>>"$TMP/attach.log"; }

# ct_bind TARGET: "major:minor root" of the fuse.lxcfs bind on TARGET inside the container
ct_bind() {
	in_ct cat /proc/self/mountinfo |
		awk -v t="$1" '$5 == t && / - fuse\.lxcfs / { b = $3 " " $4 } END { print b }'
}

ct_memtotal() {
	in_ct head -n 1 /proc/meminfo
}

ct_init_pid() {
	lxc-info -P "$LXCT_PATH" -n "$LXCT_NAME" -pH 2>/dev/null
}

# wait_log LOG ERE: up to 30 s for a line of LOG to match ERE
wait_log() {
	local i

	for ((i = 0; i < WORKER_TIMEOUT_TENTHS; i++)); do
		grep -Eq -- "$2" "$1" && return 0
		sleep 0.1
	done
	return 1
}

WANT_MEMTOTAL=$(printf 'MemTotal:       %8d kB' "$MEM_LIMIT_KB")

# ------------------------------------------------------------- 1. lxcfs and a container
TMP=$(mktemp -d "/tmp/lxkit-test-$$-work-XXXX") || lxt_bail "mktemp failed"
LXT_TMPDIRS+=("$TMP")
LXCT_PATH=$TMP/lxc
mkdir "$LXCT_PATH"
MNT=$(mktemp -d "/tmp/lxkit-test-$$-mnt-XXXX") || lxt_bail "mktemp failed"
LXT_TMPDIRS+=("$MNT")

start_on "$MNT" run1 || lxt_bail "lxcfs did not mount $MNT: $(cat "$D_LOG")"
D1=$D_PID
LOG1=$D_LOG
DEV1=$(host_dev "$MNT")
lxt_match "$DEV1" '^[0-9]+:[0-9]+$' "lxcfs (pid $D1) mounted on $MNT (fuse.lxcfs, device $DEV1)"

lxct_create_busybox "$TMP" || lxt_bail "lxc-create -t busybox failed: $(tail -n 20 "$TMP/create.log")"
if ! lxct_include_chain "$LXCT_CONFIG" >/dev/null; then
	printf '\nlxc.include = %s\n' "$LXCT_CONFD_INCLUDE" >>"$LXCT_CONFIG"
fi
lxct_start "$TMP/lxc.log" "$MNT" -l INFO ||
	lxt_bail "container did not start: $(tail -n 20 "$TMP/lxc.log")"
lxt_pass "LXCFS_MOUNT=$MNT lxc-start $LXCT_NAME ($LXCT_MEM_KEY): RUNNING"
INIT_PID=$(ct_init_pid)
lxt_match "$INIT_PID" '^[0-9]+$' "container init pid ($INIT_PID)"

lxt_is "$(ct_bind /proc/meminfo)" "$DEV1 /proc/meminfo" \
	"/proc/meminfo inside is a bind of $MNT/proc/meminfo (device $DEV1)"
lxt_is "$(ct_memtotal)" "$WANT_MEMTOTAL" "MemTotal inside is the 256 MiB limit"

# ------------------------------------------------------------------ 2. kill -9 the daemon
kill -KILL "$D1"
wait "$D1" 2>/dev/null
lxt_num "$?" -eq 137 "lxcfs (pid $D1) killed with SIGKILL"
forget_daemon "$D1"

OUT=$(lxct_attach cat /proc/meminfo 2>&1)
lxt_match "$OUT" 'Transport endpoint is not connected' \
	"the container's /proc/meminfo now fails with ENOTCONN"
OUT=$(head -c 1 "$MNT/proc/meminfo" 2>&1)
lxt_match "$OUT" 'Transport endpoint is not connected' "reading $MNT/proc/meminfo on the host fails with ENOTCONN"
# the kernel answers stat() from its attribute cache for attr_timeout (0.5 s) after the kill
sleep 0.6
OUT=$(stat -c %i "$MNT" 2>&1)
lxt_match "$OUT" 'Transport endpoint is not connected' "stat of $MNT on the host fails with ENOTCONN"
lxt_num "$(host_count "$MNT")" -eq 1 "the dead mount is still on $MNT"

# ----------------------------------------- 3. start again on the stale mountpoint, remount
if start_on "$MNT" run2 --remount-containers; then
	lxt_pass "lxcfs --remount-containers (pid $D_PID) mounted on the stale $MNT"
else
	lxt_fail "lxcfs --remount-containers mounted on the stale $MNT" "$(tail -n 5 "$D_LOG")" "a mount"
fi
D2=$D_PID
LOG2=$D_LOG
DEV2=$(host_dev "$MNT")
lxt_match "$(cat "$LOG2")" "Detached a stale fuse\\.lxcfs mount \\(device $DEV1, its daemon is gone\\) from '$MNT'" \
	"the daemon logged that it detached the stale mount (device $DEV1)"
lxt_num "$(host_count "$MNT")" -eq 1 "exactly one mount on $MNT (the stale one is gone)"
if [[ -n $DEV2 && $DEV2 != "$DEV1" ]]; then
	lxt_pass "the new mount has a new device ($DEV2, was $DEV1)"
else
	lxt_fail "the new mount has a new device" "'$DEV2'" "not '$DEV1'"
fi
lxt_is "$(head -n 1 "$MNT/proc/meminfo" | cut -d: -f1)" "MemTotal" "host reads $MNT/proc/meminfo"

if wait_log "$LOG2" 'Remount of containers done'; then
	lxt_pass "the remount worker finished"
else
	lxt_fail "the remount worker finished within 30 s" "no summary line" "'Remount of containers done'"
fi
lxt_match "$(cat "$LOG2")" "Re-bound '/proc/meminfo' in mount namespace [0-9]+ of pid [0-9]+ .*device $DEV1" \
	"the daemon logged the re-bind of the container's /proc/meminfo"
lxt_match "$(grep 'Remount of containers done' "$LOG2")" \
	'done: [1-9][0-9]* bind\(s\) re-bound in [1-9][0-9]* mount namespace\(s\), 0 failed' \
	"summary: binds re-bound, none failed"

lxt_is "$(ct_memtotal)" "$WANT_MEMTOTAL" "MemTotal inside is the 256 MiB limit again, no restart"
lxt_is "$(ct_bind /proc/meminfo)" "$DEV2 /proc/meminfo" \
	"/proc/meminfo inside is now a bind of the new mount (device $DEV2)"
lxt_is "$(ct_bind /sys/devices/system/cpu)" "$DEV2 /sys/devices/system/cpu" \
	"/sys/devices/system/cpu inside is a bind of the new mount too"
lxt_match "$(in_ct cat /sys/devices/system/cpu/online)" "^$LXCT_CPU\$" \
	"sys/devices/system/cpu/online inside lists the container's CPU ($LXCT_CPU)"
lxt_is "$(ct_init_pid)" "$INIT_PID" "the container was not restarted (same init pid)"

# ------------------------------- 4. clean stop, then a start without the stale condition
# A plain start: with --remount-containers but no stale mount of its own to go by, the worker
# would re-bind every dead lxcfs bind on the host, and other test runs on this machine may
# hold some on purpose. (That mode is what a systemd restart uses: ExecStopPost unmounted.)
lxt_true "lxcfs (pid $D2) stops on SIGTERM with status 0 and unmounts" lxt_stop_daemon "$D2"
OUT=$(stat -c %F "$MNT" 2>&1)
lxt_is "$OUT" "directory" "$MNT is a plain directory again"
OUT=$(lxct_attach cat /proc/meminfo 2>&1)
lxt_match "$OUT" 'Transport endpoint is not connected' \
	"the container's binds are dead again after the clean stop"

if start_on "$MNT" run3; then
	lxt_pass "lxcfs (pid $D_PID) mounted on the clean $MNT"
else
	lxt_fail "lxcfs mounted on the clean $MNT" "$(tail -n 5 "$D_LOG")" "a mount"
fi
LOG3=$D_LOG
DEV3=$(host_dev "$MNT")
if grep -q 'Detached a stale' "$LOG3"; then
	lxt_fail "nothing to detach on a clean mountpoint" "$(grep 'Detached a stale' "$LOG3")" "no such line"
else
	lxt_pass "nothing to detach on a clean mountpoint"
fi
lxt_num "$(host_count "$MNT")" -eq 1 "one mount on $MNT (device $DEV3)"
lxt_is "$(head -n 1 "$MNT/proc/meminfo" | cut -d: -f1)" "MemTotal" "host reads $MNT/proc/meminfo"
OUT=$(grep -c 'remount worker' "$LOG3")
lxt_num "$OUT" -eq 0 "without --remount-containers no remount worker starts"
OUT=$(lxct_attach cat /proc/meminfo 2>&1)
lxt_match "$OUT" 'Transport endpoint is not connected' \
	"without --remount-containers the container's binds are left alone"
lxt_is "$(ct_init_pid)" "$INIT_PID" "the container still was not restarted"

# ------------- 5. the systemd path: the dead mount was unmounted (ExecStopPost) before the
# restart, so the new daemon has no device to go by and re-binds every dead lxcfs bind. Run in
# a private pid namespace with its own /proc, where the worker sees only this section's
# processes: the dead binds other test runs on this machine may hold stay out of reach.
# shellcheck disable=SC2016  # the script expands its own variables
SYSTEMD_PATH='
set -u
bin=$1 mnt=$2 run=$3
verdict() { if [ "$1" = 0 ]; then echo "PASS $2"; else echo "FAIL $2 # got $3"; fi; }
"$bin" -p "$run/a.pid" "$mnt" >"$run/a.log" 2>&1 </dev/null &
a=$!
for i in $(seq 50); do [ -r "$mnt/proc/meminfo" ] && break; sleep 0.1; done
unshare -m --propagation private sh -c "mount --bind \"\$1/proc/meminfo\" /proc/meminfo && exec sleep 60" _ "$mnt" &
u=$!
for i in $(seq 50); do
	grep -q " /proc/meminfo .* - fuse.lxcfs " "/proc/$u/mountinfo" 2>/dev/null && break
	sleep 0.1
done
out=$(nsenter -t "$u" -m head -n 1 /proc/meminfo 2>&1)
case $out in MemTotal:*) r=0 ;; *) r=1 ;; esac
verdict $r "systemd path: a namespace with a bind of lxcfs/proc/meminfo reads it" "$out"
kill -KILL "$a"
wait "$a" 2>/dev/null
fusermount3 -u -z "$mnt"
verdict $? "systemd path: lxcfs killed, its dead mount detached as ExecStopPost does" "fusermount3 failed"
out=$(nsenter -t "$u" -m head -n 1 /proc/meminfo 2>&1)
case $out in *"Transport endpoint is not connected"*) r=0 ;; *) r=1 ;; esac
verdict $r "systemd path: the namespace now reads ENOTCONN" "$out"
"$bin" --remount-containers -p "$run/b.pid" "$mnt" >"$run/b.log" 2>&1 </dev/null &
b=$!
for i in $(seq 300); do grep -q "Remount of containers done" "$run/b.log" && break; sleep 0.1; done
grep -q "Detached a stale" "$run/b.log"
r=$((! $?))
verdict $r "systemd path: nothing stale left to detach on the mountpoint" "$(grep "Detached" "$run/b.log")"
grep -q "looking for dead lxcfs binds" "$run/b.log"
verdict $? "systemd path: the worker looks for any dead lxcfs bind" "$(tail -n 3 "$run/b.log")"
grep -q "Re-bound .\/proc\/meminfo. in mount namespace [0-9]* of pid $u " "$run/b.log"
verdict $? "systemd path: the worker logged the re-bind in that namespace" "$(tail -n 3 "$run/b.log")"
out=$(nsenter -t "$u" -m head -n 1 /proc/meminfo 2>&1)
case $out in MemTotal:*) r=0 ;; *) r=1 ;; esac
verdict $r "systemd path: the namespace reads /proc/meminfo again" "$out"
kill "$u"
kill -TERM "$b"
wait "$b"
verdict $? "systemd path: the second lxcfs exits 0 on SIGTERM" "status $?"
'
MNT5=$(mktemp -d "/tmp/lxkit-test-$$-mnt5-XXXX") || lxt_bail "mktemp failed"
RUN5=$(mktemp -d "/tmp/lxkit-test-$$-run5-XXXX") || lxt_bail "mktemp failed"
LXT_TMPDIRS+=("$MNT5" "$RUN5")
# the namespace's processes all die with its pid 1 (bash), its mounts with its mount namespace
lxt_verdicts "systemd path" < <(timeout 90 unshare --pid --fork --mount-proc --propagation private \
	bash -c "$SYSTEMD_PATH" _ "$LXCFS_BIN" "$MNT5" "$RUN5" 2>&1)
lxt_num "$(host_count "$MNT5")" -eq 0 "systemd path: nothing mounted on $MNT5 in the host's namespace"
grep -h -e 'Remount of containers' -e 'Re-bound' "$RUN5/b.log" 2>/dev/null | lxt_diag "$(cat)"

lxt_diag "$(grep -h -e 'Remount of containers' -e 'Re-bound' "$LOG2")"
if [[ -s $TMP/attach.log ]]; then
	lxt_diag "lxc-attach stderr:"
	lxt_diag "$(cat "$TMP/attach.log")"
fi
[[ $LXT_FAILED -gt 0 ]] && lxt_diag "$(tail -n 20 "$LOG1" "$LOG2" "$LOG3")"

# the container holds binds of the mount: it goes before lib.sh stops the daemon
lxct_cleanup
LXCT_NAME=""
lxt_done
