"""`skiff status` (text and --json) against a running agent, found through
data_dir/skiff.sock, and the answers of status and reload when no agent runs."""
import http.client
import json
import os
import re
import subprocess
import unittest

from harness import SKIFF, SkiffTestCase, loggen, wait_for

PORT_RE = re.compile(r"serving /metrics, /healthz and /readyz on \S+ \(port (\d+)\)")


def skiff_cli(*args):
    return subprocess.run([SKIFF, *args], capture_output=True, text=True, timeout=30)


class StatusTest(SkiffTestCase):
    def test_status_prints_inputs_buffer_and_output_as_text_and_as_json(self):
        n = 5000
        loggen(os.path.join(self.logs, "app.log"), n)
        skiff = self.skiff(self.config())
        skiff.start()
        self.wait_count(n, timeout=60)

        def delivered():
            r = skiff_cli("status", "--json", "-c", skiff.config)
            self.assertEqual(r.returncode, 0, r.stderr)
            status = json.loads(r.stdout)
            return status if status["output"]["documents"]["delivered"] == n else None
        status = wait_for(delivered, 30, what="the delivered count in /status")
        self.assertEqual(status["pid"], skiff.proc.pid)
        self.assertEqual(status["config_path"], os.path.abspath(skiff.config))
        self.assertEqual(status["data_dir"], self.data_dir)
        self.assertTrue(status["readiness"]["ready"], status["readiness"])
        self.assertEqual(len(status["inputs"]), 1)
        it = status["inputs"][0]
        self.assertEqual((it["id"], it["type"], it["events"], it["files_open"], it["errors"]),
                         ("it", "file", n, 1, 0))
        self.assertEqual(it["bytes"], os.path.getsize(os.path.join(self.logs, "app.log")))
        self.assertEqual(status["buffer"]["max_bytes"], 1 << 30)
        self.assertTrue(status["buffer"]["healthy"])
        self.assertGreater(status["output"]["requests"]["ok"], 0)
        self.assertIsNone(status["last_reload"])

        r = skiff_cli("status", "-c", skiff.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, rf"(?m)^skiff +\S+, pid {skiff.proc.pid}, up ")
        self.assertRegex(r.stdout, r"(?m)^ready +yes$")
        self.assertRegex(r.stdout, r"(?m)^INPUT +TYPE +EVENTS +BYTES +FILES +ERRORS$")
        self.assertRegex(r.stdout, rf"(?m)^it +file +{n} +\S+ \S+ +1 +0$")
        self.assertRegex(r.stdout, r"(?m)^buffer +.* of 1\.0 GiB")
        self.assertRegex(r.stdout, rf"(?m)^output +{n} documents delivered")
        self.assertEqual(skiff.stop(), 0, skiff.output())

    def test_status_is_served_on_metrics_listen_and_reload_is_not(self):
        toml = self.config().replace("[output.elasticsearch]",
                                     '[metrics]\nlisten = "127.0.0.1:0"\n\n[output.elasticsearch]')
        skiff = self.skiff(toml)
        skiff.start()
        port = int(wait_for(lambda: PORT_RE.search(skiff.output()), 10, what="the port").group(1))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/status")
        r = conn.getresponse()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("Content-Type"), "application/json")
        self.assertEqual(json.loads(r.read())["inputs"][0]["id"], "it")
        conn.request("POST", "/reload")
        r = conn.getresponse()
        self.assertEqual(r.status, 403, "reload must not be reachable over TCP")
        r.read()
        conn.close()
        self.assertNotIn("reloading", skiff.output())
        self.assertEqual(skiff.stop(), 0, skiff.output())

    def test_status_top_and_reload_without_an_agent_exit_1_with_a_clear_message(self):
        config = os.path.join(self.workdir, "skiff.toml")
        with open(config, "w") as f:
            f.write(self.config())
        for command in (["status"], ["status", "--json"], ["reload"], ["top"]):
            r = skiff_cli(*command, "-c", config)
            self.assertEqual(r.returncode, 1, (command, r.stdout, r.stderr))
            self.assertIn(f"no skiff running on {self.data_dir} (no control socket)", r.stderr)
        r = skiff_cli("status", "--data-dir", os.path.join(self.workdir, "elsewhere"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("elsewhere (no control socket)", r.stderr)
        r = skiff_cli("status", "--bogus", "-c", config)
        self.assertEqual(r.returncode, 2)
        self.assertIn("unknown option --bogus", r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
