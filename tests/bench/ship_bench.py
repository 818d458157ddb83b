#!/usr/bin/python3
"""End-to-end shipping benchmark: a generated log set (default 1 GiB of mixed nginx access
and JSON lines, ~180 bytes each) is shipped by skiff to esim on loopback.

Prints, per run and as the median of the runs: throughput in MB/s of log text, CPU
seconds (user+sys of the skiff process) per GiB, and skiff's peak RSS. esim runs with
--no-source so that the receiving side stays cheap; it still parses every line and checks
every _id.

  ship_bench.py BUILD_DIR [--bytes N] [--runs 3]
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_support import count, count_lines  # noqa: E402


# Five typical processors; none drops an event, so every line still arrives. The nginx
# preset fails on the JSON half of the set (flagged, kept), as it would on mixed logs.
PROCESSORS = """
[[processors]]
type = "exclude"
patterns = ['^DEBUG ', '(?i)health ?check ok']

[[processors]]
type = "parse"
pattern = "nginx"

[[processors]]
type = "fields"
add = { "service.name" = "bench", "deployment.environment" = "prod" }

[[processors]]
type = "redact"
patterns = ["bearer_token", "email", "credit_card"]

[[processors]]
type = "sample"
every = 10
when = { matches = '^TRACE ' }
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--bytes", type=int, default=1 << 30)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--processors", action="store_true",
                    help="run a chain of five typical processors (none drops an event)")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    work = os.path.join(build, "bench", "ship")
    logs = os.path.join(work, "logs")
    os.makedirs(logs, exist_ok=True)
    log = os.path.join(logs, "set.log")
    if not os.path.exists(log) or abs(os.path.getsize(log) - args.bytes) > 4096:
        subprocess.run([os.path.join(build, "tests/tools/loggen"), "--out", log, "--bytes",
                        str(args.bytes)], check=True, stdout=subprocess.DEVNULL)
    size = os.path.getsize(log)
    lines = count_lines(log)

    port_file = os.path.join(work, "esim.port")
    if os.path.exists(port_file):
        os.unlink(port_file)
    running = []  # skiff processes to stop if a run fails
    esim = subprocess.Popen([os.path.join(build, "tests/esim/esim"), "--port", "0", "--port-file",
                             port_file, "--no-source"], stdout=subprocess.DEVNULL)
    try:
        for _ in range(200):
            if os.path.exists(port_file):
                break
            time.sleep(0.05)
        es = "http://127.0.0.1:" + open(port_file).read().strip()
        results = []
        for run in range(args.runs):
            index = f"logs-bench{run}-default"
            data_dir = os.path.join(work, "data")
            shutil.rmtree(data_dir, ignore_errors=True)
            config = os.path.join(work, "bench.toml")
            with open(config, "w") as f:
                f.write(f"""data_dir = "{data_dir}"
[[inputs.file]]
id = "bench"
paths = ["{logs}/*.log"]
start_at = "beginning"
[output.elasticsearch]
hosts = ["{es}"]
index = "{index}"
""")
                if args.processors:
                    f.write(PROCESSORS)
            start = time.monotonic()
            skiff = subprocess.Popen([os.path.join(build, "agent/skiff"), "run", "-c", config],
                                     stderr=open(os.path.join(work, f"skiff-{run}.log"), "wb"))
            deadline = start + 1800
            running.append(skiff)
            while True:
                arrived = count(es, index)
                if arrived >= lines:
                    break
                if skiff.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"run {run}: skiff stopped or timed out at {arrived}/{lines} documents")
                time.sleep(0.05)
            elapsed = time.monotonic() - start
            # VmHWM is the peak since exec; ru_maxrss would also count the forked Python.
            with open(f"/proc/{skiff.pid}/status") as f:
                hwm_kib = next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))
            skiff.send_signal(signal.SIGTERM)
            _, status, usage = os.wait4(skiff.pid, 0)
            running.remove(skiff)
            cpu = usage.ru_utime + usage.ru_stime
            r = {"seconds": elapsed, "mb_per_s": size / elapsed / 1e6,
                 "cpu_s_per_gib": cpu / (size / (1 << 30)), "peak_rss_mib": hwm_kib / 1024}
            results.append(r)
            print(f"run {run + 1}: {lines} lines, {size / 1e6:.0f} MB in {elapsed:.2f} s: "
                  f"{r['mb_per_s']:.0f} MB/s, {r['cpu_s_per_gib']:.2f} CPU-s/GiB, "
                  f"peak RSS {r['peak_rss_mib']:.1f} MiB", flush=True)
        med = {k: statistics.median(r[k] for r in results) for k in results[0]}
        print(f"median of {len(results)}: {med['mb_per_s']:.0f} MB/s, "
              f"{med['cpu_s_per_gib']:.2f} CPU-s/GiB, peak RSS {med['peak_rss_mib']:.1f} MiB")
    finally:
        for p in running:
            p.kill()
            p.wait()
        esim.terminate()
        esim.wait()


if __name__ == "__main__":
    main()
