#!/usr/bin/env bash
# make bench: the benchmarks, each printing its figures (medians of several runs).
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
echo "== esim ingest (the test server must not be the bottleneck)"
"$root/$build/tests/esim/esim_load" --self-test-server "$root/$build/tests/esim/esim" --runs 3
echo
echo "== end to end: ship a generated 1 GiB log set to esim"
/usr/bin/python3 "$root/tests/bench/ship_bench.py" "$root/$build" --bytes "${SKIFF_BENCH_BYTES:-1073741824}" --runs 3
echo
echo "== ring: buffer the same log set with Elasticsearch unreachable (ratio on disk, zstd -1 beside it)"
/usr/bin/python3 "$root/tests/bench/ring_fill_bench.py" "$root/$build" --bytes "${SKIFF_BENCH_BYTES:-1073741824}" --runs 3
echo
echo "== tailing into the ring: only access lines as text, then only JSON lines parsed as JSON"
/usr/bin/python3 "$root/tests/bench/ring_fill_bench.py" "$root/$build" --bytes "${SKIFF_BENCH_BYTES:-1073741824}" --runs 3 --kind text --format text
/usr/bin/python3 "$root/tests/bench/ring_fill_bench.py" "$root/$build" --bytes "${SKIFF_BENCH_BYTES:-1073741824}" --runs 3 --kind json --format json
echo
echo "== processors: events/s through five typical processors on one core (CPU time)"
"$root/$build/tests/agent/processors/processors_benchmark" --benchmark_min_time=2 \
  --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
echo
echo "== ring: append + read + ack of the same log set (wall time, whole-process CPU) beside one core of zstd on the same bytes"
SKIFF_RING_BENCH_LOG="$root/$build/bench/ring/logs/set.log" "$root/$build/tests/buffer/ring_benchmark" \
  --benchmark_repetitions=3 --benchmark_report_aggregates_only=true
echo
echo "== end to end with five typical processors (compare CPU-s/GiB with the plain run above)"
/usr/bin/python3 "$root/tests/bench/ship_bench.py" "$root/$build" --bytes "${SKIFF_BENCH_BYTES:-1073741824}" --runs 3 --processors
echo
echo "== idle: 10,000 followed files, nothing written (CPU over 30 s, RSS, descriptors)"
/usr/bin/python3 "$root/tests/bench/idle_files_bench.py" "$root/$build" --files 10000 --seconds 30 --runs 3
echo
echo "== footprint: stripped size, idle RSS/CPU/wake-ups with one file, peak RSS shipping 200 MB (add a minimal build: SKIFF_MINIMAL_SKIFF=path)"
/usr/bin/python3 "$root/tests/bench/footprint_bench.py" "$root/$build" --binary "$root/$build/agent/skiff" \
  ${SKIFF_MINIMAL_SKIFF:+--binary "$SKIFF_MINIMAL_SKIFF"}
echo
echo "== output: ship a pre-filled ring to esim, gzip off and on, beside curl posting bodies of the same shape"
/usr/bin/python3 "$root/tests/bench/output_bench.py" "$root/$build" --bytes "${SKIFF_BENCH_BYTES:-1073741824}" --runs 3
echo
echo "== skiff exec: a child printing as fast as it can (lines/s, CPU-s/GiB, the child's wall time)"
/usr/bin/python3 "$root/tests/bench/exec_bench.py" "$root/$build" --bytes "$(( ${SKIFF_BENCH_BYTES:-1073741824} / 4 ))" --runs 3
