#!/usr/bin/env python3
"""Sends Prefect-like flow and task state changes to skiff's socket input, one JSON
document per line, as a state hook would (for example a Prefect `on_completion` /
`on_failure` hook, or a function called from `flow.add_state_handler`).

Usage: send_states.py SOCKET_PATH [FLOW_RUN_ID]

A hook opens the socket, writes its line and closes it; a long-lived process may keep one
connection open. Nothing is read back: skiff never writes to the socket. When skiff's
buffer is full, the write blocks until skiff reads again (backpressure), so a hook that
must never wait should send from a thread or with a timeout.
"""
import json
import socket
import sys
import time
from datetime import datetime, timezone


def now():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def send_state(path, **event):
    """One state change as one line. A new connection per event is the simplest hook."""
    line = json.dumps(event, separators=(",", ":")) + "\n"
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(path)
        s.sendall(line.encode())


def main():
    path = sys.argv[1]
    flow_run = sys.argv[2] if len(sys.argv) > 2 else "demo-run"
    flow = {"flow_name": "nightly-etl", "flow_run": flow_run}
    send_state(path, **flow, state="Scheduled", **{"@timestamp": now()})
    send_state(path, **flow, state="Running", **{"@timestamp": now()})
    for task, outcome in (("extract", "Completed"), ("transform", "Completed"),
                          ("load", "Failed")):
        send_state(path, **flow, task_run=f"{flow_run}-{task}", task_name=task,
                   state="Running", **{"@timestamp": now()})
        time.sleep(0.05)
        event = dict(flow, task_run=f"{flow_run}-{task}", task_name=task, state=outcome)
        event["@timestamp"] = now()
        if outcome == "Failed":
            event["message"] = "load failed: connection refused by warehouse"
            event["level"] = "error"
        send_state(path, **event)
    send_state(path, **flow, state="Failed", message="1 of 3 tasks failed",
               **{"@timestamp": now()})
    # A hook that writes a broken line: kept, as text, flagged json_parse_failed.
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(path)
        s.sendall(b'{"flow_run": "' + flow_run.encode() + b'", "state": \n')


if __name__ == "__main__":
    main()
