"""Reload on SIGHUP and `skiff reload`: inputs added, removed and changed while the agent
runs, with nothing lost or sent twice; an invalid file is rejected with its file:line:col
message and the running configuration carries on."""
import os
import re
import signal
import socket
import subprocess
import threading
import time
import unittest

from harness import SKIFF, SkiffTestCase, loggen, seq_counts, wait_for


def skiff_cli(*args, timeout=60):
    return subprocess.run([SKIFF, *args], capture_output=True, text=True, timeout=timeout)


class ReloadTest(SkiffTestCase):
    def toml(self, extra_inputs=(), first_input_extra="", extra=""):
        """The harness config with input "a" on logs/a*.log, plus `extra_inputs`: (id,
        glob, extra lines) each."""
        text = self.config(paths=[os.path.join(self.logs, "a*.log")], extra_input=first_input_extra,
                           extra=extra).replace('id = "it"', 'id = "a"')
        for input_id, glob, lines in extra_inputs:
            text += (f'\n[[inputs.file]]\nid = "{input_id}"\npaths = ["{os.path.join(self.logs, glob)}"]\n'
                     f'start_at = "beginning"\npoll_interval = "50ms"\nscan_interval = "200ms"\n{lines}\n')
        return text

    def rewrite(self, skiff, text):
        with open(skiff.config, "w") as f:
            f.write(text)

    def reload(self, skiff, expect=0):
        r = skiff_cli("reload", "-c", skiff.config)
        self.assertEqual(r.returncode, expect, f"stdout: {r.stdout}\nstderr: {r.stderr}\n{skiff.output()}")
        return r

    def resent(self):
        return self.es.stats()["items_by_status"].get("409", 0)

    def assert_exactly_once(self, expected):
        counts = seq_counts(self.es.documents(self.index))
        duplicates = {s: c for s, c in counts.items() if c > 1}
        missing = expected - counts.keys()
        self.assertFalse(duplicates, f"lines arrived twice, e.g. {list(duplicates.items())[:5]}")
        self.assertFalse(missing, f"{len(missing)} lines never arrived, e.g. {sorted(missing)[:5]}")
        self.assertEqual(set(counts), expected)

    def test_an_added_input_ships_a_removed_one_stops_and_a_re_added_one_resumes(self):
        self.es.require_esim(self)
        loggen(os.path.join(self.logs, "a.log"), 1000)
        skiff = self.skiff(self.toml())
        skiff.start()
        self.wait_count(1000, timeout=60)

        # Added: b's file, written before the reload, ships from its beginning.
        loggen(os.path.join(self.logs, "b.log"), 1000, start_seq=1000)
        self.rewrite(skiff, self.toml([("b", "b*.log", "")]))
        r = self.reload(skiff)
        self.assertIn("added b", r.stdout)
        self.wait_count(2000, timeout=60)

        # Removed: b's new lines stay unread while a's keep shipping.
        self.rewrite(skiff, self.toml())
        r = self.reload(skiff)
        self.assertIn("removed b", r.stdout)
        loggen(os.path.join(self.logs, "b.log"), 500, start_seq=2000, append=True)
        loggen(os.path.join(self.logs, "a.log"), 500, start_seq=2500, append=True)
        self.wait_count(2500, timeout=60)
        time.sleep(1)  # a negative check needs a window: many poll and scan intervals
        self.assertEqual(self.es.count(self.index), 2500, "a removed input went on shipping")

        # Re-added: b resumes at its checkpoint; nothing it shipped before is sent again.
        self.rewrite(skiff, self.toml([("b", "b*.log", "")]))
        self.reload(skiff)
        self.wait_count(3000, timeout=60)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        self.assert_exactly_once(set(range(3000)))
        self.assertEqual(self.resent(), 0, "a reload made skiff send lines again")

    def test_a_changed_input_restarts_from_its_checkpoint_while_lines_are_written(self):
        self.es.require_esim(self)
        log = os.path.join(self.logs, "a.log")
        loggen(log, 1)
        skiff = self.skiff(self.toml())
        skiff.start()

        chunk, written, stop = 100, [1], threading.Event()

        def writer():
            while not stop.is_set():
                loggen(log, chunk, start_seq=written[0], append=True)
                written[0] += chunk
                time.sleep(0.01)

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            wait_for(lambda: self.es.count(self.index) > 0, 30, what="the first documents")
            # Changed through `skiff reload`, then again through SIGHUP, lines flowing all along.
            self.rewrite(skiff, self.toml(first_input_extra='fields = { tier = "one" }'))
            r = self.reload(skiff)
            self.assertIn("restarted a", r.stdout)
            wait_for(lambda: written[0] > 3000, 30, what="more lines written")
            self.rewrite(skiff, self.toml(first_input_extra='fields = { tier = "two" }'))
            skiff.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: skiff.output().count("reload applied: restarted a") >= 2, 30,
                     what="the SIGHUP reload")
            wait_for(lambda: written[0] > 6000, 30, what="more lines written")
        finally:
            stop.set()
            thread.join()
        total = written[0]
        self.wait_count(total, timeout=120)
        time.sleep(0.5)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        self.assert_exactly_once(set(range(total)))
        self.assertEqual(self.resent(), 0, "a restarted input read lines again")
        tiers = {source.get("tier") for _, source in self.es.documents(self.index)}
        self.assertTrue({None, "one", "two"} <= tiers, f"fields per phase: {tiers}")

    def test_an_invalid_config_is_rejected_and_the_running_one_keeps_shipping(self):
        log = os.path.join(self.logs, "a.log")
        loggen(log, 100)
        skiff = self.skiff(self.toml())
        skiff.start()
        self.wait_count(100, timeout=60)

        good = self.toml()
        self.rewrite(skiff, good.replace('start_at = "beginning"', 'start_at = "middle"'))
        r = self.reload(skiff, expect=2)
        line = 1 + good[:good.index('start_at = "beginning"')].count("\n")
        self.assertRegex(r.stderr, re.escape(skiff.config) + rf":{line}:\d+: inputs\.file\[0\]\.start_at")
        self.assertIn("keeps running its previous configuration", r.stderr)
        # SIGHUP takes the same path: logged, rejected, still running.
        skiff.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: skiff.output().count("reload rejected") >= 2, 30, what="the SIGHUP rejection")
        self.assertRegex(skiff.output(), rf"reload: {re.escape(skiff.config)}:{line}:\d+: inputs\.file\[0\]")
        self.assertTrue(skiff.running())

        loggen(log, 100, start_seq=100, append=True)
        self.wait_count(200, timeout=60)
        status = skiff_cli("status", "--json", "-c", skiff.config)
        self.assertEqual(status.returncode, 0, status.stderr)
        self.assertIn('"result":"rejected"', status.stdout)
        self.assertEqual(skiff.stop(), 0, skiff.output())

    def test_settings_that_need_a_restart_are_reported_and_the_inputs_still_apply(self):
        loggen(os.path.join(self.logs, "b.log"), 50)
        skiff = self.skiff(self.toml())
        skiff.start()
        changed = self.toml([("b", "b*.log", "")]).replace(
            "[output.elasticsearch]", '[buffer]\nmax_bytes = "64MiB"\n\n[output.elasticsearch]')
        self.rewrite(skiff, changed)
        r = self.reload(skiff)
        self.assertIn("needs a restart: buffer", r.stderr)
        self.assertIn("added b", r.stdout)
        self.wait_count(50, timeout=60)
        self.assertIn("reload: needs a restart: buffer", skiff.output())
        self.assertEqual(skiff.stop(), 0, skiff.output())

    def test_systemd_hears_reloading_then_ready_around_a_reload(self):
        notify_path = os.path.join(self.workdir, "notify.sock")
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(notify.close)
        notify.bind(notify_path)
        notify.settimeout(10)
        skiff = self.skiff(self.toml())
        os.environ["NOTIFY_SOCKET"] = notify_path
        try:
            skiff.start()
        finally:
            del os.environ["NOTIFY_SOCKET"]
        self.assertTrue(notify.recv(4096).startswith(b"READY=1"))
        self.reload(skiff)
        reloading = notify.recv(4096).decode()
        self.assertRegex(reloading, r"^RELOADING=1\nMONOTONIC_USEC=\d+\n")
        usec = int(re.search(r"MONOTONIC_USEC=(\d+)", reloading).group(1))
        self.assertLessEqual(usec, time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000)
        self.assertTrue(notify.recv(4096).startswith(b"READY=1"))
        # A rejected reload ends with READY=1 as well: the old configuration runs.
        self.rewrite(skiff, self.toml().replace('start_at = "beginning"', 'start_at = "middle"'))
        self.reload(skiff, expect=2)
        self.assertTrue(notify.recv(4096).startswith(b"RELOADING=1"))
        self.assertTrue(notify.recv(4096).startswith(b"READY=1"))
        self.assertEqual(skiff.stop(), 0, skiff.output())


if __name__ == "__main__":
    unittest.main(verbosity=2)
