"""`skiff buffer verify|inspect` as users run them: on a ring written by the real writer
(tests/tools/ring_writer) and by skiff itself after kill -9, damaged on disk, and while an
agent runs (refused, exit 2)."""
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import unittest

from harness import BUILD_DIR, SKIFF, Skiff, loggen, wait_for

RING_WRITER = os.path.join(BUILD_DIR, "tests", "tools", "ring_writer")
MESSAGE_RE = re.compile(r"^b=(\d+) e=(\d+)/(\d+) [a-z]* crc=([0-9a-f]{8})$")


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def skiff(*args):
    return subprocess.run([SKIFF, *args], capture_output=True, text=True, timeout=60)


class BufferCommandTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="skiff-buffer-")
        self.data = os.path.join(self.dir, "data")
        self.ring = os.path.join(self.data, "ring")
        os.makedirs(self.data)

    def tearDown(self):
        if not hasattr(self, "_outcome") or all(e is None for _, e in getattr(self._outcome, "errors", [])):
            shutil.rmtree(self.dir, ignore_errors=True)

    def write_ring(self, batches):
        subprocess.run([RING_WRITER, "--dir", self.ring, "--batches", str(batches),
                        "--segment-bytes", "16384"], check=True, stdout=subprocess.DEVNULL,
                       timeout=60)

    def segments(self):
        return sorted(n for n in os.listdir(self.ring) if n.startswith("seg-"))

    def ring_digest(self):
        h = hashlib.sha256()
        for name in sorted(os.listdir(self.ring)):
            h.update(name.encode())
            with open(os.path.join(self.ring, name), "rb") as f:
                h.update(f.read())
        return h.hexdigest()

    def test_sound_ring_verifies_and_inspect_events_are_intact(self):
        self.write_ring(60)
        r = skiff("buffer", "verify", "--data-dir", self.data)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("result: ok", r.stdout)
        r = skiff("buffer", "inspect", "--events", "--data-dir", self.data)
        self.assertEqual(r.returncode, 0, r.stderr)
        batches = {}
        for line in r.stdout.splitlines():
            event = json.loads(line)
            m = MESSAGE_RE.match(event["message"])
            self.assertIsNotNone(m, event["message"][:80])
            body = event["message"][:event["message"].rindex(" crc=")]
            self.assertEqual(int(m.group(4), 16), crc32c(body.encode()))
            batches.setdefault(int(m.group(1)), []).append(int(m.group(2)))
        self.assertEqual(sorted(batches), list(range(60)))

    def test_flipped_byte_is_reported_with_its_offset_and_exit_1_and_nothing_changes(self):
        self.write_ring(60)
        first = os.path.join(self.ring, self.segments()[0])
        with open(first, "r+b") as f:
            f.seek(3000)
            b = f.read(1)
            f.seek(3000)
            f.write(bytes([b[0] ^ 0x20]))
        before = self.ring_digest()
        r = skiff("buffer", "verify", "--json", "--data-dir", self.data)
        self.assertEqual(r.returncode, 1, r.stderr)
        report = json.loads(r.stdout)
        self.assertFalse(report["ok"])
        corrupt = report["segments"][0]["corrupt"]
        self.assertEqual(len(corrupt), 1, corrupt)
        self.assertLessEqual(corrupt[0]["offset"], 3000)
        self.assertLess(3000, corrupt[0]["offset"] + corrupt[0]["bytes"])
        self.assertGreater(report["totals"]["lost_events"], 0)
        r = skiff("buffer", "verify", "--data-dir", self.data)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"offset {corrupt[0]['offset']}: CORRUPT", r.stdout)
        self.assertEqual(self.ring_digest(), before, "verify changed the ring")

    def test_ring_of_an_agent_killed_with_sigkill_verifies_clean(self):
        logs = os.path.join(self.dir, "logs")
        os.makedirs(logs)
        loggen(os.path.join(logs, "app.log"), 20000)
        # Elasticsearch is unreachable: everything read stays in the ring.
        toml = f"""data_dir = "{self.data}"
[[inputs.file]]
id = "app"
paths = ["{logs}/*.log"]
start_at = "beginning"
[buffer]
fsync = "always"
[output.elasticsearch]
hosts = ["http://127.0.0.1:9"]
"""
        agent = Skiff(self.dir, toml).start()
        try:
            def buffered():
                if not os.path.isdir(self.ring):
                    return 0
                return sum(os.path.getsize(os.path.join(self.ring, n)) for n in self.segments())
            wait_for(lambda: buffered() > 100_000, 30, what="the agent to buffer lines")

            r = skiff("buffer", "verify", "-c", agent.config)
            self.assertEqual(r.returncode, 2, r.stdout)
            self.assertEqual(r.stderr.strip(), f"skiff is running (pid {agent.proc.pid}) and holds "
                                               f"{self.data}/skiff.lock; stop it first")
            self.assertEqual(skiff("buffer", "inspect", "--data-dir", self.data).returncode, 2)
        finally:
            agent.stop(signal.SIGKILL)
        r = skiff("buffer", "verify", "-c", agent.config)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = skiff("buffer", "inspect", "--events", "-c", agent.config)
        self.assertEqual(r.returncode, 0, r.stderr)
        seqs = [int(re.search(r"seq=(\d+)", json.loads(l)["message"]).group(1))
                for l in r.stdout.splitlines()]
        self.assertGreater(len(seqs), 0)
        self.assertEqual(seqs, list(range(len(seqs))), "events out of order or missing")

    def test_help_documents_data_dir_and_bad_usage_exits_2(self):
        r = skiff("buffer", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("--data-dir DIR", r.stdout)
        self.assertIn("buffer verify", skiff("--help").stdout)
        self.assertEqual(skiff("buffer").returncode, 2)
        self.assertEqual(skiff("buffer", "fix", "--data-dir", self.data).returncode, 2)
        self.assertEqual(skiff("buffer", "verify", "-c", os.path.join(self.dir, "none.toml")).returncode, 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)
