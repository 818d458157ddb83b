"""Shipping through a real HTTP proxy (tinyproxy): https hosts through a CONNECT tunnel to
nginx (TLS in front of esim), http hosts with absolute-form requests, the proxy taken from
the `proxy` setting or from HTTPS_PROXY / HTTP_PROXY, and NO_PROXY hosts reached directly."""
import os
import unittest
import urllib.request

from harness import SkiffTestCase, wait_for
from tls_fixtures import Nginx, Tinyproxy, make_pki, missing_tools

LINES = 100
PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "NO_PROXY",
                   "no_proxy", "SSL_CERT_FILE")


class ProxyTest(SkiffTestCase):
    def setUp(self):
        missing = missing_tools("nginx", "tinyproxy", "openssl")
        if missing:
            self.skipTest(f"{', '.join(missing)} not installed (scripts/install-deps.sh)")
        # skiff inherits the environment: start from none of the proxy variables. The test's
        # own requests to esim never use a proxy, whatever the variables say.
        self.saved_env = {k: os.environ.pop(k) for k in PROXY_VARIABLES if k in os.environ}
        urllib.request.install_opener(urllib.request.build_opener(urllib.request.ProxyHandler({})))
        super().setUp()
        self.es.require_esim(self)
        self.fixtures = []

    def tearDown(self):
        for f in getattr(self, "fixtures", []):
            f.stop()
        for k in PROXY_VARIABLES:
            os.environ.pop(k, None)
        os.environ.update(getattr(self, "saved_env", {}))
        super().tearDown()
        urllib.request.install_opener(None)

    def write_lines(self):
        with open(os.path.join(self.logs, "app.log"), "a") as f:
            for i in range(LINES):
                f.write(f"proxied line seq={i}\n")

    def ship(self, host, extra=""):
        toml = self.config(extra=extra).replace(f'hosts = ["{self.es.url}"]', f'hosts = ["{host}"]')
        skiff = self.skiff(toml)
        skiff.start()
        try:
            self.wait_count(LINES, timeout=30)
        except AssertionError as e:
            raise AssertionError(f"{e}\nskiff's log ends:\n{skiff.output()[-3000:]}") from None
        self.assertEqual(skiff.stop(), 0, skiff.output())
        return skiff

    def test_https_goes_through_a_connect_tunnel_from_the_proxy_setting(self):
        pki = make_pki(os.path.join(self.workdir, "pki"))
        nginx = Nginx(self.workdir, f"{pki}/server.pem", f"{pki}/server.key", self.es.url)
        proxy = Tinyproxy(self.workdir, connect_ports=[nginx.port], basic_auth=("skiff", "s3cret"))
        self.fixtures += [nginx, proxy]
        self.write_lines()
        # The password is percent-encoded in the URL; tinyproxy refuses wrong credentials.
        skiff = self.ship(nginx.url, f'tls = {{ ca_file = "{pki}/ca.pem" }}\n'
                                     f'proxy = "http://skiff:s3cr%65t@127.0.0.1:{proxy.port}"')
        self.assertIn(f"CONNECT 127.0.0.1:{nginx.port}", proxy.log())
        self.assertIn(f"reached through proxy http://127.0.0.1:{proxy.port}", skiff.output())
        self.assertNotIn("s3cret", skiff.output())
        self.assertNotIn("s3cr%65t", skiff.output())

    def test_http_goes_through_the_proxy_from_http_proxy(self):
        proxy = Tinyproxy(self.workdir)
        self.fixtures.append(proxy)
        os.environ["HTTP_PROXY"] = proxy.url
        self.write_lines()
        self.ship(self.es.url)
        log = proxy.log()
        self.assertIn(f"{self.es.url}/_bulk", log)

    def test_https_proxy_from_the_environment_and_no_proxy_bypass(self):
        pki = make_pki(os.path.join(self.workdir, "pki"))
        nginx = Nginx(self.workdir, f"{pki}/server.pem", f"{pki}/server.key", self.es.url)
        self.fixtures.append(nginx)
        # Nothing listens on the proxy's port: only NO_PROXY can make this work.
        os.environ["HTTPS_PROXY"] = "http://127.0.0.1:9"
        os.environ["NO_PROXY"] = f"localhost,127.0.0.1:{nginx.port}"
        self.write_lines()
        skiff = self.ship(nginx.url, f'tls = {{ ca_file = "{pki}/ca.pem" }}')
        self.assertNotIn("reached through proxy", skiff.output())

    def test_the_environment_proxy_carries_https_when_no_proxy_does_not_match(self):
        pki = make_pki(os.path.join(self.workdir, "pki"))
        nginx = Nginx(self.workdir, f"{pki}/server.pem", f"{pki}/server.key", self.es.url)
        proxy = Tinyproxy(self.workdir, connect_ports=[nginx.port])
        self.fixtures += [nginx, proxy]
        os.environ["https_proxy"] = proxy.url
        os.environ["no_proxy"] = "127.0.0.1:1,example.com"
        self.write_lines()
        self.ship(nginx.url, f'tls = {{ ca_file = "{pki}/ca.pem" }}')
        self.assertIn(f"127.0.0.1:{nginx.port}", proxy.log())


if __name__ == "__main__":
    unittest.main()
