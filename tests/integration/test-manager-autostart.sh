#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-manager-autostart.sh: lxmanagerd autostart when a network parent or a pool is missing
# (spec/manager-api.md §7, §4.3, §9; issue 11; MG-14, MG-15). Real bridges, a dummy link, busybox
# containers on dir pools and a private manager:
#   - autostart containers: ok (nic bridged on an existing bridge), late (bridge missing), none
#     (no nic, priority 10), mv (macvlan on a missing link: a veth, as there is no dummy module), store (on a dir pool whose
#     source is gone), manual (boot.autostart=false, bridge missing)
#   - manager start: the API answers within 2 s; ok and none RUNNING within 5 s; late and mv
#     WAITING "waiting for network (BR)", store WAITING "waiting for storage (G)"; manual STOPPED;
#     'lxlaunch list' shows WAITING and the reason; state.autostart.waiting_for names the link
#   - a manual start of late: 409 naming the bridge, late still Waiting
#   - the bridge is created: late RUNNING within 2 s and its veth is a port of the bridge;
#     manual stays STOPPED; the dummy link is created: mv RUNNING within 2 s; the pool source
#     comes back: store RUNNING within 10 s (recheck every 1 s)
#   - ok's bridge deleted while ok runs: the manager keeps running, ok stays Running with
#     "network device BR missing", an error is logged
#   - everything stopped, the manager restarted with every link present: all five autostart
#     containers run, none (priority 10) first, then by name; manual stays stopped
#   - prev (boot.autostart unset): not started at first; started through the API and stopped by
#     the host (lxc-stop) it runs after the restart; stopped through the API it stays stopped
#   - third start: late (priority 20) Waiting, none (priority 10) with a 4 s delay holds ok
#     back, late starts during that delay when its bridge appears; stop of Waiting mv cancels it
#   - cleanup: containers stopped and deleted, pools deleted, links removed
# Environment: MGR_BIN, LXLAUNCH_BIN (meson passes them).
# shellcheck source-path=SCRIPTDIR source=test-manager-lib.sh
# shellcheck disable=SC2119  # mgr_start's arguments are optional daemon options
. "$(dirname "$0")/test-manager-lib.sh"

mgr_init
lxt_require_tools ip timeout
: "${LXLAUNCH_BIN:=$MGR_LIB_DIR/../../build/launcher/cli/lxlaunch}"
[ -x "$LXLAUNCH_BIN" ] || lxt_skip "lxlaunch '$LXLAUNCH_BIN' is not built"
command -v busybox >/dev/null || lxt_skip "busybox not found (install busybox-static)"
[ -f /usr/share/lxc/templates/lxc-busybox ] || lxt_skip "LXC busybox template missing"
ip link add "lxkt$$p" type bridge 2>/dev/null || lxt_skip "cannot create a bridge here"
ip link del "lxkt$$p"

export LXKIT_LXLAUNCH=$LXLAUNCH_BIN		# the manager's container runtime
export LXKIT_SOCKET=$MGR_SOCK			# lxlaunch's instance commands
export LXKIT_POOL_RECHECK_SECONDS=1		# Unavailable pools retried every second

S=$(($$ % 100000))
BR_OK=lxkt${S}ok	# at most 15 characters
BR_LATE=lxkt${S}lt
DUM=lxkt${S}dm	# macvlan parent: one end of a veth pair (this kernel has no dummy links)
PFX=lxkit-test-$$
P=$PFX-p
G=$PFX-g
GSRC=$MGR_T/gsrc
C_OK=$PFX-ok
C_LATE=$PFX-late
C_NONE=$PFX-none
C_MV=$PFX-mv
C_STORE=$PFX-store
C_MAN=$PFX-manual
C_PREV=$PFX-prev	# boot.autostart unset: started when it ran as the host stopped it
ALL_AUTO=("$C_OK" "$C_LATE" "$C_NONE" "$C_MV" "$C_STORE")

# shellcheck disable=SC2317  # called from the EXIT trap
# containers still running under the test's lxcpath are stopped, links removed, then the
# library's cleanup (daemon, mounts, loop devices)
autostart_cleanup() {
	local c

	for c in "$MGR_STATE"/containers/*/; do
		[ -d "$c" ] || continue
		c=$(basename "$c")
		lxc-stop -k -P "$MGR_STATE/containers" -n "$c" >/dev/null 2>&1
	done
	for c in "$BR_OK" "$BR_LATE" "$DUM"; do
		ip link del "$c" 2>/dev/null
	done
	mgr_cleanup
}
trap '_mgr_rc=$?; autostart_cleanup; (exit $_mgr_rc); _lxt_on_exit' EXIT

# status NAME: the API's status of instance NAME ("Running", "Waiting", ...)
status() {
	mgr_req GET "/1.0/instances/$1"
	mgr_jq .metadata.status
}

# wait_status NAME STATUS TIMEOUT-S: polls every 0.1 s; prints the milliseconds it took, or
# returns 1 (printing the last status) after TIMEOUT-S
wait_status() {
	local name=$1 want=$2 t0 now st

	t0=$(date +%s%N)
	while :; do
		st=$(status "$name")
		now=$(date +%s%N)
		if [ "$st" = "$want" ]; then
			echo $(((now - t0) / 1000000))
			return 0
		fi
		if (((now - t0) / 1000000 > $3 * 1000)); then
			echo "$st"
			return 1
		fi
		sleep 0.1
	done
}

# create NAME POOL CONFIG-JSON DEVICES-JSON (besides root)
create() {
	mgr_req POST /1.0/instances "{\"name\":\"$1\",\"source\":{\"type\":\"template\",\"template\":\"busybox\"},\"config\":$3,\"devices\":{\"root\":{\"type\":\"disk\",\"path\":\"/\",\"pool\":\"$2\"}$4}}"
	if [ "$MGR_CODE" != 202 ]; then
		lxt_fail "create $1" "HTTP $MGR_CODE $(mgr_jq .error)" "HTTP 202"
		return 1
	fi
	lxt_is "$(mgr_wait_op)" Success "create $1 (busybox on $2)"
}

# log_lines_since N PATTERN: lines of the daemon log after line N matching PATTERN
log_since() { tail -n "+$(($1 + 1))" "$MGR_LOG" | grep -E "$2"; }

if ! { ip link add "$BR_OK" type bridge && ip link set "$BR_OK" up; }; then
	lxt_bail "cannot create $BR_OK"
fi
mgr_start || lxt_bail "lxmanagerd did not start"
mkdir -p "$GSRC"
mgr_expect POST /1.0/storage-pools "{\"name\":\"$P\",\"driver\":\"dir\"}" 201 "dir pool $P created"
mgr_expect POST /1.0/storage-pools "{\"name\":\"$G\",\"driver\":\"dir\",\"config\":{\"source\":\"$GSRC\"}}" \
	201 "dir pool $G on $GSRC created"

AUTO='{"boot.autostart":"true"}'
# bad nic devices are refused before anything is made
mgr_expect POST /1.0/instances "{\"name\":\"$PFX-bad\",\"source\":{\"type\":\"template\",\"template\":\"busybox\"},\"devices\":{\"root\":{\"type\":\"disk\",\"path\":\"/\",\"pool\":\"$P\"},\"eth0\":{\"type\":\"nic\",\"nictype\":\"routed\",\"parent\":\"x\"}}}" \
	400 "nic with an unknown nictype: 400 naming it" "nictype 'routed'"
mgr_expect POST /1.0/instances "{\"name\":\"$PFX-bad\",\"source\":{\"type\":\"template\",\"template\":\"busybox\"},\"devices\":{\"root\":{\"type\":\"disk\",\"path\":\"/\",\"pool\":\"$P\"},\"eth0\":{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"a-name-longer-than-15\"}}}" \
	400 "nic parent longer than 15 characters: 400" "invalid parent"
mgr_expect POST /1.0/instances "{\"name\":\"$PFX-bad\",\"source\":{\"type\":\"template\",\"template\":\"busybox\"},\"devices\":{\"root\":{\"type\":\"disk\",\"path\":\"/\",\"pool\":\"$P\"},\"eth0\":{\"type\":\"nic\",\"nictype\":\"bridged\"}}}" \
	400 "nic without parent: 400" "'parent' is required"

create "$C_OK" "$P" "$AUTO" ",\"eth0\":{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"$BR_OK\"}"
create "$C_LATE" "$P" "$AUTO" ",\"eth0\":{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"$BR_LATE\"}"
create "$C_NONE" "$P" '{"boot.autostart":"true","boot.autostart.priority":"10"}' ""
create "$C_MV" "$P" "$AUTO" ",\"eth0\":{\"type\":\"nic\",\"nictype\":\"macvlan\",\"parent\":\"$DUM\"}"
create "$C_STORE" "$G" "$AUTO" ""
create "$C_MAN" "$P" '{"boot.autostart":"false"}' ",\"eth0\":{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"$BR_LATE\"}"
create "$C_PREV" "$P" '{}' ""

# ---- MG-14 step 3, MG-15 step 3: start with a bridge, a link and a pool source missing -----
mgr_stop TERM
mv "$GSRC" "$GSRC.saved"
log_mark=$(wc -l <"$MGR_LOG")
t0=$(date +%s%N)
mgr_start || lxt_bail "lxmanagerd did not start with a bridge, a link and a pool missing"
t_api=$((($(date +%s%N) - t0) / 1000000))
lxt_true "the API answers within 2 s of start (${t_api} ms)" test "$t_api" -lt 2000
for c in "$C_OK" "$C_NONE"; do
	if ms=$(wait_status "$c" Running 5); then
		lxt_pass "$c (its network is there) RUNNING within 5 s of start (${ms} ms)"
	else
		lxt_fail "$c RUNNING within 5 s of start" "$ms" Running
	fi
done
lxt_is "$(status "$C_LATE")" Waiting "$C_LATE (bridge $BR_LATE missing) is Waiting"
mgr_req GET "/1.0/instances/$C_LATE"
lxt_is "$(mgr_jq .metadata.status_code)" 114 "Waiting has status_code 114"
lxt_is "$(mgr_jq .metadata.status_reason)" "waiting for network ($BR_LATE)" \
	"$C_LATE: status_reason 'waiting for network ($BR_LATE)'"
lxt_is "$(status "$C_MV")" Waiting "$C_MV (macvlan parent $DUM missing) is Waiting"
mgr_req GET "/1.0/instances/$C_MV"
lxt_is "$(mgr_jq .metadata.status_reason)" "waiting for network ($DUM)" \
	"$C_MV: status_reason 'waiting for network ($DUM)'"
lxt_is "$(status "$C_STORE")" Waiting "$C_STORE (pool $G unavailable) is Waiting"
mgr_req GET "/1.0/instances/$C_STORE"
lxt_is "$(mgr_jq .metadata.status_reason)" "waiting for storage ($G)" \
	"$C_STORE: status_reason 'waiting for storage ($G)'"
lxt_is "$(status "$C_MAN")" Stopped "$C_MAN (boot.autostart=false) is Stopped"
lxt_is "$(status "$C_PREV")" Stopped "$C_PREV (boot.autostart unset, never started) is Stopped"
mgr_req GET "/1.0/instances/$C_LATE/state"
lxt_is "$(mgr_jq -c .metadata.autostart)" "{\"enabled\":true,\"priority\":0,\"delay\":0,\"waiting_for\":[\"$BR_LATE\"]}" \
	"state.autostart of $C_LATE names what it waits for"
mgr_req GET "/1.0/storage-pools/$G"
lxt_is "$(mgr_jq .metadata.status)" Unavailable "pool $G is Unavailable (its source is gone)"
timeout 30 "$LXLAUNCH_BIN" list >"$MGR_T/list.out" 2>"$MGR_T/list.err"
lxt_is "$?" 0 "lxlaunch list: exit 0"
lxt_match "$(grep -E "^$C_LATE " "$MGR_T/list.out")" \
	"^$C_LATE +container +WAITING +waiting for network \\($BR_LATE\\) +$P" \
	"lxlaunch list: $C_LATE WAITING with its reason"
lxt_match "$(grep -E "^$C_OK " "$MGR_T/list.out")" "^$C_OK +container +RUNNING " \
	"lxlaunch list: $C_OK RUNNING"
lxt_match "$(log_since "$log_mark" "autostart waiting for network \\($BR_LATE\\)")" "$C_LATE" \
	"the log says what $C_LATE waits for"

# ---- MG-14 step 4: a manual start fails naming the parent; the autostart stays pending ------
mgr_expect PUT "/1.0/instances/$C_LATE/state" '{"action":"start"}' 409 \
	"manual start of $C_LATE before its bridge exists: 409 naming it" "$BR_LATE missing"
timeout 60 "$LXLAUNCH_BIN" start "$C_LATE" >"$MGR_T/start.out" 2>"$MGR_T/start.err"
lxt_is "$?" 1 "lxlaunch start $C_LATE before its bridge exists: exit 1"
lxt_match "$(cat "$MGR_T/start.err")" "^Error: .*network device $BR_LATE missing" \
	"lxlaunch start: the error names $BR_LATE"
lxt_is "$(status "$C_LATE")" Waiting "after the refused manual starts $C_LATE is still Waiting"

# ---- MG-14 step 5, 6: the links appear --------------------------------------------------------
sleep 3	# longer than any retry interval: nothing gives up
ip link add "$BR_LATE" type bridge && ip link set "$BR_LATE" up
if ms=$(wait_status "$C_LATE" Running 2); then
	lxt_pass "$C_LATE RUNNING within 2 s of its bridge appearing (${ms} ms)"
else
	lxt_fail "$C_LATE RUNNING within 2 s of its bridge appearing" "$ms" Running
fi
lxt_true "a veth of $C_LATE is a port of $BR_LATE" \
	test -n "$(ls "/sys/class/net/$BR_LATE/brif/" 2>/dev/null)"
mgr_req GET "/1.0/instances/$C_LATE"
lxt_is "$(mgr_jq .metadata.status_reason)" "" "$C_LATE: status_reason cleared once running"
sleep 1
lxt_is "$(status "$C_MAN")" Stopped "$C_MAN (autostart false, same bridge) stays Stopped"
ip link add "$DUM" type veth peer name "lxkt${S}dp" && ip link set "$DUM" up
if ms=$(wait_status "$C_MV" Running 2); then
	lxt_pass "$C_MV (macvlan) RUNNING within 2 s of $DUM appearing (${ms} ms)"
else
	lxt_fail "$C_MV RUNNING within 2 s of $DUM appearing" "$ms" Running
fi

# ---- MG-15 step 4: the pool's source comes back -----------------------------------------------
mv "$GSRC.saved" "$GSRC"
if ms=$(wait_status "$C_STORE" Running 10); then
	lxt_pass "$C_STORE RUNNING within 10 s of its pool source coming back (${ms} ms)"
else
	lxt_fail "$C_STORE RUNNING within 10 s of its pool source coming back" "$ms" Running
fi
lxt_is "$(log_since "$log_mark" "Instance '$C_OK': autostarted" | wc -l)" 1 \
	"$C_OK was autostarted exactly once"

# ---- MG-14 step 7: a parent disappears under a running instance -------------------------------
log_mark2=$(wc -l <"$MGR_LOG")
ip link del "$BR_OK"
sleep 1
lxt_true "the manager keeps running after $BR_OK is deleted" kill -0 "$MGR_PID"
lxt_is "$(status "$C_OK")" Running "$C_OK stays Running without its bridge"
mgr_req GET "/1.0/instances/$C_OK"
lxt_is "$(mgr_jq .metadata.status_reason)" "network device $BR_OK missing" \
	"$C_OK: status_reason 'network device $BR_OK missing'"
lxt_match "$(log_since "$log_mark2" "network device $BR_OK missing")" "$C_OK" \
	"an error naming $C_OK and $BR_OK is logged"
mgr_req GET /1.0
lxt_is "$MGR_CODE" 200 "the API still answers"

# ---- the manager restarted with all links present starts everything ---------------------------
mgr_req PUT "/1.0/instances/$C_PREV/state" '{"action":"start"}'
lxt_is "$(mgr_wait_op)" Success "start $C_PREV through the API"
for c in "${ALL_AUTO[@]}"; do
	mgr_req PUT "/1.0/instances/$c/state" '{"action":"stop","force":true}'
	[ "$(mgr_wait_op)" = Success ] || lxt_diag "stop $c: $(mgr_jq .metadata.err)"
done
mgr_stop TERM
# the host stops C_PREV (not the API): with boot.autostart unset it comes back
lxc-stop -k -P "$MGR_STATE/containers" -n "$C_PREV" >/dev/null 2>&1
ip link add "$BR_OK" type bridge && ip link set "$BR_OK" up
log_mark3=$(wc -l <"$MGR_LOG")
mgr_start || lxt_bail "lxmanagerd did not start again"
for c in "${ALL_AUTO[@]}"; do
	if ms=$(wait_status "$c" Running 20); then
		lxt_pass "restart with every link present: $c RUNNING (${ms} ms)"
	else
		lxt_fail "restart with every link present: $c RUNNING" "$ms" Running
	fi
done
lxt_is "$(status "$C_MAN")" Stopped "restart: $C_MAN stays Stopped"
if ms=$(wait_status "$C_PREV" Running 10); then
	lxt_pass "restart: $C_PREV (autostart unset, running when the host stopped it) RUNNING (${ms} ms)"
else
	lxt_fail "restart: $C_PREV (autostart unset, running when the host stopped it) RUNNING" "$ms" Running
fi
order=$(log_since "$log_mark3" "': autostarted" | sed -E "s/.*Instance '([^']+)'.*/\\1/" | tr '\n' ' ')
lxt_is "$order" "$C_NONE $C_LATE $C_MV $C_OK $C_PREV $C_STORE " \
	"autostart order: priority 10 first, then by name"

# ---- delays, a link appearing during a delay, stop of a Waiting instance ----------------------
# late first (priority 20, bridge missing: Waiting), none next (priority 10) with a 4 s delay,
# then the others by name; mv waits for its link
for c in "${ALL_AUTO[@]}" "$C_PREV"; do
	mgr_req PUT "/1.0/instances/$c/state" '{"action":"stop","force":true}'
	mgr_wait_op >/dev/null
done
mgr_req PATCH "/1.0/instances/$C_LATE" '{"config":{"boot.autostart.priority":"20"}}'
lxt_is "$(mgr_wait_op)" Success "PATCH boot.autostart.priority=20 on $C_LATE"
mgr_req PATCH "/1.0/instances/$C_NONE" '{"config":{"boot.autostart.delay":"4"}}'
lxt_is "$(mgr_wait_op)" Success "PATCH boot.autostart.delay=4 on $C_NONE"
mgr_expect PATCH "/1.0/instances/$C_NONE" '{"config":{"boot.autostart.delay":"-1"}}' 400 \
	"boot.autostart.delay=-1: 400" "boot.autostart.delay"
mgr_stop TERM
ip link del "$BR_LATE"
ip link del "$DUM"
mgr_start || lxt_bail "lxmanagerd did not start a third time"
# mv is handled after none's 4 s delay: this stream is connected before its instance-waiting
curl -sN --max-time 60 --unix-socket "$MGR_SOCK" "http://lxkit/1.0/events?type=lifecycle" >"$MGR_T/events.out" 2>/dev/null &
EV_PID=$!
lxt_track "$EV_PID"
if ms=$(wait_status "$C_NONE" Running 5); then
	lxt_pass "third start: $C_NONE RUNNING (${ms} ms)"
else
	lxt_fail "third start: $C_NONE RUNNING" "$ms" Running
fi
t_none=$(date +%s%N)
lxt_is "$(status "$C_LATE")" Waiting "third start without $BR_LATE: $C_LATE Waiting"
sleep 1
lxt_is "$(status "$C_OK")" Stopped "1 s into $C_NONE's 4 s delay, $C_OK (next in order) is not started yet"
ip link add "$BR_LATE" type bridge
if ms=$(wait_status "$C_LATE" Running 2); then
	lxt_pass "$C_LATE RUNNING within 2 s of its bridge appearing during another's delay (${ms} ms)"
else
	lxt_fail "$C_LATE RUNNING within 2 s of its bridge appearing during another's delay" "$ms" Running
fi
if ms=$(wait_status "$C_OK" Running 15); then
	gap=$((($(date +%s%N) - t_none) / 1000000))
	lxt_num "$gap" -ge 3500 "$C_OK started after $C_NONE's 4 s delay (${gap} ms after it ran)"
else
	lxt_fail "$C_OK RUNNING after the delay" "$ms" Running
fi
if st=$(wait_status "$C_MV" Waiting 10); then
	lxt_pass "$C_MV Waiting for $DUM"
else
	lxt_fail "$C_MV Waiting for $DUM" "$st" Waiting
fi
sleep 0.5
kill "$EV_PID" 2>/dev/null
wait "$EV_PID" 2>/dev/null
lxt_is "$(jq -r --arg s "/1.0/instances/$C_MV" 'select(.metadata.action == "instance-waiting" and .metadata.source == $s) | .metadata.context.reason' "$MGR_T/events.out" 2>/dev/null | head -n 1)" \
	"waiting for network ($DUM)" "an instance-waiting event for $C_MV with its reason"
mgr_req PUT "/1.0/instances/$C_MV/state" '{"action":"stop"}'
lxt_true "stop of a Waiting instance answers 2xx" test "${MGR_CODE:0:1}" = 2
lxt_is "$(status "$C_MV")" Stopped "after stop, $C_MV is Stopped"
ip link add "$DUM" type veth peer name "lxkt${S}dp"
sleep 2
lxt_is "$(status "$C_MV")" Stopped "its cancelled autostart does not start it when $DUM appears"
lxt_is "$(status "$C_PREV")" Stopped "$C_PREV (autostart unset) stopped through the API stays Stopped"

# ---- cleanup through the API ------------------------------------------------------------------
for c in "${ALL_AUTO[@]}" "$C_MAN" "$C_PREV"; do
	mgr_req PUT "/1.0/instances/$c/state" '{"action":"stop","force":true}'
	mgr_wait_op >/dev/null
	mgr_req DELETE "/1.0/instances/$c"
	lxt_is "$(mgr_wait_op)" Success "delete $c"
done
for p in "$P" "$G"; do
	mgr_req DELETE "/1.0/storage-pools/$p"
	lxt_true "delete pool $p" test "${MGR_CODE:0:1}" = 2
done
lxt_is "$(find "$MGR_STATE/containers" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)" 0 \
	"no LXC container left"
mgr_stop TERM
lxt_is "$MGR_EXIT" 0 "the manager exits 0 on SIGTERM"
# shellcheck disable=SC2317  # called through lxt_false
link_exists() { ip link show "$1" >/dev/null 2>&1; }
for l in "$BR_OK" "$BR_LATE" "$DUM"; do
	ip link del "$l" 2>/dev/null
	lxt_false "link $l removed" link_exists "$l"
done
lxt_done
