#!/usr/bin/python3
"""`skiff exec` benchmark: a child printing generated log lines as fast as it can
(tests/tools/loggen writing to its stdout), run three ways:

  alone     the child's stdout on a pipe to `cat > /dev/null` (the floor);
  exec      under `skiff exec --quiet`, shipping to esim on loopback: wall time from start
            until skiff exits, which includes the drain, so every line is delivered;
  child     the child's own wall time under skiff exec (/usr/bin/time around it): what
            wrapping a task in skiff costs the task itself.

Prints per run and the median: lines/s, skiff's CPU seconds per GiB of output (the
process tree's CPU from wait4 minus the child's CPU measured alone), peak RSS, and the
overhead on the child's wall time.

  exec_bench.py BUILD_DIR [--bytes N] [--runs 3]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_support  # noqa: E402
from bench_support import count_lines  # noqa: E402


def wait_with_usage(pid, limit_s):
    """wait4() with a deadline: (exit status, rusage of the process and the children it
    reaped)."""
    deadline = time.monotonic() + limit_s
    while True:
        waited, status, usage = os.wait4(pid, os.WNOHANG)
        if waited == pid:
            return os.waitstatus_to_exitcode(status), usage
        if time.monotonic() > deadline:
            os.kill(pid, 9)
            sys.exit(f"pid {pid} did not finish in {limit_s} s")
        time.sleep(0.02)


def child_alone(loggen, size):
    """(wall seconds, CPU seconds) of the child writing into a pipe read by cat."""
    started = time.monotonic()
    child = subprocess.Popen([loggen, "--out", "-", "--bytes", str(size)],
                             stdout=subprocess.PIPE)
    cat = subprocess.Popen(["cat"], stdin=child.stdout, stdout=subprocess.DEVNULL)
    child.stdout.close()
    _, usage = wait_with_usage(child.pid, 600)
    child.returncode = 0  # reaped above
    elapsed = time.monotonic() - started
    cat.wait()
    return elapsed, usage.ru_utime + usage.ru_stime


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--bytes", type=int, default=256 << 20)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    work = os.path.join(build, "bench", "exec")
    os.makedirs(work, exist_ok=True)
    loggen = os.path.join(build, "tests/tools/loggen")
    probe = os.path.join(work, "probe.log")
    bench_support.generate_log(build, probe, args.bytes)
    size = os.path.getsize(probe)
    lines = count_lines(probe)
    os.unlink(probe)

    results = []
    with bench_support.esim(build, work, "--no-source") as es:
        for run in range(args.runs):
            alone_s, child_cpu = child_alone(loggen, size)
            index = f"logs-execbench{run}-default"
            task = f"bench{run}"
            data_dir = os.path.join(work, "data")
            shutil.rmtree(data_dir, ignore_errors=True)
            config = os.path.join(work, "exec.toml")
            with open(config, "w") as f:
                f.write(f"""data_dir = "{data_dir}"
[exec]
index = "{index}"
[output.elasticsearch]
hosts = ["{es}"]
index = "{index}"
""")
            child_time = os.path.join(work, "child.seconds")
            started = time.monotonic()
            skiff = subprocess.Popen(
                [os.path.join(build, "agent/skiff"), "exec", "-c", config, "--quiet",
                 "--task", task, "--", "/usr/bin/time", "-f", "%e", "-o", child_time, loggen,
                 "--out", "-", "--bytes", str(size)],
                stderr=open(os.path.join(work, f"skiff-{run}.log"), "wb"))
            code, usage = wait_with_usage(skiff.pid, 1800)
            skiff.returncode = code
            elapsed = time.monotonic() - started
            if code != 0:
                sys.exit(f"run {run}: skiff exec exited {code}")
            arrived = bench_support.count(es, index)
            if arrived < lines:
                sys.exit(f"run {run}: {arrived}/{lines} lines delivered")
            with open(child_time) as f:
                child_s = float(f.read().split()[-1])
            # wait4 counts skiff and the child it reaped; the child's own CPU is taken
            # as what it used alone. ru_maxrss is the larger of the two peaks: skiff's.
            skiff_cpu = max(usage.ru_utime + usage.ru_stime - child_cpu, 0.0)
            results.append({"elapsed": elapsed, "alone": alone_s, "child": child_s,
                            "skiff_cpu": skiff_cpu, "hwm_mib": usage.ru_maxrss / 1024})
    for r in results:
        r["lines_per_s"] = lines / r["elapsed"]
        r["cpu_per_gib"] = r["skiff_cpu"] / (size / (1 << 30))
        r["overhead"] = r["child"] / r["alone"] if r["alone"] > 0 else 0.0
    for i, r in enumerate(results):
        print(f"run {i + 1}: {lines} lines, {size / 1e6:.0f} MB: {r['lines_per_s']:,.0f} lines/s "
              f"delivered (exit after drain: {r['elapsed']:.2f} s), skiff "
              f"{r['cpu_per_gib']:.2f} CPU-s/GiB, peak RSS {r['hwm_mib']:.1f} MiB; child "
              f"alone {r['alone']:.2f} s, under skiff exec {r['child']:.2f} s "
              f"({r['overhead']:.2f}x)", flush=True)
    med = {k: statistics.median(r[k] for r in results) for k in results[0]}
    print(f"median of {len(results)}: {med['lines_per_s']:,.0f} lines/s, "
          f"{med['cpu_per_gib']:.2f} CPU-s/GiB, peak RSS {med['hwm_mib']:.1f} MiB, child wall "
          f"time {med['alone']:.2f} s alone vs {med['child']:.2f} s under skiff exec "
          f"({med['overhead']:.2f}x)")


if __name__ == "__main__":
    main()
