#!/usr/bin/env bash
# make demo: generate a log, start the bundled Elasticsearch test server (esim) on
# loopback, run skiff on examples/demo.toml, wait until every line has arrived, show what
# arrived, run a task under `skiff exec` and show its documents, and stop everything.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/$build"
lines=${SKIFF_DEMO_LINES:-200000}
dir="$root/$build/demo"
rm -rf "$dir"
mkdir -p "$dir/logs"

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

echo "1. generating $lines log lines (nginx access and JSON application lines) in $dir/logs/app.log"
"$bin/tests/tools/loggen" --out "$dir/logs/app.log" --lines "$lines" >/dev/null
bytes=$(stat -c %s "$dir/logs/app.log")

echo "2. starting the Elasticsearch test server (esim) on a free loopback port"
"$bin/tests/esim/esim" --port 0 --port-file "$dir/esim.port" >"$dir/esim.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$dir/esim.port" ] && break; sleep 0.05; done
[ -s "$dir/esim.port" ] || { echo "esim did not start; see $dir/esim.log" >&2; exit 1; }
es="http://127.0.0.1:$(cat "$dir/esim.port")"
echo "   $es"

echo "3. running: skiff run -c examples/demo.toml   (log: $dir/skiff.log)"
export SKIFF_DEMO_DIR="$dir" SKIFF_DEMO_ES="$es"
start=$(date +%s.%N)
"$bin/agent/skiff" run -c "$root/examples/demo.toml" >"$dir/skiff.log" 2>&1 &
skiff_pid=$!
pids+=($skiff_pid)

count=0
deadline=$(( $(date +%s) + 120 ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  count=$(curl -s "$es/logs-demo-default/_count" | sed -n 's/.*"count":\([0-9]*\).*/\1/p')
  count=${count:-0}
  [ "$count" -ge "$lines" ] && break
  kill -0 "$skiff_pid" 2>/dev/null || { echo "skiff exited early; see $dir/skiff.log" >&2; tail -5 "$dir/skiff.log" >&2; exit 1; }
  sleep 0.1
done
end=$(date +%s.%N)
if [ "$count" -lt "$lines" ]; then
  echo "only $count of $lines documents arrived within 120 s; see $dir/skiff.log" >&2
  exit 1
fi

secs=$(echo "$end - $start" | bc -l)
printf '\n%d documents arrived in %.1f s (%.0f lines/s, %.1f MB/s of log text)\n' \
  "$count" "$secs" "$(echo "$count / $secs" | bc -l)" "$(echo "$bytes / $secs / 1000000" | bc -l)"

echo
echo "One of them, as Elasticsearch stores it:"
curl -s -o "$dir/arrived.ndjson" "$es/_esim/dump?index=logs-demo-default"
head -n 1 "$dir/arrived.ndjson" | /usr/bin/python3 -m json.tool
echo
echo "4. running a task under skiff exec: its output passes through, and ships with its outcome"
task_status=0
"$bin/agent/skiff" exec -c "$root/examples/demo.toml" --log-level warn --task nightly-report -- \
  sh -c 'echo "report: 3 regions, 1200 orders"; echo "warning: eu-west mirror slow" >&2; echo "report: done"' \
  2>&1 | sed 's/^/   | /' || task_status=$?
echo "   skiff exec exited with the task's status: $task_status"
task_docs=5  # 3 lines, plus "task started" and "task finished"
deadline=$(( $(date +%s) + 60 ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  count=$(curl -s "$es/logs-demo-default/_count" | sed -n 's/.*"count":\([0-9]*\).*/\1/p')
  [ "${count:-0}" -ge $(( lines + task_docs )) ] && break
  sleep 0.1
done
echo "   the task's documents, as stored:"
curl -s "$es/_esim/dump?index=logs-demo-default" | /usr/bin/python3 -c '
import json, sys
for line in sys.stdin:
    doc = json.loads(line)
    src = doc.get("_source", doc)
    if "task.name" not in src:
        continue
    shown = {k: src[k] for k in ("task.name", "log.stream", "event.action", "message",
                                 "event.outcome", "process.exit_code") if k in src}
    print("   ", json.dumps(shown))
'
echo
kill -TERM "$skiff_pid"
wait "$skiff_pid" && echo "skiff stopped cleanly on SIGTERM (exit 0)."
echo
echo "Where to look:"
echo "  $dir/logs/app.log        the generated log"
echo "  $dir/skiff.log           skiff's own log"
echo "  $dir/arrived.ndjson      every document esim stored, one per line"
echo "  $dir/data/               data_dir: agent-id, checkpoints, ring/ (a second run ships nothing new)"
echo "  examples/demo.toml                  the configuration used"
