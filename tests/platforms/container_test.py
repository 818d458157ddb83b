"""Container support: the Kubernetes manifests are valid YAML whose skiff configs pass
`skiff check-config`, the Dockerfile builds a non-root multi-stage image that installs
every shared library skiff links against, and skiff behaves as PID 1 (a SIGTERM stops it
gracefully with exit 0)."""
import glob
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CONTAINER = os.path.join(ROOT, "platforms", "container")
BUILD_DIR = os.environ.get("SKIFF_BUILD_DIR", os.path.join(ROOT, "build"))
SKIFF = os.path.abspath(os.path.join(BUILD_DIR, "agent", "skiff"))


def read(path):
    with open(path, errors="replace") as f:
        return f.read()


def manifests():
    paths = sorted(glob.glob(os.path.join(CONTAINER, "kubernetes", "*.yaml")))
    assert paths, "no manifests found"
    for path in paths:
        with open(path) as f:
            for doc in yaml.safe_load_all(f):
                if doc is not None:
                    yield path, doc


def pod_specs():
    for path, doc in manifests():
        if doc["kind"] in ("DaemonSet", "Deployment", "StatefulSet"):
            yield path, doc["spec"]["template"]["spec"]


class ContainerTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="skiff-container-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_manifests_parse_and_every_mount_has_a_volume(self):
        kinds = set()
        for path, doc in manifests():
            self.assertIn("apiVersion", doc, path)
            self.assertIn("kind", doc, path)
            kinds.add(doc["kind"])
        self.assertTrue({"DaemonSet", "Deployment", "ConfigMap"} <= kinds, kinds)
        for path, spec in pod_specs():
            volumes = {v["name"]: v for v in spec["volumes"]}
            skiff = [c for c in spec["containers"] if c["name"] == "skiff"]
            self.assertEqual(len(skiff), 1, path)
            c = skiff[0]
            self.assertEqual(c["args"][0], "run", path)
            for m in c["volumeMounts"]:
                self.assertIn(m["name"], volumes, f"{path}: mount {m['name']} has no volume")
            mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
            self.assertIn("/var/lib/skiff", mounts, f"{path}: data_dir must be a volume")
            self.assertFalse(c["securityContext"]["allowPrivilegeEscalation"], path)
            self.assertTrue(c["securityContext"]["readOnlyRootFilesystem"], path)
            self.assertIn("ALL", c["securityContext"]["capabilities"]["drop"], path)
            # No long-lived secret: the credential is a projected, expiring token.
            token = volumes["token"]["projected"]["sources"][0]["serviceAccountToken"]
            self.assertLessEqual(token["expirationSeconds"], 86400, path)
            self.assertTrue(token["audience"], path)

    def test_daemonset_probes_use_healthz_and_readyz(self):
        for path, spec in pod_specs():
            c = next(c for c in spec["containers"] if c["name"] == "skiff")
            if "livenessProbe" in c:
                self.assertEqual(c["livenessProbe"]["httpGet"]["path"], "/healthz")
                self.assertEqual(c["readinessProbe"]["httpGet"]["path"], "/readyz")

    def test_embedded_configs_pass_check_config(self):
        checked = 0
        for path, doc in manifests():
            if doc["kind"] != "ConfigMap":
                continue
            config = os.path.join(self.dir, f"{checked}.toml")
            with open(config, "w") as f:
                f.write(doc["data"]["skiff.toml"])
            run = subprocess.run([SKIFF, "check-config", "-c", config], capture_output=True,
                                 text=True, timeout=30)
            self.assertEqual(run.returncode, 0, f"{path}: {run.stdout}{run.stderr}")
            checked += 1
        self.assertGreaterEqual(checked, 2)

    def test_dockerfile_is_multi_stage_non_root_and_installs_every_linked_library(self):
        text = read(os.path.join(CONTAINER, "Dockerfile"))
        stages = re.findall(r"^FROM (\S+)", text, re.M)
        self.assertGreaterEqual(len(stages), 2, "multi-stage build")
        self.assertTrue(all(s.startswith("debian:12") for s in stages), stages)
        final = text[text.rindex("\nFROM "):]
        user = re.search(r"^USER (\S+)", final, re.M)
        self.assertIsNotNone(user, "the runtime stage must set USER")
        self.assertNotIn(user.group(1).split(":")[0], ("0", "root"))
        self.assertRegex(final, r'ENTRYPOINT \["/usr/bin/skiff"\]')
        self.assertNotRegex(text, r"\b(curl|wget)\b", "nothing is downloaded but packages")
        runtime = re.search(r"apt-get install[^\n]*\\\n((?:.*\\\n)*.*)", final).group(0)
        # Every library skiff itself links against (DT_NEEDED; apt brings their own
        # dependencies) comes from a package the runtime stage installs.
        ldd = subprocess.run(["ldd", SKIFF], capture_output=True, text=True, check=True).stdout
        dynamic = subprocess.run(["readelf", "-d", SKIFF], capture_output=True, text=True,
                                 check=True).stdout
        needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic))
        self.assertTrue(needed, dynamic)
        base = {"libc6", "libgcc-s1", "libstdc++6"}  # in debian:12-slim already
        resolved = re.findall(r"^\s*(\S+) => (/\S+)", ldd, re.M)
        self.assertTrue(needed <= {name for name, _ in resolved} | {"ld-linux-x86-64.so.2"},
                        (needed, ldd))
        for lib in (path for name, path in resolved if name in needed):
            owner = subprocess.run(["dpkg", "-S", os.path.realpath(lib)], capture_output=True,
                                   text=True)
            if owner.returncode != 0:
                owner = subprocess.run(["dpkg", "-S", lib], capture_output=True, text=True)
            package = owner.stdout.split(":")[0]
            # Sanitizer runtimes appear only in the ASan+UBSan test build, never in the image.
            if package in base or package.startswith(("libasan", "libubsan", "liblsan")):
                continue
            self.assertRegex(runtime, r"\b" + re.escape(package) + r"\b",
                             f"{lib} ({package}) is not installed by the runtime stage")

    def test_skiff_as_pid_1_stops_gracefully_on_sigterm(self):
        if shutil.which("unshare") is None:
            self.skipTest("unshare (util-linux) is not installed")
        probe = subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", "true"],
                               capture_output=True)
        if probe.returncode != 0:
            self.skipTest("cannot create a PID namespace here: " + probe.stderr.decode()[-200:])
        logs = os.path.join(self.dir, "logs")
        os.makedirs(logs)
        with open(os.path.join(logs, "a.log"), "w") as f:
            f.write("hello\n")
        config = os.path.join(self.dir, "skiff.toml")
        with open(config, "w") as f:
            f.write(f"""data_dir = "{self.dir}/data"
[[inputs.file]]
id = "a"
paths = ["{logs}/*.log"]
[output.elasticsearch]
hosts = ["http://127.0.0.1:9"]
""")
        out = os.path.join(self.dir, "out.log")
        with open(out, "wb") as log:
            # --kill-child: if the test dies, the namespace goes with it.
            proc = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
                                     SKIFF, "run", "-c", config], stdout=log,
                                    stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 30
            while "agent: running" not in read(out):
                self.assertIsNone(proc.poll(), read(out))
                self.assertLess(time.monotonic(), deadline, "skiff did not start")
                time.sleep(0.05)
            # skiff's pid in this namespace: the child of `unshare`.
            children = read(f"/proc/{proc.pid}/task/{proc.pid}/children").split()
            self.assertEqual(len(children), 1)
            skiff_pid = int(children[0])
            with open(f"/proc/{skiff_pid}/status") as f:
                nspid = next(l.split()[-1] for l in f if l.startswith("NSpid:"))
            self.assertEqual(nspid, "1", "skiff is not PID 1 in its namespace")
            os.kill(skiff_pid, signal.SIGTERM)
            self.assertEqual(proc.wait(30), 0, read(out))
            self.assertIn("agent: stopped", read(out))
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


if __name__ == "__main__":
    unittest.main(verbosity=2)
