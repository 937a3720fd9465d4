# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# Helpers for the lxmanagerd integration tests (test-manager-*.sh source this file; it is not a
# test itself). A private daemon per test: --state-dir, --socket and --runtime-dir under one
# /tmp/lxkit-test-<pid>-mgr-XXXX directory; requests with curl --unix-socket; JSON with jq.
#
# Environment: MGR_BIN (default ../../build/manager/lxmanagerd from this file).
#
# Cleanup (mgr_cleanup, run by lxt_done's caller and by the EXIT trap): the daemon by PID,
# then every mount below the test directory, every loop device backed by a file below it,
# then lxt_cleanup removes the directory. What had to be undone is reported as a problem.

MGR_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/integration/lib.sh
. "$MGR_LIB_DIR/lib.sh"

: "${MGR_BIN:=$MGR_LIB_DIR/../../build/manager/lxmanagerd}"
MGR_T=			# the test directory
MGR_PID=		# the running daemon, if any
MGR_CODE=		# HTTP status of the last mgr_req
MGR_BODY=		# body of the last mgr_req
MGR_LOG=		# the daemon's log (all runs appended)

mgr_init() {
	lxt_require_root
	lxt_require_tools curl jq losetup findmnt
	[ -x "$MGR_BIN" ] || lxt_skip "lxmanagerd '$MGR_BIN' is not built"
	MGR_T=$(mktemp -d "/tmp/lxkit-test-$$-mgr-XXXX") || lxt_bail "mktemp failed"
	LXT_TMPDIRS+=("$MGR_T")
	MGR_LOG=$MGR_T/daemon.log
	MGR_STATE=$MGR_T/state
	MGR_SOCK=$MGR_T/run/manager.socket
	MGR_RUN=$MGR_T/run
	trap '_mgr_rc=$?; mgr_cleanup; (exit $_mgr_rc); _lxt_on_exit' EXIT
}

# mgr_start [ARGS...]: starts the daemon, waits (5 s) until GET / answers. Returns 1 when
# it does not (the daemon's exit status in MGR_EXIT when it died).
mgr_start() {
	local i

	echo "=== lxmanagerd $* ($(date +%T))" >>"$MGR_LOG"
	"$MGR_BIN" --state-dir "$MGR_STATE" --socket "$MGR_SOCK" --runtime-dir "$MGR_RUN" \
		"$@" >>"$MGR_LOG" 2>&1 &
	MGR_PID=$!
	for i in $(seq 100); do
		if ! kill -0 "$MGR_PID" 2>/dev/null; then
			wait "$MGR_PID"
			MGR_EXIT=$?
			MGR_PID=
			return 1
		fi
		curl -s -o /dev/null --max-time 1 --unix-socket "$MGR_SOCK" http://lxkit/ && return 0
		sleep 0.05
	done
	return 1
}

# mgr_stop [SIG]: TERM (default) or KILL; sets MGR_EXIT.
mgr_stop() {
	local sig=${1:-TERM} i

	[ -n "$MGR_PID" ] || return 0
	kill "-$sig" "$MGR_PID" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$MGR_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$MGR_PID" 2>/dev/null && kill -KILL "$MGR_PID"
	wait "$MGR_PID" 2>/dev/null
	MGR_EXIT=$?
	MGR_PID=
}

# mgr_req METHOD PATH [BODY] [CURL-ARGS...]: sets MGR_CODE and MGR_BODY.
mgr_req() {
	local method=$1 path=$2 body=${3-}
	local out=$MGR_T/reply.json

	shift 2
	[ $# -gt 0 ] && shift
	if [ -n "$body" ]; then
		printf '%s' "$body" >"$MGR_T/request.json"
		MGR_CODE=$(curl -s -o "$out" -w '%{http_code}' --max-time 60 --unix-socket "$MGR_SOCK" \
			-X "$method" -H 'Content-Type: application/json' \
			--data-binary "@$MGR_T/request.json" --path-as-is "$@" "http://lxkit$path")
	else
		MGR_CODE=$(curl -s -o "$out" -w '%{http_code}' --max-time 60 --unix-socket "$MGR_SOCK" \
			-X "$method" --path-as-is "$@" "http://lxkit$path")
	fi
	MGR_BODY=$(cat "$out" 2>/dev/null)
}

# mgr_jq [JQ-OPTIONS] FILTER: applies FILTER to MGR_BODY (raw output).
mgr_jq() {
	jq -r "$@" <<<"$MGR_BODY" 2>/dev/null
}

# mgr_expect METHOD PATH BODY CODE DESC [ERROR-ERE]: one request, asserting the status (and
# the error message when ERROR-ERE is given).
mgr_expect() {
	local desc=$5 ere=${6-}

	mgr_req "$1" "$2" "$3"
	if [ "$MGR_CODE" != "$4" ]; then
		lxt_fail "$desc" "HTTP $MGR_CODE $(mgr_jq .error)" "HTTP $4"
		return 1
	fi
	if [ -n "$ere" ] && ! [[ $(mgr_jq .error) =~ $ere ]]; then
		lxt_fail "$desc" "'$(mgr_jq .error)'" "error matching /$ere/"
		return 1
	fi
	lxt_pass "$desc"
}

# mgr_wait_op: waits for the operation of the last async reply; sets MGR_BODY to it and
# prints its status ("Success", "Failure").
mgr_wait_op() {
	local op

	op=$(mgr_jq .operation)
	[ -n "$op" ] && [ "$op" != null ] || { echo "no-operation"; return 1; }
	mgr_req GET "$op/wait?timeout=60"
	mgr_jq .metadata.status
}

# mgr_wait_paused [TIMEOUT-S]: waits for <runtime-dir>/test-paused; prints the step.
mgr_wait_paused() {
	local i n=$((${1:-20} * 20))

	for ((i = 0; i < n; i++)); do
		if [ -s "$MGR_RUN/test-paused" ]; then
			cat "$MGR_RUN/test-paused"
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# Loop devices backed by files below the test directory.
mgr_loops() {
	losetup --noheadings --output NAME,BACK-FILE 2>/dev/null |
		awk -v t="$MGR_T/" 'index($2, t) == 1 { print $1 }'
}

# Mount points below the test directory, deepest first.
mgr_mounts() {
	awk -v t="$MGR_T/" 'index($5, t) == 1 { print $5 }' /proc/self/mountinfo | sort -r
}

# mgr_vm_kill_all: SIGKILL the QEMU processes of this test's VMs, by the pids in their pidfiles
# (for EXIT traps: the manager may be gone and its VMs still running)
mgr_vm_kill_all() {
	local pf pid
	for pf in "$MGR_RUN"/vms/*/qemu.pid; do
		[ -f "$pf" ] || continue
		pid=$(cat "$pf")
		if [ -n "$pid" ] && grep -q qemu "/proc/$pid/comm" 2>/dev/null; then
			kill -KILL "$pid" 2>/dev/null
			lxt_diag "cleanup: killed QEMU $pid ($pf)"
		fi
	done
}

mgr_cleanup() {
	local m l

	[ -n "$MGR_T" ] || return 0
	mgr_stop TERM
	for m in $(mgr_mounts); do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	for l in $(mgr_loops); do
		losetup -d "$l" 2>/dev/null
	done
	rm -f "$MGR_RUN/test-paused"
}
