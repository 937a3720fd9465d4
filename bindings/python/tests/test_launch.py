# SPDX-License-Identifier: LGPL-2.1-or-later
"""lxkit.launch through liblxlaunch: a busybox container under a private lxcpath
(/tmp/lxkit-test-<pid>-py-launch-*) created, started, exec'd in (status and captured output),
stopped and destroyed; liblxlaunch's errors as lxkit.LaunchError with errno and message."""
import errno
import os
import shutil
import tempfile
import unittest

import lxkit_testlib as tl

tl.require_root()
import lxkit  # noqa: E402

if not lxkit.launch.available:
    raise unittest.SkipTest("lxkit was built without liblxlaunch (liblxc or libcap missing)")
if not os.path.exists("/usr/share/lxc/templates/lxc-busybox") or not shutil.which("busybox"):
    raise unittest.SkipTest("LXC's busybox template or busybox is missing")

NAME = "lxkit-test-%d-pyl" % os.getpid()


class LaunchTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.lxcpath = tempfile.mkdtemp(prefix=tl.PREFIX + "-launch-")

    @classmethod
    def tearDownClass(cls):
        try:
            lxkit.launch.destroy(NAME, lxcpath=cls.lxcpath)
        except lxkit.LaunchError:
            pass
        shutil.rmtree(cls.lxcpath, ignore_errors=True)

    def test_errors(self):
        with self.assertRaises(lxkit.LaunchError) as cm:
            lxkit.launch.create(NAME + "x", {"memory": "lots"}, lxcpath=self.lxcpath)
        self.assertEqual(cm.exception.errno, errno.EINVAL)
        self.assertIn("memory", cm.exception.strerror)
        with self.assertRaises(lxkit.LaunchError) as cm:
            lxkit.launch.create(NAME + "x", {"colour": "red"}, lxcpath=self.lxcpath)
        self.assertEqual(cm.exception.errno, errno.ENOENT)
        with self.assertRaises(lxkit.LaunchError) as cm:
            lxkit.launch.info(NAME + "-none", lxcpath=self.lxcpath)
        self.assertEqual(cm.exception.errno, errno.ENOENT)
        self.assertIsInstance(cm.exception, OSError)
        with self.assertRaises(TypeError):
            lxkit.launch.create(NAME + "x", {"memory": 5}, lxcpath=self.lxcpath)
        self.assertFalse(os.path.exists(os.path.join(self.lxcpath, NAME + "x")),
                         "nothing left of a refused create")

    def test_lifecycle(self):
        p = self.lxcpath
        lxkit.launch.create(NAME, {"memory": "128M", "network": "none", "lxcfs": tl.LXCFS_NONE},
                            lxcpath=p)
        with self.assertRaises(lxkit.LaunchError) as cm:
            lxkit.launch.create(NAME, lxcpath=p)
        self.assertEqual(cm.exception.errno, errno.EEXIST)
        info = lxkit.launch.info(NAME, lxcpath=p)
        self.assertEqual((info["name"], info["state"], info["init_pid"]), (NAME, "STOPPED", 0))
        self.assertEqual([i["name"] for i in lxkit.launch.list(lxcpath=p)], [NAME])
        lxkit.launch.start(NAME, lxcpath=p)
        info = lxkit.launch.info(NAME, lxcpath=p)
        self.assertEqual(info["state"], "RUNNING")
        self.assertGreater(info["init_pid"], 1)
        status, out, err = lxkit.launch.exec(
            NAME, ["sh", "-c", "echo hi-$((6*7)) $(readlink /proc/self/ns/pid); echo e >&2; exit 5"],
            lxcpath=p, capture=True)
        # run in the container's pid namespace: that of its init
        ns = os.readlink("/proc/%d/ns/pid" % info["init_pid"])
        self.assertEqual((status, out, err), (5, ("hi-42 %s\n" % ns).encode(), b"e\n"))
        # the container's memory cgroup (host side) carries the limit of the spec
        with open("/proc/%d/cgroup" % info["init_pid"]) as f:
            rel = [l.split(":")[2].strip() for l in f if l.split(":")[1] == "memory"][0]
        with open(os.path.join(tl.v1_mount("memory"), rel.lstrip("/"), "memory.limit_in_bytes")) as f:
            self.assertEqual(int(f.read()), 128 << 20)
        self.assertEqual(lxkit.launch.exec(NAME, ["true"], lxcpath=p), 0)
        self.assertEqual(lxkit.launch.exec(NAME, ["no-such-command"], lxcpath=p, capture=True)[0],
                         127)
        lxkit.launch.stop(NAME, lxcpath=p, timeout=10)
        self.assertEqual(lxkit.launch.info(NAME, lxcpath=p)["state"], "STOPPED")
        with self.assertRaises(lxkit.LaunchError):
            lxkit.launch.exec(NAME, ["true"], lxcpath=p)
        lxkit.launch.destroy(NAME, lxcpath=p)
        with self.assertRaises(lxkit.LaunchError):
            lxkit.launch.info(NAME, lxcpath=p)


if __name__ == "__main__":
    unittest.main()
