"""The Debian package and `make install`, from the already-built tree.

`cpack -G DEB` packages the build into a temporary directory; the test then reads the
package with dpkg-deb (files, control fields, conffiles, maintainer scripts), runs the
packaged binary on the packaged /etc/skiff/skiff.toml with `check-config`, and checks
that every key the file shows commented out is valid as written. `cmake --install` with
another prefix rewrites the unit's paths and never overwrites an existing config.
lintian, when installed, reports on the package (printed, not enforced).
"""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import BUILD_DIR, SKIFF

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PACKAGED_TOML = os.path.join(ROOT, "platforms", "debian", "skiff.toml")
# A commented-out `key = value` line or section header at the start of a line.
COMMENTED_SETTING = re.compile(r"^# ((\[|[a-z_]+ = ).*)$")


def run(*args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)


class PackagedConfigTest(unittest.TestCase):
    """platforms/debian/skiff.toml, as the source tree holds it."""

    def test_the_packaged_config_passes_check_config(self):
        r = run(SKIFF, "check-config", "-c", PACKAGED_TOML)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_every_commented_default_is_valid_when_uncommented(self):
        lines = []
        with open(PACKAGED_TOML) as f:
            for line in f:
                m = COMMENTED_SETTING.match(line.rstrip("\n"))
                line = m.group(1) + "\n" if m else line
                # The CA file and the secret file must exist to load; stand-ins here.
                if line.startswith("tls = "):
                    continue
                lines.append(line.replace("file:/etc/skiff/es_api_key", "${SKIFF_TEST_API_KEY}"))
        text = "".join(lines)
        self.assertIn("\n[buffer]", text)
        self.assertIn("\n[metrics]", text)
        with tempfile.TemporaryDirectory(prefix="skiff-pkg-") as tmp:
            path = os.path.join(tmp, "all.toml")
            with open(path, "w") as f:
                f.write(text)
            r = run(SKIFF, "check-config", "-c", path,
                    env=dict(os.environ, SKIFF_TEST_API_KEY="id:key"))
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr + "\n" + text)


@unittest.skipUnless(shutil.which("cpack") and shutil.which("dpkg-deb") and shutil.which("dpkg-shlibdeps"),
                     "cpack, dpkg-deb and dpkg-shlibdeps are needed to build the package")
class DebianPackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="skiff-deb-")
        r = run("cpack", "-G", "DEB", "--config", os.path.join(BUILD_DIR, "CPackConfig.cmake"),
                "-B", cls.tmp)
        if r.returncode != 0:
            shutil.rmtree(cls.tmp, ignore_errors=True)
            raise AssertionError("cpack failed:\n" + r.stdout + r.stderr)
        debs = [f for f in os.listdir(cls.tmp) if f.endswith(".deb")]
        assert len(debs) == 1, debs
        cls.deb = os.path.join(cls.tmp, debs[0])
        cls.root = os.path.join(cls.tmp, "root")
        subprocess.run(["dpkg-deb", "-x", cls.deb, cls.root], check=True)
        cls.control = os.path.join(cls.tmp, "control")
        subprocess.run(["dpkg-deb", "-e", cls.deb, cls.control], check=True)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def field(self, name):
        r = run("dpkg-deb", "-f", self.deb, name)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def test_the_package_holds_the_binary_unit_config_and_docs(self):
        r = run("dpkg-deb", "-c", self.deb)
        self.assertEqual(r.returncode, 0, r.stderr)
        files = {line.split()[-1] for line in r.stdout.splitlines()}
        for path in ("./usr/bin/skiff", "./lib/systemd/system/skiff.service",
                     "./etc/skiff/skiff.toml", "./usr/share/doc/skiff/README.md",
                     "./usr/share/doc/skiff/copyright", "./usr/share/doc/skiff/docs/auth.md"):
            self.assertIn(path, files, r.stdout)
        self.assertFalse([f for f in files if "/tests/" in f or f.endswith("/esim")], r.stdout)

    def test_control_fields_name_the_package_and_computed_dependencies(self):
        info = run("dpkg-deb", "-I", self.deb).stdout
        self.assertEqual(self.field("Package"), "skiff", info)
        self.assertRegex(self.field("Version"), r"^\d+\.\d+\.\d+-1$")
        self.assertEqual(self.field("Architecture"), run("dpkg", "--print-architecture").stdout.strip())
        self.assertIn("skiff maintainers", self.field("Maintainer"))
        self.assertIn("log shipper", self.field("Description"))
        depends = self.field("Depends")
        # dpkg-shlibdeps computed it from the binary: libc6 with a version, plus adduser.
        self.assertRegex(depends, r"libc6 \(>= [0-9.]+\)", info)
        self.assertIn("adduser", depends)

    def test_the_config_is_a_conffile_and_the_maintainer_scripts_are_there(self):
        with open(os.path.join(self.control, "conffiles")) as f:
            self.assertIn("/etc/skiff/skiff.toml", f.read().split())
        for script in ("postinst", "prerm", "postrm"):
            path = os.path.join(self.control, script)
            self.assertTrue(os.access(path, os.X_OK), script)
            r = run("sh", "-n", path)
            self.assertEqual(r.returncode, 0, script + ": " + r.stderr)
        with open(os.path.join(self.control, "postinst")) as f:
            self.assertIn("adduser --system", f.read())
        with open(os.path.join(self.control, "postrm")) as f:
            text = f.read()
        self.assertIn('"purge"', text)
        self.assertIn("rm -rf /var/lib/skiff", text)

    def test_the_unit_starts_the_packaged_binary_on_the_packaged_config(self):
        with open(os.path.join(self.root, "lib/systemd/system/skiff.service")) as f:
            unit = f.read()
        self.assertIn("\nExecStart=/usr/bin/skiff run -c /etc/skiff/skiff.toml\n", unit)
        self.assertIn("\nStateDirectory=skiff\n", unit)
        self.assertIn("\nUser=skiff\n", unit)

    def test_the_packaged_binary_accepts_the_packaged_config(self):
        binary = os.path.join(self.root, "usr/bin/skiff")
        r = run(binary, "check-config", "-c", os.path.join(self.root, "etc/skiff/skiff.toml"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = run(binary, "version")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("skiff "), r.stdout)
        # Stripped: no debug sections left.
        r = run("file", binary) if shutil.which("file") else None
        if r is not None:
            self.assertIn("stripped", r.stdout)
            self.assertNotIn("not stripped", r.stdout)

    @unittest.skipUnless(shutil.which("lintian"), "lintian is not installed")
    def test_lintian_report(self):
        r = run("lintian", "--no-tag-display-limit", self.deb)
        print("\nlintian:\n" + (r.stdout + r.stderr).strip())


class InstallTest(unittest.TestCase):
    """`make install` is `cmake --install` with PREFIX and DESTDIR."""

    def install(self, destdir, prefix):
        r = run("cmake", "--install", BUILD_DIR, "--prefix", prefix,
                env=dict(os.environ, DESTDIR=destdir))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r.stdout

    def test_another_prefix_rewrites_the_units_paths_and_keeps_an_edited_config(self):
        with tempfile.TemporaryDirectory(prefix="skiff-install-") as destdir:
            self.install(destdir, "/usr/local")
            root = destdir + "/usr/local"
            self.assertTrue(os.access(root + "/bin/skiff", os.X_OK))
            with open(root + "/lib/systemd/system/skiff.service") as f:
                unit = f.read()
            self.assertIn("\nExecStart=/usr/local/bin/skiff run -c /usr/local/etc/skiff/skiff.toml\n",
                          unit)
            self.assertNotIn(" /usr/bin/skiff", unit)
            config = root + "/etc/skiff/skiff.toml"
            with open(config, "a") as f:
                f.write("# edited by the administrator\n")
            out = self.install(destdir, "/usr/local")
            self.assertIn("Keeping:", out)
            with open(config) as f:
                self.assertIn("# edited by the administrator", f.read())

    def test_prefix_usr_installs_the_unit_and_config_where_debian_has_them(self):
        with tempfile.TemporaryDirectory(prefix="skiff-install-") as destdir:
            self.install(destdir, "/usr")
            self.assertTrue(os.path.exists(destdir + "/lib/systemd/system/skiff.service"))
            self.assertTrue(os.path.exists(destdir + "/etc/skiff/skiff.toml"))
            self.assertTrue(os.access(destdir + "/usr/bin/skiff", os.X_OK))


if __name__ == "__main__":
    unittest.main()
