"""Starts and stops an esim process for the Python tests (test-only helper)."""

import os
import select
import signal
import subprocess
import time


class Esim:
    """An esim process on 127.0.0.1 and a free port; a context manager."""

    def __init__(self, binary, *args):
        self.binary = binary
        self.args = list(args)
        self.proc = None
        self.port = None

    def __enter__(self):
        self.proc = subprocess.Popen([self.binary, "--port", "0", *self.args],
                                     stdout=subprocess.PIPE)
        deadline = time.monotonic() + 10
        line = b""
        while not line.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.1)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 256)
                if not chunk:
                    break
                line += chunk
        text = line.decode().strip()
        prefix = "esim listening on 127.0.0.1:"
        if not text.startswith(prefix):
            self.proc.kill()
            raise RuntimeError("esim did not start: %r" % text)
        self.port = int(text[len(prefix):])
        return self

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise RuntimeError("esim did not stop on SIGTERM")
        self.proc.stdout.close()
        if code != 0 and exc[0] is None:
            raise RuntimeError("esim exited %d on SIGTERM" % code)
        return False
