#!/usr/bin/env python3
"""Prints the documents of esim's dump (NDJSON on stdin): one line per state event, then
two documents in full."""
import json
import sys

docs = [json.loads(line)["_source"] for line in sys.stdin if line.strip()]
docs.sort(key=lambda d: (d["@timestamp"], d.get("log.offset", 0)))
for d in docs:
    task = d.get("task_name", "(flow)")
    state = d.get("state", "?")
    flags = " ".join(d.get("log.flags", []))
    print(f"{d['@timestamp']}  {task:<10} {state:<10} {d.get('message', '')} {flags}".rstrip())
print()
print(f"{len(docs)} documents; two of them in full:")
print(json.dumps(next(d for d in docs if d.get("task_name") == "load" and d.get("state") == "Failed"),
                 indent=2, sort_keys=True))
print(json.dumps(next(d for d in docs if d.get("log.flags")), indent=2, sort_keys=True))
