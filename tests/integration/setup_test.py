"""`skiff setup --print`: the index template, minimal role and API-key request an
administrator applies. The printed script is valid shell and its bodies valid JSON, the
--json form says the same, and the printed role is enough: esim enforcing exactly that
role (its index privileges on its index names) accepts everything skiff ships.
"""
import json
import os
import re
import subprocess
import unittest

from harness import SKIFF, SkiffTestCase, loggen, wait_for

# One request of the script: the method, the path after $ES, and the single-quoted body.
REQUEST = re.compile(r"""-X (PUT|POST) "\$ES(/[^"]*)" \\\n  -H 'Content-Type: application/json' -d '(.*?)'\necho\n""",
                     re.S)
INDEX = "logs-setuptest-default"


def write_config(workdir, host, index=INDEX, extra_input="", extra_output=""):
    path = os.path.join(workdir, "setup.toml")
    with open(path, "w") as f:
        f.write(f"""
data_dir = "{os.path.join(workdir, 'data')}"

[[inputs.file]]
id = "it"
paths = ["{os.path.join(workdir, 'logs', '*.log')}"]
start_at = "beginning"
poll_interval = "50ms"
{extra_input}

[output.elasticsearch]
hosts = ["{host}"]
index = "{index}"
index_fallback = "{index}"
flush_interval = "100ms"
retry = {{ initial = "50ms", max = "1s" }}
{extra_output}
""")
    return path


def setup(config, *args):
    r = subprocess.run([SKIFF, "setup", "-c", config, *args], capture_output=True, text=True,
                       timeout=30)
    return r.returncode, r.stdout, r.stderr


class SetupPrintTest(SkiffTestCase):
    def test_the_script_is_valid_shell_with_one_curl_per_request_and_json_bodies(self):
        config = write_config(self.workdir, "https://es.example:9200")
        code, script, err = setup(config, "--print")
        self.assertEqual(code, 0, err)
        self.assertTrue(script.startswith("#!/bin/sh\n"), script)
        syntax = subprocess.run(["sh", "-n"], input=script, capture_output=True, text=True)
        self.assertEqual(syntax.returncode, 0, syntax.stderr)
        self.assertIn("ES=${ES:-'https://es.example:9200'}", script)
        requests = REQUEST.findall(script)
        self.assertEqual([(m, p) for m, p, _ in requests],
                         [("PUT", "/_index_template/skiff-logs"),
                          ("POST", "/_security/role/skiff_writer"),
                          ("POST", "/_security/api_key")], script)
        self.assertEqual(script.count("\ncurl "), 3)
        bodies = [json.loads(body) for _, _, body in requests]
        self.assertEqual(bodies[0]["index_patterns"], [INDEX])
        self.assertEqual(bodies[1]["indices"][0]["privileges"], ["create_doc", "auto_configure"])
        self.assertEqual(bodies[2]["role_descriptors"]["skiff_writer"], bodies[1])

    def test_json_says_what_the_script_says(self):
        config = write_config(self.workdir, "http://127.0.0.1:9200",
                              extra_input='index = "web-%{[service]}-%Y.%m.%d"')
        code, script, err = setup(config, "--print")
        self.assertEqual(code, 0, err)
        code, text, err = setup(config, "--json", "--role-name", "edge_writer")
        self.assertEqual(code, 0, err)
        plan = json.loads(text)
        self.assertEqual(plan["data_stream_patterns"], [INDEX])
        self.assertEqual(plan["index_patterns"], ["web-*"])
        self.assertEqual([r["path"] for r in plan["requests"]],
                         ["/_index_template/skiff-logs", "/_index_template/skiff-indices",
                          "/_security/role/edge_writer", "/_security/api_key"])
        script_bodies = [json.loads(b) for _, _, b in REQUEST.findall(script)]
        self.assertEqual(script_bodies[:2], [r["body"] for r in plan["requests"][:2]])

    def test_without_print_nothing_is_printed_and_the_answer_says_why(self):
        config = write_config(self.workdir, "http://127.0.0.1:9200")
        code, out, err = setup(config)
        self.assertEqual(code, 2)
        self.assertEqual(out, "")
        self.assertIn("--print", err)

    def test_a_bad_config_is_reported_with_its_position(self):
        config = write_config(self.workdir, "http://127.0.0.1:9200", extra_output="max_in_fligt = 2")
        code, out, err = setup(config, "--print")
        self.assertEqual(code, 2)
        self.assertEqual(out, "")
        self.assertRegex(err, r"setup\.toml:\d+:\d+: .*max_in_flight")


class PrintedRoleIsEnoughTest(SkiffTestCase):
    """esim authorizes every request with exactly the printed role's index privileges."""

    def esim_args(self):
        config = write_config(self.workdir, "http://127.0.0.1:9200")
        code, text, err = setup(config, "--json")
        assert code == 0, err
        role = next(r["body"] for r in json.loads(text)["requests"]
                    if r["path"].startswith("/_security/role/"))
        self.assertEqual(role["cluster"], [])
        grant, = role["indices"]
        return ("--auth", "api-key", "--api-key", "skiff:secret",
                "--role-privileges", ",".join(grant["privileges"]),
                "--role-indices", ",".join(grant["names"]))

    def stored(self):
        # esim's admin API: counting through _count would need a credential of its own.
        return self.es.stats()["indices"].get(INDEX, 0)

    def test_skiff_ships_everything_under_the_printed_role(self):
        self.es.require_esim(self)
        n = 500
        loggen(os.path.join(self.logs, "app.log"), n)
        config = write_config(self.workdir, self.es.url,
                              extra_output='[auth]\ntype = "api_key"\napi_key = "${SKIFF_TEST_KEY}"')
        os.environ["SKIFF_TEST_KEY"] = "skiff:secret"
        try:
            skiff = self.skiff(open(config).read())
            skiff.start()
            wait_for(lambda: self.stored() >= n, 60, interval=0.2,
                     what=f"{n} documents in {INDEX}")
            self.assertEqual(skiff.stop(), 0, skiff.output())
        finally:
            del os.environ["SKIFF_TEST_KEY"]
        stats = self.es.stats()
        self.assertEqual(self.stored(), n)
        self.assertNotIn("403", stats["items_by_status"], stats)
        # Only GET / (cluster monitor, which the minimal role leaves out) may be refused.
        self.assertEqual(set(stats["authorization_failures"]) - {"cluster:monitor/main"}, set(),
                         stats)


if __name__ == "__main__":
    unittest.main()
