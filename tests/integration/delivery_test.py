"""End to end: generated lines arrive in Elasticsearch exactly once, across restarts,
appends and kill -9."""
import os
import random
import time
import unittest

from harness import SkiffTestCase, loggen, scaled, wait_for


class DeliveryTest(SkiffTestCase):
    def assert_exactly_once(self, expected_seqs):
        counts = self.es.seq_counts(self.index)
        duplicates = {s: c for s, c in counts.items() if c > 1}
        missing = expected_seqs - counts.keys()
        unexpected = counts.keys() - expected_seqs
        self.assertFalse(duplicates, f"{len(duplicates)} lines arrived more than once, e.g. "
                                     f"{list(duplicates.items())[:5]}")
        self.assertFalse(missing, f"{len(missing)} lines never arrived, e.g. {sorted(missing)[:5]}")
        self.assertFalse(unexpected, f"unexpected lines: {sorted(unexpected)[:5]}")
        self.assertEqual(self.es.count(self.index), len(expected_seqs))

    def test_every_line_arrives_once_restart_ships_nothing_new_and_appends_ship_exactly(self):
        n = scaled(ci=500_000, soak=5_000_000, sanitized=100_000)
        log = os.path.join(self.logs, "app.log")
        loggen(log, n)
        skiff = self.skiff(self.config())
        skiff.start()
        started = time.monotonic()
        self.wait_count(n, timeout=600)
        elapsed = time.monotonic() - started
        print(f"{n} lines ({os.path.getsize(log) / 1e6:.0f} MB) arrived in {elapsed:.1f} s")
        self.assertEqual(skiff.stop(), 0, skiff.output())
        self.assert_exactly_once(set(range(n)))

        # A restart on the same data_dir resumes at the checkpoint: nothing is sent again.
        before = None if self.es.real else sum(self.es.stats()["items_by_status"].values())
        skiff.start()
        time.sleep(2)  # a negative check needs a window: many poll and scan intervals
        if before is not None:
            after = sum(self.es.stats()["items_by_status"].values())
            self.assertEqual(after, before, "a restart re-sent events that were already delivered")
        self.assertEqual(self.es.count(self.index), n)

        # Appending 1,000 lines ships exactly those.
        loggen(log, 1000, start_seq=n, append=True)
        self.wait_count(n + 1000, timeout=60)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        self.assert_exactly_once(set(range(n + 1000)))

    def test_graceful_stop_ships_what_was_read_within_shutdown_timeout(self):
        self.es.require_esim(self)
        n = 50_000
        loggen(os.path.join(self.logs, "app.log"), n)
        self.es.faults({"delay_ms": 400})  # slow responses: the backlog outlives the signal
        skiff = self.skiff(self.config().replace("[[inputs.file]]",
                                                 'shutdown_timeout = "30s"\n[[inputs.file]]'))
        skiff.start()
        wait_for(lambda: self.es.count(self.index) > 0, 30, what="the first documents")
        self.assertLess(self.es.count(self.index), n, "too fast: nothing left to drain")
        self.assertEqual(skiff.stop(), 0, skiff.output())
        # Everything read before the signal was shipped; the rest waits in the file.
        self.assertIn("shipping what is buffered", skiff.output())
        self.assertIn(" 0 batch(es) left unshipped", skiff.output())
        # The next start ships exactly the lines not yet read, once.
        self.es.faults({})
        skiff.start()
        self.wait_count(n, timeout=60)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        self.assert_exactly_once(set(range(n)))
        self.assertEqual(self.es.stats()["items_by_status"].get("409", 0), 0,
                         "a line shipped before the stop was sent again")

    def test_kill_9_at_random_moments_loses_and_duplicates_nothing(self):
        self.es.require_esim(self)
        n = scaled(ci=1_000_000, soak=2_000_000, sanitized=200_000)
        kills = scaled(ci=10, soak=50, sanitized=3)
        loggen(os.path.join(self.logs, "app.log"), n)
        skiff = self.skiff(self.config())
        rng = random.Random(int(os.environ.get("SKIFF_TEST_SEED", "7")))
        for i in range(kills):
            skiff.start()
            # Kill somewhere between "just started" and "well into shipping"; the ring is
            # recovered and its cursor resumed at each start.
            time.sleep(rng.uniform(0.1, 1.0))
            skiff.kill()
        skiff.start()
        self.wait_count(n, timeout=600)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        self.assert_exactly_once(set(range(n)))
        stats = self.es.stats()
        print(f"{kills} kills; esim answered {stats['items_by_status'].get('409', 0)} "
              f"resent items with 409 (counted as delivered)")


if __name__ == "__main__":
    unittest.main(verbosity=2)
