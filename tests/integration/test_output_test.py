"""`skiff test-output` against esim: a healthy cluster (exit 0), wrong credentials (1), a
host that is down (1), a CA that does not match the server's certificate (1), a role
without create_doc (1), and a bad configuration (2). It must ship nothing."""
import os
import socket
import subprocess
import unittest

from harness import SKIFF, SkiffTestCase
from tls_fixtures import Nginx, make_pki, missing_tools

USER, PASSWORD = "shipper", "s3cret-pass"


class TestOutputTest(SkiffTestCase):
    esim_flags = ("--auth", "basic", "--basic", f"{USER}:{PASSWORD}")

    def setUp(self):
        if os.environ.get("SKIFF_TEST_ES_URL"):
            self.skipTest("needs esim's credential checks; not run against SKIFF_TEST_ES_URL")
        super().setUp()

    def esim_args(self):
        return self.esim_flags

    def run_test_output(self, toml, timeout=30):
        path = os.path.join(self.workdir, "skiff.toml")
        with open(path, "w") as f:
            f.write(toml)
        p = subprocess.run([SKIFF, "-c", path, "test-output"], capture_output=True, text=True,
                           timeout=timeout)
        return p.returncode, p.stdout + p.stderr

    def basic(self, password=PASSWORD, extra=""):
        return self.config(extra=extra) + (f'\n[auth]\ntype = "basic"\nusername = "{USER}"\n'
                                           f'password = "{password}"\n')

    def test_a_healthy_cluster_passes_and_nothing_is_shipped(self):
        with open(os.path.join(self.logs, "app.log"), "w") as f:
            f.write("must not be shipped\n")
        code, out = self.run_test_output(self.basic())
        self.assertEqual(code, 0, out)
        self.assertIn("connect     ok (plain HTTP)", out)
        self.assertIn("Elasticsearch 8.15.0", out)
        self.assertIn("create_doc, auto_configure on " + self.index, out)
        self.assertIn("1 of 1 hosts ok", out)
        self.assertEqual(self.es.stats()["indices"].get(self.index, 0), 0)

    def test_wrong_credentials_fail_with_the_reason(self):
        code, out = self.run_test_output(self.basic(password="wrong"))
        self.assertEqual(code, 1, out)
        self.assertIn("FAILED: 401", out)
        self.assertIn("the credential is refused", out)

    def test_a_host_that_is_down_fails(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            dead = f"http://127.0.0.1:{s.getsockname()[1]}"
        toml = self.basic().replace(f'hosts = ["{self.es.url}"]',
                                    f'hosts = ["{self.es.url}", "{dead}"]')
        code, out = self.run_test_output(toml)
        self.assertEqual(code, 1, out)
        self.assertIn("the host cannot be reached", out)
        self.assertIn("1 of 2 hosts ok", out)

    def test_a_bad_configuration_exits_2(self):
        code, out = self.run_test_output(self.basic().replace("flush_interval", "flush_intervl"))
        self.assertEqual(code, 2, out)


class TestOutputRoleTest(TestOutputTest):
    esim_flags = ("--auth", "basic", "--basic", f"{USER}:{PASSWORD}",
                  "--role-privileges", "create_doc", "--role-indices", "logs-*")

    def test_a_healthy_cluster_passes_and_nothing_is_shipped(self):
        # The role has create_doc but not auto_configure, nor monitor for GET /.
        code, out = self.run_test_output(self.basic())
        self.assertEqual(code, 0, out)
        self.assertIn("GET / answered 403", out)
        self.assertIn("no auto_configure", out)

    def test_a_role_without_create_doc_fails(self):
        toml = self.basic().replace(f'index = "{self.index}"', 'index = "other-x-default"')
        code, out = self.run_test_output(toml)
        self.assertEqual(code, 1, out)
        self.assertIn("no create_doc on other-x-default", out)


class TestOutputTlsTest(SkiffTestCase):
    def setUp(self):
        missing = missing_tools("nginx", "openssl")
        if missing:
            self.skipTest(f"{', '.join(missing)} not installed (scripts/install-deps.sh)")
        super().setUp()
        self.es.require_esim(self)
        self.pki = make_pki(os.path.join(self.workdir, "pki"))
        self.nginx = Nginx(self.workdir, os.path.join(self.pki, "server.pem"),
                           os.path.join(self.pki, "server.key"), self.es.url)

    def tearDown(self):
        if hasattr(self, "nginx"):
            self.nginx.stop()
        super().tearDown()

    def run_with_ca(self, ca):
        toml = self.config(extra=f'tls = {{ ca_file = "{os.path.join(self.pki, ca)}" }}')
        toml = toml.replace(f'hosts = ["{self.es.url}"]', f'hosts = ["{self.nginx.url}"]')
        path = os.path.join(self.workdir, "skiff.toml")
        with open(path, "w") as f:
            f.write(toml)
        p = subprocess.run([SKIFF, "-c", path, "test-output"], capture_output=True, text=True,
                           timeout=30)
        return p.returncode, p.stdout + p.stderr

    def test_the_right_ca_passes(self):
        code, out = self.run_with_ca("ca.pem")
        self.assertEqual(code, 0, out)
        self.assertIn("ok (TLS, certificate verified)", out)

    def test_a_wrong_ca_fails_with_the_tls_reason(self):
        code, out = self.run_with_ca("other-ca.pem")
        self.assertEqual(code, 1, out)
        self.assertIn("signed by an unknown CA", out)


if __name__ == "__main__":
    unittest.main()
