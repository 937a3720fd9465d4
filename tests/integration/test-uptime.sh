#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# proc/uptime: a container (new pid namespace) sees the age of its init; a host reader sees the
# host's uptime (spec 4.6).
. "$(dirname "$0")/lib.sh"
lxt_init

T=$(mktemp -d "/tmp/lxkit-test-$$-up-XXXX") || lxt_bail "mktemp failed"
LXT_TMPDIRS+=("$T")
NCPU=$(getconf _NPROCESSORS_ONLN)

lxt_start_daemon || lxt_bail "daemon did not start"

# Each reader logs "H <host uptime just before> / <lxcfs uptime> / A <host uptime just after>";
# S is the host uptime before the namespace was created, so the init's age at a read is at most
# A - S.
UP_PY='
import re, sys
path, label, min_first, min_late = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
start = None
reads = []
h = None
for line in open(path):
    line = line.rstrip("\n")
    if line.startswith("S "):
        start = float(line.split()[1])
    elif line.startswith("H "):
        h = float(line.split()[1])
    elif line.startswith("A "):
        reads[-1]["A"] = float(line.split()[1])
    elif line.startswith("MARK "):
        reads.append({"mark": True})
    else:
        reads.append({"text": line, "H": h})
reads = [r for r in reads if "text" in r or "mark" in r]

def check(ok, desc, got="", want=""):
    print(("PASS " if ok else "FAIL ") + desc + ("" if ok else " # got %s want %s" % (got, want)))

texts = [r for r in reads if "text" in r]
fmt = re.compile(r"^[0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2}$")
bad = [r["text"] for r in texts if not fmt.match(r["text"])]
check(texts and not bad, label + ": %d reads, all formatted N.NN N.NN" % len(texts), bad[:3], "N.NN N.NN")
if bad or not texts:
    sys.exit(0)
up = [float(r["text"].split()[0]) for r in texts]
idle = [float(r["text"].split()[1]) for r in texts]
age = [r["A"] - start for r in texts]
print(label, "uptime values:", up[:3], "...", up[-1], "| age bounds:", [round(a, 2) for a in age[:3]], "...")
check(all(u >= 0 for u in up) and all(i >= 0 for i in idle), label + ": never negative", min(up + idle), ">= 0")
over = [(u, round(a, 2)) for u, a in zip(up, age) if u >= a + 2]
check(not over, label + ": uptime below the namespace age + 2 s", over[:3], "up < age + 2")
check(up[0] >= min_first, label + ": first read >= %.2f s" % min_first, up[0], ">= %.2f" % min_first)
check(up[-1] >= min_late, label + ": last read >= %.2f s (it counts from the init start)" % min_late, up[-1], ">= %.2f" % min_late)
dec = [(a, b) for a, b in zip(up, up[1:]) if b < a]
check(not dec, label + ": uptime never goes backwards", dec[:3], "non-decreasing")
check(all(i <= u for u, i in zip(up, idle)), label + ": idle <= uptime", list(zip(up, idle))[:3], "idle <= up")
'

# r: logs the host uptime around one read of $MNT/proc/uptime (MNT is exported)
read_snippet='
	r() { read -r h _ </proc/uptime; echo "H $h"; cat "$MNT/proc/uptime"; read -r a _ </proc/uptime; echo "A $a"; }
'

# 1. the reader is a child of the namespace's init (bash): read at once, after 3 s, then 20 more
read -r s _ </proc/uptime
echo "S $s" >"$T/child"
unshare --pid --fork --kill-child bash -c "$read_snippet"'
	r; sleep 3; r
	for i in $(seq 20); do r; done
' _ >>"$T/child" 2>&1 </dev/null
lxt_py_tap "$UP_PY" "$T/child" "pidns child reader" 0 2.9

# 2. the reader is the init itself
read -r s _ </proc/uptime
echo "S $s" >"$T/init"
read -r h _ </proc/uptime
echo "H $h" >>"$T/init"
unshare --pid --fork --kill-child cat "$MNT/proc/uptime" >>"$T/init" 2>&1
read -r a _ </proc/uptime
echo "A $a" >>"$T/init"
lxt_py_tap "$UP_PY" "$T/init" "pidns init reader" 0 0

# 3. a deeper descendant, with /proc remounted for the namespace (--mount-proc)
read -r s _ </proc/uptime
echo "S $s" >"$T/deep"
unshare --pid --fork --kill-child --mount-proc bash -c '
	sleep 1
	( ( read -r h _ </proc/uptime; echo "H $h"; cat "$MNT/proc/uptime" ) )
	read -r a _ </proc/uptime; echo "A $a"
' >>"$T/deep" 2>&1
# /proc inside is the namespace's own procfs; its uptime file still shows the host clock
lxt_py_tap "$UP_PY" "$T/deep" "pidns (--mount-proc) grandchild reader" 0.9 0.9

# 4. a reader that joined the namespace later (nsenter, as lxc-attach does): its parent chain
#    leaves the namespace before reaching the init, the init's age still counts
read -r s _ </proc/uptime
echo "S $s" >"$T/attach"
lxt_bg unshare --pid --fork --kill-child sleep 60
INIT=
for i in $(seq 50); do
	INIT=$(cat "/proc/$LXT_BG_PID/task/$LXT_BG_PID/children" 2>/dev/null)
	INIT=${INIT%% *}
	[ -n "$INIT" ] && break
	sleep 0.1
done
sleep 2
read -r h _ </proc/uptime
echo "H $h" >>"$T/attach"
nsenter --target "$INIT" --pid -- cat "$MNT/proc/uptime" >>"$T/attach" 2>&1
read -r a _ </proc/uptime
echo "A $a" >>"$T/attach"
lxt_py_tap "$UP_PY" "$T/attach" "nsenter'ed reader" 1.9 1.9
kill "$LXT_BG_PID"

# 5. a host reader gets the host's uptime
for i in 1 2 3; do
	mine=$(cat "$MNT/proc/uptime")
	host=$(cat /proc/uptime)
	lxt_match "$mine" '^[0-9]+\.[0-9]{2} [0-9]+\.[0-9]{2}$' "host reader: format N.NN N.NN ($i)"
	lxt_true "host reader: uptime within 1 s of /proc/uptime ($mine vs $host)" \
		awk -v a="${mine% *}" -v b="${host% *}" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1) }'
	lxt_true "host reader: idle within $NCPU s of /proc/uptime's idle" \
		awk -v a="${mine#* }" -v b="${host#* }" -v n="$NCPU" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= n) }'
done

lxt_true "daemon alive at the end" lxt_alive "$DAEMON_PID"
lxt_stop_daemon
lxt_is "$LXT_DAEMON_STATUS" 0 "daemon exits 0 on SIGTERM"
lxt_done
