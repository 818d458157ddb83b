#!/usr/bin/python3
"""Ring benchmark with the real agent: the generated log set (the same as ship_bench.py:
mixed nginx access and JSON lines) is read by skiff into its on-disk ring while
Elasticsearch is unreachable, so everything stays buffered.

Prints, per run and as the median: the compression ratio (input bytes / total size of the
files in data_dir/ring once the whole log is buffered), bytes written to disk per byte of
input (/proc/PID/io write_bytes, which counts what reaches the block layer), the time to
buffer the log (MB/s of log text) and skiff's CPU seconds per GiB. Beside it, the
single-core speed and ratio of `zstd -1` on the same bytes, in the same run.

With `--kind text` or `--kind json` the set holds only access lines or only JSON lines,
and `--format` picks how the input parses them (`--kind json --format json`: tailing with
JSON parsing, each line's members merged into the event).

  ring_fill_bench.py BUILD_DIR [--bytes N] [--runs 3] [--kind mixed|text|json]
                     [--format text|json|auto]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_support import cpu_seconds, dir_size, proc_io  # noqa: E402


def zstd_reference(log, level):
    """Single-threaded zstd on the same file: (MB/s of input, ratio)."""
    started = time.monotonic()
    proc = subprocess.run(["zstd", f"-{level}", "-T1", "-c", log], stdout=subprocess.PIPE,
                          check=True)
    elapsed = time.monotonic() - started
    size = os.path.getsize(log)
    return size / elapsed / 1e6, size / len(proc.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--bytes", type=int, default=1 << 30)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--level", type=int, default=1)
    ap.add_argument("--kind", choices=["mixed", "text", "json"], default="mixed")
    ap.add_argument("--format", choices=["text", "json", "auto"], default="text")
    args = ap.parse_args()
    build = os.path.abspath(args.build)
    work = os.path.join(build, "bench", "ring")
    logs = os.path.join(work, "logs")
    os.makedirs(logs, exist_ok=True)
    log = os.path.join(logs, "set.log" if args.kind == "mixed" else f"set-{args.kind}.log")
    if not os.path.exists(log) or abs(os.path.getsize(log) - args.bytes) > 4096:
        subprocess.run([os.path.join(build, "tests/tools/loggen"), "--out", log, "--bytes",
                        str(args.bytes), "--kind", args.kind], check=True,
                       stdout=subprocess.DEVNULL)
    size = os.path.getsize(log)

    results = []
    for run in range(args.runs):
        data_dir = os.path.join(work, "data")
        shutil.rmtree(data_dir, ignore_errors=True)
        config = os.path.join(work, "ring.toml")
        with open(config, "w") as f:
            # Port 9 on loopback (discard) refuses connections: nothing is ever shipped.
            f.write(f"""data_dir = "{data_dir}"
[[inputs.file]]
id = "bench"
paths = ["{log}"]
start_at = "beginning"
format = "{args.format}"
[buffer]
max_bytes = "{max(4 * size, 1 << 30)}"
compression_level = {args.level}
[output.elasticsearch]
hosts = ["http://127.0.0.1:9"]
retry = {{ initial = "1s", max = "30s" }}
""")
        skiff = subprocess.Popen([os.path.join(build, "agent/skiff"), "run", "-c", config,
                                  "--log-level", "error"], stdout=subprocess.DEVNULL)
        try:
            started = time.monotonic()
            deadline = started + 600
            # Buffered once skiff has read the whole log and its writes have settled.
            while proc_io(skiff.pid)["rchar"] < size:
                if time.monotonic() > deadline or skiff.poll() is not None:
                    sys.exit("skiff did not read the log in time")
                time.sleep(0.02)
            # ...and the ring stopped growing (compression may trail the reads a little).
            read_at = time.monotonic()
            last = dir_size(os.path.join(data_dir, "ring"))
            while True:
                time.sleep(0.1)
                ring = dir_size(os.path.join(data_dir, "ring"))
                if ring == last:
                    break
                last, read_at = ring, time.monotonic()
            cpu = cpu_seconds(skiff.pid)
            io = proc_io(skiff.pid)
        finally:
            skiff.terminate()
            skiff.wait(60)
        ring = dir_size(os.path.join(data_dir, "ring"))
        r = {
            "mbps": size / (read_at - started) / 1e6,
            "ratio": size / ring,
            "written_per_input": io["write_bytes"] / size,
            "cpu_per_gib": cpu / (size / (1 << 30)),
        }
        results.append(r)
        print(f"run {run + 1}: buffered {size / 1e6:.0f} MB in {read_at - started:.2f} s "
              f"({r['mbps']:.0f} MB/s), ring {ring / 1e6:.1f} MB = {r['ratio']:.2f}:1, "
              f"{r['written_per_input']:.3f} bytes written per input byte, "
              f"{r['cpu_per_gib']:.2f} CPU-s/GiB", flush=True)
        zmbps, zratio = zstd_reference(log, args.level)
        r["zstd_mbps"], r["zstd_ratio"] = zmbps, zratio
        print(f"       zstd -{args.level} -T1 on the same bytes: {zmbps:.0f} MB/s, "
              f"{zratio:.2f}:1", flush=True)

    def median(key):
        return statistics.median(r[key] for r in results)
    print(f"{args.kind} set, format = {args.format}")
    print(f"median of {len(results)}: ring {median('ratio'):.2f}:1 "
          f"(zstd -{args.level}: {median('zstd_ratio'):.2f}:1), "
          f"{median('written_per_input'):.3f} bytes written per input byte, "
          f"buffering {median('mbps'):.0f} MB/s at {median('cpu_per_gib'):.2f} CPU-s/GiB "
          f"(zstd -{args.level} single core: {median('zstd_mbps'):.0f} MB/s)")


if __name__ == "__main__":
    main()
