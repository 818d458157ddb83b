#!/usr/bin/python3
"""skiff's footprint on edge nodes: for each binary given, its stripped size; idle RSS with one
watched file (after --idle-seconds); idle CPU and wake-ups over --cpu-seconds (user+sys
from /proc/PID/stat; wake-ups as the voluntary context switches of all its threads); peak
RSS (VmHWM) while shipping a generated --bytes log to esim at full speed.

  footprint_bench.py BUILD_DIR [--binary PATH ...] [--bytes 200000000]
                     [--idle-seconds 10] [--cpu-seconds 60] [--runs 1] [--breakdown]
                     [--output-option 'max_in_flight = 2' ...]

--runs N measures each binary N times and reports the medians. --breakdown also prints
where the resident memory is (memory_map.py: heap, thread arenas, stacks, libraries) at
idle and at the highest RSS seen while shipping (sampled every 0.2 s). --output-option
adds a line to [output.elasticsearch] (e.g. the edge settings in docs/footprint.md).

BUILD_DIR provides esim and loggen (a build with tests); --binary defaults to
BUILD_DIR/agent/skiff and may be repeated (e.g. a -DSKIFF_MINIMAL=ON build's skiff).
Figures from a shared machine are noisy: compare runs made on a quiet one.
"""
import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_support import count, count_lines, cpu_seconds, status_kib  # noqa: E402
from memory_map import breakdown, format_breakdown  # noqa: E402


def voluntary_switches(pid):
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                total += next(int(l.split()[1]) for l in f
                              if l.startswith("voluntary_ctxt_switches:"))
        except FileNotFoundError:
            pass  # a thread that ended
    return total


def write_config(path, data_dir, logs, es, index, output_options=()):
    with open(path, "w") as f:
        f.write(f"""data_dir = "{data_dir}"
[[inputs.file]]
id = "footprint"
paths = ["{logs}/*.log"]
start_at = "beginning"
[output.elasticsearch]
hosts = ["{es}"]
index = "{index}"
""")
        for option in output_options:
            f.write(option + "\n")


def wait_count(es, index, n, proc, timeout, sample=None):
    deadline = time.monotonic() + timeout
    while count(es, index) < n:
        if proc.poll() is not None or time.monotonic() > deadline:
            sys.exit(f"skiff stopped or timed out before {n} documents arrived in {index}")
        if sample:
            sample()
        time.sleep(0.2)


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def measure(binary, build, es, work, args, tag):
    stripped = os.path.join(work, f"skiff-{tag}-stripped")
    shutil.copy(binary, stripped)
    subprocess.run(["strip", stripped], check=True)
    size_mib = os.path.getsize(stripped) / 2**20

    # Idle: one watched file with one line.
    logs = os.path.join(work, f"idle-{tag}")
    os.makedirs(logs)
    with open(os.path.join(logs, "one.log"), "w") as f:
        f.write("one line\n")
    config = os.path.join(work, f"idle-{tag}.toml")
    index = f"logs-idle{tag}-default"
    write_config(config, os.path.join(work, f"data-idle-{tag}"), logs, es, index,
                 args.output_option or ())
    proc = subprocess.Popen([binary, "run", "-c", config],
                            stderr=open(os.path.join(work, f"skiff-idle-{tag}.log"), "wb"))
    try:
        wait_count(es, index, 1, proc, 60)
        time.sleep(args.idle_seconds)
        idle_rss_mib = status_kib(proc.pid, "VmRSS") / 1024
        idle_map = breakdown(proc.pid) if args.breakdown else None
        cpu0, switches0 = cpu_seconds(proc.pid), voluntary_switches(proc.pid)
        time.sleep(args.cpu_seconds)
        idle_cpu_pct = 100 * (cpu_seconds(proc.pid) - cpu0) / args.cpu_seconds
        wakeups_per_s = (voluntary_switches(proc.pid) - switches0) / args.cpu_seconds
    finally:
        stop(proc)

    # Full throughput: the generated log, shipped as fast as skiff goes.
    logs = os.path.join(work, f"busy-{tag}")
    os.makedirs(logs)
    log = os.path.join(logs, "set.log")
    subprocess.run([os.path.join(build, "tests/tools/loggen"), "--out", log, "--bytes",
                    str(args.bytes)], check=True, stdout=subprocess.DEVNULL)
    lines = count_lines(log)
    config = os.path.join(work, f"busy-{tag}.toml")
    index = f"logs-busy{tag}-default"
    write_config(config, os.path.join(work, f"data-busy-{tag}"), logs, es, index,
                 args.output_option or ())
    started = time.monotonic()
    proc = subprocess.Popen([binary, "run", "-c", config],
                            stderr=open(os.path.join(work, f"skiff-busy-{tag}.log"), "wb"))
    peak = {"rss": 0, "map": None}

    def sample():
        if not args.breakdown:
            return
        try:
            rss = status_kib(proc.pid, "VmRSS")
            if rss > peak["rss"]:
                peak["rss"], peak["map"] = rss, breakdown(proc.pid)
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            pass  # it ended: wait_count reports that

    try:
        wait_count(es, index, lines, proc, 1800, sample)
        seconds = time.monotonic() - started
        # VmHWM is the peak since exec.
        peak_rss_mib = status_kib(proc.pid, "VmHWM") / 1024
    finally:
        stop(proc)
    os.unlink(log)
    return {"binary": binary, "stripped_mib": size_mib, "idle_rss_mib": idle_rss_mib,
            "idle_cpu_pct": idle_cpu_pct, "idle_wakeups_per_s": wakeups_per_s,
            "busy_peak_rss_mib": peak_rss_mib, "busy_mb_per_s": args.bytes / 1e6 / seconds,
            "idle_map": idle_map, "peak_map": peak["map"]}


def median_run(runs):
    """The figures of `runs` as medians (each figure on its own); the maps of the run
    whose peak RSS is the median one."""
    out = dict(runs[0])
    for key, value in runs[0].items():
        if isinstance(value, float):
            out[key] = statistics.median(r[key] for r in runs)
    by_peak = sorted(runs, key=lambda r: r["busy_peak_rss_mib"])
    middle = by_peak[len(by_peak) // 2]
    out["idle_map"], out["peak_map"] = middle["idle_map"], middle["peak_map"]
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--binary", action="append")
    ap.add_argument("--bytes", type=int, default=200_000_000)
    ap.add_argument("--idle-seconds", type=float, default=10)
    ap.add_argument("--cpu-seconds", type=float, default=60)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--breakdown", action="store_true")
    ap.add_argument("--output-option", action="append")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    binaries = [os.path.abspath(b) for b in (args.binary or [os.path.join(build, "agent/skiff")])]
    work = tempfile.mkdtemp(prefix="skiff-footprint-")
    port_file = os.path.join(work, "esim.port")
    esim = subprocess.Popen([os.path.join(build, "tests/esim/esim"), "--port", "0",
                             "--port-file", port_file, "--no-source"], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(port_file):
            if time.monotonic() > deadline:
                sys.exit("esim did not start")
            time.sleep(0.05)
        es = "http://127.0.0.1:" + open(port_file).read().strip()
        for i, binary in enumerate(binaries):
            r = median_run([measure(binary, build, es, work, args, f"{i}r{n}")
                            for n in range(args.runs)])
            print(f"{r['binary']}:\n"
                  f"  stripped size      {r['stripped_mib']:.2f} MiB\n"
                  f"  idle RSS           {r['idle_rss_mib']:.1f} MiB (one watched file, after "
                  f"{args.idle_seconds:.0f} s)\n"
                  f"  idle CPU           {r['idle_cpu_pct']:.3f} % of a core over "
                  f"{args.cpu_seconds:.0f} s, {r['idle_wakeups_per_s']:.1f} wake-ups/s\n"
                  f"  peak RSS shipping  {r['busy_peak_rss_mib']:.1f} MiB (VmHWM, "
                  f"{args.bytes / 1e6:.0f} MB at {r['busy_mb_per_s']:.0f} MB/s)"
                  + (f", median of {args.runs} runs" if args.runs > 1 else ""), flush=True)
            if args.breakdown:
                print(f"  idle:\n{format_breakdown(r['idle_map'])}\n"
                      f"  at the highest sampled RSS while shipping:\n"
                      f"{format_breakdown(r['peak_map'])}", flush=True)
    finally:
        esim.terminate()
        esim.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
