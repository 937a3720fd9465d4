# SPDX-License-Identifier: LGPL-2.1-or-later
# fault-probe.py: the reading side of test-faults.sh (issue 8 item 4). Each subcommand prints
# one line the test compares; errors are printed as "E<ERRNO NAME>", never raised.
#
#   memtotal FILE            MemTotal of a meminfo file: "<kB>" or "E<errno>"
#   cpus MNT                 "cpuinfo=N online=LIST statcpus=N" from MNT's views (E<errno> per
#                            file that failed)
#   loop-memtotal FILE SECS  reads FILE (open, read, close) for SECS seconds; prints
#                            "reads=N" and one "value=V count=C" line per distinct outcome
#   reuse-pid WANT CGPROCS MNT [pidns]
#                            forks a child whose host pid is WANT (ns_last_pid = WANT - 1,
#                            retried while other forks take it); with "pidns" the child is the
#                            init of a new pid namespace. The child joins the cgroup whose
#                            cgroup.procs is CGPROCS, then reads MNT/proc/meminfo.
#                            Prints "pid=P tries=T nsino=I memtotal=V" or "nopid tries=T".
#   spawn-reader CGPROCS MNT [pidns]
#                            as reuse-pid without a wanted pid; prints the same line and the
#                            child's host pid, so the test can ask for it again.
import ctypes
import errno
import os
import sys
import time

CLONE_NEWPID = 0x20000000


def ename(e):
    return "E" + errno.errorcode.get(e.errno, str(e.errno))


def memtotal(path):
    try:
        with open(path, "rb") as f:
            text = f.read()
    except OSError as e:
        return ename(e)
    for line in text.split(b"\n"):
        if line.startswith(b"MemTotal:"):
            return line.split()[1].decode()
    return "nomemtotal"


def slurp(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        return ename(e)


def cpus(mnt):
    out = []
    t = slurp(mnt + "/proc/cpuinfo")
    out.append("cpuinfo=" + (t if isinstance(t, str) else str(t.count(b"\nprocessor") + t.startswith(b"processor"))))
    t = slurp(mnt + "/sys/devices/system/cpu/online")
    out.append("online=" + (t if isinstance(t, str) else t.decode(errors="replace").strip()))
    t = slurp(mnt + "/proc/stat")
    out.append("statcpus=" + (t if isinstance(t, str) else str(sum(1 for l in t.split(b"\n") if l[:3] == b"cpu" and l[3:4].isdigit()))))
    return " ".join(out)


def loop_memtotal(path, secs):
    seen = {}
    n = 0
    end = time.monotonic() + secs
    while time.monotonic() < end:
        v = memtotal(path)
        seen[v] = seen.get(v, 0) + 1
        n += 1
    print("reads=%d" % n)
    for v, c in sorted(seen.items()):
        print("value=%s count=%d" % (v, c))


def child_body(cgprocs, mnt, w):
    # the child: join the cgroup ("0": the writer itself; its own pid may be 1 in a new pid
    # namespace), read, report through the pipe
    try:
        with open(cgprocs, "w") as f:
            f.write("0")
        ino = os.stat("/proc/self/ns/pid").st_ino
        val = memtotal(mnt + "/proc/meminfo")
        os.write(w, ("nsino=%d memtotal=%s" % (ino, val)).encode())
    except OSError as e:
        os.write(w, ("nsino=? memtotal=" + ename(e)).encode())
    os._exit(0)


def attempt(cgprocs, mnt, want, out):
    """One fork; with @want the child must get that host pid. Returns True when the child
    read (its line written to fd @out), False when another process took the pid."""
    if want:
        with open("/proc/sys/kernel/ns_last_pid", "w") as f:
            f.write(str(want - 1))
    r, w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        os.close(go_w)
        if os.read(go_r, 1) != b"g":
            os._exit(0)	# not the pid we wanted: leave without reading
        child_body(cgprocs, mnt, w)
    os.close(w)
    os.close(go_r)
    if want and pid != want:
        os.close(go_w)
        os.close(r)
        os.waitpid(pid, 0)
        return False
    os.write(go_w, b"g")
    os.close(go_w)
    res = b""
    while True:
        b = os.read(r, 4096)
        if not b:
            break
        res += b
    os.close(r)
    os.waitpid(pid, 0)
    os.write(out, b"pid=%d %s" % (pid, res))
    return True


def spawn(cgprocs, mnt, pidns, want):
    libc = ctypes.CDLL(None, use_errno=True)
    for tries in range(1, 2001):
        if not pidns:
            r, w = os.pipe()
            ok = attempt(cgprocs, mnt, want, w)
            os.close(w)
        else:
            # a pid namespace gets one init: a fresh middle process per try unshares and forks
            r, w = os.pipe()
            mid = os.fork()
            if mid == 0:
                os.close(r)
                if libc.unshare(CLONE_NEWPID) != 0:
                    os.write(w, b"unshare failed: " + os.strerror(ctypes.get_errno()).encode())
                    os._exit(2)
                os._exit(0 if attempt(cgprocs, mnt, want, w) else 3)
            os.close(w)
            _, st = os.waitpid(mid, 0)
            ok = os.waitstatus_to_exitcode(st) == 0
            if os.waitstatus_to_exitcode(st) == 2:
                print(os.read(r, 4096).decode())
                return 1
        res = b""
        while True:
            b = os.read(r, 4096)
            if not b:
                break
            res += b
        os.close(r)
        if ok:
            print("%s tries=%d" % (res.decode(), tries))
            return 0
    print("nopid tries=%d" % tries)
    return 0


def main():
    cmd = sys.argv[1]
    if cmd == "memtotal":
        print(memtotal(sys.argv[2]))
    elif cmd == "cpus":
        print(cpus(sys.argv[2]))
    elif cmd == "loop-memtotal":
        loop_memtotal(sys.argv[2], float(sys.argv[3]))
    elif cmd == "reuse-pid":
        return spawn(sys.argv[3], sys.argv[4], len(sys.argv) > 5 and sys.argv[5] == "pidns", int(sys.argv[2]))
    elif cmd == "spawn-reader":
        return spawn(sys.argv[2], sys.argv[3], len(sys.argv) > 4 and sys.argv[4] == "pidns", 0)
    else:
        print("unknown command " + cmd)
        return 2
    return 0


sys.exit(main())
