#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# lxcfs command line, mount and pidfile behaviour, signals (spec section 7.1, 7.2, 7.3).
. "$(dirname "$0")/lib.sh"
lxt_init

T=$(mktemp -d "/tmp/lxkit-test-$$-cli-XXXX") || lxt_bail "mktemp failed"
LXT_TMPDIRS+=("$T")
mkdir "$T/mnt"

# lxt_cli NAME ARGS...: run the daemon with ARGS (10 s cap), stdout/stderr/status in $T/NAME.*
lxt_cli() {
	local name=$1
	shift
	timeout 10 "$LXCFS_BIN" "$@" >"$T/$name.out" 2>"$T/$name.err" </dev/null
	echo $? >"$T/$name.rc"
}
rc_of() { cat "$T/$1.rc"; }

# --- options that never mount --------------------------------------------------------------
lxt_cli help -h
lxt_is "$(rc_of help)" 1 "-h exits 1"
lxt_match "$(cat "$T/help.err")" 'Usage: lxcfs' "-h prints the usage on stderr"

lxt_cli version -v
lxt_is "$(rc_of version)" 0 "-v exits 0"
lxt_match "$(cat "$T/version.err")" '^"?[0-9]+\.[0-9]+(\.[0-9]+)?"?$' "-v prints the version on stderr"
lxt_is "$(cat "$T/version.out")" "" "-v prints nothing on stdout"

lxt_cli nomnt -p "$T/nomnt.pid"
lxt_is "$(rc_of nomnt)" 1 "no mountpoint exits 1"
lxt_false "no mountpoint creates no pidfile" test -e "$T/nomnt.pid"

lxt_cli badopt --no-such-option -p "$T/badopt.pid" "$T/mnt"
lxt_is "$(rc_of badopt)" 1 "unknown long option exits 1"
lxt_cli badshort -x -p "$T/badshort.pid" "$T/mnt"
lxt_is "$(rc_of badshort)" 1 "unknown short option exits 1"

lxt_cli debugfg -d -f -p "$T/debugfg.pid" "$T/mnt"
lxt_is "$(rc_of debugfg)" 1 "-d -f exits 1"
lxt_match "$(cat "$T/debugfg.err")" '(debug|foreground)' "-d -f says why"

lxt_cli twomnt -p "$T/twomnt.pid" "$T/mnt" "$T/mnt"
lxt_is "$(rc_of twomnt)" 1 "two mountpoints exit 1"

lxt_cli badloop --fuse-loop fast -p "$T/badloop.pid" "$T/mnt"
lxt_is "$(rc_of badloop)" 1 "--fuse-loop with an unknown mode exits 1"
lxt_match "$(cat "$T/badloop.err")" "unknown mode 'fast'" "--fuse-loop says which mode it does not know"

# --- each request loop serves 16 parallel readers and stops cleanly on SIGTERM --------------
for mode in adaptive single multi; do
	lxt_start_daemon --fuse-loop "$mode" || lxt_bail "daemon with --fuse-loop $mode did not start"
	readers=()
	for i in $(seq 16); do
		(for _ in $(seq 20); do head -1 "$MNT/proc/meminfo"; done >"$T/loop-$mode.$i") &
		readers+=("$!")
	done
	wait "${readers[@]}"
	lines=$(cat "$T/loop-$mode".* | grep -c '^MemTotal: ')
	lxt_is "$lines" 320 "--fuse-loop $mode: 16 parallel readers got all 320 reads"
	lxt_stop_daemon "$DAEMON_PID" TERM
	lxt_is "$LXT_DAEMON_STATUS" 0 "--fuse-loop $mode: exits 0 on SIGTERM after the readers"
done

lxt_false "none of the rejected command lines mounted anything" lxt_is_mounted "$T/mnt"

# --- a running daemon -------------------------------------------------------------------------
lxt_start_daemon || lxt_bail "daemon did not start"
FIRST_PID=$DAEMON_PID FIRST_MNT=$MNT FIRST_PIDFILE=$PIDFILE

line=$(mount | awk -v d="$MNT" '$3 == d')
lxt_match "$line" "^lxcfs on $MNT type fuse\.lxcfs \(" "mount shows source lxcfs, fstype fuse.lxcfs"
lxt_match "$line" '[(,]allow_other[,)]' "mount options include allow_other"
lxt_diag "mount: $line"
lxt_is "$(findmnt -n -o FSTYPE,SOURCE --mountpoint "$MNT" | tr -s ' ')" "fuse.lxcfs lxcfs" \
	"findmnt agrees on fstype and source"
lxt_is "$(cat "$PIDFILE" 2>/dev/null)" "$DAEMON_PID" "pidfile holds the daemon's pid"

# second instance, same pidfile, another (empty) mountpoint
mkdir "$T/mnt2"
lxt_cli second -p "$FIRST_PIDFILE" "$T/mnt2"
lxt_num "$(rc_of second)" -ne 0 "second instance on a locked pidfile exits non-zero"
lxt_is "$(rc_of second)" 1 "second instance exits 1"
lxt_match "$(cat "$T/second.err")" "PID file '$FIRST_PIDFILE' is already locked" \
	"second instance says the pidfile is locked"
lxt_false "second instance did not mount" lxt_is_mounted "$T/mnt2"
lxt_true "first instance's pidfile still exists" test -e "$FIRST_PIDFILE"
lxt_is "$(cat "$FIRST_PIDFILE" 2>/dev/null)" "$FIRST_PID" "first instance's pidfile still holds its pid"
lxt_true "first instance still alive" lxt_alive "$FIRST_PID"
lxt_match "$(head -1 "$FIRST_MNT/proc/meminfo")" '^MemTotal: +[0-9]+ kB$' "first instance still serves"

# SIGTERM
lxt_stop_daemon "$FIRST_PID" TERM
lxt_is "$LXT_DAEMON_STATUS" 0 "SIGTERM: daemon exits 0"
lxt_false "SIGTERM: mount is gone" lxt_is_mounted "$FIRST_MNT"
lxt_false "SIGTERM: pidfile removed" test -e "$FIRST_PIDFILE"
lxt_is "$(mount | awk -v d="$FIRST_MNT" '$3 == d' | wc -l)" 0 "SIGTERM: mount(8) no longer lists it"

# SIGINT
lxt_start_daemon || lxt_bail "daemon did not start (second time)"
lxt_stop_daemon "$DAEMON_PID" INT
lxt_is "$LXT_DAEMON_STATUS" 0 "SIGINT: daemon exits 0"
lxt_false "SIGINT: mount is gone" lxt_is_mounted "$MNT"
lxt_false "SIGINT: pidfile removed" test -e "$PIDFILE"

# the pidfile lock goes with the process: a new instance can take the same pidfile
lxt_start_daemon || lxt_bail "daemon did not start (third time)"
P3=$DAEMON_PID
lxt_stop_daemon "$P3" TERM
lxt_cli again -p "$T/again.pid" "$T/mnt2" &
again=$!
LXT_PIDS+=("$again")
for _ in $(seq 50); do
	[ -e "$T/mnt2/proc/meminfo" ] && break
	sleep 0.1
done
lxt_true "a daemon on a fresh pidfile mounts $T/mnt2" test -e "$T/mnt2/proc/meminfo"
lxt_is "$(cat "$T/again.pid" 2>/dev/null | tr -d '\n' | grep -c '^[0-9][0-9]*$')" 1 "its pidfile holds a pid"
again_pid=$(cat "$T/again.pid" 2>/dev/null)
[ -n "$again_pid" ] && kill -TERM "$again_pid"
wait "$again"
lxt_is "$(rc_of again)" 0 "that daemon exits 0 on SIGTERM (started through timeout)"
lxt_false "and unmounts" lxt_is_mounted "$T/mnt2"

lxt_done
