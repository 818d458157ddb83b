"""End to end: skiff against an esim that checks credentials for real and enforces the
minimal role; token endpoints that are down at start or answer garbage; the auth metrics.

esim counts refused credentials by why (`auth_failures`) and refusals of its role by ES
action (`authorization_failures`), so the assertions say exactly what was refused."""
import http.client
import os
import re
import ssl
import subprocess
import unittest

from auth_fixtures import JwtIssuer, TokenEndpoint, free_port
from harness import SkiffTestCase, loggen, wait_for

PORT_RE = re.compile(r"serving /metrics, /healthz and /readyz on \S+ \(port (\d+)\)")
API_KEY_ID, API_KEY_SECRET = "skiff-key-id", "ui2lp2axTNmsyakw9tvNnw"
CLIENT_ID, CLIENT_SECRET = "skiff-shipper", "s3cr3t-for-the-idp"


def sample(text, name, labels=""):
    m = re.search(r"^" + re.escape(name + labels) + r" (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


class AuthCase(SkiffTestCase):
    """Helpers shared by the cases below; esim's flags come from `esim_flags`."""
    esim_flags = ()

    def setUp(self):
        if os.environ.get("SKIFF_TEST_ES_URL"):
            self.skipTest("needs esim's credential checks; not run against SKIFF_TEST_ES_URL")
        super().setUp()

    def esim_args(self):
        return self.esim_flags

    def secret_file(self, name, value):
        path = os.path.join(self.workdir, name)
        with open(path, "w") as f:
            f.write(value)
        os.chmod(path, 0o600)
        return path

    def auth_config(self, auth, extra="", metrics=False):
        toml = self.config(extra=extra) + "\n" + auth
        if metrics:
            toml = toml.replace("[output.elasticsearch]",
                                '[metrics]\nlisten = "127.0.0.1:0"\n\n[output.elasticsearch]')
        return toml

    def stored(self):
        return self.es.stats()["indices"].get(self.index, 0)

    def wait_stored(self, n, timeout):
        return wait_for(lambda: self.stored() >= n and self.stored(), timeout, interval=0.2,
                        what=f"{n} documents in {self.index}")

    def assert_no_credential_refused(self):
        failures = self.es.stats()["auth_failures"]
        self.assertEqual(failures, {"missing": 0, "invalid": 0, "expired": 0,
                                    "signature_expired": 0})

    def metrics_port(self, skiff):
        return int(wait_for(lambda: PORT_RE.search(skiff.output()), 10,
                            what="the metrics port in the log").group(1))

    @staticmethod
    def get(port, path):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            conn.request("GET", path)
            r = conn.getresponse()
            return r.status, r.read().decode()
        finally:
            conn.close()


class MinimalRoleTest(AuthCase):
    """esim allows only create_doc and auto_configure on logs-*: what a shipper needs."""
    esim_flags = ("--auth", "api-key", "--api-key", f"{API_KEY_ID}:{API_KEY_SECRET}",
                  "--role-privileges", "create_doc,auto_configure", "--role-indices", "logs-*")

    def run_with(self, extra):
        n = 3000
        loggen(os.path.join(self.logs, "app.log"), n)
        key = self.secret_file("api_key", f"{API_KEY_ID}:{API_KEY_SECRET}")
        skiff = self.skiff(self.auth_config(f'[auth]\ntype = "api_key"\napi_key = "file:{key}"\n',
                                            extra=extra))
        skiff.start()
        self.wait_stored(n, timeout=60)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        stats = self.es.stats()
        self.assertEqual(self.stored(), n)
        self.assertNotIn("403", stats["items_by_status"], stats)
        self.assert_no_credential_refused()
        # GET / needs cluster:monitor/main, which the role lacks: skiff warns and ships on.
        refused = stats["authorization_failures"]
        self.assertEqual(set(refused) - {"cluster:monitor/main"}, set(), stats)
        self.assertIn("no cluster:monitor privilege", skiff.output())
        return stats

    def test_role_with_create_doc_and_auto_configure_accepts_everything_skiff_sends(self):
        self.run_with("deterministic_ids = true")

    def test_without_deterministic_ids_skiff_still_writes_with_create(self):
        # No _id: Elasticsearch assigns them, and the action stays `create`, which
        # create_doc allows (an `index` action would be refused item by item).
        self.run_with("deterministic_ids = false")


class TokenEndpointDownAtStartTest(AuthCase):
    def esim_args(self):
        self.issuer = JwtIssuer(self.workdir)
        return self.issuer.esim_args(allowed_clock_skew_s=0)

    def oidc_config(self, token_url):
        secret = self.secret_file("client_secret", CLIENT_SECRET)
        return self.auth_config(
            f'[auth]\ntype = "oidc_client_credentials"\ntoken_url = "{token_url}"\n'
            f'client_id = "{CLIENT_ID}"\nclient_secret = "file:{secret}"\n', metrics=True)

    def test_events_wait_in_the_ring_until_the_token_endpoint_comes_up(self):
        port = free_port()
        n = 2000
        loggen(os.path.join(self.logs, "app.log"), n)
        skiff = self.skiff(self.oidc_config(f"http://127.0.0.1:{port}/oauth2/token"))
        skiff.start()
        metrics = self.metrics_port(skiff)
        wait_for(lambda: skiff.output().count("credential refresh failed") >= 2, 30,
                 what="two failed token fetches in the log")
        self.assertIn(f"127.0.0.1:{port}", skiff.output())
        self.assertIn("no valid credential, shipping paused", skiff.output())
        status, body = self.get(metrics, "/readyz")
        self.assertEqual(status, 503, body)
        _, text = self.get(metrics, "/metrics")
        labels = '{provider="oidc_client_credentials"}'
        self.assertGreaterEqual(sample(text, "skiff_auth_refresh_failures_total", labels), 2)
        self.assertEqual(sample(text, "skiff_auth_refreshes_total", labels), 0)
        self.assertIsNone(sample(text, "skiff_auth_credential_expiry_seconds", labels))
        # The events are read and held in the ring; nothing reached Elasticsearch.
        wait_for(lambda: sample(self.get(metrics, "/metrics")[1], "skiff_buffer_frames") or 0, 30,
                 what="frames in the ring")
        self.assertEqual(self.stored(), 0)
        self.assertEqual(self.es.stats()["bulk_requests"], 0)

        endpoint = TokenEndpoint(self.issuer, CLIENT_ID, CLIENT_SECRET, lifetime_s=300, port=port)
        try:
            self.wait_stored(n, timeout=90)
            wait_for(lambda: self.get(metrics, "/readyz")[0] == 200, 30, what="/readyz 200")
            _, text = self.get(metrics, "/metrics")
            self.assertGreaterEqual(sample(text, "skiff_auth_refreshes_total", labels), 1)
            expiry = sample(text, "skiff_auth_credential_expiry_seconds", labels)
            self.assertTrue(0 < expiry <= 300, expiry)
            self.assertEqual(skiff.stop(), 0, skiff.output())
        finally:
            endpoint.stop()
        self.assert_no_credential_refused()
        self.assertEqual(self.stored(), n)


class HttpsTokenEndpointTest(AuthCase):
    """Token endpoints are https in real life (STS, Entra ID, an OIDC provider): the token is
    fetched over TLS, verified against the trust store (SSL_CERT_FILE here, as OpenSSL and
    curl honour it), and an endpoint whose certificate is not trusted is a clear error."""

    def esim_args(self):
        self.issuer = JwtIssuer(self.workdir)
        return self.issuer.esim_args(allowed_clock_skew_s=0)

    def setUp(self):
        super().setUp()
        certs = os.path.join(self.workdir, "certs")
        script = os.path.join(os.path.dirname(__file__), "..", "support", "make_test_certs.sh")
        subprocess.run(["sh", script, certs], check=True)
        self.ca = os.path.join(certs, "ca.pem")
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(os.path.join(certs, "server.pem"), os.path.join(certs, "server.key"))
        self.endpoint = TokenEndpoint(self.issuer, CLIENT_ID, CLIENT_SECRET, lifetime_s=300,
                                      tls=tls)
        self.addCleanup(self.endpoint.stop)
        self.saved_cert_file = os.environ.get("SSL_CERT_FILE")
        self.addCleanup(self.restore_cert_file)

    def restore_cert_file(self):
        if self.saved_cert_file is None:
            os.environ.pop("SSL_CERT_FILE", None)
        else:
            os.environ["SSL_CERT_FILE"] = self.saved_cert_file

    def oidc_config(self):
        secret = self.secret_file("client_secret", CLIENT_SECRET)
        return self.auth_config(
            f'[auth]\ntype = "oidc_client_credentials"\ntoken_url = "{self.endpoint.url}"\n'
            f'client_id = "{CLIENT_ID}"\nclient_secret = "file:{secret}"\n')

    def test_a_token_fetched_over_https_from_a_trusted_endpoint_ships_everything(self):
        self.assertTrue(self.endpoint.url.startswith("https://"))
        n = 1000
        loggen(os.path.join(self.logs, "app.log"), n)
        os.environ["SSL_CERT_FILE"] = self.ca  # inherited by skiff
        skiff = self.skiff(self.oidc_config())
        skiff.start()
        self.wait_stored(n, timeout=60)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        self.assertGreaterEqual(self.endpoint.tokens_issued, 1)
        self.assert_no_credential_refused()
        self.assertNotIn(CLIENT_SECRET, skiff.output())

    def test_an_endpoint_with_an_untrusted_certificate_is_a_clear_error(self):
        loggen(os.path.join(self.logs, "app.log"), 100)
        os.environ.pop("SSL_CERT_FILE", None)  # the system bundle does not know the test CA
        skiff = self.skiff(self.oidc_config())
        skiff.start()
        wait_for(lambda: "credential refresh failed" in skiff.output(), 30,
                 what="a failed token fetch in the log")
        print([l for l in skiff.output().splitlines() if "credential refresh failed" in l][0])
        self.assertIn("signed by an unknown CA", skiff.output())
        # Token endpoints have no tls.* keys: the hint names the variable that works.
        self.assertIn("point SSL_CERT_FILE at a CA bundle", skiff.output())
        self.assertNotIn("tls.ca_file", skiff.output())
        self.assertEqual(self.endpoint.tokens_issued, 0)
        self.assertEqual(self.stored(), 0)
        self.assertEqual(skiff.stop(), 0, skiff.output())


class StampIdentityTest(AuthCase):
    """stamp_identity = true: every document says which workload identity shipped it."""

    def esim_args(self):
        self.issuer = JwtIssuer(self.workdir)
        return self.issuer.esim_args(allowed_clock_skew_s=0)

    def test_every_document_carries_the_tokens_subject_as_agent_identity(self):
        path = os.path.join(self.workdir, "es-token")
        self.issuer.write_token_file(path, 600)
        n = 500
        loggen(os.path.join(self.logs, "app.log"), n)
        skiff = self.skiff(self.auth_config(
            f'[auth]\ntype = "token_file"\npath = "{path}"\nstamp_identity = true\n'))
        skiff.start()
        self.wait_stored(n, timeout=60)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        identities = {src.get("agent.identity") for _, src in self.es.documents(self.index)}
        self.assertEqual(identities, {"system:serviceaccount:logging:skiff"})
        self.assert_no_credential_refused()


class TokenEndpointGarbageTest(AuthCase):
    def esim_args(self):
        self.issuer = JwtIssuer(self.workdir)
        return self.issuer.esim_args(allowed_clock_skew_s=0)

    def test_garbage_answers_are_clear_errors_retried_with_backoff(self):
        endpoint = TokenEndpoint(self.issuer, CLIENT_ID, CLIENT_SECRET, lifetime_s=300)
        self.addCleanup(endpoint.stop)
        secret = self.secret_file("client_secret", CLIENT_SECRET)
        toml = self.auth_config(
            f'[auth]\ntype = "oidc_client_credentials"\ntoken_url = "{endpoint.url}"\n'
            f'client_id = "{CLIENT_ID}"\nclient_secret = "file:{secret}"\n')
        n = 500
        loggen(os.path.join(self.logs, "app.log"), n)
        # Each kind of garbage against a fresh skiff (so the backoff starts at 1 s): two
        # failed fetches, each a clear error, and the agent keeps running.
        expected = {"html": "not a JSON object", "truncated": "not a JSON object",
                    "no_token": "no access_token", "huge": "oidc_client_credentials"}
        for mode, message in expected.items():
            endpoint.set_mode(mode)
            skiff = self.skiff(toml, name=f"skiff-{mode}")
            skiff.start()
            wait_for(lambda: skiff.output().count("credential refresh failed") >= 2, 30,
                     what=f"two failed fetches against {mode} answers")
            self.assertTrue(skiff.running(), skiff.output())
            failures = [l for l in skiff.output().splitlines() if "credential refresh failed" in l]
            self.assertIn(message, failures[0], skiff.output())
            # Backoff (1 s, then 2 s, jittered): a handful of attempts, not a hot loop.
            self.assertLess(endpoint.request_count(), 10, mode)
            self.assertEqual(skiff.stop(), 0, skiff.output())
            print(f"{mode}: {failures[0].split('credential refresh failed', 1)[1][:160]}",
                  flush=True)
        self.assertEqual(self.stored(), 0)
        endpoint.set_mode("ok")
        skiff = self.skiff(toml)
        skiff.start()
        self.wait_stored(n, timeout=60)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        self.assert_no_credential_refused()
        self.assertEqual(self.stored(), n)

class SigV4ClockSkewTest(AuthCase):
    """esim verifies SigV4 like Amazon OpenSearch Service, with its clock 10 minutes ahead of
    this host's: skiff's first signature is refused as expired (403), the response's Date
    header gives the skew, and skiff signs with the corrected time from then on."""
    esim_flags = ("--auth", "sigv4", "--aws-access-key-id", "AKIDSKIFFTEST",
                  "--aws-secret-access-key", "skiff/test+secret", "--aws-session-token",
                  "skiff-session-token", "--region", "eu-west-1", "--service", "es",
                  "--clock-offset-s", "600")

    def test_skew_seen_in_the_date_header_is_corrected_and_warned_about(self):
        for name, value in {"AWS_ACCESS_KEY_ID": "AKIDSKIFFTEST",
                            "AWS_SECRET_ACCESS_KEY": "skiff/test+secret",
                            "AWS_SESSION_TOKEN": "skiff-session-token"}.items():
            old = os.environ.get(name)
            os.environ[name] = value
            self.addCleanup(lambda n=name, o=old: os.environ.pop(n) if o is None
                            else os.environ.__setitem__(n, o))
        n = 1000
        loggen(os.path.join(self.logs, "app.log"), n)
        skiff = self.skiff(self.auth_config(
            '[auth]\ntype = "aws_sigv4"\nregion = "eu-west-1"\nservice = "es"\n',
            extra='compression = "gzip"'))
        skiff.start()
        self.wait_stored(n, timeout=60)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        self.assertIn("clock skew: Elasticsearch's Date is 6", skiff.output())
        stats = self.es.stats()
        # At most the first request or two (GET / and the first bulk) carry the skewed date.
        self.assertLessEqual(stats["auth_failures"]["signature_expired"], 2, stats)
        self.assertEqual(stats["auth_failures"]["invalid"], 0, stats)
        self.assertEqual(self.stored(), n)
        self.assertNotIn("skiff/test+secret", skiff.output())


if __name__ == "__main__":
    unittest.main()
