#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lxmanagerd with a btrfs pool on a loop file it makes: volumes as subvolumes with qgroup
# quotas checked by writing real data, resize, snapshot, restore, copy, block volumes, pool
# delete leaving nothing (§8), MG-13 (pool in use, temporary leftovers, a vanished loop
# file), and a pool that cannot be mounted at start (MG-15).
. "$(dirname "$0")/test-manager-lib.sh"

mgr_init
lxt_require_tools mkfs.btrfs btrfs
grep -qw btrfs /proc/filesystems || modprobe btrfs 2>/dev/null || lxt_skip "no btrfs in this kernel"
mgr_start || lxt_bail "lxmanagerd did not start: $(tail -5 "$MGR_LOG")"

P=$MGR_STATE/storage-pools/mg-b1
IMG=$MGR_STATE/disks/mg-b1.img

mgr_expect POST /1.0/storage-pools '{"name":"mg-b1","driver":"btrfs","config":{"size":"64MiB"}}' 400 \
	"a btrfs pool below 128MiB: 400" "below the btrfs minimum"
mgr_expect POST /1.0/storage-pools '{"name":"mg-b1","driver":"btrfs","config":{"size":"1000PiB"}}' 507 \
	"a loop file larger than the filesystem holding it: 507" "not enough space for a loop file of '1000PiB'"
lxt_is "$(ls -A "$MGR_STATE/disks" 2>/dev/null | wc -l)$(mgr_loops | wc -l)" "00" "... and nothing was made"
mgr_expect POST /1.0/storage-pools '{"name":"mg-b1","driver":"btrfs","config":{"size":"512MiB"}}' 201 \
	"btrfs pool mg-b1 on a 512MiB loop file"
lxt_is "$(stat -c %s "$IMG" 2>&1)" 536870912 "loop file is exactly 512MiB"
lxt_is "$(findmnt -n -o FSTYPE "$P")" btrfs "the pool is a mounted btrfs"
lxt_match "$(findmnt -n -o OPTIONS "$P")" "user_subvol_rm_allowed" "... with the default mount options"
lxt_is "$(mgr_loops | wc -l)" 1 "one loop device attached"

# filesystem volume with a qgroup quota
mgr_expect POST /1.0/storage-pools/mg-b1/volumes/custom '{"name":"v1","config":{"size":"16MiB"}}' 201 "volume v1 with size 16MiB"
V1=$P/custom/v1
lxt_is "$(stat -f -c %T "$V1") $(btrfs subvolume show "$V1" >/dev/null 2>&1 && echo subvol)" "btrfs subvol" "v1 is a btrfs subvolume"
dd if=/dev/urandom of="$V1/big" bs=1M count=32 conv=fsync 2>"$MGR_T/dd.err"
lxt_match "$(cat "$MGR_T/dd.err")" "Disk quota exceeded" "writing 32MiB into a 16MiB volume hits the quota"
rm -f "$V1/big"
sync
btrfs quota rescan -w "$P" >/dev/null 2>&1
mgr_expect PATCH /1.0/storage-pools/mg-b1/volumes/custom/v1 '{"config":{"size":"64MiB"}}' 200 "resize v1 to 64MiB"
lxt_true "32MiB fit after the resize" dd if=/dev/urandom of="$V1/big" bs=1M count=32 conv=fsync status=none
rm -f "$V1/big"
mgr_req GET /1.0/storage-pools/mg-b1/volumes/custom/v1
lxt_is "$(mgr_jq .metadata.config.size)" 64MiB "the size is stored as given"

echo before >"$V1/data"
mgr_req POST /1.0/storage-pools/mg-b1/volumes/custom/v1/snapshots '{"name":"s1"}'
lxt_is "$MGR_CODE $(mgr_wait_op)" "202 Success" "snapshot s1"
S1=$P/custom-snapshots/v1/s1
lxt_is "$(btrfs property get -ts "$S1" ro 2>&1)" "ro=true" "s1 is a read-only btrfs snapshot"
echo after >"$V1/data"
echo extra >"$V1/extra"
mgr_expect PUT /1.0/storage-pools/mg-b1/volumes/custom/v1 '{"restore":"s1"}' 200 "restore v1 from s1"
lxt_is "$(cat "$V1/data"):$(test -e "$V1/extra" && echo kept || echo gone)" "before:gone" "v1 has s1's data again"
lxt_true "the restored v1 is a writable subvolume" touch "$V1/writable"
dd if=/dev/urandom of="$V1/big" bs=1M count=80 conv=fsync 2>"$MGR_T/dd.err"
lxt_match "$(cat "$MGR_T/dd.err")" "Disk quota exceeded" "the quota holds after the restore"
rm -f "$V1/big" "$V1/writable"
lxt_is "$(ls "$P/custom" | grep -c '^\.')" 0 "no temporary entries left by the restore"

mgr_req POST /1.0/storage-pools/mg-b1/volumes/custom/v1/snapshots '{"name":"s2","description":"second"}'
lxt_is "$(mgr_wait_op)" Success "snapshot s2"
mgr_req GET /1.0/storage-pools/mg-b1/volumes/custom/v1/snapshots/s2
lxt_is "$MGR_CODE $(mgr_jq .metadata.name) $(mgr_jq .metadata.description)" "200 s2 second" "GET one snapshot"
mgr_expect DELETE /1.0/storage-pools/mg-b1/volumes/custom/v1/snapshots/s2 "" 200 "DELETE snapshot s2"
lxt_false "s2's subvolume is gone" test -e "$P/custom-snapshots/v1/s2"
mgr_expect GET /1.0/storage-pools/mg-b1/volumes/custom/v1/snapshots/s2 "" 404 "s2 is 404 afterwards" "snapshot 's2'"
mgr_expect DELETE /1.0/storage-pools/mg-b1/volumes/custom/v1/snapshots/s2 "" 404 "deleting s2 again: 404"
lxt_true "s1 is untouched" test -e "$S1/data"

mgr_req POST /1.0/storage-pools/mg-b1/volumes/custom '{"name":"v2","source":{"type":"copy","pool":"mg-b1","name":"v1"}}'
lxt_is "$MGR_CODE $(mgr_wait_op)" "202 Success" "copy v1 -> v2"
lxt_is "$(cat "$P/custom/v2/data" 2>&1)" before "v2 has v1's data"
lxt_true "v2 is a subvolume" sh -c 'btrfs subvolume show "$1" >/dev/null 2>&1' _ "$P/custom/v2"

mgr_expect POST /1.0/storage-pools/mg-b1/volumes/custom '{"name":"blk","content_type":"block","config":{"size":"32MiB"}}' 201 "block volume 32MiB"
lxt_is "$(stat -c %s "$P/custom/blk/root.img")" 33554432 "root.img is 32MiB"
mgr_expect POST /1.0/storage-pools/mg-b1/volumes/custom '{"name":"huge","content_type":"block","config":{"size":"1TiB"}}' 507 \
	"a block volume larger than the pool's free space: 507" "not enough space in storage pool 'mg-b1'"
lxt_false "... and no volume directory" test -e "$P/custom/huge"
mgr_expect PATCH /1.0/storage-pools/mg-b1/volumes/custom/blk '{"config":{"size":"16MiB"}}' 400 "block shrink: 400" "cannot shrink"
mgr_expect PATCH /1.0/storage-pools/mg-b1/volumes/custom/blk '{"config":{"size":"48MiB"}}' 200 "block grows to 48MiB"
lxt_is "$(stat -c %s "$P/custom/blk/root.img")" 50331648 "root.img is 48MiB"

mgr_expect PATCH /1.0/storage-pools/mg-b1 '{"config":{"size":"256MiB"}}' 400 "pool shrink: 400" "cannot shrink"
mgr_expect PATCH /1.0/storage-pools/mg-b1 '{"config":{"size":"640MiB"}}' 200 "pool grows to 640MiB"
lxt_is "$(stat -c %s "$IMG")" 671088640 "loop file is 640MiB"
mgr_req GET /1.0/storage-pools/mg-b1/resources
lxt_num "$(mgr_jq .metadata.space.total)" -gt 600000000 "the filesystem grew (resources total)"

# a copy across pools: dir -> btrfs (a subvolume filled by a reflink-where-possible copy)
mgr_expect POST /1.0/storage-pools '{"name":"mg-d","driver":"dir"}' 201 "dir pool mg-d"
mgr_expect POST /1.0/storage-pools/mg-d/volumes/custom '{"name":"dv"}' 201 "volume dv on mg-d"
echo from-dir >"$MGR_STATE/storage-pools/mg-d/custom/dv/f"
mgr_req POST /1.0/storage-pools/mg-b1/volumes/custom '{"name":"fromdir","source":{"type":"copy","pool":"mg-d","name":"dv"}}'
lxt_is "$MGR_CODE $(mgr_wait_op)" "202 Success" "copy mg-d/dv -> mg-b1/fromdir"
lxt_is "$(cat "$P/custom/fromdir/f" 2>&1)" from-dir "the cross-pool copy has the data"
lxt_true "... in a subvolume" sh -c 'btrfs subvolume show "$1" >/dev/null 2>&1' _ "$P/custom/fromdir"
mgr_req POST /1.0/storage-pools/mg-b1/volumes/custom '{"name":"nosrc","source":{"type":"copy","pool":"mg-d","name":"nothing"}}'
lxt_is "$MGR_CODE" 404 "a copy of a missing volume: 404"
for x in "mg-b1/volumes/custom/fromdir" "mg-d/volumes/custom/dv" "mg-d"; do
	mgr_expect DELETE "/1.0/storage-pools/$x" "" 200 "delete $x"
done

# MG-13 step 2: in use
mgr_expect DELETE /1.0/storage-pools/mg-b1 "" 409 "MG-13: pool delete with volumes: 409 listing them" \
	"in use by custom volume 'blk', custom volume 'v1', custom volume 'v2'"
lxt_is "$(findmnt -n -o FSTYPE "$P"):$(mgr_loops | wc -l)" "btrfs:1" "... nothing changed"

# MG-13 step 4/5: a leftover with the manager's temporary naming goes with its volume; an
# unknown subvolume in a loop-backed pool (the manager owns the filesystem) goes with the pool
btrfs subvolume create "$P/custom/.restore-v2" >/dev/null
btrfs subvolume create "$P/custom/mg-stray" >/dev/null
mgr_expect DELETE /1.0/storage-pools/mg-b1/volumes/custom/v2 "" 200 "delete v2"
lxt_false "v2's temporary leftover .restore-v2 was removed with it" test -e "$P/custom/.restore-v2"
mgr_stop TERM
mgr_start || lxt_bail "restart failed"
mgr_req GET /1.0/storage-pools/mg-b1
lxt_match "$(mgr_jq .metadata.status_reason)" "storage without a record: custom/mg-stray" \
	"reconcile reports the unknown subvolume in status_reason (kept, not deleted)"
lxt_true "... and it is still there" test -d "$P/custom/mg-stray"
mgr_expect POST /1.0/storage-pools/mg-b1/volumes/custom '{"name":"mg-stray"}' 409 \
	"creating a volume over storage without a record: 409 naming it" "custom/mg-stray' already exists in pool 'mg-b1' without a record"
lxt_true "... and the stray subvolume is untouched" test -d "$P/custom/mg-stray"
lxt_match "$(cat "$MGR_LOG")" "custom/mg-stray' in pool 'mg-b1' has no record" "... and in the log"
lxt_is "$(cat "$V1/data")" before "v1's data survived the restart (pool stayed mounted)"

for v in v1 blk; do
	mgr_expect DELETE /1.0/storage-pools/mg-b1/volumes/custom/$v "" 200 "delete $v"
done
lxt_false "v1's snapshot s1 went with it" test -e "$S1"
mgr_expect DELETE /1.0/storage-pools/mg-b1 "" 200 "MG-13: delete mg-b1 (the loop-backed filesystem is the manager's)"
lxt_is "$(test -e "$IMG" && echo file)$(findmnt -n "$P" >/dev/null && echo mount)$(test -e "$P" && echo dir)$(mgr_loops | wc -l)" \
	"0" "§8: no loop file, mount, mount point or loop device left"

# MG-13 step 6/7: the loop file vanished while the manager was down
touch "$MGR_STATE/disks/mg-x.img"
mgr_expect POST /1.0/storage-pools '{"name":"mg-x","driver":"btrfs","config":{"size":"200MiB"}}' 409 \
	"a pool whose loop file exists without a record: 409" "cannot create loop file.*File exists"
lxt_is "$(stat -c %s "$MGR_STATE/disks/mg-x.img")$(mgr_loops | wc -l)" "00" "... the file is untouched and no loop device attached"
rm -f "$MGR_STATE/disks/mg-x.img"
mgr_expect POST /1.0/storage-pools '{"name":"mg-r","driver":"btrfs","config":{"size":"200MiB"}}' 201 "pool mg-r"
mgr_expect POST /1.0/storage-pools/mg-r/volumes/custom '{"name":"rv"}' 201 "volume rv on mg-r"
mgr_stop TERM
umount "$MGR_STATE/storage-pools/mg-r"
for l in $(mgr_loops); do losetup -d "$l"; done
rm -f "$MGR_STATE/disks/mg-r.img"
mgr_start || lxt_bail "MG-15: the manager did not start with a loop file missing"
mgr_req GET /1.0/storage-pools/mg-r
lxt_is "$(mgr_jq .metadata.status)|$(mgr_jq .metadata.status_reason)" "Unavailable|loop file missing" \
	"MG-13: mg-r is Unavailable with 'loop file missing'"
mgr_expect POST /1.0/storage-pools/mg-r/volumes/custom/rv/snapshots '{"name":"s"}' 503 "a snapshot on mg-r: 503 naming it" "storage pool 'mg-r' is unavailable: loop file missing"
mgr_expect DELETE /1.0/storage-pools/mg-r/volumes/custom/rv "" 200 "MG-13: the volume of the vanished pool can be deleted"
mgr_expect DELETE /1.0/storage-pools/mg-r "" 200 "MG-13: the vanished pool can be deleted"
lxt_is "$(ls -A "$MGR_STATE/storage-pools" | wc -l)$(mgr_loops | wc -l)$(mgr_mounts | wc -l)" "000" "nothing is left of mg-r"

# a btrfs pool on a given block device (a loop device the test attaches)
truncate -s 256M "$MGR_T/dev.img"
DEV=$(losetup --find --show "$MGR_T/dev.img")
mgr_expect POST /1.0/storage-pools "{\"name\":\"mg-s\",\"driver\":\"btrfs\",\"config\":{\"source\":\"$DEV\",\"size\":\"1GiB\"}}" 400 \
	"source with size: 400" "only to a loop-backed pool"
mgr_expect POST /1.0/storage-pools '{"name":"mg-s","driver":"btrfs","config":{"source":"/dev/null"}}' 400 \
	"a source that is no block device: 400" "must be a block device"
mgr_expect POST /1.0/storage-pools "{\"name\":\"mg-s\",\"driver\":\"btrfs\",\"config\":{\"source\":\"$DEV\"}}" 201 "btrfs pool mg-s on $DEV"
lxt_is "$(findmnt -n -o SOURCE "$MGR_STATE/storage-pools/mg-s")" "$DEV" "mg-s is mounted from $DEV"
lxt_false "no loop file for a pool with a source" test -e "$MGR_STATE/disks/mg-s.img"
mgr_expect POST /1.0/storage-pools "{\"name\":\"mg-s2\",\"driver\":\"btrfs\",\"config\":{\"source\":\"$DEV\"}}" 400 \
	"a source device in use (mounted): 400" "is in use"
mgr_expect POST /1.0/storage-pools/mg-s/volumes/custom '{"name":"sv","config":{"size":"8MiB"}}' 201 "a volume on mg-s"
mgr_stop TERM
umount "$MGR_STATE/storage-pools/mg-s"
mgr_start || lxt_bail "restart failed"
lxt_is "$(findmnt -n -o SOURCE "$MGR_STATE/storage-pools/mg-s")" "$DEV" "the manager mounts the source device again at start"
mgr_expect DELETE /1.0/storage-pools/mg-s/volumes/custom/sv "" 200 "delete sv"
mgr_expect DELETE /1.0/storage-pools/mg-s "" 200 "delete mg-s"
lxt_is "$(findmnt -n "$MGR_STATE/storage-pools/mg-s" | wc -l)$(test -e "$MGR_STATE/storage-pools/mg-s" && echo dir)" "0" \
	"mg-s is unmounted and its mount point gone"
losetup -d "$DEV"

mgr_stop TERM
lxt_is "$MGR_EXIT" 0 "SIGTERM: exit 0"
mgr_cleanup
lxt_is "$(mgr_mounts | wc -l) $(mgr_loops | wc -l)" "0 0" "no mounts or loop devices left"
lxt_done
