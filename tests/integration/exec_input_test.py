"""End to end: [[inputs.exec]] in the daemon. A periodic command's runs (each with its own
run id, lines and finished event), restart policies with backoff, JSON output parsed, and a
reload that removes the input stopping the command.

Sizes: the periodic test runs the issue's 10 runs at 1 s in CI (about 11 s) and 30 under
SKIFF_SOAK=1."""
import json
import os
import signal
import subprocess
import time
import unittest

from harness import SKIFF, SkiffTestCase, scaled, wait_for

NS = 1_000_000_000


def toml_string(text):
    return json.dumps(text)


class ExecInputTest(SkiffTestCase):

    def exec_config(self, exec_tables):
        return self.config() + "\n" + exec_tables + "\n"

    def exec_table(self, input_id, command, extra=""):
        return f"""
[[inputs.exec]]
id = "{input_id}"
command = {toml_string(command)}
{extra}
"""

    def docs(self):
        if self.es.count(self.index) == 0:
            return []  # the index does not exist yet
        return [source for _, source in self.es.documents(self.index)]

    def finished(self, docs, input_id=None):
        return [d for d in docs if d.get("event.action") in ("task-finished", "task-failed-to-start")
                and (input_id is None or d.get("task.name") == input_id)]

    def wait_finished(self, n, timeout, input_id=None):
        return wait_for(lambda: len(self.finished(self.docs(), input_id)) >= n, timeout,
                        interval=0.25, what=f"{n} finished events")

    def test_periodic_command_ten_runs_have_their_exit_codes_durations_and_lines(self):
        runs = scaled(10, 30)
        counter = os.path.join(self.workdir, "counter")
        # Run N prints two lines (one per stream), takes about 200 ms and exits with N % 4.
        script = (f'n=$(cat {counter} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {counter}; '
                  f'echo "run $n out"; echo "run $n err" >&2; sleep 0.2; exit $((n % 4))')
        skiff = self.skiff(self.exec_config(self.exec_table("periodic", script, 'interval = "1s"')))
        skiff.start()
        started = time.monotonic()
        self.wait_finished(runs, timeout=runs * 1.0 + 30, input_id="periodic")
        took = time.monotonic() - started
        self.assertEqual(skiff.stop(), 0, skiff.output())
        docs = self.docs()
        finished = self.finished(docs, "periodic")
        lines = [d for d in docs if "log.stream" in d]
        by_run = {}
        for d in lines:
            by_run.setdefault(d["task.run_id"], []).append(d)
        checked = 0
        for f in finished:
            run_lines = by_run.get(f["task.run_id"], [])
            if f.get("event.outcome") == "unknown":
                continue  # the run cut short by the stop above
            self.assertEqual(sorted(d["log.stream"] for d in run_lines), ["stderr", "stdout"],
                             f"run {f['task.run_id']}: each line once, got {run_lines}")
            n = int(run_lines[0]["message"].split()[1])
            self.assertEqual({d["message"] for d in run_lines}, {f"run {n} out", f"run {n} err"})
            self.assertEqual(f["process.exit_code"], n % 4, f)
            self.assertEqual(f["event.outcome"], "success" if n % 4 == 0 else "failure")
            self.assertGreaterEqual(f["event.duration"], 0.2 * NS, f)
            self.assertLess(f["event.duration"], 1.0 * NS, f)
            self.assertEqual(f["task.stdout.lines"], 1)
            self.assertEqual(f["task.stderr.lines"], 1)
            checked += 1
        self.assertGreaterEqual(checked, runs)
        numbers = sorted(int(ls[0]["message"].split()[1]) for ls in by_run.values())
        self.assertEqual(numbers, list(range(1, len(numbers) + 1)), "a run's lines are missing")
        self.assertEqual(len(set(f["task.run_id"] for f in finished)), len(finished),
                         "each run has its own run id")
        print(f"\n{checked} periodic runs checked in {took:.1f} s "
              f"(exit codes and durations as the runs made them)")

    def test_on_failure_restarts_with_growing_backoff(self):
        skiff = self.skiff(self.exec_config(self.exec_table(
            "flaky", "echo attempt; exit 1",
            'restart = "on-failure"\nrestart_backoff = "100ms"\nrestart_backoff_max = "400ms"')))
        skiff.start()
        self.wait_finished(6, timeout=30, input_id="flaky")
        skiff.stop()
        finished = self.finished(self.docs(), "flaky")
        ends = []
        for f in finished:
            if f["event.outcome"] == "unknown":
                continue
            ends.append((f["event.start"], f["event.end"]))
        ends.sort()
        # The wait between one run's end and the next start: 100, 200, 400, 400 ms ...
        waits = [self.iso_seconds(ends[i + 1][0]) - self.iso_seconds(ends[i][1])
                 for i in range(len(ends) - 1)]
        expected = [0.1, 0.2, 0.4, 0.4, 0.4]
        for got, want in zip(waits, expected):
            self.assertGreaterEqual(got, want - 0.01, f"waits {waits}")
            self.assertLess(got, want + 0.5, f"waits {waits}")

    @staticmethod
    def iso_seconds(text):
        # "2026-11-22T18:58:05.123456789Z" -> seconds since midnight (runs are seconds apart).
        clock = text.split("T")[1].rstrip("Z")
        h, m, s = clock.split(":")
        return int(h) * 3600 + int(m) * 60 + float(s)

    def test_restart_never_runs_once(self):
        skiff = self.skiff(self.exec_config(self.exec_table(
            "once", "echo only once; exit 1", 'restart = "never"\nrestart_backoff = "50ms"')))
        skiff.start()
        self.wait_finished(1, timeout=30, input_id="once")
        time.sleep(1.0)  # what a restart would take several times over
        skiff.stop()
        docs = self.docs()
        self.assertEqual(len(self.finished(docs, "once")), 1)
        self.assertEqual([d["message"] for d in docs if "log.stream" in d], ["only once"])

    def test_json_lines_are_parsed_with_format_json(self):
        command = ["/bin/sh", "-c",
                   """echo '{"message":"backup done","level":"warn","rows":3}'; echo 'not json'"""]
        table = f"""
[[inputs.exec]]
id = "json"
command = {json.dumps(command)}
format = "json"
"""
        skiff = self.skiff(self.exec_config(table))
        skiff.start()
        self.wait_finished(1, timeout=30, input_id="json")
        self.wait_count(4, timeout=30)
        skiff.stop()
        lines = {d["message"]: d for d in self.docs() if "log.stream" in d}
        self.assertIn("backup done", lines)
        self.assertEqual(lines["backup done"]["rows"], 3)
        self.assertEqual(lines["backup done"]["log.level"], "warn")
        self.assertIn("not json", lines, "a line that is not JSON is still shipped")

    def test_skiff_exec_parses_json_and_multiline_as_the_exec_table_says(self):
        config = os.path.join(self.workdir, "exec.toml")
        with open(config, "w") as f:
            f.write(self.config() + '\n[exec]\nformat = "auto"\nmultiline = { preset = "python" }\n')
        script = ('import sys\n'
                  'print(\'{"message": "loaded", "rows": 7}\')\n'
                  'print("Traceback (most recent call last):", file=sys.stderr)\n'
                  'print(\'  File "job.py", line 3, in <module>\', file=sys.stderr)\n'
                  'print("ValueError: bad row", file=sys.stderr)\n')
        r = subprocess.run([SKIFF, "-c", config, "exec", "--task", "job", "--quiet", "--",
                            "/usr/bin/python3", "-c", script], capture_output=True, text=True,
                           timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.wait_count(4, timeout=30)  # started, 2 events, finished
        lines = {d["log.stream"]: d for d in self.docs() if "log.stream" in d}
        self.assertEqual(lines["stdout"]["message"], "loaded")
        self.assertEqual(lines["stdout"]["rows"], 7)
        self.assertEqual(lines["stderr"]["message"],
                         'Traceback (most recent call last):\n  File "job.py", line 3, in <module>\n'
                         'ValueError: bad row')

    def test_a_reload_that_removes_the_input_stops_the_command(self):
        pidfile = os.path.join(self.workdir, "pid")
        command = f"echo $$ > {pidfile}; echo serving; exec sleep 60"
        skiff = self.skiff(self.exec_config(self.exec_table("server", command, 'restart = "always"')))
        skiff.start()
        def read_pid():
            if not os.path.exists(pidfile):
                return None
            with open(pidfile) as f:
                return f.read().strip()
        pid = int(wait_for(read_pid, 30, what="the command's pid"))
        self.assertTrue(os.path.exists(f"/proc/{pid}"))
        with open(skiff.config, "w") as f:
            f.write(self.config())
        r = subprocess.run([SKIFF, "reload", "-c", skiff.config], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr + skiff.output())

        def gone():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    return f.read().split()[2] == "Z"  # a zombie is gone too
            except FileNotFoundError:
                return True
        wait_for(gone, 10, what=f"pid {pid} to end")
        self.wait_finished(1, timeout=30, input_id="server")
        f = self.finished(self.docs(), "server")[0]
        self.assertEqual(f["event.outcome"], "unknown", f)
        self.assertEqual(f["process.exit_code"], 143, f)
        time.sleep(0.5)
        self.assertEqual(len(self.finished(self.docs(), "server")), 1, "not restarted after removal")
        self.assertEqual(skiff.stop(), 0)


if __name__ == "__main__":
    unittest.main()
