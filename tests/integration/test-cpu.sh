#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# CPU views: cpuinfo, stat, sys/devices/system/cpu/{online,offline,cpuN/online} and what glibc
# derives from them. LX-07, LX-13, LX-11 (default mode), the CFS view (--enable-cfs).
. "$(dirname "$0")/lib.sh"
lxt_init cpuset cpu cpuacct
HOST_CPUS=$(lxt_cpulist "$(cat /sys/devices/system/cpu/online)" | wc -l)
[ "$HOST_CPUS" -ge 2 ] || lxt_skip "needs at least 2 online CPUs (has $HOST_CPUS)"
[ -e /sys/devices/system/cpu/cpu1/online ] || lxt_skip "cpu1 has no online file on this host"

T=$(mktemp -d "/tmp/lxkit-test-$$-cpu-XXXX") || lxt_bail "mktemp failed"
LXT_TMPDIRS+=("$T")
HZ=$(getconf CLK_TCK)

lxt_start_daemon || lxt_bail "daemon did not start"
DEFAULT_MNT=$MNT

# snapshot OUT CGROUPS: a reader in CGROUPS, in its own mount namespace with the lxcfs cpu
# directory bind-mounted over /sys/devices/system/cpu (as the LXC mount hook does), saves
# what it sees to $T/OUT.*
snapshot() {
	lxt_in_cgroups "$2" unshare -m bash -c '
		M=$1 O=$2 D=/sys/devices/system/cpu
		mount --bind "$M/sys/devices/system/cpu" "$D" || exit 1
		cat "$M/proc/cpuinfo" >"$O.cpuinfo"
		cat "$M/proc/stat" >"$O.stat"
		for f in online offline present possible cpu0/online cpu1/online; do
			if [ -e "$D/$f" ]; then cat "$D/$f"; else echo absent; fi >"$O.${f//\//_}"
		done
		getconf _NPROCESSORS_ONLN >"$O.onln"
		getconf _NPROCESSORS_CONF >"$O.conf"
		nproc >"$O.nproc"
	' _ "$MNT" "$T/$1" 2>"$T/$1.err"
}
stat_cpus() {	# FILE -> "cpu0 cpu1 ..." (the cpuN lines, in order)
	grep -o '^cpu[0-9]\+' "$1" | tr '\n' ' ' | sed 's/ $//'
}
set_of() {	# CPULIST -> sorted ids, space separated
	lxt_cpulist "$1" | sort -n | tr '\n' ' ' | sed 's/ $//'
}

# --- LX-07: cpuset 1 -------------------------------------------------------------------------
lxt_mkcg cpuset c1
lxt_cgset cpuset c1 cpuset.cpus 1
snapshot c1 "$CGREL"
lxt_is "$(cat "$T/c1.err")" "" "LX-07: reader set up its view without errors"
lxt_is "$(grep -c '^processor' "$T/c1.cpuinfo")" 1 "LX-07: cpuinfo lists exactly 1 processor"
lxt_is "$(grep '^processor' "$T/c1.cpuinfo")" $'processor\t: 0' "LX-07: ... renumbered 'processor<TAB>: 0'"
lxt_is "$(awk -F': ' '/^core id/ { print $2; exit }' "$T/c1.cpuinfo")" \
	"$(awk -F': ' '/^processor/ { p = $2 } /^core id/ && p == 1 { print $2; exit }' /proc/cpuinfo)" \
	"LX-07: ... the block is host CPU 1's (its core id)"
lxt_is "$(cat "$T/c1.online")" 1 "LX-07: online is '1'"
lxt_is "$(stat_cpus "$T/c1.stat")" cpu1 "LX-07: stat has exactly one cpuN line, cpu1"
lxt_match "$(head -1 "$T/c1.stat")" '^cpu  [0-9]+( [0-9]+){9}$' "LX-07: stat starts with the aggregate 'cpu ' line"
lxt_is "$(head -1 "$T/c1.stat" | cut -d' ' -f3-)" "$(grep '^cpu1 ' "$T/c1.stat" | cut -d' ' -f2-)" \
	"LX-07: aggregate line = the sum of the one cpuN line"
lxt_is "$(grep -cE '^(intr|ctxt|btime|processes|procs_running|procs_blocked|softirq) ' "$T/c1.stat")" 7 \
	"LX-07: stat keeps the host's non-cpu lines"
lxt_is "$(cat "$T/c1.onln")" 1 "LX-07: getconf _NPROCESSORS_ONLN = 1"
lxt_is "$(set_of "$(cat "$T/c1.online")")" "$(stat_cpus "$T/c1.stat" | sed 's/cpu//g')" \
	"LX-07: CPU ids in online == cpuN ids in stat"
lxt_is "$(cat "$T/c1.conf")" 1 "LX-07: getconf _NPROCESSORS_CONF = 1 (cpu1 only, present/possible narrowed)"
lxt_is "$(cat "$T/c1.cpu0_online")" absent "LX-07: cpu0, not the container's, is not listed"

# --- LX-13: cpuset 0 -------------------------------------------------------------------------
lxt_mkcg cpuset c0
lxt_cgset cpuset c0 cpuset.cpus 0
snapshot c0 "$CGREL"
lxt_is "$(cat "$T/c0.err")" "" "LX-13: reader set up its view without errors"
lxt_is "$(cat "$T/c0.online")" 0 "LX-13: online is '0'"
lxt_is "$(cat "$T/c0.offline")" "" "LX-13: offline is empty (the container has no offline CPU)"
lxt_is "$(cat "$T/c0.present")" 0 "LX-13: present is the container's CPUs ('0')"
lxt_is "$(cat "$T/c0.possible")" 0 "LX-13: possible is the container's CPUs ('0')"
on=$(set_of "$(cat "$T/c0.online")") off=$(set_of "$(cat "$T/c0.offline")")
both=$(comm -12 <(tr ' ' '\n' <<<"$on" | sort) <(tr ' ' '\n' <<<"$off" | sort) | grep -v '^$' | tr '\n' ' ')
lxt_is "$both" "" "LX-13: online and offline are disjoint"
lxt_is "$(printf '%s\n%s\n' "$on" "$off" | tr ' ' '\n' | grep -v '^$' | sort -n | tr '\n' ' ' | sed 's/ $//')" \
	"$(set_of "$(cat "$T/c0.present")")" "LX-13: online + offline = present"
lxt_is "$(cat "$T/c0.cpu1_online")" absent "LX-13: cpu1, not the container's, is not listed"
if [ "$(cat "$T/c0.cpu0_online")" != absent ]; then
	lxt_is "$(cat "$T/c0.cpu0_online")" 1 "LX-13: cpu0/online reads 1"
fi
lxt_is "$(cat "$T/c0.onln")" 1 "LX-13: getconf _NPROCESSORS_ONLN = 1"
lxt_is "$(cat "$T/c0.conf")" 1 "LX-13: getconf _NPROCESSORS_CONF = 1 (present/possible are the container's)"
lxt_is "$(grep -c '^processor' "$T/c0.cpuinfo")" 1 "LX-13: cpuinfo lists 1 processor"
lxt_is "$(stat_cpus "$T/c0.stat")" cpu0 "LX-13: stat has exactly cpu0"
lxt_is "$(cat /sys/devices/system/cpu/cpu1/online)" 1 "LX-13: the host's own cpu1/online is untouched"

# --- LX-11: stat counters of an idle reader, default mode -------------------------------------
lxt_mkcg cpuset s11
lxt_cgset cpuset s11 cpuset.cpus 1
S11=$CGREL
lxt_mkcg cpuacct a11
A11=$CGREL
# lx11 OUT LABEL CPUN CGROUPS: 4 reads of stat 2 s apart by an idle reader in CGROUPS, checked
lx11() {
	lxt_in_cgroups "$4" bash -c '
		for i in 1 2 3 4; do
			read -r t _ </proc/uptime
			echo "T $t"
			grep "^cpu" "$1/proc/stat"
			read -r u _ </proc/uptime
			echo "U $u"
			echo "---"
			[ "$i" = 4 ] || sleep 2
		done
	' _ "$MNT" >"$T/$1" 2>"$T/$1.err"
	lxt_is "$(cat "$T/$1.err")" "" "$2: 4 reads 2 s apart without errors"
	lxt_py_tap "$LX11_PY" "$T/$1" "$HZ" "$3" "$2"
}
LX11_PY='
import sys
path, hz, cpun, label = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
blocks, cur = [], {}
for line in open(path):
    f = line.split()
    if not f:
        continue
    if f[0] == "---":
        blocks.append(cur)
        cur = {}
    elif f[0] in ("T", "U"):
        cur[f[0]] = float(f[1])
    else:
        cur.setdefault("lines", []).append(f)

def check(ok, desc, got="", want=""):
    print(("PASS " if ok else "FAIL ") + desc + ("" if ok else " # got %s want %s" % (got, want)))

check(len(blocks) == 4, label + ": 4 snapshots", len(blocks), 4)
names = [[l[0] for l in b["lines"]] for b in blocks]
check(all(n == ["cpu", cpun] for n in names), label + ": every read has the aggregate line and exactly one cpuN line (%s)" % cpun, names, "[cpu, %s]" % cpun)
vals = [{l[0]: [int(x) for x in l[1:]] for l in b["lines"]} for b in blocks]
bad = []
for k in range(1, len(vals)):
    for name in ("cpu", cpun):
        for i, (a, b) in enumerate(zip(vals[k - 1].get(name, []), vals[k].get(name, []))):
            if b < a:
                bad.append("%s field %d: %d -> %d (read %d)" % (name, i + 1, a, b, k + 1))
check(not bad, label + ": every field of every cpu line is non-decreasing", bad[:3], "none")
steps = []
for k in range(1, len(vals)):
    dt = blocks[k]["T"] - blocks[k - 1]["T"]
    di = vals[k][cpun][3] - vals[k - 1][cpun][3]
    steps.append((round(dt, 2), di, round(hz * dt)))
print(label, "idle steps (seconds, idle ticks, expected ticks):", steps)
check(all(0.8 * e <= di <= 1.2 * e for dt, di, e in steps),
      label + ": idle grows by USER_HZ x elapsed +- 20%% (about %d per 2 s)" % (2 * hz), steps, "within 20%")
check(all(1.8 <= dt <= 2.6 for dt, di, e in steps), label + ": the reads were about 2 s apart", [s[0] for s in steps], "2 s")
over = []
for b, v in zip(blocks, vals):
    limit = b["U"] * hz * 1  # one visible CPU
    for name in ("cpu", cpun):
        for i, x in enumerate(v.get(name, [])):
            if x > limit:
                over.append("%s field %d = %d > %d" % (name, i + 1, x, limit))
check(not over, label + ": no field above host uptime x USER_HZ x visible CPUs", over[:3], "none")
user_sys = [(v[cpun][0], v[cpun][2]) for v in vals]
print(label, cpun, "user/system per read:", user_sys)
check(all(v[cpun][i] == 0 for v in vals for i in (1, 4, 5, 6, 7, 8, 9)),
      label + ": with cpuacct usage, nice/iowait/irq/softirq/steal/guest fields are 0",
      [v[cpun] for v in vals][:1], "zeros")
'
lx11 lx11 "LX-11 (default mode)" cpu1 "$S11 $A11"

# --- CFS view: quota 0.5 CPU -----------------------------------------------------------------
lxt_mkcg cpu q
Q_CPU=$CGREL
lxt_cgset cpu q cpu.cfs_period_us 100000
lxt_cgset cpu q cpu.cfs_quota_us 50000
lxt_mkcg cpuacct q
Q_ACCT=$CGREL
lxt_mkcg cpuset q
Q_SET=$CGREL
lxt_is "$(cat "$LXT_CGROOT/$Q_SET/cpuset.cpus")" "0-1" "cfs: the reader's cpuset allows 0-1"

# the default daemon ignores the quota
MNT=$DEFAULT_MNT snapshot qdef "$Q_CPU $Q_ACCT $Q_SET"
lxt_is "$(grep -c '^processor' "$T/qdef.cpuinfo") $(cat "$T/qdef.online") $(stat_cpus "$T/qdef.stat")" \
	"2 0-1 cpu0 cpu1" "default mode: a 0.5 CPU quota is not a CPU view (2 / 0-1 / cpu0 cpu1)"

lxt_start_daemon --enable-cfs || lxt_bail "daemon with --enable-cfs did not start"
snapshot q "$Q_CPU $Q_ACCT $Q_SET"
lxt_is "$(cat "$T/q.err")" "" "cfs: reader set up its view without errors"
lxt_is "$(grep -c '^processor' "$T/q.cpuinfo")" 1 "cfs: quota 50000/100000 -> cpuinfo lists 1 processor"
lxt_is "$(grep '^processor' "$T/q.cpuinfo")" $'processor\t: 0' "cfs: ... numbered 0"
lxt_is "$(cat "$T/q.online")" 0 "cfs: online is '0'"
lxt_is "$(stat_cpus "$T/q.stat")" cpu0 "cfs: stat has exactly one cpuN line, cpu0"
lxt_match "$(head -1 "$T/q.stat")" '^cpu  [0-9]+( [0-9]+){9}$' "cfs: stat starts with the aggregate line"
lxt_is "$(cat "$T/q.onln")" 1 "cfs: getconf _NPROCESSORS_ONLN = 1"
lxt_is "$(cat "$T/q.cpu1_online")" absent "cfs: cpu1 is not listed (1 visible CPU, renumbered cpu0)"
lxt_is "$(cat "$T/q.conf")" 1 "cfs: getconf _NPROCESSORS_CONF = 1"

# same quota, cpuset left at the root (the cpu and cpuset paths differ, as under systemd)
snapshot q2 "$Q_CPU $Q_ACCT"
lxt_is "$(grep -c '^processor' "$T/q2.cpuinfo") $(cat "$T/q2.online") $(stat_cpus "$T/q2.stat")" \
	"1 0 cpu0" "cfs: quota in the cpu cgroup applies whatever the cpuset path (1 / 0 / cpu0)"

# LX-08: visible CPUs = ceil(quota/period), capped by the host's CPUs and the cpuset; cpuinfo,
# online and stat always agree (cpuset 0-1, period 100000)
for q in 150000:2:0-1 200000:2:0-1 50000:1:0 10000:1:0; do
	IFS=: read -r quota want_n want_online <<<"$q"
	lxt_cgset cpu q cpu.cfs_quota_us "$quota"
	snapshot "q$quota" "$Q_CPU $Q_ACCT $Q_SET"
	lxt_is "$(grep -c '^processor' "$T/q$quota.cpuinfo") $(cat "$T/q$quota.online") $(stat_cpus "$T/q$quota.stat" | wc -w) $(cat "$T/q$quota.conf")" \
		"$want_n $want_online $want_n $want_n" "LX-08: quota $quota/100000 -> $want_n CPUs (cpuinfo, online, stat lines, _NPROCESSORS_CONF)"
done
lxt_cgset cpuset q cpuset.cpus 1
lxt_cgset cpu q cpu.cfs_quota_us 200000
snapshot q1cpu "$Q_CPU $Q_ACCT $Q_SET"
lxt_is "$(grep -c '^processor' "$T/q1cpu.cpuinfo") $(cat "$T/q1cpu.online") $(stat_cpus "$T/q1cpu.stat")" \
	"1 0 cpu0" "LX-08: cpuset 1 with quota 200000 -> 1 CPU (1 / 0 / cpu0)"
# LX-09: quota 0.5 CPU on the cpu cgroup while the reader's cpuset cgroup is the root
lxt_cgset cpu q cpu.cfs_quota_us 50000
snapshot q9 "$Q_CPU $Q_ACCT"
lxt_is "$(grep -c '^processor' "$T/q9.cpuinfo") $(cat "$T/q9.online") $(stat_cpus "$T/q9.stat" | wc -w)" \
	"1 0 1" "LX-09: the cpu cgroup's quota applies although the cpuset path differs (1 0 1)"
# the quota is the smallest over the ancestors: a child without a quota under q
lxt_mkcg cpu q/child
QC=$CGREL
snapshot qchild "$QC $Q_ACCT $Q_SET"
lxt_is "$(grep -c '^processor' "$T/qchild.cpuinfo")" 1 "cfs: a child cgroup without a quota inherits its parent's 0.5 CPU"

# LX-11 as reported (CPU view on, quota -1, cpuset 1): same guarantees, CPU renumbered to cpu0
lxt_mkcg cpu q11
Q11=$CGREL
lxt_mkcg cpuacct q11
Q11="$Q11 $CGREL"
lxt_mkcg cpuset q11
lxt_cgset cpuset q11 cpuset.cpus 1
lx11 lx11cfs "LX-11 (--enable-cfs, quota -1)" cpu0 "$Q11 $CGREL"

for m in "$DEFAULT_MNT" "$MNT"; do
	lxt_true "daemon of $m alive" test -e "$m/proc/meminfo"
done
lxt_stop_daemon
lxt_is "$LXT_DAEMON_STATUS" 0 "cfs daemon exits 0 on SIGTERM"
lxt_done
