#!/bin/sh
# Runs flow.py against the Elasticsearch test server (esim) from a build tree, then prints
# the task documents esim stored. Usage: run-with-esim.sh [BUILD_DIR] (default: build)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
dir=$(mktemp -d /tmp/skiff-pipeline-tasks.XXXXXX)
"$build/tests/esim/esim" --port 0 --port-file "$dir/esim.port" >"$dir/esim.log" 2>&1 &
esim=$!
trap 'kill $esim 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do [ -s "$dir/esim.port" ] && break; sleep 0.05; done
export ES_URL="http://127.0.0.1:$(cat "$dir/esim.port")" SKIFF_DATA_DIR="$dir/data"
export SKIFF="$build/agent/skiff" SKIFF_CONFIG="$here/skiff.toml"
echo "== the flow (task output passes through skiff exec)"
/usr/bin/python3 "$here/flow.py" "${FLOW_RUN_ID:-demo}" || echo "(flow exit status $?)"
echo
echo "== what Elasticsearch received (esim's dump of logs-tasks-default)"
curl -s "$ES_URL/_esim/dump?index=logs-tasks-default" | /usr/bin/python3 "$here/show_documents.py"
