"""Rotation storms: a writer appends numbered lines while its log is rotated every 50 ms,
by rename (logrotate's `create`) and by copy-truncate (logrotate's `copytruncate`),
keeping 5 rotated files. The config's `paths` names only the live file, as users write it,
and uses the default poll and scan intervals: keeping up is the notifications' job."""
import os
import shutil
import time
import unittest

from harness import SkiffTestCase, scaled, seq_counts, wait_for

ROTATE_EVERY_S = 0.05
KEEP = 5
LINES_PER_WRITE = 50
LINE_PAD = "x" * 60


class Writer:
    """Appends `seq=N` lines to `path` in whole-line writes at about `rate` lines/s."""

    def __init__(self, path, rate):
        self.path = path
        self.rate = rate
        self.file = open(path, "a", buffering=1 << 20)
        self.seq = 0

    def write_batch(self):
        lines = "".join(f"seq={self.seq + i} {LINE_PAD}\n" for i in range(LINES_PER_WRITE))
        self.file.write(lines)
        self.file.flush()
        self.seq += LINES_PER_WRITE

    def run(self, total, rotate):
        """Writes `total` lines, calling rotate() every ROTATE_EVERY_S; returns rotations."""
        started = time.monotonic()
        next_rotation = started + ROTATE_EVERY_S
        rotations = 0
        while self.seq < total:
            self.write_batch()
            now = time.monotonic()
            if now >= next_rotation:
                rotate()
                rotations += 1
                next_rotation = now + ROTATE_EVERY_S
            # Pace the writer so the run lasts long enough for many rotations.
            ahead = self.seq / self.rate - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
        self.file.close()
        return rotations


def shift_rotated(path):
    """app.log.4 -> app.log.5, ..., app.log.1 -> app.log.2; the oldest is deleted."""
    oldest = f"{path}.{KEEP}"
    if os.path.exists(oldest):
        os.unlink(oldest)
    for k in range(KEEP - 1, 0, -1):
        if os.path.exists(f"{path}.{k}"):
            os.rename(f"{path}.{k}", f"{path}.{k + 1}")


class RotationTest(SkiffTestCase):
    def storm_config(self, live):
        # The defaults users run with: a 250 ms poll and a 10 s scan.
        return (self.config(paths=[live])
                .replace('poll_interval = "50ms"', 'poll_interval = "250ms"')
                .replace('scan_interval = "200ms"', 'scan_interval = "10s"'))

    def settle(self, expected_at_least):
        """Waits until documents stop arriving, returns the final count."""
        try:
            self.wait_count(expected_at_least, timeout=60)
        except AssertionError:
            pass  # the checks that follow say what is missing
        last = -1
        while True:
            now = self.es.count(self.index)
            if now == last:
                return now
            last = now
            time.sleep(1.5)

    def test_rename_rotation_every_50ms_delivers_every_line_exactly_once(self):
        n = scaled(ci=100_000, soak=500_000, sanitized=30_000)
        live = os.path.join(self.logs, "app.log")
        open(live, "w").close()
        skiff = self.skiff(self.storm_config(live))
        skiff.start()
        writer = Writer(live, rate=scaled(ci=25_000, soak=50_000, sanitized=10_000))

        def rotate():
            writer.file.close()
            shift_rotated(live)
            os.rename(live, f"{live}.1")
            writer.file = open(live, "a", buffering=1 << 20)

        rotations = writer.run(n, rotate)
        self.settle(n)
        docs = self.es.documents(self.index)
        counts = seq_counts(docs)
        duplicates = {s: c for s, c in counts.items() if c > 1}
        missing = set(range(n)) - counts.keys()
        print(f"rename: {n} lines, {rotations} rotations; {len(missing)} missing, "
              f"{len(duplicates)} duplicated")
        self.assertGreaterEqual(rotations, 20, "the storm was too short to mean anything")
        self.assertFalse(duplicates, f"duplicated, e.g. {list(duplicates.items())[:5]}")
        self.assertFalse(missing, f"missing, e.g. {sorted(missing)[:10]}")
        self.assertEqual(len(docs), n)
        self.assertEqual(skiff.stop(), 0, skiff.output())

    def test_copytruncate_every_50ms_loses_only_lines_written_since_the_last_read(self):
        n = scaled(ci=100_000, soak=500_000, sanitized=30_000)
        live = os.path.join(self.logs, "app.log")
        open(live, "w").close()
        skiff = self.skiff(self.storm_config(live))
        skiff.start()
        writer = Writer(live, rate=scaled(ci=25_000, soak=50_000, sanitized=10_000))
        # The lines in the live file at each truncation, [first, end): the only ones that
        # may be lost, and only a tail of each window (what skiff had not read yet when
        # the file was truncated; the copy goes to app.log.1, which `paths` does not name).
        windows = []
        first_in_live = [0]

        def rotate():
            writer.file.flush()
            shift_rotated(live)
            shutil.copyfile(live, f"{live}.1")
            # The writer keeps its O_APPEND descriptor and goes on at the new end.
            os.truncate(live, 0)
            windows.append((first_in_live[0], writer.seq))
            first_in_live[0] = writer.seq

        rotations = writer.run(n, rotate)
        self.settle(first_in_live[0] and 1)
        docs = self.es.documents(self.index)
        counts = seq_counts(docs)
        duplicates = {s: c for s, c in counts.items() if c > 1}
        missing = set(range(n)) - counts.keys()
        windows_with_loss = 0
        for first, end in windows:
            lost = sorted(s for s in range(first, end) if s in missing)
            if lost:
                windows_with_loss += 1
                # Only a tail: once a line of the window is lost, so is every later one.
                self.assertEqual(lost, list(range(lost[0], end)),
                                 f"lines lost from the middle of the window [{first}, {end})")
        print(f"copytruncate: {n} lines, {rotations} truncations; {len(missing)} lost "
              f"({100 * len(missing) / n:.3f} %) as tails of {windows_with_loss} of the "
              f"{len(windows)} truncation windows; {len(duplicates)} duplicated")
        self.assertGreaterEqual(rotations, 20, "the storm was too short to mean anything")
        self.assertFalse(duplicates, f"duplicated, e.g. {list(duplicates.items())[:5]}")
        # Lines written after the last truncation were never at risk.
        self.assertFalse(set(range(first_in_live[0], n)) & missing)
        self.assertEqual(skiff.stop(), 0, skiff.output())


if __name__ == "__main__":
    unittest.main()
