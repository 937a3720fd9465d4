# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
#
# tests/lib/lxc.sh: a busybox LXC container under a private lxcpath, with our lxcfs mounted
# for its hooks.  Sourced by tests/demo.sh and tests/integration/test-lxc-container.sh; needs
# root.  The caller owns the EXIT trap and calls lxct_cleanup and lxct_stop_lxcfs from it.
#
# State the functions share with the caller (globals):
#   LXCT_NAME        the container's name: set it before installing the trap
#   LXCT_PATH        the private lxcpath (a directory the caller made)
#   LXCT_CREATED     1 once lxc-create ran: lxct_cleanup then stops and destroys the container
#   LXCT_CONFIG, LXCT_ROOTFS   the container's config file and rootfs (set by lxct_create_busybox)
#   LXCT_DAEMON_PID  the lxcfs started by lxct_start_lxcfs (empty: none)

readonly LXCT_CONFD_INCLUDE=/usr/share/lxc/config/common.conf.d/00-lxcfs.conf
# shellcheck disable=SC2034  # for the callers
readonly LXCT_INSTALLED_HOOK=/usr/share/lxcfs/lxc.mount.hook
readonly LXCT_START_TIMEOUT_TENTHS=50	# 5 s for lxcfs to serve MNT/proc/meminfo
readonly LXCT_STOP_TIMEOUT_TENTHS=50	# 5 s for it to exit on SIGTERM

LXCT_NAME=""
LXCT_PATH=""
LXCT_CREATED=0
LXCT_CONFIG=""
LXCT_ROOTFS=""
LXCT_DAEMON_PID=""

# lxct_controller_version CONTROLLER: prints 1 when CONTROLLER sits on a v1 hierarchy (column 2
# of /proc/cgroups non-zero), 2 when it is on the unified hierarchy (pure v2, or a hybrid host
# that moved it there); returns 1, printing nothing, when the kernel has no such controller.
lxct_controller_version()
{
	local name hier _rest
	while read -r name hier _rest; do
		[[ $name == "$1" ]] || continue
		[[ $hier != 0 ]] && { echo 1; return 0; }
		grep -qw "$1" /sys/fs/cgroup/cgroup.controllers /sys/fs/cgroup/unified/cgroup.controllers \
			2>/dev/null && { echo 2; return 0; }
	done </proc/cgroups
	return 1
}

# lxct_limit_keys MEM_BYTES: the LXC keys that limit the container to MEM_BYTES of memory and to
# one CPU, lxc.cgroup.* or lxc.cgroup2.* per controller (see lxct_controller_version).  Sets
# LXCT_MEM_KEY and LXCT_CPU_KEY ("key = value" lines) and LXCT_CPU, the host's last online CPU
# (so on a multi-CPU host the cpuinfo renumbering is exercised: CPU 1 shows up as processor 0).
# Returns 1 with the reason in LXCT_ERROR when the memory or the cpuset controller is missing.
# shellcheck disable=SC2034  # LXCT_ERROR is for the caller
lxct_limit_keys()
{
	local mem_v cpuset_v online
	mem_v=$(lxct_controller_version memory) || { LXCT_ERROR="no memory cgroup controller"; return 1; }
	cpuset_v=$(lxct_controller_version cpuset) || { LXCT_ERROR="no cpuset cgroup controller"; return 1; }
	online=$(cat /sys/devices/system/cpu/online)
	LXCT_CPU=${online##*[,-]}
	if [[ $mem_v == 1 ]]; then
		LXCT_MEM_KEY="lxc.cgroup.memory.limit_in_bytes = $1"
	else
		LXCT_MEM_KEY="lxc.cgroup2.memory.max = $1"
	fi
	if [[ $cpuset_v == 1 ]]; then
		LXCT_CPU_KEY="lxc.cgroup.cpuset.cpus = $LXCT_CPU"
	else
		LXCT_CPU_KEY="lxc.cgroup2.cpuset.cpus = $LXCT_CPU"
	fi
}

# lxct_start_lxcfs LXCFS_BIN MNT DIR [OPTION...]: starts LXCFS_BIN (with the extra OPTIONs, e.g. -l)
# in the foreground mode in the background
# on MNT (pidfile DIR/lxcfs.pid, output in DIR/lxcfs.log), sets LXCT_DAEMON_PID and waits up to
# 5 s for MNT to be a mountpoint serving proc/meminfo.  Returns 0 when MNT is a mountpoint and
# the daemon still runs, 1 otherwise.  Call it in the main shell, not in $(...).
lxct_start_lxcfs()
{
	local i
	"$1" -f "${@:4}" -p "$3/lxcfs.pid" "$2" >"$3/lxcfs.log" 2>&1 &
	LXCT_DAEMON_PID=$!
	for ((i = 0; i < LXCT_START_TIMEOUT_TENTHS; i++)); do
		[[ -r $2/proc/meminfo ]] && mountpoint -q "$2" && break
		kill -0 "$LXCT_DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	mountpoint -q "$2" && kill -0 "$LXCT_DAEMON_PID" 2>/dev/null
}

# lxct_stop_lxcfs: stops the lxcfs of LXCT_DAEMON_PID, if it still runs: SIGTERM, up to 5 s to
# exit, then SIGKILL; reaps it.  Its mount is the caller's to check (SIGTERM unmounts).
lxct_stop_lxcfs()
{
	local i
	if [[ -z $LXCT_DAEMON_PID ]] || ! kill -0 "$LXCT_DAEMON_PID" 2>/dev/null; then
		return 0
	fi
	kill -TERM "$LXCT_DAEMON_PID" 2>/dev/null
	for ((i = 0; i < LXCT_STOP_TIMEOUT_TENTHS; i++)); do
		kill -0 "$LXCT_DAEMON_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$LXCT_DAEMON_PID" 2>/dev/null && kill -KILL "$LXCT_DAEMON_PID" 2>/dev/null
	wait "$LXCT_DAEMON_PID" 2>/dev/null
	return 0
}

# lxct_create_busybox DIR [CONF_LINE...]: lxc-create -t busybox of LXCT_NAME under LXCT_PATH with
# the limits of lxct_limit_keys and the CONF_LINEs, from DIR/create.conf (output in
# DIR/create.log).  Sets LXCT_CREATED=1 first, then LXCT_CONFIG and LXCT_ROOTFS.  Returns
# lxc-create's exit status.
lxct_create_busybox()
{
	local dir=$1
	shift
	# -f replaces /etc/lxc/default.conf, which names a bridge (lxcbr0) that need not exist
	# and a generated AppArmor profile.
	{
		echo "lxc.net.0.type = empty"
		echo "lxc.apparmor.profile = unconfined"
		echo "$LXCT_MEM_KEY"
		echo "$LXCT_CPU_KEY"
		(($#)) && printf '%s\n' "$@"
	} >"$dir/create.conf"
	LXCT_CREATED=1	# from here on lxct_cleanup destroys whatever lxc-create left
	# shellcheck disable=SC2034  # for the caller
	LXCT_CONFIG=$LXCT_PATH/$LXCT_NAME/config
	LXCT_ROOTFS=$LXCT_PATH/$LXCT_NAME/rootfs
	lxc-create -P "$LXCT_PATH" -n "$LXCT_NAME" -t busybox -f "$dir/create.conf" >"$dir/create.log" 2>&1
}

# lxct_include_chain FILE [DEPTH]: does the LXC config FILE reach LXCT_CONFD_INCLUDE (or its
# directory) through lxc.include, up to 4 levels deep?  Prints the chain that reaches it
# ("FILE -> ... -> include") and returns 0, or returns 1.
lxct_include_chain()
{
	local file=$1 depth=${2:-0} inc sub
	((depth > 4)) && return 1
	while IFS= read -r inc; do
		inc=${inc%/}
		case "$inc" in
		"$LXCT_CONFD_INCLUDE" | "$(dirname "$LXCT_CONFD_INCLUDE")")
			echo "$file -> $inc"
			return 0
			;;
		esac
		if [[ -f $inc ]] && sub=$(lxct_include_chain "$inc" $((depth + 1))); then
			echo "$file -> $sub"
			return 0
		fi
	done < <(sed -n 's/^[[:space:]]*lxc\.include[[:space:]]*=[[:space:]]*//p' "$file" |
		sed 's/[[:space:]]*$//')
	return 1
}

# lxct_copy_procps TOOL: copies the host's /usr/bin/TOOL (procps free, uptime; glibc getconf) to
# /usr/local/bin/TOOL in LXCT_ROOTFS (the busybox template bind-mounts the host's /lib and
# /usr/lib, so it finds its libraries).  Returns 0 when copied, 1 when the host has no procps
# TOOL (missing, or a link to busybox) or the copy failed.
lxct_copy_procps()
{
	[[ -x /usr/bin/$1 && $(readlink -f "/usr/bin/$1") != */busybox ]] || return 1
	mkdir -p "$LXCT_ROOTFS/usr/local/bin" && cp "/usr/bin/$1" "$LXCT_ROOTFS/usr/local/bin/$1"
}

# lxct_start LOG HOOK_MNT [LXC_START_ARG...]: lxc-start LXCT_NAME (log file LOG) and wait up to
# 10 s for it to be RUNNING.  HOOK_MNT non-empty: passed to the hook as LXCFS_MOUNT (LXC hooks
# inherit lxc-start's environment); empty: LXCFS_MOUNT removed from it (the hook binds from its
# default mountpoint).  Returns 0 when the container runs.
lxct_start()
{
	local log=$1 mnt=$2
	shift 2
	if [[ -n $mnt ]]; then
		LXCFS_MOUNT=$mnt lxc-start -P "$LXCT_PATH" -n "$LXCT_NAME" "$@" -o "$log"
	else
		env -u LXCFS_MOUNT lxc-start -P "$LXCT_PATH" -n "$LXCT_NAME" "$@" -o "$log"
	fi && lxc-wait -P "$LXCT_PATH" -n "$LXCT_NAME" -s RUNNING -t 10
}

# lxct_attach CMD...: runs CMD in the container with a clean environment (stdout and stderr
# are the caller's); returns CMD's exit status.
lxct_attach()
{
	lxc-attach -P "$LXCT_PATH" -n "$LXCT_NAME" --clear-env -- "$@"
}

# lxct_cleanup: for the EXIT trap.  Stops (-k) and destroys the container if lxc-create ran,
# then rmdirs its lxc.monitor.NAME / lxc.payload.NAME cgroups (and those of LXC's -N retries),
# which LXC leaves behind after a failed start, in every hierarchy, children first.  Only names
# built from LXCT_NAME are touched; nothing happens while LXCT_NAME is empty.
lxct_cleanup()
{
	local d
	[[ -n $LXCT_NAME ]] || return 0
	if [[ $LXCT_CREATED == 1 ]]; then
		lxc-stop -P "$LXCT_PATH" -n "$LXCT_NAME" -k >/dev/null 2>&1
		lxc-destroy -P "$LXCT_PATH" -n "$LXCT_NAME" >/dev/null 2>&1
	fi
	while IFS= read -r -d '' d; do
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done < <(find /sys/fs/cgroup -maxdepth 6 -type d \
		\( -name "lxc.monitor.$LXCT_NAME" -o -name "lxc.payload.$LXCT_NAME" \
		   -o -name "lxc.monitor.$LXCT_NAME-[0-9]*" -o -name "lxc.payload.$LXCT_NAME-[0-9]*" \) \
		-print0 -prune 2>/dev/null)
	return 0
}
