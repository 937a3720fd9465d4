#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lxmanagerd over its socket: the daemon (lock, socket, signals), the §2 envelope and every
# bad request of issue 9 item 6 (status, message, nothing changed), drivers that are missing
# here (MG-12), a dir pool with volumes, snapshots, restore and copy checked on real files,
# and a dir pool whose source vanished (MG-15).
. "$(dirname "$0")/test-manager-lib.sh"

mgr_init
mgr_start || lxt_bail "lxmanagerd did not start: $(tail -5 "$MGR_LOG")"

# --- daemon -------------------------------------------------------------------------------
lxt_is "$(stat -c '%a %U:%G' "$MGR_SOCK")" "660 root:root" "socket is mode 0660 root:root"
out=$("$MGR_BIN" --state-dir "$MGR_STATE" --socket "$MGR_T/other.sock" --runtime-dir "$MGR_RUN" 2>&1)
rc=$?
lxt_is "$rc" 1 "a second daemon on the same state dir exits 1"
lxt_match "$out" "state dir $MGR_STATE is in use by pid $MGR_PID" "... naming the state dir and the holder's pid"
out=$("$MGR_BIN" --state-dir "$MGR_T/state2" --socket "$MGR_SOCK" --runtime-dir "$MGR_T/run2" 2>&1)
lxt_is "$?" 1 "a daemon on a live socket exits 1"
lxt_match "$out" "socket '$MGR_SOCK' is in use" "... saying the socket is in use"

out=$("$MGR_BIN" --bogus 2>&1)
lxt_is "$?" 2 "an unknown option: exit 2"
lxt_match "$out" "bogus" "... naming it"
out=$("$MGR_BIN" --log-level loud 2>&1)
lxt_is "$?:$out" "2:lxmanagerd: unknown --log-level 'loud'" "a bad --log-level: exit 2 naming it"

# --- envelope -----------------------------------------------------------------------------
mgr_req GET /
lxt_is "$MGR_CODE $(mgr_jq -c '.type,.metadata[0]' | tr '\n' ' ')" "200 sync /1.0 " "GET / lists /1.0"
mgr_req GET /1.0
lxt_is "$(mgr_jq '[.type,.status,.status_code,.metadata.api_version] | join(",")')" \
	"sync,Success,200,1.0" "GET /1.0: sync envelope and server object"
lxt_is "$(mgr_jq '[.metadata.environment.storage_supported_drivers[].Name] | join(",")')" \
	"dir,btrfs" "MG-12: dir and btrfs are supported drivers"
lxt_match "$(mgr_jq '.metadata.environment.storage_unavailable_drivers[] | select(.name=="zfs") | .reason')" \
	"zpool not found in PATH.*zfs kernel module not loaded" "MG-12: zfs unavailable with its concrete reason"
lxt_match "$(mgr_jq '.metadata.environment.storage_unavailable_drivers[] | select(.name=="lvm") | .reason')" \
	"device-mapper not available" "MG-12: lvm unavailable, naming device-mapper"
lxt_match "$(mgr_jq '.metadata.api_extensions | join(",")')" "storage_api_volume_snapshots.*lxkit_test_hooks" \
	"api_extensions lists ours"

# --- MG-12: missing drivers, before any side effect ----------------------------------------
mgr_expect POST /1.0/storage-pools '{"name":"mg-z1","driver":"zfs","config":{"size":"1GiB"}}' 400 \
	"MG-12: zfs pool creation refused with 400" "zfs.*not available on this host: zpool not found in PATH"
mgr_expect POST /1.0/storage-pools '{"name":"mg-l1","driver":"lvm","config":{"size":"1GiB"}}' 400 \
	"MG-12: lvm pool creation refused with 400" "lvm.*not available.*device-mapper not available"
mgr_req GET /1.0/storage-pools
lxt_is "$(mgr_jq -c .metadata)" "[]" "MG-12: no pool row after the refusals"
lxt_is "$(ls "$MGR_STATE/disks" 2>/dev/null | wc -l)$(mgr_loops | wc -l)" "00" "MG-12: no loop file, no loop device"

# --- bad requests (issue 9 item 6) --------------------------------------------------------
mgr_expect POST /1.0/storage-pools '{"name":"p1","driver":"dir"' 400 "bad JSON: 400" "bad JSON"
mgr_expect POST /1.0/storage-pools '["p1"]' 400 "a JSON array body: 400" "must be a JSON object"
mgr_expect POST /1.0/storage-pools '{"name":"p1","driver":"dir","colour":"red"}' 400 \
	"unknown field: 400 naming it" "unknown field 'colour'"
mgr_expect POST /1.0/storage-pools '{"name":"p1","driver":"dir","config":{"source":1}}' 400 \
	"wrong type in config: 400 naming the key" "config.source"
mgr_expect POST /1.0/storage-pools '{"name":7,"driver":"dir"}' 400 "wrong type: 400 naming the field" "'name' must be a string"
for n in "a/b" ".." "../x" "." "-x" "a b" "" "$(printf 'x%.0s' {1..64})"; do
	mgr_expect POST /1.0/storage-pools "{\"name\":\"$n\",\"driver\":\"dir\"}" 400 \
		"pool name '${n:0:10}' refused with 400" "invalid storage pool name|'name'"
done
mgr_expect POST /1.0/storage-pools '{"name":"p1","driver":"nfs"}' 400 "unknown driver: 400" "unknown storage driver 'nfs'"
mgr_expect POST /1.0/storage-pools '{"name":"p1","driver":"dir","config":{"size":"1GiB"}}' 400 \
	"unknown dir config key: 400" "unknown config key 'size'"
big=$(head -c 1100000 /dev/zero | tr '\0' 'a')
mgr_expect POST /1.0/storage-pools "{\"name\":\"p1\",\"driver\":\"dir\",\"description\":\"$big\"}" 413 \
	"body over 1 MiB: 413" "over the limit"
mgr_expect GET /1.0/nothing "" 404 "unknown path: 404" "not found"
mgr_expect DELETE /1.0 "" 405 "method not defined for an existing path: 405" "not allowed"
mgr_expect GET "/1.0/storage-pools?colour=red" "" 400 "unknown query parameter: 400" "unknown query parameter 'colour'"
mgr_expect GET "/1.0/storage-pools?project=default" "" 200 "project=default is accepted"
mgr_expect GET "/1.0/storage-pools/a%2Fb" "" 400 "percent-encoded '/' in a name: 400, never looked up" "invalid storage pool name 'a/b'"
# "/.." and "/%2E%2E" are resolved by the HTTP layer (RFC 3986 dot segments, GUri) before
# routing: the request becomes /1.0/ and never names a pool
mgr_expect GET "/1.0/storage-pools/%2E%2E" "" 404 "'..' in the path never reaches a pool lookup (404 for /1.0/)" "not found: '/1.0/'"
mgr_expect GET "/1.0/storage-pools/..x" "" 400 "a pool name '..x' in the path: 400" "invalid storage pool name '..x'"
mgr_expect GET "/1.0/storage-pools/p%00x" "" 400 "an encoded NUL in the path: 400"
mgr_req GET /1.0/storage-pools
lxt_is "$(mgr_jq -c .metadata)" "[]" "no pool was created by any bad request"
lxt_true "the daemon is still running after the bad requests" kill -0 "$MGR_PID"

# --- events: an ndjson stream for curl -N ---------------------------------------------------
curl -s -N --max-time 20 --unix-socket "$MGR_SOCK" "http://lxkit/1.0/events?type=lifecycle" \
	>"$MGR_T/events.ndjson" 2>/dev/null &
ev_pid=$!
lxt_track "$ev_pid"
sleep 0.5

# --- dir pool -----------------------------------------------------------------------------
mgr_expect POST /1.0/storage-pools '{"name":"p1","driver":"dir","description":"first","config":{"user.team":"a"}}' 201 "dir pool p1 created (201), user.* config is free"
mgr_expect PATCH /1.0/storage-pools/p1 '{"config":{"user.team":"b"}}' 200 "a pool's user.* keys can change"
lxt_is "$(mgr_jq '.metadata.config["user.team"]')" b "... and are stored as given"
lxt_true "p1's directory exists with custom/" test -d "$MGR_STATE/storage-pools/p1/custom"
mgr_expect POST /1.0/storage-pools '{"name":"p1","driver":"dir"}' 409 "a taken pool name: 409" "already exists"
mgr_expect POST /1.0/storage-pools/p1/volumes/custom '{"name":"v1","config":{"size":"1GiB"}}' 400 \
	"dir: size on a filesystem volume is 400" "cannot limit the size"
for s in 1.5GiB 0 -1 1gib 1G "1 GiB" 99999999999999999999 20000000PiB ""; do
	mgr_expect POST /1.0/storage-pools/p1/volumes/custom \
		"{\"name\":\"b1\",\"content_type\":\"block\",\"config\":{\"size\":\"$s\"}}" 400 \
		"size '$s' refused with 400" "invalid size"
done
mgr_expect POST /1.0/storage-pools/p1/volumes/custom '{"name":"a/b"}' 400 "volume name with '/': 400" "invalid storage volume name"
mgr_expect POST /1.0/storage-pools/p1/volumes/custom '{"name":".."}' 400 "volume name '..': 400" "invalid storage volume name"
mgr_expect POST /1.0/storage-pools/p1/volumes/custom '{"name":"v1","content_type":"raw"}' 400 "unknown content_type: 400" "content_type"
mgr_expect POST /1.0/storage-pools/p1/volumes/custom '{"name":"v1","config":{"colour":"red"}}' 400 "unknown volume config key: 400" "unknown volume config key 'colour'"
mgr_expect POST /1.0/storage-pools/p1/volumes/container '{"name":"c1"}' 400 "container volumes are not made here" "managed through /1.0/instances"
mgr_req GET /1.0/storage-pools/p1/volumes
lxt_is "$(mgr_jq -c .metadata)$(ls "$MGR_STATE/storage-pools/p1/custom" | wc -l)" "[]0" "no volume row or directory after the refusals"

mgr_expect POST /1.0/storage-pools/p1/volumes/custom '{"name":"v1","description":"data","config":{"user.x":"1"}}' 201 "filesystem volume v1 created"
lxt_is "$(mgr_jq .metadata.config[\"user.x\"])" 1 "user.* config is free and kept"
V1=$MGR_STATE/storage-pools/p1/custom/v1
echo one >"$V1/file"
mgr_expect POST /1.0/storage-pools/p1/volumes/custom/nothing/snapshots '{"name":"s1"}' 404 \
	"snapshot of a missing volume: 404" "storage volume 'nothing' not found in pool 'p1'"
lxt_false "... and no snapshot directory for it" test -e "$MGR_STATE/storage-pools/p1/custom-snapshots/nothing"
mgr_req POST /1.0/storage-pools/p1/volumes/custom/v1/snapshots '{"name":"s1"}'
lxt_is "$MGR_CODE $(mgr_jq .type)" "202 async" "volume snapshot: 202 async"
lxt_is "$(mgr_wait_op)" Success "snapshot operation succeeded"
opid=$(mgr_jq .metadata.id)
mgr_req GET /1.0/operations
lxt_match "$(mgr_jq -c .metadata.success)" "/1.0/operations/$opid" "GET /1.0/operations lists the finished operation under success"
mgr_req GET "/1.0/operations/$opid"
lxt_is "$(mgr_jq '[.metadata.status, .metadata.status_code, .metadata.class, (.metadata.resources.storage_volumes | join(","))] | join(" ")')" \
	"Success 200 task /1.0/storage-pools/p1/volumes/custom/v1" "GET one operation: status, code, class, resources"
mgr_expect DELETE "/1.0/operations/$opid" "" 409 "cancelling an operation that cannot be cancelled: 409" "cannot be cancelled"
mgr_expect GET /1.0/operations/nope "" 404 "an unknown operation: 404" "operation 'nope' not found"
mgr_expect GET "/1.0/operations/$opid/wait?timeout=x" "" 400 "a bad wait timeout: 400" "timeout"
mgr_expect POST /1.0/storage-pools/p1/volumes/custom/v1/snapshots '{"name":"s1"}' 409 "a taken snapshot name: 409" "already exists"
mgr_expect POST /1.0/storage-pools/p1/volumes/custom/v1/snapshots '{"name":"../s"}' 400 "snapshot name '../s': 400" "invalid snapshot name"
echo two >"$V1/file"
echo new >"$V1/added"
mgr_expect PUT /1.0/storage-pools/p1/volumes/custom/v1 '{"restore":"nope"}' 404 "restore of a missing snapshot: 404" "snapshot 'nope'"
lxt_is "$(cat "$V1/file")" two "... and the volume is untouched"
mgr_expect PUT /1.0/storage-pools/p1/volumes/custom/v1 '{"restore":"s1"}' 200 "restore from s1"
lxt_is "$(cat "$V1/file"):$(test -e "$V1/added" && echo kept || echo gone)" "one:gone" "restored content is the snapshot's"
mgr_req GET /1.0/storage-pools/p1/volumes/custom/v1/snapshots
lxt_is "$(mgr_jq -c .metadata)" '["/1.0/storage-pools/p1/volumes/custom/v1/snapshots/s1"]' "snapshot list"

mgr_req POST /1.0/storage-pools/p1/volumes/custom '{"name":"v2","source":{"type":"copy","pool":"p1","name":"v1"}}'
lxt_is "$MGR_CODE $(mgr_wait_op)" "202 Success" "copy v1 -> v2 (async)"
lxt_is "$(cat "$MGR_STATE/storage-pools/p1/custom/v2/file" 2>&1)" one "the copy holds v1's data"

mgr_expect POST /1.0/storage-pools/p1/volumes/custom '{"name":"b1","content_type":"block","config":{"size":"8MiB"}}' 201 "block volume b1 (8MiB)"
lxt_is "$(stat -c %s "$MGR_STATE/storage-pools/p1/custom/b1/root.img")" 8388608 "root.img is exactly 8MiB"
mgr_expect PATCH /1.0/storage-pools/p1/volumes/custom/b1 '{"config":{"size":"4MiB"}}' 400 "block volume shrink: 400" "cannot shrink"
mgr_expect PATCH /1.0/storage-pools/p1/volumes/custom/b1 '{"config":{"size":"16MiB"}}' 200 "block volume grows to 16MiB"
lxt_is "$(stat -c %s "$MGR_STATE/storage-pools/p1/custom/b1/root.img")" 16777216 "root.img is now 16MiB"
mgr_expect PATCH /1.0/storage-pools/p1/volumes/custom/b1 '{"config":{"size":"x"}}' 400 "resize to a bad size: 400" "invalid size"

# ETag / If-Match
mgr_req GET /1.0/storage-pools/p1/volumes/custom/v1 "" -D "$MGR_T/headers"
etag=$(sed -n 's/^ETag: *//Ip' "$MGR_T/headers" | tr -d '\r')
lxt_match "$etag" '^"[0-9a-f]{64}"$' "GET sets an ETag"
mgr_req PATCH /1.0/storage-pools/p1/volumes/custom/v1 '{"description":"x"}' -H 'If-Match: "stale"'
lxt_is "$MGR_CODE" 412 "PATCH with a stale If-Match: 412"
mgr_req PATCH /1.0/storage-pools/p1/volumes/custom/v1 '{"description":"y"}' -H "If-Match: $etag"
lxt_is "$MGR_CODE $(mgr_jq .metadata.description)" "200 y" "PATCH with the current If-Match works"

# GET-edit-PUT: read-only fields of GET are ignored
mgr_req GET /1.0/storage-pools/p1/volumes/custom/v1
mgr_expect PUT /1.0/storage-pools/p1/volumes/custom/v1 "$(mgr_jq -c '.metadata | .description = "edited"')" 200 "volume GET-edit-PUT works"
lxt_is "$(mgr_jq .metadata.description):$(mgr_jq '.metadata.config["user.x"]')" "edited:1" "... the edit applied, config kept"
mgr_req GET /1.0/storage-pools/p1
mgr_expect PUT /1.0/storage-pools/p1 "$(mgr_jq -c '.metadata | .description = "pool edited"')" 200 "pool GET-edit-PUT works"
mgr_expect PATCH /1.0/storage-pools/p1 '{"config":{"source":"/tmp"}}' 400 "changing a pool's source: 400" "config key 'source' of storage pool 'p1' cannot be changed"
mkdir -p "$MGR_T/full" && touch "$MGR_T/full/x"
mgr_expect POST /1.0/storage-pools "{\"name\":\"f\",\"driver\":\"dir\",\"config\":{\"source\":\"$MGR_T/full\"}}" 400 \
	"a dir pool on a non-empty source: 400" "is not empty"
mgr_expect POST /1.0/storage-pools '{"name":"f","driver":"dir","config":{"source":"/nonexistent/x"}}' 400 \
	"a dir pool on a missing source: 400" "does not exist"

# rename
mgr_expect POST /1.0/storage-pools/p1/volumes/custom/v2 '{"name":"v1"}' 409 "rename onto a taken name: 409"
mgr_expect POST /1.0/storage-pools/p1/volumes/custom/v2 '{"name":"v3"}' 200 "rename v2 -> v3 (sync 200)"
lxt_true "v3's directory exists" test -d "$MGR_STATE/storage-pools/p1/custom/v3"

# pool delete with volumes: 409 listing them, nothing changed
mgr_expect DELETE /1.0/storage-pools/p1 "" 409 "deleting a pool with volumes: 409" \
	"storage pool 'p1' is in use by custom volume 'b1', custom volume 'v1', custom volume 'v3'"
mgr_req GET /1.0/storage-pools/p1/volumes
lxt_is "$(mgr_jq '.metadata | length')" 3 "... the volumes are all still there"

mgr_req GET /1.0/storage-pools/p1/resources
lxt_num "$(mgr_jq .metadata.space.total)" -gt 0 "pool resources report a total"

# MG-15: a dir pool whose source directory vanished while the manager was down
mkdir "$MGR_T/mg-gone"
mgr_expect POST /1.0/storage-pools "{\"name\":\"g\",\"driver\":\"dir\",\"config\":{\"source\":\"$MGR_T/mg-gone\"}}" 201 "dir pool g on source $MGR_T/mg-gone"
lxt_is "$(readlink "$MGR_STATE/storage-pools/g")" "$MGR_T/mg-gone" "g's pool path is a symlink to the source"
mgr_expect POST /1.0/storage-pools/g/volumes/custom '{"name":"gv"}' 201 "volume gv on g"
mgr_stop TERM
lxt_is "$MGR_EXIT" 0 "SIGTERM: exit status 0"
lxt_false "SIGTERM removed the socket" test -e "$MGR_SOCK"
mv "$MGR_T/mg-gone" "$MGR_T/mg-kept"
start=$(date +%s%N)
LXKIT_POOL_RECHECK_SECONDS=1 mgr_start || lxt_bail "the manager did not start with a pool's source missing"
lxt_num $((($(date +%s%N) - start) / 1000000)) -lt 2000 "MG-15: the manager serves within 2 s with a source missing"
mgr_req GET /1.0/storage-pools/g
lxt_is "$(mgr_jq .metadata.status)|$(mgr_jq .metadata.status_reason)" "Unavailable|source $MGR_T/mg-gone missing" \
	"MG-15: g is Unavailable with the reason"
mgr_expect POST /1.0/storage-pools/g/volumes/custom '{"name":"gv2"}' 503 "MG-15: a volume on g: 503 naming g" "storage pool 'g' is unavailable: source"
mgr_req GET /1.0/storage-pools/p1
lxt_is "$(mgr_jq .metadata.status)" Created "MG-15: p1 is unaffected"
lxt_is "$(cat "$V1/file")" one "p1's data survived the restart"
mv "$MGR_T/mg-kept" "$MGR_T/mg-gone"
for _ in $(seq 50); do
	mgr_req GET /1.0/storage-pools/g
	[ "$(mgr_jq .metadata.status)" = Created ] && break
	sleep 0.1
done
lxt_is "$(mgr_jq .metadata.status)" Created "MG-15: g is available again once its source is back, at the next recheck (1 s here, 30 s by default)"
lxt_match "$(cat "$MGR_LOG")" "Storage pool 'g' is available again" "... and that is logged"
mgr_expect POST /1.0/storage-pools/g/volumes/custom '{"name":"gv2"}' 201 "MG-15: g takes volumes again"
mgr_expect DELETE /1.0/storage-pools/g/volumes/custom/gv2 "" 200 "delete gv2"
mgr_stop TERM
mgr_start || lxt_bail "restart failed"
mgr_req GET /1.0/storage-pools/g
lxt_is "$(mgr_jq .metadata.status)" Created "MG-15: g is available after a restart too"

# MG-12 step 4: a database from a host that had a zfs pool
mgr_stop TERM
"$LXT_PY" - "$MGR_STATE/manager.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
with db:
    cur = db.execute("INSERT INTO storage_pools (name, driver, config, state, created_at) VALUES "
                     "('mg-z9', 'zfs', '{\"zfs.pool_name\":\"tank\"}', 'created', "
                     "'2026-01-01T00:00:00.000000Z')")
    db.execute("INSERT INTO storage_volumes (pool_id, name, type, state, created_at) VALUES "
               "(?, 'zv', 'custom', 'created', '2026-01-01T00:00:00.000000Z')", (cur.lastrowid,))
PY
mgr_start || lxt_bail "MG-12: the manager did not start with a zfs pool in its database"
mgr_req GET /1.0/storage-pools/mg-z9
lxt_is "$(mgr_jq .metadata.status)" Unavailable "MG-12: the zfs pool from another host is Unavailable"
lxt_match "$(mgr_jq .metadata.status_reason)" "driver zfs unavailable: zpool not found in PATH" "... with the concrete reason"
mgr_expect POST /1.0/storage-pools/mg-z9/volumes/custom '{"name":"zv2"}' 503 "MG-12: a volume on it: 503 with the reason" "mg-z9' is unavailable: driver zfs unavailable"
mgr_req GET /1.0/storage-pools/p1
lxt_is "$(mgr_jq .metadata.status)" Created "MG-12: the other pools are unaffected"
mgr_expect DELETE /1.0/storage-pools/mg-z9/volumes/custom/zv "" 200 "MG-12: its volume record can be deleted"
mgr_expect DELETE /1.0/storage-pools/mg-z9 "" 200 "MG-12: its record can be deleted"

# /1.0/events as a websocket (Upgrade: websocket): one text frame per event
ws=$("$LXT_PY" - "$MGR_SOCK" <<'PY' 2>&1
import base64, json, os, socket, sys
ws = socket.socket(socket.AF_UNIX)
ws.connect(sys.argv[1])
key = base64.b64encode(os.urandom(16)).decode()
ws.sendall(("GET /1.0/events?type=lifecycle HTTP/1.1\r\nHost: lxkit\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
            % key).encode())
head = b""
while b"\r\n\r\n" not in head:
    head += ws.recv(1)
print(head.split(b"\r\n")[0].decode())
c = socket.socket(socket.AF_UNIX)
c.connect(sys.argv[1])
body = b'{"name":"ws","driver":"dir"}'
c.sendall(b"POST /1.0/storage-pools HTTP/1.1\r\nHost: lxkit\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
c.recv(4096)
ws.settimeout(10)
def recv_exact(n):
    b = b""
    while len(b) < n:
        b += ws.recv(n - len(b))
    return b
op, ln = recv_exact(2)
ln &= 0x7f
if ln == 126:
    ln = int.from_bytes(recv_exact(2), "big")
elif ln == 127:
    ln = int.from_bytes(recv_exact(8), "big")
ev = json.loads(recv_exact(ln))
print("opcode=%x %s %s" % (op, ev["metadata"]["action"], ev["metadata"]["source"]))
PY
)
lxt_match "$ws" "HTTP/1.1 101" "/1.0/events with Upgrade: websocket switches protocols"
lxt_match "$ws" "opcode=81 storage-pool-created /1.0/storage-pools/ws" "... and sends the event as one text frame"
mgr_expect DELETE /1.0/storage-pools/ws "" 200 "delete pool ws"

# clean delete of everything
for v in v1 v3 b1; do
	mgr_expect DELETE /1.0/storage-pools/p1/volumes/custom/$v "" 200 "delete volume $v"
done
lxt_false "v1's snapshots went with it" test -e "$MGR_STATE/storage-pools/p1/custom-snapshots/v1/s1"
mgr_expect DELETE /1.0/storage-pools/p1/volumes/custom/v1 "" 404 "deleting it again: 404"
mgr_expect DELETE /1.0/storage-pools/p1 "" 200 "delete pool p1"
lxt_false "p1's directory is gone" test -e "$MGR_STATE/storage-pools/p1"
mgr_expect DELETE /1.0/storage-pools/g/volumes/custom/gv "" 200 "delete gv"
mgr_expect DELETE /1.0/storage-pools/g "" 200 "delete pool g"
lxt_is "$(ls -A "$MGR_T/mg-gone" | wc -l):$(test -L "$MGR_STATE/storage-pools/g" && echo link)" "0:" \
	"g's source is emptied of our directories and the link is gone"

sleep 0.3
kill "$ev_pid" 2>/dev/null
wait "$ev_pid" 2>/dev/null
lxt_match "$(jq -r '.metadata.action + " " + .metadata.source' "$MGR_T/events.ndjson" 2>/dev/null | tr '\n' ',')" \
	"storage-pool-created /1.0/storage-pools/p1,.*storage-volume-snapshot-created /1.0/storage-pools/p1/volumes/custom/v1/snapshots/s1,.*storage-volume-restored" \
	"/1.0/events streamed the lifecycle events as ndjson"

mgr_stop TERM
# a stale socket file is replaced
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$MGR_SOCK"
mgr_start
lxt_is "$?" 0 "a stale socket file with no listener is replaced"
mgr_stop INT
lxt_is "$MGR_EXIT" 0 "SIGINT: exit status 0"
mgr_cleanup
lxt_is "$(mgr_mounts | wc -l) $(mgr_loops | wc -l)" "0 0" "no mounts or loop devices left"
lxt_done
