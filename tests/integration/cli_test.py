"""The command-line contract: exit codes, check-config messages, the data_dir lock,
graceful stop when Elasticsearch is unreachable."""
import os
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from harness import SKIFF, Skiff, wait_for


def run(*args, **kw):
    return subprocess.run([SKIFF, *args], capture_output=True, text=True, timeout=30, **kw)


def read(path):
    with open(path) as f:
        return f.read()


def unused_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CliTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="skiff-cli-")

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def good_config(self, port=None):
        return f"""data_dir = "{self.dir}/data"
[[inputs.file]]
id = "app"
paths = ["{self.dir}/*.log"]
[output.elasticsearch]
hosts = ["http://127.0.0.1:{port or unused_port()}"]
"""

    def test_version_prints_version_and_exits_0(self):
        r = run("version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^skiff \d+\.\d+\.\d+ \(commit ")

    def test_unknown_command_and_option_exit_2_with_usage(self):
        self.assertEqual(run("frobnicate").returncode, 2)
        self.assertEqual(run("--frob", "run").returncode, 2)
        r = run()
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage: skiff", r.stderr)

    def test_check_config_accepts_a_valid_file(self):
        path = self.write("ok.toml", self.good_config())
        r = run("check-config", "-c", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), f"{path}: ok")

    def test_check_config_reports_every_error_with_position_and_the_fix(self):
        path = self.write("bad.toml", """data_dir = "/tmp/x"
[[inputs.file]]
id = "a"
paths = ["/tmp/*.log"]
start_at = "middle"
[output.elasticsearch]
hosts = ["http://127.0.0.1:9200"]
max_batch_byte = "5MiB"
flush_interval = "soon"
""")
        r = run("check-config", "-c", path)
        self.assertEqual(r.returncode, 2)
        lines = r.stderr.strip().splitlines()
        self.assertEqual(lines[0], f'{path}:5:12: inputs.file[0].start_at: got "middle", '
                                   f'expected "beginning" or "end"')
        self.assertEqual(lines[1], f"{path}:8:1: output.elasticsearch.max_batch_byte: unknown key; "
                                   f"did you mean `max_batch_bytes`?")
        self.assertTrue(lines[2].startswith(f"{path}:9:18: output.elasticsearch.flush_interval: "),
                        lines[2])
        self.assertEqual(len(lines), 3, r.stderr)

    def test_run_with_an_invalid_config_exits_2_before_touching_data_dir(self):
        path = self.write("bad.toml", 'data_dir = "' + self.dir + '/data"\nbogus = 1\n')
        r = run("run", "-c", path)
        self.assertEqual(r.returncode, 2)
        self.assertIn("bogus", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "data")))

    def test_data_dir_gets_an_agent_id_that_survives_restarts(self):
        path = self.write("ok.toml", self.good_config())
        ids = []
        for _ in range(2):
            s = Skiff(self.dir, read(path)).start()
            agent_id = os.path.join(self.dir, "data", "agent-id")
            wait_for(lambda: os.path.exists(agent_id), 10, what="agent-id")
            time.sleep(0.2)
            self.assertEqual(s.stop(), 0, s.output())
            ids.append(read(agent_id).strip())
        self.assertRegex(ids[0], r"^[0-9a-f-]{36}$")
        self.assertEqual(ids[0], ids[1])

    def test_second_agent_on_the_same_data_dir_is_refused(self):
        toml = self.good_config()
        first = Skiff(self.dir, toml, "first").start()
        try:
            wait_for(lambda: os.path.exists(os.path.join(self.dir, "data", "skiff.lock")), 10)
            time.sleep(0.2)
            path = self.write("second.toml", toml)
            r = run("run", "-c", path)
            self.assertEqual(r.returncode, 1)
            self.assertIn("another skiff", r.stderr)
        finally:
            self.assertEqual(first.stop(), 0, first.output())

    def test_sigterm_stops_promptly_when_elasticsearch_is_unreachable(self):
        with open(os.path.join(self.dir, "app.log"), "w") as f:
            f.write("a line that cannot be shipped\n")
        s = Skiff(self.dir, self.good_config().replace('[[inputs.file]]', 'shutdown_timeout = "2s"\n[[inputs.file]]')).start()
        time.sleep(1.0)
        started = time.monotonic()
        self.assertEqual(s.stop(signal.SIGTERM, timeout=10), 0, s.output())
        self.assertLess(time.monotonic() - started, 5, "graceful stop took longer than shutdown_timeout")

    def test_sigint_twice_exits_at_once(self):
        s = Skiff(self.dir, self.good_config().replace('[[inputs.file]]', 'shutdown_timeout = "30s"\n[[inputs.file]]'))
        with open(os.path.join(self.dir, "app.log"), "w") as f:
            f.write("pending\n")
        s.start()
        time.sleep(1.0)
        s.proc.send_signal(signal.SIGINT)
        time.sleep(0.2)
        started = time.monotonic()
        code = s.stop(signal.SIGINT, timeout=10)
        self.assertLess(time.monotonic() - started, 3)
        self.assertEqual(code, 0, s.output())


if __name__ == "__main__":
    unittest.main(verbosity=2)
