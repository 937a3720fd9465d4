#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lxmanagerd nic devices of VMs and containers (issue 11 items 4 and 2; spec manager-api.md §6,
# §7). A private manager, a dir pool, real bridges, the VM test guest under TCG (booted once)
# and a busybox container:
#   - the devices API on a stopped VM and a stopped container: a bridged nic is stored and seen
#     by GET; an unknown nictype, a bad parent name or hwaddr and a duplicate device name are
#     4xx and change nothing; a stored nic is removed again
#   - the VM (boot.autostart=true, nic on a bridge that does not exist) after a manager
#     restart: Waiting "waiting for network (BR)"; the test creates the bridge; the VM is
#     Running within 2 s, its tap is a port of the bridge, its MAC is stored as
#     volatile.eth0.hwaddr; its stored macvlan nic is a macvtap with the MAC stored for it; the
#     guest prints both interfaces with those MACs
#   - a nic hot-added to the running VM: a second tap on the bridge, the guest sees a new
#     interface with its MAC; hot-removed: the guest sees it go, the tap is gone; a macvlan nic
#     hot-added: a macvtap with the guest's MAC, seen by the guest
#   - the container started: LXC's veth is on the bridge, with the MAC stored as
#     volatile.eth0.hwaddr; a nic hot-added (veth made in its network namespace) is there and
#     up with the MAC stored for it, then hot-removed (its volatile key goes); after a stop and
#     start eth0 has the same MAC; a PATCH keeps it, a PUT changing it is 400; a copy does not
#     get it; removing eth0 drops it
#   - the VM's bridge deleted while it runs: Running, "network device BR missing"; the VM
#     stopped: its tap and macvtap are gone; started again, the manager restarted, its QEMU
#     killed: the manager deletes its macvtaps within 3 s
#   - cleanup: QEMU by PID, containers, bridges
# Environment: MGR_BIN, LXLAUNCH_BIN, LXT_VM_CACHE.
# shellcheck source-path=SCRIPTDIR source=test-manager-lib.sh
# shellcheck disable=SC2119  # mgr_start's arguments are optional daemon options
. "$(dirname "$0")/test-manager-lib.sh"

T0=$(date +%s.%N)
mgr_init
lxt_require_tools qemu-system-x86_64 busybox ip nsenter
: "${LXLAUNCH_BIN:=$MGR_LIB_DIR/../../build/launcher/cli/lxlaunch}"
[ -x "$LXLAUNCH_BIN" ] || lxt_skip "lxlaunch '$LXLAUNCH_BIN' is not built"
[ -f /usr/share/lxc/templates/lxc-busybox ] || lxt_skip "LXC busybox template missing"
[ -c /dev/net/tun ] || lxt_skip "no /dev/net/tun"
: "${LXT_VM_CACHE:=$MGR_LIB_DIR/../../build/vmguest-cache}"
GUEST=$(bash "$MGR_LIB_DIR/helpers/vm-guest-build.sh" "$LXT_VM_CACHE" 2>"$MGR_T/guest-build.err") ||
	lxt_skip "cannot build the test guest: $(tail -1 "$MGR_T/guest-build.err")"
KERNEL=$(sed -n 1p <<<"$GUEST")
INITRD=$(sed -n 2p <<<"$GUEST")
export LXKIT_LXLAUNCH=$LXLAUNCH_BIN

S=$(($$ % 100000))
BR=lxkt${S}vb		# the VM's bridge, created late; at most 15 characters
BR2=lxkt${S}cb		# the container's bridge
MVT=lxkt${S}mv		# the host_name of the VM's hot-added macvtap
MVT0=lxkt${S}m0		# ... and of the one it boots with
VM=vm1
CT=lxkit-test-$$-ct
CON=$MGR_STATE/logs/$VM/console.log

# shellcheck disable=SC2317  # called from the EXIT trap
net_cleanup() {
	local b
	mgr_vm_kill_all
	lxc-stop -k -P "$MGR_STATE/containers" -n "$CT" >/dev/null 2>&1
	for b in "$MVT" "$MVT0" "$BR" "$BR2"; do ip link del "$b" 2>/dev/null; done
	mgr_cleanup
}
trap '_mgr_rc=$?; net_cleanup; (exit $_mgr_rc); _lxt_on_exit' EXIT

op_ok() { # DESC: the last async request's operation succeeded
	local op st
	op=$(mgr_jq .operation)
	if [ -z "$op" ] || [ "$op" = null ]; then
		lxt_fail "$1" "HTTP $MGR_CODE $(mgr_jq .error)" Success
		return
	fi
	mgr_req GET "$op/wait?timeout=60"
	st=$(mgr_jq .metadata.status)
	if [ "$st" = Success ]; then lxt_pass "$1"; else lxt_fail "$1" "$st: $(mgr_jq .metadata.err)" Success; fi
}
status() { mgr_req GET "/1.0/instances/$1"; mgr_jq .metadata.status; }
# wait_status NAME STATUS TIMEOUT-S: prints the milliseconds it took, or the last status
wait_status() {
	local t0 now st
	t0=$(date +%s%N)
	while :; do
		st=$(status "$1")
		now=$(date +%s%N)
		[ "$st" = "$2" ] && { echo $(((now - t0) / 1000000)); return 0; }
		(((now - t0) / 1000000 > $3 * 1000)) && { echo "$st"; return 1; }
		sleep 0.1
	done
}
console_wait() { # ERE TIMEOUT-S: a console line matches
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		tr -d '\r' <"$CON" 2>/dev/null | grep -Eq "$1" && return 0
		sleep 0.1
	done
	return 1
}
ports() { ip -o link show master "$1" 2>/dev/null | awk -F': ' '{print $2}' | sed 's/@.*//' | sort | tr '\n' ' '; }
# shellcheck disable=SC2317  # called through lxt_true/lxt_false
link_exists() { ip link show "$1" >/dev/null 2>&1; }
devkeys() { mgr_req GET "/1.0/instances/$1/devices"; mgr_jq -c '.metadata | keys'; }

mgr_start || lxt_bail "lxmanagerd did not start: $(tail -5 "$MGR_LOG")"
mgr_req POST /1.0/storage-pools '{"name":"np","driver":"dir"}'
[ "$MGR_CODE" = 201 ] || lxt_bail "dir pool: HTTP $MGR_CODE $(mgr_jq .error)"
if ! { ip link add "$BR2" type bridge && ip link set "$BR2" up; }; then lxt_bail "cannot create bridge $BR2"; fi

# --- a stopped VM and a stopped container ---
BODY=$(jq -cn --arg k "$KERNEL" --arg i "$INITRD" \
	'{name:"vm1",type:"virtual-machine",source:{type:"none"},
	  config:{"vm.kernel":$k,"vm.initrd":$i,"vm.append":"console=ttyS0 quiet panic=-1","limits.memory":"256MiB","boot.autostart":"true"},
	  devices:{root:{type:"disk",path:"/",pool:"np",size:"16MiB"}}}')
mgr_req POST /1.0/instances "$BODY"
op_ok "VM $VM created (boot.autostart=true)"
mgr_req POST /1.0/instances "{\"name\":\"$CT\",\"source\":{\"type\":\"template\",\"template\":\"busybox\"},\"devices\":{\"root\":{\"type\":\"disk\",\"path\":\"/\",\"pool\":\"np\"}}}"
op_ok "container created (busybox)"

for i in "$VM" "$CT"; do
	mgr_expect POST "/1.0/instances/$i/devices/eth0" '{"type":"nic","nictype":"routed","parent":"br0"}' \
		400 "$i: an unknown nictype: 400" "invalid nictype 'routed'"
	mgr_expect POST "/1.0/instances/$i/devices/eth0" '{"type":"nic","nictype":"bridged","parent":"a/b"}' \
		400 "$i: a bad parent name: 400" "invalid parent 'a/b'"
	mgr_expect POST "/1.0/instances/$i/devices/eth0" '{"type":"nic","nictype":"bridged","parent":"br0","hwaddr":"zz"}' \
		400 "$i: a bad hwaddr: 400" "invalid hwaddr"
	lxt_is "$(devkeys "$i")" '["root"]' "$i: ... and its devices are unchanged"
done

mgr_req POST "/1.0/instances/$VM/devices/eth0" "{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"$BR\"}"
op_ok "$VM: a nic on the missing bridge $BR stored (the instance is stopped)"
mgr_req GET "/1.0/instances/$VM/devices/eth0"
lxt_is "$(mgr_jq -r .metadata.parent)/$(mgr_jq -r .metadata.nictype)" "$BR/bridged" "$VM: GET shows it"
mgr_expect POST "/1.0/instances/$VM/devices/eth0" '{"type":"nic","nictype":"bridged","parent":"other"}' \
	409 "$VM: a duplicate device name: 409" "already exists"
mgr_req GET "/1.0/instances/$VM/devices/eth0"
lxt_is "$(mgr_jq -r .metadata.parent)" "$BR" "$VM: ... eth0 unchanged"
mgr_req POST "/1.0/instances/$VM/devices/mv0" "{\"type\":\"nic\",\"nictype\":\"macvlan\",\"parent\":\"$BR2\",\"host_name\":\"$MVT0\"}"
op_ok "$VM: a macvlan nic mv0 on $BR2 stored"

mgr_req POST "/1.0/instances/$CT/devices/eth0" "{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"$BR2\"}"
op_ok "$CT: a nic on $BR2 stored"
out=$(LXKIT_SOCKET=$MGR_SOCK "$LXLAUNCH_BIN" device add "$CT" eth9 type=nic nictype=macvlan parent=nope0 2>&1)
lxt_is "$?" 0 "$CT: lxlaunch device add ... type=nic nictype=macvlan parent=nope0 stores it: $out"
out=$(LXKIT_SOCKET=$MGR_SOCK "$LXLAUNCH_BIN" device add "$CT" eth8 type=nic nictype=bridged parent=a:b 2>&1)
lxt_is "$?/$out" "1/Error: device 'eth8': invalid parent 'a:b': an interface name of 1-15 characters without '/', ':' or spaces" \
	"$CT: lxlaunch device add with a bad parent exits 1 with the manager's error"
lxt_match "$(LXKIT_SOCKET=$MGR_SOCK "$LXLAUNCH_BIN" device list "$CT" 2>&1)" "eth9 .*nic" "$CT: lxlaunch device list shows eth9"
lxt_is "$(devkeys "$CT")" '["eth0","eth9","root"]' "$CT: GET shows both"
mgr_req DELETE "/1.0/instances/$CT/devices/eth9"
op_ok "$CT: the stored macvlan nic removed"
lxt_is "$(devkeys "$CT")" '["eth0","root"]' "$CT: ... and gone from GET"

# --- autostart of the VM waits for its bridge ---
mgr_stop
mgr_start || lxt_bail "lxmanagerd did not restart: $(tail -5 "$MGR_LOG")"
if ms=$(wait_status "$VM" Waiting 5); then
	lxt_pass "after a manager restart $VM is Waiting"
else
	lxt_fail "after a manager restart $VM is Waiting" "$ms" Waiting
fi
mgr_req GET "/1.0/instances/$VM"
lxt_is "$(mgr_jq -r .metadata.status_reason)" "waiting for network ($BR)" "... its reason names the bridge"
lxt_is "$(status "$CT")" Stopped "the container (no autostart) stays Stopped"
lxt_match "$(LXKIT_SOCKET=$MGR_SOCK timeout 30 "$LXLAUNCH_BIN" list 2>&1 | grep -E "^$VM ")" \
	"^$VM +virtual-machine +WAITING +waiting for network \\($BR\\) " "lxlaunch list: $VM WAITING with its reason"

if ! { ip link add "$BR" type bridge && ip link set "$BR" up; }; then lxt_bail "cannot create bridge $BR"; fi
if ms=$(wait_status "$VM" Running 2); then
	lxt_pass "$VM Running ${ms} ms after its bridge appeared (limit 2 s)"
else
	lxt_fail "$VM Running within 2 s of its bridge" "$ms" Running
	lxt_diag "$(grep -a "$VM" "$MGR_LOG" | tail -5)"
fi
TAP0=$(ip -o link show master "$BR" 2>/dev/null | awk -F': ' '{print $2}' | head -1)
lxt_match "$TAP0" "^lxkt[0-9a-f]{11}$" "a tap ($TAP0) is a port of $BR"
lxt_match "$(ip -o link show "$TAP0" 2>/dev/null)" "state UP|,UP" "... and it is up"
mgr_req GET "/1.0/instances/$VM"
MAC0=$(mgr_jq -r '.metadata.config["volatile.eth0.hwaddr"]')
lxt_match "$MAC0" "^00:16:3e(:[0-9a-f]{2}){3}$" "its MAC is stored as volatile.eth0.hwaddr ($MAC0)"
QPID=$(cat "$MGR_RUN/vms/$VM/qemu.pid" 2>/dev/null)
lxt_match "$(tr '\0' ' ' <"/proc/$QPID/cmdline" 2>/dev/null)" "-netdev tap,id=lxkit-net-eth0,fd=3 .*virtio-net-pci,id=lxkit-dev-eth0,netdev=lxkit-net-eth0,mac=$MAC0" \
	"QEMU got the tap as fd 3 behind a virtio-net-pci with that MAC"
MACM=$(mgr_jq -r '.metadata.config["volatile.mv0.hwaddr"]')
lxt_match "$(ip -d -o link show "$MVT0" 2>&1)" "@$BR2:.*link/ether $MACM .* macvtap  ?mode bridge" \
	"mv0 is macvtap $MVT0 on $BR2 with its stored MAC $MACM"
# --- the container (while the guest boots): stored nic at start, hot-add, hot-remove ---
mgr_req PUT "/1.0/instances/$CT/state" '{"action":"start"}'
op_ok "$CT started"
lxt_is "$(ip -o link show master "$BR2" | wc -l)" 1 "$CT: LXC's veth for eth0 is on $BR2"
mgr_req GET "/1.0/instances/$CT/state"
CPID=$(mgr_jq .metadata.pid)
mgr_req GET "/1.0/instances/$CT"
CMAC=$(mgr_jq -r '.metadata.config["volatile.eth0.hwaddr"]')
lxt_match "$CMAC" "^00:16:3e(:[0-9a-f]{2}){3}$" "$CT: eth0 (no hwaddr) got a MAC stored as volatile.eth0.hwaddr ($CMAC)"
lxt_match "$(nsenter --net="/proc/$CPID/ns/net" ip -o link show eth0 2>&1)" "link/ether $CMAC " \
	"$CT: ... and eth0 in the container has it (LXC's lxc.net.0.hwaddr)"
mgr_req POST "/1.0/instances/$CT/devices/eth1" "{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"$BR2\"}"
op_ok "$CT: eth1 (no hwaddr) hot-added"
mgr_req GET "/1.0/instances/$CT"
CMAC1=$(mgr_jq -r '.metadata.config["volatile.eth1.hwaddr"]')
lxt_match "$CMAC1" "^00:16:3e(:[0-9a-f]{2}){3}$" "$CT: ... its MAC is stored as volatile.eth1.hwaddr ($CMAC1)"
lxt_match "$(nsenter --net="/proc/$CPID/ns/net" ip -o link show eth1 2>&1)" "UP.*link/ether $CMAC1 " \
	"$CT: eth1 is in the container, up, with that MAC"
lxt_is "$(ip -o link show master "$BR2" | wc -l)" 2 "$CT: ... its host end is on $BR2"
mgr_req POST "/1.0/instances/$CT/devices/dup" "{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"$BR2\",\"name\":\"eth1\"}"
OP=$(mgr_jq .operation)
mgr_req GET "$OP/wait?timeout=60"
lxt_match "$(mgr_jq .metadata.status)/$(mgr_jq -r .metadata.err)" "^Failure/.*File exists" \
	"$CT: a hot-add whose interface name is taken inside fails"
lxt_is "$(devkeys "$CT")/$(ip -o link show master "$BR2" | wc -l)" '["eth0","eth1","root"]/2' \
	"$CT: ... nothing stored, no veth left on $BR2"
mgr_req GET "/1.0/instances/$CT"
lxt_is "$(mgr_jq -r '.metadata.config["volatile.dup.hwaddr"]')" null "$CT: ... not even a MAC"
mgr_req DELETE "/1.0/instances/$CT/devices/eth1"
op_ok "$CT: eth1 hot-removed"
lxt_false "$CT: eth1 is gone from the container" nsenter --net="/proc/$CPID/ns/net" ip link show eth1 2>/dev/null
lxt_is "$(ip -o link show master "$BR2" | wc -l)" 1 "$CT: ... and from $BR2"
lxt_is "$(devkeys "$CT")" '["eth0","root"]' "$CT: ... and from its devices"
mgr_req GET "/1.0/instances/$CT"
lxt_is "$(mgr_jq -r '.metadata.config["volatile.eth1.hwaddr"]')" null "$CT: ... and volatile.eth1.hwaddr is gone"
mgr_req PUT "/1.0/instances/$CT/state" '{"action":"stop","force":true}'
op_ok "$CT stopped"
# --- the container's MAC is kept: a start, a PATCH, a PUT, a copy ---
mgr_req PUT "/1.0/instances/$CT/state" '{"action":"start"}'
op_ok "$CT started again"
mgr_req GET "/1.0/instances/$CT/state"
CPID=$(mgr_jq .metadata.pid)
lxt_match "$(nsenter --net="/proc/$CPID/ns/net" ip -o link show eth0 2>&1)" "link/ether $CMAC " \
	"$CT: eth0 has the same MAC $CMAC after a stop and a start"
mgr_req PATCH "/1.0/instances/$CT" '{"config":{"user.k":"v"}}'
op_ok "$CT: a PATCH of config (volatile.eth0.hwaddr in the merged config)"
mgr_req GET "/1.0/instances/$CT"
lxt_is "$(mgr_jq -r '.metadata.config | [.["user.k"], .["volatile.eth0.hwaddr"]] | join(" ")')" "v $CMAC" \
	"$CT: ... took user.k and kept the MAC"
mgr_expect PUT "/1.0/instances/$CT" '{"config":{"volatile.eth0.hwaddr":"00:16:3e:00:00:09"}}' \
	400 "$CT: a PUT changing volatile.eth0.hwaddr: 400" "volatile.eth0.hwaddr' is written by the manager only"
mgr_req PUT "/1.0/instances/$CT/state" '{"action":"stop","force":true}'
op_ok "$CT stopped again"
mgr_req POST /1.0/instances "{\"name\":\"$CT-copy\",\"source\":{\"type\":\"copy\",\"source\":\"$CT\",\"instance_only\":true}}"
op_ok "$CT copied to $CT-copy"
mgr_req GET "/1.0/instances/$CT-copy"
lxt_is "$(mgr_jq -c '[(.metadata.devices | keys), .metadata.config["volatile.eth0.hwaddr"], .metadata.config["user.k"]]')" \
	'[["eth0","root"],null,"v"]' "$CT-copy: its eth0 and config but not the source's MAC"
mgr_req DELETE "/1.0/instances/$CT-copy"
op_ok "$CT-copy deleted"
mgr_req DELETE "/1.0/instances/$CT/devices/eth0"
op_ok "$CT: its stored eth0 removed"
mgr_req GET "/1.0/instances/$CT"
lxt_is "$(mgr_jq -r '.metadata.config["volatile.eth0.hwaddr"]')" null "$CT: ... and volatile.eth0.hwaddr with it"

if console_wait 'LXKIT-GUEST-READY' 40; then
	lxt_is "$(tr -d '\r' <"$CON" | grep -a '^LXKIT-NET' | sed 's/.* mac=//' | sort | tr '\n' ' ')" \
		"$(printf '%s\n' "$MAC0" "$MACM" | sort | tr '\n' ' ')" "the guest boots with two interfaces: MACs $MAC0 (tap) and $MACM (macvtap)"
else
	lxt_fail "the guest booted" "$(tail -3 "$CON" | tr -d '\r')" "LXKIT-GUEST-READY"
fi

# --- hot-add to the running VM ---
mgr_req POST "/1.0/instances/$VM/devices/eth1" "{\"type\":\"nic\",\"nictype\":\"bridged\",\"parent\":\"$BR\",\"hwaddr\":\"00:16:3e:aa:bb:01\"}"
op_ok "$VM: eth1 hot-added (QMP getfd, netdev_add, device_add)"
lxt_is "$(ip -o link show master "$BR" | wc -l)" 2 "... a second tap on $BR"
lxt_true "... the guest sees a new interface with MAC 00:16:3e:aa:bb:01" console_wait 'LXKIT-ADD net:eth[0-9]+ mac=00:16:3e:aa:bb:01' 10
mgr_req POST "/1.0/instances/$VM/devices/eth2" '{"type":"nic","nictype":"bridged","parent":"nobr0"}'
OP=$(mgr_jq .operation)
mgr_req GET "$OP/wait?timeout=60"
lxt_is "$(mgr_jq .metadata.status)/$(mgr_jq -r .metadata.err)" "Failure/device 'eth2': network device nobr0 missing" \
	"$VM: a hot-add on a missing bridge fails, naming it"
mgr_req GET "/1.0/instances/$VM"
lxt_is "$(mgr_jq -c '[.metadata.devices | keys, .metadata.config["volatile.eth2.hwaddr"]]')" '[["eth0","eth1","mv0","root"],null]' \
	"$VM: ... and stores nothing (no device, no MAC)"
mgr_req DELETE "/1.0/instances/$VM/devices/eth1"
op_ok "$VM: eth1 hot-removed (device_del, DEVICE_DELETED, netdev_del)"
lxt_true "... the guest saw it go" console_wait 'LXKIT-DEL net:eth[0-9]+' 10
lxt_is "$(ports "$BR")" "$TAP0 " "... its tap is gone, eth0's stays on $BR"
mgr_req POST "/1.0/instances/$VM/devices/eth2" "{\"type\":\"nic\",\"nictype\":\"macvlan\",\"parent\":\"$BR2\",\"host_name\":\"$MVT\"}"
op_ok "$VM: eth2 (macvlan on $BR2) hot-added"
mgr_req GET "/1.0/instances/$VM"
MAC2=$(mgr_jq -r '.metadata.config["volatile.eth2.hwaddr"]')
lxt_match "$(ip -d -o link show "$MVT" 2>&1)" "@$BR2:.*link/ether $MAC2 .* macvtap  ?mode bridge" \
	"... as macvtap $MVT on $BR2 with its stored MAC $MAC2"
lxt_true "... the guest sees a new interface with MAC $MAC2" console_wait "LXKIT-ADD net:eth[0-9]+ mac=$MAC2" 10

# --- the VM's bridge deleted while it runs; then stop: the taps go with QEMU ---
ip link del "$BR"
mgr_req GET "/1.0/instances/$VM"
lxt_is "$(mgr_jq .metadata.status)/$(mgr_jq -r .metadata.status_reason)" "Running/network device $BR missing" \
	"$BR deleted under $VM: it stays Running, the reason names the bridge"
lxt_true "... the manager keeps running" kill -0 "$MGR_PID"
lxt_true "... its tap $TAP0 is still there (QEMU holds it)" link_exists "$TAP0"
mgr_req PUT "/1.0/instances/$VM/state" '{"action":"stop","force":true}'
op_ok "$VM stopped"
lxt_false "tap $TAP0 is gone with QEMU" link_exists "$TAP0"
lxt_false "macvtaps $MVT and $MVT0 are gone" bash -c "ip link show $MVT >/dev/null 2>&1 || ip link show $MVT0 >/dev/null 2>&1"
mgr_req DELETE "/1.0/instances/$VM/devices/eth0"
op_ok "$VM: its stored eth0 removed while stopped"
mgr_req GET "/1.0/instances/$VM"
lxt_is "$(mgr_jq -c '[.metadata.devices | keys, .metadata.config["volatile.eth0.hwaddr"]]')" '[["eth2","mv0","root"],null]' \
	"$VM: eth0 and its volatile.eth0.hwaddr are gone"
# --- QEMU exits by itself (here: killed): the manager deletes its macvtaps ---
mgr_req PUT "/1.0/instances/$VM/state" '{"action":"start"}'
op_ok "$VM started again (macvlan nics eth2 and mv0)"
lxt_true "... macvtaps $MVT and $MVT0 are there" bash -c "ip link show $MVT >/dev/null 2>&1 && ip link show $MVT0 >/dev/null 2>&1"
QPID=$(cat "$MGR_RUN/vms/$VM/qemu.pid" 2>/dev/null)
mgr_stop	# QEMU runs on; the next manager watches the QEMU it finds
mgr_start || lxt_bail "lxmanagerd did not restart: $(tail -5 "$MGR_LOG")"
lxt_is "$(status "$VM")" Running "$VM runs on across a manager restart"
# another VM whose macvlan nic names the same host interface: its start fails and leaves
# $VM's live macvtap alone (a macvtap is deleted only when its address is the nic's MAC)
BODY2=$(jq -cn --arg k "$KERNEL" --arg i "$INITRD" --arg br "$BR2" --arg h "$MVT0" \
	'{name:"vm2",type:"virtual-machine",source:{type:"none"},
	  config:{"vm.kernel":$k,"vm.initrd":$i,"limits.memory":"128MiB"},
	  devices:{root:{type:"disk",path:"/",pool:"np",size:"16MiB"},
		   eth0:{type:"nic",nictype:"macvlan",parent:$br,host_name:$h}}}')
mgr_req POST /1.0/instances "$BODY2"
op_ok "vm2 created with a macvlan nic named $MVT0 like $VM's"
mgr_req PUT "/1.0/instances/vm2/state" '{"action":"start"}'
mgr_req GET "$(mgr_jq .operation)/wait?timeout=60"
lxt_match "$(mgr_jq .metadata.status): $(mgr_jq -r .metadata.err)" "^Failure: .*$MVT0.* already exists" \
	"vm2's start fails: its host interface $MVT0 exists"
lxt_true "... $VM's macvtap $MVT0 is still there" link_exists "$MVT0"
lxt_is "$(status vm2)/$(status "$VM")" Stopped/Running "... vm2 stopped, $VM running"
mgr_req DELETE /1.0/instances/vm2
op_ok "vm2 deleted"
lxt_true "... $VM's macvtap $MVT0 is still there" link_exists "$MVT0"
t0=$(date +%s%N)
[ -n "$QPID" ] && kill -KILL "$QPID"
while { link_exists "$MVT" || link_exists "$MVT0"; } && (($(date +%s%N) - t0 < 3000000000)); do sleep 0.05; done
if link_exists "$MVT" || link_exists "$MVT0"; then
	lxt_fail "QEMU (pid $QPID) killed: its macvtaps are gone within 3 s" "$(ip -o link show | grep -E "$MVT|$MVT0")" "no $MVT, $MVT0"
else
	lxt_pass "QEMU (pid $QPID) killed: its macvtaps are gone $((($(date +%s%N) - t0) / 1000000)) ms later (limit 3 s)"
fi
lxt_is "$(status "$VM")" Stopped "$VM is Stopped"
lxt_match "$(grep -a "QEMU (pid $QPID) exited by itself" "$MGR_LOG")" "VM '$VM'" "the manager logged the exit"
for i in "$VM" "$CT"; do
	mgr_req DELETE "/1.0/instances/$i"
	op_ok "$i deleted"
done
lxt_diag "test time: $(echo "$(date +%s.%N) - $T0" | bc) s"
lxt_done
