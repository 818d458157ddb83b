"""Stopping with a backlog: a second SIGTERM stops at once and still loses
nothing, because what was read is durable in the ring and shipped after the next start.
(The graceful stop that drains within shutdown_timeout is in delivery_test.py.)"""
import os
import signal
import time
import unittest

from harness import SkiffTestCase, loggen, seq_counts, wait_for


class StopTest(SkiffTestCase):
    def test_a_second_sigterm_exits_at_once_and_the_next_start_ships_the_rest_once(self):
        self.es.require_esim(self)
        n = 50_000
        loggen(os.path.join(self.logs, "app.log"), n)
        self.es.faults({"delay_ms": 1000})  # slow answers: a backlog the first signal waits on
        skiff = self.skiff(self.config().replace("[[inputs.file]]",
                                                 'shutdown_timeout = "60s"\n[[inputs.file]]'))
        skiff.start()
        wait_for(lambda: self.es.count(self.index) > 0, 30, what="the first documents")
        self.assertLess(self.es.count(self.index), n, "too fast: no backlog left")

        skiff.proc.send_signal(signal.SIGTERM)
        wait_for(lambda: "stopping (send it again to stop at once)" in skiff.output(), 10,
                 what="the graceful stop to begin")
        self.assertTrue(skiff.running(), "the first signal should drain for shutdown_timeout")
        started = time.monotonic()
        code = skiff.stop(signal.SIGTERM, timeout=10)
        elapsed = time.monotonic() - started
        self.assertEqual(code, 0, skiff.output())
        self.assertLess(elapsed, 5, "the second signal did not stop at once")
        self.assertIn("second signal: stopping at once", skiff.output())
        shipped_before_restart = self.es.count(self.index)
        self.assertLess(shipped_before_restart, n)

        # The ring kept everything read; the next start ships it and reads the rest, once
        # in the index (a request in flight at the second signal is resent: 409).
        self.es.faults({})
        skiff.start()
        self.wait_count(n, timeout=120)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        counts = seq_counts(self.es.documents(self.index))
        self.assertEqual(set(counts), set(range(n)))
        self.assertEqual(max(counts.values()), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
