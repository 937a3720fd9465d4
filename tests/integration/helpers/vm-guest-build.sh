#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds the VM test guest (issue 10 item 5) into CACHE_DIR (first argument) and prints the
# paths of its kernel and initramfs on two lines:
#   CACHE_DIR/vmlinuz   the Debian kernel (bzImage) of linux-image-$KVER
#   CACHE_DIR/initrd.gz a busybox initramfs with virtio_pci, virtio_scsi, sd_mod, xhci_pci,
#                       usb_storage and virtio_net and their dependencies; its /init prints to
#                       the serial console:
#                         LXKIT-DISK <name> size=<512-byte sectors>  (each disk at boot)
#                         LXKIT-NET <ifname> mac=<address>  (each network interface at boot)
#                         LXKIT-GUEST-READY devices=<block, USB and network devices at boot>
#                         LXKIT-ADD <name> [size=<512-byte sectors> ro=0|1 model=.. | product=..]
#                         LXKIT-DEL <name>
#                       where <name> is a /sys/block entry (sda), usb:<sysfs name> (usb:2-1) or
#                       net:<ifname> (net:eth1 mac=<address>).
# The kernel package is fetched with 'apt-get download' and unpacked with 'dpkg -x' once; a
# second run finds the cache and only prints the paths. Exit 0, or 1 with the reason on stderr.
set -euo pipefail

cache=${1:?usage: vm-guest-build.sh CACHE_DIR}
kver=${LXKIT_GUEST_KVER:-6.1.0-56-amd64}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)

if [ -s "$cache/vmlinuz" ] && [ -s "$cache/initrd.gz" ] && [ -f "$cache/.built-$kver-v4" ]; then
	printf '%s\n%s\n' "$cache/vmlinuz" "$cache/initrd.gz"
	exit 0
fi

die() { echo "vm-guest-build: $*" >&2; exit 1; }
command -v busybox >/dev/null || die "busybox not found (package busybox-static)"
case " $(busybox --list | tr '\n' ' ') " in *" cpio "*) ;; *) die "this busybox has no cpio applet";; esac
bb=$(command -v busybox)
case "$(ldd "$bb" 2>&1 || true)" in *"not a dynamic"*) ;; *) die "$bb is not static (package busybox-static)";; esac

kroot="$cache/kroot"
if [ ! -d "$kroot/lib/modules/$kver" ]; then
	deb=$(ls "$cache"/linux-image-"$kver"_*.deb 2>/dev/null | head -1 || true)
	if [ -z "$deb" ]; then
		(cd "$cache" && apt-get download "linux-image-$kver" >/dev/null 2>&1) ||
			die "apt-get download linux-image-$kver failed (no apt archive?)"
		deb=$(ls "$cache"/linux-image-"$kver"_*.deb | head -1)
	fi
	rm -rf "$kroot.tmp"
	dpkg -x "$deb" "$kroot.tmp" || die "dpkg -x $deb failed"
	mv "$kroot.tmp" "$kroot"
fi
moddir="$kroot/lib/modules/$kver"
[ -f "$moddir/modules.dep" ] || busybox depmod -b "$kroot" "$kver" ||
	die "busybox depmod failed for $kver"

stage=$(mktemp -d "$cache/stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,proc,sys,dev,lib/modules/"$kver"}
cp "$bb" "$stage/bin/busybox"

# the modules asked for and everything modules.dep says they need
want="virtio_pci virtio_scsi sd_mod xhci_pci usb_storage virtio_net"
declare -A seen=()
add_mod() { # $1: path relative to $moddir
	[ -n "${seen[$1]:-}" ] && return 0
	seen[$1]=1
	mkdir -p "$stage/lib/modules/$kver/$(dirname "$1")"
	cp "$moddir/$1" "$stage/lib/modules/$kver/$1"
	local line dep
	line=$(grep -m1 "^$1:" "$moddir/modules.dep") || die "$1 not in modules.dep"
	for dep in ${line#*:}; do add_mod "$dep"; done
}
for m in $want; do
	p=$(grep -m1 -E "/${m//_/[_-]}\.ko(\.xz|\.zst)?:" "$moddir/modules.dep" | cut -d: -f1) ||
		die "module $m not found in $kver"
	add_mod "$p"
done
# a modules.dep with only the copied modules (busybox modprobe reads it)
for p in "${!seen[@]}"; do grep -m1 "^$p:" "$moddir/modules.dep"; done \
	> "$stage/lib/modules/$kver/modules.dep"

cat > "$stage/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
/bin/busybox mount -t sysfs sys /sys
/bin/busybox mount -t devtmpfs dev /dev 2>/dev/null
/bin/busybox --install -s /bin
export PATH=/bin
for m in virtio_pci virtio_scsi sd_mod xhci_pci usb_storage virtio_net; do
	modprobe $m 2>/dev/null || echo "LXKIT-MODPROBE-FAIL $m"
done
snap() { ls /sys/block | grep -v '^loop\|^ram'; ls /sys/bus/usb/devices 2>/dev/null | grep -v '^usb[0-9]\|:' | sed 's/^/usb:/'; ls /sys/class/net | grep -v '^lo$' | sed 's/^/net:/'; }
# let the devices present at boot settle (disks on the SCSI bus are scanned asynchronously)
prev=""; n=0
while [ $n -lt 10 ]; do cur=$(snap); [ -n "$cur" ] && [ "$cur" = "$prev" ] && break; prev=$cur; n=$((n+1)); usleep 100000; done
prev=$(snap)
for x in $prev; do [ -e /sys/block/$x/size ] && echo "LXKIT-DISK $x size=$(cat /sys/block/$x/size)"; done
for x in $prev; do case $x in net:*) echo "LXKIT-NET ${x#net:} mac=$(cat /sys/class/net/${x#net:}/address)";; esac; done
echo "LXKIT-GUEST-READY devices=$(echo $prev | tr ' ' ',')"
while true; do
	cur=$(snap)
	if [ "$cur" != "$prev" ]; then
		for x in $cur; do echo "$prev" | grep -qx "$x" || {
			case $x in
			usb:*) d=/sys/bus/usb/devices/${x#usb:}; info="product=$(cat $d/product 2>/dev/null)";;
			net:*) info="mac=$(cat /sys/class/net/${x#net:}/address)";;
			*) d=/sys/block/$x; info="size=$(cat $d/size) ro=$(cat $d/ro) model=$(cat $d/device/model 2>/dev/null)";;
			esac
			echo "LXKIT-ADD $x $info"; }; done
		for x in $prev; do echo "$cur" | grep -qx "$x" || echo "LXKIT-DEL $x"; done
		prev=$cur
	fi
	usleep 100000
done
EOF
chmod 755 "$stage/init"
(cd "$stage" && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 > "$cache/initrd.gz.tmp")
cp "$kroot/boot/vmlinuz-$kver" "$cache/vmlinuz.tmp"
mv "$cache/initrd.gz.tmp" "$cache/initrd.gz"
mv "$cache/vmlinuz.tmp" "$cache/vmlinuz"
touch "$cache/.built-$kver-v4"
printf '%s\n%s\n' "$cache/vmlinuz" "$cache/initrd.gz"
