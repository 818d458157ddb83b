"""End to end: the ring at its bound while Elasticsearch is down.

`when_full = "block"` stops reading the source with memory flat and delivers everything
once Elasticsearch is back; `"drop_oldest"` keeps the newest data and the events it counts
as dropped are exactly the ones missing in Elasticsearch."""
import json
import os
import re
import subprocess
import time
import unittest

from harness import SANITIZED, SKIFF, SkiffTestCase, dir_size, loggen, scaled, wait_for

MiB = 1024 * 1024
DROPPED_RE = re.compile(r"ring full: dropped segment \S+ with (\d+) unacknowledged events")


class BufferFullTest(SkiffTestCase):
    # The ring holds about 5.6 bytes of log per byte on disk: the log must be several times
    # the bound so the ring fills long before the source is read.
    MAX_MIB = scaled(ci=8, soak=64, sanitized=8)
    LINES = scaled(ci=800_000, soak=3_000_000, sanitized=400_000)

    def config_with(self, when_full):
        return self.config(extra="").replace(
            "[output.elasticsearch]",
            f'[buffer]\nmax_bytes = "{self.MAX_MIB}MiB"\nwhen_full = "{when_full}"\n\n'
            "[output.elasticsearch]")

    def status(self, skiff):
        r = subprocess.run([SKIFF, "status", "--json", "-c", skiff.config], capture_output=True,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        return json.loads(r.stdout)

    def ring_dir(self):
        return os.path.join(self.data_dir, "ring")

    def segment_bytes(self):
        ring = self.ring_dir()
        if not os.path.isdir(ring):
            return 0
        return sum(e.stat().st_size for e in os.scandir(ring)
                   if e.is_file() and e.name.startswith("seg-") and e.name.endswith(".zlog"))

    def watch_until_flat(self, skiff, seconds):
        """Samples the ring size, what skiff reads and its RSS for `seconds`; returns them."""
        samples = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            samples.append((self.segment_bytes(), skiff.bytes_read(), skiff.proc_status("VmRSS")))
            time.sleep(0.2)
        return samples

    def test_block_stops_reading_with_memory_flat_then_delivers_everything(self):
        self.es.require_esim(self)
        log = os.path.join(self.logs, "app.log")
        loggen(log, self.LINES)
        log_bytes = os.path.getsize(log)
        self.es.stop()  # Elasticsearch is down from the start
        skiff = self.skiff(self.config_with("block"))
        skiff.start()

        # The ring fills to within one frame of its bound, and never beyond it.
        bound = self.MAX_MIB * MiB
        full = wait_for(lambda: self.segment_bytes() > bound - 2 * MiB and self.segment_bytes(),
                        120, interval=0.1, what="the ring to fill")

        def stopped_reading():
            before = skiff.bytes_read()
            time.sleep(1)
            return skiff.bytes_read() - before < 64 * 1024
        wait_for(stopped_reading, 30, interval=0, what="skiff to stop reading the log")
        samples = self.watch_until_flat(skiff, 5)
        ring_sizes = [s[0] for s in samples]
        read = [s[1] for s in samples]
        rss = [s[2] for s in samples]
        print(f"ring full at {full / MiB:.1f} MiB of {self.MAX_MIB} MiB; while blocked: "
              f"read {(read[-1] - read[0]) / 1024:.0f} KiB, RSS {min(rss) / MiB:.1f}.."
              f"{max(rss) / MiB:.1f} MiB, log {log_bytes / MiB:.0f} MiB")
        self.assertLessEqual(max(ring_sizes), bound, "the ring grew beyond buffer.max_bytes")
        # What the input read (each byte once: read() totals also count the lines a refused
        # batch made it read again) is short of the log, and the rest waits in the file.
        status = self.status(skiff)["inputs"][0]
        self.assertLess(status["bytes"], log_bytes, "skiff read the whole log: it never blocked")
        self.assertGreater(status["lag_bytes"], 0)
        # Blocked: the source is no longer read (a few KiB of /proc and config reads at most)...
        self.assertLess(read[-1] - read[0], 256 * 1024, "skiff kept reading while blocked")
        # ...and memory stays flat (not measurable under ASan, whose quarantine keeps freed
        # memory resident by design).
        if not SANITIZED:
            self.assertLess(max(rss) - min(rss), 4 * MiB, "memory grew while blocked")

        # Elasticsearch returns: everything arrives, exactly once.
        self.es.restart()
        self.wait_count(self.LINES, timeout=600)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        counts = self.es.seq_counts(self.index)
        self.assertEqual(set(counts), set(range(self.LINES)))
        self.assertEqual(max(counts.values()), 1, "a line arrived twice")
        self.assertLessEqual(dir_size(self.ring_dir()), 1 * MiB, "delivered segments were kept")

    def test_drop_oldest_keeps_the_newest_and_counts_exactly_what_is_missing(self):
        self.es.require_esim(self)
        log = os.path.join(self.logs, "app.log")
        loggen(log, self.LINES)
        log_bytes = os.path.getsize(log)
        self.es.stop()
        skiff = self.skiff(self.config_with("drop_oldest"))
        skiff.start()

        # skiff reads the whole log, dropping the oldest segments to make room.
        wait_for(lambda: skiff.bytes_read() >= log_bytes, 120, interval=0.1,
                 what="skiff to read the whole log")
        self.assertLessEqual(self.segment_bytes(), self.MAX_MIB * MiB)
        self.es.restart()

        # Everything still buffered arrives; then the count stays put.
        def settled():
            before = self.es.count(self.index)
            time.sleep(2)
            after = self.es.count(self.index)
            return after > 0 and after == before and self.segment_bytes() <= 16 * MiB
        wait_for(settled, 300, interval=0, what="delivery to settle")
        self.assertEqual(skiff.stop(), 0, skiff.output())

        dropped = sum(int(n) for n in DROPPED_RE.findall(skiff.output()))
        counts = self.es.seq_counts(self.index)
        missing = set(range(self.LINES)) - set(counts)
        print(f"{len(counts)} lines delivered, {len(missing)} missing, {dropped} counted as "
              f"dropped")
        self.assertGreater(dropped, 0, "nothing was dropped: the test did not fill the ring")
        self.assertEqual(max(counts.values()), 1, "a line arrived twice")
        self.assertEqual(len(missing), dropped, "the drop count differs from what is missing")
        # The newest data is kept: the last tenth of the log arrived in full.
        newest = range(self.LINES - self.LINES // 10, self.LINES)
        self.assertFalse([s for s in newest if s not in counts], "newest lines were dropped")


if __name__ == "__main__":
    unittest.main(verbosity=2)
