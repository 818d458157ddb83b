"""Bad input never stops skiff and never loses data: invalid UTF-8, over-long lines,
missing paths, a server that answers garbage or drops connections."""
import json
import os
import socket
import threading
import time
import unittest

from harness import SkiffTestCase, loggen, seq_counts, wait_for

REPLACEMENT = "\ufffd"


class GarbageServer:
    """Accepts HTTP connections on loopback and answers each request with garbage."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.requests = 0
        self.stopping = False
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        replies = [b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nnot json!",
                   b"\x00\x01\x02garbage\r\n\r\n",
                   b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 20\r\n\r\n{\"errors\":false,\"it"]
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(2)
                try:
                    conn.recv(65536)
                    conn.sendall(replies[self.requests % len(replies)])
                    self.requests += 1
                except OSError:
                    pass

    def stop(self):
        self.stopping = True
        self.thread.join(2)
        self.sock.close()


class BadInputTest(SkiffTestCase):
    def ship_and_fetch(self, lines_bytes, extra_input="", expect=None):
        path = os.path.join(self.logs, "bad.log")
        with open(path, "wb") as f:
            f.write(lines_bytes)
        skiff = self.skiff(self.config(extra_input=extra_input))
        skiff.start()
        self.wait_count(expect, timeout=60)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        docs = sorted((d for _, d in self.es.documents(self.index)), key=lambda d: d["log.offset"])
        return docs, skiff

    def test_invalid_utf8_is_replaced_and_flagged_and_valid_lines_are_untouched(self):
        data = b"good line seq=0\n" + b"bad \xff\xfe bytes \xc3\x28 seq=1\n" + b"caf\xc3\xa9 seq=2\n"
        docs, _ = self.ship_and_fetch(data, expect=3)
        self.assertEqual(docs[0]["message"], "good line seq=0")
        self.assertNotIn("log.flags", docs[0])
        self.assertIn(REPLACEMENT, docs[1]["message"])
        self.assertTrue(docs[1]["message"].endswith("bytes " + REPLACEMENT + "( seq=1"), docs[1]["message"])
        self.assertEqual(docs[1]["log.flags"], ["invalid_utf8"])
        self.assertEqual(docs[2]["message"], "café seq=2")

    def test_over_long_line_is_truncated_flagged_and_the_next_line_survives(self):
        long_line = b"x" * (3 * 1024 * 1024)
        data = b"before seq=0\n" + long_line + b"\n" + b"after seq=2\n"
        docs, skiff = self.ship_and_fetch(data, extra_input='max_line_bytes = "1MiB"', expect=3)
        self.assertEqual(docs[0]["message"], "before seq=0")
        self.assertEqual(len(docs[1]["message"]), 1024 * 1024)
        self.assertEqual(docs[1]["log.flags"], ["truncated"])
        self.assertEqual(docs[2]["message"], "after seq=2")
        self.assertEqual(docs[2]["log.offset"], len(b"before seq=0\n") + len(long_line) + 1)

    def test_missing_path_is_reported_and_picked_up_once_it_appears(self):
        missing_dir = os.path.join(self.workdir, "not-yet")
        skiff = self.skiff(self.config(paths=[os.path.join(missing_dir, "*.log")]))
        skiff.start()
        time.sleep(0.5)
        self.assertTrue(skiff.running(), skiff.output())
        os.makedirs(missing_dir)
        loggen(os.path.join(missing_dir, "late.log"), 500)
        self.wait_count(500, timeout=30)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        counts = seq_counts(self.es.documents(self.index))
        self.assertEqual(sorted(counts), list(range(500)))

    def test_dropped_connections_and_garbage_responses_lose_nothing(self):
        self.es.require_esim(self)
        garbage = GarbageServer()
        self.addCleanup(garbage.stop)
        n = 20_000
        loggen(os.path.join(self.logs, "app.log"), n)
        self.es.faults({"drop_next": 3})
        toml = self.config().replace(f'hosts = ["{self.es.url}"]',
                                     f'hosts = ["{garbage.url}", "{self.es.url}"]')
        skiff = self.skiff(toml)
        skiff.start()
        self.wait_count(n, timeout=120)
        self.assertTrue(skiff.running(), skiff.output())
        self.assertEqual(skiff.stop(), 0, skiff.output())
        counts = seq_counts(self.es.documents(self.index))
        self.assertEqual(len(counts), n)
        self.assertEqual(max(counts.values()), 1)
        self.assertGreater(garbage.requests, 0, "skiff never tried the garbage host")
        self.assertGreaterEqual(self.es.stats()["connections_dropped"], 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
