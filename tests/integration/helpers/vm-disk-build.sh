#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds a bootable raw disk image of the VM test guest (issue 10: VMs that boot from a disk
# image through their firmware) and prints its path:
#   CACHE_DIR/disk.img  48 MiB: an MBR (syslinux's mbr.bin) with one bootable FAT12 partition
#                       from 1 MiB on, holding the guest's kernel and initramfs (arguments 2
#                       and 3, from vm-guest-build.sh) and SYSLINUX, whose config boots them
#                       with console=ttyS0; the guest's /init prints LXKIT-GUEST-READY.
# No mount and no loop device: mkfs.vfat, mcopy and syslinux --install work on the image at an
# offset. Cached: a second run with the same kernel and initramfs only prints the path.
# Exit 0, or 1 with the reason on stderr.
set -euo pipefail

cache=${1:?usage: vm-disk-build.sh CACHE_DIR KERNEL INITRD}
kernel=${2:?usage: vm-disk-build.sh CACHE_DIR KERNEL INITRD}
initrd=${3:?usage: vm-disk-build.sh CACHE_DIR KERNEL INITRD}
die() { echo "vm-disk-build: $*" >&2; exit 1; }
mkdir -p "$cache"
img="$cache/disk.img"
stamp="$cache/.disk-v3-$(stat -c %Y-%s "$kernel")-$(stat -c %Y-%s "$initrd")"
if [ -s "$img" ] && [ -f "$stamp" ]; then
	echo "$img"
	exit 0
fi
for t in mkfs.vfat mcopy syslinux; do
	command -v "$t" >/dev/null || die "$t not found (packages dosfstools, mtools, syslinux)"
done
mbr=/usr/lib/syslinux/mbr/mbr.bin
[ -f "$mbr" ] || die "$mbr not found (package syslinux-common)"

tmp="$img.tmp"
rm -f "$tmp" "$cache"/.disk-v3-*
truncate -s 48M "$tmp"
# the partition: 1 MiB to the end, FAT12 (type 0x01), bootable (0x80), 32 KiB clusters: SYSLINUX
# reads the kernel cluster by cluster through BIOS calls, and fewer, larger ones boot faster
# under TCG (QEMU's CPU time to the guest's ready line: 7.6 s, with 8 KiB clusters 9.1 s)
start=2048
count=$(( 48 * 2048 - start ))
le32() { printf '%b' "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24 & 255)))"; }
{
	printf '\x80\xfe\xff\xff\x01\xfe\xff\xff'
	le32 "$start"
	le32 "$count"
} | dd of="$tmp" bs=1 seek=446 conv=notrunc status=none
printf '\x55\xaa' | dd of="$tmp" bs=1 seek=510 conv=notrunc status=none
dd if="$mbr" of="$tmp" bs=440 count=1 conv=notrunc status=none
mkfs.vfat -F 12 -s 64 -n LXKITVM --offset "$start" "$tmp" $((count / 2)) >/dev/null ||
	die "mkfs.vfat failed"
cfg=$(mktemp)
trap 'rm -f "$cfg"' EXIT
cat >"$cfg" <<'EOF'
SERIAL 0 115200
DEFAULT lxkit
PROMPT 0
TIMEOUT 0
LABEL lxkit
  LINUX /vmlinuz
  INITRD /initrd.gz
  APPEND console=ttyS0 quiet panic=-1
EOF
export MTOOLS_SKIP_CHECK=1
mcopy -i "$tmp@@$((start * 512))" "$kernel" ::vmlinuz || die "mcopy of the kernel failed"
mcopy -i "$tmp@@$((start * 512))" "$initrd" ::initrd.gz || die "mcopy of the initramfs failed"
mcopy -i "$tmp@@$((start * 512))" "$cfg" ::syslinux.cfg || die "mcopy of syslinux.cfg failed"
syslinux --offset $((start * 512)) --install "$tmp" || die "syslinux --install failed"
mv "$tmp" "$img"
touch "$stamp"
echo "$img"
