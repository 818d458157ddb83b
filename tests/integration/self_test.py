"""[self] ship = true: skiff's own status events and its warnings reach Elasticsearch in
the configured index; log_format = "json" writes its stderr lines as JSON objects."""
import json
import os
import unittest

from harness import SkiffTestCase, loggen, wait_for


class SelfTest(SkiffTestCase):
    def self_index(self):
        return self.index.replace("logs-", "logs-self", 1)

    def test_status_events_and_own_warnings_are_shipped_to_the_self_index(self):
        n = 2000
        loggen(os.path.join(self.logs, "app.log"), n)
        # An unreadable second path makes skiff warn (once) about it.
        missing = os.path.join(self.workdir, "missing", "gone.log")
        toml = self.config(paths=[os.path.join(self.logs, "*.log"), missing],
                           extra=f'\n[self]\nship = true\nindex = "{self.self_index()}"\n'
                                 'interval = "1s"\nmin_level = "warn"\n')
        skiff = self.skiff(toml)
        skiff.start()
        self.wait_count(n, timeout=60)

        def shipped():
            if self.es.count(self.self_index()) == 0:
                return None  # the index is made by the first bulk request
            docs = [src for _, src in self.es.documents(self.self_index())]
            status = [d for d in docs if d.get("message") == "skiff status"]
            warnings = [d for d in docs if d.get("log.level") == "warn"]
            return (status, warnings) if len(status) >= 2 and warnings else None
        try:
            status, warnings = wait_for(shipped, 30, interval=0.3, what="self events")
        except AssertionError:
            print(skiff.output())
            raise

        latest = max(status, key=lambda d: d["skiff"]["output"]["documents"]["delivered"])
        self.assertEqual(latest["event.kind"], "metric")
        self.assertEqual(latest["input.type"], "self")
        self.assertEqual(latest["skiff"]["inputs"][0]["id"], "it")
        self.assertEqual(latest["skiff"]["pid"], skiff.proc.pid)
        self.assertIn("agent.id", latest)
        self.assertTrue(any("gone.log" in w["message"] for w in warnings),
                        [w["message"] for w in warnings])
        self.assertTrue(all(w["event.kind"] == "event" and w["log.logger"] for w in warnings))
        # Info lines stay below min_level: none is shipped.
        docs = [src for _, src in self.es.documents(self.self_index())]
        self.assertFalse([d for d in docs if d.get("log.level") == "info"])
        # The input's own documents are untouched: n lines, none of the self events.
        self.assertEqual(self.es.count(self.index), n)
        self.assertEqual(skiff.stop(), 0, skiff.output())

    def test_json_log_format_writes_one_json_object_per_stderr_line(self):
        loggen(os.path.join(self.logs, "app.log"), 100)
        toml = self.config().replace('log_level = "info"', 'log_level = "info"\nlog_format = "json"')
        skiff = self.skiff(toml)
        skiff.start(wait_running=False)  # its "running" line is JSON now
        self.wait_count(100, timeout=60)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        lines = [l for l in skiff.output().splitlines() if l.strip()]
        self.assertTrue(lines)
        for line in lines:
            record = json.loads(line)
            self.assertEqual(set(record), {"@timestamp", "log.level", "log.logger", "message"})
            self.assertIn(record["log.level"], ("debug", "info", "warn", "error"))
        self.assertTrue(any(json.loads(l)["message"].startswith("running with data_dir")
                            for l in lines))


if __name__ == "__main__":
    unittest.main()
