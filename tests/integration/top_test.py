"""`skiff top` in a real terminal: a private tmux server runs it in a 120x40 pane, the test
reads the screen with capture-pane and types with send-keys."""
import os
import re
import shlex
import shutil
import subprocess
import threading
import time
import unittest

from harness import SKIFF, SkiffTestCase, loggen, wait_for


class TopTest(SkiffTestCase):
    def setUp(self):
        if shutil.which("tmux") is None:
            self.skipTest("tmux is not installed (scripts/install-deps.sh installs it)")
        super().setUp()
        self.tmux_socket = f"skiff-top-test-{os.getpid()}"
        self.addCleanup(self.tmux, "kill-server", check=False)

    def tmux(self, *args, check=True):
        return subprocess.run(["tmux", "-L", self.tmux_socket, *args], capture_output=True,
                              text=True, timeout=10, check=check)

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", "top").stdout

    def start_top(self, config, width=120):
        # The shell prints top's exit status afterwards and stays, so the pane shows both
        # the restored screen and the status.
        command = (f"{shlex.quote(SKIFF)} top -c {shlex.quote(config)} --interval 200ms; "
                   "echo top-exited-$?; sleep 60")
        self.tmux("new-session", "-d", "-s", "top", "-x", str(width), "-y", "40", command)

    def test_top_shows_inputs_buffer_and_live_rates_and_q_restores_the_screen(self):
        log = os.path.join(self.logs, "app.log")
        loggen(log, 10)
        skiff = self.skiff(self.config())
        skiff.start()
        self.start_top(skiff.config)
        wait_for(lambda: "BUFFER" in self.screen(), 15, what="the first frame")
        screen = self.screen()
        self.assertRegex(screen, r"(?m)^INPUT +TYPE +EVENTS/S +BYTES/S +EVENTS +FILES +ERRORS")
        self.assertRegex(screen, r"(?m)^it +file ")
        self.assertRegex(screen, r"(?m)^BUFFER +\[[#.]+\] +\d+\.\d%")
        self.assertRegex(screen, r"(?m)^OUTPUT +[\d.]+ docs/s")
        self.assertIn("(q quits)", screen)
        self.assertTrue(all(len(line) <= 120 for line in screen.splitlines()))

        # Lines written now show up as a rate on the input's row.
        stop, written = threading.Event(), [10]

        def writer():
            while not stop.is_set():
                loggen(log, 200, start_seq=written[0], append=True)
                written[0] += 200
                time.sleep(0.02)

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            def rate():
                m = re.search(r"(?m)^it +file +([\d.]+) ", self.screen())
                return m and float(m.group(1)) > 0
            wait_for(rate, 15, what="a non-zero events/s for input it")
        finally:
            stop.set()
            thread.join()

        self.tmux("send-keys", "-t", "top", "q")
        wait_for(lambda: "top-exited-0" in self.screen(), 10, what="top to quit on q")
        self.assertNotIn("BUFFER", self.screen(), "the alternate screen was not left")
        self.assertEqual(skiff.stop(), 0, skiff.output())

    def test_top_adapts_to_a_narrow_terminal(self):
        skiff = self.skiff(self.config())
        skiff.start()
        self.start_top(skiff.config, width=120)
        wait_for(lambda: "BUFFER" in self.screen(), 15, what="the first frame")
        self.tmux("resize-window", "-t", "top", "-x", "60", "-y", "20")
        wait_for(lambda: re.search(r"(?m)^BUFFER +\[[#.]+\]", self.screen()) and
                 all(len(l) <= 60 for l in self.screen().splitlines()), 10,
                 what="a frame that fits 60 columns")
        self.tmux("send-keys", "-t", "top", "q")
        wait_for(lambda: "top-exited-0" in self.screen(), 10, what="top to quit on q")
        self.assertEqual(skiff.stop(), 0, skiff.output())

    def test_top_exits_1_with_a_message_when_the_agent_goes_away(self):
        skiff = self.skiff(self.config())
        skiff.start()
        self.start_top(skiff.config)
        wait_for(lambda: "BUFFER" in self.screen(), 15, what="the first frame")
        self.assertEqual(skiff.stop(), 0, skiff.output())
        wait_for(lambda: "top-exited-1" in self.screen(), 15, what="top to notice")
        self.assertIn("skiff top: the agent went away", self.screen())


if __name__ == "__main__":
    unittest.main(verbosity=2)
