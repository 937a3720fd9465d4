#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The devices API's orchestration on the mock device vtable (STYLE §3.11; manager/devices.c,
# LXKIT_TEST_DEVICE_MOCK): which of add/start/stop/remove run for a stopped and for a running
# container, stored devices started at the instance's start, and what a failure at each call
# leaves (spec §6: all or nothing; a 2xx means the device is there). A real busybox container
# gives the running state; the devices themselves are the mock's.
# Environment: MGR_BIN, LXLAUNCH_BIN.
. "$(dirname "$0")/test-manager-lib.sh"

mgr_init
: "${LXLAUNCH_BIN:=$MGR_LIB_DIR/../../build/launcher/cli/lxlaunch}"
[ -x "$LXLAUNCH_BIN" ] || lxt_skip "lxlaunch '$LXLAUNCH_BIN' is not built"
command -v busybox >/dev/null || lxt_skip "busybox not found (install busybox-static)"
[ -f /usr/share/lxc/templates/lxc-busybox ] || lxt_skip "LXC busybox template missing"
export LXKIT_LXLAUNCH=$LXLAUNCH_BIN
export LXKIT_TEST_DEVICE_MOCK=$MGR_T/mock.log

C=lxkit-test-$$-m
ct_cleanup() {
	lxc-stop -k -P "$MGR_STATE/containers" -n "$C" >/dev/null 2>&1
	lxc-destroy -P "$MGR_STATE/containers" -n "$C" >/dev/null 2>&1
}
trap '_mgr_rc=$?; ct_cleanup; mgr_cleanup; (exit $_mgr_rc); _lxt_on_exit' EXIT
op_wait() {
	mgr_wait_op >"$MGR_T/op.status"
	OPR="$(cat "$MGR_T/op.status") $(mgr_jq .metadata.err)"
}
calls() { # the mock's calls since the last 'calls', on one line (the log is emptied)
	sed "s/ $C / C /" "$LXKIT_TEST_DEVICE_MOCK" 2>/dev/null | paste -sd, -
	: >"$LXKIT_TEST_DEVICE_MOCK"
}
keys() {
	mgr_req GET "/1.0/instances/$C/devices"
	mgr_jq -c '.metadata | keys'
}

mgr_start || lxt_bail "lxmanagerd did not start: $(tail -5 "$MGR_LOG")"
mgr_req POST /1.0/storage-pools '{"name":"mp","driver":"dir"}'
[ "$MGR_CODE" = 201 ] || lxt_bail "dir pool: HTTP $MGR_CODE $(mgr_jq .error)"
mgr_req POST /1.0/instances "{\"name\":\"$C\",\"source\":{\"type\":\"template\",\"template\":\"busybox\"},\"devices\":{\"root\":{\"type\":\"disk\",\"path\":\"/\",\"pool\":\"mp\"}}}"
op_wait; [ "$OPR" = "Success " ] || lxt_bail "container create: $OPR"

# stopped: validated (add) and stored, nothing started
mgr_req POST "/1.0/instances/$C/devices/d1" '{"type":"disk","path":"/mnt/d1"}'
op_wait; lxt_is "$OPR" "Success " "stopped: d1 added"
lxt_is "$(calls)" "add - d1 ct" "... only validated, not started"
lxt_is "$(keys)" '["d1","root"]' "... and stored"
mgr_expect POST "/1.0/instances/$C/devices/d9" '{"type":"disk","mock.fail":"add"}' 400 \
	"a device refused by its add: 400" "mock failure of add"
calls >/dev/null

# start: the stored device is started by the same call as a hot-add
mgr_req PUT "/1.0/instances/$C/state" '{"action":"start"}'
op_wait; [ "$OPR" = "Success " ] || lxt_skip "the busybox container does not start here: $OPR"
lxt_is "$(calls)" "start C d1 ct" "start: the stored d1 is started"

# running: add then start, stored after
mgr_req POST "/1.0/instances/$C/devices/d2" '{"type":"unix-char","path":"/dev/x"}'
op_wait; lxt_is "$OPR" "Success " "running: d2 hot-added"
lxt_is "$(calls)" "add - d2 ct,start C d2 ct" "... validated, then started"
mgr_req POST "/1.0/instances/$C/devices/d3" '{"type":"disk","mock.fail":"start"}'
op_wait; lxt_match "$OPR" "^Failure mock failure of start for device 'd3'" "a failing start fails the operation"
lxt_is "$(keys)" '["d1","d2","root"]' "... and d3 is not stored"
calls >/dev/null

# removal: stop then remove; a failing stop keeps the device
mgr_req POST "/1.0/instances/$C/devices/d4" '{"type":"disk","mock.fail":"stop"}'
op_wait; lxt_is "$OPR" "Success " "d4 (whose stop fails) hot-added"
calls >/dev/null
mgr_req DELETE "/1.0/instances/$C/devices/d4"
op_wait; lxt_match "$OPR" "^Failure mock failure of stop for device 'd4'" "removing d4 fails at its stop"
lxt_is "$(keys)" '["d1","d2","d4","root"]' "... and d4 stays in the config"
lxt_is "$(calls)" "stop C d4 ct" "... no remove after the failed stop"
mgr_req DELETE "/1.0/instances/$C/devices/d2"
op_wait; lxt_is "$OPR" "Success " "d2 hot-removed"
lxt_is "$(calls)" "stop C d2 ct,remove C d2 ct" "... stopped, then removed"
lxt_is "$(keys)" '["d1","d4","root"]' "... and gone from the config"

# a failure at the store step undoes the live part
mgr_stop TERM
mgr_start --test-fail 'device-*/store' || lxt_bail "lxmanagerd did not restart: $(tail -5 "$MGR_LOG")"
mgr_req POST "/1.0/instances/$C/devices/d5" '{"type":"disk"}'
op_wait; lxt_match "$OPR" "^Failure injected failure at device-add/store" "an add failing at its store step fails"
lxt_is "$(calls)" "add - d5 ct,start C d5 ct,stop C d5 ct,remove C d5 ct" \
	"... and its start is undone by a stop, then what the start stored by a remove"
mgr_req DELETE "/1.0/instances/$C/devices/d1"
op_wait; lxt_match "$OPR" "^Failure injected failure at device-remove/store" "a removal failing at its store step fails"
lxt_is "$(calls)" "stop C d1 ct,start C d1 ct" "... and its stop is undone by a start"
lxt_is "$(keys)" '["d1","d4","root"]' "... the config is unchanged"

mgr_req PUT "/1.0/instances/$C/state" '{"action":"stop","force":true}'
mgr_wait_op >/dev/null
mgr_req DELETE "/1.0/instances/$C"
op_wait; lxt_is "$OPR" "Success " "container deleted"
mgr_stop TERM
lxt_is "$MGR_EXIT" 0 "lxmanagerd exits 0"
lxt_done
