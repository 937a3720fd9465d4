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

mgr_stop TERM
lxt_is "$MGR_EXIT" 0 "SIGTERM: exit 0"
mgr_cleanup
lxt_is "$(mgr_mounts | wc -l) $(mgr_loops | wc -l)" "0 0" "no mounts or loop devices left"
lxt_done
