#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lxmanagerd killed with SIGKILL at every step of pool, volume and snapshot work (the
# --test-pause hook holds it there), then restarted: the database and the storage agree, no
# half-made volume, loop device or mount is left, and repeating the work succeeds (MG-17 A).
# Then --test-fail at every step: a 500 naming the injected failure, and nothing left.
. "$(dirname "$0")/test-manager-lib.sh"

mgr_init
lxt_require_tools mkfs.btrfs btrfs
grep -qw btrfs /proc/filesystems || modprobe btrfs 2>/dev/null || lxt_skip "no btrfs in this kernel"

POOL_BODY='{"name":"mg-p","driver":"btrfs","config":{"size":"160MiB"}}'
PP=$MGR_STATE/storage-pools/mg-p

db_check() {
	"$LXT_PY" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' \
		"$MGR_STATE/manager.db" 2>&1
}

# consistent POOL: every custom volume row has its directory and the other way round, every
# snapshot row its snapshot, and no temporary entry is left
consistent() {
	local pool=$1 rows dirs srows sdirs v

	mgr_req GET "/1.0/storage-pools/$pool/volumes/custom"
	rows=$(mgr_jq '.metadata[]' | sed 's|.*/||' | sort | tr '\n' ' ')
	dirs=$(ls -A "$MGR_STATE/storage-pools/$pool/custom" | sort | tr '\n' ' ')
	srows='' sdirs=''
	for v in $rows; do
		mgr_req GET "/1.0/storage-pools/$pool/volumes/custom/$v/snapshots"
		srows+=$(mgr_jq '.metadata[]' | sed "s|.*/volumes/custom/||" | sort | tr '\n' ' ')
		sdirs+=$(cd "$MGR_STATE/storage-pools/$pool/custom-snapshots" 2>/dev/null &&
			ls -A "$v" 2>/dev/null | sed "s|^|$v/snapshots/|" | sort | tr '\n' ' ')
	done
	# snapshot directories of volumes without a row
	for v in $(ls -A "$MGR_STATE/storage-pools/$pool/custom-snapshots" 2>/dev/null); do
		[[ " $rows " == *" $v "* ]] || sdirs+="orphan:$v "
	done
	echo "volumes[$rows] dirs[$dirs] snapshots[$srows] snapdirs[$sdirs]"
}

# pause_and_kill STEP METHOD PATH BODY: starts the daemon pausing at STEP, sends the request
# in the background, waits for the pause, SIGKILLs the daemon, restarts it without hooks.
pause_and_kill() {
	local step=$1 got cpid

	mgr_start --test-pause "$step" || lxt_bail "start with --test-pause $step failed"
	curl -s -o /dev/null --max-time 60 --unix-socket "$MGR_SOCK" -X "$2" \
		-H 'Content-Type: application/json' -d "$4" "http://lxkit$3" &
	cpid=$!
	got=$(mgr_wait_paused 20)
	lxt_is "$got" "$step" "paused at $step"
	lxt_match "$(tail -3 "$MGR_LOG")" "TEST-PAUSE $step" "... logged TEST-PAUSE"
	${PAUSE_CHECK:-:}
	mgr_stop KILL
	wait "$cpid" 2>/dev/null
	rm -f "$MGR_RUN/test-paused"
	lxt_is "$(db_check)" ok "the database passes PRAGMA integrity_check after SIGKILL at $step"
	mgr_start || lxt_bail "restart after SIGKILL at $step failed: $(tail -5 "$MGR_LOG")"
}

# pool_absent DESC: no row, no loop file, no loop device, no mount, no mount point
pool_absent() {
	mgr_req GET /1.0/storage-pools/mg-p
	lxt_is "$MGR_CODE|$(test -e "$MGR_STATE/disks/mg-p.img" && echo file)|$(mgr_loops | wc -l)|$(mgr_mounts | wc -l)|$(test -e "$PP" && echo dir)" \
		"404||0|0|" "$1: no row, loop file, loop device, mount or mount point"
}

# while paused, GET answers and shows the pool as Pending (changes wait: one at a time)
pool_pending() {
	local i

	# changes queued behind the paused one must not starve GET (separate thread pools)
	for i in 1 2 3 4 5 6 7 8; do
		curl -s -o /dev/null --max-time 30 --unix-socket "$MGR_SOCK" -X POST \
			-d "{\"name\":\"q$i\",\"driver\":\"dir\"}" http://lxkit/1.0/storage-pools &
		lxt_track $!
	done
	sleep 0.3
	mgr_req GET /1.0/storage-pools/mg-p "" --max-time 3
	lxt_is "$MGR_CODE $(mgr_jq .metadata.status)" "200 Pending" "GET answers during the pause, with 8 changes queued: mg-p is Pending"
}

# --- pool creation ------------------------------------------------------------------------
PAUSE_CHECK=pool_pending
for step in loop-file loop-device mkfs mount; do
	pause_and_kill "storage-pool-create/$step" POST /1.0/storage-pools "$POOL_BODY"
	pool_absent "killed after $step, restarted"
	mgr_expect POST /1.0/storage-pools "$POOL_BODY" 201 "creating mg-p again works"
	mgr_expect DELETE /1.0/storage-pools/mg-p "" 200 "and deleting it"
	mgr_stop TERM
done
PAUSE_CHECK=
# a pool delete killed after its storage went: completed at restart
mgr_start || lxt_bail "start failed"
mgr_expect POST /1.0/storage-pools "$POOL_BODY" 201 "mg-p for the delete step"
mgr_stop TERM
pause_and_kill "storage-pool-delete/storage" DELETE /1.0/storage-pools/mg-p ""
pool_absent "pool delete killed after its storage step, restarted"
lxt_match "$(cat "$MGR_LOG")" "storage pool 'mg-p' was left deleting, removing it" "reconcile logged the completion"
mgr_stop TERM
pause_and_kill "storage-pool-create/mkdir" POST /1.0/storage-pools '{"name":"mg-d","driver":"dir"}'
mgr_req GET /1.0/storage-pools/mg-d
lxt_is "$MGR_CODE|$(test -e "$MGR_STATE/storage-pools/mg-d" && echo dir)" "404|" "dir pool killed after mkdir: no row, no directory"
mgr_stop TERM

# --- volumes and snapshots on a live pool ------------------------------------------------
mgr_start || lxt_bail "start failed"
mgr_expect POST /1.0/storage-pools "$POOL_BODY" 201 "pool mg-p for the volume steps"
mgr_stop TERM

pause_and_kill volume-create/storage POST /1.0/storage-pools/mg-p/volumes/custom '{"name":"mg-v1","config":{"size":"64MiB"}}'
mgr_req GET /1.0/storage-pools/mg-p/volumes/custom/mg-v1
lxt_is "$MGR_CODE|$(test -e "$PP/custom/mg-v1" && echo subvol)" "404|" "volume killed after its storage step: no row, no subvolume"
mgr_req GET /1.0/storage-pools/mg-p/volumes
lxt_is "$(mgr_jq -c .metadata)" "[]" "list and get agree (no ghost rows)"
lxt_match "$(cat "$MGR_LOG")" "volume 'mg-v1' of pool 'mg-p' was left pending, removing it" "reconcile logged the undo"
mgr_expect POST /1.0/storage-pools/mg-p/volumes/custom '{"name":"mg-v1","config":{"size":"64MiB"}}' 201 \
	"MG-17: creating mg-v1 again works (no UNIQUE constraint left behind)"
echo keep >"$PP/custom/mg-v1/data"
mgr_stop TERM

pause_and_kill volume-snapshot-create/storage POST /1.0/storage-pools/mg-p/volumes/custom/mg-v1/snapshots '{"name":"s1"}'
mgr_req GET /1.0/storage-pools/mg-p/volumes/custom/mg-v1/snapshots
lxt_is "$(mgr_jq -c .metadata)|$(test -e "$PP/custom-snapshots/mg-v1/s1" && echo snap)" "[]|" \
	"snapshot killed after its storage step: no row, no snapshot subvolume"
mgr_req POST /1.0/storage-pools/mg-p/volumes/custom/mg-v1/snapshots '{"name":"s1"}'
lxt_is "$(mgr_wait_op)" Success "taking s1 again works"
echo changed >"$PP/custom/mg-v1/data"
mgr_stop TERM

pause_and_kill volume-restore/storage PUT /1.0/storage-pools/mg-p/volumes/custom/mg-v1 '{"restore":"s1"}'
lxt_is "$(cat "$PP/custom/mg-v1/data" 2>&1)|$(ls -A "$PP/custom" | grep -c '^\.')" "keep|0" \
	"restore killed after its storage step: s1's data, no temporary entries"
mgr_stop TERM

pause_and_kill volume-delete/storage DELETE /1.0/storage-pools/mg-p/volumes/custom/mg-v1 ""
mgr_req GET /1.0/storage-pools/mg-p/volumes/custom/mg-v1
lxt_is "$MGR_CODE|$(test -e "$PP/custom/mg-v1" && echo subvol)|$(test -e "$PP/custom-snapshots/mg-v1" && echo snaps)" "404||" \
	"MG-17: delete killed after its storage step is completed at restart"
mgr_expect POST /1.0/storage-pools/mg-p/volumes/custom '{"name":"mg-v1"}' 201 "mg-v1 can be created again"

# --- SIGKILL at random moments of a stream of changes ---------------------------------------
for round in 1 2 3 4 5; do
	(
		for i in 1 2 3 4 5 6 7 8; do
			curl -s -o /dev/null --max-time 20 --unix-socket "$MGR_SOCK" -X POST \
				-d "{\"name\":\"r$i\",\"config\":{\"size\":\"16MiB\"}}" \
				http://lxkit/1.0/storage-pools/mg-p/volumes/custom
			curl -s -o /dev/null --max-time 20 --unix-socket "$MGR_SOCK" -X POST \
				-d '{"name":"s"}' "http://lxkit/1.0/storage-pools/mg-p/volumes/custom/r$i/snapshots"
			curl -s -o /dev/null --max-time 20 --unix-socket "$MGR_SOCK" -X PUT \
				-d '{"restore":"s"}' "http://lxkit/1.0/storage-pools/mg-p/volumes/custom/r$i"
			[ $((i % 2)) = 0 ] && curl -s -o /dev/null --max-time 20 --unix-socket "$MGR_SOCK" \
				-X DELETE "http://lxkit/1.0/storage-pools/mg-p/volumes/custom/r$((i - 1))"
		done
	) &
	load=$!
	t=$((RANDOM % 20 + 1))		# 0.1 to 2.0 s
	sleep "$((t / 10)).$((t % 10))"
	mgr_stop KILL
	kill "$load" 2>/dev/null
	wait "$load" 2>/dev/null
	lxt_is "$(db_check)" ok "round $round: integrity_check after a SIGKILL at a random moment"
	mgr_start || lxt_bail "restart after the random SIGKILL failed"
	state=$(consistent mg-p)
	lxt_match "$state" '^volumes\[([^]]*)\] dirs\[\1\] ' "round $round: every volume row has its subvolume and no subvolume lacks a row ($state)"
	snaps=${state#*snapshots[}
	lxt_match "$snaps" '^([^]]*)\] snapdirs\[\1\]$' "round $round: snapshot rows and snapshot subvolumes agree"
	for v in $(ls -A "$PP/custom"); do
		[ "$v" = mg-v1 ] && continue
		curl -s -o /dev/null --unix-socket "$MGR_SOCK" -X DELETE "http://lxkit/1.0/storage-pools/mg-p/volumes/custom/$v"
	done
done
mgr_req GET /1.0/storage-pools/mg-p/volumes/custom
lxt_is "$(mgr_jq -c .metadata)$(ls -A "$PP/custom" | tr '\n' ' ')" '["/1.0/storage-pools/mg-p/volumes/custom/mg-v1"]mg-v1 ' \
	"every volume of the random rounds can be deleted"

# --- injected failures: the normal undo runs ----------------------------------------------
mgr_stop TERM
for step in volume-create/storage volume-snapshot-create/storage; do
	mgr_start --test-fail "$step" || lxt_bail "start with --test-fail failed"
	lxt_match "$(tail -3 "$MGR_LOG")" "Test hook: failing steps matching '$step'" "--test-fail is logged as a warning at start"
	if [ "$step" = volume-create/storage ]; then
		mgr_expect POST /1.0/storage-pools/mg-p/volumes/custom '{"name":"mg-v2"}' 500 \
			"$step: 500 naming the injected failure" "injected failure at $step"
		lxt_is "$(test -e "$PP/custom/mg-v2" && echo subvol)" "" "... and no subvolume"
		mgr_expect GET /1.0/storage-pools/mg-p/volumes/custom/mg-v2 "" 404 "... and no row"
	else
		mgr_req POST /1.0/storage-pools/mg-p/volumes/custom/mg-v1/snapshots '{"name":"s2"}'
		mgr_wait_op >/dev/null	# not in $(...): it sets MGR_BODY to the finished operation
		lxt_is "$(mgr_jq .metadata.status)|$(mgr_jq .metadata.err)" "Failure|injected failure at $step" \
			"$step: the operation fails naming the injected failure"
		mgr_req GET /1.0/storage-pools/mg-p/volumes/custom/mg-v1/snapshots
		lxt_is "$(mgr_jq -c .metadata)|$(test -e "$PP/custom-snapshots/mg-v1/s2" && echo snap)" "[]|" "... and no snapshot row or storage"
	fi
	mgr_stop TERM
done
mgr_start || lxt_bail "start failed"
mgr_expect DELETE /1.0/storage-pools/mg-p/volumes/custom/mg-v1 "" 200 "delete mg-v1"
mgr_expect DELETE /1.0/storage-pools/mg-p "" 200 "delete mg-p"
mgr_stop TERM
for step in loop-file loop-device mkfs mount; do
	mgr_start --test-fail "storage-pool-create/$step" || lxt_bail "start failed"
	mgr_expect POST /1.0/storage-pools "$POOL_BODY" 500 "pool create failing at $step: 500" \
		"injected failure at storage-pool-create/$step"
	pool_absent "failure at $step undone"
	mgr_stop TERM
done
mgr_cleanup
lxt_is "$(mgr_mounts | wc -l) $(mgr_loops | wc -l)" "0 0" "no mounts or loop devices left"
lxt_done
