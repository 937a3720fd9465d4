#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Builds a small busybox initramfs for a TCG guest that runs the lxcfs under test:
#   /init                  INIT_SCRIPT
#   /bin/busybox           the host's busybox (busybox-static; a dynamic one brings its libraries)
#   /bin/lxcfs             LXCFS_BIN and /bin/liblxcfs.so (from LXCFS_BIN's directory), plus every
#                          library `ldd` lists for them and the dynamic loader,
#                          each at the same path as on the host, and libgcc_s.so.1 (dlopen()ed)
#   /lib/modules/KVER/     the modules named below that KROOT's kernel builds as modules (=m in
#                          boot/config-KVER), their dependencies (from each .ko's "depends="
#                          modinfo field) and a modules.dep made by `busybox depmod`
#   /etc/lxkit-modules     the modules /init must modprobe, in order (none when built in)
#
# Usage: mkinitramfs.sh KROOT KVER LXCFS_BIN INIT_SCRIPT OUT.cpio.gz
# Needs: busybox (cpio, depmod), ldd, gzip. Works in OUT.d (removed on success).
set -eu

kroot=$1 kver=$2 lxcfs=$3 init=$4 out=$5
root=$out.d
moddir=$kroot/lib/modules/$kver
config=$kroot/boot/config-$kver
bb=$(command -v busybox)

# module to load : its kernel config symbol. fuse for the mount; virtio_pci + virtio_blk for the
# scratch disk (page cache and io.max checks).
wanted="fuse:CONFIG_FUSE_FS virtio_pci:CONFIG_VIRTIO_PCI virtio_blk:CONFIG_VIRTIO_BLK"

rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,etc,run,tmp,lxcfs,lxcfs-cfs,lib/modules/"$kver"}

# copy_bin SRC DEST: the file (symlinks resolved) and what ldd says it loads
copy_bin() {
	local src=$1 dest=$2 lib

	cp -L "$src" "$root$dest"
	chmod 755 "$root$dest"
	# "libx.so => /path (0x...)" and the loader's own "/lib64/ld-linux-x86-64.so.2 (0x...)";
	# "not a dynamic executable" and linux-vdso have no path
	ldd "$src" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
		while read -r lib; do
			[ -e "$root$lib" ] && continue
			mkdir -p "$root$(dirname "$lib")"
			cp -L "$lib" "$root$lib"
		done
}

copy_bin "$bb" /bin/busybox
copy_bin "$lxcfs" /bin/lxcfs
# the daemon dlopen()s liblxcfs.so from its own directory first (lxcfs/core/library.h)
copy_bin "$(dirname "$lxcfs")/liblxcfs.so" /bin/liblxcfs.so
# glibc dlopen()s libgcc_s.so.1 for pthread_cancel() (libfuse cancels its worker threads when the
# session ends); ldd cannot see that, and without it the daemon aborts on SIGTERM
gcc_s=$(/sbin/ldconfig -p 2>/dev/null | awk '$1 == "libgcc_s.so.1" && /x86-64/ { print $NF; exit }')
if [ -n "$gcc_s" ] && [ ! -e "$root$gcc_s" ]; then
	mkdir -p "$root$(dirname "$gcc_s")"
	cp -L "$gcc_s" "$root$gcc_s"
fi
cp "$init" "$root/init"
chmod 755 "$root/init"
ln -s /proc/mounts "$root/etc/mtab"

# ko_file NAME: the .ko of module NAME in the package (module names use '_', files may use '-')
declare -A ko_index=()
while IFS= read -r f; do
	n=${f##*/}
	n=${n%%.ko*}
	ko_index[${n//-/_}]=$f
done < <(find "$moddir/kernel" -name '*.ko*')

declare -A copied=()
# add_module NAME: copies NAME and, first, everything it depends on
add_module() {
	local name=${1//-/_} f dep deps

	[ -n "${copied[$name]-}" ] && return 0
	f=${ko_index[$name]-}
	[ -n "$f" ] || { echo "mkinitramfs: module $name not found in $moddir" >&2; return 1; }
	copied[$name]=1
	deps=$(tr '\0' '\n' <"$f" | sed -n 's/^depends=//p' | head -1)
	for dep in ${deps//,/ }; do
		add_module "$dep"
	done
	mkdir -p "$root/lib/modules/$kver/$(dirname "${f#"$moddir/"}")"
	cp "$f" "$root/lib/modules/$kver/${f#"$moddir/"}"
}

: >"$root/etc/lxkit-modules"
for w in $wanted; do
	mod=${w%%:*} sym=${w#*:}
	case $(grep -E "^$sym=" "$config" 2>/dev/null) in
	"$sym=m")
		add_module "$mod"
		echo "$mod" >>"$root/etc/lxkit-modules"
		;;
	"$sym=y") ;;
	*) echo "mkinitramfs: warning: $sym is not set in $config" >&2 ;;
	esac
done
if [ -s "$root/etc/lxkit-modules" ]; then
	"$bb" depmod -b "$root" "$kver"
fi

(cd "$root" && find . | "$bb" cpio -o -H newc 2>/dev/null) | gzip -1 >"$out"
rm -rf "$root"
