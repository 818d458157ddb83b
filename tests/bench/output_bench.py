#!/usr/bin/python3
"""Output benchmark: how fast skiff ships an already-buffered ring to esim, with gzip off
and on, beside curl posting the same kind of bulk bodies (the floor: no buffering, no
rendering, one connection).

1. The generated log set (tests/tools/loggen, mixed nginx access and JSON lines) is read
   into skiff's ring while Elasticsearch is unreachable (as ring_fill_bench.py does), and
   that data_dir is kept.
2. For gzip off and on, each run copies the filled data_dir, starts esim (--no-source)
   and skiff, and times until esim has every document: MB/s of log text, skiff's CPU
   seconds per GiB of log text, and the bytes on the wire.
3. curl: bulk bodies rendered here from the same log lines (create actions with _id,
   message and @timestamp, max_batch_bytes each, up to --curl-bytes of log text) are
   posted by `curl --data-binary @body --next ...`; with gzip, `gzip -1` of each body
   first, its CPU counted. Two floors: one curl (one keep-alive connection, one request
   at a time), and --curl-workers curls at once (4 by default, as skiff's max_in_flight),
   each on its own keep-alive connection posting its share of the same bodies: the fair
   floor for skiff's requests in flight.

Prints each run and the medians.

  output_bench.py BUILD_DIR [--bytes 64MiB] [--runs 3] [--curl-bytes 64MiB]
                  [--curl-workers 4]
"""
import argparse
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_support import count, count_lines, dir_size, proc_io  # noqa: E402

BATCH_BYTES = 2 * 1024 * 1024  # skiff's default max_batch_bytes
IN_FLIGHT = 4  # skiff's default max_in_flight: the parallel curl floor's workers


def parse_size(text):
    units = {"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "k": 1 << 10, "m": 1 << 20,
             "g": 1 << 30}
    t = text.strip().lower()
    for unit, mult in sorted(units.items(), key=lambda u: -len(u[0])):
        if t.endswith(unit):
            return int(float(t[: -len(unit)]) * mult)
    return int(t)


class Esim:
    def __init__(self, build, work):
        port_file = os.path.join(work, "esim.port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.proc = subprocess.Popen([os.path.join(build, "tests/esim/esim"), "--port", "0",
                                      "--port-file", port_file, "--no-source"],
                                     stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not os.path.exists(port_file):
            if time.monotonic() > deadline:
                sys.exit("esim did not start")
            time.sleep(0.02)
        self.url = "http://127.0.0.1:" + open(port_file).read().strip()

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


BENCH_INDEX = "logs-bench-default"


def config_text(data_dir, log, hosts, index, gzip):
    return f"""data_dir = "{data_dir}"
[[inputs.file]]
id = "bench"
paths = ["{log}"]
start_at = "beginning"
[buffer]
max_bytes = "8GiB"
[output.elasticsearch]
hosts = ["{hosts}"]
index = "{index}"
compression = "{'gzip' if gzip else 'none'}"
retry = {{ initial = "1s", max = "30s" }}
"""


def prefill(build, work, log, size):
    """Buffers the whole log with Elasticsearch unreachable; returns the data_dir."""
    data_dir = os.path.join(work, "filled")
    shutil.rmtree(data_dir, ignore_errors=True)
    config = os.path.join(work, "fill.toml")
    with open(config, "w") as f:
        # Port 9 on loopback (discard) refuses connections: nothing is shipped.
        # The ring keeps each batch's index, so the runs ship to this one (a fresh esim each).
        f.write(config_text(data_dir, log, "http://127.0.0.1:9", BENCH_INDEX, False))
    skiff = subprocess.Popen([os.path.join(build, "agent/skiff"), "run", "-c", config,
                              "--log-level", "error"], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 1800
        while proc_io(skiff.pid)["rchar"] < size:
            if time.monotonic() > deadline or skiff.poll() is not None:
                sys.exit("skiff did not read the log in time")
            time.sleep(0.05)
        last = dir_size(os.path.join(data_dir, "ring"))
        while True:  # the ring stopped growing
            time.sleep(0.2)
            ring = dir_size(os.path.join(data_dir, "ring"))
            if ring == last:
                break
            last = ring
    finally:
        skiff.send_signal(signal.SIGTERM)  # persists the ring for the runs
        skiff.wait()
    return data_dir


def ship(build, work, log, filled, size, lines, gzip, run):
    esim = Esim(build, work)
    skiff = None
    try:
        data_dir = os.path.join(work, "data")
        shutil.rmtree(data_dir, ignore_errors=True)
        shutil.copytree(filled, data_dir)
        index = BENCH_INDEX
        config = os.path.join(work, "ship.toml")
        with open(config, "w") as f:
            f.write(config_text(data_dir, log, esim.url, index, gzip))
        start = time.monotonic()
        skiff = subprocess.Popen([os.path.join(build, "agent/skiff"), "run", "-c", config],
                                 stderr=open(os.path.join(work, f"skiff-ship-{run}.log"), "wb"))
        deadline = start + 1800
        while True:
            arrived = count(esim.url, index)
            if arrived >= lines:
                break
            if skiff.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"skiff stopped or timed out at {arrived}/{lines} documents")
            time.sleep(0.05)
        elapsed = time.monotonic() - start
        # Request bodies as esim received them (compressed when gzip is on).
        with urllib.request.urlopen(f"{esim.url}/_esim/stats", timeout=30) as r:
            wire = json.loads(r.read())["bulk_bytes_received"]
        skiff.send_signal(signal.SIGTERM)
        _, _, usage = os.wait4(skiff.pid, 0)
        skiff = None
        cpu = usage.ru_utime + usage.ru_stime
        return {"mb_per_s": size / elapsed / 1e6, "cpu_s_per_gib": cpu / (size / (1 << 30)),
                "wire_mb": wire / 1e6}
    finally:
        if skiff is not None:
            skiff.kill()
            skiff.wait()
        esim.stop()


def render_bodies(log, limit, out_dir):
    """Bulk bodies of the first `limit` bytes of log text; returns (paths, log bytes, docs)."""
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    paths, body, text_bytes, docs, n = [], [], 0, 0, 0
    body_size = 0

    def flush():
        nonlocal body, body_size
        if body:
            path = os.path.join(out_dir, f"body-{len(paths):05d}.ndjson")
            with open(path, "wb") as f:
                f.write(b"".join(body))
            paths.append(path)
            body, body_size = [], 0

    with open(log, "rb") as f:
        for line in f:
            if text_bytes >= limit:
                break
            text_bytes += len(line)
            message = line.rstrip(b"\n").decode("utf-8", "replace")
            # The shape of skiff's own documents: a 22-character _id and the same fields.
            action = json.dumps({"create": {"_id": f"{n:022d}"}}).encode() + b"\n"
            doc = json.dumps({"@timestamp": "2026-11-22T10:00:00.000Z", "message": message,
                              "log.offset": text_bytes - len(line), "log.file.path": log,
                              "data_stream.type": "logs", "data_stream.dataset": "bench",
                              "data_stream.namespace": "default", "host.name": "bench-host",
                              "agent.type": "skiff", "agent.name": "bench-host",
                              "agent.id": "c212260b-b9bb-49eb-8e13-b5e59d09a9d9",
                              "agent.version": "0.1.0", "ecs.version": "8.11.0",
                              "input.type": "file", "event.dataset": "bench"},
                             separators=(",", ":")).encode() + b"\n"
            n += 1
            docs += 1
            body.append(action)
            body.append(doc)
            body_size += len(action) + len(doc)
            if body_size >= BATCH_BYTES:
                flush()
    flush()
    return paths, text_bytes, docs


def curl_args(files, url, gzip):
    """One curl posting `files` in turn on one keep-alive connection."""
    args = ["curl", "-sS", "-o", "/dev/null", "--fail"]
    for i, path in enumerate(files):
        if i > 0:
            args.append("--next")
        args += ["-o", "/dev/null", "-H", "Content-Type: application/x-ndjson",
                 "--data-binary", f"@{path}"]
        if gzip:
            args += ["-H", "Content-Encoding: gzip"]
        args.append(url)
    return args


def curl_floor(build, work, bodies, text_bytes, docs, gzip, run, workers=1):
    """`workers` curls at once, each posting every workers-th body on its own connection."""
    esim = Esim(build, work)
    try:
        index = f"logs-curl{run}{'gzip' if gzip else 'plain'}x{workers}-default"
        url = f"{esim.url}/{index}/_bulk?filter_path=errors"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        files = bodies
        if gzip:
            files = []
            for path in bodies:
                with open(path + ".gz", "wb") as out:
                    subprocess.run(["gzip", "-1", "-c", path], stdout=out, check=True)
                files.append(path + ".gz")
        shares = [files[w::workers] for w in range(workers)]
        procs = [subprocess.Popen(curl_args(share, url, gzip)) for share in shares if share]
        failed = [p.args for p in procs if p.wait() != 0]
        if failed:
            sys.exit(f"curl failed ({len(failed)} of {len(procs)} workers)")
        elapsed = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        arrived = count(esim.url, index)
        if arrived != docs:
            sys.exit(f"curl x{workers}: {arrived} of {docs} documents arrived")
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        wire = sum(os.path.getsize(p) for p in files)
        return {"mb_per_s": text_bytes / elapsed / 1e6,
                "cpu_s_per_gib": cpu / (text_bytes / (1 << 30)), "wire_mb": wire / 1e6}
    finally:
        esim.stop()


def report(name, results):
    med = {k: statistics.median(r[k] for r in results) for k in results[0]}
    print(f"{name:<22} median of {len(results)}: {med['mb_per_s']:7.1f} MB/s of log text, "
          f"{med['cpu_s_per_gib']:6.2f} CPU-s/GiB, {med['wire_mb']:8.1f} MB on the wire",
          flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--bytes", type=parse_size, default=64 << 20)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--curl-bytes", type=parse_size, default=64 << 20,
                    help="log text rendered into bodies for the curl floor")
    ap.add_argument("--curl-workers", type=int, default=IN_FLIGHT,
                    help="curls posting at once for the parallel floor (skiff's max_in_flight)")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    work = os.path.join(build, "bench", "output")
    os.makedirs(work, exist_ok=True)
    log = os.path.join(work, "set.log")
    if not os.path.exists(log) or abs(os.path.getsize(log) - args.bytes) > 4096:
        subprocess.run([os.path.join(build, "tests/tools/loggen"), "--out", log, "--bytes",
                        str(args.bytes)], check=True, stdout=subprocess.DEVNULL)
    size = os.path.getsize(log)
    lines = count_lines(log)
    print(f"log set: {size / 1e6:.0f} MB, {lines} lines; buffering it with Elasticsearch "
          f"unreachable", flush=True)
    filled = prefill(build, work, log, size)
    bodies, text_bytes, docs = render_bodies(log, min(args.curl_bytes, size),
                                             os.path.join(work, "bodies"))
    for gzip in (False, True):
        name = "gzip on" if gzip else "gzip off"
        results = []
        for run in range(args.runs):
            r = ship(build, work, log, filled, size, lines, gzip, run)
            print(f"  skiff {name} run {run + 1}: {r['mb_per_s']:.1f} MB/s, "
                  f"{r['cpu_s_per_gib']:.2f} CPU-s/GiB, {r['wire_mb']:.1f} MB on the wire",
                  flush=True)
            results.append(r)
        report(f"skiff, {name}", results)
        for workers in (1, args.curl_workers):
            results = []
            for run in range(args.runs):
                results.append(curl_floor(build, work, bodies, text_bytes, docs, gzip, run,
                                          workers))
            report(f"curl x{workers}, {name}", results)


if __name__ == "__main__":
    main()
