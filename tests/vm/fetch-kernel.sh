#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fetches Debian's current amd64 guest kernel package without installing it: the versioned
# dependency of linux-image-amd64 (linux-image-6.1.0-N-amd64 on Debian 12), `apt-get download`,
# `dpkg -x` into CACHE_DIR/<package>/ and a .complete stamp. Later runs reuse the unpacked tree
# (about 400 MB: boot/vmlinuz-*, boot/config-*, lib/modules/*); older versions are removed.
#
# Usage: fetch-kernel.sh CACHE_DIR
# Prints "KROOT KVER" on stdout (KROOT holds boot/vmlinuz-KVER). On failure prints one line
# saying why on stderr and exits 2 (nothing to boot) or 1 (unexpected error).
set -u

cache=${1:?usage: fetch-kernel.sh CACHE_DIR}
meta=linux-image-amd64

die() {
	echo "$*" >&2
	exit 2
}

# The newest complete unpacked kernel in the cache, as "KROOT KVER" (empty when none).
cached_any() {
	local d best=

	for d in "$cache"/linux-image-*-amd64; do
		[ -e "$d/.complete" ] && best=$d
	done
	[ -n "$best" ] && printf '%s %s\n' "$best" "$(basename "$best" | sed 's/^linux-image-//')"
}

# The versioned package linux-image-amd64 depends on, e.g. linux-image-6.1.0-56-amd64.
versioned() {
	apt-cache depends "$meta" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9].*-amd64$/ { print $2; exit }'
}

updated=
apt_update() {
	[ -n "$updated" ] && return 1
	updated=1
	[ "$(id -u)" = 0 ] || return 1
	apt-get update -qq >/dev/null 2>&1
}

for tool in apt-get apt-cache dpkg; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (not a Debian host)"
done
mkdir -p "$cache" || die "cannot create the kernel cache $cache"

pkg=$(versioned)
if [ -z "$pkg" ]; then
	apt_update
	pkg=$(versioned)
fi
if [ -z "$pkg" ]; then
	# no package lists (offline): an earlier download still boots
	cached_any && exit 0
	die "apt-cache knows no versioned dependency of $meta (no package lists, and apt-get update failed or needs root)"
fi

kroot=$cache/$pkg
kver=${pkg#linux-image-}
if [ -e "$kroot/.complete" ]; then
	printf '%s %s\n' "$kroot" "$kver"
	exit 0
fi

work=$(mktemp -d "$cache/.fetch-XXXXXX") || die "cannot create a temp dir in $cache"
trap 'rm -rf "$work"' EXIT

# apt-get download runs as the _apt user where it can; in a root-owned build tree it falls back
# to root with a warning, which is harmless here.
download() {
	(cd "$work" && apt-get download -q "$pkg") >"$work/download.log" 2>&1
}
if ! download; then
	apt_update
	if ! download; then
		msg=$(grep -E '^(E|Err):' "$work/download.log" | head -1)
		cached_any && exit 0
		die "apt-get download $pkg failed: ${msg:-$(tail -1 "$work/download.log")}"
	fi
fi
debs=("$work"/*.deb)
deb=${debs[0]}
[ -e "$deb" ] || die "apt-get download $pkg produced no .deb"
dpkg -x "$deb" "$work/root" || die "dpkg -x $deb failed"
[ -e "$work/root/boot/vmlinuz-$kver" ] || die "$pkg has no boot/vmlinuz-$kver"
touch "$work/root/.complete"
rm -f "$deb"

# Another run may have finished the same package meanwhile: keep whichever got there first.
[ -e "$kroot" ] && [ ! -e "$kroot/.complete" ] && rm -rf "$kroot"
if ! mv -T "$work/root" "$kroot" 2>/dev/null && [ ! -e "$kroot/.complete" ]; then
	die "cannot move the unpacked kernel to $kroot"
fi
for d in "$cache"/linux-image-*-amd64; do
	[ "$d" = "$kroot" ] || rm -rf "$d"
done
printf '%s %s\n' "$kroot" "$kver"
