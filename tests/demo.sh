#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# demo.sh BUILD_DIR: what `make demo` shows, after the Makefile installed the packages,
# built BUILD_DIR and ran `meson install -C BUILD_DIR` (which put the LXC hooks in
# /usr/share/lxcfs and /usr/share/lxc/config/common.conf.d/00-lxcfs.conf).
#
# It mounts BUILD_DIR/lxcfs/lxcfs (with -l) on /var/lib/lxcfs unless something is already
# mounted there (then on a temporary mountpoint), and runs
#   lxlaunch run --template busybox --memory 256M --cpuset 0 --lxcfs MNT -- sh -c '...'
# an ephemeral busybox container that sees the lxcfs views (the installed LXC mount hook) and
# whose sysinfo(2) calls lxlaunch answers with the container's numbers, so busybox's own
# free and uptime show the container too.  It prints side by side what the host and the
# container see.  lxlaunch destroys the container; a trap stops lxcfs and unmounts.
#
# Exit status: 0 when the container saw MemTotal 262144 kB and nproc 1, 1 otherwise (the
# reason is printed), 2 on bad usage.
set -uo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/lxc.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/lxc.sh"

readonly MEM_LIMIT=$((256 * 1024 * 1024))
readonly MEM_LIMIT_KB=$((MEM_LIMIT / 1024))
readonly DEFAULT_MOUNT=/var/lib/lxcfs
readonly COL=38			# width of each column: 38 + " | " + 38 fits 80 columns

die() { echo "demo: $*" >&2; exit 1; }

[[ $# -eq 1 ]] || { echo "Usage: $0 BUILD_DIR" >&2; exit 2; }
[[ -d $1 ]] || { echo "demo: build directory '$1' does not exist" >&2; exit 2; }
BUILD_DIR=$(realpath -- "$1")
LXCFS_BIN=$BUILD_DIR/lxcfs/lxcfs
LXLAUNCH=$BUILD_DIR/launcher/cli/lxlaunch

[[ $EUID -eq 0 ]] || die "run me as root (I mount FUSE and start an LXC container)"
[[ -x $LXCFS_BIN ]] || die "'$LXCFS_BIN' not found: build with 'ninja -C $BUILD_DIR'"
[[ -x $LXLAUNCH ]] || die "'$LXLAUNCH' not found: build with 'ninja -C $BUILD_DIR' (needs lxc-dev)"
[[ -c /dev/fuse ]] || die "no /dev/fuse"
for tool in busybox mountpoint; do
	command -v "$tool" >/dev/null || die "$tool not found (apt-get install lxc busybox-static util-linux)"
done
for f in "$LXCT_CONFD_INCLUDE" "$LXCT_INSTALLED_HOOK"; do
	[[ -e $f ]] || die "$f is not installed: run 'meson install -C $BUILD_DIR' (or 'make demo')"
done

# ---------------------------------------------------------------- state and cleanup
LXCT_NAME=lxkit-demo-$$
WORK=""
MNT=""
MNT_IS_TEMP=0
MNT_DIR_CREATED=0

# shellcheck disable=SC2317  # runs from the EXIT trap
cleanup()
{
	trap - EXIT INT TERM HUP
	lxct_stop_lxcfs
	# The daemon unmounts on SIGTERM; this is for one that died or had to be killed.  MNT
	# was not a mountpoint before we started it, so a fuse.lxcfs mount left there is ours.
	if [[ -n $LXCT_DAEMON_PID ]] && mountpoint -q "$MNT" 2>/dev/null &&
		[[ $(findmnt -n -o FSTYPE --mountpoint "$MNT" | tail -n 1) == fuse.lxcfs ]]; then
		fusermount3 -u "$MNT" 2>/dev/null || umount -l "$MNT"
	fi
	[[ $MNT_IS_TEMP == 1 || $MNT_DIR_CREATED == 1 ]] && rmdir "$MNT" 2>/dev/null
	[[ -n $WORK ]] && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---------------------------------------------------------------- lxcfs
WORK=$(mktemp -d /tmp/lxkit-demo-$$-XXXX)
LXCT_PATH=$WORK/lxc
mkdir "$LXCT_PATH"
if mountpoint -q "$DEFAULT_MOUNT" 2>/dev/null; then
	MNT=$(mktemp -d /tmp/lxkit-demo-$$-mnt-XXXX)
	MNT_IS_TEMP=1
	WHY="$DEFAULT_MOUNT is taken ($(findmnt -n -o FSTYPE --mountpoint "$DEFAULT_MOUNT" | tail -n 1) mounted there)"
else
	MNT=$DEFAULT_MOUNT
	[[ -d $MNT ]] || { mkdir -p "$MNT" && MNT_DIR_CREATED=1; }
	WHY=""
fi
if ! lxct_start_lxcfs "$LXCFS_BIN" "$MNT" "$WORK" -l; then
	cat "$WORK/lxcfs.log" >&2
	die "lxcfs did not mount on $MNT"
fi

# ---------------------------------------------------------------- the container
# One ephemeral container prints every view, each after a "@@name" marker line.
CT_SCRIPT='sleep 1
echo @@free; free -m
echo @@nproc; nproc
echo @@uptime; uptime
echo @@procuptime; cat /proc/uptime
echo @@meminfo; head -n 5 /proc/meminfo
echo @@cpus; grep -c ^processor /proc/cpuinfo'
CT_OUT=$("$LXLAUNCH" run --lxcpath "$LXCT_PATH" --name "$LXCT_NAME" --template busybox \
	--memory 256M --cpuset 0 --lxcfs "$MNT" -- sh -c "$CT_SCRIPT" 2>"$WORK/lxlaunch.err") ||
	{ cat "$WORK/lxlaunch.err" >&2; die "lxlaunch run failed"; }

# ---------------------------------------------------------------- side by side
ct() {	# ct NAME: the container's output after its "@@NAME" marker
	awk -v want="@@$1" '/^@@/ { on = ($0 == want); next } on' <<<"$CT_OUT"
}

# side TITLE HOST_TEXT CONTAINER_TEXT: "$ TITLE", then the two texts in two columns.
side()
{
	local -a l r
	local i n
	mapfile -t l <<<"$2"
	mapfile -t r <<<"$3"
	n=${#l[@]}
	((${#r[@]} > n)) && n=${#r[@]}
	printf '\n$ %s\n' "$1"
	for ((i = 0; i < n; i++)); do
		printf "%-${COL}.${COL}s | %.${COL}s\n" "${l[i]:-}" "${r[i]:-}" | sed 's/ *$//'
	done
}

# free -m has six numeric columns, too wide for two columns side by side: print it
# transposed (rows total..available, columns Mem and Swap), numbers unchanged.
free_t()
{
	awk '
	NR == 1 { for (i = 1; i <= NF; i++) head[i] = $i; nh = NF; next }
	$1 == "Mem:"  { for (i = 2; i <= NF; i++) mem[i - 1] = $i }
	$1 == "Swap:" { for (i = 2; i <= NF; i++) swp[i - 1] = $i }
	END {
		printf "%-11s %8s %7s\n", "", "Mem", "Swap"
		for (i = 1; i <= nh; i++)
			printf "%-11s %8s %7s\n", head[i], mem[i], (i in swp) ? swp[i] : ""
	}'
}

# uptime on two lines, runs of blanks squeezed: "HH:MM:SS up ..., N users," / "load average: ..."
uptime_2()
{
	tr -s ' ' | sed 's/^ //; s/,* *load average/,\nload average/'
}

H_FREE=$(free -m | free_t)
C_FREE=$(ct free | free_t)
H_NPROC=$(nproc)
C_NPROC=$(ct nproc)
H_UPTIME=$(uptime | uptime_2)
C_UPTIME=$(ct uptime | uptime_2)
H_PROC_UPTIME=$(cat /proc/uptime)
C_PROC_UPTIME=$(ct procuptime)
H_MEMINFO=$(head -n 5 /proc/meminfo)
C_MEMINFO=$(ct meminfo)
H_CPUS=$(grep -c ^processor /proc/cpuinfo)
C_CPUS=$(ct cpus)

echo "lxkit demo: lxlaunch run --template busybox --memory 256M --cpuset 0 --lxcfs $MNT"
if [[ $MNT_IS_TEMP == 1 ]]; then
	echo "  $WHY, so lxcfs is mounted on"
	echo "  $MNT and passed to the hook as LXCFS_MOUNT"
else
	echo "  lxcfs -l ($LXCFS_BIN) is mounted on $MNT"
fi
echo "  (lxlaunch adds the installed hook $LXCT_INSTALLED_HOOK and answers sysinfo(2))"
echo
printf "%-${COL}s | %s\n" "host ($(nproc --all) CPUs)" "container (256 MiB, 1 CPU)"
printf '%s\n' "$(printf '%*s' $((2 * COL + 3)) '' | tr ' ' '=')"
side "free -m   (rows and columns swapped to fit)" "$H_FREE" "$C_FREE"
side "nproc" "$H_NPROC" "$C_NPROC"
side "uptime" "$H_UPTIME" "$C_UPTIME"
side "cat /proc/uptime   (seconds up, seconds idle)" "$H_PROC_UPTIME" "$C_PROC_UPTIME"
side "head -n 5 /proc/meminfo" "$H_MEMINFO" "$C_MEMINFO"
side "grep -c ^processor /proc/cpuinfo" "$H_CPUS" "$C_CPUS"
echo
echo "The container runs busybox: its /proc and sysfs files come from lxcfs; its"
echo "free and uptime call sysinfo(2), which lxlaunch answers with the same numbers."
echo "lxcfs runs with -l: the container's load average is its own (0.00 while it idles)."

# ---------------------------------------------------------------- did it prove the point?
status=0
C_MEMTOTAL=$(awk '$1 == "MemTotal:" { print $2 " " $3 }' <<<"$C_MEMINFO")
if [[ $C_MEMTOTAL != "$MEM_LIMIT_KB kB" ]]; then
	echo "FAILED: the container's MemTotal is '$C_MEMTOTAL', want '$MEM_LIMIT_KB kB'" >&2
	status=1
fi
if [[ $C_NPROC != 1 ]]; then
	echo "FAILED: nproc in the container is '$C_NPROC', want 1" >&2
	status=1
fi
if [[ $status == 0 ]]; then
	echo "OK: the container sees MemTotal $MEM_LIMIT_KB kB and 1 CPU."
fi
exit "$status"
