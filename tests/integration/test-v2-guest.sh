#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Pure cgroup v2 for real: this host binds memory and cpu to cgroup v1, so the views of a v2
# container are proven in a TCG guest. Debian's current kernel package (fetched with apt-get
# download, unpacked with dpkg -x, never installed; cached in BUILD/vm-cache) boots with
# cgroup_no_v1=all and a busybox initramfs carrying our lxcfs (tests/vm/mkinitramfs.sh). Its
# /init (tests/vm/guest-init.sh) mounts cgroup2, creates the test cgroups, starts lxcfs with and
# without --enable-cfs and runs readers, each pid 1 of its own pid namespace in a test cgroup:
#   lxkit-guest  memory.max 256M, cpuset.cpus 0 (of 2), cpu.max 50000 100000, io.max on vda
#   lxkit-max    memory.max max (LX-06 a)
#   lxkit-cfs    both CPUs, cpu.max 50000 100000: only --enable-cfs narrows the view
# The guest prints everything to the serial log; this script checks the values on the host.
#
# Environment: LXT_VM_CACHE (kernel cache, default BUILD/vm-cache next to LXCFS_BIN's
# directory), LXT_VM_TIMEOUT (seconds for the whole guest run, default 120). The sanitized
# serial log of the last run is kept as LXT_VM_CACHE/last-serial.log.
. "$(dirname "$0")/lib.sh"

VM_DIR=$(cd "$LXT_DIR/../vm" && pwd)
: "${LXT_VM_CACHE:=$(dirname "$(dirname "$LXCFS_BIN")")/vm-cache}"
: "${LXT_VM_TIMEOUT:=120}"

[ -x "$LXCFS_BIN" ] || lxt_skip "daemon binary '$LXCFS_BIN' not built"
command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	lxt_skip "qemu-system-x86_64 is missing (Debian package qemu-system-x86)"
lxt_require_tools busybox ldd gzip timeout awk sed truncate

T=$(mktemp -d "/tmp/lxkit-test-$$-vm-XXXX") || lxt_bail "mktemp failed"
LXT_TMPDIRS+=("$T")

now() {
	date +%s.%N
}
# elapsed START [END]: seconds, two decimals
elapsed() {
	awk -v a="$1" -v b="${2:-$(now)}" 'BEGIN { printf "%.2f", b - a }'
}

# ---- 1. the guest kernel
t_all=$(now)
kernel=$(bash "$VM_DIR/fetch-kernel.sh" "$LXT_VM_CACHE" 2>"$T/fetch.err")
rc=$?
if [ "$rc" != 0 ]; then
	[ "$rc" = 2 ] && lxt_skip "no guest kernel: $(head -1 "$T/fetch.err")"
	lxt_bail "fetch-kernel.sh failed (exit $rc): $(tail -3 "$T/fetch.err")"
fi
read -r KROOT KVER <<<"$kernel"
VMLINUZ=$KROOT/boot/vmlinuz-$KVER
[ -r "$VMLINUZ" ] || lxt_bail "no $VMLINUZ in the kernel cache"
t_fetch=$(elapsed "$t_all")

# ---- 2. the initramfs
t=$(now)
bash "$VM_DIR/mkinitramfs.sh" "$KROOT" "$KVER" "$LXCFS_BIN" "$VM_DIR/guest-init.sh" "$T/initrd.gz" \
	>"$T/mkinitramfs.log" 2>&1 || lxt_bail "mkinitramfs.sh failed: $(tail -3 "$T/mkinitramfs.log")"
t_initrd=$(elapsed "$t")
# scratch disk for the page cache (LX-06 b) and io.max; sparse
truncate -s 32M "$T/disk.img" || lxt_bail "cannot create the scratch disk"

# ---- 3. boot
LOG=$T/serial.log
t=$(now)
lxt_bg timeout -k 5 "$LXT_VM_TIMEOUT" qemu-system-x86_64 -accel tcg -cpu max -machine q35 \
	-m 1024 -smp 2 -nic none -kernel "$VMLINUZ" -initrd "$T/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1 cgroup_no_v1=all" -nographic -monitor none \
	-serial "file:$LOG" -no-reboot \
	-drive "file=$T/disk.img,format=raw,if=virtio" </dev/null >"$T/qemu.out" 2>&1
wait "$LXT_BG_PID"
qrc=$?
t_qemu=$(elapsed "$t")
t_total=$(elapsed "$t_all")

# Serial text without CRs and the firmware's terminal escapes (they can precede a marker).
S=$T/serial.txt
sed -e 's/\r//g' -e 's/\x1b\[[0-9;?]*[A-Za-z]//g' -e 's/\x1b[A-Za-z]//g' "$LOG" >"$S" 2>/dev/null
cp "$S" "$LXT_VM_CACHE/last-serial.log" 2>/dev/null

# val TAG KEY: the value of "@@ TAG KEY VALUE" (trailing blanks dropped); "(missing)" when the
# guest never printed it, so that no check passes on a guest that did not get that far
val() {
	awk -v p="@@ $1 $2" '$0 == p { f = 1; exit }
		index($0, p " ") == 1 { v = substr($0, length(p) + 2); sub(/[ \t]+$/, "", v); f = 1; exit }
		END { print f ? v : "(missing)" }' "$S"
}
# sec TAG LABEL: the lines between "@@> TAG LABEL" and "@@< TAG LABEL"
sec() {
	awk -v b="@@> $1 $2" -v e="@@< $1 $2" '$0 == e { exit } f { print } $0 == b { f = 1 }' "$S"
}
# has_sec TAG LABEL: the guest printed that section completely
has_sec() {
	grep -qxF "@@< $1 $2" "$S"
}
# mi TAG LABEL KEY: a meminfo value (kB) from a section
mi() {
	sec "$1" "$2" | awk -v k="$3:" '$1 == k { print $2; exit }'
}
# mem_order TAG LABEL DESC: MemFree <= MemAvailable <= MemTotal
mem_order() {
	local f a t

	f=$(mi "$1" "$2" MemFree) a=$(mi "$1" "$2" MemAvailable) t=$(mi "$1" "$2" MemTotal)
	if [[ $f =~ ^[0-9]+$ && $a =~ ^[0-9]+$ && $t =~ ^[0-9]+$ ]] && ((f <= a && a <= t)); then
		lxt_pass "$3: MemFree <= MemAvailable <= MemTotal"
	else
		lxt_fail "$3: MemFree <= MemAvailable <= MemTotal" \
			"MemFree=$f MemAvailable=$a MemTotal=$t" "MemFree <= MemAvailable <= MemTotal"
	fi
}
# cpu_view TAG NCPU ONLINE DESC: cpuinfo, online, the cpuN lines of stat, the cpuN directories
cpu_view() {
	local want_lines want_dirs c

	want_lines=$(lxt_cpulist "$3" | sed 's/^/cpu/' | tr '\n' ' ')
	want_dirs=${want_lines% }
	lxt_is "$(val "$1" ncpu)" "$2" "$4: cpuinfo lists $2 processor(s)"
	lxt_is "$(sec "$1" online)" "$3" "$4: sys/devices/system/cpu/online is $3"
	lxt_is "$(sec "$1" stat | awk '/^cpu[0-9]/ { printf "%s ", $1 }')" "$want_lines" \
		"$4: stat has exactly the cpuN lines $want_dirs"
	lxt_match "$(sec "$1" stat | head -1)" '^cpu  [0-9]' "$4: stat starts with the aggregate cpu line"
	lxt_is "$(val "$1" cpudirs)" "$want_dirs" "$4: sys/devices/system/cpu has only $want_dirs"
}

lxt_diag "guest kernel $KVER; wall time: kernel fetch ${t_fetch}s, initramfs ${t_initrd}s," \
	"qemu boot+test+poweroff ${t_qemu}s, total ${t_total}s;" \
	"guest uptime at /init $(val guest start)s, at poweroff $(val guest end)s"

# ---- the guest itself
if [ "$qrc" = 0 ]; then
	lxt_pass "qemu ran the guest to its poweroff within ${LXT_VM_TIMEOUT}s"
else
	lxt_fail "qemu ran the guest to its poweroff within ${LXT_VM_TIMEOUT}s" \
		"exit $qrc ($(tail -2 "$T/qemu.out" 2>/dev/null))" "exit 0"
fi
lxt_match "$(val guest end)" '^[0-9]+\.[0-9]+$' "the guest /init ran to its end"
lxt_is "$(val guest kernel)" "$KVER" "the guest runs Debian's $KVER"
lxt_is "$(val guest fuse)" yes "/dev/fuse exists in the guest (modules: $(val guest modules))"
v1=$(sec guest proc-cgroups | awk 'NR > 1 && $2 != 0 { printf "%s ", $1 }')
has_sec guest proc-cgroups || v1="(no /proc/cgroups)"
lxt_is "$v1" "" "cgroup_no_v1=all: no controller is on a v1 hierarchy"
ctl=" $(val lxkit-guest controllers) " missing=
for c in memory cpu cpuset io; do
	[[ $ctl == *" $c "* ]] || missing+="$c "
done
lxt_is "$missing" "" "cgroup2 delegates memory cpu cpuset io to the test cgroups"
setup="$(grep -c '^@@ guest setup-ok' "$S") ok; $(grep '^@@ guest setup-fail' "$S" | cut -d' ' -f4- | tr '\n' ';')"
lxt_is "$setup" "7 ok; " "guest cgroup setup: subtree_control, memory.max, cpuset.cpus, cpu.max, io.max written"
lxt_is "$(val lxkit-guest cpuset.cpus.effective)" 0 "lxkit-guest's effective cpuset is 0 of the guest's $(val guest online)"
readers=$(grep -E '^@@ [^ ]+ (readfail|join-fail)' "$S" | cut -d' ' -f2- | tr '\n' ';')
for r in lim max cfs-lim cfs-wide plain-wide; do
	[ "$(val "$r" rc)" = 0 ] && grep -qxF "@@ $r done" "$S" || readers+="reader $r did not finish;"
done
lxt_is "$readers" "" "every reader joined its cgroup, finished, and every read through the mount succeeded"

# ---- the daemon
log=$(sec guest log-plain)
lxt_match "$log" 'hierarchy 0: /sys/fs/cgroup \(cgroup2\)' \
	"the daemon logged its cgroup2 hierarchy at /sys/fs/cgroup"
others=$(grep -c 'hierarchy [1-9]' <<<"$log")
has_sec guest log-plain || others="(no daemon log)"
lxt_is "$others" 0 "the daemon found no other hierarchy"

# ---- lxkit-guest: 256 MiB, CPU 0, half a CPU
lxt_is "$(mi lim meminfo MemTotal)" 262144 "memory.max 256M: MemTotal 262144 kB"
mem_order lim meminfo "memory.max 256M"
lxt_is "$(mi lim meminfo SwapTotal)" 0 "no swap in the guest: SwapTotal 0 kB"
lxt_is "$(sec lim swaps | wc -l)" 1 "no swap in the guest: proc/swaps is its header alone"
cpu_view lim 1 0 "cpuset 0"
u=$(sec lim uptime)
lxt_match "$u" '^[0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2}$' "uptime format"
# the reader's namespace is younger than the span from just before it was made (t0) to just
# after its uptime was read (t1)
read -r up_cs bound_cs < <(awk -v u="${u%% *}" -v a="$(val lim t0)" -v b="$(val lim t1)" \
	'BEGIN { if (u == "" || a !~ /^[0-9.]+$/ || b !~ /^[0-9.]+$/) print "missing", 0
		 else printf "%d %d\n", u * 100, (b - a + 2) * 100 }')
lxt_num "$up_cs" -le "$bound_cs" \
	"uptime ${u%% *}s is the reader namespace's age: below t1 - t0 + 2 s = $((bound_cs / 100)).$(printf %02d $((bound_cs % 100)))s"
if [ "$(val lim no-pressure-memory)" = "(missing)" ]; then
	lxt_match "$(sec lim pressure-memory | tr '\n' '|')" \
		'^some avg10=[0-9]+\.[0-9]{2} avg60=[0-9]+\.[0-9]{2} avg300=[0-9]+\.[0-9]{2} total=[0-9]+\|full avg10=[0-9.]+ avg60=[0-9.]+ avg300=[0-9.]+ total=[0-9]+\|$' \
		"proc/pressure/memory has the kernel's some/full format"
else
	lxt_skip_case "proc/pressure/memory has the kernel's some/full format" \
		"the mount has no proc/pressure/memory"
fi

# LX-06 (b): 20 MiB of clean page cache charged to the cgroup
cb=$(mi lim meminfo Cached) ca=$(mi lim meminfo-after Cached)
fa=$(mi lim meminfo-after MemFree) aa=$(mi lim meminfo-after MemAvailable)
lxt_is "$(val lim dd-rc)" 0 "the reader wrote 20 MiB through the scratch disk's page cache"
lxt_num "$((${ca:-0} - ${cb:-0}))" -ge 18432 \
	"LX-06: the 20 MiB of page cache show in Cached (${cb:-?} -> ${ca:-?} kB)"
lxt_num "$((${aa:-0} - ${fa:-0}))" -ge 18432 \
	"LX-06: page cache is available: MemAvailable ${aa:-?} >= MemFree ${fa:-?} + ~20 MiB"
mem_order lim meminfo-after "LX-06: after the write"
lxt_is "$(mi lim meminfo-after MemTotal)" 262144 "LX-06: after the write MemTotal is still 262144 kB"

# LX-06 (a): memory.max max
gt=$(val guest memtotal)
lxt_num "$(mi max meminfo MemTotal)" -gt 0 "LX-06: memory.max max: MemTotal is never 0"
lxt_is "$(mi max meminfo MemTotal)" "$gt" "LX-06: memory.max max: MemTotal is the guest's ($gt kB)"
mem_order max meminfo "LX-06: memory.max max"

# ---- the CPU view with --enable-cfs
cpu_view cfs-lim 1 0 "--enable-cfs, cpuset 0, cpu.max 50000 100000"
cpu_view cfs-wide 1 0 "--enable-cfs, cpuset 0-1, cpu.max 50000 100000"
cpu_view plain-wide 2 0-1 "no --enable-cfs, cpuset 0-1, cpu.max 50000 100000 (quota ignored)"

# ---- clean exit
lxt_is "$(val guest exit-plain) $(val guest exit-cfs)" "0 0" "both daemons exited 0 on SIGTERM"
lxt_is "$(val guest still-mounted)" "" "no lxcfs mount left after they exited"

if [ "$LXT_FAILED" -gt 0 ]; then
	lxt_diag "---- serial log tail ($LOG, kept as $LXT_VM_CACHE/last-serial.log) ----"
	lxt_diag "$(grep -v -E '^(flags|bugs|vmx flags|intr) ' "$S" | tail -n 80)"
	[ -s "$T/qemu.out" ] && lxt_diag "---- qemu output ----" "$(tail -n 20 "$T/qemu.out")"
	[ -s "$T/mkinitramfs.log" ] && lxt_diag "---- mkinitramfs ----" "$(cat "$T/mkinitramfs.log")"
fi
lxt_done
