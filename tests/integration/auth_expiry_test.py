"""Long run with short-lived credentials: tokens that expire every 30 s while lines are
written steadily, against an esim that verifies every JWT's signature and expiry with no
clock-skew allowance. 70 s in CI (60 s under the sanitizers), ten minutes under
SKIFF_SOAK=1 (`make soak`).

Asserts every line is delivered exactly once and that esim refused no credential: skiff
must always hold a fresh token before the old one expires, never send an expired one."""
import os
import threading
import time
import unittest

from auth_fixtures import JwtIssuer, TokenEndpoint
from harness import SkiffTestCase, loggen, scaled, seq_counts, wait_for

TOKEN_LIFETIME_S = 30
ROTATE_EVERY_S = 20  # as a kubelet would, well before expiry
# CI: past two token lifetimes (two refreshes each way); SKIFF_SOAK=1: ten minutes.
RUN_S = scaled(70, 600, sanitized=60)
LINES_PER_TICK, TICK_S = 20, 0.25  # 80 lines/s


class Writer(threading.Thread):
    """Appends LINES_PER_TICK lines every TICK_S until stopped; `written` lines in all."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path, self.written, self.stop_flag = path, 0, threading.Event()

    def run(self):
        while not self.stop_flag.wait(TICK_S):
            loggen(self.path, LINES_PER_TICK, start_seq=self.written, append=self.written > 0)
            self.written += LINES_PER_TICK


class ShortLivedTokenTest(SkiffTestCase):
    def setUp(self):
        if os.environ.get("SKIFF_TEST_ES_URL"):
            self.skipTest("needs esim's JWT verification; not run against SKIFF_TEST_ES_URL")
        super().setUp()

    def esim_args(self):
        self.issuer = JwtIssuer(self.workdir)
        return self.issuer.esim_args(allowed_clock_skew_s=0)

    def run_and_check(self, auth, during=None):
        skiff = self.skiff(self.config() + "\n" + auth)
        skiff.start()
        writer = Writer(os.path.join(self.logs, "app.log"))
        writer.start()
        deadline = time.monotonic() + RUN_S
        try:
            while time.monotonic() < deadline:
                if during:
                    during()
                time.sleep(0.5)
        finally:
            writer.stop_flag.set()
            writer.join(10)
        n = writer.written
        wait_for(lambda: self.es.stats()["indices"].get(self.index, 0) >= n, 60, interval=0.5,
                 what=f"{n} documents")
        self.assertEqual(skiff.stop(), 0, skiff.output())
        stats = self.es.stats()
        self.assertEqual(stats["auth_failures"], {"missing": 0, "invalid": 0, "expired": 0,
                                                  "signature_expired": 0}, skiff.output()[-4000:])
        counts = seq_counts(self.es.documents(self.index))
        self.assertEqual(sorted(counts), list(range(n)), "lines lost")
        self.assertEqual([s for s, c in counts.items() if c != 1], [], "lines delivered twice")
        return skiff, n

    def test_token_file_rotated_every_20s_with_30s_tokens(self):
        path = os.path.join(self.workdir, "es-token")
        self.issuer.write_token_file(path, TOKEN_LIFETIME_S)
        last = [time.monotonic()]

        def rotate():
            if time.monotonic() - last[0] >= ROTATE_EVERY_S:
                self.issuer.write_token_file(path, TOKEN_LIFETIME_S)
                last[0] = time.monotonic()

        skiff, n = self.run_and_check(f'[auth]\ntype = "token_file"\npath = "{path}"\n', rotate)
        self.assertGreaterEqual(self.issuer.issued, RUN_S // ROTATE_EVERY_S)
        print(f"token_file: {n} lines, {self.issuer.issued} tokens", flush=True)

    def test_oidc_endpoint_issuing_30s_tokens(self):
        endpoint = TokenEndpoint(self.issuer, "skiff", "idp-secret", lifetime_s=TOKEN_LIFETIME_S)
        self.addCleanup(endpoint.stop)
        secret = os.path.join(self.workdir, "client_secret")
        with open(secret, "w") as f:
            f.write("idp-secret")
        os.chmod(secret, 0o600)
        skiff, n = self.run_and_check(
            f'[auth]\ntype = "oidc_client_credentials"\ntoken_url = "{endpoint.url}"\n'
            f'client_id = "skiff"\nclient_secret = "file:{secret}"\n')
        # A fetch every 15 s or so (half of a 30 s lifetime), not a hot loop.
        self.assertGreaterEqual(endpoint.tokens_issued, RUN_S // TOKEN_LIFETIME_S)
        self.assertLessEqual(endpoint.tokens_issued, RUN_S // 5)
        print(f"oidc: {n} lines, {endpoint.tokens_issued} tokens", flush=True)


if __name__ == "__main__":
    unittest.main()
