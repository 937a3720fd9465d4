#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The virtual cgroupfs inside real busybox LXC containers (issue 6): a privileged one and an
# unprivileged one (user namespace, root = host uid 1000000; root's subordinate ids come from a
# private bind mount over /etc/subuid and /etc/subgid, as in test-lxlaunch.sh). Each gets
# MNT/cgroup bound at /lxkit-cgroup by an lxc.mount.entry in its config (the LXC hook does not
# bind cgroup/: see README "Virtual cgroupfs").
#
# Inside: listing, reading, creating a child cgroup, setting its memory limit, moving two
# processes into it with one write, and the escape attempts: a sibling cgroup's files, ".."
# tricks, a prefix-sharing name (lxc.payload.NAMEx), symlink creation, raising its own
# memory.limit_in_bytes, writing a host pid, removing its own cgroup. Outside: the host
# hierarchy shows exactly the changes allowed and nothing else.
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/lxc.sh
. "$(dirname "$0")/../lib/lxc.sh"
lxt_init memory cpuset
for tool in lxc-create lxc-start lxc-attach lxc-stop lxc-destroy lxc-info lxc-wait; do
	command -v "$tool" >/dev/null || lxt_skip "$tool not found (install the lxc package)"
done
command -v busybox >/dev/null || lxt_skip "busybox not found (install busybox-static)"
[ -f /usr/share/lxc/templates/lxc-busybox ] || lxt_skip "LXC busybox template missing"
lxct_limit_keys $((256 * 1024 * 1024)) || lxt_skip "$LXCT_ERROR"
[ "$(lxct_controller_version memory)" = 1 ] || lxt_skip "memory is not a v1 controller here"

MEMH=$LXT_CGROOT/memory
SUBID=1000000
# every container this test made ("NAME|LXCPATH"), for the EXIT trap (lxc.sh handles one)
CTS=()
cleanup_cts() {
	local n

	for n in "${CTS[@]}"; do
		LXCT_NAME=${n%%|*} LXCT_PATH=${n#*|} LXCT_CREATED=1 lxct_cleanup
	done
	CTS=()
}
trap 'rc=$?; cleanup_cts; (exit $rc); _lxt_on_exit' EXIT

lxt_start_daemon || lxt_bail "daemon did not start"
WORK=$(mktemp -d "/tmp/lxkit-test-$$-work-XXXX") || lxt_bail "no temp dir"
LXT_TMPDIRS+=("$WORK")
chmod 755 "$WORK"	# an unprivileged container's root (host uid 1000000) must reach its rootfs
echo "root:$SUBID:65536" >"$WORK/subid"

# a sibling cgroup with a limit, and a host process outside any container
lxt_mkcg memory sib
SIB=$(lxt_cgname sib)
lxt_cgset memory sib memory.limit_in_bytes 134217728
lxt_bg sleep 600
HOSTPID=$LXT_BG_PID

# lxc MODE CMD...: runs an LXC program; in unprivileged mode it sees the private /etc/subuid
# and /etc/subgid (root:1000000:65536), which lxc-create and lxc-start need for the id map
lxc() {
	local mode=$1

	shift
	if [ "$mode" = unpriv ]; then
		# shellcheck disable=SC2016 # expanded by the inner sh
		unshare -m --propagation private -- sh -c \
			'mount --bind "$1" /etc/subuid && mount --bind "$1" /etc/subgid && shift && exec "$@"' \
			_ "$WORK/subid" "$@"
	else
		"$@"
	fi
}

# ct_create MODE CONF_LINE...: lxc-create -t busybox of LXCT_NAME (as lxct_create_busybox, but
# through lxc MODE)
ct_create() {
	local mode=$1

	shift
	{
		echo "lxc.net.0.type = empty"
		echo "lxc.apparmor.profile = unconfined"
		echo "$LXCT_MEM_KEY"
		echo "$LXCT_CPU_KEY"
		printf '%s\n' "$@"
	} >"$WORK/create-$mode.conf"
	lxc "$mode" lxc-create -P "$LXCT_PATH" -n "$LXCT_NAME" -t busybox -f "$WORK/create-$mode.conf" \
		>"$WORK/create-$mode.log" 2>&1
}
ct_start() {
	lxc "$1" env -u LXCFS_MOUNT lxc-start -P "$LXCT_PATH" -n "$LXCT_NAME" -l INFO -o "$WORK/lxc-$1.log" &&
		lxc-wait -P "$LXCT_PATH" -n "$LXCT_NAME" -s RUNNING -t 10
}
ct_attach() {
	local mode=$1

	shift
	lxc "$mode" lxc-attach -P "$LXCT_PATH" -n "$LXCT_NAME" --clear-env -- "$@"
}

# Phase 1, run inside: everything up to the moves. Args: cgroup mount, own name, sibling,
# prefix-sharing name, host pid. Prints PASS/FAIL lines and "PIDS p1 p2".
IN_PHASE1='
C=$1; M=$C/memory; OWN=$M/$2; SIB=$3; PFX=$4; HP=$5
is() { if [ "$2" = "$3" ]; then echo "PASS $1"; else echo "FAIL $1 # got [$2] want [$3]"; fi; }
has() { if echo "$2" | grep -Eq "$3"; then echo "PASS $1"; else echo "FAIL $1 # got [$2] want /$3/"; fi; }
NOENT="No such file|nonexistent"
has "cgroup/ lists memory, cpuset, systemd and unified" "$(ls $C | tr "\n" " ")" "cpuset .*memory .*systemd unified"
is "memory/ lists only the container cgroup" "$(ls $M | tr "\n" " ")" "$2 "
has "own cgroup lists memory.limit_in_bytes and cgroup.procs" "$(ls $OWN | tr "\n" " ")" "cgroup.procs .*memory.limit_in_bytes"
is "read own memory.limit_in_bytes" "$(cat $OWN/memory.limit_in_bytes)" 268435456
has "own cgroup.procs lists pid 1 (container pids)" "$(cat $OWN/cgroup.procs | tr "\n" " ")" "^1 "
has "sibling cgroup hidden: ls" "$(ls $M/$SIB 2>&1)" "$NOENT"
has "sibling limit hidden: cat" "$(cat $M/$SIB/memory.limit_in_bytes 2>&1)" "$NOENT"
has "sibling limit hidden: write" "$( (echo 1 >$M/$SIB/memory.limit_in_bytes) 2>&1)" "$NOENT"
has "prefix-sharing name hidden: ls $PFX" "$(ls $M/$PFX 2>&1)" "$NOENT"
has "prefix-sharing name hidden: cat" "$(cat $M/$PFX/memory.limit_in_bytes 2>&1)" "$NOENT"
has ".. trick: own/../sibling/memory.limit_in_bytes" "$(cat $OWN/../$SIB/memory.limit_in_bytes 2>&1)" "$NOENT"
is ".. trick: ls own/.. lists only the container cgroup" "$(ls $OWN/.. | tr "\n" " ")" "$2 "
has ".. trick: root file through own/../cgroup.procs" "$(cat $OWN/../cgroup.procs 2>&1)" "$NOENT"
has "raising own memory.limit_in_bytes is refused" "$( (echo 1073741824 >$OWN/memory.limit_in_bytes) 2>&1)" "Permission denied"
has "symlink creation is refused" "$(ln -s / $OWN/lnk 2>&1)" "Permission denied"
has "rmdir of own cgroup is refused" "$(rmdir $OWN 2>&1)" "busy|not permitted"
has "mkdir beside own cgroup is refused" "$(mkdir $M/lxkit-x 2>&1)" "not permitted"
is "mkdir child" "$(mkdir $OWN/child 2>&1; echo rc=$?)" "rc=0"
is "empty child cgroup.procs reads as 0 bytes" "$(cat $OWN/child/cgroup.procs 2>&1 | wc -c)" 0
is "set the child memory.limit_in_bytes" "$( (echo 67108864 >$OWN/child/memory.limit_in_bytes) 2>&1; echo rc=$?)" "rc=0"
is "the child limit reads back" "$(cat $OWN/child/memory.limit_in_bytes)" 67108864
is "chown of a child file to uid 1000" "$(chown 1000 $OWN/child/memory.soft_limit_in_bytes 2>&1; echo rc=$?)" "rc=0"
sleep 600 </dev/null >/dev/null 2>&1 &
P1=$!
sleep 600 </dev/null >/dev/null 2>&1 &
P2=$!
is "move two processes with one write" "$( (printf "%s\n%s\n" $P1 $P2 >$OWN/child/cgroup.procs) 2>&1; echo rc=$?)" "rc=0"
is "child cgroup.procs lists both (container pids)" "$(sort -n $OWN/child/cgroup.procs | tr "\n" " ")" "$(printf "%s\n%s\n" $P1 $P2 | sort -n | tr "\n" " ")"
if [ -e /proc/$HP ]; then
	echo "PASS writing host pid $HP # SKIP the container has a pid $HP of its own"
else
	has "writing a host pid is refused" "$( (echo $HP >$OWN/child/cgroup.procs) 2>&1)" "not permitted"
fi
echo "PIDS $P1 $P2"
'
# Phase 2: move both back (cgroup.procs and tasks), remove the child, stop the sleeps.
IN_PHASE2='
OWN=$1/memory/$2
is() { if [ "$2" = "$3" ]; then echo "PASS $1"; else echo "FAIL $1 # got [$2] want [$3]"; fi; }
is "move back through cgroup.procs" "$( (echo $3 >$OWN/cgroup.procs) 2>&1; echo rc=$?)" "rc=0"
is "move back through tasks" "$( (echo $4 >$OWN/tasks) 2>&1; echo rc=$?)" "rc=0"
is "rmdir child" "$(rmdir $OWN/child 2>&1; echo rc=$?)" "rc=0"
kill $3 $4
'

# host_pids_of DIR: the host pids in DIR/cgroup.procs, sorted, space separated
host_pids_of() { sort -n "$1/cgroup.procs" 2>/dev/null | tr '\n' ' '; }
# nspid HOSTPID: the pid in its innermost pid namespace
nspid() { awk '$1 == "NSpid:" { print $NF }' "/proc/$1/status" 2>/dev/null; }

run_container() {
	local mode=$1 name=lxkit-test-$$-$1 cfg own pfx out p1 p2 hp owner_want
	local idmap=() before_sib before_host

	LXCT_NAME=$name
	LXCT_PATH=$WORK/lxc-$mode
	mkdir -p "$LXCT_PATH" && chmod 755 "$LXCT_PATH"
	CTS+=("$name|$LXCT_PATH")
	LXCT_CREATED=1
	if [ "$mode" = unpriv ]; then
		idmap=("lxc.idmap = u 0 $SUBID 65536" "lxc.idmap = g 0 $SUBID 65536")
	fi
	if ! ct_create "$mode" "${idmap[@]}" \
		"lxc.mount.entry = $MNT/cgroup lxkit-cgroup none bind,create=dir 0 0"; then
		lxt_fail "$mode: lxc-create -t busybox $name" "$(tail -n 3 "$WORK/create-$mode.log")" "exit 0"
		return
	fi
	lxt_pass "$mode: lxc-create -t busybox $name"
	if ! ct_start "$mode"; then
		lxt_fail "$mode: lxc-start $name" "$(tail -n 5 "$WORK/lxc-$mode.log")" RUNNING
		return
	fi
	lxt_pass "$mode: lxc-start $name: RUNNING"
	own=lxc.payload.$name
	pfx=${own}x
	lxt_is "$(ct_attach "$mode" cat /proc/self/uid_map | awk '{ print $1, $2, $3 }')" \
		"$([ "$mode" = unpriv ] && echo "0 $SUBID 65536" || echo "0 0 4294967295")" \
		"$mode: uid map inside"
	[ -d "$MEMH/$own" ] || { lxt_fail "$mode: container memory cgroup" "none" "$MEMH/$own"; return; }
	mkdir "$MEMH/$pfx" && LXT_CGROUPS+=("$MEMH/$pfx")
	lxt_diag "$mode: host: $(stat -c '%n %U:%G %a' "$MEMH/$own" "$MEMH/$own/cgroup.procs" "$MEMH/$own/tasks")"
	before_sib=$(cat "$MEMH/$SIB/memory.limit_in_bytes")
	before_host=$(grep ':memory:' "/proc/$HOSTPID/cgroup")

	out=$(ct_attach "$mode" sh -c "$IN_PHASE1" sh /lxkit-cgroup "$own" "$SIB" "$pfx" "$HOSTPID" 2>&1)
	lxt_verdicts "$mode: checks inside" < <(sed "s/^\(PASS\|FAIL\) /\1 $mode: /" <<<"$out" | grep -v '^PIDS ')
	read -r _ p1 p2 < <(grep '^PIDS ' <<<"$out")

	# the host hierarchy: the allowed changes, and nothing else
	lxt_is "$(cat "$MEMH/$own/memory.limit_in_bytes")" 268435456 "$mode: host: own limit unchanged"
	lxt_is "$(cat "$MEMH/$own/child/memory.limit_in_bytes" 2>&1)" 67108864 "$mode: host: child limit 64 MiB"
	hp=$(host_pids_of "$MEMH/$own/child")
	lxt_is "$(for h in $hp; do nspid "$h"; done | sort -n | tr '\n' ' ')" \
		"$(printf '%s\n%s\n' "$p1" "$p2" | sort -n | tr '\n' ' ')" \
		"$mode: host: the child holds exactly the two moved processes"
	lxt_is "$(cat "$MEMH/$SIB/memory.limit_in_bytes")" "$before_sib" "$mode: host: sibling limit unchanged"
	lxt_is "$(grep ':memory:' "/proc/$HOSTPID/cgroup")" "$before_host" "$mode: host: the host process was not moved"
	lxt_is "$(find "$MEMH/$pfx" "$MEMH/$SIB" -mindepth 1 -type d | wc -l)" 0 \
		"$mode: host: nothing created under the sibling or the prefix-sharing cgroup"
	owner_want=0
	[ "$mode" = unpriv ] && owner_want=$SUBID
	lxt_is "$(stat -c %u "$MEMH/$own/child")" "$owner_want" "$mode: host: the child cgroup is owned by the container's root ($owner_want)"
	lxt_is "$(stat -c %u "$MEMH/$own/child/memory.soft_limit_in_bytes")" $((owner_want + 1000)) \
		"$mode: host: the chowned child file belongs to uid 1000 of the container"

	out=$(ct_attach "$mode" sh -c "$IN_PHASE2" sh /lxkit-cgroup "$own" "$p1" "$p2" 2>&1)
	lxt_verdicts "$mode: cleanup inside" < <(sed "s/^\(PASS\|FAIL\) /\1 $mode: /" <<<"$out")
	lxt_false "$mode: host: the child cgroup is gone" test -e "$MEMH/$own/child"
	lxt_true "$mode: the daemon is alive" lxt_alive "$DAEMON_PID"

	LXCT_CREATED=1 lxct_cleanup
	rmdir "$MEMH/$pfx" 2>/dev/null
}

for m in ${LXT_CGFS_MODES:-priv unpriv}; do
	run_container "$m"
done
cleanup_cts
lxt_done
