#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lxmanagerd virtual machines and their hotplug (issue 10): a VM on a dir pool boots the test
# guest (tests/integration/helpers/vm-guest-build.sh) under TCG; a SCSI disk and a USB storage
# device are hot-added and hot-removed through the devices API, and the guest prints each
# appearance and removal on its serial console (the console log); a disk added while the VM
# is stopped is there at the next boot; bad requests are 4xx and change nothing; usb-host of
# a device that is not on the host is a clear 400.
# Environment: MGR_BIN, LXT_VM_CACHE (where the guest is built and cached).
. "$(dirname "$0")/test-manager-lib.sh"

T0=$(date +%s.%N)
mgr_init
lxt_require_tools qemu-system-x86_64 qemu-img busybox
: "${LXT_VM_CACHE:=$MGR_LIB_DIR/../../build/vmguest-cache}"
GUEST=$(bash "$MGR_LIB_DIR/helpers/vm-guest-build.sh" "$LXT_VM_CACHE" 2>"$MGR_T/guest-build.err") ||
	lxt_skip "cannot build the test guest: $(tail -1 "$MGR_T/guest-build.err")"
KERNEL=$(sed -n 1p <<<"$GUEST")
INITRD=$(sed -n 2p <<<"$GUEST")

trap '_mgr_rc=$?; mgr_vm_kill_all; mgr_cleanup; (exit $_mgr_rc); _lxt_on_exit' EXIT

mgr_start || lxt_bail "lxmanagerd did not start: $(tail -5 "$MGR_LOG")"
mgr_req POST /1.0/storage-pools '{"name":"vp","driver":"dir"}'
[ "$MGR_CODE" = 201 ] || lxt_bail "dir pool: HTTP $MGR_CODE $(mgr_jq .error)"

CON=$MGR_STATE/logs/vm1/console.log
D1=$MGR_T/d1.img; D2=$MGR_T/d2.img; D3=$MGR_T/d3.img
truncate -s 40M "$D1"; truncate -s 24M "$D2"; truncate -s 16M "$D3"

# console_wait ERE [TIMEOUT-S]: waits until the console log has a line matching ERE after the
# mark (the line count when console_mark ran)
MARK=0
console_mark() { MARK=$(wc -l <"$CON" 2>/dev/null || echo 0); }
console_wait() {
	local i n=$((${2:-30} * 10))
	for ((i = 0; i < n; i++)); do
		tail -n +"$((MARK + 1))" "$CON" 2>/dev/null | tr -d '\r' | grep -Eq "$1" && return 0
		sleep 0.1
	done
	return 1
}
qemu_gone() { # PID: exited (a zombie until its reaper runs counts as exited) within 3 s
	local i st
	for i in $(seq 30); do
		st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 0
		case $st in Z | X) return 0 ;; esac
		sleep 0.1
	done
	return 1
}
op_ok() { # DESC: the last async request's operation succeeded
	local st
	mgr_wait_op >"$MGR_T/op.status"
	st=$(cat "$MGR_T/op.status")
	if [ "$st" = Success ]; then lxt_pass "$1"; else lxt_fail "$1" "$st: $(mgr_jq .metadata.err)" Success; fi
}

# --- create: errors first, then the VM ---
mgr_expect POST /1.0/instances '{"name":"vm1","type":"virtual-machine","source":{"type":"none"},"devices":{"root":{"type":"disk","path":"/","pool":"vp"}}}' \
	400 "a VM without vm.kernel: 400" "vm.kernel"
mgr_expect POST /1.0/instances "{\"name\":\"vm1\",\"type\":\"virtual-machine\",\"source\":{\"type\":\"none\"},\"config\":{\"vm.kernel\":\"$MGR_T/nope\"},\"devices\":{\"root\":{\"type\":\"disk\",\"path\":\"/\",\"pool\":\"vp\"}}}" \
	400 "a VM whose kernel does not exist: 400" "not a readable"
BODY=$(jq -cn --arg k "$KERNEL" --arg i "$INITRD" \
	'{name:"vm1",type:"virtual-machine",source:{type:"none"},
	  config:{"vm.kernel":$k,"vm.initrd":$i,"vm.append":"console=ttyS0 quiet panic=-1","limits.memory":"256MiB","limits.cpu":"1"},
	  devices:{root:{type:"disk",path:"/",pool:"vp",size:"64MiB"}}}')
mgr_req POST /1.0/instances "$BODY"
lxt_is "$MGR_CODE" 202 "VM vm1 create is async"
op_ok "VM vm1 created"
mgr_req GET /1.0/instances/vm1
lxt_is "$(mgr_jq .metadata.type)/$(mgr_jq .metadata.status)" "virtual-machine/Stopped" "vm1 is a stopped virtual-machine"
ROOTVOL=$(dirname "$(cat "$MGR_STATE/vms/vm1/vm" 2>/dev/null)")
lxt_is "$(stat -c %s "$ROOTVOL/root.img" 2>&1)" 67108864 "its root disk is a 64MiB root.img on the pool"

# --- boot ---
TB=$(date +%s.%N)
mgr_req PUT /1.0/instances/vm1/state '{"action":"start"}'
op_ok "vm1 started"
mgr_req GET /1.0/instances/vm1/state
QPID=$(mgr_jq .metadata.pid)
lxt_is "$(mgr_jq .metadata.status)" Running "vm1 is Running"
lxt_match "$(tr '\0' ' ' <"/proc/$QPID/cmdline" 2>/dev/null)" "-accel tcg .*virtio-scsi-pci,id=scsi0 .*qemu-xhci,id=xhci0" \
	"QEMU $QPID runs under TCG with virtio-scsi and xHCI controllers"
if console_wait 'LXKIT-GUEST-READY' 60; then
	lxt_pass "the guest booted ($(echo "$(date +%s.%N) - $TB" | bc) s to its ready line)"
else
	lxt_fail "the guest booted" "$(tail -3 "$CON" | tr -d '\r')" "LXKIT-GUEST-READY"
fi
lxt_match "$(grep -a LXKIT-GUEST-READY "$CON" | tr -d '\r')" "devices=sda$" "only the root disk (sda) at boot"

# --- freeze and unfreeze: QMP stop and cont ---
mgr_req PUT /1.0/instances/vm1/state '{"action":"freeze"}'
op_ok "vm1 frozen"
mgr_req GET /1.0/instances/vm1/state
lxt_is "$(mgr_jq .metadata.status)" Frozen "vm1 is Frozen"
mgr_req PUT /1.0/instances/vm1/state '{"action":"unfreeze"}'
op_ok "vm1 unfrozen"
mgr_req GET /1.0/instances/vm1/state
lxt_is "$(mgr_jq .metadata.status)" Running "vm1 is Running again"

# --- four concurrent hot-adds, then their removal (MG-03): one at a time, each its own disk ---
pids=()
for i in 1 2 3 4; do
	truncate -s "$((i + 4))M" "$MGR_T/c$i.img"
	curl -s -o "$MGR_T/c$i.reply" --max-time 60 --unix-socket "$MGR_SOCK" -X POST \
		-H 'Content-Type: application/json' \
		--data "{\"type\":\"disk\",\"source\":\"$MGR_T/c$i.img\"}" "http://lxkit/1.0/instances/vm1/devices/c$i" &
	pids+=($!)
done
wait "${pids[@]}"
n=0
for i in 1 2 3 4; do
	MGR_BODY=$(cat "$MGR_T/c$i.reply")
	[ "$(mgr_wait_op)" = Success ] && n=$((n + 1))
done
lxt_is "$n" 4 "four concurrent hot-adds succeeded"
for i in 1 2 3 4; do
	lxt_true "the guest saw c$i ($((i + 4))MiB)" console_wait "LXKIT-ADD sd[a-z]+ size=$(((i + 4) * 2048)) " 20
done
for i in 1 2 3 4; do
	mgr_req DELETE "/1.0/instances/vm1/devices/c$i"
	op_ok "c$i removed"
done
lxt_true "the guest saw four removals" bash -c "for i in \$(seq 200); do [ \$(tr -d '\r' <'$CON' | grep -c 'LXKIT-DEL sd') -ge 4 ] && exit 0; sleep 0.1; done; exit 1"

# --- validation: nothing changed ---
mgr_expect POST /1.0/instances/vm1/devices/d1 "{\"type\":\"disk\",\"source\":\"$MGR_T/missing.img\"}" \
	400 "a disk whose source is missing: 400" "does not exist"
mgr_expect POST /1.0/instances/vm1/devices/d1 "{\"type\":\"disk\",\"source\":\"$MGR_T\"}" \
	400 "a host directory for a VM: 400" "not an image file"
mgr_expect POST /1.0/instances/vm1/devices/d1 "{\"type\":\"disk\",\"source\":\"$D1\",\"colour\":\"red\"}" \
	400 "an unknown key: 400" "unknown key 'colour'"
mgr_expect POST /1.0/instances/vm1/devices/u9 '{"type":"usb","vendorid":"dead","productid":"beef","required":"true"}' \
	400 "usb-host of a required device not on the host: 400" "no USB device on host matches vendorid=dead productid=beef"
mgr_expect POST /1.0/instances/vm1/devices/n1 '{"type":"unix-char","source":"/dev/null"}' \
	400 "unix-char on a VM: 400" "for containers"
mgr_expect DELETE /1.0/instances/vm1/devices/nope '' 404 "removing an unknown device: 404" "not found"
mgr_expect DELETE /1.0/instances/vm1/devices/root '' 409 "removing the root disk: 409" "cannot be removed"
mgr_req GET /1.0/instances/vm1/devices
lxt_is "$(mgr_jq -c '.metadata | keys')" '["root"]' "... and the devices are unchanged"

mgr_req POST /1.0/instances/vm1/devices/u8 '{"type":"usb","busnum":"1","devnum":"2"}'
op_ok "usb-host 1:2 with required=false (default) on a host without USB: stored, pending"
mgr_req GET /1.0/instances/vm1/devices/u8
lxt_is "$(mgr_jq -r .metadata.busnum)" 1 "... and in the config"
mgr_req DELETE /1.0/instances/vm1/devices/u8
op_ok "... and removed again"

# --- the same through lxlaunch (spec §9), when it is built ---
: "${LXLAUNCH_BIN:=$MGR_LIB_DIR/../../build/launcher/cli/lxlaunch}"
if [ -x "$LXLAUNCH_BIN" ]; then
	console_mark
	out=$(LXKIT_SOCKET=$MGR_SOCK "$LXLAUNCH_BIN" device add vm1 u9 type=usb vendorid=dead productid=beef required=true 2>&1)
	lxt_is "$?" 1 "lxlaunch device add of a missing USB device exits 1"
	lxt_match "$out" "Error: no USB device on host matches vendorid=dead productid=beef" "... with the manager's error"
	out=$(LXKIT_SOCKET=$MGR_SOCK "$LXLAUNCH_BIN" device add vm1 c1 type=disk source="$D3" 2>&1)
	lxt_is "$?" 0 "lxlaunch device add vm1 c1 type=disk source=... (hot-add) exits 0"
	lxt_match "$(LXKIT_SOCKET=$MGR_SOCK "$LXLAUNCH_BIN" device list vm1 2>&1)" "c1 .*disk" "lxlaunch device list shows c1"
	# the guest scans its SCSI bus asynchronously: removing a disk before the guest has
	# found it leaves the guest's SCSI target in a state where the next disk is not seen
	lxt_true "the guest saw c1 (16MiB)" console_wait 'LXKIT-ADD sd[a-z]+ size=32768 ' 20
	console_mark
	out=$(LXKIT_SOCKET=$MGR_SOCK "$LXLAUNCH_BIN" device remove vm1 c1 2>&1)
	lxt_is "$?" 0 "lxlaunch device remove vm1 c1 (hot-remove) exits 0"
	lxt_true "the guest saw c1 go" console_wait 'LXKIT-DEL sd[a-z]+$' 20
else
	lxt_skip_case "lxlaunch device commands" "lxlaunch is not built"
fi

# --- SCSI disk hot-add and hot-remove ---
console_mark
T1=$(date +%s.%N)
mgr_req POST /1.0/instances/vm1/devices/d1 "{\"type\":\"disk\",\"source\":\"$D1\"}"
op_ok "d1 (scsi-hd) hot-added to the running VM"
if console_wait 'LXKIT-ADD sd[a-z]+ size=81920 ro=0 ' 20; then
	lxt_pass "the guest printed the new 40MiB SCSI disk ($(echo "$(date +%s.%N) - $T1" | bc) s)"
else
	lxt_fail "the guest printed the new SCSI disk" "$(tail -3 "$CON" | tr -d '\r')" "LXKIT-ADD sdX size=81920"
fi
SD1=$(tail -n +"$((MARK + 1))" "$CON" | tr -d '\r' | grep -Eo 'LXKIT-ADD sd[a-z]+ size=81920' | awk '{print $2}' | head -1)
mgr_expect POST /1.0/instances/vm1/devices/d1 "{\"type\":\"disk\",\"source\":\"$D2\"}" \
	409 "a duplicate device name: 409" "already exists"
mgr_req GET /1.0/instances/vm1/devices/d1
lxt_is "$(mgr_jq -r .metadata.source)" "$D1" "... d1 still is the first disk"
console_mark
T1=$(date +%s.%N)
mgr_req DELETE /1.0/instances/vm1/devices/d1
op_ok "d1 hot-removed (device_del, DEVICE_DELETED, blockdev-del)"
if [ -n "$SD1" ] && console_wait "LXKIT-DEL $SD1\$" 20; then
	lxt_pass "the guest printed the removal of $SD1 ($(echo "$(date +%s.%N) - $T1" | bc) s)"
else
	lxt_fail "the guest printed the removal" "$(tail -3 "$CON" | tr -d '\r')" "LXKIT-DEL ${SD1:-sdX}"
fi

# --- USB storage hot-add and hot-remove ---
console_mark
T1=$(date +%s.%N)
mgr_req POST /1.0/storage-pools/vp/volumes/custom '{"name":"bv","content_type":"block","config":{"size":"24MiB"}}'
lxt_is "$MGR_CODE" 201 "block volume vp/bv (24MiB)"
mgr_expect POST /1.0/instances/vm1/devices/u1 '{"type":"disk","pool":"vp","source":"nope","io.bus":"usb"}' \
	400 "a volume that does not exist: 400" "source volume 'nope' does not exist on pool 'vp'"
mgr_req POST /1.0/instances/vm1/devices/u1 '{"type":"disk","pool":"vp","source":"bv","io.bus":"usb"}'
op_ok "u1 (usb-storage of block volume vp/bv on xHCI) hot-added"
if console_wait 'LXKIT-ADD usb:[0-9-]+ product=QEMU USB HARDDRIVE' 20; then
	lxt_pass "the guest printed the new USB device ($(echo "$(date +%s.%N) - $T1" | bc) s)"
else
	lxt_fail "the guest printed the new USB device" "$(tail -3 "$CON" | tr -d '\r')" "LXKIT-ADD usb:..."
fi
if console_wait 'LXKIT-ADD sd[a-z]+ size=49152 ' 20; then
	lxt_pass "... and its 24MiB disk"
else
	lxt_fail "... and its 24MiB disk" "$(tail -3 "$CON" | tr -d '\r')" "LXKIT-ADD sdX size=49152"
fi
USB1=$(tail -n +"$((MARK + 1))" "$CON" | tr -d '\r' | grep -Eo 'LXKIT-ADD usb:[0-9.-]+' | awk '{print $2}' | head -1)
console_mark
mgr_req DELETE /1.0/instances/vm1/devices/u1
op_ok "u1 hot-removed"
if [ -n "$USB1" ] && console_wait "LXKIT-DEL $USB1\$" 20; then
	lxt_pass "the guest printed the removal of $USB1"
else
	lxt_fail "the guest printed the USB removal" "$(tail -3 "$CON" | tr -d '\r')" "LXKIT-DEL ${USB1:-usb:X}"
fi

# --- stop; a disk added to the stopped VM is there at the next boot ---
T1=$(date +%s.%N)
mgr_req PUT /1.0/instances/vm1/state '{"action":"stop","timeout":2}'
op_ok "vm1 stopped (system_powerdown, then killed after 2 s: the busybox guest has no ACPI daemon)"
lxt_true "QEMU $QPID is gone" qemu_gone "$QPID"
mgr_req POST /1.0/instances/vm1/devices/d3 "{\"type\":\"disk\",\"source\":\"$D3\"}"
op_ok "d3 added to the stopped VM (stored)"
mgr_req GET /1.0/instances/vm1/devices
lxt_is "$(mgr_jq -c '.metadata | keys')" '["d3","root"]' "devices: d3 persisted, d1 and u1 gone"
MARK=0	# QEMU starts a new console log
mgr_req PUT /1.0/instances/vm1/state '{"action":"start"}'
op_ok "vm1 started again"
if console_wait 'LXKIT-GUEST-READY' 60 &&
	tr -d '\r' <"$CON" | grep -Eq '^LXKIT-DISK sd[a-z]+ size=32768$' &&
	tr -d '\r' <"$CON" | grep -Eq '^LXKIT-DISK sd[a-z]+ size=131072$'; then
	lxt_pass "the persisted 16MiB disk and the 64MiB root are present at boot: $(tr -d '\r' <"$CON" | grep -a LXKIT-DISK | paste -sd' ' -)"
else
	lxt_fail "the persisted disk is present at boot" "$(tr -d '\r' <"$CON" | grep -a 'LXKIT-DISK\|READY' | paste -sd' ' -)" "a disk of size=32768 and one of 131072"
fi
mgr_req GET /1.0/instances/vm1/state
QPID=$(mgr_jq .metadata.pid)

# --- the manager restarts; the VM keeps running and its boot-time disk is hot-removed (MG-07, MG-02) ---
mgr_stop TERM
lxt_is "$MGR_EXIT" 0 "lxmanagerd stopped while vm1 runs"
mgr_start || lxt_bail "lxmanagerd did not restart: $(tail -5 "$MGR_LOG")"
mgr_req GET /1.0/instances/vm1/state
lxt_is "$(mgr_jq .metadata.status) $(mgr_jq .metadata.pid)" "Running $QPID" "after the restart vm1 is Running with the same QEMU pid"
# the guest names disks in the order its asynchronous SCSI scan finds them: d3 by its size
SD3=$(tr -d '\r' <"$CON" | awk '$1 == "LXKIT-DISK" && $3 == "size=32768" { print $2 }' | tail -1)
console_mark
mgr_req DELETE /1.0/instances/vm1/devices/d3
op_ok "d3, present since boot, hot-removed after the manager restart"
if [ -n "$SD3" ] && console_wait "LXKIT-DEL $SD3\$" 20; then
	lxt_pass "the guest printed the removal of $SD3"
else
	lxt_fail "the guest printed the removal of the boot disk" "$(tail -3 "$CON" | tr -d '\r')" "LXKIT-DEL ${SD3:-sdX}"
fi
console_mark
mgr_req POST /1.0/instances/vm1/devices/r1 "{\"type\":\"disk\",\"source\":\"$D1\",\"readonly\":\"true\"}"
op_ok "r1 hot-added read-only"
lxt_true "the guest sees r1 read-only (ro=1)" console_wait 'LXKIT-ADD sd[a-z]+ size=81920 ro=1 ' 20

# --- a disk image attached to a running VM cannot be given to another running VM (spec §6) ---
mgr_req POST /1.0/instances "$(jq -c '.name = "vm2"' <<<"$BODY")"
op_ok "VM vm2 created"
mgr_req PUT /1.0/instances/vm2/state '{"action":"start"}'
op_ok "vm2 started"
mgr_expect POST /1.0/instances/vm2/devices/x "{\"type\":\"disk\",\"source\":\"$D1\"}" \
	409 "vm2 cannot take the image vm1 holds: 409" "already attached to running instance 'vm1' as device 'r1'"
mgr_req PUT /1.0/instances/vm2/state '{"action":"stop","force":true}'
op_ok "vm2 stopped"
mgr_req DELETE /1.0/instances/vm2
op_ok "vm2 deleted"

# --- delete: QEMU is stopped, the root volume and marker are removed ---
mgr_req PUT /1.0/instances/vm1/state '{"action":"stop","force":true}'
op_ok "vm1 stopped with force"
lxt_true "QEMU $QPID is gone" qemu_gone "$QPID"
mgr_req DELETE /1.0/instances/vm1
op_ok "vm1 deleted"
lxt_false "its marker is gone" test -e "$MGR_STATE/vms/vm1/vm"
lxt_true "its root volume existed" test -n "$ROOTVOL"
lxt_false "its root volume ($ROOTVOL) is gone" test -e "$ROOTVOL"

lxt_diag "total $(echo "$(date +%s.%N) - $T0" | bc) s"
mgr_stop TERM
lxt_is "$MGR_EXIT" 0 "lxmanagerd exits 0"
lxt_done
