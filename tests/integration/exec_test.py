"""End to end: `skiff exec` runs a command, ships its output and outcome to esim, passes
its output through, forwards signals and exits with the command's status.

Sizes: the delivery test sends 200,000 lines in CI and 1,000,000 under SKIFF_SOAK=1
(40,000 under ASan). Figures (lines/s, CPU s/GiB, wall-time overhead) are printed, not
asserted."""
import json
import os
import resource
import signal
import subprocess
import sys
import time
import unittest

from harness import SANITIZED, SKIFF, SkiffTestCase, scaled, wait_for

MiB = 1024 * 1024
PY = sys.executable or "/usr/bin/python3"

# A child printing N numbered lines as fast as it can: "seq=<i> <payload>", then its own
# CPU time to `times_file` (so skiff's share can be told apart).
FAST_CHILD = r"""
import os, sys
n, times_file = int(sys.argv[1]), sys.argv[2]
out = sys.stdout.buffer
pad = b"x" * 60
buf = []
for i in range(n):
    buf.append(b"seq=%d %s\n" % (i, pad))
    if len(buf) == 1000:
        out.write(b"".join(buf)); buf = []
out.write(b"".join(buf)); out.flush()
t = os.times()
open(times_file, "w").write("%f" % (t.user + t.system))
"""


class ExecTest(SkiffTestCase):

    def exec_config(self, extra="", buffer=""):
        return f"""
data_dir = "{self.data_dir}"
log_level = "info"
{buffer}
[output.elasticsearch]
hosts = ["{self.es.url}"]
index = "{self.index}"
flush_interval = "100ms"
retry = {{ initial = "50ms", max = "500ms" }}

[exec]
drain_timeout = "30s"
{extra}
"""

    def write_config(self, toml, name="exec"):
        path = os.path.join(self.workdir, name + ".toml")
        with open(path, "w") as f:
            f.write(toml)
        return path

    def start_exec(self, command, *options, config=None, stdout=None):
        config = config or self.write_config(self.exec_config())
        self.exec_log = os.path.join(self.workdir, "exec.log")
        log = open(self.exec_log, "ab")
        proc = subprocess.Popen([SKIFF, "-c", config, "exec", *options, "--", *command],
                                stdout=stdout if stdout is not None else subprocess.DEVNULL,
                                stderr=log)
        log.close()
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        return proc

    def run_exec(self, command, *options, timeout=120, **kw):
        proc = self.start_exec(command, *options, **kw)
        return proc.wait(timeout)

    def exec_output(self):
        with open(self.exec_log, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def docs(self):
        return [source for _, source in self.es.documents(self.index)]

    def finished(self, docs):
        found = [d for d in docs if d.get("event.action") == "task-finished"]
        self.assertEqual(len(found), 1, [d.get("message") for d in docs][:20])
        return found[0]

    def stream_docs(self, docs, stream):
        return sorted((d for d in docs if d.get("log.stream") == stream),
                      key=lambda d: d["log.offset"])

    # ---- exit status and signals -------------------------------------------------------

    def test_exit_status_is_the_commands(self):
        self.assertEqual(self.run_exec(["sh", "-c", "echo hi; exit 3"], "--task", "t3"), 3)
        docs = self.docs()
        fin = self.finished(docs)
        self.assertEqual(fin["process.exit_code"], 3)
        self.assertEqual(fin["event.outcome"], "failure")
        self.assertEqual(fin["task.name"], "t3")
        self.assertGreater(fin["event.duration"], 0)
        self.assertEqual(fin["task.stdout.lines"], 1)
        started = [d for d in docs if d.get("event.action") == "task-started"]
        self.assertEqual(len(started), 1)
        self.assertEqual(started[0]["task.run_id"], fin["task.run_id"])
        # Everything was delivered, so the run left nothing behind.
        self.assertEqual(os.listdir(os.path.join(self.data_dir, "exec")), [])

    def test_a_child_killed_by_sigterm_gives_143(self):
        self.assertEqual(self.run_exec(["sh", "-c", "kill -TERM $$"]), 128 + signal.SIGTERM)
        fin = self.finished(self.docs())
        self.assertEqual(fin["process.exit_code"], 143)
        self.assertEqual(fin["process.signal.name"], "SIGTERM")

    def test_sigterm_to_skiff_is_forwarded_and_the_childs_handler_runs(self):
        child = ("import signal, sys, time\n"
                 "def h(n, f):\n"
                 "    print('handler ran', flush=True); sys.exit(7)\n"
                 "signal.signal(signal.SIGTERM, h)\n"
                 "print('ready', flush=True)\n"
                 "time.sleep(60)\n")
        out_path = os.path.join(self.workdir, "out")
        with open(out_path, "wb") as out:
            proc = self.start_exec([PY, "-c", child], stdout=out)
            wait_for(lambda: b"ready" in open(out_path, "rb").read(), 30, what="the child")
            proc.send_signal(signal.SIGTERM)
            self.assertEqual(proc.wait(60), 7)
        messages = [d["message"] for d in self.docs()]
        self.assertIn("handler ran", messages)
        self.assertEqual(self.finished(self.docs())["process.exit_code"], 7)

    def test_a_missing_command_exits_127_and_is_reported(self):
        self.assertEqual(self.run_exec(["/nonexistent/cmd"]), 127)
        docs = self.docs()
        self.assertEqual(len(docs), 1)
        self.assertEqual(docs[0]["event.action"], "task-failed-to-start")

    def test_usage_errors_exit_2(self):
        config = self.write_config(self.exec_config())
        for args in (["exec"], ["exec", "--", ], ["exec", "true"], ["exec", "--run-id", "a/b", "--", "true"]):
            r = subprocess.run([SKIFF, "-c", config, *args], capture_output=True, timeout=30)
            self.assertEqual(r.returncode, 2, (args, r.stderr))

    # ---- delivery ----------------------------------------------------------------------

    def test_every_line_of_a_fast_child_is_delivered_exactly_once(self):
        n = scaled(ci=200_000, soak=1_000_000, sanitized=40_000)
        times_file = os.path.join(self.workdir, "child.times")
        start = time.monotonic()
        proc = self.start_exec([PY, "-c", FAST_CHILD, str(n), times_file], "--quiet")
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - start
        self.assertEqual(proc.returncode, 0, self.exec_output())
        docs = self.docs()
        out = self.stream_docs(docs, "stdout")
        self.assertEqual(len(out), n)
        seqs = [int(d["message"].split()[0][4:]) for d in out]
        self.assertEqual(seqs, list(range(n)))  # each once, in order of log.offset
        self.assertEqual([d["log.offset"] for d in out], list(range(n)))
        ids = [i for i, _ in self.es.documents(self.index)]
        self.assertEqual(len(ids), len(set(ids)))
        child_cpu = float(open(times_file).read())
        skiff_cpu = usage.ru_utime + usage.ru_stime - child_cpu
        gib = n * len(b"seq=100000 " + b"x" * 60 + b"\n") / (1 << 30)
        print(f"\n[exec figures] {n} lines in {wall:.2f} s wall (incl. drain): "
              f"{n / wall:,.0f} lines/s; skiff CPU {skiff_cpu:.2f} s = "
              f"{skiff_cpu / gib:.1f} CPU-s/GiB; peak RSS {usage.ru_maxrss / 1024:.1f} MiB "
              f"(max of skiff and child)", file=sys.stderr)

    def test_stdout_and_stderr_each_keep_their_order(self):
        child = ("import sys\n"
                 "for i in range(3000):\n"
                 "    s = sys.stdout if i % 3 else sys.stderr\n"
                 "    s.write('n=%d\\n' % i); s.flush()\n")
        self.assertEqual(self.run_exec([PY, "-c", child]), 0)
        docs = self.docs()
        for stream, want in (("stdout", [i for i in range(3000) if i % 3]),
                             ("stderr", [i for i in range(3000) if i % 3 == 0])):
            got = [int(d["message"][2:]) for d in self.stream_docs(docs, stream)]
            self.assertEqual(got, want, stream)
        fin = self.finished(docs)
        self.assertEqual(fin["task.stdout.lines"], 2000)
        self.assertEqual(fin["task.stderr.lines"], 1000)

    def test_binary_junk_and_a_50_mb_line_with_bounded_memory(self):
        release = os.path.join(self.workdir, "release")
        child = ("head -c 52428800 /dev/zero | tr '\\0' x; echo; "
                 "printf 'ok\\377\\376junk\\n'; printf 'after\\n'; "
                 f"while [ ! -e {release} ]; do sleep 0.05; done")
        proc = self.start_exec(["sh", "-c", child], "--quiet")
        wait_for(lambda: self.es.count(self.index) >= 4 and True, 60, interval=0.2,
                 what="the lines in Elasticsearch")
        with open(f"/proc/{proc.pid}/status") as f:
            hwm = next(int(l.split()[1]) * 1024 for l in f if l.startswith("VmHWM:"))
        open(release, "w").close()
        self.assertEqual(proc.wait(60), 0)
        docs = self.stream_docs(self.docs(), "stdout")
        self.assertEqual(len(docs), 3)
        self.assertEqual(len(docs[0]["message"]), MiB)  # max_line_bytes
        self.assertEqual(docs[0]["log.flags"], ["truncated"])
        self.assertEqual(docs[1]["message"], "ok\ufffd\ufffdjunk")
        self.assertEqual(docs[1]["log.flags"], ["invalid_utf8"])
        self.assertEqual(docs[2]["message"], "after")
        print(f"\n[exec figures] VmHWM with a 50 MiB line: {hwm / MiB:.1f} MiB", file=sys.stderr)
        if not SANITIZED:
            self.assertLess(hwm, 40 * MiB)

    def test_pass_through_output_matches_the_childs(self):
        child = ("import sys\n"
                 "o = sys.stdout.buffer\n"
                 "o.write(b'one\\n\\xff\\xfebinary\\r\\n'); o.flush()\n"
                 "sys.stderr.write('to stderr\\n'); sys.stderr.flush()\n"
                 "o.write(b'x' * 100000 + b'\\nno newline at end')\n")
        expected = (b"one\n\xff\xfebinary\r\n" + b"x" * 100000 + b"\nno newline at end")
        out_path = os.path.join(self.workdir, "out")
        with open(out_path, "wb") as out:
            self.assertEqual(self.run_exec([PY, "-c", child], stdout=out), 0)
        self.assertEqual(open(out_path, "rb").read(), expected)
        self.assertIn("to stderr\n", self.exec_output())
        with open(out_path, "wb") as out:
            self.assertEqual(self.run_exec([PY, "-c", child], "--quiet", stdout=out), 0)
        self.assertEqual(open(out_path, "rb").read(), b"")

    def test_as_pid_1_it_reaps_orphans_and_keeps_the_commands_status(self):
        # The command orphans a short-lived process, then looks for zombies (exit 9 if any).
        script = os.path.join(self.workdir, "orphan.sh")
        with open(script, "w") as f:
            f.write("(sleep 0.2 &)\nsleep 1\n"
                    "for f in /proc/[0-9]*/stat; do\n"
                    "  read -r l < \"$f\" 2>/dev/null || continue\n"
                    "  case \"$l\" in *\") Z \"*) exit 9;; esac\n"
                    "done\nexit 5\n")
        unshare = ["unshare", "--pid", "--fork", "--mount-proc"]
        probe = subprocess.run([*unshare, "true"], capture_output=True)
        if probe.returncode != 0:
            self.skipTest("needs unshare --pid (root or user namespaces)")
        # Control: a PID 1 that does not reap leaves the zombie, and the check sees it.
        control = subprocess.run([*unshare, PY, "-c",
                                  "import subprocess, sys; "
                                  f"sys.exit(subprocess.run(['sh', {script!r}]).returncode)"],
                                 timeout=60)
        self.assertEqual(control.returncode, 9)
        config = self.write_config(self.exec_config())
        r = subprocess.run([*unshare, SKIFF, "-c", config, "exec", "--quiet", "--", "sh", script],
                           capture_output=True, timeout=120)
        self.assertEqual(r.returncode, 5, r.stderr.decode(errors="replace"))
        self.assertEqual(self.finished(self.docs())["process.exit_code"], 5)

    # ---- crash and adoption -------------------------------------------------------------

    def test_after_sigkill_a_daemon_adopts_the_ring_and_delivers_everything_once(self):
        self.es.require_esim(self)
        n = scaled(ci=20_000, soak=200_000)
        half = n // 2
        go_on = os.path.join(self.workdir, "go-on")
        pid_file = os.path.join(self.workdir, "child.pid")
        child = ("import os, sys, time\n"
                 f"open({pid_file!r}, 'w').write(str(os.getpid()))\n"
                 "out = sys.stdout\n"
                 f"for i in range({half}): out.write('seq=%d\\n' % i)\n"
                 "out.flush()\n"
                 f"while not os.path.exists({go_on!r}): time.sleep(0.05)\n"
                 f"for i in range({half}, {n}): out.write('seq=%d\\n' % i)\n"
                 "out.write('MARK\\n'); out.flush()\n"
                 "time.sleep(120)\n")
        out_path = os.path.join(self.workdir, "out")
        out = open(out_path, "wb")
        self.addCleanup(out.close)
        proc = self.start_exec([PY, "-c", child], "--run-id", "crashed", stdout=out)
        # The first half is delivered, then Elasticsearch refuses every bulk request.
        self.wait_count(half + 1, 60)
        self.es.faults({"request_status": 503, "request_count": 1_000_000})
        open(go_on, "w").close()
        wait_for(lambda: b"MARK" in open(out_path, "rb").read(), 60, what="the second half")
        ring = os.path.join(self.data_dir, "exec", "crashed", "ring")

        def ring_settled():
            sizes = []
            for _ in range(3):
                sizes.append(sum(e.stat().st_size for e in os.scandir(ring)))
                time.sleep(0.3)
            return len(set(sizes)) == 1
        wait_for(ring_settled, 30, what="the ring to take the second half")
        proc.kill()
        proc.wait(10)
        os.kill(int(open(pid_file).read()), signal.SIGKILL)
        before = self.es.count(self.index)
        self.assertLess(before, n + 1)
        self.es.faults({})

        config = self.write_config(self.exec_config(extra='adopt_interval = "200ms"'), "daemon")
        daemon = self.skiff(open(config).read(), name="daemon")
        daemon.start()
        wait_for(lambda: not os.path.exists(os.path.join(self.data_dir, "exec", "crashed")), 60,
                 what="the daemon to adopt and remove the ring")
        self.assertIn("adopted", daemon.output())
        self.assertEqual(daemon.stop(), 0)
        out_docs = self.stream_docs(self.docs(), "stdout")
        seqs = [int(d["message"][4:]) for d in out_docs if d["message"].startswith("seq=")]
        self.assertEqual(seqs, list(range(n)))  # every line, once
        started = [d for d in self.docs() if d.get("event.action") == "task-started"]
        self.assertEqual(len(started), 1)

    # ---- backpressure ------------------------------------------------------------------

    def test_with_elasticsearch_down_a_full_ring_blocks_the_child_which_resumes_later(self):
        self.es.require_esim(self)
        n = 60_000
        progress = os.path.join(self.workdir, "progress")
        child = ("import os, sys\n"
                 f"n, progress = {n}, {progress!r}\n"
                 "out = sys.stdout.buffer\n"
                 "for i in range(n):\n"
                 "    out.write(b'seq=%d %s\\n' % (i, os.urandom(24).hex().encode()))\n"
                 "    if i % 1000 == 999:\n"
                 "        out.flush()\n"
                 "        open(progress, 'w').write(str(i + 1))\n"
                 "out.flush()\n")
        self.es.stop()
        config = self.write_config(self.exec_config(
            buffer='[buffer]\nmax_bytes = "256KiB"\n'))
        proc = self.start_exec([PY, "-c", child], "--quiet", config=config)

        def written():
            try:
                return int(open(progress).read() or 0)
            except (FileNotFoundError, ValueError):
                return 0

        # The child stalls: its count stops growing well before the end, and it is alive.
        def stalled():
            before = written()
            time.sleep(1.0)
            return before > 0 and written() == before and before < n
        wait_for(stalled, 60, interval=0.1, what="the child to block on its writes")
        self.assertIsNone(proc.poll())
        blocked_at = written()
        self.es.restart()
        self.assertEqual(proc.wait(180), 0, self.exec_output())
        out = self.stream_docs(self.docs(), "stdout")
        seqs = [int(d["message"].split()[0][4:]) for d in out]
        log = [l for l in self.exec_output().splitlines() if "cannot reach" not in l]
        self.assertEqual(len(seqs), n, "\n".join(log[-30:]))
        self.assertEqual(seqs, list(range(n)))
        print(f"\n[exec figures] child blocked after {blocked_at} of {n} lines", file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
