"""End to end: the journald input on journal files written by systemd-journal-remote from
generated export-format entries (no running journald needed), shipped to esim.

Checks: every entry delivered exactly once with its ECS fields (message, log.syslog.priority,
log.level, systemd.unit, process.pid, host.hostname, @timestamp; a binary MESSAGE made valid
UTF-8); after a graceful restart reading resumes at the cursor, with entries appended both
to the same journal file and to a new one (nothing duplicated, nothing lost); after kill -9
the entries read again get the same _ids (stored once); `units` keeps only those units;
start_at = "end" skips what was there.

Sizes: 3,000 entries in CI, 100,000 under SKIFF_SOAK=1 (1,000 under ASan)."""
import json
import os
import re
import struct
import subprocess
import unittest

from harness import SKIFF, SkiffTestCase, scaled, wait_for

JOURNAL_REMOTE = next((p for p in ("/lib/systemd/systemd-journal-remote",
                                   "/usr/lib/systemd/systemd-journal-remote") if os.path.exists(p)), None)
BOOT_ID = "0123456789abcdef0123456789abcdef"
SHIPPED_RE = re.compile(r"shipped (\d+) documents \((\d+) already present\)")
UNITS = ["alpha.service", "beta.service", "gamma.service"]


def export_field(name, value):
    """One field in the journal export format: NAME=value, or a binary length-prefixed one."""
    if isinstance(value, str):
        value = value.encode()
    if any(b < 0x20 and b != 0x09 for b in value):
        return name.encode() + b"\n" + struct.pack("<Q", len(value)) + value + b"\n"
    return name.encode() + b"=" + value + b"\n"


def built_with_journald():
    out = subprocess.run([SKIFF, "version"], capture_output=True, text=True).stdout
    return "journald" in out and "not in this build" not in out


def get(source, dotted):
    """A field of a stored document whether its key was kept dotted or expanded."""
    if dotted in source:
        return source[dotted]
    value = source
    for part in dotted.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


@unittest.skipIf(JOURNAL_REMOTE is None, "systemd-journal-remote is not installed")
class JournaldTest(SkiffTestCase):

    def setUp(self):
        super().setUp()
        if not built_with_journald():
            self.skipTest("this skiff was built without journald support")
        self.journal_dir = os.path.join(self.workdir, "journal")
        os.makedirs(self.journal_dir)
        self.seq = 0

    def write_entries(self, count, file="x.journal", unit_of=None, binary_every=0):
        """Appends `count` entries "seq=N ..." to journal file `file`; returns their seqs."""
        chunks, seqs = [], []
        for _ in range(count):
            n = self.seq
            self.seq += 1
            unit = unit_of(n) if unit_of else UNITS[n % len(UNITS)]
            message = f"seq={n} journal entry".encode()
            if binary_every and n % binary_every == 0:
                message += b"\xff\x00bin\nary"
            chunks.append(b"".join([
                export_field("__REALTIME_TIMESTAMP", str(1_700_000_000_000_000 + n * 1000)),
                export_field("__MONOTONIC_TIMESTAMP", str(1_000 + n)),
                export_field("_BOOT_ID", BOOT_ID),
                export_field("MESSAGE", message),
                export_field("PRIORITY", str(n % 8)),
                export_field("_SYSTEMD_UNIT", unit),
                export_field("_PID", str(100 + n % 50)),
                export_field("_HOSTNAME", "node-7"),
                export_field("SYSLOG_IDENTIFIER", unit.split(".")[0]),
            ]) + b"\n")
            seqs.append(n)
        subprocess.run([JOURNAL_REMOTE, "--output=" + os.path.join(self.journal_dir, file), "-"],
                       input=b"".join(chunks), check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return seqs

    def journald_config(self, extra_input=""):
        return f"""
data_dir = "{self.data_dir}"
log_level = "info"

[[inputs.journald]]
id = "journal"
directory = "{self.journal_dir}"
poll_interval = "100ms"
{extra_input}

[output.elasticsearch]
hosts = ["{self.es.url}"]
index = "{self.index}"
flush_interval = "100ms"
retry = {{ initial = "50ms", max = "1s" }}
"""

    def wait_seqs(self, expected, timeout):
        wait_for(lambda: self.es.count(self.index) >= len(expected), timeout,
                 interval=0.2, what=f"{len(expected)} entries in {self.index}")
        counts = self.es.seq_counts(self.index)
        self.assertEqual(set(counts), set(expected), "every entry delivered, nothing else")
        duplicated = {n: c for n, c in counts.items() if c != 1}
        self.assertEqual(duplicated, {}, "no entry stored twice")

    def test_every_entry_once_with_its_fields_and_a_restart_resumes_at_the_cursor(self):
        n = scaled(3_000, 100_000, 1_000)
        expected = self.write_entries(n, binary_every=500)
        skiff = self.skiff(self.journald_config('start_at = "beginning"')).start()
        self.wait_seqs(expected, 120)

        docs = {get(s, "message").split()[0]: (i, s) for i, s in self.es.documents(self.index)}
        _, d = docs["seq=7"]
        self.assertEqual(get(d, "message"), "seq=7 journal entry")
        self.assertEqual(get(d, "log.syslog.priority"), 7)
        self.assertEqual(get(d, "log.level"), "debug")
        self.assertEqual(get(d, "systemd.unit"), "beta.service")
        self.assertEqual(get(d, "process.pid"), 107)
        self.assertEqual(get(d, "host.hostname"), "node-7")
        self.assertEqual(get(d, "log.syslog.appname"), "beta")
        self.assertEqual(get(d, "host.boot.id"), BOOT_ID)
        self.assertEqual(get(d, "input.type"), "journald")
        self.assertEqual(get(d, "@timestamp"), "2023-11-14T22:13:20.007Z")
        _, b = docs["seq=500"]
        self.assertEqual(get(b, "message"), "seq=500 journal entry\ufffd\x00bin\nary")
        self.assertIn("invalid_utf8", get(b, "log.flags"))
        ids_before = {i for i, _ in docs.values()}
        self.assertEqual(skiff.stop(), 0)

        # Appended while stopped: to the same file and to a new file in the directory.
        more = self.write_entries(n // 4) + self.write_entries(n // 4, file="y.journal")
        skiff.start()
        self.wait_seqs(expected + more, 120)
        ids_after = {i for i, _ in self.es.documents(self.index)}
        self.assertTrue(ids_before <= ids_after)
        self.assertEqual(skiff.stop(), 0)
        # The restart sent nothing twice: no document was answered 409.
        shipped = SHIPPED_RE.findall(skiff.output())
        self.assertEqual(len(shipped), 2, skiff.output())
        self.assertEqual(shipped[-1], (str(2 * (n // 4)), "0"))

    def test_entries_read_again_after_kill_get_the_same_ids(self):
        n = scaled(3_000, 50_000, 1_000)
        expected = self.write_entries(n)
        skiff = self.skiff(self.journald_config('start_at = "beginning"')).start()
        wait_for(lambda: self.es.count(self.index) > 0, 60, what="first documents")
        skiff.kill()
        # The checkpoint may lag what was shipped: the resend must be answered 409.
        skiff.start()
        self.wait_seqs(expected, 120)
        self.assertEqual(self.es.count(self.index), n)
        self.assertEqual(skiff.stop(), 0)

    def test_units_keep_only_those_units(self):
        expected = [s for s in self.write_entries(300) if UNITS[s % 3] != "beta.service"]
        skiff = self.skiff(self.journald_config(
            'start_at = "beginning"\nunits = ["alpha", "gamma.service"]')).start()
        self.wait_seqs(expected, 60)
        units = {get(s, "systemd.unit") for _, s in self.es.documents(self.index)}
        self.assertEqual(units, {"alpha.service", "gamma.service"})
        self.assertEqual(skiff.stop(), 0)

    def test_start_at_end_skips_what_was_there(self):
        self.write_entries(200)
        skiff = self.skiff(self.journald_config()).start()
        new = self.write_entries(100)
        self.wait_seqs(new, 60)
        self.assertEqual(self.es.count(self.index), 100)
        self.assertEqual(skiff.stop(), 0)


if __name__ == "__main__":
    unittest.main()
