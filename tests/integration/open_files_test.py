"""max_open_files and close_inactive with real processes: 200 busy files behind a cap of 16
descriptors are all shipped, every line exactly once, while /proc/PID/fd never shows more
than 16 of them open; once quiet, close_inactive closes them all, and growth reopens them."""
import os
import threading
import time
import unittest

from harness import SkiffTestCase, scaled, seq_counts, wait_for

MAX_OPEN = 16


def descriptors(pid, directory):
    """(descriptors on files under `directory`, all descriptors) of process `pid`."""
    ours = total = 0
    fd_dir = f"/proc/{pid}/fd"
    for name in os.listdir(fd_dir):
        try:
            target = os.readlink(os.path.join(fd_dir, name))
        except OSError:
            continue  # closed meanwhile
        total += 1
        if target.startswith(directory + os.sep):
            ours += 1
    return ours, total


class FdSampler(threading.Thread):
    """Samples a process's descriptors every few milliseconds, keeping the maxima."""

    def __init__(self, pid, directory):
        super().__init__(daemon=True)
        self.pid, self.directory = pid, directory
        self.most_ours = self.most_total = self.samples = 0
        self.done = threading.Event()

    def run(self):
        while not self.done.is_set():
            try:
                ours, total = descriptors(self.pid, self.directory)
            except FileNotFoundError:
                return  # the process exited
            self.most_ours = max(self.most_ours, ours)
            self.most_total = max(self.most_total, total)
            self.samples += 1
            time.sleep(0.002)


def write_lines(path, first_seq, count, file_index):
    with open(path, "a") as f:
        for i in range(count):
            f.write(f"seq={first_seq + i} file {file_index} line {i} {'x' * 60}\n")


class OpenFilesTest(SkiffTestCase):
    def test_two_hundred_busy_files_behind_sixteen_descriptors_arrive_exactly_once(self):
        files = 200
        lines_first = scaled(ci=200, soak=2_000, sanitized=100)
        rounds, lines_per_round = 3, scaled(ci=50, soak=500, sanitized=25)
        paths = [os.path.join(self.logs, f"app-{i:03d}.log") for i in range(files)]
        seq = 0
        for i, path in enumerate(paths):
            write_lines(path, seq, lines_first, i)
            seq += lines_first
        toml = self.config(extra_input=f'max_open_files = {MAX_OPEN}\nclose_inactive = "2s"')
        skiff = self.skiff(toml)
        skiff.start()
        ours, total = descriptors(skiff.proc.pid, self.logs)
        overhead = total - ours  # the ring, the control socket, inotify, the loop
        sampler = FdSampler(skiff.proc.pid, self.logs)
        sampler.start()
        try:
            # Writers keep every file busy while skiff works through them in turns.
            for _ in range(rounds):
                for i, path in enumerate(paths):
                    write_lines(path, seq, lines_per_round, i)
                    seq += lines_per_round
                time.sleep(0.2)
            self.wait_count(seq, timeout=300)
            # Quiet now: close_inactive closes every descriptor...
            wait_for(lambda: descriptors(skiff.proc.pid, self.logs)[0] == 0, 30,
                     what="close_inactive to close every file")
            # ...and growth opens them again, still within the cap.
            for i, path in enumerate(paths[:40]):
                write_lines(path, seq, 10, i)
                seq += 10
            self.wait_count(seq, timeout=120)
        finally:
            sampler.done.set()
            sampler.join()
        print(f"{seq} lines from {files} files; at most {sampler.most_ours} of them open "
              f"({sampler.samples} samples), {sampler.most_total} descriptors in all "
              f"({overhead} besides the files at start)")
        self.assertGreater(sampler.samples, 50)
        self.assertLessEqual(sampler.most_ours, MAX_OPEN)
        # Beside the files, only what skiff holds anyway, plus its connections to
        # Elasticsearch and the ring's next segments (opened as the output gets busy).
        self.assertLessEqual(sampler.most_total, overhead + MAX_OPEN + 16)

        counts = seq_counts(self.es.documents(self.index))
        self.assertEqual(set(counts), set(range(seq)), "every line arrives")
        self.assertFalse({s: c for s, c in counts.items() if c > 1}, "no line twice")
        self.assertEqual(skiff.stop(), 0, skiff.output())


if __name__ == "__main__":
    unittest.main()
