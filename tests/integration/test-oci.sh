#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-oci.sh: lxcfs-oci-hook (hooks/oci) against our lxcfs from the build tree.
#
#  1. bad input: malformed JSON, missing or wrong fields, a dead pid, a pid in the hook's own
#     mount namespace: a clear message on stderr and a non-zero exit, nothing mounted;
#  2. direct: a hand-written state for a process in its own mount namespace (unshare -m) and a
#     bundle whose rootfs has empty proc files; the binds are checked from inside that
#     namespace with nsenter (and must not exist outside it);
#  3. Podman: a busybox rootfs tarball built here is `podman import`ed and run with
#     `podman run -m 256m` and --hooks-dir pointing at a hooks.d generated from the shipped
#     lxcfs.json (same "when" policy, path and --lxcfs rewritten to the build tree and our
#     mount): inside, /proc/meminfo says MemTotal 262144 kB. Without the annotation the shipped
#     policy does not run the hook and the container sees the host's total.
#
# Podman runs with everything under a temp dir (--root, --runroot, --tmpdir, CONTAINERS_CONF,
# file events and locks, vfs storage, no network) and the cgroupfs manager (no systemd as PID 1
# here). The runtime is crun, except on a hybrid host whose cgroup2 hierarchy has controllers
# (crun refuses those: "cgroups in hybrid mode not supported, drop all controllers from
# cgroupv2"), where runc is used; LXT_OCI_RUNTIME overrides. When Podman cannot run a plain
# container at all, its cases are skipped with the exact command and error.
#
# Environment: LXCFS_BIN, OCI_HOOK_BIN (build/hooks/oci/lxcfs-oci-hook), OCI_HOOK_JSON
# (build/hooks/oci/lxcfs.json), LXT_OCI_RUNTIME.

# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

: "${OCI_HOOK_BIN:=$LXT_DIR/../../build/hooks/oci/lxcfs-oci-hook}"
: "${OCI_HOOK_JSON:=$LXT_DIR/../../build/hooks/oci/lxcfs.json}"
readonly MEM_KB=262144

lxt_init
[ -x "$OCI_HOOK_BIN" ] || lxt_skip "lxcfs-oci-hook '$OCI_HOOK_BIN' is not built (needs json-glib)"
[ -r "$OCI_HOOK_JSON" ] || lxt_skip "hooks.d file '$OCI_HOOK_JSON' is not built"
OCI_HOOK_BIN=$(realpath -- "$OCI_HOOK_BIN")

# ---------------------------------------------------------------------------------------------
# Podman leftovers: named containers and images, plus what Podman writes outside its --root
# whatever the flags say (the blob info cache of `podman import`, runc's state root). Those are
# removed only when this test created them.
POD=()			# podman command with the test's global flags, once set up
POD_NAMES=()		# containers to remove
POD_IMAGES=()		# images to remove
POD_GLOBAL=(/var/lib/containers /run/runc /run/crun)
POD_PREEXISTING=()
for d in "${POD_GLOBAL[@]}"; do
	[ -e "$d" ] && POD_PREEXISTING+=("$d")
done

oci_cleanup() {
	local n d

	if ((${#POD[@]})); then
		for n in "${POD_NAMES[@]}"; do
			"${POD[@]}" rm -f -t 0 "$n" >/dev/null 2>&1
		done
		for n in "${POD_IMAGES[@]}"; do
			"${POD[@]}" rmi -f "$n" >/dev/null 2>&1
		done
	fi
	POD_NAMES=() POD_IMAGES=()
	for d in "${POD_GLOBAL[@]}"; do
		[[ " ${POD_PREEXISTING[*]} " == *" $d "* ]] && continue
		[ -d "$d" ] || continue
		rm -f "$d/cache/blob-info-cache-v1.boltdb"
		find "$d" -depth -type d -empty -delete 2>/dev/null
		[ -e "$d" ] && LXT_PROBLEMS+=("$d was created by the test and is not empty")
	done
	# vfs storage has no mounts, but a container's /dev/shm is a tmpfs under the runroot
	for d in "${LXT_TMPDIRS[@]}"; do
		awk -v d="$d/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
			while IFS= read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
	done
}
# only the main shell cleans up: a subshell that somehow ran this trap must not undo the test
trap 'rc=$?; [ "$BASHPID" = "$$" ] || exit $rc; oci_cleanup; (exit $rc); _lxt_on_exit' EXIT

lxt_start_daemon || lxt_bail "cannot start lxcfs on a scratch mountpoint"
WORK=$(mktemp -d "/tmp/lxkit-test-$$-oci-XXXX") || lxt_bail "mktemp failed"
LXT_TMPDIRS+=("$WORK")

# state PID BUNDLE [ANNOTATION-VALUE]: an OCI state document
state() {
	local ann=
	[ -n "${3-}" ] && ann=$(printf ', "annotations": {"io.lxkit.lxcfs": "%s"}' "$3")
	printf '{"ociVersion": "1.0.2", "id": "lxkit-test-%s", "status": "created", "pid": %s, "bundle": "%s"%s}\n' \
		"$$" "$1" "$2" "$ann"
}

# run_hook INPUT ARGS...: runs the hook; sets HOOK_RC and HOOK_ERR (stderr)
run_hook() {
	local input=$1

	shift
	HOOK_ERR=$(printf '%s' "$input" | "$OCI_HOOK_BIN" "$@" 2>&1 >/dev/null)
	HOOK_RC=$?
}

# hook_rejects DESC INPUT ERE [ARGS...]: non-zero exit and a message matching ERE
hook_rejects() {
	local desc=$1 input=$2 ere=$3

	shift 3
	run_hook "$input" --lxcfs "$MNT" "$@"
	lxt_num "$HOOK_RC" -ne 0 "$desc: non-zero exit"
	lxt_match "$HOOK_ERR" "$ere" "$desc: says why"
}

# ns_mountpoints PID: the mountpoints of PID's mount namespace, one a line
ns_mountpoints() {
	awk '{ print $5 }' "/proc/$1/mountinfo"
}

# A fake bundle: config.json with a relative root.path, empty files where /proc files would be
# and traps: a directory where lxcfs has a file, a symlink to a host file, the nesting path.
BUNDLE=$WORK/bundle
ROOTFS=$BUNDLE/rootfs
mkdir -p "$ROOTFS/proc/pressure" "$ROOTFS/proc/swaps" "$ROOTFS/sys/devices/system/cpu" \
	"$ROOTFS/etc" "$ROOTFS$MNT" || lxt_bail "cannot build the fake rootfs"
for f in meminfo cpuinfo stat uptime loadavg diskstats; do
	: >"$ROOTFS/proc/$f"
done
ln -s /etc/hostname "$ROOTFS/proc/slabinfo"	# absolute: must resolve inside the rootfs
printf '{"ociVersion": "1.0.2", "root": {"path": "rootfs"}}\n' >"$BUNDLE/config.json"

# ---------------------------------------------------------------------------------------------
# 1. bad input

hook_rejects "malformed JSON" '{"pid": 12, "id": ' 'Invalid OCI state on stdin: the state is not valid JSON'
hook_rejects "empty stdin" '' 'Invalid OCI state on stdin: the state is empty'
hook_rejects "JSON array" '[1, 2]' 'the state is an array, not a JSON object'
hook_rejects "missing pid" "{\"id\": \"x\", \"bundle\": \"$BUNDLE\"}" "field 'pid' is missing"
hook_rejects "pid as a string" "{\"pid\": \"1\", \"id\": \"x\", \"bundle\": \"$BUNDLE\"}" \
	"field 'pid' must be an integer, got a string"
hook_rejects "pid 0" "$(state 0 "$BUNDLE")" "field 'pid' must be a positive process id, got 0"
hook_rejects "missing bundle" '{"pid": 1, "id": "x"}' "field 'bundle' is missing"
hook_rejects "relative bundle" '{"pid": 1, "id": "x", "bundle": "b"}' \
	"field 'bundle' must be an absolute path"
hook_rejects "control byte after the object" $'{"pid": 1}\x01' 'not valid JSON'
HOOK_ERR=$(printf '{"pid": 1}\0' | "$OCI_HOOK_BIN" --lxcfs "$MNT" 2>&1 >/dev/null)
HOOK_RC=$?
lxt_num "$HOOK_RC" -ne 0 "NUL byte in the state: non-zero exit"
lxt_match "$HOOK_ERR" 'Invalid OCI state on stdin: it contains a NUL byte' "NUL byte in the state: says why"
hook_rejects "bundle without config.json" "$(state 1 "$WORK")" "Cannot read '$WORK/config.json'"
hook_rejects "unexpected argument" "$(state 1 "$BUNDLE")" "Unexpected argument 'extra'" extra

# a pid that has exited and been reaped (no signal: killing a just-forked bash child before it
# execs would run this script's traps in the child)
dead=$(sh -c 'echo $$')
hook_rejects "dead pid" "$(state "$dead" "$BUNDLE")" "Process $dead does not exist"

# the hook's own namespace (here: the host's) is refused, and nothing is mounted over it
hook_rejects "pid in the hook's mount namespace" "$(state $$ "$BUNDLE")" \
	"Process $$ is in the hook's own mount namespace, refusing"
lxt_is "$(ns_mountpoints $$ | grep -c "^$ROOTFS/")" 0 "nothing mounted in the host namespace"

# ---------------------------------------------------------------------------------------------
# 2. direct: a process in its own mount namespace

lxt_bg unshare -m --propagation private sleep 300
NSPID=$LXT_BG_PID
for _ in $(seq 50); do
	[ "$(readlink "/proc/$NSPID/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] && break
	sleep 0.1
done
[ "$(readlink "/proc/$NSPID/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] ||
	lxt_bail "unshare -m did not give pid $NSPID a mount namespace of its own"

# opted out by annotation, then lxcfs not mounted at --lxcfs: exit 0, nothing bound
run_hook "$(state "$NSPID" "$BUNDLE" false)" --lxcfs "$MNT"
lxt_is "$HOOK_RC" 0 "annotation io.lxkit.lxcfs=false: exit 0"
lxt_is "$(ns_mountpoints "$NSPID" | grep -c "^$ROOTFS/")" 0 "annotation io.lxkit.lxcfs=false: nothing bound"
mkdir "$WORK/empty"
run_hook "$(state "$NSPID" "$BUNDLE")" --lxcfs "$WORK/empty"
lxt_is "$HOOK_RC" 0 "no lxcfs at --lxcfs: exit 0 (the container still starts)"
lxt_match "$HOOK_ERR" "No lxcfs views at '$WORK/empty/proc'" "no lxcfs at --lxcfs: a warning says so"
lxt_is "$(ns_mountpoints "$NSPID" | grep -c "^$ROOTFS/")" 0 "no lxcfs at --lxcfs: nothing bound"

# the real run; LXCFS_MOUNT is the environment's way to name the mount
HOOK_ERR=$(state "$NSPID" "$BUNDLE" true | LXCFS_MOUNT=$MNT "$OCI_HOOK_BIN" -v 2>&1 >/dev/null)
HOOK_RC=$?
lxt_is "$HOOK_RC" 0 "hook exits 0 for a process in its own mount namespace"
lxt_diag "$HOOK_ERR"
mapfile -t got < <(ns_mountpoints "$NSPID" | grep "^$ROOTFS/" | sed "s|^$ROOTFS||" | sort)
want=()
for f in "$MNT"/proc/*; do
	n=${f##*/}
	case $n in
	meminfo | cpuinfo | stat | uptime | loadavg | diskstats | pressure) want+=("/proc/$n") ;;
	esac
done
want+=("/sys/devices/system/cpu" "$MNT")
mapfile -t want < <(printf '%s\n' "${want[@]}" | sort)
lxt_is "${got[*]}" "${want[*]}" "binds in the namespace: each lxcfs view with a same-kind target, cpu sysfs, nesting path"
lxt_is "$(awk -v d="$ROOTFS/proc/meminfo" '$5 == d { for (i = 7; $i != "-"; i++); print $(i + 1) }' \
	"/proc/$NSPID/mountinfo")" fuse.lxcfs "rootfs/proc/meminfo is an lxcfs file in the namespace"
inside=$(nsenter -t "$NSPID" -m awk '$1 == "MemTotal:" { print $2 }' "$ROOTFS/proc/meminfo")
lxt_is "$inside" "$(lxt_field "$MNT/proc/meminfo" MemTotal)" "MemTotal read in the namespace is lxcfs's"
lxt_is "$(nsenter -t "$NSPID" -m cat "$ROOTFS$MNT/proc/uptime" | wc -w)" 2 \
	"nesting: the lxcfs tree is readable at its own path in the container"
lxt_is "$(stat -c %s "$ROOTFS/proc/meminfo")" 0 "outside the namespace rootfs/proc/meminfo is still the empty file"
lxt_is "$(ns_mountpoints "$NSPID" | grep -cx -e /etc/hostname -e "$ROOTFS/proc/slabinfo")" 0 \
	"a symlink in the rootfs to a host file is not followed out of the rootfs"
lxt_is "$(ns_mountpoints "$NSPID" | grep -cx "$ROOTFS/proc/swaps")" 0 \
	"a directory where lxcfs has a file is left alone"

# ---------------------------------------------------------------------------------------------
# 3. Podman

podman_cases() {
	local rt img name tar out conf i v2ctl

	if ! command -v podman >/dev/null; then
		lxt_skip_case "podman run -m 256m sees MemTotal $MEM_KB kB" "podman is not installed"
		return
	fi
	if [ -n "${LXT_OCI_RUNTIME:-}" ]; then
		rt=$LXT_OCI_RUNTIME
	elif v2ctl=$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null) &&
		[ -n "$v2ctl" ] && command -v runc >/dev/null; then
		# kernfs reports size 0, so the file is read rather than tested with -s
		rt=runc
		lxt_diag "runtime runc: crun refuses this hybrid host (cgroup2 controllers: $v2ctl)"
	elif command -v crun >/dev/null; then
		rt=crun
	else
		rt=runc
	fi

	conf=$WORK/podman
	mkdir -p "$conf/hooks.d" "$conf/rootfs/bin" "$conf/rootfs/proc" "$conf/rootfs/sys" \
		"$conf/rootfs/dev" "$conf/rootfs/etc" "$conf/rootfs/tmp"
	cat >"$conf/containers.conf" <<-CONF
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$conf/events.log"
		tmp_dir = "$conf/tmp"
		lock_type = "file"
		runtime = "$rt"
		[containers]
		netns = "none"
	CONF
	export CONTAINERS_CONF=$conf/containers.conf
	POD=(podman --root "$conf/root" --runroot "$conf/runroot" --tmpdir "$conf/tmp"
		--storage-driver vfs --cgroup-manager cgroupfs --events-backend file --runtime "$rt")

	# the shipped hooks.d policy, pointed at the build tree and our mount
	"$LXT_PY" - "$OCI_HOOK_JSON" "$conf/hooks.d/lxcfs.json" "$OCI_HOOK_BIN" "$MNT" <<-'PY' ||
		import json, sys
		src, dst, path, mnt = sys.argv[1:]
		h = json.load(open(src))
		h["hook"]["path"] = path
		h["hook"]["args"] = ["lxcfs-oci-hook", "--lxcfs", mnt]
		json.dump(h, open(dst, "w"), indent=1)
	PY
		lxt_bail "cannot write the test hooks.d file"

	# a static busybox rootfs
	cp "$(command -v busybox)" "$conf/rootfs/bin/busybox" || lxt_bail "cannot copy busybox"
	for i in sh cat head awk grep true; do
		ln -s busybox "$conf/rootfs/bin/$i"
	done
	tar="$conf/rootfs.tar"
	tar -C "$conf/rootfs" -cf "$tar" . || lxt_bail "cannot build the rootfs tarball"
	img=localhost/lxkit-test-$$-busybox:latest
	out=$("${POD[@]}" import "$tar" "$img" 2>&1)
	i=$?
	POD_IMAGES+=("$img")
	if [ "$i" -ne 0 ]; then
		lxt_diag "podman import failed: ${POD[*]} import $tar $img: $out"
		lxt_skip_case "podman run -m 256m sees MemTotal $MEM_KB kB" \
			"podman import failed: $out (command: '${POD[*]} import $tar $img')"
		return
	fi

	# This machine withholds CAP_SYS_RESOURCE, so the runtime cannot raise RLIMIT_NOFILE and
	# RLIMIT_NPROC to Podman's defaults ("setrlimit RLIMIT_NOFILE: Operation not permitted");
	# lowering them is always allowed.
	local run=(run --rm --network none --hooks-dir "$conf/hooks.d"
		--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

	name=lxkit-test-$$-smoke
	POD_NAMES+=("$name")
	out=$(timeout 120 "${POD[@]}" "${run[@]}" --name "$name" "$img" /bin/true 2>&1)
	i=$?
	if [ "$i" -ne 0 ]; then
		lxt_diag "Podman cannot run a container here: ${POD[*]} ${run[*]} --name $name $img /bin/true (exit $i): $out"
		lxt_skip_case "podman run -m 256m sees MemTotal $MEM_KB kB" \
			"Podman cannot run a container here: $out (exit $i of '${POD[*]} ${run[*]} --name $name $img /bin/true')"
		return
	fi
	lxt_pass "podman ($rt) runs a plain busybox container from an imported tarball"

	name=lxkit-test-$$-meminfo
	POD_NAMES+=("$name")
	out=$(timeout 120 "${POD[@]}" "${run[@]}" --name "$name" -m 256m \
		--annotation io.lxkit.lxcfs=true "$img" /bin/cat /proc/meminfo 2>&1)
	lxt_is "$?" 0 "podman run -m 256m --annotation io.lxkit.lxcfs=true succeeds"
	lxt_is "$(awk '$1 == "MemTotal:" { print $2 }' <<<"$out")" "$MEM_KB" \
		"podman run -m 256m with the hook: /proc/meminfo MemTotal is $MEM_KB kB"

	name=lxkit-test-$$-cpu
	POD_NAMES+=("$name")
	out=$(timeout 120 "${POD[@]}" "${run[@]}" --name "$name" -m 256m \
		--annotation io.lxkit.lxcfs=true "$img" /bin/awk '{ print $1 }' /proc/uptime 2>&1)
	lxt_match "$out" '^[0-9]+\.[0-9]+$' "podman with the hook: /proc/uptime is lxcfs's (one number pair)"
	if [[ $out =~ ^[0-9]+ ]]; then
		lxt_num "${out%%.*}" -lt 60 "podman with the hook: uptime is the container's age, not the host's"
	fi

	name=lxkit-test-$$-nohook
	POD_NAMES+=("$name")
	out=$(timeout 120 "${POD[@]}" "${run[@]}" --name "$name" -m 256m "$img" \
		/bin/cat /proc/meminfo 2>&1)
	lxt_is "$(awk '$1 == "MemTotal:" { print $2 }' <<<"$out")" "$(lxt_host_memtotal)" \
		"without the annotation the shipped policy skips the hook (host MemTotal)"
}
podman_cases

oci_cleanup
lxt_done
