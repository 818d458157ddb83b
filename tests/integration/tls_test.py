"""TLS to Elasticsearch through nginx (a TLS-terminating proxy in front of esim), with a
CA and certificates made by openssl at test time: success with session resumption, a wrong
CA, a name mismatch, an expired certificate, mutual TLS, a missing client certificate, and
certificate files rotated while skiff runs. The TLS metrics (handshakes by outcome, resumed
sessions, certificate expiry) are read from /metrics on the control socket."""
import os
import re
import shutil
import time
import unittest

from harness import SkiffTestCase, UnixHTTPConnection, wait_for
from tls_fixtures import Nginx, make_pki, missing_tools, replace_file

LINES = 200
DAY = 86400
# make_test_certs.sh: leaves are valid for 825 days from now; expired.pem until 2020-02-01.
EXPIRED_NOT_AFTER = 1580515200


class TlsTest(SkiffTestCase):
    def setUp(self):
        missing = missing_tools("nginx", "openssl")
        if missing:
            self.skipTest(f"{', '.join(missing)} not installed (scripts/install-deps.sh)")
        super().setUp()
        self.es.require_esim(self)
        self.pki = make_pki(os.path.join(self.workdir, "pki"))
        self.nginxes = []

    def tearDown(self):
        for n in getattr(self, "nginxes", []):
            n.stop()
        super().tearDown()

    def pem(self, name):
        return os.path.join(self.pki, name)

    def nginx(self, server="server", client_ca=None):
        n = Nginx(self.workdir, self.pem(server + ".pem"), self.pem(server + ".key"), self.es.url,
                  client_ca=client_ca, name=f"nginx{len(self.nginxes)}")
        self.nginxes.append(n)
        return n

    def write_lines(self, n=LINES, start=0):
        with open(os.path.join(self.logs, "app.log"), "a") as f:
            for i in range(start, start + n):
                f.write(f"tls line seq={i}\n")

    def tls_config(self, host, tls):
        toml = self.config(extra=f"tls = {{ {tls} }}")
        return toml.replace(f'hosts = ["{self.es.url}"]', f'hosts = ["{host}"]')

    def wait_log(self, skiff, text, timeout=20):
        try:
            wait_for(lambda: text in skiff.output(), timeout, what=f"{text!r} in skiff's log")
        except AssertionError as e:
            raise AssertionError(f"{e}\nskiff's log ends:\n{skiff.output()[-3000:]}") from None

    def wait_delivered(self, skiff, n, timeout=30):
        try:
            self.wait_count(n, timeout)
        except AssertionError as e:
            raise AssertionError(f"{e}\nskiff's log ends:\n{skiff.output()[-3000:]}") from None

    def assert_nothing_delivered(self):
        self.assertEqual(self.es.count(self.index), 0)
        self.assertEqual(sum(self.es.stats().get("items_by_status", {}).values()), 0)

    def metrics(self):
        conn = UnixHTTPConnection(os.path.join(self.data_dir, "skiff.sock"))
        try:
            conn.request("GET", "/metrics")
            return conn.getresponse().read().decode()
        finally:
            conn.close()

    def tls_metric(self, name, host, outcome=None):
        """One TLS sample for `host` (None when absent)."""
        labels = f'host="{host}"' + (f',outcome="{outcome}"' if outcome else "")
        m = re.search(r"^skiff_output_tls_" + name + r"\{" + re.escape(labels) + r"\} (\S+)$",
                      self.metrics(), re.M)
        return float(m.group(1)) if m else None

    def wait_metric(self, skiff, what, predicate, timeout=20):
        try:
            wait_for(predicate, timeout, interval=0.1, what=what)
        except AssertionError as e:
            raise AssertionError(f"{e}\nmetrics:\n{self.tls_lines()}\nskiff's log ends:\n"
                                 f"{skiff.output()[-2000:]}") from None

    def tls_lines(self):
        return "\n".join(l for l in self.metrics().splitlines() if "_tls_" in l)

    def assert_valid_for_825_days(self, not_after):
        self.assertIsNotNone(not_after)
        now = time.time()
        self.assertTrue(now + 824 * DAY < not_after <= now + 826 * DAY, not_after)

    def error_lines(self, skiff, text):
        return [l for l in skiff.output().splitlines() if text in l and " ERROR " in f" {l} "]

    def test_ships_over_tls_and_resumes_sessions(self):
        nginx = self.nginx()
        self.write_lines()
        skiff = self.skiff(self.tls_config(nginx.url, f'ca_file = "{self.pem("ca.pem")}"'))
        skiff.start()
        self.wait_delivered(skiff, LINES)
        # More requests, each on a new connection (keepalive_requests 1): resumed sessions.
        self.write_lines(LINES, start=LINES)
        self.wait_delivered(skiff, 2 * LINES)
        self.wait_metric(skiff, "resumed sessions counted",
                         lambda: (self.tls_metric("sessions_resumed_total", nginx.url) or 0) >= 1)
        self.assertGreaterEqual(self.tls_metric("handshakes_total", nginx.url, "ok"), 2)
        self.assertEqual(self.tls_metric("handshakes_total", nginx.url, "unknown_ca"), 0)
        self.assert_valid_for_825_days(
            self.tls_metric("server_certificate_expiry_timestamp_seconds", nginx.url))
        self.assertNotIn("skiff_output_tls_client_certificate_expiry", self.metrics())
        self.assertEqual(skiff.stop(), 0, skiff.output())
        lines = nginx.access_lines()
        self.assertTrue(lines, "nginx saw no request")
        self.assertTrue(all("proto=TLSv1.2" in l for l in lines), lines[:3])
        self.assertTrue(any("reused=r" in l for l in lines),
                        f"no TLS session was resumed: {lines[:5]}")

    def test_an_unknown_ca_is_a_clear_error_and_fixing_the_ca_file_delivers(self):
        nginx = self.nginx()
        self.write_lines()
        ca = os.path.join(self.workdir, "trusted-ca.pem")
        shutil.copyfile(self.pem("other-ca.pem"), ca)
        skiff = self.skiff(self.tls_config(nginx.url, f'ca_file = "{ca}"'))
        skiff.start()
        self.wait_log(skiff, "signed by an unknown CA")
        time.sleep(1.5)  # several retries: the cause is logged once, not per attempt
        errors = self.error_lines(skiff, "signed by an unknown CA")
        self.assertEqual(len(errors), 1, skiff.output())
        self.assertIn(f"TLS handshake with {nginx.url} failed: the server certificate is signed "
                      f"by an unknown CA (not in tls.ca_file {ca})", errors[0])
        self.assert_nothing_delivered()
        self.assertEqual(nginx.access_lines(), [], "a request went out before the handshake")
        self.assertGreaterEqual(self.tls_metric("handshakes_total", nginx.url, "unknown_ca"), 2)
        self.assertEqual(self.tls_metric("handshakes_total", nginx.url, "ok"), 0)
        # The certificate it refused, seen all the same.
        self.assert_valid_for_825_days(
            self.tls_metric("server_certificate_expiry_timestamp_seconds", nginx.url))
        # The CA file is re-read for new connections.
        replace_file(ca, self.pem("ca.pem"))
        self.wait_delivered(skiff, LINES)
        self.wait_log(skiff, "succeeds again")
        self.wait_metric(skiff, "an ok handshake counted",
                         lambda: (self.tls_metric("handshakes_total", nginx.url, "ok") or 0) >= 1)
        self.assertEqual(skiff.stop(), 0, skiff.output())

    def test_a_name_mismatch_names_the_name(self):
        nginx = self.nginx()
        self.write_lines()
        skiff = self.skiff(self.tls_config(
            nginx.url, f'ca_file = "{self.pem("ca.pem")}", server_name = "es.example.com"'))
        skiff.start()
        self.wait_log(skiff, 'does not match the name "es.example.com"')
        self.assert_nothing_delivered()
        self.wait_metric(skiff, "a name_mismatch handshake counted", lambda: (self.tls_metric(
            "handshakes_total", nginx.url, "name_mismatch") or 0) >= 1)
        skiff.stop()

    def test_server_name_verifies_a_certificate_issued_for_another_name(self):
        nginx = self.nginx(server="wrong-name")
        self.write_lines()
        skiff = self.skiff(self.tls_config(
            nginx.url, f'ca_file = "{self.pem("ca.pem")}", server_name = "elsewhere.example"'))
        skiff.start()
        self.wait_delivered(skiff, LINES)
        self.assertEqual(skiff.stop(), 0, skiff.output())

    def test_an_expired_certificate_is_named(self):
        nginx = self.nginx(server="expired")
        self.write_lines()
        skiff = self.skiff(self.tls_config(nginx.url, f'ca_file = "{self.pem("ca.pem")}"'))
        skiff.start()
        self.wait_log(skiff, "has expired")
        self.assert_nothing_delivered()
        self.wait_metric(skiff, "an expired handshake counted", lambda: (self.tls_metric(
            "handshakes_total", nginx.url, "expired") or 0) >= 1)
        self.assertEqual(
            self.tls_metric("server_certificate_expiry_timestamp_seconds", nginx.url),
            EXPIRED_NOT_AFTER)
        skiff.stop()

    def test_mutual_tls_delivers(self):
        nginx = self.nginx(client_ca=self.pem("ca.pem"))
        self.write_lines()
        skiff = self.skiff(self.tls_config(
            nginx.url, f'ca_file = "{self.pem("ca.pem")}", cert_file = "{self.pem("client.pem")}",'
                       f' key_file = "{self.pem("client.key")}"'))
        skiff.start()
        self.wait_delivered(skiff, LINES)
        text = self.metrics()
        m = re.search(r"^skiff_output_tls_client_certificate_expiry_timestamp_seconds (\S+)$", text,
                      re.M)
        self.assertIsNotNone(m, self.tls_lines())
        self.assert_valid_for_825_days(float(m.group(1)))
        self.assertGreaterEqual(self.tls_metric("handshakes_total", nginx.url, "ok"), 1)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        self.assertEqual(self.es.stats().get("items_by_status", {}).get("400", 0), 0)

    def test_a_missing_client_certificate_fails_clearly_and_dead_letters_nothing(self):
        nginx = self.nginx(client_ca=self.pem("ca.pem"))
        self.write_lines()
        skiff = self.skiff(self.tls_config(nginx.url, f'ca_file = "{self.pem("ca.pem")}"'))
        skiff.start()
        self.wait_log(skiff, "requires a client certificate and none is configured")
        time.sleep(1.0)
        self.assertEqual(
            len(self.error_lines(skiff, "requires a client certificate and none is configured")), 1,
            skiff.output())
        self.assert_nothing_delivered()
        dead = os.path.join(self.data_dir, "dead-letter")
        self.assertFalse(os.path.isdir(dead) and any(os.scandir(dead)),
                         "documents were dead-lettered for a TLS problem")
        # nginx completes the handshake and answers 400: a failure all the same, never ok.
        self.assertGreaterEqual(self.tls_metric("handshakes_total", nginx.url, "no_client_cert"),
                                1, self.tls_lines())
        self.assertEqual(self.tls_metric("handshakes_total", nginx.url, "ok"), 0)
        skiff.stop()

    def test_rotated_client_certificates_are_used_for_new_connections(self):
        nginx = self.nginx(client_ca=self.pem("ca.pem"))
        self.write_lines()
        cert = os.path.join(self.workdir, "client.pem")
        key = os.path.join(self.workdir, "client.key")
        shutil.copyfile(self.pem("other-client.pem"), cert)
        shutil.copyfile(self.pem("other-client.key"), key)
        skiff = self.skiff(self.tls_config(
            nginx.url, f'ca_file = "{self.pem("ca.pem")}", cert_file = "{cert}", key_file = "{key}"'))
        skiff.start()
        self.wait_log(skiff, "rejected our client certificate")
        self.assert_nothing_delivered()
        self.assertGreaterEqual(
            self.tls_metric("handshakes_total", nginx.url, "client_cert_rejected"), 1)
        # A half-done rotation (a key that does not match) keeps the last good pair.
        replace_file(key, self.pem("client.key"))
        self.wait_log(skiff, "TLS files changed but do not load")
        replace_file(cert, self.pem("client.pem"))
        self.wait_delivered(skiff, LINES)
        self.assertIn("new connections use the reloaded certificates", skiff.output())
        self.assertEqual(skiff.stop(), 0, skiff.output())

    def test_check_config_reports_missing_certificate_files(self):
        toml = self.tls_config("https://127.0.0.1:9", 'ca_file = "/nonexistent/ca.pem"')
        path = os.path.join(self.workdir, "bad.toml")
        with open(path, "w") as f:
            f.write(toml)
        import subprocess
        from harness import SKIFF
        r = subprocess.run([SKIFF, "check-config", "-c", path], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("output.elasticsearch.tls.ca_file: cannot read \"/nonexistent/ca.pem\"",
                      r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
