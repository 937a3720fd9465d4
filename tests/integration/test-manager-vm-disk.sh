#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lxmanagerd virtual machines from a disk image, their config changes, snapshots and copies
# (issue 10): a bootable disk image of the test guest (helpers/vm-disk-build.sh: MBR, FAT12,
# SYSLINUX, the guest's kernel and initramfs), converted to qcow2, is imported into a VM's root
# disk (source type image) and SeaBIOS boots it to the guest's /init; PATCH/PUT of the running
# VM's config stores limits.* for its next start and says so, bad values are 400 and change
# nothing; a snapshot of the running VM (QMP stop, copy, cont) brings a marker written into
# the disk back on restore; a copy of the stopped VM has the same disk and devices. A nic
# (virtio-net-pci on a PCIe root port, whose unplug the guest's pciehp must answer) removed
# while the guest is paused (QMP stop) fails after LXKIT_VM_DETACH_TIMEOUT=2 s with a clear
# error and stays attached and configured; once the guest runs again its removal completes.
# The root disk as a file on a btrfs pool: import, snapshot, restore and copy.
# Environment: MGR_BIN, LXT_VM_CACHE (where the guest and its disk image are cached).
. "$(dirname "$0")/test-manager-lib.sh"

T0=$(date +%s.%N)
mgr_init
lxt_require_tools qemu-system-x86_64 qemu-img busybox mkfs.vfat mcopy syslinux cmp
: "${LXT_VM_CACHE:=$MGR_LIB_DIR/../../build/vmguest-cache}"
GUEST=$(bash "$MGR_LIB_DIR/helpers/vm-guest-build.sh" "$LXT_VM_CACHE" 2>"$MGR_T/guest-build.err") ||
	lxt_skip "cannot build the test guest: $(tail -1 "$MGR_T/guest-build.err")"
KERNEL=$(sed -n 1p <<<"$GUEST")
INITRD=$(sed -n 2p <<<"$GUEST")
DISK=$(bash "$MGR_LIB_DIR/helpers/vm-disk-build.sh" "$LXT_VM_CACHE" "$KERNEL" "$INITRD" 2>"$MGR_T/disk-build.err") ||
	lxt_bail "cannot build the guest's disk image: $(tail -1 "$MGR_T/disk-build.err")"

S=$(($$ % 100000))
BR=lxkt${S}db	# a bridge for the nic (at most 15 characters)
TAP=lxkt${S}dt	# the nic's tap
trap '_mgr_rc=$?; mgr_vm_kill_all; ip link del "$BR" 2>/dev/null; mgr_cleanup; (exit $_mgr_rc); _lxt_on_exit' EXIT

export LXKIT_VM_DETACH_TIMEOUT=2	# the wait for DEVICE_DELETED (default 30 s)
mgr_start --test-fail 'instance-create/image' || lxt_bail "lxmanagerd did not start: $(tail -5 "$MGR_LOG")"
mgr_req POST /1.0/storage-pools '{"name":"vp","driver":"dir"}'
[ "$MGR_CODE" = 201 ] || lxt_bail "dir pool: HTTP $MGR_CODE $(mgr_jq .error)"

CON=$MGR_STATE/logs/vmd/console.log
console_wait() { # ERE [TIMEOUT-S]
	local i n=$((${2:-30} * 10))
	for ((i = 0; i < n; i++)); do
		tr -d '\r' <"$CON" 2>/dev/null | grep -Eq "$1" && return 0
		sleep 0.1
	done
	return 1
}
op_ok() { # DESC: the last async request's operation succeeded
	local st sync=$MGR_BODY
	mgr_wait_op >"$MGR_T/op.status"
	st=$(cat "$MGR_T/op.status")
	if [ "$st" = Success ]; then
		lxt_pass "$1 ($(printf '%.1f' "$(echo "$(date +%s.%N) - $T0" | bc)") s)"
	else
		lxt_fail "$1" "$st: $(mgr_jq .metadata.err) $(jq -r .error <<<"$sync")" Success
	fi
}
vm_body() { # NAME IMAGE [SIZE]: a create request from a disk image
	jq -cn --arg n "$1" --arg i "$2" --arg s "${3-}" \
		'{name:$n,type:"virtual-machine",source:{type:"image",source:$i},
		  config:{"limits.memory":"256MiB"},
		  devices:{root:({type:"disk",path:"/",pool:"vp"} + (if $s == "" then {} else {size:$s} end))}}'
}
MARK_OFF=$((60 * 1024 * 1024))	# beyond the image's 48 MiB, inside the 64 MiB root disk
mark_write() { printf '%-16s' "$2" | dd of="$1" bs=1 seek="$MARK_OFF" conv=notrunc status=none; }
mark_read() { dd if="$1" bs=1 skip="$MARK_OFF" count=16 status=none | tr -d ' \0'; }

# --- the image: qcow2 of the raw bootable disk ---
QCOW=$MGR_T/guest.qcow2
qemu-img convert -f raw -O qcow2 "$DISK" "$QCOW" || lxt_bail "qemu-img convert to qcow2 failed"
qemu-img create -q -f qcow2 -b "$QCOW" -F qcow2 "$MGR_T/overlay.qcow2" || lxt_bail "qemu-img create failed"
mkdir "$MGR_T/adir"

# --- create: errors, then vmd from the qcow2 image ---
mgr_expect POST /1.0/instances "$(vm_body vmd "$MGR_T/missing.img")" 400 \
	"an image that does not exist: 400" "not a readable absolute path"
mgr_expect POST /1.0/instances "$(vm_body vmd "$MGR_T/adir")" 400 \
	"a directory as the image: 400" "not a regular file"
mgr_expect POST /1.0/instances "$(vm_body vmd "$MGR_T/overlay.qcow2")" 400 \
	"a qcow2 with a backing file: 400" "has a backing file"
mgr_expect POST /1.0/instances "$(vm_body vmd "$QCOW" 16MiB)" 400 \
	"a root disk smaller than the image: 400" "smaller than the disk image"
mgr_expect POST /1.0/instances '{"name":"vmd","type":"virtual-machine","source":{"type":"image"},"devices":{"root":{"type":"disk","path":"/","pool":"vp"}}}' \
	400 "source type image without a source: 400" "needs 'source'"
mgr_req GET /1.0/instances
lxt_is "$(mgr_jq -c .metadata)" "[]" "... and no instance was made"
mgr_req POST /1.0/instances "$(vm_body vmf "$QCOW" 64MiB)"
mgr_wait_op >"$MGR_T/op.status"
lxt_is "$(cat "$MGR_T/op.status"): $(mgr_jq -r .metadata.err)" "Failure: injected failure at instance-create/image" \
	"an import that fails (test hook at instance-create/image) fails the create"
mgr_req GET /1.0/instances
lxt_is "$(mgr_jq -c .metadata)" "[]" "... no instance is left"
lxt_is "$(ls -A "$MGR_STATE/storage-pools/vp/containers" 2>&1)/$(ls -A "$MGR_STATE/vms" 2>/dev/null)" "/" \
	"... no root volume and no VM marker either"
mgr_stop TERM
mgr_start || lxt_bail "lxmanagerd did not restart: $(tail -5 "$MGR_LOG")"

TB=$(date +%s.%N)
mgr_req POST /1.0/instances "$(vm_body vmd "$QCOW" 64MiB)"
op_ok "vmd created from the qcow2 image (imported with qemu-img convert)"
mgr_req GET /1.0/instances/vmd
lxt_is "$(mgr_jq -r '.metadata.config["image.format"]')/$(mgr_jq -r '.metadata.config["vm.kernel"]')" "qcow2/null" \
	"its config records image.format=qcow2 and has no vm.kernel"
ROOT=$(cat "$MGR_STATE/vms/vmd/vm" 2>/dev/null)
lxt_is "$(stat -c %s "$ROOT" 2>&1)" 67108864 "its root disk is a 64MiB raw root.img"
lxt_true "its first 48MiB are the image's" cmp -n 50331648 "$DISK" "$ROOT"
mgr_req PUT /1.0/instances/vmd/state '{"action":"start"}'
op_ok "vmd started"
mgr_req GET /1.0/instances/vmd/state
QPID=$(mgr_jq .metadata.pid)
CMDLINE=$(tr '\0' ' ' <"/proc/$QPID/cmdline" 2>/dev/null)
lxt_false "QEMU $QPID has no -kernel: the firmware boots the disk" grep -q -- "-kernel" <<<"$CMDLINE"

# --- config changes of the running VM ---
mgr_req PATCH /1.0/instances/vmd '{"config":{"limits.memory":"512MiB","user.note":"x"}}'
op_ok "PATCH limits.memory=512MiB of the running vmd"
lxt_is "$(mgr_jq -c .metadata.metadata.restart_required)" '["limits.memory"]' \
	"... the operation says limits.memory applies at the next start"
lxt_match "$(tr '\0' ' ' <"/proc/$QPID/cmdline")" " -m 256 " "... QEMU still has 256 MiB"
for bad in '{"config":{"limits.memory":"12MiB"}}|at least 64MiB' \
	'{"config":{"limits.cpu":"two"}}|vCPU count' \
	'{"config":{"boot.autostart":"maybe"}}|boot.autostart' \
	'{"config":{"vm.initrd":"/etc/hostname"}}|need .vm.kernel' \
	"{\"config\":{\"vm.kernel\":\"$MGR_T/nope\"}}|not a readable" \
	'{"config":{"volatile.x":"1"}}|written by the manager' \
	'{"config":{"raw.lxc":"x"}}|does not apply to a virtual machine' \
	'{"devices":{"root":{"type":"disk","path":"/","pool":"vp"},"x":{"type":"disk","source":"/dev/null"}}}|change through'; do
	mgr_expect PATCH /1.0/instances/vmd "${bad%|*}" 400 "PATCH ${bad%|*}: 400" "${bad#*|}"
done
mgr_req GET /1.0/instances/vmd
lxt_is "$(mgr_jq -r '.metadata.config | [.["limits.memory"], .["limits.cpu"], .["user.note"], .["boot.autostart"]] | join(",")')" \
	"512MiB,,x," "... and the config is unchanged by them"
BODY=$(mgr_jq -c '.metadata | .config["boot.autostart"] = "false" | del(.config["user.note"])')
mgr_req PUT /1.0/instances/vmd "$BODY"
op_ok "GET-edit-PUT (boot.autostart=false, user.note dropped, devices as they are)"
lxt_is "$(mgr_jq -c .metadata.metadata.restart_required)" "null" "... nothing waits for a restart"
mgr_req GET /1.0/instances/vmd
lxt_is "$(mgr_jq -r '.metadata.config | [.["boot.autostart"], .["user.note"], .["limits.memory"]] | join(",")')" \
	"false,,512MiB" "... stored"

# --- the same through lxlaunch (config set/unset, create --vm --image), when it is built ---
: "${LXLAUNCH_BIN:=$MGR_LIB_DIR/../../build/launcher/cli/lxlaunch}"
if [ -x "$LXLAUNCH_BIN" ]; then
	lxl() { LXKIT_SOCKET=$MGR_SOCK "$LXLAUNCH_BIN" "$@" 2>&1; }
	out=$(lxl config set vmd limits.cpu=2)
	lxt_is "$?/$out" "0/Stored; the running virtual machine takes limits.cpu at its next start" \
		"lxlaunch config set vmd limits.cpu=2 says when it applies"
	out=$(lxl config set vmd limits.cpu=x)
	lxt_is "$?" 1 "lxlaunch config set of a bad value exits 1"
	lxt_match "$out" "Error: invalid limits.cpu 'x'" "... with the manager's error"
	out=$(lxl config unset vmd limits.cpu)
	lxt_is "$?" 0 "lxlaunch config unset vmd limits.cpu exits 0"
	lxt_match "$(lxl config show vmd)" "image.format=qcow2" "lxlaunch config show vmd"
	lxt_false "... has no limits.cpu left" grep -q limits.cpu <<<"$(lxl config show vmd)"
	out=$(lxl create vmi --vm --image "$DISK" --storage vp)
	lxt_is "$?" 0 "lxlaunch create vmi --vm --image DISK --storage vp exits 0 ($out)"
	mgr_req GET /1.0/instances/vmi
	lxt_is "$(mgr_jq -r '.metadata.type + " " + .metadata.config["image.format"]')" "virtual-machine raw" \
		"... vmi is a VM from the raw image"
	mgr_req DELETE /1.0/instances/vmi
	op_ok "vmi deleted"
else
	lxt_skip_case "lxlaunch config and create --image" "lxlaunch is not built"
fi

# --- the same root disk as a file on a btrfs pool (loop-backed): import, snapshot, restore, copy ---
if ! command -v mkfs.btrfs >/dev/null || ! grep -qw btrfs /proc/filesystems; then
	lxt_skip_case "a VM on a btrfs pool" "no btrfs here"
else
	mgr_req POST /1.0/storage-pools '{"name":"bp","driver":"btrfs","config":{"size":"512MiB"}}'
	lxt_is "$MGR_CODE" 201 "btrfs pool bp (a loop file) $(mgr_jq .error)"
	mgr_req POST /1.0/instances "$(vm_body vb "$DISK" 64MiB | jq -c '.devices.root.pool = "bp"')"
	op_ok "vb created on bp from the raw image"
	BROOT=$(cat "$MGR_STATE/vms/vb/vm" 2>/dev/null)
	lxt_is "$(stat -f -c %T "$BROOT" 2>&1)" btrfs "its root.img is a file on btrfs"
	mark_write "$BROOT" LXKIT-MARK-D
	mgr_req POST /1.0/instances/vb/snapshots '{"name":"b1"}'
	op_ok "snapshot b1 of vb (a btrfs snapshot of its subvolume)"
	mark_write "$BROOT" LXKIT-MARK-E
	mgr_req PUT /1.0/instances/vb '{"restore":"b1"}'
	op_ok "vb restored from b1"
	lxt_is "$(mark_read "$BROOT")" LXKIT-MARK-D "the marker of b1 (D) is back"
	mgr_req POST /1.0/instances '{"name":"vbc","source":{"type":"copy","source":"vb"}}'
	op_ok "vb copied to vbc on bp"
	lxt_true "... with the same disk" cmp "$BROOT" "$(cat "$MGR_STATE/vms/vbc/vm" 2>/dev/null)"
	for n in vbc vb; do
		mgr_req DELETE /1.0/instances/$n
		op_ok "$n deleted"
	done
	mgr_req DELETE /1.0/storage-pools/bp
	lxt_is "$MGR_CODE" 200 "pool bp deleted $(mgr_jq .error)"
fi

# --- the guest booted from its disk meanwhile (the steps above do not need it) ---
if console_wait 'LXKIT-GUEST-READY' 60; then
	lxt_pass "SeaBIOS and SYSLINUX booted the disk to the guest's /init ($(echo "$(date +%s.%N) - $TB" | bc) s from create)"
else
	lxt_fail "the guest booted from the disk" "$(tail -3 "$CON" | tr -d '\r')" "LXKIT-GUEST-READY"
fi
lxt_true "... through SYSLINUX on the disk" console_wait '^SYSLINUX ' 1

# --- a device the paused guest does not release within LXKIT_VM_DETACH_TIMEOUT ---
if [ ! -c /dev/net/tun ] || ! ip link add "$BR" type bridge 2>/dev/null; then
	lxt_skip_case "the unplug timeout" "no /dev/net/tun or no bridge here"
else
	ip link set "$BR" up
	mgr_req POST /1.0/instances/vmd/devices/eth1 "{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"$BR\",\"host_name\":\"$TAP\"}"
	op_ok "nic eth1 (virtio-net-pci on a PCIe root port) hot-added to the running vmd"
	mgr_req PUT /1.0/instances/vmd/state '{"action":"freeze"}'
	op_ok "vmd paused (QMP stop): its guest cannot answer a PCIe unplug request"
	T1=$(date +%s.%N)
	mgr_req DELETE /1.0/instances/vmd/devices/eth1
	mgr_wait_op >"$MGR_T/op.status"
	st=$(cat "$MGR_T/op.status")
	DT=$(echo "$(date +%s.%N) - $T1" | bc)
	lxt_is "$st" Failure "removing eth1 from the paused guest fails"
	lxt_true "... after the 2 s timeout (${DT} s)" test "$(echo "$DT >= 2 && $DT < 10" | bc)" = 1
	lxt_match "$(mgr_jq -r .metadata.err)" "did not release nic 'eth1'.*stays attached and configured" \
		"... with an error saying so"
	mgr_req GET /1.0/instances/vmd/devices
	lxt_is "$(mgr_jq -c '.metadata | keys')" '["eth1","root"]' "... eth1 is still configured"
	lxt_is "$(basename "$(readlink "/sys/class/net/$TAP/master" 2>/dev/null)")" "$BR" \
		"... and its tap $TAP is still on $BR (netdev_del did not run)"
	mgr_req PUT /1.0/instances/vmd/state '{"action":"unfreeze"}'
	op_ok "vmd resumed"
	# the guest answers the pending request now (Linux's pciehp may wait 5 s first): the
	# removal is repeated until it completes
	st=none
	for i in 1 2 3 4; do
		mgr_req DELETE /1.0/instances/vmd/devices/eth1
		mgr_wait_op >"$MGR_T/op.status"
		st=$(cat "$MGR_T/op.status")
		[ "$st" = Success ] && break
	done
	lxt_is "$st" Success "eth1 removed once the guest runs again (attempt $i)"
	lxt_false "... its tap is gone" test -e "/sys/class/net/$TAP"
fi

# --- snapshot of the running VM, restore ---
mark_write "$ROOT" LXKIT-MARK-A
mgr_req POST /1.0/instances/vmd/snapshots '{"name":"s1"}'
op_ok "snapshot s1 of the running vmd (QMP stop, copy of root.img, cont)"
mgr_req GET /1.0/instances/vmd/state
lxt_is "$(mgr_jq -r .metadata.status) $(mgr_jq -r .metadata.pid)" "Running $QPID" "vmd runs on in the same QEMU"
mgr_req GET /1.0/instances/vmd/snapshots
lxt_is "$(mgr_jq -c .metadata)" '["/1.0/instances/vmd/snapshots/s1"]' "the snapshot list has s1"
mgr_req POST /1.0/instances '{"name":"vmr","source":{"type":"copy","source":"vmd"},"config":{"limits.memory":"128MiB"}}'
op_ok "the running vmd copied to vmr (QMP stop while its disk is copied, then cont)"
mgr_req GET /1.0/instances/vmd/state
lxt_is "$(mgr_jq -r .metadata.status) $(mgr_jq -r .metadata.pid)" "Running $QPID" "vmd runs on in the same QEMU"
mgr_req GET /1.0/instances/vmr
lxt_is "$(mgr_jq -r '.metadata.status + " " + .metadata.config["limits.memory"]')" "Stopped 128MiB" \
	"vmr is stopped, with the config given for the copy"
mgr_req DELETE /1.0/instances/vmr
op_ok "vmr deleted"
mark_write "$ROOT" LXKIT-MARK-B
lxt_is "$(mark_read "$ROOT")" LXKIT-MARK-B "the disk's marker changed to B"
mgr_expect PUT /1.0/instances/vmd '{"restore":"s9"}' 404 "restoring a snapshot that does not exist: 404" "not found"
mgr_req PUT /1.0/instances/vmd '{"restore":"s1"}'
op_ok "vmd restored from s1 while running (QEMU stopped, disk replaced, started again)"
lxt_is "$(mark_read "$ROOT")" LXKIT-MARK-A "the marker of s1 (A) is back"
mgr_req GET /1.0/instances/vmd/state
NPID=$(mgr_jq -r .metadata.pid)
lxt_true "vmd runs again in a new QEMU ($QPID -> $NPID)" test "$(mgr_jq -r .metadata.status)" = Running -a "$NPID" != "$QPID"
lxt_match "$(tr '\0' ' ' <"/proc/$NPID/cmdline" 2>/dev/null)" " -m 512 " "... with the stored limits.memory (512 MiB)"
mgr_req PUT /1.0/instances/vmd/state '{"action":"stop","force":true}'
op_ok "vmd stopped"

# --- copy of the stopped VM ---
mgr_expect POST /1.0/instances '{"name":"vmc","type":"container","source":{"type":"copy","source":"vmd"}}' \
	400 "a copy of a VM as a container: 400" "is a virtual-machine"
mgr_expect POST /1.0/instances '{"name":"vmc","source":{"type":"copy","source":"vmd"},"devices":{"root":{"type":"disk","path":"/","pool":"vp"}}}' \
	400 "a copy of a VM with other devices: 400" "takes its devices"
mgr_req POST /1.0/instances/vmd/devices/d1 "{\"type\":\"disk\",\"source\":\"$DISK\",\"readonly\":\"true\"}"
op_ok "a second disk d1 stored on the stopped vmd"
mgr_req POST /1.0/instances '{"name":"vmc","type":"virtual-machine","source":{"type":"copy","source":"vmd"}}'
op_ok "vmd copied to vmc"
mgr_req GET /1.0/instances/vmc
lxt_is "$(mgr_jq -r .metadata.type) $(mgr_jq -r '.metadata.config["limits.memory"]') $(mgr_jq -c '.metadata.devices | keys')" \
	'virtual-machine 512MiB ["d1","root"]' "vmc is a virtual-machine with vmd's config and devices"
CROOT=$(cat "$MGR_STATE/vms/vmc/vm" 2>/dev/null)
lxt_true "vmc has its own root disk ($CROOT)" test -n "$CROOT" -a "$CROOT" != "$ROOT" -a -f "$CROOT"
lxt_true "... with vmd's content" cmp "$ROOT" "$CROOT"
mark_write "$ROOT" LXKIT-MARK-C
lxt_is "$(mark_read "$CROOT")" LXKIT-MARK-A "... a copy: vmd's later change is not in it"
mgr_req GET /1.0/instances/vmc/snapshots
lxt_is "$(mgr_jq -c .metadata)" '["/1.0/instances/vmc/snapshots/s1"]' "... and vmd's snapshot s1 came along"

mgr_req POST /1.0/instances '{"name":"vms","source":{"type":"copy","source":"vmd/s1"}}'
op_ok "vmd's snapshot s1 copied to vms"
SROOT=$(cat "$MGR_STATE/vms/vms/vm" 2>/dev/null)
lxt_is "$(mark_read "$SROOT" 2>&1)" LXKIT-MARK-A "vms has s1's disk (marker A, vmd now has C)"
mgr_req DELETE /1.0/instances/vms
op_ok "vms deleted"

# --- snapshot delete, instance delete ---
mgr_req DELETE /1.0/instances/vmd/snapshots/s1
op_ok "snapshot s1 of vmd deleted"
mgr_req GET /1.0/instances/vmd/snapshots
lxt_is "$(mgr_jq -c .metadata)" '[]' "vmd has no snapshots left"
for n in vmc vmd; do
	mgr_req DELETE /1.0/instances/$n
	op_ok "$n deleted"
done
lxt_false "vmd's root disk is gone" test -e "$ROOT"
lxt_false "vmc's root disk is gone" test -e "$CROOT"

lxt_diag "total $(echo "$(date +%s.%N) - $T0" | bc) s"
mgr_stop TERM
lxt_is "$MGR_EXIT" 0 "lxmanagerd exits 0"
lxt_done
