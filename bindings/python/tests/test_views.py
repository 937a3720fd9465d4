# SPDX-License-Identifier: LGPL-2.1-or-later
"""lxkit.views against a real lxcfs: a reader (its own pid namespace init) in a test cgroup
reads MNT/proc/<file>; lxkit computes the same view for the cgroup. Values that cannot change
between the reads are compared exactly; volatile ones must lie between two lxcfs reads taken
before and after (plus a small tolerance)."""
import errno
import os
import time
import unittest

import lxkit_testlib as tl

tl.require_root()
LXCFS = tl.require_bin("LXCFS_BIN", "lxcfs")
if not os.path.exists("/dev/fuse"):
    raise unittest.SkipTest("/dev/fuse is missing")
if not tl.v1_mount("memory") or not tl.v1_mount("cpuset") or not tl.v1_mount("cpuacct"):
    raise unittest.SkipTest("needs cgroup v1 memory, cpuset and cpuacct hierarchies (hybrid host)")

import lxkit  # noqa: E402

LIMIT = 256 << 20
HOST_AGE = 0.25	# s: longer than lxcfs's host text cache (HOST_TEXT_AGE_NS, 100 ms)


def file_disk(path):
    """(name, "MAJ:MIN") of the whole disk holding @path when it is a block device (not
    tmpfs, overlay, ...), else None."""
    try:
        st = os.stat(path)
        major, minor = os.major(st.st_dev), os.minor(st.st_dev)
        with open("/sys/dev/block/%d:%d/uevent" % (major, minor)) as f:
            kv = dict(l.strip().split("=", 1) for l in f if "=" in l)
        if kv.get("DEVTYPE") == "partition":
            parent = os.path.realpath("/sys/dev/block/%d:%d/.." % (major, minor))
            with open(parent + "/dev") as f:
                majmin = f.read().strip()
            name = os.path.basename(parent)
        else:
            majmin, name = "%d:%d" % (major, minor), kv.get("DEVNAME")
        return (name, majmin) if name else None
    except OSError:
        return None


class ViewsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lxcfs = tl.Lxcfs(LXCFS, ["-l"])	# -l: per-container loadavg
        cls.cg = None
        cls.reader = None
        try:
            cls.cg = tl.TestCgroup(tl.PREFIX + "-views")
            cls.cg.write("memory", "memory.limit_in_bytes", str(LIMIT))
            ncpu = os.cpu_count() or 1
            cls.cpus = "1" if ncpu > 1 else "0"
            cls.cg.write("cpuset", "cpuset.cpus", cls.cpus)
            cls.reader = tl.Reader(cls.cg, cls.lxcfs.mnt)
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        if cls.reader:
            cls.reader.stop()
        if cls.cg:
            cls.cg.remove()
        cls.lxcfs.stop()

    def triple(self, rel, compute):
        """(lxcfs text before, lxkit value, lxcfs text after), HOST_AGE apart."""
        before = self.reader.read(rel)
        time.sleep(HOST_AGE)
        mine = compute()
        time.sleep(HOST_AGE)
        after = self.reader.read(rel)
        return before, mine, after

    def assertBetween(self, name, x, a, b, tol):
        lo, hi = min(a, b) - tol, max(a, b) + tol
        self.assertTrue(lo <= x <= hi, "%s: lxkit %r not within [%r, %r] (lxcfs %r, %r)"
                        % (name, x, lo, hi, a, b))

    def test_meminfo(self):
        path = self.cg.path("memory")
        before, mine, after = self.triple("proc/meminfo", lambda: lxkit.views.meminfo(path))
        self.assertEqual(mine["MemTotal"], LIMIT // 1024)
        b = lxkit.views._meminfo_values(before)
        a = lxkit.views._meminfo_values(after)
        self.assertEqual(list(mine.keys()), list(b.keys()), "same lines in the same order")
        for key in ("MemTotal", "SwapTotal", "Hugepagesize", "VmallocTotal", "HugePages_Total"):
            if key in b:
                self.assertEqual(mine[key], b[key], key)
                self.assertEqual(b[key], a[key], key)
        for key, value in mine.items():
            # the container's own lines move by little (a sleeping shell); host-wide lines by
            # what the rest of the machine does
            tol = 4096 if b[key] <= LIMIT // 1024 else max(a[key], b[key]) // 20 + 4096
            self.assertBetween(key, value, b[key], a[key], tol)
        self.assertEqual(mine.text.count("\n"), before.count("\n"))

    def test_cpuinfo(self):
        path = self.cg.path("cpuset")
        before, mine, after = self.triple("proc/cpuinfo", lambda: lxkit.views.cpuinfo(path))
        self.assertEqual(mine["count"], 1)
        self.assertEqual(mine["processors"][0]["processor"], "0")

        def steady(text):
            return [l for l in text.splitlines() if not l.startswith("cpu MHz")]
        self.assertEqual(steady(mine.text), steady(before))
        self.assertEqual(steady(before), steady(after))

    def test_stat(self):
        path = self.cg.path("cpuacct")
        before, mine, after = self.triple("proc/stat", lambda: lxkit.views.stat(path))
        # the cpuset's CPU keeps its host number (no --enable-cfs cap renumbers it)
        cpu = "cpu" + self.cpus
        self.assertEqual(sorted(k for k in mine if k.startswith("cpu")), ["cpu", cpu])

        def parse(text):
            return {l.split()[0]: [int(x) for x in l.split()[1:]] for l in text.splitlines() if l}
        b, a = parse(before), parse(after)
        self.assertEqual(list(b.keys()), [l.split()[0] for l in mine.text.splitlines() if l])
        self.assertEqual(mine["btime"], b["btime"][0])
        for key in ("cpu", cpu):
            for i, value in enumerate(mine[key]):
                self.assertBetween("%s[%d]" % (key, i), value, b[key][i], a[key][i], 3)
        for key in ("ctxt", "processes"):
            self.assertBetween(key, mine[key], b[key][0], a[key][0], 0)
        for i, value in enumerate(mine["intr"][:64]):
            self.assertBetween("intr[%d]" % i, value, b["intr"][i], a["intr"][i], 0)

    def test_uptime(self):
        before, mine, after = self.triple("proc/uptime",
                                          lambda: lxkit.views.uptime(self.reader.pid))
        b, a = [float(x) for x in before.split()], [float(x) for x in after.split()]
        self.assertBetween("uptime", mine["uptime"], b[0], a[0], 0.02)
        self.assertBetween("idle", mine["idle"], b[1], a[1], 0.05)
        self.assertLess(mine["uptime"], 3600, "uptime of the reader, not of the host")
        with self.assertRaises(ProcessLookupError):
            lxkit.views.uptime(0x3ffffff0)

    def test_diskstats(self):
        path = self.cg.path("blkio")
        # a file of 32 blocks on a disk, read by the reader with O_DIRECT: blk-throttle counts a
        # cgroup's IO on a disk once a rule exists for it (a limit far above what is read)
        io_file = "/var/tmp/%s-io" % tl.PREFIX
        with open(io_file, "wb") as f:
            f.write(os.urandom(32 * 4096))
            f.flush()
            os.fsync(f.fileno())
        self.addCleanup(os.unlink, io_file)
        disk = file_disk(io_file)
        if disk:
            self.cg.write("blkio", "blkio.throttle.read_bps_device", "%s %d" % (disk[1], 1 << 40))
            self.reader.run("dd if=%s of=/dev/null bs=4096 count=32 iflag=direct" % io_file)
        before = self.reader.read("proc/diskstats")
        try:
            mine = lxkit.views.diskstats(path)
        except OSError as e:
            # no per-cgroup IO accounting here: lxcfs serves the host's file then
            self.assertIn(e.errno, (errno.ENOENT, errno.ENODATA))
            with open("/proc/diskstats") as f:
                host = [l.split()[2] for l in f]
            self.assertEqual([l.split()[2] for l in before.splitlines()], host)
            return
        after = self.reader.read("proc/diskstats")
        self.assertEqual(list(mine.keys()), [l.split()[2] for l in before.splitlines()])
        if disk:
            self.assertIn(disk[0], mine, "the disk the reader read from")
            # the reader's 32 direct reads, and maybe a few page-ins of dd itself
            self.assertGreaterEqual(mine[disk[0]]["reads"], 32)
            self.assertGreaterEqual(mine[disk[0]]["sectors_read"], 32 * 8)
        for line_b, line_a in zip(before.splitlines(), after.splitlines()):
            fb, fa = line_b.split(), line_a.split()
            dev = mine[fb[2]]
            for i, key in enumerate(lxkit.views._DISK_FIELDS):
                self.assertBetween("%s %s" % (fb[2], key), dev[key], int(fb[3 + i]),
                                   int(fa[3 + i]), 0)

    def test_loadavg(self):
        # ground truth: the cgroup holds the reader's shell alone, asleep in read
        # (it is runnable for a moment after each request: sample until it sleeps)
        seen = []

        def asleep():
            seen.append(lxkit.views.loadavg(self.cg.path("cpu")))
            return seen[-1]["running"] == 0
        tl.wait_for(asleep, 5)
        mine = seen[-1]
        self.assertEqual((mine["running"], mine["total"], mine["last_pid"]),
                         (0, 1, self.reader.pid))
        self.assertEqual((mine["load1"], mine["load5"], mine["load15"]), (0.0, 0.0, 0.0))
        self.assertRegex(mine.text, r"^0\.00 0\.00 0\.00 0/1 %d\n$" % self.reader.pid)
        # lxcfs -l shows the same line while its samples, every 5 s, find the shell asleep (a
        # sample may catch it running: then lxcfs's averages rise, and another read is taken)
        for _ in range(5):
            served = self.reader.read("proc/loadavg")
            if served == mine.text:
                break
            time.sleep(1)
        self.assertEqual(served, mine.text)

    def test_errors(self):
        with self.assertRaises(FileNotFoundError):
            lxkit.views.meminfo(self.cg.path("memory") + "-missing")
        with self.assertRaises(OSError) as cm:
            lxkit.views.meminfo("/tmp")
        self.assertEqual(cm.exception.errno, errno.EINVAL)
        with self.assertRaises(OSError) as cm:
            lxkit.views.meminfo("relative/path")
        self.assertEqual(cm.exception.errno, errno.EINVAL)
        with self.assertRaises(OSError) as cm:
            lxkit.views.meminfo(self.cg.path("memory") + "/..")
        self.assertEqual(cm.exception.errno, errno.EINVAL)
        with self.assertRaises(TypeError):
            lxkit.views.meminfo(None)

    def test_same_cgroup_any_hierarchy(self):
        a = lxkit.views.meminfo(self.cg.path("memory"))
        b = lxkit.views.meminfo(self.cg.path("cpuset"))
        self.assertEqual(a["MemTotal"], b["MemTotal"])


if __name__ == "__main__":
    unittest.main()
