#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Tree layout, listings, modes, permissions (LX-14) and read offsets (spec 2.2, 2.3, 4.0, 6).
. "$(dirname "$0")/lib.sh"
lxt_init

PY=$LXT_PY
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
PROC_FILES="cpuinfo diskstats loadavg meminfo slabinfo stat swaps uptime"

lxt_start_daemon || lxt_bail "daemon did not start"

# --- listings --------------------------------------------------------------------------------
# lxt_listing DIR EXPECTED DESC: names (ls -a, one per line) are unique and equal EXPECTED
lxt_listing() {
	local names dups

	names=$(ls -a1 "$1" 2>&1)
	dups=$(sort <<<"$names" | uniq -d | tr '\n' ' ')
	lxt_is "$dups" "" "$3: no name listed twice"
	lxt_is "$(sort <<<"$names" | tr '\n' ' ')" "$(tr ' ' '\n' <<<"$2" | grep -v '^$' | sort | tr '\n' ' ')" "$3: entries"
}
lxt_listing "$MNT" ". .. cgroup proc sys" "listing of / (cgroup: the virtual cgroupfs, on by default)"
lxt_listing "$MNT/proc" ". .. $PROC_FILES pressure" "listing of proc"
lxt_listing "$MNT/proc/pressure" ". .. cpu io memory" "listing of proc/pressure"
lxt_listing "$MNT/sys" ". .. devices" "listing of sys"
lxt_listing "$MNT/sys/devices" ". .. system" "listing of sys/devices"
lxt_listing "$MNT/sys/devices/system" ". .. cpu" "listing of sys/devices/system"
lxt_listing "$MNT/sys/devices/system/cpu" "$(ls -a1 /sys/devices/system/cpu | tr '\n' ' ')" \
	"listing of sys/devices/system/cpu (= host directory)"
cpu_names=$(ls -1 "$MNT/sys/devices/system/cpu")
for e in online offline present possible cpu0 cpu1; do
	if grep -qx "$e" <<<"$cpu_names"; then
		lxt_pass "sys/devices/system/cpu lists $e"
	else
		lxt_fail "sys/devices/system/cpu lists $e" "$cpu_names" "$e among them"
	fi
done
lxt_listing "$MNT/sys/devices/system/cpu/cpu0" "$(ls -a1 /sys/devices/system/cpu/cpu0 | tr '\n' ' ')" \
	"listing of sys/devices/system/cpu/cpu0 (= host directory)"

# --- stat ------------------------------------------------------------------------------------
# lxt_mode PATH TYPE OCTAL
lxt_mode() {
	lxt_is "$(stat -c '%F %a' "$1" 2>&1)" "$2 $3" "stat ${1#"$MNT"/}: $2 $3"
}
lxt_mode "$MNT" directory 755
lxt_mode "$MNT/proc" directory 555
lxt_mode "$MNT/proc/pressure" directory 555
for f in $PROC_FILES; do
	lxt_mode "$MNT/proc/$f" "regular file" 444
done
for d in sys sys/devices sys/devices/system; do
	lxt_mode "$MNT/$d" directory 555
done
for p in sys/devices/system/cpu sys/devices/system/cpu/online sys/devices/system/cpu/present \
	sys/devices/system/cpu/cpu1/online sys/devices/system/cpu/cpu0; do
	[ -e "/$p" ] || continue
	lxt_is "$(stat -c '%F %a' "$MNT/$p" 2>&1)" "$(stat -c '%F %a' "/$p")" "stat $p: host type and mode"
done
lxt_is "$(stat -c '%u:%g' "$MNT/proc/meminfo")" "0:0" "proc/meminfo is owned by root"
lxt_false "stat of a missing proc file fails" stat "$MNT/proc/nonexistent" 2>/dev/null
lxt_match "$(stat "$MNT/proc/nonexistent" 2>&1)" 'No such file' "... with ENOENT"
lxt_false "stat of a missing top-level name fails" stat "$MNT/nonexistent" 2>/dev/null

# --- LX-14: nothing is writable, for an unprivileged user either ---------------------------
for p in sys/devices/system/cpu sys/devices/system/cpu/online proc sys/devices/system proc/meminfo; do
	lxt_false "LX-14: uid 65534: test -w $p is false" "${NOBODY[@]}" test -w "$MNT/$p"
done
lxt_true "LX-14: uid 65534: test -r proc/meminfo is true" "${NOBODY[@]}" test -r "$MNT/proc/meminfo"
lxt_is "$("${NOBODY[@]}" head -c 9 "$MNT/proc/meminfo")" "MemTotal:" "LX-14: uid 65534 can read proc/meminfo"
lxt_false "LX-14: uid 65534: test -x proc/meminfo is false" "${NOBODY[@]}" test -x "$MNT/proc/meminfo"
lxt_true "LX-14: uid 65534: test -x proc (directory search) is true" "${NOBODY[@]}" test -x "$MNT/proc"

lxt_false "LX-14: uid 65534: sh -c 'echo x > proc/meminfo' fails" \
	"${NOBODY[@]}" sh -c "echo x > '$MNT/proc/meminfo'" 2>/dev/null
lxt_match "$("${NOBODY[@]}" sh -c "echo x > '$MNT/proc/meminfo'" 2>&1)" 'Permission denied' \
	"LX-14: ... with EACCES"

# python3 open(F, mode): prints the errno name or "opened"
py_open='
import errno, sys
try:
    open(sys.argv[1], sys.argv[2]).close()
    print("opened")
except OSError as e:
    print(type(e).__name__, errno.errorcode.get(e.errno, e.errno))
'
lxt_is "$("${NOBODY[@]}" "$PY" -c "$py_open" "$MNT/proc/meminfo" w)" "PermissionError EACCES" \
	"LX-14: uid 65534: python3 open(proc/meminfo, 'w') raises PermissionError"
lxt_is "$("${NOBODY[@]}" "$PY" -c "$py_open" "$MNT/proc/meminfo" r+)" "PermissionError EACCES" \
	"LX-14: uid 65534: python3 open(proc/meminfo, 'r+') raises PermissionError"
lxt_is "$("$PY" -c "$py_open" "$MNT/proc/meminfo" w)" "PermissionError EACCES" \
	"root: python3 open(proc/meminfo, 'w') raises PermissionError too (read-only tree)"
lxt_is "$("${NOBODY[@]}" "$PY" -c "$py_open" "$MNT/sys/devices/system/cpu/online" w)" \
	"PermissionError EACCES" "LX-14: uid 65534: open(sys/devices/system/cpu/online, 'w') fails with EACCES"
if [ -e /sys/devices/system/cpu/cpu1/online ]; then
	before=$(cat /sys/devices/system/cpu/cpu1/online)
	lxt_is "$("${NOBODY[@]}" "$PY" -c "$py_open" "$MNT/sys/devices/system/cpu/cpu1/online" w)" \
		"PermissionError EACCES" "uid 65534: open(sys/devices/system/cpu/cpu1/online, 'w') fails with EACCES"
	lxt_is "$(cat /sys/devices/system/cpu/cpu1/online)" "$before" "host cpu1/online unchanged"
fi

# mkdir and file creation, as uid 65534 and as root
py_mk='
import errno, os, sys
try:
    if sys.argv[2] == "mkdir":
        os.mkdir(sys.argv[1])
    else:
        os.close(os.open(sys.argv[1], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    print("created")
except OSError as e:
    print(errno.errorcode.get(e.errno, e.errno))
'
for who in nobody root; do
	if [ "$who" = nobody ]; then run=("${NOBODY[@]}"); else run=(); fi
	got=$("${run[@]}" "$PY" -c "$py_mk" "$MNT/proc/lxt-new" mkdir)
	lxt_match "$got" '^(EPERM|EACCES)$' "$who: mkdir inside proc fails with EPERM or EACCES"
	got=$("${run[@]}" "$PY" -c "$py_mk" "$MNT/sys/devices/system/cpu/lxt-new" mkdir)
	lxt_match "$got" '^(EPERM|EACCES)$' "$who: mkdir inside sys/devices/system/cpu fails with EPERM or EACCES"
	got=$("${run[@]}" "$PY" -c "$py_mk" "$MNT/proc/lxt-new" create)
	lxt_match "$got" '^(EPERM|EACCES)$' "LX-14: $who: creating a file in proc fails with EACCES or EPERM"
done
lxt_false "nothing was created in proc" test -e "$MNT/proc/lxt-new"
lxt_false "nothing was created in sys/devices/system/cpu" test -e "$MNT/sys/devices/system/cpu/lxt-new"
lxt_false "root: truncate proc/meminfo fails" truncate -s 0 "$MNT/proc/meminfo" 2>/dev/null
lxt_false "root: chmod proc/meminfo fails" chmod 0666 "$MNT/proc/meminfo" 2>/dev/null
lxt_false "root: rm proc/meminfo fails" rm -f "$MNT/proc/meminfo" 2>/dev/null
lxt_true "proc/meminfo still there" test -e "$MNT/proc/meminfo"

# --- reads at offsets ----------------------------------------------------------------------
py_offsets='
import errno, os, re, sys

mnt = sys.argv[1]
n = 0

def report(ok, desc, got="", want=""):
    global n
    n += 1
    if ok:
        print("PASS", desc)
    else:
        print("FAIL", desc, "# got", repr(got)[:200], "want", repr(want)[:200])

def whole(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        out = b""
        while True:
            b = os.read(fd, 1 << 20)
            if not b:
                return out
            out += b
    finally:
        os.close(fd)

def chunked(path, size):
    fd = os.open(path, os.O_RDONLY)
    try:
        out, calls = b"", 0
        while True:
            b = os.read(fd, size)
            calls += 1
            if not b:
                return out, calls
            out += b
    finally:
        os.close(fd)

def stable(text):
    # cpu MHz may move between renders on some hosts; everything else in cpuinfo is fixed
    return b"\n".join(l for l in text.split(b"\n") if not l.startswith(b"cpu MHz"))

# cpuinfo: 7-byte reads give the same bytes as one big read
c7, calls = chunked(mnt + "/proc/cpuinfo", 7)
c1 = whole(mnt + "/proc/cpuinfo")
report(len(c7) > 0 and calls > len(c7) // 7, "cpuinfo: 7-byte reads return data in many calls", calls)
report(stable(c7) == stable(c1), "cpuinfo: 7-byte reads == one whole read", len(c7), len(c1))

# meminfo: 7-byte reads give the bytes of one snapshot. Reads at offsets > 0 never re-render, so
# one big read from offset 1 on the same fd returns that same snapshot again.
for name in ("meminfo", "stat", "uptime"):
    fd = os.open(mnt + "/proc/" + name, os.O_RDONLY)
    parts = []
    while True:
        b = os.read(fd, 7)
        if not b:
            break
        parts.append(b)
    x = b"".join(parts)
    again = os.pread(fd, 1 << 20, 1)
    os.close(fd)
    report(len(parts) > 1 and again == x[1:],
           "%s: 7-byte reads == one read of the same snapshot (%d bytes)" % (name, len(x)), again[:40], x[1:41])

# meminfo: 7-byte reads give one well-formed snapshot
m7, _ = chunked(mnt + "/proc/meminfo", 7)
m1 = whole(mnt + "/proc/meminfo")
line_re = re.compile(rb"^[A-Za-z0-9_()]+: +[0-9]+( kB)?$")
bad = [l for l in m7.rstrip(b"\n").split(b"\n") if not line_re.match(l)]
report(m7.endswith(b"\n") and not bad, "meminfo: 7-byte reads give only well-formed lines", bad[:3])
keys = lambda t: [l.split(b":")[0] for l in t.rstrip(b"\n").split(b"\n")]
report(keys(m7) == keys(m1), "meminfo: 7-byte reads have the keys of a whole read, in order",
       len(keys(m7)), len(keys(m1)))
report(m7.split(b"\n")[0] == m1.split(b"\n")[0], "meminfo: MemTotal line of 7-byte reads == whole read",
       m7.split(b"\n")[0], m1.split(b"\n")[0])

# stat: 7-byte reads give one well-formed snapshot too
s7, _ = chunked(mnt + "/proc/stat", 7)
report(s7.startswith(b"cpu  ") and b"\nintr " in s7 and b"\nbtime " in s7 and s7.endswith(b"\n"),
       "stat: 7-byte reads give a complete file", s7[:40])

# pread(fd, 50, 10) on a fresh fd: the snapshot taken at open, bytes 10..59
fd = os.open(mnt + "/proc/cpuinfo", os.O_RDONLY)
p = os.pread(fd, 50, 10)
os.close(fd)
report(p == c1[10:60], "cpuinfo: pread(fd, 50, 10) on a fresh fd == bytes 10..59", p, c1[10:60])

fd = os.open(mnt + "/proc/meminfo", os.O_RDONLY)
p = os.pread(fd, 50, 10)
os.close(fd)
first = m1.split(b"\n")[0] + b"\n"
report(len(p) == 50 and p[: len(first) - 10] == first[10:],
       "meminfo: pread(fd, 50, 10) on a fresh fd returns 50 bytes from offset 10", p, first[10:])

# end of the snapshot: offset == size gives EOF, offset beyond it EINVAL
fd = os.open(mnt + "/proc/cpuinfo", os.O_RDONLY)
size = len(os.pread(fd, 1 << 20, 0))
report(os.pread(fd, 10, size) == b"", "cpuinfo: pread at offset == size returns EOF")
try:
    os.pread(fd, 10, size + 4096)
    report(False, "cpuinfo: pread beyond the end fails with EINVAL", "success", "EINVAL")
except OSError as e:
    report(e.errno == errno.EINVAL, "cpuinfo: pread beyond the end fails with EINVAL",
           errno.errorcode.get(e.errno), "EINVAL")
# reading at 0 again refreshes and still returns the whole file
again = os.pread(fd, 1 << 20, 0)
report(stable(again) == stable(c1), "cpuinfo: pread at 0 again returns the whole file", len(again), len(c1))
os.close(fd)

# uptime re-read through one fd (top, uptime(1) do this): offset 0 refreshes
fd = os.open(mnt + "/proc/uptime", os.O_RDONLY)
u1 = os.pread(fd, 100, 0)
import time; time.sleep(1.1)
u2 = os.pread(fd, 100, 0)
os.close(fd)
f = lambda b: float(b.split()[0])
report(f(u2) > f(u1), "uptime: a second pread at 0 on the same fd is a fresh render", u1, u2)

# a directory cannot be read; a missing file cannot be opened
fd = os.open(mnt + "/proc", os.O_RDONLY)
try:
    os.read(fd, 10)
    report(False, "read of the proc directory fails with EISDIR", "success", "EISDIR")
except OSError as e:
    report(e.errno == errno.EISDIR, "read of the proc directory fails with EISDIR",
           errno.errorcode.get(e.errno), "EISDIR")
os.close(fd)
try:
    os.open(mnt + "/proc/nonexistent", os.O_RDONLY)
    report(False, "open of proc/nonexistent fails with ENOENT", "success", "ENOENT")
except OSError as e:
    report(e.errno == errno.ENOENT, "open of proc/nonexistent fails with ENOENT",
           errno.errorcode.get(e.errno), "ENOENT")
'
lxt_py_tap "$py_offsets" "$MNT"

# the same offsets as uid 65534 (allow_other, read permission)
lxt_is "$("${NOBODY[@]}" "$PY" -c '
import os, sys
fd = os.open(sys.argv[1], os.O_RDONLY)
print(len(os.pread(fd, 50, 10)))' "$MNT/proc/cpuinfo" 2>&1)" 50 "uid 65534: pread(fd, 50, 10) of cpuinfo returns 50 bytes"

lxt_stop_daemon
lxt_is "$LXT_DAEMON_STATUS" 0 "daemon exits 0 at the end"
lxt_done
