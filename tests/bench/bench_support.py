"""What the benchmarks share: the test Elasticsearch server, generated log sets and the
/proc readings (CPU seconds, peak RSS) of the process measured."""
import contextlib
import json
import os
import subprocess
import time
import urllib.error
import urllib.request


@contextlib.contextmanager
def esim(build, work, *extra_args):
    """Runs the bundled test server on a free loopback port; yields its base URL."""
    port_file = os.path.join(work, "esim.port")
    if os.path.exists(port_file):
        os.unlink(port_file)
    proc = subprocess.Popen([os.path.join(build, "tests/esim/esim"), "--port", "0",
                             "--port-file", port_file, *extra_args], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(port_file) or not open(port_file).read().strip():
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("esim did not start")
            time.sleep(0.05)
        yield "http://127.0.0.1:" + open(port_file).read().strip()
    finally:
        proc.terminate()
        proc.wait()


def count(es, index):
    """Documents in `index` (0 before the first one arrives)."""
    try:
        with urllib.request.urlopen(f"{es}/{index}/_count", timeout=30) as r:
            return json.loads(r.read())["count"]
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return 0
        raise


def generate_log(build, path, size_bytes, kind="mixed"):
    """Writes the reproducible log set (tests/tools/loggen) unless it is already there."""
    if os.path.exists(path) and abs(os.path.getsize(path) - size_bytes) <= 4096:
        return
    subprocess.run([os.path.join(build, "tests/tools/loggen"), "--out", path, "--bytes",
                    str(size_bytes), "--kind", kind], check=True, stdout=subprocess.DEVNULL)


def cpu_seconds(pid):
    """User + system CPU seconds of a running process."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def status_kib(pid, field):
    """A kB field of /proc/PID/status: VmRSS, VmHWM (peak since exec, unlike ru_maxrss,
    which would also count the forked Python)."""
    with open(f"/proc/{pid}/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith(field + ":"))


def proc_io(pid):
    """/proc/PID/io as a dict (rchar, wchar, write_bytes, ...)."""
    out = {}
    with open(f"/proc/{pid}/io") as f:
        for line in f:
            key, value = line.split(":")
            out[key] = int(value)
    return out


def dir_size(path):
    """Total size of the regular files directly in `path`."""
    return sum(e.stat().st_size for e in os.scandir(path) if e.is_file())


def count_lines(path):
    """Newlines in a file, read in 16 MiB chunks."""
    with open(path, "rb") as f:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 24), b""))
