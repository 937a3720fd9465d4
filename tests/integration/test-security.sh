#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Security regressions of the FUSE daemon (issue 8 item 5), for an unprivileged user on the
# host (setpriv --reuid 65534) and for root of an unprivileged busybox LXC container (user
# namespace, root = host uid 1000000, as in test-cgroupfs-lxc.sh):
#   - no write of any kind reaches a proc/ or sys/ node: write-probe tries open for writing
#     (plain, O_RDWR, O_TRUNC, O_APPEND, O_CREAT), truncate, chmod, chown, touch, setxattr,
#     unlink, rename and link on every file, and create, mkdir, mknod, symlink, rename, chmod,
#     chown, touch, setxattr and rmdir on every directory; each must be refused, and the tree
#     (names, types, modes, owners) and the cgroups behind it are unchanged afterwards. The one
#     allowed open for writing is proc/pressure/* when the host's /proc/pressure/* is 0666 too
#     (a PSI trigger, as the kernel's);
#   - another cgroup's virtual cgroupfs subtree cannot be read (ENOENT), directly, through "..",
#     or through names that encode "/" or "..";
#   - the daemon opens nothing outside the cgroup hierarchy: symlinks planted in a cgroup
#     directory (a tmpfs over it), names with a newline that would forge a /proc/PID/cgroup
#     line, odd names under sys/ and proc/.
# test-cgroupfs.sh and test-cgroupfs-lxc.sh check the cgroupfs policy itself (what a caller
# may do in its own subtree); this test is about everything else being refused.
. "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/lxc.sh
. "$(dirname "$0")/../lib/lxc.sh"
lxt_init memory
: "${WRITE_PROBE:=$LXT_DIR/../../build/tests/integration/write-probe}"
[ -x "$WRITE_PROBE" ] || lxt_skip "write-probe helper '$WRITE_PROBE' not built"
id -u 65534 >/dev/null 2>&1 || lxt_skip "no user 65534 (nobody) on this host"

T=$(mktemp -d "/tmp/lxkit-test-$$-sec-XXXX") || lxt_bail "mktemp failed"
LXT_TMPDIRS+=("$T")
chmod 755 "$T"	# the container's root (host uid 1000000) must reach its rootfs below
MEMH=$LXT_CGROOT/memory
SUBID=1000000

lxt_start_daemon || lxt_bail "daemon did not start"

# a caller's cgroup A and a sibling B ("another container"), with a process in B
lxt_mkcg memory a
A=$(lxt_cgname a)
lxt_cgset memory a memory.limit_in_bytes 268435456
lxt_mkcg memory b
B=$(lxt_cgname b)
lxt_cgset memory b memory.limit_in_bytes 134217728
lxt_bg lxt_in_cgroups "memory/$B" sleep 600
lxt_mkcg memory a/sub	# covered by a tmpfs in part 2
SUBDIR=$CG

# pressure files the kernel itself lets anyone open for writing (PSI triggers)
PSI_OPEN_OK=0
[ "$(stat -c %a /proc/pressure/cpu 2>/dev/null)" = 666 ] && PSI_OPEN_OK=1

# snapshot: the tree as root sees it (names, types, modes, owners; proc/ and sys/, A and B
# through cgroupfs) and the host's A and B (file list, modes, owners, the settable values)
snapshot() {
	find "$MNT/proc" "$MNT/sys" -printf '%P %y %m %U %G\n' 2>/dev/null | sort
	find "$MEMH/$A" "$MEMH/$B" -printf '%p %y %m %U %G\n' | sort
	for f in memory.limit_in_bytes memory.soft_limit_in_bytes memory.swappiness cgroup.procs \
		notify_on_release memory.use_hierarchy memory.oom_control; do
		echo "$f A=$(tr '\n' ' ' <"$MEMH/$A/$f") B=$(tr '\n' ' ' <"$MEMH/$B/$f")"
	done
}

# judge_probe WHO OUTPUT MIN_FILES: the verdicts on a write-probe run
judge_probe() {
	local who=$1 out=$2 min=$3 summary files allowed bad

	summary=$(grep '^SUMMARY ' <<<"$out")
	lxt_diag "$who: write-probe: ${summary#SUMMARY }"
	files=$(sed -n 's/.* files=\([0-9]*\) .*/\1/p' <<<"$summary")
	lxt_num "${files:-0}" -ge "$min" "$who: the probe reached at least $min files"
	allowed=$(grep '^ALLOWED ' <<<"$out")
	if [ "$PSI_OPEN_OK" = 1 ]; then
		bad=$(grep -Ev '^ALLOWED open-(wronly|rdwr|append|creat) .*/proc/pressure/(cpu|io|memory)$' <<<"$allowed")
	else
		bad=$allowed
	fi
	lxt_diag "$who: allowed: $(grep -c . <<<"$allowed") (PSI trigger opens: $(grep -c 'proc/pressure/' <<<"$allowed"))"
	[ -n "$bad" ] && lxt_diag "$who: allowed besides PSI trigger opens: $(tr '\n' ';' <<<"$bad")"
	lxt_is "$(printf '%s' "$bad" | head -5 | tr '\n' ';')" "" "$who: every write, truncate, chmod, chown, touch, xattr, create, mkdir, mknod, symlink, link, rename, unlink and rmdir was refused"
	lxt_match "$summary" 'errnos=.*(EACCES|EPERM)' "$who: refused with EACCES/EPERM (and the like)"
}

BEFORE=$(snapshot)

# --- 1. an unprivileged user on the host --------------------------------------------------------
NOBODY=(setpriv --reuid 65534 --regid 65534 --clear-groups)
# (a) in cgroup A: everything under proc/ and sys/, its own (root-owned) cgroup, the top dirs
out=$(lxt_in_cgroups "memory/$A" "${NOBODY[@]}" "$WRITE_PROBE" "$MNT/proc" "$MNT/sys" \
	"$MNT/cgroup/memory/$A" -1 "$MNT" "$MNT/cgroup" "$MNT/cgroup/memory" 2>&1)
judge_probe "uid 65534 in a cgroup" "$out" 20
# (b) in the root memory cgroup, which sees the whole hierarchy: the root's files (release_agent,
#     the root limits) and the other cgroup's
out=$(lxt_in_cgroups "memory" "${NOBODY[@]}" "$WRITE_PROBE" -1 \
	"$MNT/cgroup/memory/release_agent" "$MNT/cgroup/memory/cgroup.procs" \
	"$MNT/cgroup/memory/memory.limit_in_bytes" "$MNT/cgroup/memory/$B" \
	"$MNT/cgroup/memory/$B/memory.limit_in_bytes" "$MNT/cgroup/memory/$B/cgroup.procs" \
	"$MNT/cgroup/memory/$B/tasks" 2>&1)
judge_probe "uid 65534 in the root cgroup (root and sibling cgroup files)" "$out" 5

# (c) reads of the sibling's subtree from A: directly, through "..", through encoded names
out=$(lxt_in_cgroups "memory/$A" "${NOBODY[@]}" "$WRITE_PROBE" -r \
	"$MNT/cgroup/memory/$B" "$MNT/cgroup/memory/$B/memory.limit_in_bytes" \
	"$MNT/cgroup/memory/$B/cgroup.procs" "$MNT/cgroup/memory/$A/../$B/memory.limit_in_bytes" \
	"$MNT/cgroup/memory/$A/..%2f$B%2fmemory.limit_in_bytes" "$MNT/cgroup/memory/$A/%2e%2e/$B/tasks" \
	"$MNT/cgroup/memory/$A/..\\$B" "$MNT/cgroup/memory/cgroup.procs" \
	"$MNT/cgroup/memory/$A/memory.limit_in_bytes" 2>&1)
lxt_diag "uid 65534 reads: $(tr '\n' ';' <<<"$out")"
lxt_is "$(grep -c ' EENOENT$' <<<"$out")" 8 "uid 65534 in A: the sibling's subtree, the root's files and encoded names are all ENOENT (8 paths)"
lxt_match "$(grep "/$A/memory.limit_in_bytes " <<<"$out")" ' ok [0-9]+$' "uid 65534 in A: its own cgroup's file reads (the probe can read)"

# --- 2. paths outside the hierarchy ----------------------------------------------------------
# (a) symlinks planted in a cgroup directory (a tmpfs over child cgroup A/sub): never followed
mount -t tmpfs -o size=1m,mode=0755 "lxkit-test-$$-sec" "$SUBDIR" || lxt_bail "cannot mount a tmpfs over $SUBDIR"
LXT_MOUNTS+=("$SUBDIR")
echo "lxkit-SECRET-$$" >"$T/secret"
ln -s "$T/secret" "$SUBDIR/memory.limit_in_bytes"
ln -s / "$SUBDIR/escape"
ln -s ../../../../../.. "$SUBDIR/up"
ln -s "$T" "$SUBDIR/tmpdir"
echo 12345 >"$SUBDIR/memory.soft_limit_in_bytes"
V=$MNT/cgroup/memory/$A/sub
out=$(lxt_in_cgroups "memory/$A" "$WRITE_PROBE" -r "$V/memory.limit_in_bytes" "$V/escape" \
	"$V/escape/etc/hostname" "$V/up" "$V/up/etc/hostname" "$V/tmpdir/secret" \
	"$V/memory.soft_limit_in_bytes" 2>&1)
listing=$(lxt_in_cgroups "memory/$A" ls -A "$V" 2>&1 | tr '\n' ' ')
lxt_diag "symlinks in a cgroup directory, read as root in A: $(tr '\n' ';' <<<"$out") listing: $listing"
lxt_is "$(grep -c ' EENOENT$' <<<"$out")" 6 "symlinks planted in a cgroup directory (file, /, .., a dir outside) are ENOENT through cgroupfs"
lxt_match "$(grep '/memory.soft_limit_in_bytes ' <<<"$out")" ' ok 6$' "... while a regular file beside them reads (the tmpfs is seen)"
lxt_is "$(tr ' ' '\n' <<<"$listing" | grep -cE '^(memory.limit_in_bytes|escape|up|tmpdir)$')" 0 "... and the symlinks are not listed ($listing)"
lxt_false "... and the secret's text never came out" grep -q "lxkit-SECRET" <<<"$out$listing"
umount "$SUBDIR" && LXT_MOUNTS=()

# (b) a cgroup named "x\n4:memory:" with a child named like B would add a forged line
#     "4:memory:/B" to /proc/PID/cgroup of a process in that child: the name is refused
got=$(lxt_in_cgroups "memory/$A" "$LXT_PY" -c '
import errno, os, sys
for name in ("x\n4:memory:", "x\n0::"):
    try:
        os.mkdir(sys.argv[1] + "/" + name)
        print("created", end=" ")
    except OSError as e:
        print("E" + errno.errorcode.get(e.errno, "?"), end=" ")
' "$MNT/cgroup/memory/$A" "$B" 2>&1)
lxt_match "$got" '^E[A-Z]+ E[A-Z]+ $' "cgroups named 'x\\n4:memory:' and 'x\\n0::' cannot be made through the mount ($got)"
lxt_is "$(find "$MEMH/$A" -mindepth 1 -maxdepth 1 -type d -name 'x*' | wc -l)" 0 "... and nothing of that name exists on the host"

# (c) odd names under sys/ and proc/: ENOENT, never a host file outside the views
out=$(lxt_in_cgroups "memory/$A" "${NOBODY[@]}" "$WRITE_PROBE" -r \
	"$MNT/sys/devices/system/cpu/cpu99999999999999999999/online" "$MNT/sys/devices/system/cpu/cpu-1" \
	"$MNT/sys/devices/system/cpu/cpu0%2f..%2f..%2fonline" "$MNT/sys/devices/system/cpu/cpu 0" \
	"$MNT/sys/devices/system/cpu/cpu0/../../../../../../etc/hostname" "$MNT/proc/self" \
	"$MNT/proc/1/environ" "$MNT/proc/meminfo%00" "$MNT/proc/..%2f..%2fetc%2fshadow" 2>&1)
lxt_diag "odd names: $(tr '\n' ';' <<<"$out")"
lxt_is "$(grep -c ' EENOENT$' <<<"$out")" 9 "odd names under sys/ and proc/ (overflowing cpu numbers, encoded '/', '..' past the root, /proc/PID) are all ENOENT"
lxt_true "daemon alive after the host checks" lxt_alive "$DAEMON_PID"

# --- 3. root of an unprivileged container ---------------------------------------------------
ct_part() {
	local name=lxkit-test-$$-sec own

	for tool in lxc-create lxc-start lxc-attach lxc-stop lxc-destroy lxc-wait; do
		command -v "$tool" >/dev/null || { lxt_skip_case "unprivileged container" "$tool not found"; return; }
	done
	command -v busybox >/dev/null || { lxt_skip_case "unprivileged container" "busybox not found"; return; }
	[ -f /usr/share/lxc/templates/lxc-busybox ] || { lxt_skip_case "unprivileged container" "no LXC busybox template"; return; }
	lxct_limit_keys $((256 * 1024 * 1024)) || { lxt_skip_case "unprivileged container" "$LXCT_ERROR"; return; }
	echo "root:$SUBID:65536" >"$T/subid"
	LXCT_NAME=$name LXCT_PATH=$T/lxc
	mkdir -p "$LXCT_PATH" && chmod 755 "$LXCT_PATH"
	LXCT_CREATED=1
	{
		echo "lxc.net.0.type = empty"
		echo "lxc.apparmor.profile = unconfined"
		echo "$LXCT_MEM_KEY"
		echo "lxc.idmap = u 0 $SUBID 65536"
		echo "lxc.idmap = g 0 $SUBID 65536"
		echo "lxc.mount.entry = $MNT lxkit-mnt none bind,create=dir 0 0"
	} >"$T/create.conf"
	if ! unpriv lxc-create -P "$LXCT_PATH" -n "$name" -t busybox -f "$T/create.conf" >"$T/create.log" 2>&1; then
		lxt_fail "unprivileged container: lxc-create -t busybox" "$(tail -n 3 "$T/create.log")" "exit 0"
		return
	fi
	cp "$WRITE_PROBE" "$LXCT_PATH/$name/rootfs/write-probe" && chmod 755 "$LXCT_PATH/$name/rootfs/write-probe"
	if ! unpriv env -u LXCFS_MOUNT lxc-start -P "$LXCT_PATH" -n "$name" -l INFO -o "$T/lxc.log" ||
		! lxc-wait -P "$LXCT_PATH" -n "$name" -s RUNNING -t 10; then
		lxt_fail "unprivileged container: lxc-start" "$(tail -n 5 "$T/lxc.log")" RUNNING
		return
	fi
	lxt_is "$(ct_run cat /proc/self/uid_map | awk '{ print $1, $2, $3 }')" "0 $SUBID 65536" \
		"unprivileged container: root is host uid $SUBID (user namespace)"
	lxt_is "$(ct_run id -u)" 0 "unprivileged container: the probe runs as its root"
	out=$(ct_run /write-probe /lxkit-mnt/proc /lxkit-mnt/sys -1 /lxkit-mnt /lxkit-mnt/cgroup \
		/lxkit-mnt/cgroup/memory 2>&1)
	judge_probe "root of an unprivileged container" "$out" 20
	own=lxc.payload.$name
	out=$(ct_run /write-probe -r "/lxkit-mnt/cgroup/memory/$B" "/lxkit-mnt/cgroup/memory/$B/memory.limit_in_bytes" \
		"/lxkit-mnt/cgroup/memory/$own/../$B/cgroup.procs" "/lxkit-mnt/cgroup/memory/$A/memory.limit_in_bytes" \
		/lxkit-mnt/cgroup/memory/cgroup.procs "/lxkit-mnt/cgroup/memory/$own/memory.limit_in_bytes" 2>&1)
	lxt_diag "container reads: $(tr '\n' ';' <<<"$out")"
	lxt_is "$(grep -c ' EENOENT$' <<<"$out")" 5 "unprivileged container: other cgroups' subtrees and the root's files are ENOENT (5 paths)"
	lxt_match "$(grep "/$own/memory.limit_in_bytes " <<<"$out")" ' ok [0-9]+$' "unprivileged container: its own cgroup's limit reads"
	lxct_cleanup
	LXCT_NAME=
}
# unpriv CMD...: an LXC program with the private /etc/subuid and /etc/subgid (root:1000000:65536)
unpriv() {
	# shellcheck disable=SC2016 # expanded by the inner sh
	unshare -m --propagation private -- sh -c \
		'mount --bind "$1" /etc/subuid && mount --bind "$1" /etc/subgid && shift && exec "$@"' \
		_ "$T/subid" "$@"
}
ct_run() {
	unpriv lxc-attach -P "$LXCT_PATH" -n "$LXCT_NAME" --clear-env -- "$@"
}
trap 'rc=$?; [ -n "$LXCT_NAME" ] && lxct_cleanup; (exit $rc); _lxt_on_exit' EXIT
ct_part

# --- nothing changed --------------------------------------------------------------------------
AFTER=$(snapshot)
lxt_is "$(diff <(echo "$BEFORE") <(echo "$AFTER") | grep '^[<>]' | head -5 | tr '\n' ';')" "" \
	"after all the attempts: proc/ and sys/ (names, types, modes, owners) and cgroups A and B (files, owners, values) are unchanged"
lxt_true "daemon alive at the end" lxt_alive "$DAEMON_PID"
lxt_stop_daemon
lxt_is "$LXT_DAEMON_STATUS" 0 "daemon exits 0 on SIGTERM"
lxt_done
