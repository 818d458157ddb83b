#!/usr/bin/python3
"""Idle cost of following many files: N one-line files in 100 directories (the shape of
/var/log/pods), shipped to esim; once all have arrived, skiff's CPU (user+sys, from
/proc/PID/stat) is measured over a window with nothing written, with the default
poll and scan intervals. Also prints RSS and open descriptors.

  idle_files_bench.py BUILD_DIR [--files 10000] [--seconds 30] [--runs 3]
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
from bench_support import count, cpu_seconds, status_kib  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--files", type=int, default=10_000)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    work = os.path.join(build, "bench", "idle")
    logs = os.path.join(work, "logs")
    shutil.rmtree(logs, ignore_errors=True)
    for i in range(args.files):
        sub = os.path.join(logs, f"pod-{i % 100:03d}")
        os.makedirs(sub, exist_ok=True)
        with open(os.path.join(sub, f"app-{i}.log"), "w") as f:
            f.write(f"line of file {i}\n")

    port_file = os.path.join(work, "esim.port")
    if os.path.exists(port_file):
        os.unlink(port_file)
    running = []
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
            index = f"logs-idle{run}-default"
            data_dir = os.path.join(work, "data")
            shutil.rmtree(data_dir, ignore_errors=True)
            config = os.path.join(work, "idle.toml")
            with open(config, "w") as f:
                f.write(f"""data_dir = "{data_dir}"
[[inputs.file]]
id = "pods"
paths = ["{logs}/*/*.log"]
start_at = "beginning"
[output.elasticsearch]
hosts = ["{es}"]
index = "{index}"
""")
            started = time.monotonic()
            skiff = subprocess.Popen([os.path.join(build, "agent/skiff"), "run", "-c", config],
                                     stderr=open(os.path.join(work, f"skiff-{run}.log"), "wb"))
            running.append(skiff)
            while count(es, index) < args.files:
                if skiff.poll() is not None or time.monotonic() - started > 600:
                    sys.exit(f"run {run}: skiff stopped or timed out")
                time.sleep(0.2)
            shipped_s = time.monotonic() - started
            time.sleep(2)  # let the last checkpoint save and the batch timers settle
            before = cpu_seconds(skiff.pid)
            time.sleep(args.seconds)
            idle = (cpu_seconds(skiff.pid) - before) / args.seconds
            fds = len(os.listdir(f"/proc/{skiff.pid}/fd"))
            rss_mib = status_kib(skiff.pid, "VmRSS") / 1024
            skiff.send_signal(signal.SIGTERM)
            skiff.wait()
            running.remove(skiff)
            r = {"idle_cpu_pct": 100 * idle, "rss_mib": rss_mib, "shipped_s": shipped_s}
            results.append(r)
            print(f"run {run + 1}: {args.files} files shipped in {shipped_s:.1f} s; idle over "
                  f"{args.seconds:.0f} s: {r['idle_cpu_pct']:.2f} % of a core, RSS {rss_mib:.1f} MiB, "
                  f"{fds} descriptors", flush=True)
        med = {k: statistics.median(r[k] for r in results) for k in results[0]}
        print(f"median of {len(results)}: idle CPU {med['idle_cpu_pct']:.2f} % of a core, "
              f"RSS {med['rss_mib']:.1f} MiB, discovery and shipping {med['shipped_s']:.1f} s")
    finally:
        for p in running:
            p.kill()
            p.wait()
        esim.terminate()
        esim.wait()


if __name__ == "__main__":
    main()
