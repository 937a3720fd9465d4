#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-lxlaunch.sh: lxlaunch on real busybox LXC containers under a private lxcpath.
#   - run --template busybox --memory 256M --cpuset 0 --lxcfs MNT: MemTotal 262144 kB and one
#     CPU inside, through our lxcfs mounted on a temp dir; default capability drop list and
#     --cap-drop in CapEff; the default seccomp filter is on
#   - the command's exit status comes back (7, 127, 126, 128+9)
#   - create / info / start / list / exec / stop / restart / delete
#   - every bad input: exit code and the one line naming the bad value
#   - a failed start leaves no container directory and no lxc.monitor/payload cgroups
#   - --userns (root's subordinate ids given through a private bind mount over /etc/subuid):
#     root inside is host uid 1000000
#   - the default seccomp filter denies delete_module (EPERM, ENOSYS unconfined); run answers
#     sysinfo(2) with the container's view: totalram 256 MiB, its uptime, busybox uptime
#
# Environment: LXLAUNCH_BIN (meson passes it), LXCFS_BIN. Containers are named
# lxkit-test-<pid>-..., destroyed by the EXIT trap whatever happens.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

lxt_require_root
lxt_require_fuse
lxt_require_tools setpriv unshare mount timeout
: "${LXLAUNCH_BIN:=$LXT_DIR/../../build/launcher/cli/lxlaunch}"
[ -x "$LXLAUNCH_BIN" ] || lxt_skip "lxlaunch binary '$LXLAUNCH_BIN' not built"
command -v busybox >/dev/null || lxt_skip "busybox not found (install busybox-static)"
[ -f /usr/share/lxc/templates/lxc-busybox ] || lxt_skip "LXC busybox template missing"

HOOK=/usr/share/lxcfs/lxc.mount.hook
T=$(mktemp -d "/tmp/lxkit-test-$$-lxl-XXXX") || lxt_bail "mktemp failed"
LXT_TMPDIRS+=("$T")
P=$T/lxc
mkdir "$P"
PFX=lxkit-test-$$

# ct_cleanup: every container of this test, then LXC's leftover cgroups of those names
# shellcheck disable=SC2317  # runs from the EXIT trap
ct_cleanup() { lxt_lxlaunch_cleanup "$P" "$PFX"; }
# shellcheck disable=SC2154  # rc is assigned inside the trap
trap 'rc=$?; ct_cleanup; (exit $rc); _lxt_on_exit' EXIT

# lxl NAME ARGS...: runs lxlaunch (120 s cap, then SIGKILL 10 s later: a hang fails the case,
# not the whole test), output in $T/NAME.out/.err, status in RC
lxl() {
	local name=$1
	shift
	timeout -k 10 120 "$LXLAUNCH_BIN" "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null
	RC=$?
}
# lxl_cmd NAME CMD...: the same for any command (setpriv, unshare in front of lxlaunch)
lxl_cmd() {
	local name=$1
	shift
	timeout -k 10 120 "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null
	RC=$?
}
out() { cat "$T/$1.out"; }
err() { cat "$T/$1.err"; }

# leftovers NAME: what LXC left of container NAME (its directory, its cgroups), empty if nothing
leftovers() {
	[ -e "$P/$1" ] && echo "dir $P/$1"
	find /sys/fs/cgroup -maxdepth 6 -type d \( -name "lxc.monitor.$1" -o -name "lxc.payload.$1" \) \
		2>/dev/null
}

# cap_bit HEX N: prints 1 when capability N is in the CapEff mask HEX
cap_bit() { echo $(((16#$1 >> $2) & 1)); }

# ---------------------------------------------------------------- 1. run with our lxcfs
lxt_start_daemon "-l" || lxt_bail "lxcfs did not mount"
if [ -x "$HOOK" ]; then
	lxl run1 run --lxcpath "$P" --name "$PFX-run1" --template busybox --memory 256M --cpuset 0 \
		--lxcfs "$MNT" --cap-drop net_raw -- \
		sh -c 'head -n 1 /proc/meminfo; nproc; grep -E "^(CapEff|Seccomp):" /proc/self/status'
	lxt_is "$RC" 0 "run --memory 256M --cpuset 0 --lxcfs: exit status 0"
	[ "$RC" = 0 ] || lxt_diag "$(err run1)"
	lxt_is "$(out run1 | sed -n 1p | tr -s ' ')" "MemTotal: 262144 kB" "run: MemTotal inside is 262144 kB"
	lxt_is "$(out run1 | sed -n 2p)" 1 "run: nproc inside is 1"
	capeff=$(out run1 | awk '$1 == "CapEff:" { print $2 }')
	if [[ $capeff =~ ^[0-9a-f]+$ ]]; then
		lxt_is "$(cap_bit "$capeff" 13)$(cap_bit "$capeff" 16)$(cap_bit "$capeff" 25)$(cap_bit "$capeff" 21)" \
			"0001" "run: CapEff lacks net_raw (--cap-drop), sys_module, sys_time (default), keeps sys_admin"
	else
		lxt_fail "run: CapEff readable" "'$capeff'" "hex mask"
	fi
	lxt_is "$(out run1 | awk '$1 == "Seccomp:" { print $2 }')" 2 "run: the default seccomp filter is loaded (Seccomp: 2)"
	lxt_is "$(leftovers "$PFX-run1")" "" "run: the ephemeral container is gone afterwards (dir and cgroups)"
else
	for d in "MemTotal 262144 kB" "nproc 1" "CapEff" "Seccomp" "container gone"; do
		lxt_skip_case "run --lxcfs: $d" "$HOOK is not installed (meson install)"
	done
fi

# ---------------------------------------------------------------- 2. exit status
lxl st7 run --lxcpath "$P" --name "$PFX-st7" --no-lxcfs -- sh -c 'exit 7'
lxt_is "$RC" 7 "run -- sh -c 'exit 7' exits 7"
lxl st127 run --lxcpath "$P" --name "$PFX-st127" --no-lxcfs -- /no/such/command
lxt_is "$RC" 127 "run of a missing command exits 127"
lxl st126 run --lxcpath "$P" --name "$PFX-st126" --no-lxcfs -- /etc/passwd
lxt_is "$RC" 126 "run of a non-executable file exits 126"
lxl st137 run --lxcpath "$P" --name "$PFX-st137" --no-lxcfs -- sh -c 'kill -9 $$'
lxt_is "$RC" 137 "run of a command killed by SIGKILL exits 137"

# ---------------------------------------------------------------- 3. the life cycle
N=$PFX-cycle
lxl create create --lxcpath "$P" --memory 128M --pids 50 --cpus 0.5 --no-lxcfs "$N"
lxt_is "$RC" 0 "create $N"
lxl info1 info --lxcpath "$P" "$N"
lxt_match "$(out info1)" "State: STOPPED" "info: STOPPED after create"
lxt_match "$(out info1)" "Memory: 134217728" "info: memory limit 128M"
lxt_match "$(out info1)" "Pids: 50" "info: pids limit 50"
lxt_match "$(out info1)" "CPU quota/period: 50000 100000" "info: cpu 0.5 = 50000/100000"
lxl start start --lxcpath "$P" "$N"
lxt_is "$RC" 0 "start $N"
lxl info2 info --lxcpath "$P" "$N"
lxt_match "$(out info2)" "State: RUNNING" "info: RUNNING after start"
lxt_match "$(out info2)" "PID: [1-9][0-9]*" "info: init pid shown"
lxl list list --lxcpath "$P"
lxt_match "$(out list)" "$N +RUNNING +[1-9]" "list shows $N RUNNING with its pid"
PIDS_MAX=$(cat /sys/fs/cgroup/pids/lxc.payload."$N"/pids.max /sys/fs/cgroup/lxc.payload."$N"/pids.max 2>/dev/null)
lxt_is "$PIDS_MAX" 50 "the container's cgroup has pids.max 50"
lxl exec1 exec --lxcpath "$P" "$N" -- hostname
lxt_is "$RC/$(out exec1)" "0/$N" "exec: hostname inside is the container's name"
lxl exec2 exec --lxcpath "$P" "$N" -- sh -c 'exit 3'
lxt_is "$RC" 3 "exec returns the command's status"
lxl stop stop --lxcpath "$P" --timeout 5 "$N"
lxt_is "$RC" 0 "stop $N"
lxl info3 info --lxcpath "$P" "$N"
lxt_match "$(out info3)" "State: STOPPED" "info: STOPPED after stop"
lxl exec3 exec --lxcpath "$P" "$N" -- true
lxt_is "$RC" 125 "exec in a stopped container exits 125"
lxt_match "$(err exec3)" "is not running" "exec in a stopped container says so"
lxl restart restart --lxcpath "$P" --timeout 5 "$N"
lxl info4 info --lxcpath "$P" "$N"
lxt_is "$RC/$(out info4 | sed -n 2p)" "0/State: RUNNING" "restart: RUNNING again"
lxl delete delete --lxcpath "$P" "$N"
lxt_is "$RC" 0 "delete $N (running)"
lxl list2 list --lxcpath "$P"
lxt_false "list no longer shows $N" grep -q "$N" "$T/list2.out"
lxt_is "$(leftovers "$N")" "" "delete leaves no directory and no cgroups"

# --rootfs: a container on the user's directory (a copy of a busybox rootfs); delete keeps it
lxl rsrc create --lxcpath "$P" --no-lxcfs "$PFX-src"
cp -a "$P/$PFX-src/rootfs" "$T/myroot" || lxt_bail "cannot copy a busybox rootfs"
lxl rsrc-del delete --lxcpath "$P" "$PFX-src"
lxl rcreate create --lxcpath "$P" --no-lxcfs --rootfs "$T/myroot" "$PFX-rootfs"
lxt_is "$RC" 0 "create --rootfs DIR"
lxl rstart start --lxcpath "$P" "$PFX-rootfs"
lxl rexec exec --lxcpath "$P" "$PFX-rootfs" -- hostname
lxt_is "$RC/$(out rexec)" "0/$PFX-rootfs" "--rootfs container runs, hostname is its name"
lxl rdel delete --lxcpath "$P" "$PFX-rootfs"
lxt_is "$RC" 0 "delete the --rootfs container"
lxt_true "delete kept the user's rootfs directory" test -x "$T/myroot/bin/busybox"
lxt_is "$(leftovers "$PFX-rootfs")" "" "delete of a --rootfs container leaves no directory, no cgroups"
rm -rf "$T/myroot"

# ---------------------------------------------------------------- 4. bad input
# bad CASE WANT_RC REGEX ARGS...: exit status and the message (exactly one line on stderr)
bad() {
	local name=$1 want=$2 re=$3
	shift 3
	if [ "$1" = setpriv ]; then
		lxl_cmd "$name" "$@"
	else
		lxl "$name" "$@"
	fi
	lxt_is "$RC" "$want" "$name: exit status $want"
	lxt_match "$(err "$name")" "^lxlaunch: $re" "$name: message"
	lxt_is "$(wc -l <"$T/$name.err")" 1 "$name: one line on stderr"
}
bad unknown-option 2 "Unknown option '--bogus'" create --lxcpath "$P" --bogus "$PFX-x"
bad unknown-command 2 "Unknown command 'frob'" frob
bad bad-size 2 "Invalid --memory value '12Q'" create --lxcpath "$P" --memory 12Q "$PFX-x"
bad negative-size 2 "Invalid --memory value '-1'" create --lxcpath "$P" --memory=-1 "$PFX-x"
bad bad-cpus 2 "Invalid --cpus value 'abc'" create --lxcpath "$P" --cpus abc "$PFX-x"
bad zero-cpus 2 "Invalid --cpus value '0'" create --lxcpath "$P" --cpus 0 "$PFX-x"
bad bad-cpuset 2 "Invalid --cpuset value '1-0'" create --lxcpath "$P" --cpuset 1-0 "$PFX-x"
bad bad-name 2 "Invalid container name 'a/b'" create --lxcpath "$P" a/b
bad unknown-cap 2 "Unknown capability 'frob'" create --lxcpath "$P" --cap-drop frob "$PFX-x"
bad missing-rootfs 3 "Rootfs '$T/nope' does not exist" create --lxcpath "$P" --rootfs "$T/nope" "$PFX-x"
bad missing-container 3 "Container '$PFX-nope' does not exist" info --lxcpath "$P" "$PFX-nope"
lxl taken1 create --lxcpath "$P" --no-lxcfs "$PFX-taken"
bad name-taken 4 "Container '$PFX-taken' already exists" create --lxcpath "$P" "$PFX-taken"
lxl taken-del delete --lxcpath "$P" "$PFX-taken"
BR=lxkt$$
bad missing-bridge 5 "bridge '$BR' does not exist" create --lxcpath "$P" --network "bridge=$BR" "$PFX-x"
bad not-root 6 "Insufficient privileges: 'create' needs root" \
	setpriv --reuid=65534 --regid=65534 --clear-groups -- "$LXLAUNCH_BIN" create --lxcpath "$P" "$PFX-x"
bad run-bad-value 125 "Invalid --memory value 'lots'" run --lxcpath "$P" --memory lots -- true
bad run-not-root 125 "Insufficient privileges: 'run' needs root" \
	setpriv --reuid=65534 --regid=65534 --clear-groups -- "$LXLAUNCH_BIN" run -- true
bad exec-missing 125 "Container '$PFX-nope' does not exist" exec --lxcpath "$P" "$PFX-nope" -- true
if ! [ -e /sys/kernel/security/apparmor ]; then
	bad apparmor-missing 1 "AppArmor profile 'lxkit' requested, but the kernel has no AppArmor" \
		create --lxcpath "$P" --apparmor lxkit "$PFX-x"
fi
if ! grep -q '^root:' /etc/subuid 2>/dev/null; then
	bad userns-no-subuid 6 "Option --userns needs subordinate ids for root" \
		create --lxcpath "$P" --userns "$PFX-x"
fi
lxt_is "$(leftovers "$PFX-x")" "" "no rejected command left a container behind"

# ---------------------------------------------------------------- 5. a failed start
# CPU 4000 passes the parser but not the kernel: the start fails after create
lxl failstart run --lxcpath "$P" --name "$PFX-fail" --no-lxcfs --cpuset 4000 -- true
lxt_is "$RC" 125 "run with a start that fails exits 125"
lxt_match "$(err failstart)" "Failed to start container '$PFX-fail'" "failed start: message"
lxt_is "$(leftovers "$PFX-fail")" "" "failed start: no container directory, no lxc.monitor/payload cgroups"

# ---------------------------------------------------------------- 6. user namespace
U=$T/subid
echo "root:1000000:65536" >"$U"
chmod 755 "$T" "$P"	# the container's root is host uid 1000000: it must reach its rootfs
# shellcheck disable=SC2016  # expanded by the inner sh
lxl_cmd userns unshare -m --propagation private -- sh -c \
	'mount --bind "$1" /etc/subuid && mount --bind "$1" /etc/subgid && shift && exec "$@"' _ "$U" \
	"$LXLAUNCH_BIN" run --lxcpath "$P" --name "$PFX-userns" --userns --no-lxcfs -- \
	sh -c 'cat /proc/self/uid_map; id -u'
lxt_is "$RC" 0 "run --userns: exit status 0"
lxt_is "$(out userns | sed -n 1p | tr -s ' ' | sed 's/^ //')" "0 1000000 65536" \
	"run --userns: root inside maps to host uid 1000000 (uid_map)"
lxt_is "$(out userns | sed -n 2p)" 0 "run --userns: id -u inside is 0"

# ---------------------------------------------------------------- 6b. signals
# SIGTERM to run is passed on to the command; the container is destroyed all the same
"$LXLAUNCH_BIN" run --lxcpath "$P" --name "$PFX-sig" --no-lxcfs -- sleep 100 >/dev/null 2>&1 </dev/null &
SIG_PID=$!
for _ in $(seq 100); do
	[ -e "$P/$PFX-sig" ] && "$LXLAUNCH_BIN" info --lxcpath "$P" "$PFX-sig" 2>/dev/null | grep -q RUNNING && break
	sleep 0.1
done
sleep 0.5
kill -TERM "$SIG_PID"
wait "$SIG_PID"
lxt_is "$?" 143 "SIGTERM to run: the command gets it, run exits 128+15"
lxt_is "$(leftovers "$PFX-sig")" "" "SIGTERM to run: the container is gone"

# ---------------------------------------------------------------- 7. seccomp and sysinfo(2)
# delete_module: this kernel has no modules (ENOSYS) unless the default filter denies it (EPERM);
# --cap-add sys_module so the capability check does not answer EPERM first
lxl deny run --lxcpath "$P" --name "$PFX-deny" --no-lxcfs --cap-add sys_module -- busybox rmmod lxkitfoo
lxt_match "$(err deny)" "Operation not permitted" "default seccomp: a denied syscall (delete_module) fails with EPERM"
lxl nodeny run --lxcpath "$P" --name "$PFX-nodeny" --no-lxcfs --seccomp unconfined --cap-add sys_module -- \
	busybox rmmod lxkitfoo
lxt_false "--seccomp unconfined: the same call is not EPERM" grep -q "Operation not permitted" "$T/nodeny.err"

PROBE=${LXT_SYSINFO_PROBE:-$LXT_DIR/../../build/tests/integration/sysinfo-probe}
if [ -x "$PROBE" ]; then
	# the static probe comes in on stdin: run's rootfs exists only inside run
	SOCKS0=$(find /run/lxkit -name 'sysinfo-*.sock' 2>/dev/null | sort)
	T0=$(date +%s)
	timeout -k 10 120 "$LXLAUNCH_BIN" run --lxcpath "$P" --name "$PFX-sysinfo" --memory 256M --no-lxcfs -- \
		sh -c 'cat >/tmp/probe && chmod +x /tmp/probe && /tmp/probe && busybox uptime' \
		<"$PROBE" >"$T/sysinfo.out" 2>"$T/sysinfo.err"
	RC=$? AGE=$(($(date +%s) - T0))
	lxt_is "$RC" 0 "run with the sysinfo probe: exit status 0"
	lxt_is "$(awk '$1 == "totalram" { print $2 }' "$T/sysinfo.out")" 268435456 "sysinfo() inside: totalram 256 MiB"
	lxt_is "$(awk '$1 == "phys_bytes" { print $2 }' "$T/sysinfo.out")" 268435456 "sysconf(_SC_PHYS_PAGES) * page size inside: 256 MiB"
	lxt_num "$(awk '$1 == "uptime" { print $2 }' "$T/sysinfo.out")" -le "$((AGE + 1))" \
		"sysinfo() inside: uptime is the container's (at most its age, ${AGE} s, + 1)"
	lxt_match "$(out sysinfo | tail -n 1)" "up 0 min" "busybox uptime inside: up 0 min"
	lxt_is "$(comm -13 <(echo "$SOCKS0") <(find /run/lxkit -name 'sysinfo-*.sock' 2>/dev/null | sort))" "" \
		"the proxy socket is gone afterwards"
else
	lxt_skip_case "sysinfo() inside run" "probe '$PROBE' not built"
fi

ct_cleanup
lxt_done
