"""platforms/systemd/skiff.service passes `systemd-analyze verify` (with its binary paths
pointed at the built skiff) and keeps its sandbox: `systemd-analyze security` rates its
exposure 2.0 or better ("OK")."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
UNIT = os.path.join(ROOT, "platforms", "systemd", "skiff.service")
BUILD_DIR = os.environ.get("SKIFF_BUILD_DIR", os.path.join(ROOT, "build"))
SKIFF = os.path.abspath(os.path.join(BUILD_DIR, "agent", "skiff"))


class SystemdUnitTest(unittest.TestCase):
    def setUp(self):
        if shutil.which("systemd-analyze") is None:
            self.skipTest("systemd-analyze is not installed (Debian package systemd)")
        self.dir = tempfile.mkdtemp(prefix="skiff-unit-")
        with open(UNIT) as f:
            text = f.read()
        self.unit = os.path.join(self.dir, "skiff.service")
        with open(self.unit, "w") as f:
            f.write(text.replace("/usr/bin/skiff", SKIFF))

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_the_unit_verifies_cleanly(self):
        run = subprocess.run(["systemd-analyze", "verify", self.unit], capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(run.stderr.strip(), "", "systemd-analyze verify complained")

    def test_the_unit_declares_notify_and_the_state_directory(self):
        with open(self.unit) as f:
            text = f.read()
        for line in ["Type=notify", "StateDirectory=skiff", "NoNewPrivileges=yes",
                     "ProtectSystem=strict", "PrivateTmp=yes", "WatchdogSec="]:
            self.assertIn(line, text)

    def test_the_sandbox_exposure_is_ok(self):
        run = subprocess.run(["systemd-analyze", "security", "--offline=true", self.unit],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stderr)
        m = re.search(r"Overall exposure level for skiff\.service: ([0-9.]+)", run.stdout)
        self.assertIsNotNone(m, run.stdout[-2000:])
        score = float(m.group(1))
        print(f"systemd-analyze security exposure: {score}", file=sys.stderr)
        self.assertLessEqual(score, 2.0, run.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
