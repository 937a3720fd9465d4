# SPDX-License-Identifier: LGPL-2.1-or-later
"""Helpers of the lxkit Python tests: skips with reasons, a real lxcfs mount, test cgroups in
every hierarchy, a reader process in its own pid namespace inside them, and a private
lxmanagerd. Everything is named lxkit-test-<pid>-... and removed by the cleanups; processes
are ended by the pid the test started."""
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

PREFIX = "lxkit-test-%d-py" % os.getpid()


def require_root():
    if os.geteuid() != 0:
        raise unittest.SkipTest("needs root (FUSE mount, cgroup writes, containers)")


def require_bin(env, what):
    path = os.environ.get(env)
    if not path or not os.access(path, os.X_OK):
        raise unittest.SkipTest("%s ('%s', %s) is not built" % (what, path, env))
    return path


def cgroup_mounts():
    """[(mountpoint, fstype, controllers)] of the cgroup hierarchies, first mount of each."""
    seen, out = set(), []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            pre, _, post = line.partition(" - ")
            fields, pfields = pre.split(), post.split()
            if pfields[0] not in ("cgroup", "cgroup2") or fields[3] != "/":
                continue
            opts = pfields[2].split(",")
            ctrl = ",".join(o for o in opts if o not in ("rw", "ro", "nosuid", "nodev", "noexec",
                                                         "relatime", "nsdelegate",
                                                         "memory_recursiveprot"))
            key = (pfields[0], ctrl)
            if key in seen:
                continue
            seen.add(key)
            out.append((fields[4], pfields[0], ctrl))
    return out


def v1_mount(controller):
    for mnt, fstype, ctrl in cgroup_mounts():
        if fstype == "cgroup" and controller in ctrl.split(","):
            return mnt
    return None


def wait_for(pred, timeout, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(step)
    return pred()


class Lxcfs:
    """A private lxcfs daemon on a temporary mountpoint (as tests/integration/lib.sh
    lxt_start_daemon starts it)."""

    def __init__(self, binary, args=()):
        self.dir = tempfile.mkdtemp(prefix=PREFIX + "-lxcfs-")
        self.mnt = os.path.join(self.dir, "mnt")
        os.mkdir(self.mnt)
        self.log = open(os.path.join(self.dir, "lxcfs.log"), "w")
        self.proc = subprocess.Popen([binary, *args, "-p", os.path.join(self.dir, "lxcfs.pid"),
                                      self.mnt], stdout=self.log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        if not wait_for(lambda: os.path.exists(self.mnt + "/proc/meminfo") or
                        self.proc.poll() is not None, 10):
            pass
        if not os.path.exists(self.mnt + "/proc/meminfo"):
            self.stop()
            with open(os.path.join(self.dir, "lxcfs.log")) as f:
                raise RuntimeError("lxcfs did not mount %s: %s" % (self.mnt, f.read()))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if os.path.ismount(self.mnt):
            subprocess.call(["umount", "-l", self.mnt])
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class TestCgroup:
    """One cgroup named NAME in every hierarchy (v1 and the cgroup2 mount)."""

    def __init__(self, name):
        self.name = name
        self.paths = []
        for mnt, fstype, ctrl in cgroup_mounts():
            p = os.path.join(mnt, name)
            os.mkdir(p)
            self.paths.append((p, fstype, ctrl))
            if "cpuset" in ctrl.split(","):
                for f in ("cpuset.cpus", "cpuset.mems"):
                    with open(os.path.join(mnt, f)) as src:
                        value = src.read().strip()
                    with open(os.path.join(p, f), "w") as dst:
                        dst.write(value)

    def path(self, controller):
        for p, fstype, ctrl in self.paths:
            if controller in ctrl.split(","):
                return p
        return None

    def write(self, controller, name, value):
        with open(os.path.join(self.path(controller), name), "w") as f:
            f.write(value)

    def attach(self, pid):
        for p, _, _ in self.paths:
            with open(os.path.join(p, "cgroup.procs"), "w") as f:
                f.write(str(pid))

    def remove(self):
        for p, _, _ in reversed(self.paths):
            for _ in range(100):
                try:
                    os.rmdir(p)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)


class Reader:
    """A shell that is the init of its own pid namespace, moved into @cgroup, reading files
    of the lxcfs mount on request. ``pid`` is its host pid (the namespace init lxcfs uses)."""

    def __init__(self, cgroup, mnt):
        self.mnt = mnt
        # "FILE": cat MNT/FILE; "!CMD": run CMD (output discarded); each answer ends in a marker
        script = ('read go; while read f; do case $f in "!"*) eval "${f#!}" >/dev/null 2>&1;; '
                  '*) cat "$0/$f";; esac; echo "@@lxkit-end@@"; done')
        self.proc = subprocess.Popen(["unshare", "--pid", "--fork", "--kill-child", "sh", "-c",
                                      script, mnt], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        if not wait_for(lambda: self._child() is not None, 5):
            self.stop()
            raise RuntimeError("unshare did not fork its child")
        self.pid = self._child()
        cgroup.attach(self.pid)
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def _child(self):
        try:
            with open("/proc/%d/task/%d/children" % (self.proc.pid, self.proc.pid)) as f:
                kids = f.read().split()
        except OSError:
            return None
        return int(kids[0]) if kids else None

    def read(self, rel):
        """The text of MNT/@rel as the reader sees it."""
        self.proc.stdin.write(rel + "\n")
        self.proc.stdin.flush()
        lines = []
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("reader exited")
            if line == "@@lxkit-end@@\n":
                return "".join(lines)
            lines.append(line)

    def run(self, cmd):
        """Runs shell command @cmd (one line) in the reader, in its cgroup, and waits."""
        self.read("!" + cmd)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()	# unshare --kill-child takes the namespace down with it
            self.proc.wait()
        for f in (self.proc.stdin, self.proc.stdout):
            try:
                f.close()
            except OSError:
                pass


class Manager:
    """A private lxmanagerd: --state-dir, --socket and --runtime-dir under one temp dir."""

    def __init__(self, binary, lxlaunch=None):
        self.dir = tempfile.mkdtemp(prefix=PREFIX + "-mgr-")
        env = dict(os.environ)
        if lxlaunch:
            env["LXKIT_LXLAUNCH"] = lxlaunch	# the manager's runtime (manager/instance-rt.c)
        self.state = os.path.join(self.dir, "state")
        self.run = os.path.join(self.dir, "run")
        self.socket = os.path.join(self.run, "manager.socket")
        self.log = open(os.path.join(self.dir, "daemon.log"), "w")
        self.proc = subprocess.Popen([binary, "--state-dir", self.state, "--socket", self.socket,
                                      "--runtime-dir", self.run], stdout=self.log, env=env,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if not wait_for(lambda: os.path.exists(self.socket) or self.proc.poll() is not None, 10):
            pass
        if not os.path.exists(self.socket):
            self.stop()
            raise RuntimeError("lxmanagerd did not listen on %s" % self.socket)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def cleanup(self):
        """After stop(): unmounts what is below the directory, detaches loop devices backed
        by files in it, removes it."""
        with open("/proc/self/mountinfo") as f:
            mnts = [line.split()[4] for line in f]
        for m in sorted((m for m in mnts if m.startswith(self.dir + "/")), reverse=True):
            subprocess.call(["umount", "-l", m])
        out = subprocess.run(["losetup", "--noheadings", "--output", "NAME,BACK-FILE"],
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            f = line.split()
            if len(f) == 2 and f[1].startswith(self.dir + "/"):
                subprocess.call(["losetup", "-d", f[0]])
        shutil.rmtree(self.dir, ignore_errors=True)
LXCFS_NONE = "/nonexistent/lxlaunch-no-lxcfs"	# launcher/lib/lxc.h LXL_LXCFS_NONE
