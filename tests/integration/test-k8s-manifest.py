#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""test-k8s-manifest.py: static checks of hooks/kubernetes/lxcfs-daemonset.yaml (TAP).

The manifest cannot run here (no cluster), so this parses it with a YAML parser and checks the
fields that make it work: a privileged hostPID DaemonSet running lxcfs in the foreground on
/var/lib/lxcfs with Bidirectional propagation, the host's /sys/fs/cgroup, /proc and /dev/fuse,
a preStop that unmounts, and a hooks.d file for CRI-O that agrees with hooks/oci/lxcfs.json.in.

Usage: test-k8s-manifest.py MANIFEST HOOKS_JSON_IN
Without python3-yaml it prints "1..0 # SKIP ..." (exit 0: meson's TAP runner wants 0).
"""
import json
import sys

N = 0
FAILED = 0


def check(cond, desc, got=None):
    global N, FAILED
    N += 1
    if cond:
        print(f"ok {N} - {desc}")
    else:
        FAILED += 1
        print(f"not ok {N} - {desc}" + (f" # got {got!r}" if got is not None else ""))


def main():
    try:
        import yaml
    except ImportError:
        print("1..0 # SKIP python3-yaml is not installed (apt-get install python3-yaml)")
        return 0
    manifest, hooks_in = sys.argv[1:3]

    with open(manifest) as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    kinds = sorted(d.get("kind") for d in docs)
    check(kinds == ["ConfigMap", "DaemonSet"], "manifest holds one ConfigMap and one DaemonSet", kinds)
    by_kind = {d.get("kind"): d for d in docs}
    ds = by_kind.get("DaemonSet", {})
    cm = by_kind.get("ConfigMap", {})

    check(ds.get("apiVersion") == "apps/v1", "DaemonSet is apps/v1", ds.get("apiVersion"))
    spec = ds.get("spec", {})
    tmpl = spec.get("template", {})
    pod = tmpl.get("spec", {})
    labels = tmpl.get("metadata", {}).get("labels", {})
    sel = spec.get("selector", {}).get("matchLabels", {})
    check(sel and all(labels.get(k) == v for k, v in sel.items()),
          "selector matches the pod template's labels", (sel, labels))
    check(pod.get("hostPID") is True, "pod has hostPID: true", pod.get("hostPID"))
    check(tmpl.get("metadata", {}).get("annotations", {}).get("io.lxkit.lxcfs") == "false",
          "lxcfs's own pod opts out of the hook (io.lxkit.lxcfs: \"false\")")

    containers = {c.get("name"): c for c in pod.get("containers", [])}
    c = containers.get("lxcfs", {})
    check(bool(c), "a container named lxcfs", sorted(containers))
    check(c.get("securityContext", {}).get("privileged") is True, "lxcfs container is privileged")
    cmd = c.get("command", []) + c.get("args", [])
    check(bool(cmd) and cmd[0].endswith("/lxcfs"), "command runs lxcfs", cmd)
    check("-f" in cmd or "--foreground" in cmd, "lxcfs runs in the foreground (-f)", cmd)
    check(bool(cmd) and cmd[-1] == "/var/lib/lxcfs", "lxcfs mounts on /var/lib/lxcfs", cmd)
    image = c.get("image", "")
    check(bool(image) and ":" in image, "image is set with a tag", image)
    inits = pod.get("initContainers", [])
    check(len(inits) == 1 and inits[0].get("image") == image,
          "the hook installer uses the same image", [i.get("image") for i in inits])

    prestop = " ".join(c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", []))
    check("umount" in prestop and "/var/lib/lxcfs" in prestop, "preStop unmounts /var/lib/lxcfs",
          prestop)

    volumes = {v.get("name"): v for v in pod.get("volumes", [])}
    mounts = {m.get("mountPath"): m for m in c.get("volumeMounts", [])}
    for m in c.get("volumeMounts", []) + [m for i in inits for m in i.get("volumeMounts", [])]:
        check(m.get("name") in volumes, f"volumeMount {m.get('mountPath')} names a volume",
              m.get("name"))

    def host_path(mount_path):
        m = mounts.get(mount_path, {})
        return volumes.get(m.get("name"), {}).get("hostPath", {})

    lx = mounts.get("/var/lib/lxcfs", {})
    check(lx.get("mountPropagation") == "Bidirectional",
          "/var/lib/lxcfs is mounted with Bidirectional propagation", lx.get("mountPropagation"))
    check(host_path("/var/lib/lxcfs").get("path") == "/var/lib/lxcfs",
          "/var/lib/lxcfs is the node's /var/lib/lxcfs", host_path("/var/lib/lxcfs"))
    for p, t in (("/sys/fs/cgroup", "Directory"), ("/proc", "Directory"), ("/dev/fuse", "CharDevice")):
        hp = host_path(p)
        check(hp.get("path") == p and hp.get("type") == t, f"{p} is the node's {p} (hostPath {t})",
              hp)

    # the hooks.d file: valid JSON, prestart, same "when" as the one meson installs for Podman
    raw = cm.get("data", {}).get("lxcfs.json", "")
    try:
        hook = json.loads(raw)
    except ValueError as e:
        hook = {}
        check(False, "ConfigMap lxcfs.json is valid JSON", str(e))
    else:
        check(True, "ConfigMap lxcfs.json is valid JSON")
    with open(hooks_in) as f:
        shipped = json.loads(f.read().replace("@OCI_HOOK_PATH@", "/x").replace("@LXCFS_MOUNTPOINT@", "/y"))
    check(hook.get("version") == "1.0.0", "hooks.d version 1.0.0", hook.get("version"))
    check(hook.get("stages") == ["prestart"], "hook stage is prestart", hook.get("stages"))
    check(hook.get("when") == shipped.get("when"),
          "hook policy matches hooks/oci/lxcfs.json.in", hook.get("when"))
    args = hook.get("hook", {}).get("args", [])
    check(args[1:] == ["--lxcfs", "/var/lib/lxcfs"], "hook is told the lxcfs mountpoint", args)
    path = hook.get("hook", {}).get("path", "")
    installer = " ".join(inits[0].get("command", [])) if inits else ""
    # the installer writes /host/opt/lxkit/... which is the node's /opt/lxkit/...
    imounts = {m.get("mountPath"): volumes.get(m.get("name"), {}) for m in
               (inits[0].get("volumeMounts", []) if inits else [])}
    node_path = None
    for mp, vol in imounts.items():
        hp = vol.get("hostPath", {}).get("path")
        if hp and path.startswith(hp + "/") and (mp + path[len(hp):]) in installer:
            node_path = path
    check(node_path is not None, "the init container installs the hook at hook.path on the node",
          path)
    hooksd = imounts.get("/host/hooks.d", {}).get("hostPath", {}).get("path")
    check(hooksd == "/usr/share/containers/oci/hooks.d" and "/host/hooks.d/lxcfs.json" in installer,
          "the hooks.d file goes to the node's /usr/share/containers/oci/hooks.d (CRI-O default)",
          hooksd)

    print(f"1..{N}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
