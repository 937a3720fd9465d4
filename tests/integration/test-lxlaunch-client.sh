#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# test-lxlaunch-client.sh: lxlaunch's manager client without a manager (spec/manager-api.md §9).
#   - exit 3 and "Error: ..." when nothing listens: no socket file, a stale socket file (bound,
#     never listening), for --socket, $LXKIT_SOCKET and every manager command
#   - routing: with $LXKIT_SOCKET naming a socket file, instance commands go to the manager (3
#     here); --local keeps them on liblxc (0); 'run' never goes to the manager
#   - usage errors are exit 2 with one line naming the problem, before any connection
# The manager's own replies (0 and 1) are covered by test-manager-instances.sh.
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$(dirname "$0")/lib.sh"

lxt_require_root
lxt_require_tools python3
: "${LXLAUNCH_BIN:=$LXT_DIR/../../build/launcher/cli/lxlaunch}"
[ -x "$LXLAUNCH_BIN" ] || lxt_skip "lxlaunch binary '$LXLAUNCH_BIN' not built"

T=$(mktemp -d "/tmp/lxkit-test-$$-client-XXXX") || lxt_bail "mktemp failed"
LXT_TMPDIRS+=("$T")
mkdir "$T/lxc"
STALE=$T/stale.sock
python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$STALE" ||
	lxt_bail "cannot create a stale socket file"
[ -S "$STALE" ] || lxt_bail "no stale socket file"

# expect RC DESC ARGS...: exit status RC; for 3 also the "Error: " line naming the socket
expect() {
	local want=$1 desc=$2 out rc
	shift 2
	out=$("$LXLAUNCH_BIN" "$@" 2>&1 </dev/null)
	rc=$?
	lxt_is "$rc" "$want" "$desc: exit $want"
	case $want in
	3) lxt_match "$out" "^Error: the manager is not reachable on '" "$desc: says the manager is unreachable" ;;
	2) lxt_match "$out" "^lxlaunch: " "$desc: one usage line" ;;
	esac
}

NOSOCK=$T/none.sock
for cmd in "storage list" "storage show p1" "storage info p1" "storage create p1 dir" \
	"storage delete p1" "volume list p1" "volume show p1 v1" "volume create p1 v1 size=64MiB" \
	"volume delete p1 v1" "snapshot list c1" "snapshot create p1/v1 s1" "snapshot restore c1 s1" \
	"freeze c1" "device list c1" "device add c1 d1 type=disk path=/mnt source=/srv" "copy c1 c2" \
	"console c1 --show-log" "list --remote" "info c1 --remote" "start c1 --remote" \
	"create c1 --storage p1 --remote"; do
	# shellcheck disable=SC2086  # the command's words
	expect 3 "no socket file: $cmd" $cmd --socket "$NOSOCK"
done
expect 3 "stale socket file via --socket: storage list" storage list --socket "$STALE"
LXKIT_SOCKET=$STALE expect 3 "stale socket file via \$LXKIT_SOCKET: volume list" volume list p1
LXKIT_SOCKET=$STALE expect 3 "\$LXKIT_SOCKET socket exists: list goes to the manager" list
LXKIT_SOCKET=$STALE expect 3 "\$LXKIT_SOCKET socket exists: info goes to the manager" info c1
LXKIT_SOCKET=$STALE expect 0 "--local keeps list on liblxc" list --local --lxcpath "$T/lxc"
LXKIT_SOCKET=$NOSOCK expect 0 "no socket file: list stays local" list --lxcpath "$T/lxc"
LXKIT_SOCKET=$STALE expect 0 "--lxcpath keeps list on liblxc although the socket exists" list --lxcpath "$T/lxc"
LXKIT_SOCKET=$STALE expect 0 "--lxcpath=DIR too" list "--lxcpath=$T/lxc"
expect 2 "--lxcpath with --remote" list --remote --lxcpath "$T/lxc"
out=$(LXKIT_SOCKET=$STALE "$LXLAUNCH_BIN" list --local --lxcpath "$T/lxc" 2>&1)
lxt_match "$out" "^NAME +STATE +PID" "--local list prints the local table"
expect 3 "--socket wins over \$LXKIT_SOCKET" storage list --socket "$STALE"

expect 2 "storage without a subcommand" storage --socket "$NOSOCK"
expect 2 "storage show without a pool" storage show --socket "$NOSOCK"
expect 2 "volume resize with a fractional size" volume resize p1 v1 1.5GB --socket "$NOSOCK"
expect 2 "volume resize with an unknown unit" volume resize p1 v1 1gib --socket "$NOSOCK"
expect 2 "volume create with a bad --type" volume create p1 v1 --type tape --socket "$NOSOCK"
expect 2 "storage create with a setting without '='" storage create p1 dir size --socket "$NOSOCK"
expect 2 "--format xml" storage list --format xml --socket "$NOSOCK"
expect 2 "--remote with --local" list --remote --local
expect 2 "--socket without a value" storage list --socket
expect 2 "create through the manager without --storage" create c1 --remote --socket "$NOSOCK"
expect 2 "--stateful on a volume snapshot" snapshot create p1/v1 s1 --stateful --socket "$NOSOCK"
expect 2 "snapshot target with two slashes" snapshot list a/b/c --socket "$NOSOCK"
expect 2 "snapshot target '..'" snapshot list .. --socket "$NOSOCK"
expect 2 "--force on start" start c1 --force --remote --socket "$NOSOCK"
expect 2 "exec without a command" exec c1 --remote --socket "$NOSOCK"
expect 2 "device add without type=" device add c1 d1 path=/x --socket "$NOSOCK"
expect 2 "device remove without a device" device remove c1 --socket "$NOSOCK"
expect 2 "console without --show-log" console c1 --socket "$NOSOCK"
expect 2 "copy to a name with '/'" copy c1 p/c2 --socket "$NOSOCK"
expect 2 "create with a bad --memory" create c1 --storage p1 --memory 1.5G --remote --socket "$NOSOCK"

lxt_done
