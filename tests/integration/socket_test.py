"""End to end: `[[inputs.socket]]` takes NDJSON lines from local programs over a Unix socket
or a loopback TCP port and ships them to esim.

Sizes: 8 concurrent clients send 25,000 lines each in CI and 100,000 each under
SKIFF_SOAK=1 (5,000 under ASan); every line must arrive exactly once. Malformed lines
arrive flagged, over-long lines cut and flagged. A client that floods while Elasticsearch
is down is back-pressured (its send() blocks) with skiff's memory flat, and everything it
sent arrives once Elasticsearch is back. Figures (lines/s, RSS) are printed, not asserted."""
import json
import os
import select
import socket
import stat
import subprocess
import threading
import time
import unittest

from harness import SANITIZED, SKIFF, SkiffTestCase, scaled, wait_for

MiB = 1024 * 1024


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connect_unix(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


class SocketTest(SkiffTestCase):
    CLIENTS = 8
    LINES = scaled(ci=25_000, soak=100_000, sanitized=5_000)

    def socket_path(self):
        return os.path.join(self.workdir, "ingest.sock")

    def socket_config(self, inputs=None, buffer=""):
        inputs = inputs or f"""
[[inputs.socket]]
id = "events"
listen = "unix:{self.socket_path()}"
"""
        return f"""
data_dir = "{self.data_dir}"
log_level = "info"
{inputs}
{buffer}
[output.elasticsearch]
hosts = ["{self.es.url}"]
index = "{self.index}"
flush_interval = "100ms"
retry = {{ initial = "50ms", max = "500ms" }}
"""

    def test_eight_concurrent_clients_deliver_every_line_exactly_once(self):
        skiff = self.skiff(self.socket_config()).start()
        total = self.CLIENTS * self.LINES
        errors = []

        def client(c):
            try:
                with connect_unix(self.socket_path()) as s:
                    buf = []
                    for i in range(self.LINES):
                        seq = c * self.LINES + i
                        buf.append(b'{"message":"seq=%d","client":%d,"i":%d,"state":"Running"}\n'
                                   % (seq, c, i))
                        if len(buf) == 500:
                            s.sendall(b"".join(buf))
                            buf = []
                    s.sendall(b"".join(buf))
            except OSError as e:
                errors.append(e)

        started = time.monotonic()
        threads = [threading.Thread(target=client, args=(c,)) for c in range(self.CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        sent = time.monotonic() - started
        self.assertEqual(errors, [])
        self.wait_count(total, timeout=600)
        delivered = time.monotonic() - started
        self.assertEqual(skiff.stop(), 0, skiff.output())
        counts = self.es.seq_counts(self.index)
        print(f"{self.CLIENTS} clients x {self.LINES} lines: sent in {sent:.1f} s, all delivered "
              f"in {delivered:.1f} s ({total / delivered:,.0f} lines/s)")
        self.assertEqual(set(counts), set(range(total)), "lines are missing")
        self.assertEqual(max(counts.values()), 1, "a line arrived twice")

    def test_malformed_and_huge_lines_arrive_flagged(self):
        inputs = f"""
[[inputs.socket]]
id = "events"
listen = "unix:{self.socket_path()}"
max_line_bytes = "64KiB"
fields = {{ team = "data" }}
"""
        skiff = self.skiff(self.socket_config(inputs)).start()
        with connect_unix(self.socket_path()) as s:
            s.sendall(b'{"flow_run":"r1","state":"Running"}\n')
            s.sendall(b'{"flow_run":"r1","state":\n')  # malformed JSON
            s.sendall(b"plain text, not JSON\n")
            s.sendall(b'{"big":"' + b"x" * (5 * MiB) + b'"}\n')  # far over max_line_bytes
            s.sendall(b'{"flow_run":"r1","state":"Completed"}\n')
            s.sendall(b'{"unfinished":')  # no newline: sent as partial at the end
        self.wait_count(6, timeout=60)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        docs = sorted((d for _, d in self.es.documents(self.index)), key=lambda d: d["log.offset"]
                      if "log.offset" in d else d["log"]["offset"])
        self.assertEqual(len(docs), 6)
        running, malformed, text, big, completed, partial = docs

        def flags(d):
            return d.get("log.flags", d.get("log", {}).get("flags", []))
        self.assertEqual(running["state"], "Running")
        self.assertEqual(running["flow_run"], "r1")
        self.assertEqual(running["team"], "data")
        self.assertEqual(flags(running), [])
        self.assertEqual(malformed["message"], '{"flow_run":"r1","state":')
        self.assertIn("json_parse_failed", flags(malformed))
        self.assertEqual(text["message"], "plain text, not JSON")
        self.assertIn("json_parse_failed", flags(text))
        self.assertIn("truncated", flags(big))
        self.assertEqual(len(big["message"]), 64 * 1024)
        self.assertEqual(completed["state"], "Completed")
        self.assertIn("partial", flags(partial))
        self.assertEqual(partial["message"], '{"unfinished":')

    def test_a_flooding_client_is_back_pressured_with_memory_flat_and_nothing_lost(self):
        self.es.require_esim(self)
        self.es.stop()  # Elasticsearch is down: the ring fills, then skiff stops reading
        skiff = self.skiff(self.socket_config(buffer='[buffer]\nmax_bytes = "2MiB"\n')).start()
        progress = {"sent": 0, "lines": 0, "done": False}
        stop = threading.Event()

        def flood():
            # Numbered lines with varied text, so the ring's zstd does not squeeze them to nothing.
            with connect_unix(self.socket_path()) as s:
                s.setblocking(False)
                seq = 0
                pending = b""
                while not stop.is_set():
                    if not pending:
                        pending = b"".join(b'{"message":"seq=%d","n":%d,"h":"%x"}\n'
                                           % (i, i * 7919, hash((i, "pad")) & 0xFFFFFFFFFFFF)
                                           for i in range(seq, seq + 1000))
                        seq += 1000
                    _, writable, _ = select.select([], [s], [], 0.1)
                    if not writable:
                        continue
                    try:
                        n = s.send(pending)
                    except BlockingIOError:
                        continue
                    progress["sent"] += n
                    pending = pending[n:]
                    if not pending:
                        progress["lines"] = seq
                # Send what was cut in half, so every counted line is whole.
                s.setblocking(True)
                s.sendall(pending)
                progress["lines"] = seq
            progress["done"] = True

        flooder = threading.Thread(target=flood)
        flooder.start()
        try:
            def sender_blocked():
                before = progress["sent"]
                time.sleep(1.5)
                return progress["sent"] > 0 and progress["sent"] == before
            wait_for(sender_blocked, 120, interval=0, what="the sender to be blocked")
            samples = []
            for _ in range(15):
                samples.append((progress["sent"], skiff.proc_status("VmRSS")))
                time.sleep(0.2)
            sent = [s[0] for s in samples]
            rss = [s[1] for s in samples]
            print(f"sender blocked after {sent[0] / MiB:.1f} MiB; while blocked: sent "
                  f"{(sent[-1] - sent[0]) / 1024:.0f} KiB more, skiff RSS "
                  f"{min(rss) / MiB:.1f}..{max(rss) / MiB:.1f} MiB")
            self.assertEqual(sent[-1], sent[0], "the sender was not blocked")
            if not SANITIZED:
                self.assertLess(max(rss) - min(rss), 4 * MiB, "memory grew while blocked")
                self.assertLess(max(rss), 64 * MiB, "skiff holds what the sender sent")
        finally:
            stop.set()
            # Elasticsearch returns: the sender is unblocked and everything arrives once.
            self.es.restart()
            flooder.join(120)
        self.assertTrue(progress["done"])
        lines = progress["lines"]
        self.wait_count(lines, timeout=300)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        counts = self.es.seq_counts(self.index)
        print(f"{lines} lines sent by the flooding client, {len(counts)} delivered")
        self.assertEqual(set(counts), set(range(lines)), "lines are missing")
        self.assertEqual(max(counts.values()), 1, "a line arrived twice")

    def test_unix_socket_mode_stale_file_live_socket_and_removal_at_stop(self):
        path = self.socket_path()
        # A stale socket file (bound, nobody listening), as a crashed run leaves it.
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        stale.bind(path)
        stale.close()
        inputs = f"""
[[inputs.socket]]
id = "events"
listen = "{path}"
mode = "0600"
group = "{os.getgid()}"
"""
        skiff = self.skiff(self.socket_config(inputs)).start()
        st = os.stat(path)
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600)
        with connect_unix(path) as s:
            s.sendall(b'{"state":"Running"}\n')
        self.wait_count(1, timeout=30)
        doc = self.es.documents(self.index)[0][1]
        self.assertEqual(doc["process.pid"], os.getpid())
        self.assertEqual(doc["user.id"], str(os.getuid()))
        self.assertEqual(doc["log.source.address"], path)
        self.assertEqual(doc["event.dataset"], "events")

        # A second agent on the same path finds it live and refuses to start.
        second_toml = self.socket_config(inputs).replace(self.data_dir, self.data_dir + "-2")
        second = self.skiff(second_toml, name="second")
        second.start(wait_running=False)
        code = second.proc.wait(30)
        second.log.close()
        second.proc = None
        self.assertNotEqual(code, 0)
        self.assertIn(path, second.output())
        self.assertTrue(os.path.exists(path), "the live socket's file was removed")

        # A reload that changes the input stops it (removing its file) and starts it again
        # on the same path with the new mode.
        with open(skiff.config, "w") as f:
            f.write(self.socket_config(inputs.replace('"0600"', '"0660"')))
        r = subprocess.run([SKIFF, "reload", "-c", skiff.config], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr + skiff.output())
        wait_for(lambda: os.path.exists(path) and stat.S_IMODE(os.stat(path).st_mode) == 0o660,
                 30, what="the socket with its new mode")
        with connect_unix(path) as s:
            s.sendall(b'{"state":"Completed"}\n')
        self.wait_count(2, timeout=30)

        self.assertEqual(skiff.stop(), 0, skiff.output())
        self.assertFalse(os.path.exists(path), "the socket file was left behind")

    def test_loopback_tcp_records_the_peer_address(self):
        port = free_port()
        inputs = f"""
[[inputs.socket]]
id = "tcp-events"
listen = "127.0.0.1:{port}"
format = "text"
"""
        skiff = self.skiff(self.socket_config(inputs)).start()
        with socket.create_connection(("127.0.0.1", port)) as s:
            s.sendall(b"a text line\n")
            local = s.getsockname()
        self.wait_count(1, timeout=30)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        doc = self.es.documents(self.index)[0][1]
        self.assertEqual(doc["message"], "a text line")
        self.assertEqual(doc["log.source.address"], f"{local[0]}:{local[1]}")

    def test_check_config_refuses_a_non_loopback_address(self):
        toml = self.socket_config('[[inputs.socket]]\nid = "x"\nlisten = "0.0.0.0:5170"\n')
        path = os.path.join(self.workdir, "bad.toml")
        with open(path, "w") as f:
            f.write(toml)
        r = subprocess.run([SKIFF, "check-config", "-c", path], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("inputs.socket[0].listen: must be a loopback address", r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
