#!/usr/bin/env python3
"""Prints the task documents of esim's dump (NDJSON on stdin), oldest first, one line each,
then one `task finished` document in full."""
import json
import sys

docs = [json.loads(line)["_source"] for line in sys.stdin if line.strip()]
# Run by run (in the order they started), each run's documents as it produced them:
# started, stdout and stderr lines, finished.
run_start = {d["task.run_id"]: d["@timestamp"] for d in docs
             if d.get("event.action") == "task-started"}
kind = {"task-started": 0, "task-finished": 2, "task-failed-to-start": 2}
docs.sort(key=lambda d: (run_start.get(d["task.run_id"], ""), kind.get(d.get("event.action"), 1),
                         d.get("log.stream", ""), d.get("log.offset", 0)))
for d in docs:
    name = d["task.name"]
    action = d.get("event.action")
    if action == "task-finished":
        print(f"{name:<9} {d['message']}: outcome={d['event.outcome']} "
              f"exit_code={d['process.exit_code']} duration={d['event.duration'] / 1e6:.1f}ms "
              f"stdout.lines={d['task.stdout.lines']} stderr.lines={d['task.stderr.lines']}")
    elif action == "task-started":
        print(f"{name:<9} task started (run {d['task.run_id']}, pid {d['process.pid']})")
    else:
        extra = {k: v for k, v in d.items() if k in ("row", "log.level")}
        text = d["message"].replace("\n", "\\n")
        print(f"{name:<9} [{d['log.stream']}] {text}" + (f"  {extra}" if extra else ""))
print()
print(f"{len(docs)} documents; the failed task's `task finished` in full:")
failed = [d for d in docs if d.get("event.action") == "task-finished"
          and d.get("event.outcome") == "failure"]
if failed:
    print(json.dumps(failed[0], indent=2, sort_keys=True))
