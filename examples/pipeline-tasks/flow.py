#!/usr/bin/env python3
"""A three-task pipeline whose tasks run under `skiff exec`, written the way a Prefect flow
would be (one @task per step, the flow calling them in order), with plain functions so it
runs without Prefect. With Prefect installed, decorate `extract`, `transform` and `load`
with @task and `nightly_etl` with @flow: the subprocess calls stay the same.

Each task is one `skiff exec --task NAME --run-id ID -- CMD`: the command's output passes
through to this process (and so to Prefect's logs), and every line plus a `task started` /
`task finished` document (exit code, duration, line counts) ships to Elasticsearch under
the task's name and run id. The run ids share the flow run's id, so one query finds the
whole run: task.run_id:<flow-run-id>-*.

The third task fails on purpose (a malformed row), to show what a failure looks like.

Usage: SKIFF_CONFIG=skiff.toml python3 flow.py [FLOW_RUN_ID]
"""
import os
import subprocess
import sys
import uuid

SKIFF = os.environ.get("SKIFF", "skiff")
CONFIG = os.environ.get("SKIFF_CONFIG", "/etc/skiff/skiff.toml")
PY = sys.executable or "python3"


def run_task(name, flow_run_id, command):
    """Runs `command` under skiff exec; returns its exit status (skiff exec exits with it)."""
    run_id = f"{flow_run_id}-{name}"
    argv = [SKIFF, "-c", CONFIG, "exec", "--task", name, "--run-id", run_id,
            "--field", f"flow.run_id={flow_run_id}", "--field", "flow.name=nightly-etl",
            "--", *command]
    return subprocess.run(argv).returncode


HERE = os.path.dirname(os.path.abspath(__file__))


# @task
def extract(flow_run_id):
    return run_task("extract", flow_run_id, [PY, os.path.join(HERE, "tasks", "extract.py")])


# @task
def transform(flow_run_id):
    return run_task("transform", flow_run_id, [os.path.join(HERE, "tasks", "transform.sh")])


# @task
def load(flow_run_id):
    return run_task("load", flow_run_id, [PY, os.path.join(HERE, "tasks", "load.py")])


# @flow(name="nightly-etl")
def nightly_etl(flow_run_id):
    results = {}
    for step in (extract, transform, load):
        code = step(flow_run_id)
        results[step.__name__] = code
        if code != 0:
            print(f"flow: task {step.__name__} failed with exit code {code}", file=sys.stderr)
            break
    return results


if __name__ == "__main__":
    flow_run_id = sys.argv[1] if len(sys.argv) > 1 else uuid.uuid4().hex[:12]
    results = nightly_etl(flow_run_id)
    print(f"flow run {flow_run_id}: {results}")
    sys.exit(0 if all(code == 0 for code in results.values()) else 1)
