#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# proc/pressure/{cpu,io,memory}: the reader's cgroup2 *.pressure files (LX-19), PSI triggers
# written through the mount and poll() for POLLPRI (Documentation/accounting/psi.rst), the
# bound on live triggers, a trigger whose cgroup is removed, and descriptors after it all.
. "$(dirname "$0")/lib.sh"
lxt_init

U=$LXT_CGROOT/unified
awk -v d="$U" '$5 == d { for (i = 7; $i != "-"; i++); if ($(i + 1) == "cgroup2") f = 1 } END { exit !f }' \
	/proc/self/mountinfo || lxt_skip "no cgroup2 hierarchy mounted at $U"
[ -e "$U/cpu.pressure" ] || lxt_skip "$U has no cpu.pressure (PSI disabled: psi=0 or cgroup.pressure 0)"
[ -e /proc/pressure/cpu ] || lxt_skip "the host has no /proc/pressure"

T=$(mktemp -d "/tmp/lxkit-test-$$-psi-XXXX") || lxt_bail "mktemp failed"
LXT_TMPDIRS+=("$T")
NCPU=$(nproc)
LOOPS=$((2 * NCPU > 4 ? 2 * NCPU : 4))	# LX-19 ran 4 on 2 CPUs: twice the CPUs, at least 4

lxt_start_daemon || lxt_bail "daemon did not start"

# descriptors besides /dev/fuse (one per worker with clone_fd) and the pidfds of the pid
# namespace cache (readers in new pid namespaces add one for about 10 s)
daemon_fds() {
	find "/proc/$DAEMON_PID/fd" -mindepth 1 -printf '%l\n' 2>/dev/null | grep -v -e '^/dev/fuse$' -e 'pidfd' | wc -l
}
daemon_pressure_fds() {
	find "/proc/$DAEMON_PID/fd" -mindepth 1 -printf '%l\n' 2>/dev/null | grep -c 'pressure'
}
daemon_ticks() {	# utime + stime of the daemon, clock ticks
	awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$DAEMON_PID/stat"
}
# fds_back DESC: after up to 3 s (RELEASE follows close() asynchronously), the daemon holds no
# trigger fd and as many fds as at the start
fds_back() {
	local i

	for i in $(seq 30); do
		[ "$(daemon_fds)" = "$FDS0" ] && [ "$(daemon_pressure_fds)" = 0 ] && break
		sleep 0.1
	done
	lxt_num "$(daemon_pressure_fds)" -eq 0 "$1: the daemon holds no trigger fd any more"
	lxt_num "$(daemon_fds)" -eq "$FDS0" "$1: daemon fds back to the $FDS0 it had at the start"
}
# psi_format FILE: the two-line format of a pressure file
PSI_LINE='avg10=[0-9]+\.[0-9]{2} avg60=[0-9]+\.[0-9]{2} avg300=[0-9]+\.[0-9]{2} total=[0-9]+'
psi_format() {
	lxt_match "$(cat "$1")" "^some $PSI_LINE"$'\n'"full $PSI_LINE\$" "$2"
}
# avg10 LINE FILE: the avg10 value of the "some" or "full" line
avg10() {
	awk -v l="$1" '$1 == l { sub(/^avg10=/, "", $2); print $2 }' "$2"
}
# fcmp A OP B: floating-point comparison (awk)
fcmp() {
	awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
		if (a == "" || b == "") exit 1
		if (op == "<") exit !(a + 0 < b + 0); if (op == ">") exit !(a + 0 > b + 0); exit 1 }'
}

# verdicts FILE NAME: the python check script's output in FILE as TAP
verdicts() {
	lxt_verdicts "$2: the python check script" <"$1"
}

FDS0=$(daemon_fds)
lxt_diag "daemon fds besides /dev/fuse and pidfds at start: $FDS0; $NCPU CPUs, $LOOPS busy loops"

# --- layout ----------------------------------------------------------------------------------
for r in cpu io memory; do
	lxt_is "$(stat -c '%F %a' "$MNT/proc/pressure/$r")" "regular file $(stat -c %a "/proc/pressure/$r")" \
		"stat proc/pressure/$r: regular file with the host file's mode (it takes triggers)"
done

# --- LX-19: an idle container beside a busy one ----------------------------------------------
lxt_mkcg unified p1
P1=$CGREL
lxt_mkcg unified p2
P2=$CGREL
busy() {	# SECONDS: LOOPS busy loops in p2
	lxt_bg lxt_in_cgroups "$P2" sh -c "for i in \$(seq $LOOPS); do timeout $1 sh -c 'while :; do :; done' & done; wait"
}
# busy_stop: end the busy loops (their parents' SIGTERM alone would orphan them out of reach
# of the cleanup), by the PIDs listed in p2
busy_stop() {
	local i p procs

	for i in $(seq 50); do
		procs=()
		mapfile -t procs <"$LXT_CGROOT/$P2/cgroup.procs"
		((${#procs[@]} == 0)) && return 0
		for p in "${procs[@]}"; do
			kill -KILL "$p" 2>/dev/null
		done
		sleep 0.1
	done
	return 1
}
busy 12
sleep 10
lxt_in_cgroups "$P1" unshare --pid --fork --kill-child cat "$MNT/proc/pressure/cpu" >"$T/p1-cpu" 2>&1
cp "$LXT_CGROOT/$P1/cpu.pressure" "$T/p1-cpu-real"
lxt_in_cgroups "$P2" unshare --pid --fork --kill-child cat "$MNT/proc/pressure/cpu" >"$T/p2-cpu" 2>&1
cp "$LXT_CGROOT/$P2/cpu.pressure" "$T/p2-cpu-real"
cp /proc/pressure/cpu "$T/host-cpu"
lxt_in_cgroups unified cat "$MNT/proc/pressure/cpu" >"$T/root-cpu" 2>&1
for r in io memory; do
	for i in 1 2 3; do	# equal to the idle cgroup's own file (read again if it moved)
		lxt_in_cgroups "$P1" unshare --pid --fork --kill-child cat "$MNT/proc/pressure/$r" >"$T/p1-$r" 2>&1
		cp "$LXT_CGROOT/$P1/$r.pressure" "$T/p1-$r-real"
		cmp -s "$T/p1-$r" "$T/p1-$r-real" && break
	done
done
lxt_diag "LX-19 p1 view: $(tr '\n' '|' <"$T/p1-cpu")"
lxt_diag "LX-19 p1 cpu.pressure: $(tr '\n' '|' <"$T/p1-cpu-real")"
lxt_diag "LX-19 p2 view: $(tr '\n' '|' <"$T/p2-cpu")"
lxt_diag "LX-19 p2 cpu.pressure: $(tr '\n' '|' <"$T/p2-cpu-real")"
lxt_diag "LX-19 host /proc/pressure/cpu: $(tr '\n' '|' <"$T/host-cpu")"
psi_format "$T/p1-cpu" "LX-19: idle container (new pid namespace in p1) reads the two-line format"
lxt_true "LX-19: its some avg10 ($(avg10 some "$T/p1-cpu")) is below 1.00" fcmp "$(avg10 some "$T/p1-cpu")" '<' 1.00
lxt_true "LX-19: while the host's some avg10 ($(avg10 some "$T/host-cpu")) is above 20" \
	fcmp "$(avg10 some "$T/host-cpu")" '>' 20
lxt_true "LX-19: and the busy p2's own cpu.pressure some avg10 ($(avg10 some "$T/p2-cpu-real")) is above 20" \
	fcmp "$(avg10 some "$T/p2-cpu-real")" '>' 20
psi_format "$T/p2-cpu" "LX-19: busy container (new pid namespace in p2) reads the two-line format"
lxt_true "LX-19: ... with its own high some avg10 ($(avg10 some "$T/p2-cpu")) through the mount" \
	fcmp "$(avg10 some "$T/p2-cpu")" '>' 20
lxt_true "LX-19: p1's full avg10 ($(avg10 full "$T/p1-cpu")) is below 1.00 too" fcmp "$(avg10 full "$T/p1-cpu")" '<' 1.00
for r in io memory; do
	psi_format "$T/p1-$r" "LX-19: proc/pressure/$r in p1 has the two-line format"
	lxt_is "$(cat "$T/p1-$r")" "$(cat "$T/p1-$r-real")" "LX-19: proc/pressure/$r in p1 is p1's $r.pressure (not blkio, not the host's)"
done
psi_format "$T/root-cpu" "a reader in the cgroup2 root gets the host's file"
lxt_true "... whose some avg10 ($(avg10 some "$T/root-cpu")) is the host's (above 20)" \
	fcmp "$(avg10 some "$T/root-cpu")" '>' 20

# --- triggers and poll -----------------------------------------------------------------------
# run by a process in p2 while p2 is busy again
TRIGGER_PY='
import errno, os, select, sys, time
mnt, cg = sys.argv[1], sys.argv[2]
with open(cg + "/cgroup.procs", "w") as f:
    f.write(str(os.getpid()))
M = mnt + "/proc/pressure/cpu"
REAL = cg + "/cpu.pressure"
def err(fn):
    try:
        fn()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
def check(desc, got, want):
    print(("PASS %s" % desc) if got == want else ("FAIL %s # got %s want %s" % (desc, got, want)))
def trig(path, text, flags=os.O_RDWR):
    fd = os.open(path, flags | os.O_NONBLOCK)
    return fd, err(lambda: os.write(fd, text))

for text in (b"some 0 1000000\0", b"bogus", b"bogus\0", b"some 150000 2000000 x\0",
             b"full 2000001 2000000\0", b"some 1 10000001\0", b"some 1 400000\0", b"s" * 200):
    fd, r = trig(M, text)
    os.close(fd)
    check("invalid trigger %r: EINVAL" % text[:22], r, "EINVAL")
# the 1 s window of psi.rst: what the kernel says on the cgroup file itself to this process
fd, direct = trig(REAL, b"some 150000 1000000\0")
os.close(fd)
fd, via = trig(M, b"some 150000 1000000\0")
os.close(fd)
check("trigger some 150000 1000000 through the mount as on the real file (kernel: %s)" % direct, via, direct)
window = 1000000 if direct == "ok" else 2000000
text = b"some 150000 %d\0" % window
fd = os.open(M, os.O_RDWR | os.O_NONBLOCK)
check("pwrite of a trigger at offset 5: EINVAL", err(lambda: os.pwrite(fd, text, 5)), "EINVAL")
check("trigger %r accepted" % text, err(lambda: os.write(fd, text)), "ok")
check("a second trigger on the same open file: EBUSY", err(lambda: os.write(fd, text)), "EBUSY")
check("... even a bogus one (EBUSY is checked first, as by the kernel)", err(lambda: os.write(fd, b"x")), "EBUSY")
check("the file still reads after the trigger", os.pread(fd, 4, 0), b"some")
rfd, r = trig(REAL, text)
check("the same trigger on the real cpu.pressure", r, "ok")
wfd, r = trig(M, text, os.O_WRONLY)
check("a trigger through an O_WRONLY open", r, "ok")
check("... which cannot be read (EBADF)", err(lambda: os.read(wfd, 10)), "EBADF")
os.close(wfd)
p = select.poll()
p.register(fd, select.POLLPRI)
p.register(rfd, select.POLLPRI)
t0 = time.monotonic()
got = {}
while len(got) < 2 and time.monotonic() - t0 < 5:
    for f, ev in p.poll(100):
        if ev & select.POLLPRI and f not in got:
            got[f] = time.monotonic() - t0
print("latency: POLLPRI through the mount after %s s, on the real file after %s s" %
      ("%.3f" % got[fd] if fd in got else "-", "%.3f" % got[rfd] if rfd in got else "-"))
check("POLLPRI through the mount within 5 s while p2 is busy", fd in got, True)
check("the real file fired too (the comparison is valid)", rfd in got, True)
if fd in got and rfd in got:
    print("LATENCY %.4f %.4f" % (got[fd], got[rfd]))
    check("POLLPRI through the mount at most 0.5 s after the real file",
          got[fd] - got[rfd] <= 0.5, True)
p1 = select.poll()
p1.register(fd, select.POLLPRI)
ev = p1.poll(0)
check("the event was consumed by the poll that reported it (as the kernel does)",
      [e for f, e in ev if e & select.POLLPRI], [])
ep = select.epoll()
ep.register(fd, select.EPOLLPRI)
t1 = time.monotonic()
ev = ep.poll(2 * window / 1e6 + 3)
print("epoll: %s after %.3f s" % (ev, time.monotonic() - t1))
check("epoll_wait() for EPOLLPRI gets the next event", any(e & select.EPOLLPRI for f, e in ev), True)
ep.close()
os.close(fd)
os.close(rfd)
# without a trigger: the kernel reports readable, writable, POLLERR and POLLPRI
nfd = os.open(M, os.O_RDONLY)
hfd = os.open("/proc/pressure/cpu", os.O_RDONLY)
pm, ph = select.poll(), select.poll()
pm.register(nfd, select.POLLIN | select.POLLPRI)
ph.register(hfd, select.POLLIN | select.POLLPRI)
check("poll without a trigger: what the kernel reports for its own file",
      [e for f, e in pm.poll(0)], [e for f, e in ph.poll(0)])
os.close(nfd)
os.close(hfd)
mi = mnt + "/proc/meminfo"
check("open(proc/meminfo, O_RDWR): EACCES", err(lambda: os.close(os.open(mi, os.O_RDWR))), "EACCES")
check("open(proc/meminfo, O_WRONLY): EACCES", err(lambda: os.close(os.open(mi, os.O_WRONLY))), "EACCES")
check("open(proc/pressure/cpu, O_RDWR|O_TRUNC): EACCES",
      err(lambda: os.close(os.open(M, os.O_RDWR | os.O_TRUNC))), "EACCES")
mfd = os.open(mi, os.O_RDONLY)
pmi = select.poll()
pmi.register(mfd, select.POLLIN | select.POLLPRI)
check("poll on proc/meminfo: readable only", [e for f, e in pmi.poll(0)], [select.POLLIN])
os.close(mfd)
'
busy 15
sleep 2
"$LXT_PY" -c "$TRIGGER_PY" "$MNT" "$LXT_CGROOT/$P2" >"$T/trigger.out" 2>&1
verdicts "$T/trigger.out" triggers
lxt_true "the busy loops in p2 stopped" busy_stop
fds_back "triggers closed"


# --- an unprivileged caller (uid 65534, no capabilities) in the cgroup2 root ----------------
# its triggers go to the host's /proc/pressure/cpu, with the kernel's rule for its windows
NOBODY_PY='
import errno, os, sys
M = sys.argv[1] + "/proc/pressure/cpu"
def trig(path, text):
    try:
        fd = os.open(path, os.O_RDWR | os.O_NONBLOCK)
    except OSError as e:
        return "open " + errno.errorcode[e.errno]
    try:
        os.write(fd, text)
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]
    finally:
        os.close(fd)
for text in (b"some 150000 1000000\0", b"some 150000 2000000\0"):
    got, want = trig(M, text), trig("/proc/pressure/cpu", text)
    desc = "uid 65534: trigger %r as on /proc/pressure/cpu (%s)" % (text[:-1].decode(), want)
    print(("PASS " + desc) if got == want else ("FAIL %s # got %s want %s" % (desc, got, want)))
'
lxt_in_cgroups unified setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$LXT_PY" -c "$NOBODY_PY" "$MNT" >"$T/nobody.out" 2>&1
verdicts "$T/nobody.out" "unprivileged triggers"

# --- the bound on live triggers --------------------------------------------------------------
SOFT=$(awk '/^Max open files/ { print $4 }' "/proc/$DAEMON_PID/limits")
CAP=1024
[[ $SOFT =~ ^[0-9]+$ ]] && ((SOFT / 2 < CAP)) && CAP=$((SOFT / 2))
LIMIT_PY='
import errno, os, sys, time
mnt, cg, cap, ready, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
with open(cg + "/cgroup.procs", "w") as f:
    f.write(str(os.getpid()))
M = mnt + "/proc/pressure/memory"
def check(desc, got, want):
    print(("PASS %s" % desc) if got == want else ("FAIL %s # got %s want %s" % (desc, got, want)))
fds, first_err = [], None
for i in range(cap + 8):
    fd = os.open(M, os.O_RDWR | os.O_NONBLOCK)
    try:
        os.write(fd, b"some 100000 2000000\0")
        fds.append(fd)
    except OSError as e:
        first_err = errno.errorcode[e.errno]
        os.close(fd)
        break
check("%d triggers can be live at once (the bound)" % cap, len(fds), cap)
check("the next one: EAGAIN", first_err, "EAGAIN")
with open(mnt + "/proc/meminfo") as f:
    check("at the bound the daemon still serves proc/meminfo", f.read(9), "MemTotal:")
open(ready, "w").close()
while not os.path.exists(go):
    time.sleep(0.05)
for fd in fds:
    os.close(fd)
time.sleep(0.5)
fd = os.open(M, os.O_RDWR | os.O_NONBLOCK)
try:
    os.write(fd, b"some 100000 2000000\0")
    r = "ok"
except OSError as e:
    r = errno.errorcode[e.errno]
os.close(fd)
check("after closing them a trigger is accepted again", r, "ok")
'
lxt_bg "$LXT_PY" -c "$LIMIT_PY" "$MNT" "$LXT_CGROOT/$P1" "$CAP" "$T/limit.ready" "$T/limit.go" >"$T/limit.out" 2>&1
LIMIT_PID=$LXT_BG_PID
for i in $(seq 300); do
	[ -e "$T/limit.ready" ] || ! lxt_alive "$LIMIT_PID" && break
	sleep 0.1
done
lxt_num "$(daemon_pressure_fds)" -eq "$CAP" "bound: the daemon holds $CAP trigger fds at the bound"
touch "$T/limit.go"
wait "$LIMIT_PID"
verdicts "$T/limit.out" "trigger bound"
fds_back "bound: after they closed"

# --- a trigger whose cgroup is removed while it is polled ------------------------------------
# kernfs then reports POLLERR|POLLPRI at every poll: the poller must wake up, and the epoll
# thread must stop watching the fd instead of spinning on it
lxt_mkcg unified p3
P3DIR=$CG
GONE_PY='
import errno, os, select, sys, time
mnt, cg, root, ready = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
with open(cg + "/cgroup.procs", "w") as f:
    f.write(str(os.getpid()))
fd = os.open(mnt + "/proc/pressure/io", os.O_RDWR | os.O_NONBLOCK)
os.write(fd, b"some 100000 2000000\0")
with open(root + "/cgroup.procs", "w") as f:	# leave it, so that it can be removed
    f.write(str(os.getpid()))
p = select.poll()
p.register(fd, select.POLLPRI)
open(ready, "w").close()
t0 = time.monotonic()
ev = p.poll(8000)
dt = time.monotonic() - t0
print("poll returned %s after %.3f s" % (ev, dt))
print(("PASS" if ev and ev[0][1] & select.POLLERR else "FAIL") +
      " removed cgroup: the poller wakes up with POLLERR" + ("" if ev else " # got timeout want POLLERR"))
print(("PASS" if ev and ev[0][1] & select.POLLERR and p.poll(0) and p.poll(0)[0][1] & select.POLLERR else "FAIL") +
      " removed cgroup: later polls keep reporting POLLERR")
os.close(fd)
'
lxt_bg "$LXT_PY" -c "$GONE_PY" "$MNT" "$P3DIR" "$U" "$T/gone.ready" >"$T/gone.out" 2>&1
GONE_PID=$LXT_BG_PID
for i in $(seq 100); do
	[ -e "$T/gone.ready" ] || ! lxt_alive "$GONE_PID" && break
	sleep 0.1
done
sleep 0.5
lxt_true "removed cgroup: rmdir of the trigger's cgroup" rmdir "$P3DIR"
wait "$GONE_PID"
verdicts "$T/gone.out" "removed cgroup"
t0=$(daemon_ticks)
sleep 2
lxt_num $(($(daemon_ticks) - t0)) -le 20 "removed cgroup: the daemon stays idle afterwards (CPU ticks in 2 s, no epoll spin)"
fds_back "removed cgroup"

# --- the end ---------------------------------------------------------------------------------
lxt_true "daemon alive at the end (kill -0)" kill -0 "$DAEMON_PID"
lxt_is "$(head -c 5 "$MNT/proc/pressure/memory")" "some " "proc/pressure/memory still reads"
lxt_diag "POLLPRI latency from writing the trigger, p2 busy: $(sed -n 's/^LATENCY \([0-9.]*\) \([0-9.]*\)$/mount \1 s, real file \2 s/p' "$T/trigger.out")"

# a daemon stopped while a trigger is open and polled: the epoll thread is joined, exit 0
HOLD_PY='
import os, select, sys, time
fd = os.open(sys.argv[1] + "/proc/pressure/cpu", os.O_RDWR | os.O_NONBLOCK)
os.write(fd, b"some 100000 2000000\0")
open(sys.argv[2], "w").close()
p = select.poll()
p.register(fd, select.POLLPRI)
try:
    p.poll(30000)
except OSError:
    pass
time.sleep(30)
'
lxt_bg "$LXT_PY" -c "$HOLD_PY" "$MNT" "$T/hold.ready" >"$T/hold.out" 2>&1
for i in $(seq 100); do
	[ -e "$T/hold.ready" ] || ! lxt_alive "$LXT_BG_PID" && break
	sleep 0.1
done
lxt_num "$(daemon_pressure_fds)" -eq 1 "stop: one trigger open and polled"
lxt_stop_daemon
lxt_is "$LXT_DAEMON_STATUS" 0 "stop: daemon exits 0 on SIGTERM with a trigger open and polled"
lxt_done
