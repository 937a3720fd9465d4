#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The virtual cgroupfs (MNT/cgroup, issue 6, spec 4.12) seen by host processes: a host caller's
# view is its own cgroup (it is its own pid namespace's reference, spec 3.2), so a process put
# into memory cgroup lxkit-test-<pid>-top/a plays the container here. Layout, visibility
# (siblings, a prefix-sharing name, files of ancestors, ".." tricks), reads (empty files are
# 0 bytes), writes of a child's limit, refused writes of its own limit, mkdir/rmdir, moving
# several pids in one write, refused host pids, chmod/chown, symlink creation, and
# --disable-cgroup. Real containers: test-cgroupfs-lxc.sh; parallel readers: test-cgroupfs-stress.sh.
. "$(dirname "$0")/lib.sh"
lxt_init memory cpuset

lxt_start_daemon || lxt_bail "daemon did not start"
CGV=$MNT/cgroup
H=$LXT_CGROOT/memory

# --- layout ----------------------------------------------------------------------------------
lxt_is "$(stat -c '%F %a %u' "$CGV")" "directory 755 0" "cgroup/ is a root-owned 0755 directory"
want=$(awk '{ for (i = 7; $i != "-"; i++); t = $(i + 1)
	      if (t == "cgroup") { n = $5; sub(".*/", "", n); print n } else if (t == "cgroup2") print "unified" }' \
	/proc/self/mountinfo | sort -u | tr '\n' ' ')
lxt_is "$(ls -1 "$CGV" | sort | tr '\n' ' ')" "$want" "cgroup/ lists one directory per v1 mount dir plus unified"
lxt_true "cgroup/systemd stands for name=systemd" test -d "$CGV/systemd"
lxt_is "$(stat -c '%F %a' "$CGV/memory")" "directory 755" "cgroup/memory is a 0755 directory"
lxt_false "an unknown hierarchy is ENOENT" stat "$CGV/nosuch" 2>/dev/null

# --- the caller's cgroups --------------------------------------------------------------------
lxt_mkcg memory top/a
lxt_mkcg memory top/b
lxt_mkcg memory top/ab		# shares "top/a" as a string prefix
lxt_cgset memory top/a memory.limit_in_bytes 268435456
lxt_cgset memory top/b memory.limit_in_bytes 134217728
TOP=$(lxt_cgname top)
A=$TOP/a
# a host process outside the caller's subtree, and two inside it
lxt_bg lxt_in_cgroups "memory/$TOP/b" sleep 300
OUTSIDER=$LXT_BG_PID
lxt_bg lxt_in_cgroups "memory/$A" sleep 300
IN1=$LXT_BG_PID
lxt_bg lxt_in_cgroups "memory/$A" sleep 300
IN2=$LXT_BG_PID
sleep 0.3
for p in $OUTSIDER $IN1 $IN2; do
	lxt_alive "$p" || lxt_bail "helper $p did not start"
done

# Checks run by a process in memory cgroup $A; errnos by name
PY_CHECKS='
import errno, os, stat, sys
cg, top, hostpid, in1, in2, hcg = sys.argv[1:7]
mem = cg + "/memory"
def err(f, *a):
    try:
        f(*a)
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))
def check(desc, got, want):
    print(("PASS " if got == want else "FAIL ") + desc + ("" if got == want else " # got %r want %r" % (got, want)))
def read(p):
    with open(p) as f:
        return f.read()
def write(p, s):
    fd = os.open(p, os.O_WRONLY | os.O_TRUNC)
    try:
        os.write(fd, s.encode())
    finally:
        os.close(fd)
def hostread(p):
    with open(hcg + "/" + p) as f:
        return f.read().strip()
a = mem + "/" + top + "/a"
check("memory/ lists only the first component of the path", sorted(os.listdir(mem)), [top])
check("the top cgroup lists only the next component", sorted(os.listdir(mem + "/" + top)), ["a"])
st = os.stat(mem + "/" + top)
check("an ancestor is a root-owned 0555 directory", (stat.S_IMODE(st.st_mode), st.st_uid), (0o555, 0))
check("own cgroup lists its files", "memory.limit_in_bytes" in os.listdir(a) and "cgroup.procs" in os.listdir(a), True)
check("read own memory.limit_in_bytes", read(a + "/memory.limit_in_bytes"), "268435456\n")
check("sibling directory is hidden (ENOENT)", err(os.stat, mem + "/" + top + "/b"), "ENOENT")
check("sibling limit read is ENOENT", err(read, mem + "/" + top + "/b/memory.limit_in_bytes"), "ENOENT")
check("sibling limit write is ENOENT", err(write, mem + "/" + top + "/b/memory.limit_in_bytes", "1"), "ENOENT")
check("prefix-sharing name (top/ab vs top/a) is hidden", err(os.stat, mem + "/" + top + "/ab"), "ENOENT")
check("prefix-sharing name: listing", err(os.listdir, mem + "/" + top + "/ab"), "ENOENT")
check("an ancestor file is hidden", err(read, mem + "/" + top + "/memory.limit_in_bytes"), "ENOENT")
check("the root cgroup file is hidden", err(read, mem + "/cgroup.procs"), "ENOENT")
check(".. trick: a/../b/memory.limit_in_bytes", err(read, a + "/../b/memory.limit_in_bytes"), "ENOENT")
check(".. trick: a/../../../memory/<top>/b", err(os.listdir, a + "/../../../memory/" + top + "/b"), "ENOENT")
check("raising own memory.limit_in_bytes is EACCES", err(write, a + "/memory.limit_in_bytes", "1073741824"), "EACCES")
check("own memory.limit_in_bytes unchanged on the host", hostread(top + "/a/memory.limit_in_bytes"), "268435456")
check("chmod of own limit file is EPERM", err(os.chmod, a + "/memory.limit_in_bytes", 0o666), "EPERM")
check("rmdir of own cgroup is EBUSY", err(os.rmdir, a), "EBUSY")
check("rmdir of the hidden sibling is ENOENT", err(os.rmdir, mem + "/" + top + "/b"), "ENOENT")
check("mkdir beside the path is EPERM", err(os.mkdir, mem + "/" + top + "/x"), "EPERM")
check("mkdir of the next path component is EEXIST", err(os.mkdir, mem + "/" + top + "/a"), "EEXIST")
check("symlink creation is EACCES", err(os.symlink, "/", a + "/lnk"), "EACCES")
check("file creation is EACCES", err(lambda: os.close(os.open(a + "/newfile", os.O_WRONLY | os.O_CREAT, 0o644))), "EACCES")
check("mkdir child", err(os.mkdir, a + "/child"), "ok")
check("the child exists on the host", os.path.isdir(hcg + "/" + top + "/a/child"), True)
check("empty cgroup.procs of the child opens and reads", err(read, a + "/child/cgroup.procs"), "ok")
check("empty cgroup.procs of the child reads as 0 bytes", len(read(a + "/child/cgroup.procs")), 0)
check("set the child memory.limit_in_bytes", err(write, a + "/child/memory.limit_in_bytes", "67108864\n"), "ok")
check("the child limit is 64 MiB on the host", hostread(top + "/a/child/memory.limit_in_bytes"), "67108864")
check("the child limit reads back", read(a + "/child/memory.limit_in_bytes"), "67108864\n")
check("a bad value is refused by the kernel (EINVAL)", err(write, a + "/child/memory.limit_in_bytes", "lots"), "EINVAL")
check("chmod of the child file", err(os.chmod, a + "/child/memory.soft_limit_in_bytes", 0o600), "ok")
check("chmod reached the host", oct(stat.S_IMODE(os.stat(hcg + "/" + top + "/a/child/memory.soft_limit_in_bytes").st_mode)), oct(0o600))
check("chown of the child to uid 1000", err(os.chown, a + "/child", 1000, 1000), "ok")
check("chown reached the host (dir, tasks, cgroup.procs)", [os.stat(hcg + "/" + top + "/a/child/" + f).st_uid for f in ("", "tasks", "cgroup.procs")], [1000, 1000, 1000])
check("writing a host pid outside the subtree is EPERM", err(write, a + "/child/cgroup.procs", hostpid + "\n"), "EPERM")
check("a junk pid list is EINVAL", err(write, a + "/child/cgroup.procs", "12x\n"), "EINVAL")
check("more than 1024 pids in one write is E2BIG", err(write, a + "/child/cgroup.procs", "1\n" * 1025), "E2BIG")
check("access(W_OK) on own limit is refused", os.access(a + "/memory.limit_in_bytes", os.W_OK), False)
check("access(R_OK) on own limit", os.access(a + "/memory.limit_in_bytes", os.R_OK), True)
check("access(W_OK) on the child limit", os.access(a + "/child/memory.limit_in_bytes", os.W_OK), True)
check("access(F_OK) on the sibling", os.access(mem + "/" + top + "/b", os.F_OK), False)
check("truncate of a child file is accepted and does nothing", err(os.truncate, a + "/child/memory.limit_in_bytes", 0), "ok")
check("two pids in one write move both", err(write, a + "/child/cgroup.procs", in1 + "\n" + in2 + "\n"), "ok")
procs = sorted(read(a + "/child/cgroup.procs").split())
check("the child cgroup.procs lists both", procs, sorted([in1, in2]))
check("both moved on the host", sorted(hostread(top + "/a/child/cgroup.procs").split()), sorted([in1, in2]))
check("move one back through tasks", err(write, a + "/tasks", in2), "ok")
check("rmdir of a busy child is EBUSY", err(os.rmdir, a + "/child"), "EBUSY")
check("move the other back", err(write, a + "/cgroup.procs", in1), "ok")
check("rmdir child", err(os.rmdir, a + "/child"), "ok")
check("the child is gone on the host", os.path.exists(hcg + "/" + top + "/a/child"), False)
'
before_b=$(cat "$H/$TOP/b/memory.limit_in_bytes")
before_outsider=$(grep ':memory:' "/proc/$OUTSIDER/cgroup")
lxt_verdicts "checks in memory/$A" < <(lxt_in_cgroups "memory/$A" "$LXT_PY" -c "$PY_CHECKS" \
	"$CGV" "$TOP" "$OUTSIDER" "$IN1" "$IN2" "$H" 2>&1)
lxt_is "$(cat "$H/$TOP/b/memory.limit_in_bytes")" "$before_b" "host: the sibling's limit is unchanged"
lxt_is "$(grep ':memory:' "/proc/$OUTSIDER/cgroup")" "$before_outsider" "host: the outside process was not moved"
lxt_is "$(cat "$H/$TOP/a/memory.limit_in_bytes")" 268435456 "host: the caller's own limit is unchanged"
lxt_is "$(find "$H/$TOP" -mindepth 1 -type d -printf '%P ' | tr ' ' '\n' | sort | tr '\n' ' ')" "a ab b " \
	"host: no cgroup left or added under the test's top cgroup"

# a host caller in the hierarchy root sees everything, files of the root included
lxt_true "a caller in the cpuset root lists cgroup.procs of the root" \
	test -e "$CGV/cpuset/cgroup.procs"
# an unprivileged host user (uid 65534) in the same cgroup: mode bits, no root bypass
got=$(lxt_in_cgroups "memory/$A" setpriv --reuid=65534 --regid=65534 --clear-groups \
	mkdir "$CGV/memory/$A/nobody" 2>&1)
lxt_match "$got" "Permission denied" "uid 65534: mkdir in a root-owned 0755 cgroup is EACCES"
lxt_false "uid 65534: nothing was created" test -e "$H/$A/nobody"

# --- --disable-cgroup ------------------------------------------------------------------------
FIRST_MNT=$MNT
lxt_start_daemon --disable-cgroup || lxt_bail "daemon with --disable-cgroup did not start"
lxt_is "$(ls -a1 "$MNT" | tr '\n' ' ')" ". .. proc sys " "--disable-cgroup: the root lists no cgroup"
got=$(stat "$MNT/cgroup" 2>&1)
lxt_match "$got" "No such file or directory" "--disable-cgroup: cgroup/ is ENOENT"
got=$(mkdir "$MNT/cgroup" 2>&1)
lxt_match "$got" "Permission denied|Operation not permitted" "--disable-cgroup: no cgroup/ can be made"
lxt_true "--disable-cgroup: proc/meminfo still served" test -s "$MNT/proc/meminfo"
lxt_true "the first daemon still serves cgroup/" test -d "$FIRST_MNT/cgroup/memory"
lxt_done
