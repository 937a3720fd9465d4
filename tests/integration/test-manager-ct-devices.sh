#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Hotplug into a running busybox container through lxmanagerd's devices API (issue 10 item 3):
# a host directory and a host file bind-mounted at paths inside the container, and a
# unix-char node created inside and allowed in its devices cgroup, all seen from inside (the
# exec API) without a restart; removal undoes each; bad requests are 4xx and change nothing.
# Environment: MGR_BIN, LXLAUNCH_BIN.
. "$(dirname "$0")/test-manager-lib.sh"

mgr_init
: "${LXLAUNCH_BIN:=$MGR_LIB_DIR/../../build/launcher/cli/lxlaunch}"
[ -x "$LXLAUNCH_BIN" ] || lxt_skip "lxlaunch '$LXLAUNCH_BIN' is not built"
command -v busybox >/dev/null || lxt_skip "busybox not found (install busybox-static)"
[ -f /usr/share/lxc/templates/lxc-busybox ] || lxt_skip "LXC busybox template missing"
export LXKIT_LXLAUNCH=$LXLAUNCH_BIN

C=lxkit-test-$$-c
C=${C:0:40}
ct_cleanup() {
	lxc-stop -k -P "$MGR_STATE/containers" -n "$C" >/dev/null 2>&1
	lxc-destroy -P "$MGR_STATE/containers" -n "$C" >/dev/null 2>&1
}
trap '_mgr_rc=$?; ct_cleanup; mgr_cleanup; (exit $_mgr_rc); _lxt_on_exit' EXIT

# op_wait: waits for the last async request's operation; OPR="<status> <err>"
op_wait() {
	mgr_wait_op >"$MGR_T/op.status"
	OPR="$(cat "$MGR_T/op.status") $(mgr_jq .metadata.err)"
}

mgr_start || lxt_bail "lxmanagerd did not start: $(tail -5 "$MGR_LOG")"
mgr_req POST /1.0/storage-pools '{"name":"cp","driver":"dir"}'
[ "$MGR_CODE" = 201 ] || lxt_bail "dir pool: HTTP $MGR_CODE $(mgr_jq .error)"
mgr_req POST /1.0/instances "{\"name\":\"$C\",\"source\":{\"type\":\"template\",\"template\":\"busybox\"},\"devices\":{\"root\":{\"type\":\"disk\",\"path\":\"/\",\"pool\":\"cp\"}}}"
op_wait; [ "$OPR" = "Success " ] || lxt_bail "container create: $OPR"
mgr_req PUT "/1.0/instances/$C/state" '{"action":"start"}'
op_wait; [ "$OPR" = "Success " ] || lxt_skip "the busybox container does not start here: $OPR"

# in_ct CMD: runs sh -c CMD in the container (exec API); prints stdout, returns its status
in_ct() {
	local body rc
	body=$(jq -cn --arg c "$1" '{command:["sh","-c",$c],"record-output":true,"wait-for-websocket":false,interactive:false}')
	mgr_req POST "/1.0/instances/$C/exec" "$body"
	mgr_wait_op >/dev/null
	rc=$(mgr_jq .metadata.metadata.return)
	mgr_req GET "$(mgr_jq -r '.metadata.metadata.output["1"]')"
	printf '%s' "$MGR_BODY"
	return "${rc:-1}"
}
in_ct 'true' >/dev/null || lxt_skip "exec does not work in this container"

HD=$MGR_T/hostdir; HF=$MGR_T/hostfile
mkdir -p "$HD"; echo "from-the-host-$$" >"$HD/hello"; echo "file-$$" >"$HF"

# --- errors: nothing changes ---
mgr_expect POST "/1.0/instances/$C/devices/hd" "{\"type\":\"disk\",\"source\":\"$MGR_T/missing\",\"path\":\"/mnt/hd\"}" \
	400 "a missing source: 400" "does not exist"
mgr_expect POST "/1.0/instances/$C/devices/hd" "{\"type\":\"disk\",\"source\":\"$HD\"}" \
	400 "a disk without path: 400" "'path'"
mgr_expect POST "/1.0/instances/$C/devices/hd" '{"type":"floppy"}' 400 "an unknown type: 400" "unknown device type"
mgr_expect POST "/1.0/instances/$C/devices/nd" "{\"type\":\"unix-char\",\"source\":\"$HF\"}" \
	400 "unix-char whose source is a regular file: 400" "not a character device"
mgr_expect DELETE "/1.0/instances/$C/devices/nope" '' 404 "removing an unknown device: 404" "not found"
mgr_req GET "/1.0/instances/$C/devices"
lxt_is "$(mgr_jq -c '.metadata | keys')" '["root"]' "... devices unchanged"
lxt_false "... nothing mounted at /mnt/hd" in_ct 'test -e /mnt/hd'

# --- a host directory ---
mgr_req POST "/1.0/instances/$C/devices/hd" "{\"type\":\"disk\",\"source\":\"$HD\",\"path\":\"/mnt/hd\"}"
op_wait; lxt_is "$OPR" "Success " "host directory hot-added at /mnt/hd"
lxt_is "$(in_ct 'cat /mnt/hd/hello')" "from-the-host-$$" "the container reads the host file through /mnt/hd without a restart"
in_ct 'echo back > /mnt/hd/back' >/dev/null
lxt_is "$(cat "$HD/back" 2>&1)" back "... and its writes reach the host directory"
mgr_expect POST "/1.0/instances/$C/devices/hd" "{\"type\":\"disk\",\"source\":\"$HF\",\"path\":\"/mnt/other\"}" \
	409 "a duplicate device name: 409" "already exists"
mgr_expect POST "/1.0/instances/$C/devices/hd2" "{\"type\":\"disk\",\"source\":\"$HF\",\"path\":\"/mnt/hd\"}" \
	409 "a path used by another device: 409" "used by device 'hd'"

# --- a host file, read-only ---
mgr_req POST "/1.0/instances/$C/devices/hf" "{\"type\":\"disk\",\"source\":\"$HF\",\"path\":\"/etc/lxkit-file\",\"readonly\":\"true\"}"
op_wait; lxt_is "$OPR" "Success " "host file hot-added read-only at /etc/lxkit-file"
lxt_is "$(in_ct 'cat /etc/lxkit-file')" "file-$$" "the container reads it"
lxt_false "... and cannot write it" in_ct 'echo x > /etc/lxkit-file'

# --- a filesystem volume of a pool ---
mgr_req POST /1.0/storage-pools/cp/volumes/custom '{"name":"fv"}'
lxt_is "$MGR_CODE" 201 "filesystem volume cp/fv"
echo "in-volume-$$" >"$MGR_STATE/storage-pools/cp/custom/fv/v.txt"
mgr_expect POST "/1.0/instances/$C/devices/fv" '{"type":"disk","pool":"cp","source":"nope","path":"/mnt/fv"}' \
	400 "a volume that does not exist: 400" "source volume 'nope' does not exist"
mgr_req POST "/1.0/instances/$C/devices/fv" '{"type":"disk","pool":"cp","source":"fv","path":"/mnt/fv"}'
op_wait; lxt_is "$OPR" "Success " "volume cp/fv hot-added at /mnt/fv"
lxt_is "$(in_ct 'cat /mnt/fv/v.txt')" "in-volume-$$" "the container reads the volume"
mgr_req DELETE "/1.0/instances/$C/devices/fv"
op_wait; lxt_is "$OPR" "Success " "... removed"
lxt_false "... and gone from the container" in_ct 'test -e /mnt/fv/v.txt'

# --- a device node ---
mgr_req POST "/1.0/instances/$C/devices/nul" '{"type":"unix-char","source":"/dev/null","path":"/dev/lxkit-null","mode":"0666"}'
op_wait; lxt_is "$OPR" "Success " "unix-char /dev/null hot-added as /dev/lxkit-null"
lxt_is "$(in_ct 'stat -c "%F %t:%T %a" /dev/lxkit-null')" "character special file 1:3 666" \
	"the node exists inside, char 1:3, mode 666"
lxt_true "the container can write to it (allowed in its devices cgroup)" in_ct 'echo x > /dev/lxkit-null'
# /dev/loop-control (10:237) is not in LXC's default device rules: opening it inside needs the
# rule the manager adds
if [ -c /dev/loop-control ]; then
	mgr_req POST "/1.0/instances/$C/devices/lc" '{"type":"unix-char","source":"/dev/loop-control","path":"/dev/lxkit-lc"}'
	op_wait; lxt_is "$OPR" "Success " "unix-char /dev/loop-control hot-added"
	lxt_is "$(in_ct 'exec 3</dev/lxkit-lc && echo opened')" opened "the container can open it (devices cgroup rule c 10:237 added)"
	mgr_req DELETE "/1.0/instances/$C/devices/lc"
	op_wait; lxt_is "$OPR" "Success " "... removed"
	lxt_false "... node gone inside" in_ct 'test -e /dev/lxkit-lc'
fi
mgr_req GET "/1.0/instances/$C/devices"
lxt_is "$(mgr_jq -c '.metadata | keys')" '["hd","hf","nul","root"]' "the three devices are stored"

# --- stored devices are set up again at the next start ---
mgr_req PUT "/1.0/instances/$C/state" '{"action":"stop","force":true}'
lxt_is "$(mgr_wait_op)" Success "container stopped"
mgr_req PUT "/1.0/instances/$C/state" '{"action":"start"}'
op_wait; lxt_is "$OPR" "Success " "container started again"
lxt_is "$(in_ct 'cat /mnt/hd/hello')" "from-the-host-$$" "after a restart /mnt/hd is the host directory again"
lxt_is "$(in_ct 'stat -c "%t:%T" /dev/lxkit-null')" "1:3" "... and /dev/lxkit-null is there again"

# --- removal undoes each ---
for d in hd hf nul; do
	mgr_req DELETE "/1.0/instances/$C/devices/$d"
	op_wait; lxt_is "$OPR" "Success " "$d removed"
done
lxt_false "/mnt/hd is no longer the host directory" in_ct 'test -e /mnt/hd/hello'
lxt_false "/dev/lxkit-null is gone" in_ct 'test -e /dev/lxkit-null'
lxt_is "$(in_ct 'cat /etc/lxkit-file')" "" "/etc/lxkit-file is no longer the host file"
mgr_req GET "/1.0/instances/$C/devices"
lxt_is "$(mgr_jq -c '.metadata | keys')" '["root"]' "only root is stored"
lxt_true "the host directory is untouched" test -f "$HD/hello"

# --- a failure after the live part undoes it (spec §6: all or nothing) ---
mgr_stop TERM
mgr_start --test-fail 'device-add/store' || lxt_bail "lxmanagerd did not restart: $(tail -5 "$MGR_LOG")"
mgr_req POST "/1.0/instances/$C/devices/hd" "{\"type\":\"disk\",\"source\":\"$HD\",\"path\":\"/mnt/hd\"}"
op_wait; lxt_match "$OPR" "^Failure injected failure at device-add/store" \
	"an add failing at its store step fails the operation"
lxt_false "... and the bind mount made before it is undone" in_ct 'test -e /mnt/hd/hello'
mgr_req GET "/1.0/instances/$C/devices"
lxt_is "$(mgr_jq -c '.metadata | keys')" '["root"]' "... and the config is unchanged"

# --- a hot-add into a container that kept running across a manager restart (MG-07) ---
mgr_stop TERM
mgr_start || lxt_bail "lxmanagerd did not restart: $(tail -5 "$MGR_LOG")"
mgr_req POST "/1.0/instances/$C/devices/hd" "{\"type\":\"disk\",\"source\":\"$HD\",\"path\":\"/mnt/hd\"}"
op_wait; lxt_is "$OPR" "Success " "after a plain restart of the manager the add works"
lxt_is "$(in_ct 'cat /mnt/hd/hello')" "from-the-host-$$" "... and the host directory is seen inside"

mgr_req PUT "/1.0/instances/$C/state" '{"action":"stop","force":true}'
mgr_wait_op >/dev/null
mgr_req DELETE "/1.0/instances/$C"
lxt_is "$(mgr_wait_op)" Success "container deleted"
mgr_stop TERM
lxt_is "$MGR_EXIT" 0 "lxmanagerd exits 0"
lxt_done
