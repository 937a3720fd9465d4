#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fault injection (issue 8 item 4). test-robust.sh already kills readers at random and removes
# a reader's cgroup under its open files; this test adds the faults it does not reach:
#   cgroup-vanish    the reader's cgroup removed and re-made in a tight loop while it reads
#                    (the daemon finds the path in /proc/PID/cgroup, then the files are gone),
#                    and virtual cgroupfs files and directories open across an rmdir
#   malformed-*      crafted cgroup files: a tmpfs mounted over a real cgroup directory (the
#                    daemon reads cgroup files below its hierarchy fd, so it reads these):
#                    garbage, NUL bytes, overflowing, negative and huge numbers, files above the
#                    1 MiB read cap, a symlink to a file outside the hierarchy, a directory, a
#                    FIFO, for memory, cpuset, cpu quota/cpuacct and cgroup.procs
#   stuck-request    a cgroup file whose read blocks 3 s (a FUSE file bound over it): others
#                    are served meanwhile (the request loop's watchdog)
#   reader-killed    readers SIGKILLed while the daemon parses a 1 MiB memory.stat for them,
#                    counting the kills that landed inside a FUSE request (the reader's wchan)
#   pid-reuse        a reader (plain, and as a pid namespace init) exits; a process in another
#                    cgroup is given the same host pid (ns_last_pid) and must get its own view
#   proc-unreadable  the daemon in a pid namespace of its own (the callers' /proc/PID cannot be
#                    found: FUSE reports pid 0), and a caller whose thread-group leader has
#                    exited (its /proc/PID is a zombie's)
# Every outcome must be a clean errno or the host's file, never a crash, a hang or another
# cgroup's values. Each fault prints "# FAULT <name>: <outcome>" (a TAP comment).
# The whole test runs in a mount namespace of its own: its bind mounts of the hierarchies and
# the tmpfs covers are cgroup-looking mounts that another daemon starting meanwhile (a test run
# beside this one) would otherwise find in its mountinfo.
if [ -z "${LXT_FAULTS_PRIVATE_NS:-}" ]; then
	LXT_FAULTS_PRIVATE_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
lxt_init memory cpuset cpu cpuacct

T=$(mktemp -d "/tmp/lxkit-test-$$-flt-XXXX") || lxt_bail "mktemp failed"
LXT_TMPDIRS+=("$T")
MIB=1048576
PROBE=$LXT_DIR/helpers/fault-probe.py
HOST_TOTAL=$(lxt_host_memtotal)
HOST_NCPU=$(grep -c '^processor' /proc/cpuinfo)
HOST_ONLINE=$(cat /sys/devices/system/cpu/online)
VANISH_SECONDS=${LXT_FAULT_SECONDS:-10}
KILL_ROUNDS=${LXT_FAULT_KILL_ROUNDS:-40}

lxt_start_daemon --enable-cfs || lxt_bail "daemon did not start"

fault() { lxt_diag "FAULT $1: $2"; }
daemon_fds() { find "/proc/$DAEMON_PID/fd" -mindepth 1 -printf '%l\n' 2>/dev/null | grep -vc '^/dev/fuse$'; }
daemon_threads() { find "/proc/$DAEMON_PID/task" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
probe() { "$LXT_PY" "$PROBE" "$@"; }
# join PROCS_FILE... -- CMD...: the process writes its pid to every cgroup.procs, then execs CMD
# (a script, so that timeout(1) can run it and $! is the reader's pid)
cat >"$T/join.sh" <<'EOF'
while [ "$1" != -- ]; do echo $$ >"$1" || exit 125; shift; done
shift
exec "$@"
EOF
JOIN=(bash "$T/join.sh")
join() { "${JOIN[@]}" "$@"; }

FDS0=$(daemon_fds)
THREADS0=$(daemon_threads)

# --- 1. cgroup-vanish -------------------------------------------------------------------------
# (a) a host reader loops on proc/meminfo while another loop moves it into a 192 MiB cgroup,
#     back to the root, removes the cgroup and makes it again: every read is the cgroup's view
#     or the host's file, nothing else, no error (the daemon may use the reader's cgroup path
#     for up to 1 s, so a read may find that path removed or re-made)
lxt_mkcg memory vanish
VAN=$CG
echo $((192 * MIB)) >"$VAN/memory.limit_in_bytes"
"$LXT_PY" "$PROBE" loop-memtotal "$MNT/proc/meminfo" "$VANISH_SECONDS" >"$T/vanish.out" &
RD=$!
LXT_PIDS+=("$RD")
cycles=0 mover_errors=0
end=$((SECONDS + VANISH_SECONDS))
while [ "$SECONDS" -lt "$end" ] && lxt_alive "$RD"; do
	echo "$RD" >"$VAN/cgroup.procs" 2>/dev/null || mover_errors=$((mover_errors + 1))
	sleep 0.05	# about half of the time in the cgroup
	echo "$RD" >"$LXT_CGROOT/memory/cgroup.procs" 2>/dev/null || mover_errors=$((mover_errors + 1))
	rmdir "$VAN" 2>/dev/null || mover_errors=$((mover_errors + 1))
	mkdir "$VAN" 2>/dev/null || mover_errors=$((mover_errors + 1))
	echo $((192 * MIB)) >"$VAN/memory.limit_in_bytes" 2>/dev/null || mover_errors=$((mover_errors + 1))
	cycles=$((cycles + 1))
done
wait "$RD"
reads=$(sed -n 's/^reads=//p' "$T/vanish.out")
outcomes=$(sed -n 's/^value=\(.*\) count=\(.*\)/\1:\2/p' "$T/vanish.out" | tr '\n' ' ')
others=$(grep '^value=' "$T/vanish.out" | grep -v -e "^value=196608 " -e "^value=$HOST_TOTAL " | tr '\n' ' ')
fault cgroup-vanish-race "$reads reads during $cycles move/rmdir/mkdir cycles ($mover_errors mover steps refused): outcomes (MemTotal kB:count) $outcomes"
lxt_num "$cycles" -ge 10 "cgroup-vanish: at least 10 rmdir/mkdir cycles of the reader's cgroup ran"
lxt_num "${reads:-0}" -ge 50 "cgroup-vanish: the reader got through at least 50 reads"
lxt_is "$others" "" "cgroup-vanish: every read was the cgroup's 196608 kB or the host's $HOST_TOTAL kB (no error, no other value)"
lxt_match "$outcomes" "(^| )196608:" "cgroup-vanish: some reads did land in the cgroup (the race was run)"

# (b) the virtual cgroupfs: a file open for reading, one open for writing and a directory
#     open across an rmdir of the cgroup (a reader in the root memory cgroup sees the tree)
lxt_mkcg memory gone
GONE_REL=${CG#"$LXT_CGROOT"/}
echo $((96 * MIB)) >"$CG/memory.limit_in_bytes"
lxt_verdicts "cgroupfs-vanish checks" < <(join "$LXT_CGROOT/memory/cgroup.procs" -- "$LXT_PY" -c '
import errno, os, sys, time
d, host = sys.argv[1], sys.argv[2]
def en(e): return errno.errorcode.get(e.errno, str(e.errno))
rfd = os.open(d + "/memory.limit_in_bytes", os.O_RDONLY)
wfd = os.open(d + "/memory.soft_limit_in_bytes", os.O_WRONLY)
dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
os.rmdir(host)
out = {}
try:
    out["read"] = os.pread(rfd, 100, 0).decode().strip()
except OSError as e:
    out["read"] = "E" + en(e)
try:
    os.write(wfd, b"1048576")
    out["write"] = "ok"
except OSError as e:
    out["write"] = "E" + en(e)
try:
    out["listdir"] = "%d entries" % len(os.listdir(dfd))
except OSError as e:
    out["listdir"] = "E" + en(e)
for k, p in (("stat", d), ("open", d + "/memory.limit_in_bytes")):
    try:
        os.close(os.open(p, os.O_RDONLY))
        out[k] = "ok"
    except OSError as e:
        out[k] = "E" + en(e)
for fd in (rfd, wfd, dfd):
    os.close(fd)
print("FAULT cgroupfs-vanish: " + " ".join("%s=%s" % kv for kv in out.items()), flush=True)
def check(desc, ok, got):
    print(("PASS " if ok else "FAIL ") + desc + ("" if ok else " # got %r" % (got,)))
check("cgroupfs-vanish: a file open before the rmdir reads its snapshot", out["read"] == str(96 << 20), out["read"])
check("cgroupfs-vanish: a write through a file open before the rmdir fails with an errno", out["write"].startswith("E"), out["write"])
check("cgroupfs-vanish: readdir of a directory open before the rmdir answers (snapshot or errno)", out["listdir"].endswith("entries") or out["listdir"].startswith("E"), out["listdir"])
check("cgroupfs-vanish: the removed cgroup is ENOENT afterwards", out["stat"] == "EENOENT" and out["open"] == "EENOENT", (out["stat"], out["open"]))
' "$MNT/cgroup/$GONE_REL" "$CG" 2>&1)
lxt_true "cgroup-vanish: daemon alive" lxt_alive "$DAEMON_PID"

# --- 2. malformed and huge cgroup files -------------------------------------------------------
# non-recursive bind mounts of the hierarchies: processes join the real cgroups through them
# once a tmpfs covers the cgroup directory
for c in memory cpuset cpu cpuacct; do
	mkdir -p "$T/root-$c"
	mount --bind "$LXT_CGROOT/$c" "$T/root-$c" || lxt_bail "cannot bind-mount $LXT_CGROOT/$c"
	LXT_MOUNTS+=("$T/root-$c")
done
# cover CONTROLLER NAME: a tmpfs over the (existing) cgroup directory; sets COVER
cover() {
	COVER=$(realpath "$LXT_CGROOT/$1/$(lxt_cgname "$2")")
	mount -t tmpfs -o size=16m,mode=0755 "lxkit-test-$$-$2" "$COVER" || lxt_bail "cannot mount a tmpfs over $COVER"
	LXT_MOUNTS+=("$COVER")
}

# memory: a 100 MiB limit in a valid memory.stat (the control case), then the bad ones
lxt_mkcg memory fake
MEMREL=$(lxt_cgname fake)
cover memory fake
MEMFAKE=$COVER
# a process in the real cgroup keeps its path in /proc/PID/cgroup for the whole test
BASE_STAT=$(sed 's/^hierarchical_memory_limit .*/hierarchical_memory_limit 104857600/; /^hierarchical_memsw_limit/d' \
	"$LXT_DIR/../fixtures/meminfo/v1-limit-256m-memsw-384m/memory.stat")
echo "$BASE_STAT" | grep -q '^hierarchical_memory_limit 104857600$' || lxt_bail "fixture memory.stat has no hierarchical_memory_limit"
printf 'hierarchical_memory_limit 8192\n' >"$T/secret.stat"	# outside any cgroup hierarchy

# mem_case NAME WANT_ERE: the files in $MEMFAKE are set; a reader in the cgroup reads meminfo
mem_case() {
	local got rc

	sleep 1.1	# the daemon rereads a cached fd for up to 1 s: not the previous case's inode
	got=$(timeout -k 1 10 "${JOIN[@]}" "$T/root-memory/$MEMREL/cgroup.procs" -- "$LXT_PY" "$PROBE" memtotal "$MNT/proc/meminfo")
	rc=$?
	[ -n "$got" ] || got="timeout/exit $rc"
	fault "malformed-memory-$1" "MemTotal $got (host $HOST_TOTAL)"
	lxt_match "$got" "$2" "malformed-memory-$1: MemTotal '$got' is /$2/"
}
set_mem() {	# set_mem STAT_TEXT LIMIT USAGE (printf %b: \x escapes)
	rm -rf "${MEMFAKE:?}"/memory.stat
	printf '%b' "$1" >"$MEMFAKE/memory.stat"
	printf '%b' "$2" >"$MEMFAKE/memory.limit_in_bytes"
	printf '%b' "$3" >"$MEMFAKE/memory.usage_in_bytes"
}
HOSTRE="^$HOST_TOTAL\$"
set_mem "$BASE_STAT\n" '104857600\n' '52428800\n'
mem_case valid '^102400$'
set_mem 'cache 0\n\xff\xfe\x01\x02 garbage\n\x00\x00rss 12\n' '104857600\n' '1\n'
mem_case garbage "$HOSTRE"
set_mem 'cache 0\nrss 4096\n\x00hierarchical_memory_limit 8192\n' '104857600\n' '4096\n'
mem_case nul-byte "^102400\$|$HOSTRE"
set_mem 'cache 0\nhierarchical_memory_limit 18446744073709551615\n' '18446744073709551615\n' '4096\n'
mem_case u64-max "$HOSTRE"
set_mem 'cache 0\nhierarchical_memory_limit 99999999999999999999999999\n' '104857600\n' '4096\n'
mem_case overflow "$HOSTRE"
set_mem 'cache -1\nhierarchical_memory_limit -104857600\n' '-1\n' '-5\n'
mem_case negative "$HOSTRE"
set_mem '' '104857600\n' '4096\n'
mem_case empty-stat "^102400\$|$HOSTRE"
set_mem 'cache 0\n' 'lots\n' '4096\n'
mem_case garbage-limit "$HOSTRE"
set_mem 'cache 0\nhierarchical_memory_limit 0\n' '0\n' '0\n'
mem_case zero-limit "^0\$|$HOSTRE"
# usage above the limit and a limit of one byte
set_mem 'cache 0\nhierarchical_memory_limit 1\n' '1\n' '18446744073709551615\n'
mem_case usage-over-limit "^0\$|$HOSTRE"
# above the 1 MiB read cap (CG_FILE_MAX): a clean EFBIG or the host's file
set_mem '' '104857600\n' '4096\n'
yes 'cache 1' | head -c $((2 * MIB)) >"$MEMFAKE/memory.stat"
mem_case 2MiB "^EEFBIG\$|$HOSTRE"
# just under the cap: 1 MiB of unknown keys, then the real ones (also the slow case for 3.)
{ yes 'x_unknown_key 1' | head -c $((MIB - 4096)); echo "$BASE_STAT"; } >"$MEMFAKE/memory.stat"
mem_case 1MiB '^102400$'
cp "$MEMFAKE/memory.stat" "$T/big.stat"
# a symlink out of the hierarchy: never followed (RESOLVE_NO_SYMLINKS)
rm -f "$MEMFAKE/memory.stat"
ln -s "$T/secret.stat" "$MEMFAKE/memory.stat"
mem_case symlink-out "$HOSTRE"
rm -f "$MEMFAKE/memory.stat"
ln -s ../../../../.."$T/secret.stat" "$MEMFAKE/memory.stat"
mem_case symlink-dotdot "$HOSTRE"
rm -f "$MEMFAKE/memory.stat"
mkdir "$MEMFAKE/memory.stat"
mem_case directory "$HOSTRE"
rmdir "$MEMFAKE/memory.stat"
mem_case missing "$HOSTRE"
# a FIFO (no writer): the daemon must not block on it
mkfifo "$MEMFAKE/memory.stat"
mem_case fifo "^EE[A-Z]+\$|$HOSTRE"
# unblock a worker that might be stuck in open() of the FIFO, so the rest can run
timeout 1 bash -c ": >'$MEMFAKE/memory.stat'" 2>/dev/null
rm -f "$MEMFAKE/memory.stat"
# the same crafted files through the virtual cgroupfs (a reader inside sees its own cgroup)
cp "$T/big.stat" "$MEMFAKE/memory.stat"
yes 'cache 1' | head -c $((2 * MIB)) >"$MEMFAKE/memory.big"
ln -s "$T/secret.stat" "$MEMFAKE/memory.link"
got=$(join "$T/root-memory/$MEMREL/cgroup.procs" -- "$LXT_PY" -c '
import errno, sys
d = sys.argv[1]
for f in ("memory.stat", "memory.big", "memory.link"):
    try:
        with open(d + "/" + f, "rb") as fh:
            t = fh.read()
        print("%s=%dB%s" % (f, len(t), "-secret" if b"8192" in t else ""), end=" ")
    except OSError as e:
        print("%s=E%s" % (f, errno.errorcode.get(e.errno)), end=" ")
' "$MNT/cgroup/memory/$MEMREL")
fault malformed-cgroupfs-read "$got"
lxt_match "$got" "memory.stat=$(stat -c %s "$T/big.stat")B memory.big=E[A-Z]+ memory.link=EENOENT" \
	"malformed-cgroupfs-read: the 1 MiB file is copied whole, the 2 MiB one is a clean errno, the symlink is ENOENT"

# cgroup.procs with junk and host pids, read through cgroupfs by the init of a pid namespace
# in the cgroup: pids outside its namespace must never show (0 at most)
lxt_bg sleep 600
OUTSIDE=$LXT_BG_PID
{
	printf '1\n%s\n%s\n99999999999\n-5\nabc\n\n0\n' "$OUTSIDE" "$$"
	seq 2 3000
} >"$MEMFAKE/cgroup.procs"
PROCS_PY='
import errno, sys
try:
    with open(sys.argv[1]) as f:
        t = f.read().split()
    print("lines=%d outside=%s max=%d" % (len(t), "yes" if sys.argv[2] in t or sys.argv[3] in t else "no",
          max([int(x) for x in t if x.lstrip("-").isdigit()] or [0])))
except OSError as e:
    print("E" + errno.errorcode.get(e.errno, "?"))
'
got=$(timeout -k 1 20 "${JOIN[@]}" "$T/root-memory/$MEMREL/cgroup.procs" -- unshare --pid --fork --kill-child \
	"$LXT_PY" -c "$PROCS_PY" "$MNT/cgroup/memory/$MEMREL/cgroup.procs" "$OUTSIDE" "$$")
fault malformed-cgroup-procs-junk "$got"
lxt_match "$got" '^(lines=[0-9]+ outside=no max=[0-9]|E[A-Z]+)$' "malformed-cgroup-procs-junk: a junk cgroup.procs gives an errno or a list without the host's pids"
{
	printf '1\n%s\n%s\n' "$OUTSIDE" "$$"
	seq 2 3000
} >"$MEMFAKE/cgroup.procs"
sleep 1.1	# not the cached fd of the previous content
got=$(timeout -k 1 20 "${JOIN[@]}" "$T/root-memory/$MEMREL/cgroup.procs" -- unshare --pid --fork --kill-child \
	"$LXT_PY" -c "$PROCS_PY" "$MNT/cgroup/memory/$MEMREL/cgroup.procs" "$OUTSIDE" "$$")
fault malformed-cgroup-procs-hostpids "$got"
lxt_match "$got" '^lines=[0-9]+ outside=no max=[0-9]$' "malformed-cgroup-procs-hostpids: 3000 host pids, none of them in the reader's pid namespace, show as 0 (no host pid leaks)"
lxt_true "malformed memory files: daemon alive" lxt_alive "$DAEMON_PID"

# cpuset: crafted cpuset.cpus / cpuset.effective_cpus
lxt_mkcg cpuset fake
SETREL=$(lxt_cgname fake)
cover cpuset fake
SETFAKE=$COVER
set_case() {	# set_case NAME CPUS_TEXT WANT_NCPU_ERE
	local got

	printf '%b' "$2" >"$SETFAKE/cpuset.effective_cpus"
	printf '%b' "$2" >"$SETFAKE/cpuset.cpus"
	got=$(timeout -k 1 10 "${JOIN[@]}" "$T/root-cpuset/$SETREL/cgroup.procs" -- "$LXT_PY" "$PROBE" cpus "$MNT")
	rc=$?
	[ -n "$got" ] || got="timeout/exit $rc"
	fault "malformed-cpuset-$1" "$got (host: $HOST_NCPU CPUs, online $HOST_ONLINE)"
	lxt_match "$got" "^cpuinfo=($3) online=[0-9,-]+ statcpus=($3)\$" "malformed-cpuset-$1: '$got'"
}
set_case valid '1\n' 1
set_case range-u32 '0-4294967295\n' "$HOST_NCPU"
set_case beyond-u32 '4294967296\n' "$HOST_NCPU"
set_case reversed '1-0\n' "$HOST_NCPU"
set_case garbage 'cpus!\n\x01' "$HOST_NCPU"
set_case offline-cpu '4000\n' "[0-9]+"
set_case empty '' "$HOST_NCPU"
{ yes '0,' | tr -d '\n' | head -c $((MIB + 10)); } >"$T/bigset"
cp "$T/bigset" "$SETFAKE/cpuset.cpus"
cp "$T/bigset" "$SETFAKE/cpuset.effective_cpus"
got=$(timeout -k 1 10 "${JOIN[@]}" "$T/root-cpuset/$SETREL/cgroup.procs" -- "$LXT_PY" "$PROBE" cpus "$MNT")
fault malformed-cpuset-1MiB "${got:-timeout}"
lxt_match "$got" "^cpuinfo=([0-9]+|EEFBIG) online=([0-9,-]+|EEFBIG) statcpus=([0-9]+|EEFBIG)\$" "malformed-cpuset-1MiB: '$got'"

# cpu quota (--enable-cfs) and cpuacct usage, cpu,cpuacct hierarchy
# (cpu and cpuacct may be one hierarchy or two: a cover each when they are two)
lxt_mkcg cpu fake
CPUREL=$(lxt_cgname fake)
cover cpu fake
CPUFAKE=$COVER
lxt_mkcg cpuacct fake
ACCTFAKE=$(realpath "$CG")
CPU_JOIN=("$T/root-cpu/$CPUREL/cgroup.procs")
if [ "$ACCTFAKE" != "$CPUFAKE" ]; then
	cover cpuacct fake
	ACCTFAKE=$COVER
	CPU_JOIN+=("$T/root-cpuacct/$CPUREL/cgroup.procs")
fi
cpu_case() {	# cpu_case NAME QUOTA PERIOD USAGE_ALL WANT_NCPU_ERE
	local got

	printf '%b' "$2" >"$CPUFAKE/cpu.cfs_quota_us"
	printf '%b' "$3" >"$CPUFAKE/cpu.cfs_period_us"
	printf '%b' "$4" >"$ACCTFAKE/cpuacct.usage_all"
	got=$(timeout -k 1 10 "${JOIN[@]}" "${CPU_JOIN[@]}" -- "$LXT_PY" "$PROBE" cpus "$MNT")
	rc=$?
	[ -n "$got" ] || got="timeout/exit $rc"
	fault "malformed-cpu-$1" "$got"
	lxt_match "$got" "^cpuinfo=($5) online=[0-9,-]+ statcpus=($5)\$" "malformed-cpu-$1: '$got'"
}
cpu_case valid '50000\n' '100000\n' 'cpu user system\n0 100 200\n1 300 400\n' 1
cpu_case period-zero '50000\n' '0\n' 'cpu user system\n0 1 1\n' "$HOST_NCPU"
cpu_case quota-huge '9223372036854775807\n' '1\n' 'cpu user system\n0 18446744073709551615 18446744073709551615\n1 1 1\n' "$HOST_NCPU"
cpu_case quota-tiny '1\n' '18446744073709551615\n' 'cpu user system\n' "1|$HOST_NCPU"
cpu_case negative '-50000\n' '-1\n' 'cpu user system\n-1 -2 -3\n' "$HOST_NCPU"
cpu_case garbage 'x\x00y\n' 'z\n' '\xff\xff\n0 1\n9999999 1 1\n' "1|$HOST_NCPU"
lxt_true "malformed cpu files: daemon alive" lxt_alive "$DAEMON_PID"

# --- 2b. stuck-request: a cgroup file whose read blocks for 3 s ------------------------------
# memory.stat of the fake cgroup is a file of a FUSE filesystem that sleeps 3 s in every read
# (tests/bench/nullfs --read-delay-ms), so the daemon's own read of it blocks. On this 2-CPU
# host the daemon serves one request at a time until the loop's watchdog sees a request
# taking over 5 ms with others waiting and wakes a helper (lxcfs/core/loop.h): a reader
# elsewhere must not wait for the blocked one. (With --fuse-loop single it waits 2.5 s.)
if [ -x "${LXT_NULLFS:-}" ]; then
	mkdir -p "$T/slow"
	"$LXT_NULLFS" -s --read-delay-ms 3000 "$T/slow" &
	SLOW_PID=$!
	LXT_PIDS+=("$SLOW_PID")
	for _ in $(seq 50); do [ -s "$T/slow/proc/meminfo" ] && break; sleep 0.1; done
	LXT_MOUNTS+=("$T/slow")
	set_mem "$BASE_STAT\n" '104857600\n' '52428800\n'
	mount --bind "$T/slow/proc/meminfo" "$MEMFAKE/memory.stat" || lxt_bail "cannot bind the slow file over $MEMFAKE/memory.stat"
	LXT_MOUNTS+=("$MEMFAKE/memory.stat")
	sleep 1.1	# the daemon rereads a cached fd for up to 1 s: the slow file from now on
	start_ns=$(date +%s%N)
	timeout -k 1 20 "${JOIN[@]}" "$T/root-memory/$MEMREL/cgroup.procs" -- "$LXT_PY" "$PROBE" memtotal \
		"$MNT/proc/meminfo" >"$T/stuck.out" 2>&1 &
	STUCK_READER=$!
	sleep 0.5	# the daemon is now inside the 3 s read
	other_ns=$(date +%s%N)
	other=$(timeout -k 1 10 "$LXT_PY" "$PROBE" memtotal "$MNT/proc/meminfo")
	other_ms=$((($(date +%s%N) - other_ns) / 1000000))
	wait "$STUCK_READER"
	stuck_rc=$?
	stuck_ms=$((($(date +%s%N) - start_ns) / 1000000))
	fault stuck-request "a reader whose memory.stat read blocks 3 s: exit $stuck_rc after $stuck_ms ms, MemTotal $(cat "$T/stuck.out"); meanwhile a host reader: MemTotal $other in $other_ms ms"
	lxt_num "$other_ms" -lt 1500 "stuck-request: a host reader is served while another's request blocks ($other_ms ms)"
	lxt_is "$other" "$HOST_TOTAL" "stuck-request: ... with the host's MemTotal"
	lxt_is "$stuck_rc" 0 "stuck-request: the blocked reader gets its answer when the read returns"
	lxt_num "$stuck_ms" -ge 2500 "stuck-request: ... after the 3 s the file took ($stuck_ms ms)"
	# the daemon keeps the slow file open until it has been idle 2 s (the fd cache's janitor):
	# the bind mount is busy until then
	for _ in $(seq 60); do umount "$MEMFAKE/memory.stat" 2>/dev/null && break; sleep 0.1; done
	mountpoint -q "$MEMFAKE/memory.stat" && lxt_bail "the slow file over $MEMFAKE/memory.stat stays mounted"
	kill "$SLOW_PID"
	wait "$SLOW_PID" 2>/dev/null
	umount "$T/slow" 2>/dev/null || umount -l "$T/slow"
	unset 'LXT_MOUNTS[-1]'
	unset 'LXT_MOUNTS[-1]'
	unset 'LXT_PIDS[-1]'
	rm -f "$MEMFAKE/memory.stat"
	lxt_true "stuck-request: daemon alive" lxt_alive "$DAEMON_PID"
else
	lxt_skip_case "stuck-request: a host reader is served while another's request blocks" \
		"LXT_NULLFS (tests/bench/nullfs) not built"
fi

# --- 3. reader-killed: readers SIGKILLed while the daemon parses a 1 MiB memory.stat -------
cp "$T/big.stat" "$MEMFAKE/memory.stat"
printf '104857600\n' >"$MEMFAKE/memory.limit_in_bytes"
killed=0 inflight=0
exec 3>&2 2>/dev/null	# no "Killed" job notices
for _ in $(seq "$KILL_ROUNDS"); do
	pids=()
	for k in 1 2 3 4; do
		"${JOIN[@]}" "$T/root-memory/$MEMREL/cgroup.procs" -- "$LXT_PY" -c '
import sys
p = sys.argv[1]
while True:
    with open(p, "rb") as f:
        f.read()
' "$MNT/proc/$([ $((k % 2)) = 0 ] && echo meminfo || echo swaps)" >/dev/null 2>&1 &
		pids+=($!)
	done
	LXT_PIDS+=("${pids[@]}")
	sleep "0.$((15 + RANDOM % 60))"
	for p in "${pids[@]}"; do
		w=$(cat "/proc/$p/wchan" 2>/dev/null)
		[[ $w == *fuse* || $w == request_wait* ]] && inflight=$((inflight + 1))
		kill -KILL "$p" 2>/dev/null && killed=$((killed + 1))
	done
	wait "${pids[@]}" 2>/dev/null
done
exec 2>&3 3>&-
LXT_PIDS=("$OUTSIDE")
start_ns=$(date +%s%N)
got=$(timeout -k 1 5 "${JOIN[@]}" "$T/root-memory/$MEMREL/cgroup.procs" -- "$LXT_PY" "$PROBE" memtotal "$MNT/proc/meminfo")
ms=$((($(date +%s%N) - start_ns) / 1000000))
sleep 4	# idle cached fds are closed after 2 s
fault reader-killed "$killed readers SIGKILLed, $inflight of them seen blocked in a FUSE request (wchan); then a read took $ms ms and gave MemTotal $got; daemon fds $FDS0 -> $(daemon_fds), threads $THREADS0 -> $(daemon_threads)"
lxt_true "reader-killed: daemon alive" lxt_alive "$DAEMON_PID"
lxt_num "$inflight" -ge 1 "reader-killed: at least one kill landed inside a FUSE request"
lxt_is "$got" 102400 "reader-killed: the next reader in the cgroup gets its 100 MiB view"
lxt_num "$ms" -lt 3000 "reader-killed: ... within 3 s (no worker left stuck)"
lxt_num "$(daemon_fds)" -le $((FDS0 + 2)) "reader-killed: no descriptor leak ($(daemon_fds) fds besides /dev/fuse, $FDS0 at start)"

# the tmpfs covers go now: the cgroups behind them are real again
for ((i = ${#LXT_MOUNTS[@]} - 1; i >= 0; i--)); do
	umount "${LXT_MOUNTS[i]}" 2>/dev/null || umount -l "${LXT_MOUNTS[i]}"
done
LXT_MOUNTS=()

# --- 4. pid-reuse -----------------------------------------------------------------------------
lxt_mkcg memory reuse-a
A_PROCS=$CG/cgroup.procs
echo $((128 * MIB)) >"$CG/memory.limit_in_bytes"
lxt_mkcg memory reuse-b
B_PROCS=$CG/cgroup.procs
echo $((256 * MIB)) >"$CG/memory.limit_in_bytes"
for mode in host pidns; do
	first=$(probe spawn-reader "$A_PROCS" "$MNT" "$mode")
	P=$(sed -n 's/^pid=\([0-9]*\) .*/\1/p' <<<"$first")
	second=$(probe reuse-pid "$P" "$B_PROCS" "$MNT" "$mode")
	ino1=$(sed -n 's/.*nsino=\([0-9]*\).*/\1/p' <<<"$first")
	ino2=$(sed -n 's/.*nsino=\([0-9]*\).*/\1/p' <<<"$second")
	fault "pid-reuse-$mode" "first reader: $first; second (other cgroup, same pid): $second$([ "$mode" = pidns ] && { [ "$ino1" = "$ino2" ] && echo "; pid namespace inode reused" || echo "; new pid namespace inode"; })"
	lxt_match "$first" "^pid=[0-9]+ .*memtotal=131072 " "pid-reuse-$mode: the first reader ($P) sees its 128 MiB cgroup"
	if [[ $second == nopid* ]]; then
		lxt_skip_case "pid-reuse-$mode: the second reader with pid $P sees its 256 MiB cgroup" \
			"pid $P was taken by other processes on every one of the tries ($second)"
	else
		lxt_match "$second" "^pid=$P .*memtotal=262144 " "pid-reuse-$mode: the second reader, same pid $P in another cgroup, sees its 256 MiB, not the first's 128 MiB"
	fi
done

# --- 5. proc-unreadable -----------------------------------------------------------------------
# (a) a caller whose thread-group leader has exited: its /proc/PID is a zombie's, the reading
#     thread is alive (plain and as a pid namespace init, where the daemon must find the init)
for mode in host pidns; do
	pre=()
	[ "$mode" = pidns ] && pre=(unshare --pid --fork --kill-child)
	got=$(timeout -k 1 20 "${JOIN[@]}" "$A_PROCS" -- "${pre[@]}" "$LXT_PY" -c '
import ctypes, sys, threading, time, errno
mnt = sys.argv[1]
res = []
def reader():
    time.sleep(0.3)	# the leader is gone by now
    st = open("/proc/self/stat").read().split(") ")[1][0]
    try:
        with open(mnt + "/proc/meminfo") as f:
            v = [l.split()[1] for l in f if l.startswith("MemTotal:")][0]
    except OSError as e:
        v = "E" + errno.errorcode.get(e.errno, "?")
    sys.stdout.write("leader=%s memtotal=%s\n" % (st, v))
    sys.stdout.flush()
    __import__("os")._exit(0)
threading.Thread(target=reader).start()
ctypes.CDLL(None).syscall(60, 0)	# SYS_exit: only the main thread ends
' "$MNT")
	fault "proc-zombie-leader-$mode" "${got:-no output}"
	lxt_match "$got" "^leader=Z memtotal=(131072|$HOST_TOTAL)\$" "proc-zombie-leader-$mode: its own 128 MiB view or the host's, leader a zombie"
done

# (b) the daemon in a pid namespace of its own: FUSE gives it pid 0 for every caller here, so
#     no /proc/PID can be read: the host's files, and no virtual cgroupfs tree at all
cat >"$T/lxcfs-pidns" <<EOF
#!/bin/sh
exec unshare --pid --fork --kill-child "$LXCFS_BIN" "\$@"
EOF
chmod 755 "$T/lxcfs-pidns"
MAIN_MNT=$MNT MAIN_PID=$DAEMON_PID
LXCFS_BIN=$T/lxcfs-pidns lxt_start_daemon || lxt_bail "daemon in its own pid namespace did not start"
NS_MNT=$MNT NS_WRAP=$DAEMON_PID
MNT=$MAIN_MNT DAEMON_PID=$MAIN_PID
_lxt_descendants "$NS_WRAP"
NS_DAEMON=${LXT_DESC[0]-}
got=$(join "$A_PROCS" -- "$LXT_PY" "$PROBE" memtotal "$NS_MNT/proc/meminfo")
cg=$(join "$A_PROCS" -- "$LXT_PY" -c '
import errno, os, sys
for p in (sys.argv[1] + "/cgroup/memory", sys.argv[1] + "/cgroup/memory/" + sys.argv[2]):
    try:
        print(len(os.listdir(p)), end=" ")
    except OSError as e:
        print("E" + errno.errorcode.get(e.errno, "?"), end=" ")
' "$NS_MNT" "$(lxt_cgname reuse-a)")
fault proc-unreadable-pidns "a reader in a 128 MiB cgroup gets MemTotal $got (host $HOST_TOTAL); cgroup/memory and its own cgroup list: $cg"
lxt_is "$got" "$HOST_TOTAL" "proc-unreadable-pidns: a caller the daemon cannot see gets the host's meminfo"
lxt_match "$cg" '^(0|E[A-Z]+) E[A-Z]+ $' "proc-unreadable-pidns: and no cgroupfs subtree ('$cg')"
lxt_true "proc-unreadable-pidns: daemon alive" lxt_alive "$NS_WRAP"
if [ -n "$NS_DAEMON" ]; then
	kill -TERM "$NS_DAEMON"
	for _ in $(seq 50); do
		lxt_alive "$NS_WRAP" || break
		sleep 0.1
	done
fi
lxt_stop_daemon "$NS_WRAP" >/dev/null 2>&1
lxt_is "$LXT_DAEMON_STATUS" 0 "proc-unreadable-pidns: that daemon exits 0 on SIGTERM"

# --- the end ----------------------------------------------------------------------------------
lxt_match "$(timeout 3 head -1 "$MNT/proc/meminfo")" '^MemTotal: +[0-9]+ kB$' "a final host read succeeds within 3 s"
lxt_true "daemon alive at the end" lxt_alive "$DAEMON_PID"
lxt_stop_daemon
lxt_is "$LXT_DAEMON_STATUS" 0 "daemon exits 0 on SIGTERM after all the faults"
lxt_done
