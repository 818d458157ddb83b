"""Thousands of files: every one is discovered and shipped, files added later are found
through notifications, and an idle skiff stays idle. Idle CPU is printed here and
measured properly (30 s, median of runs) by tests/bench/idle_files_bench.py."""
import os
import time
import unittest

from harness import SkiffTestCase, scaled, seq_counts, wait_for


def cpu_seconds(pid):
    """User + system CPU time of a process, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def make_files(directory, count, first_seq=0):
    for i in range(count):
        sub = os.path.join(directory, f"pod-{i % 100:03d}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, f"app-{i}.log"), "w") as f:
            f.write(f"seq={first_seq + i} file {i}\n")


class ManyFilesTest(SkiffTestCase):
    def test_ten_thousand_files_are_all_shipped_and_an_idle_skiff_stays_idle(self):
        n = scaled(ci=10_000, soak=10_000, sanitized=2_000)
        make_files(self.logs, n)
        # Default poll and scan intervals; a glob with a directory level, as for pods.
        toml = (self.config(paths=[os.path.join(self.logs, "*", "*.log")])
                .replace('poll_interval = "50ms"', 'poll_interval = "250ms"')
                .replace('scan_interval = "200ms"', 'scan_interval = "10s"'))
        skiff = self.skiff(toml)
        started = time.monotonic()
        skiff.start()
        self.wait_count(n, timeout=300)
        print(f"{n} files discovered and shipped in {time.monotonic() - started:.1f} s")

        # A new file in an existing directory is found at once, not at the 10 s scan.
        with open(os.path.join(self.logs, "pod-000", "late.log"), "w") as f:
            f.write(f"seq={n} late file\n")
        appeared = time.monotonic()
        self.wait_count(n + 1, timeout=8)
        print(f"a new file among {n} was shipped {time.monotonic() - appeared:.2f} s after it appeared")

        counts = seq_counts(self.es.documents(self.index))
        self.assertEqual(set(counts), set(range(n + 1)))
        self.assertFalse({s: c for s, c in counts.items() if c > 1})

        window = 10
        before = cpu_seconds(skiff.proc.pid)
        time.sleep(window)
        idle = (cpu_seconds(skiff.proc.pid) - before) / window
        print(f"idle CPU with {n + 1} open files: {100 * idle:.2f} % of a core over {window} s "
              f"(the benchmark measures 30 s)")
        self.assertEqual(skiff.stop(), 0, skiff.output())


if __name__ == "__main__":
    unittest.main()
