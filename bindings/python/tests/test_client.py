# SPDX-License-Identifier: LGPL-2.1-or-later
"""lxkit.Client against a real lxmanagerd started privately (--state-dir, --socket,
--runtime-dir under /tmp/lxkit-test-<pid>-py-mgr-*): a dir pool, a volume and its snapshot,
a busybox container started, exec'd in, snapshotted, stopped and deleted; errors as
lxkit.Error subclasses with the HTTP status and the manager's message."""
import os
import shutil
import unittest

import lxkit_testlib as tl

tl.require_root()
MGR = tl.require_bin("LXMANAGERD_BIN", "lxmanagerd")
LXLAUNCH = tl.require_bin("LXLAUNCH_BIN", "lxlaunch")
for tool in ("lxc-create", "losetup"):
    if not shutil.which(tool):
        raise unittest.SkipTest("%s is not installed" % tool)
if not os.path.exists("/usr/share/lxc/templates/lxc-busybox"):
    raise unittest.SkipTest("LXC's busybox template is missing")

import lxkit  # noqa: E402

NAME = "lxkit-test-%d-pyc" % os.getpid()


class ClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mgr = tl.Manager(MGR, LXLAUNCH)
        cls.client = lxkit.Client(cls.mgr.socket, timeout=120)

    @classmethod
    def tearDownClass(cls):
        try:
            cls.client.stop(NAME, timeout=5, force=True)
        except lxkit.Error:
            pass
        try:
            cls.client.delete_instance(NAME)
        except lxkit.Error:
            pass
        cls.mgr.stop()
        subprocess_cleanup_cgroups(NAME)
        cls.mgr.cleanup()

    def test_1_server(self):
        server = self.client.server()
        self.assertIsInstance(server, dict)
        self.assertIn("api_extensions", server)

    def test_2_errors(self):
        with self.assertRaises(lxkit.NotFound) as cm:
            self.client.storage_pool("nothing")
        self.assertEqual(cm.exception.status, 404)
        self.assertIn("nothing", cm.exception.message)
        with self.assertRaises(lxkit.BadRequest) as cm:
            self.client.create_storage_pool("p1", "nfs")
        self.assertEqual(cm.exception.status, 400)
        self.assertIn("unknown storage driver 'nfs'", cm.exception.message)
        with self.assertRaises(lxkit.BadRequest):
            self.client.create_storage_pool("a/b", "dir")
        with self.assertRaises(lxkit.ConnectionFailed):
            lxkit.Client(self.mgr.socket + ".missing").server()

    def test_3_storage(self):
        c = self.client
        c.create_storage_pool("pyp1", "dir", description="lxkit python test")
        self.assertIn("pyp1", [p["name"] for p in c.storage_pools()])
        with self.assertRaises(lxkit.Conflict) as cm:
            c.create_storage_pool("pyp1", "dir")
        self.assertEqual(cm.exception.status, 409)
        pool, etag = c.storage_pool_etag("pyp1")
        self.assertTrue(etag)
        c.update_storage_pool("pyp1", {"description": "changed"}, etag=etag)
        self.assertEqual(c.storage_pool("pyp1")["description"], "changed")
        with self.assertRaises(lxkit.PreconditionFailed) as cm:
            c.update_storage_pool("pyp1", {"description": "stale"}, etag=etag)
        self.assertEqual(cm.exception.status, 412)
        c.create_volume("pyp1", "v1", description="data")
        self.assertEqual(c.volume("pyp1", "v1")["name"], "v1")
        vol_dir = os.path.join(self.mgr.state, "storage-pools", "pyp1", "custom", "v1")
        self.assertTrue(os.path.isdir(vol_dir), vol_dir)
        with open(os.path.join(vol_dir, "file"), "w") as f:
            f.write("one")
        c.create_volume_snapshot("pyp1", "v1", "s1")
        self.assertEqual([s["name"].split("/")[-1] for s in c.volume_snapshots("pyp1", "v1")],
                         ["s1"])
        with open(os.path.join(vol_dir, "file"), "w") as f:
            f.write("two")
        c.restore_volume_snapshot("pyp1", "v1", "s1")
        with open(os.path.join(vol_dir, "file")) as f:
            self.assertEqual(f.read(), "one", "restore brought back the snapshot's content")
        with self.assertRaises(lxkit.NotFound):
            c.create_volume_snapshot("pyp1", "nothing", "s1")
        c.delete_volume_snapshot("pyp1", "v1", "s1")
        c.delete_volume("pyp1", "v1")
        self.assertEqual(c.volumes("pyp1", "custom"), [])

    def test_4_container(self):
        c = self.client
        c.create_storage_pool("pyp2", "dir")
        c.create_instance(NAME, "pyp2", config={"limits.memory": "128MiB"})
        self.assertEqual(c.instance(NAME)["status"], "Stopped")
        with self.assertRaises(lxkit.Conflict):
            c.exec(NAME, ["true"])
        c.start(NAME)
        self.assertEqual(c.state(NAME)["status"], "Running")
        r = c.exec(NAME, ["sh", "-c", "echo hello-$((6*7)); echo oops >&2; exit 3"])
        self.assertEqual(r["return"], 3)
        self.assertEqual(r["stdout"], "hello-42\n")
        self.assertEqual(r["stderr"], "oops\n")
        with self.assertRaises(lxkit.Conflict) as cm:
            c.delete_storage_pool("pyp2")
        self.assertIn("pyp2", cm.exception.message)
        c.create_snapshot(NAME, "snap0")
        self.assertEqual([s["name"].split("/")[-1] for s in c.snapshots(NAME)], ["snap0"])
        self.assertEqual(c.instance(NAME)["devices"]["root"]["pool"], "pyp2")
        c.stop(NAME, timeout=10)
        self.assertEqual(c.state(NAME)["status"], "Stopped")
        c.delete_instance(NAME)
        with self.assertRaises(lxkit.NotFound):
            c.instance(NAME)
        c.delete_storage_pool("pyp2")

    def test_5_devices(self):
        c = self.client
        c.create_storage_pool("pyp3", "dir")
        c.create_instance(NAME + "d", "pyp3")
        try:
            try:
                devs = c.devices(NAME + "d")
            except lxkit.NotFound as e:
                if e.message.startswith("not found: '/1.0/"):
                    self.skipTest("this lxmanagerd has no devices endpoint yet: %s" % e.message)
                raise
            self.assertEqual(devs["root"]["pool"], "pyp3")
            c.add_device(NAME + "d", "data", {"type": "disk", "source": "/tmp", "path": "/mnt"})
            self.assertEqual(c.devices(NAME + "d")["data"]["path"], "/mnt")
            c.remove_device(NAME + "d", "data")
            self.assertNotIn("data", c.devices(NAME + "d"))
            with self.assertRaises(lxkit.NotFound):
                c.remove_device(NAME + "d", "data")
        finally:
            c.delete_instance(NAME + "d")
            c.delete_storage_pool("pyp3")


def subprocess_cleanup_cgroups(name):
    """Removes leftover LXC cgroups of @name (the manager removes them; this is a backstop)."""
    for mnt, _, _ in tl.cgroup_mounts():
        for prefix in ("lxc.payload.", "lxc.monitor."):
            p = os.path.join(mnt, prefix + name)
            if os.path.isdir(p):
                try:
                    os.rmdir(p)
                except OSError:
                    pass


if __name__ == "__main__":
    unittest.main()
