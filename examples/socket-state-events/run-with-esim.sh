#!/bin/sh
# Starts the Elasticsearch test server (esim) and `skiff run` from a build tree, sends the
# state events of send_states.py to skiff's socket, then prints what esim stored.
# Usage: run-with-esim.sh [BUILD_DIR] (default: build)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
dir=$(mktemp -d /tmp/skiff-socket-states.XXXXXX)
"$build/tests/esim/esim" --port 0 --port-file "$dir/esim.port" >"$dir/esim.log" 2>&1 &
esim=$!
skiff=""
trap 'kill $esim $skiff 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 1 100); do [ -s "$dir/esim.port" ] && break; sleep 0.05; done
export ES_URL="http://127.0.0.1:$(cat "$dir/esim.port")" SKIFF_DATA_DIR="$dir/data"
export SKIFF_SOCKET="$dir/ingest.sock"
"$build/agent/skiff" run -c "$here/skiff.toml" >"$dir/skiff.log" 2>&1 &
skiff=$!
for _ in $(seq 1 100); do [ -S "$SKIFF_SOCKET" ] && break; sleep 0.05; done
echo "== sending state events to $SKIFF_SOCKET"
/usr/bin/python3 "$here/send_states.py" "$SKIFF_SOCKET" "${FLOW_RUN_ID:-run-42}"
for _ in $(seq 1 100); do
  n=$(curl -s "$ES_URL/logs-taskstates-default/_count" | sed -n 's/.*"count":\([0-9]*\).*/\1/p')
  [ "${n:-0}" -ge 10 ] && break
  sleep 0.1
done
kill -TERM $skiff; wait $skiff || true; skiff=""
echo
echo "== what Elasticsearch received (esim's dump of logs-taskstates-default)"
curl -s "$ES_URL/_esim/dump?index=logs-taskstates-default" | /usr/bin/python3 "$here/show_documents.py"
