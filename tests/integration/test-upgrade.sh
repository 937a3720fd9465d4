#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-upgrade.sh: live upgrade of liblxcfs.so (issue 5). The daemon runs from a copy of the build
# tree's binary and library in a temp dir; 8 readers in a 256 MiB memory cgroup loop over
# proc/meminfo while the library file is replaced and SIGUSR1 sent three times:
#   - zero failed or wrong reads (every read is the cgroup's "MemTotal: 262144 kB")
#   - each reload loads the file now on disk: the log names its GNU build id (readelf -n),
#     alternating between liblxcfs.so and the "test variant" build of the same sources
#   - an in-place overwrite (cp) and an atomic rename (mv) both work
#   - a file opened before the reloads is still served by the copy that opened it, which is
#     unloaded only when that file is closed
#   - a library that cannot be loaded (garbage, missing) keeps the old one serving, with a
#     logged reason; SIGUSR2 switches to the host's files and back
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

lxt_require_root
lxt_require_fuse
lxt_require_tools readelf
BUILD_LIB=$(dirname "$LXCFS_BIN")/liblxcfs.so
VARIANT_LIB=$(dirname "$LXCFS_BIN")/liblxcfs-variant.so
[ -f "$BUILD_LIB" ] || lxt_skip "'$BUILD_LIB' not built"
[ -f "$VARIANT_LIB" ] || lxt_skip "'$VARIANT_LIB' not built (meson -Dtests=true builds it)"
[ -d "$LXT_CGROOT/memory" ] || lxt_skip "no v1 memory hierarchy at $LXT_CGROOT/memory"

build_id() { readelf -n "$1" 2>/dev/null | awk '/Build ID:/ { print $3; exit }'; }
ID_A=$(build_id "$BUILD_LIB")
ID_B=$(build_id "$VARIANT_LIB")
[[ $ID_A =~ ^[0-9a-f]{16,}$ && $ID_B =~ ^[0-9a-f]{16,}$ && $ID_A != "$ID_B" ]] ||
	lxt_bail "the two libraries need distinct GNU build ids (got '$ID_A' and '$ID_B')"

T=$(mktemp -d "/tmp/lxkit-test-$$-upg-XXXX") || lxt_bail "mktemp failed"
LXT_TMPDIRS+=("$T")
mkdir "$T/bin"
cp "$LXCFS_BIN" "$T/bin/lxcfs" && cp "$BUILD_LIB" "$T/bin/liblxcfs.so" || lxt_bail "cannot copy the daemon"
LXCFS_BIN=$T/bin/lxcfs lxt_start_daemon || lxt_bail "lxcfs did not mount"

# count_log REGEX: lines of the daemon log matching REGEX
count_log() { grep -cE "$1" "$DAEMON_LOG"; }
# wait_log REGEX N: until the log has N lines matching REGEX (10 s)
wait_log() {
	local i
	for i in $(seq 100); do
		(($(count_log "$1") >= $2)) && return 0
		sleep 0.1
	done
	return 1
}
# last_loaded: build id of the last "Loaded liblxcfs.so" line
last_loaded() { sed -n 's/.*Loaded liblxcfs\.so (build id \([0-9a-f]*\).*/\1/p' "$DAEMON_LOG" | tail -n 1; }

lxt_is "$(last_loaded)" "$ID_A" "the daemon loaded the library next to it (build id $ID_A)"

lxt_mkcg memory upg
lxt_cgset memory upg memory.limit_in_bytes 268435456
WANT="MemTotal:         262144 kB"
lxt_is "$(lxt_in_cgroups "memory/$(lxt_cgname upg)" head -n 1 "$MNT/proc/meminfo")" "$WANT" \
	"a reader in the 256 MiB cgroup sees MemTotal 262144 kB"

# reader N: loops until $T/stop exists; writes "<good> <bad>" to $T/reader.N, bad lines to
# $T/bad.N. read(1) is a bash builtin: one open/read/close per loop, no fork.
reader() {
	local n=0 bad=0 line
	echo "$BASHPID" >"$CG/cgroup.procs" || exit 1
	while [ ! -e "$T/stop" ]; do
		if IFS= read -r line <"$MNT/proc/meminfo" 2>>"$T/bad.$1" && [ "$line" = "$WANT" ]; then
			n=$((n + 1))
		else
			bad=$((bad + 1))
			echo "read: '$line'" >>"$T/bad.$1"
		fi
	done
	echo "$n $bad" >"$T/reader.$1"
}
for i in 1 2 3 4 5 6 7 8; do
	reader "$i" &
	lxt_track $!
	READERS+=($!)
done

# a file opened before the reloads (host reader: the host's MemTotal)
HOST_FIRST=$(head -n 1 /proc/meminfo)
exec 3<"$MNT/proc/meminfo"
sleep 1

# reload K HOW LIB WANT_ID: replace the library by HOW (cp: in place; mv: rename), SIGUSR1
reload() {
	local k=$1 how=$2 lib=$3 want=$4
	if [ "$how" = cp ]; then
		cp -f "$lib" "$T/bin/liblxcfs.so"
	else
		cp -f "$lib" "$T/bin/liblxcfs.so.new" && mv -f "$T/bin/liblxcfs.so.new" "$T/bin/liblxcfs.so"
	fi
	kill -USR1 "$DAEMON_PID"
	if wait_log 'Reloaded LXCFS' "$k"; then
		lxt_is "$(last_loaded)" "$want" "reload $k ($how over the file): the new library is in use (build id $want)"
	else
		lxt_fail "reload $k: 'Reloaded LXCFS' logged" "$(count_log 'Reloaded LXCFS') lines" "$k"
	fi
	sleep 1
}
reload 1 cp "$VARIANT_LIB" "$ID_B"
lxt_match "$(grep 'Loaded liblxcfs' "$DAEMON_LOG" | tail -n 1)" "test variant" \
	"reload 1: the log line of the variant says 'test variant'"
reload 2 mv "$BUILD_LIB" "$ID_A"
reload 3 cp "$VARIANT_LIB" "$ID_B"

touch "$T/stop"
wait "${READERS[@]}"
good=0 bad=0 short=0
for i in 1 2 3 4 5 6 7 8; do
	read -r g b <"$T/reader.$i" 2>/dev/null || { short=$((short + 1)); continue; }
	good=$((good + g)) bad=$((bad + b))
	((g > 0)) || short=$((short + 1))
done
lxt_is "$short" 0 "all 8 readers ran and read (each wrote its counts)"
lxt_is "$bad" 0 "zero failed or wrong reads during 3 reloads ($good good reads)"
[ "$bad" = 0 ] || lxt_diag "$(cat "$T"/bad.* 2>/dev/null | sort | uniq -c | head -n 5)"
lxt_num "$good" -ge 500 "the readers kept reading through the reloads ($good reads in about 4 s)"

# the handle opened before: served by generation 1, which stays loaded until it is closed
IFS= read -r line <&3
lxt_is "$line" "$HOST_FIRST" "a file opened before the reloads still reads (by the copy that opened it)"
lxt_is "$(count_log 'Unloading library generation 1$')" 0 "generation 1 is still loaded while that file is open"
exec 3<&-
wait_log 'Unloading library generation 1$' 1
lxt_is "$(count_log 'Unloading library generation 1$')" 1 "closing it unloads generation 1"
lxt_is "$(count_log 'Unloading library generation [23]$')" 2 "generations 2 and 3 were unloaded when replaced"

# a file that is no library: the old one keeps serving, the reason is logged
echo "not a shared object" >"$T/bin/liblxcfs.so"
kill -USR1 "$DAEMON_PID"
wait_log 'Reload failed' 1
lxt_is "$(count_log 'Reload failed, still serving')" 1 "a garbage library: 'Reload failed, still serving ...' logged"
lxt_match "$(grep 'Failed to load library' "$DAEMON_LOG" | tail -n 1)" "liblxcfs.so" "... with dlopen's reason"
lxt_is "$(lxt_in_cgroups "memory/$(lxt_cgname upg)" head -n 1 "$MNT/proc/meminfo")" "$WANT" \
	"... and the views still work (generation 4, the variant)"
rm -f "$T/bin/liblxcfs.so"
kill -USR1 "$DAEMON_PID"
wait_log 'Reload failed' 2
lxt_match "$(grep 'Failed to read library' "$DAEMON_LOG" | tail -n 1)" "No such file" \
	"a missing library: the reason is logged"
lxt_is "$(lxt_in_cgroups "memory/$(lxt_cgname upg)" head -n 1 "$MNT/proc/meminfo")" "$WANT" \
	"... and the views still work"

# SIGUSR2: the host's files, then virtualized again
kill -USR2 "$DAEMON_PID"
sleep 0.2
lxt_is "$(lxt_in_cgroups "memory/$(lxt_cgname upg)" head -n 1 "$MNT/proc/meminfo")" "$HOST_FIRST" \
	"SIGUSR2: the host's meminfo while virtualization is off"
kill -USR2 "$DAEMON_PID"
sleep 0.2
lxt_is "$(lxt_in_cgroups "memory/$(lxt_cgname upg)" head -n 1 "$MNT/proc/meminfo")" "$WANT" \
	"SIGUSR2 again: the cgroup's view"

lxt_true "the daemon is alive after all of it" lxt_alive "$DAEMON_PID"
lxt_true "SIGTERM: the daemon exits 0 and unmounts" lxt_stop_daemon
lxt_done
