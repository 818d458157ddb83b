"""Process harness for skiff's integration tests: starts esim (or uses a real cluster),
runs the skiff binary on generated configs, and reads back what arrived.

Real cluster: set SKIFF_TEST_ES_URL (and SKIFF_TEST_ES_USER/SKIFF_TEST_ES_PASSWORD or
SKIFF_TEST_ES_API_KEY). Cases that need esim's fault injection are skipped then.
"""
import base64
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

BUILD_DIR = os.environ.get("SKIFF_BUILD_DIR", os.path.join(os.path.dirname(__file__), "..", "..", "build"))
SKIFF = os.path.join(BUILD_DIR, "agent", "skiff")
ESIM = os.path.join(BUILD_DIR, "tests", "esim", "esim")
LOGGEN = os.path.join(BUILD_DIR, "tests", "tools", "loggen")
SOAK = os.environ.get("SKIFF_SOAK") == "1"
SANITIZED = os.environ.get("SKIFF_SANITIZED") == "1"
SEQ_RE = re.compile(rb"seq=(\d+)")


class UnixHTTPConnection(http.client.HTTPConnection):
    """HTTP over a Unix socket: skiff's control socket (data_dir/skiff.sock)."""

    def __init__(self, path):
        super().__init__("localhost", timeout=10)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(10)
        self.sock.connect(self.path)


def scaled(ci, soak, sanitized=None):
    """The size of a long test: CI size, full size under `make soak`, smaller under ASan."""
    if SOAK:
        return soak
    if SANITIZED and sanitized is not None:
        return sanitized
    return ci


def wait_for(predicate, timeout, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what} (last: {last!r})")


class Elasticsearch:
    """The Elasticsearch the test ships to: a fresh esim, or SKIFF_TEST_ES_URL."""

    def __init__(self, workdir, args=()):
        self.proc = None
        self.real = bool(os.environ.get("SKIFF_TEST_ES_URL"))
        self.headers = {}
        if self.real:
            self.url = os.environ["SKIFF_TEST_ES_URL"].rstrip("/")
            user, password = os.environ.get("SKIFF_TEST_ES_USER"), os.environ.get("SKIFF_TEST_ES_PASSWORD")
            api_key = os.environ.get("SKIFF_TEST_ES_API_KEY")
            if api_key:
                self.headers["Authorization"] = "ApiKey " + api_key
            elif user:
                token = base64.b64encode(f"{user}:{password or ''}".encode()).decode()
                self.headers["Authorization"] = "Basic " + token
            return
        self.workdir, self.args = workdir, args
        self.start("0")
        self.url = "http://127.0.0.1:" + self.port

    def start(self, port):
        """Starts esim on `port` ("0": any free port), empty."""
        port_file = os.path.join(self.workdir, "esim.port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.log = open(os.path.join(self.workdir, "esim.log"), "ab")
        self.proc = subprocess.Popen([ESIM, "--port", port, "--port-file", port_file, *self.args],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        def port():
            if not os.path.exists(port_file):
                return None
            with open(port_file) as f:
                return f.read().strip()
        self.port = wait_for(port, 10, what="esim to listen")

    def restart(self):
        """Starts esim again on the port it had, after stop(); it starts empty."""
        assert not self.real and self.proc is None
        self.start(self.port)

    def require_esim(self, test):
        if self.real:
            test.skipTest("needs esim's fault injection; not run against SKIFF_TEST_ES_URL")

    def request(self, method, path, body=None, headers=None, timeout=60):
        data = body.encode() if isinstance(body, str) else body
        req = urllib.request.Request(self.url + path, data=data, method=method)
        for k, v in {**self.headers, **(headers or {})}.items():
            req.add_header(k, v)
        if data is not None and "Content-Type" not in (headers or {}):
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def count(self, index):
        if self.real:
            self.request("POST", f"/{index}/_refresh")
        status, body = self.request("GET", f"/{index}/_count")
        if status == 404:
            return 0
        return json.loads(body)["count"]

    def seq_counts(self, index):
        """Maps each seq=N to how many stored documents carry it, streaming esim's dump line
        by line: millions of documents held as dicts took 12 GB and met the OOM killer."""
        if self.real:
            return seq_counts(self.documents(index))
        counts = {}
        with urllib.request.urlopen(f"{self.url}/_esim/dump?index={index}", timeout=600) as r:
            for line in r:
                m = SEQ_RE.search(line)
                if m:
                    n = int(m.group(1))
                    counts[n] = counts.get(n, 0) + 1
        return counts

    def documents(self, index):
        """Every stored document of `index` as (id, source dict)."""
        if not self.real:
            status, body = self.request("GET", f"/_esim/dump?index={index}", timeout=600)
            assert status == 200, body
            out = []
            for line in body.splitlines():
                if line.strip():
                    d = json.loads(line)
                    out.append((d["_id"], d["_source"]))
            return out
        self.request("POST", f"/{index}/_refresh")
        out, after = [], None
        while True:
            query = {"size": 5000, "sort": [{"_doc": "asc"}], "query": {"match_all": {}}}
            if after:
                query["search_after"] = after
            status, body = self.request("POST", f"/{index}/_search", json.dumps(query))
            hits = json.loads(body)["hits"]["hits"]
            if not hits:
                return out
            out.extend((h["_id"], h["_source"]) for h in hits)
            after = hits[-1]["sort"]

    def stats(self):
        status, body = self.request("GET", "/_esim/stats")
        assert status == 200, body
        return json.loads(body)

    def faults(self, spec):
        status, body = self.request("PUT", "/_esim/faults", json.dumps(spec))
        assert status == 200, body

    def delete_index(self, index):
        self.request("DELETE", f"/{index}")

    def stop(self):
        if self.proc:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
            self.log.close()


class Skiff:
    """One skiff process on a config written from `toml`."""

    def __init__(self, workdir, toml, name="skiff"):
        self.config = os.path.join(workdir, name + ".toml")
        with open(self.config, "w") as f:
            f.write(toml)
        self.log_path = os.path.join(workdir, name + ".log")
        self.proc = None

    def start(self, *extra, wait_running=True):
        """Starts skiff; by default returns once it logged that it runs."""
        start_offset = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([SKIFF, "run", "-c", self.config, *extra],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        if wait_running:
            def running():
                if self.proc.poll() is not None:
                    raise AssertionError(f"skiff exited with {self.proc.returncode}:\n{self.output()}")
                with open(self.log_path, "rb") as f:
                    f.seek(start_offset)
                    return b"agent: running with data_dir" in f.read()
            wait_for(running, 30, what="skiff to start")
        return self

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
            raise AssertionError(f"skiff did not stop within {timeout} s after signal {sig}")
        finally:
            self.log.close()
            self.proc = None
        return code

    def kill(self):
        return self.stop(signal.SIGKILL)

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def proc_status(self, field):
        """A /proc/PID/status value in bytes (VmRSS, VmHWM)."""
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
        raise AssertionError(f"no {field} in /proc/{self.proc.pid}/status")

    def bytes_read(self):
        """Bytes the process has read through read()/pread() so far (/proc/PID/io rchar)."""
        with open(f"/proc/{self.proc.pid}/io") as f:
            for line in f:
                if line.startswith("rchar:"):
                    return int(line.split()[1])
        raise AssertionError("no rchar")


def loggen(path, lines, start_seq=0, append=False):
    args = [LOGGEN, "--out", path, "--lines", str(lines), "--start-seq", str(start_seq)]
    if append:
        args.append("--append")
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def dir_size(path):
    """Total size of the regular files directly in `path` (0 when it does not exist)."""
    if not os.path.isdir(path):
        return 0
    return sum(e.stat().st_size for e in os.scandir(path) if e.is_file())


def seq_counts(documents):
    """Maps each seq=N found in the messages to how many documents carry it."""
    counts = {}
    for _, source in documents:
        m = SEQ_RE.search(source.get("message", "").encode())
        if m:
            n = int(m.group(1))
            counts[n] = counts.get(n, 0) + 1
    return counts


class SkiffTestCase(unittest.TestCase):
    """A temporary directory, an Elasticsearch and a unique index per test."""

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix="skiff-it-")
        self.es = Elasticsearch(self.workdir, self.esim_args())
        self.index = "logs-skiff" + re.sub(r"[^a-z0-9]", "", self.id().split(".")[-1].lower())[:40] + "-test"
        if self.es.real:
            self.es.delete_index(self.index)
        self.logs = os.path.join(self.workdir, "logs")
        os.makedirs(self.logs)
        self.data_dir = os.path.join(self.workdir, "data")
        self.processes = []

    def esim_args(self):
        return ()

    def tearDown(self):
        for p in self.processes:
            if p.running():
                p.kill()
        self.es.stop()
        if self.es.real:
            self.es.delete_index(self.index)
        if not hasattr(self, "_outcome") or all(e is None for _, e in getattr(self._outcome, "errors", [])):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def config(self, paths=None, extra_input="", extra=""):
        paths = paths or [os.path.join(self.logs, "*.log")]
        auth = ""
        if self.es.real and "Authorization" in self.es.headers:
            if os.environ.get("SKIFF_TEST_ES_API_KEY"):
                auth = '[auth]\ntype = "api_key"\napi_key = "${SKIFF_TEST_ES_API_KEY}"\n'
            else:
                auth = ('[auth]\ntype = "basic"\nusername = "${SKIFF_TEST_ES_USER}"\n'
                        'password = "${SKIFF_TEST_ES_PASSWORD}"\n')
        return f"""
data_dir = "{self.data_dir}"
log_level = "info"

[[inputs.file]]
id = "it"
paths = {json.dumps(paths)}
start_at = "beginning"
poll_interval = "50ms"
scan_interval = "200ms"
{extra_input}

[output.elasticsearch]
hosts = ["{self.es.url}"]
index = "{self.index}"
flush_interval = "100ms"
retry = {{ initial = "50ms", max = "1s" }}
{extra}
{auth}
"""

    def skiff(self, toml, name="skiff"):
        s = Skiff(self.workdir, toml, name)
        self.processes.append(s)
        return s

    def wait_count(self, n, timeout):
        return wait_for(lambda: self.es.count(self.index) >= n and self.es.count(self.index), timeout,
                        interval=0.2, what=f"{n} documents in {self.index}")
