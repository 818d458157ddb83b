#!/usr/bin/python3
"""Fidelity test: the official Elasticsearch Python client (7.17, Debian's
python3-elasticsearch) talks to esim: product check, helpers.bulk with a few thousand
documents, then count and get through the client.

Usage: python_client_test.py ESIM_BINARY. Exit 0 pass, 1 fail, 77 skip (client missing).
"""

import os
import sys
import unittest

try:
    import elasticsearch
    from elasticsearch import Elasticsearch, helpers
except ImportError:  # pragma: no cover - depends on the machine
    print("SKIP: python3-elasticsearch is not installed")
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from esim_process import Esim  # noqa: E402

ESIM = None


def set_faults(esim, plan):
    """PUT /_esim/faults (the admin API needs no credentials)."""
    import json
    import urllib.request
    request = urllib.request.Request(esim.url + "/_esim/faults", method="PUT",
                                     data=json.dumps(plan).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
DOCS = 5000


class PythonClientTest(unittest.TestCase):

    def test_client_passes_product_check_and_bulk_loads_documents(self):
        with Esim(ESIM) as esim:
            es = Elasticsearch(esim.url)
            info = es.info()  # runs the product check first
            self.assertEqual(info["version"]["number"], "8.15.0")
            self.assertEqual(info["tagline"], "You Know, for Search")

            actions = ({"_op_type": "create", "_index": "py-logs", "_id": "doc-%d" % i,
                        "_source": {"message": "line %d" % i, "n": i}} for i in range(DOCS))
            ok, errors = helpers.bulk(es, actions, chunk_size=700)
            self.assertEqual(ok, DOCS)
            self.assertEqual(errors, [])

            self.assertEqual(es.count(index="py-logs")["count"], DOCS)
            doc = es.get(index="py-logs", id="doc-1234")
            self.assertTrue(doc["found"])
            self.assertEqual(doc["_source"], {"message": "line 1234", "n": 1234})
            self.assertTrue(es.indices.exists(index="py-logs"))

            # A resend of the same ids is answered 409 per item: nothing is duplicated.
            again = ({"_op_type": "create", "_index": "py-logs", "_id": "doc-%d" % i,
                      "_source": {"n": i}} for i in range(10))
            ok, errors = helpers.bulk(es, again, raise_on_error=False)
            self.assertEqual(ok, 0)
            self.assertEqual(len(errors), 10)
            self.assertEqual(errors[0]["create"]["status"], 409)
            self.assertEqual(es.count(index="py-logs")["count"], DOCS)

            with self.assertRaises(elasticsearch.NotFoundError):
                es.get(index="py-logs", id="missing")

    def test_client_retries_a_429_item_and_sees_auth_errors(self):
        with Esim(ESIM, "--require-basic", "elastic:changeme") as esim:
            anonymous = Elasticsearch(esim.url)
            with self.assertRaises(elasticsearch.AuthenticationException):
                anonymous.count(index="x")
            es = Elasticsearch(esim.url, http_auth=("elastic", "changeme"))
            self.assertEqual(es.info()["version"]["build_flavor"], "default")
            actions = [{"_index": "auth-ok", "_id": str(i), "_source": {"i": i}} for i in range(100)]
            ok, _ = helpers.bulk(es, actions)
            self.assertEqual(ok, 100)
            self.assertEqual(es.count(index="auth-ok")["count"], 100)

            # Per-item 429s (seeded, so the run is reproducible): streaming_bulk retries
            # exactly those items until all are stored.
            set_faults(esim, {"item_429_ratio": 0.3})
            actions = [{"_op_type": "create", "_index": "retried", "_id": str(i),
                        "_source": {"i": i}} for i in range(500)]
            results = list(helpers.streaming_bulk(es, actions, max_retries=20, raise_on_error=False,
                                                  initial_backoff=0.01, max_backoff=0.05))
            self.assertTrue(all(ok for ok, _ in results))
            self.assertEqual(len(results), 500)
            self.assertEqual(es.count(index="retried")["count"], 500)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print("usage: python_client_test.py ESIM_BINARY")
        sys.exit(2)
    ESIM = sys.argv.pop(1)
    unittest.main(verbosity=2)
