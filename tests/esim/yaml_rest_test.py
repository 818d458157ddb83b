#!/usr/bin/python3
"""Runs Elasticsearch's own REST YAML tests for `_bulk` against esim.

A small runner for the parts of the YAML test format these files use: `do` (with `catch`
and `headers`), `match`, `length`, `is_true`, `is_false`, `exists`, `not_exists`, `set`,
and the `skip`/`requires` sections. Each case runs on a freshly reset esim (the ES runner
wipes the cluster between cases too) and is reported as PASS, SKIP (with the reason) or
FAIL. Cases that need APIs or features esim deliberately lacks are skipped, never passed.

Usage: yaml_rest_test.py ESIM_BINARY VECTORS_DIR
Exit 0 when no applicable case fails, 1 otherwise, 77 when the vectors are absent.
"""

import glob
import http.client
import json
import os
import re
import sys
import urllib.parse

try:
    import yaml
except ImportError:  # pragma: no cover - depends on the machine
    print("SKIP: python3-yaml is not installed")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from esim_process import Esim  # noqa: E402

ESIM_VERSION = (8, 15, 0)
SUPPORTED_FEATURES = {"headers"}

# Cases that test behaviour esim deliberately does not have, with the reason.
KNOWN_GAPS = {
    "One request has pipeline and another not":
        "esim accepts every pipeline as a no-op (it has no ingest node)",
}


class Skip(Exception):
    pass


class Failure(Exception):
    pass


def parse_version(text):
    parts = [int(p) for p in re.findall(r"\d+", text)[:3]]
    return tuple(parts + [0] * (3 - len(parts)))


def version_in_range(spec):
    """ES skip ranges: "A - B", " - B", "A - ", "all"; comma lists."""
    for item in str(spec).split(","):
        item = item.strip()
        if item == "all":
            return True
        low, _, high = item.partition("-")
        low = parse_version(low) if low.strip() else (0, 0, 0)
        high = parse_version(high) if high.strip() else (99, 99, 99)
        if low <= ESIM_VERSION <= high:
            return True
    return False


class Runner:
    def __init__(self, esim):
        self.esim = esim
        self.stash = {}
        self.last = None  # parsed body of the last response

    def http(self, method, path, params=None, body=None, headers=None):
        query = ""
        if params:
            query = "?" + urllib.parse.urlencode(
                {k: (str(v).lower() if isinstance(v, bool) else v) for k, v in params.items()})
        conn = http.client.HTTPConnection("127.0.0.1", self.esim.port, timeout=10)
        try:
            conn.request(method, path + query, body=body, headers=headers or {})
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        return response.status, data

    def substitute(self, value):
        if isinstance(value, str) and value.startswith("$") and value[1:] in self.stash:
            return self.stash[value[1:]]
        if isinstance(value, dict):
            return {k: self.substitute(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.substitute(v) for v in value]
        return value

    @staticmethod
    def bulk_body(body):
        if isinstance(body, str):
            return body
        lines = [item if isinstance(item, str) else json.dumps(item) for item in body]
        return "".join(line + "\n" for line in lines)

    @staticmethod
    def has_update_action(body):
        for line in Runner.bulk_body(body).splitlines():
            try:
                action = json.loads(line)
            except ValueError:
                continue
            if isinstance(action, dict) and list(action) == ["update"]:
                return True
        return False

    def do(self, step):
        step = dict(step)
        catch = step.pop("catch", None)
        headers = step.pop("headers", {})
        for key in ("warnings", "allowed_warnings", "node_selector"):
            step.pop(key, None)
        if len(step) != 1:
            raise Skip("do step with several APIs")
        api, params = next(iter(step.items()))
        params = self.substitute(dict(params or {}))
        body = params.pop("body", None)
        req_headers = {"Content-Type": "application/json"}
        if api == "bulk":
            if self.has_update_action(body):
                raise Skip("the update action is not implemented by esim (it answers per item 400)")
            index = params.pop("index", None)
            path = "/%s/_bulk" % index if index else "/_bulk"
            req_headers["Content-Type"] = "application/x-ndjson"
            req_headers.update(headers)
            status, data = self.http("POST", path, params, self.bulk_body(body).encode(), req_headers)
        elif api == "count":
            index = params.pop("index", None)
            path = "/%s/_count" % index if index else "/_count"
            status, data = self.http("GET", path, params)
        elif api == "index":
            index, doc_id = params.pop("index"), params.pop("id", None)
            path = "/%s/_doc/%s" % (index, doc_id) if doc_id is not None else "/%s/_doc" % index
            status, data = self.http("PUT" if doc_id is not None else "POST", path, params,
                                     json.dumps(body).encode(), req_headers)
        elif api == "get":
            status, data = self.http("GET", "/%s/_doc/%s" % (params.pop("index"), params.pop("id")),
                                     params)
        elif api == "indices.put_alias":
            status, data = self.http("PUT", "/%s/_alias/%s" % (params.pop("index"), params.pop("name")),
                                     params, json.dumps(body or {}).encode(), req_headers)
        elif api == "indices.create":
            status, data = self.http("PUT", "/" + params.pop("index"), params,
                                     json.dumps(body or {}).encode(), req_headers)
        elif api == "indices.get":
            status, data = self.http("GET", "/" + params.pop("index"), params)
        else:
            raise Skip("API [%s] is not implemented by esim" % api)

        try:
            self.last = json.loads(data) if data else {}
        except ValueError:
            self.last = data.decode(errors="replace")
        if catch is None:
            if status >= 400:
                raise Failure("%s answered %d: %s" % (api, status, data[:300]))
            return
        expected = {"missing": [404], "conflict": [409], "bad_request": [400],
                    "unauthorized": [401], "forbidden": [403], "request_timeout": [408]}
        if catch in expected:
            if status not in expected[catch]:
                raise Failure("expected %s, got %d" % (catch, status))
        elif catch == "request":
            if status < 400:
                raise Failure("expected an error status, got %d" % status)
        elif catch.startswith("/") and catch.endswith("/"):
            if status < 400 or not re.search(catch[1:-1], data.decode(errors="replace")):
                raise Failure("expected an error matching %s, got %d: %s" % (catch, status, data[:300]))
        else:
            raise Skip("catch [%s] not supported" % catch)

    def lookup(self, path):
        value = self.last
        if path in ("", "$body"):
            return value
        for part in re.split(r"(?<!\\)\.", path):
            part = part.replace("\\.", ".")
            if isinstance(value, list):
                if not part.isdigit() or int(part) >= len(value):
                    raise KeyError(path)
                value = value[int(part)]
            elif isinstance(value, dict):
                if part not in value:
                    raise KeyError(path)
                value = value[part]
            else:
                raise KeyError(path)
        return value

    def step(self, step):
        (kind, arg), = step.items()
        if kind == "do":
            self.do(arg)
        elif kind == "match":
            for path, expected in arg.items():
                expected = self.substitute(expected)
                try:
                    actual = self.lookup(path)
                except KeyError:
                    raise Failure("match %s: field is missing" % path)
                if isinstance(expected, str) and len(expected) > 1 and expected.startswith("/") \
                        and expected.strip().endswith("/"):
                    if not re.search(expected.strip()[1:-1], str(actual), re.X):
                        raise Failure("match %s: %r !~ %s" % (path, actual, expected))
                elif actual != expected and not (isinstance(expected, (int, float))
                                                 and str(actual) == str(expected)):
                    raise Failure("match %s: expected %r, got %r" % (path, expected, actual))
        elif kind == "length":
            for path, expected in arg.items():
                if len(self.lookup(path)) != expected:
                    raise Failure("length %s != %d" % (path, expected))
        elif kind in ("is_true", "is_false", "exists", "not_exists"):
            try:
                value = self.lookup(arg)
                present = True
            except KeyError:
                value, present = None, False
            truthy = present and value not in (None, False, "", 0, "false", [], {})
            if kind == "is_true" and not truthy:
                raise Failure("is_true %s: %r" % (arg, value))
            if kind == "is_false" and truthy:
                raise Failure("is_false %s: %r" % (arg, value))
            if kind == "exists" and not present:
                raise Failure("exists %s" % arg)
            if kind == "not_exists" and present:
                raise Failure("not_exists %s" % arg)
        elif kind == "set":
            for path, name in arg.items():
                self.stash[name] = self.lookup(path)
        elif kind in ("skip", "requires"):
            self.check_prerequisites(kind, arg)
        else:
            raise Skip("step [%s] not supported" % kind)

    @staticmethod
    def check_prerequisites(kind, arg):
        if kind == "skip":
            if "version" in arg and version_in_range(arg["version"]):
                raise Skip("ES skips it on %s: %s" % (arg["version"], arg.get("reason", "")))
            features = arg.get("features", [])
            features = [features] if isinstance(features, str) else features
            missing = [f for f in features if f not in SUPPORTED_FEATURES]
            if missing:
                raise Skip("needs runner features %s" % missing)
        # `requires: cluster_features` names 8.x features; esim claims 8.15.0.

    def run_case(self, name, steps, setup):
        if name in KNOWN_GAPS:
            raise Skip(KNOWN_GAPS[name])
        status, _ = self.http("POST", "/_esim/reset")
        if status != 200:
            raise Failure("reset failed")
        self.stash = {}
        for step in setup + list(steps):
            self.step(step)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    binary, vectors = sys.argv[1], sys.argv[2]
    files = sorted(glob.glob(os.path.join(vectors, "*.yml")))
    if not files:
        print("SKIP: no YAML tests in %s" % vectors)
        return 77
    counts = {"PASS": 0, "SKIP": 0, "FAIL": 0}
    with Esim(binary) as esim:
        runner = Runner(esim)
        for path in files:
            with open(path) as f:
                documents = [d for d in yaml.safe_load_all(f) if d]
            setup = []
            for document in documents:
                for name, steps in document.items():
                    if name == "setup":
                        setup = list(steps)
                        continue
                    if name == "teardown":
                        continue
                    label = "%s / %s" % (os.path.basename(path), name)
                    try:
                        runner.run_case(name, steps, setup)
                        outcome, detail = "PASS", ""
                    except Skip as e:
                        outcome, detail = "SKIP", str(e)
                    except (Failure, KeyError) as e:
                        outcome, detail = "FAIL", str(e)
                    counts[outcome] += 1
                    print("%s %s%s" % (outcome, label, (": " + detail) if detail else ""))
    print("yaml_rest_test: %(PASS)d passed, %(SKIP)d skipped, %(FAIL)d failed" % counts)
    return 1 if counts["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
