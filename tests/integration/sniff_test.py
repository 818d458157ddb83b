"""sniff = true: skiff is configured with one esim, which lists itself and a second esim in
GET /_nodes/http. Events must reach both (each esim's stats count documents); once the
second is killed, everything written afterwards still arrives, at the first. And when the
first, restarted, lists only itself, the second (still running) is retired: it gets no more
bulk requests."""
import os
import shutil
import tempfile
import unittest

from harness import Elasticsearch, SkiffTestCase, wait_for

LINES = 400


class SniffTest(SkiffTestCase):
    def setUp(self):
        if os.environ.get("SKIFF_TEST_ES_URL"):
            self.skipTest("needs two esims; not run against SKIFF_TEST_ES_URL")
        super().setUp()  # starts the second node first (esim_args): the first one names it

    def esim_args(self):
        self.workdir_b = tempfile.mkdtemp(prefix="skiff-it-b-")
        self.second = Elasticsearch(self.workdir_b)
        return ("--nodes", f"self,127.0.0.1:{self.second.port}")

    def tearDown(self):
        if getattr(self, "second", None) is not None:
            self.second.stop()
        super().tearDown()
        shutil.rmtree(self.workdir_b, ignore_errors=True)

    def stored(self, es):
        return es.stats()["indices"].get(self.index, 0)

    def write(self, start, n):
        with open(os.path.join(self.logs, "app.log"), "a") as f:
            for i in range(start, start + n):
                f.write(f"sniff line seq={i}\n")

    def test_discovered_nodes_share_the_load_and_one_can_die(self):
        self.write(0, LINES)
        toml = self.config(extra='sniff = true\nmax_batch_docs = 20\nmax_in_flight = 2')
        skiff = self.skiff(toml)
        skiff.start()
        try:
            wait_for(lambda: self.stored(self.es) + self.stored(self.second) >= LINES, 30,
                     interval=0.2, what=f"{LINES} documents over both nodes")
        except AssertionError as e:
            raise AssertionError(f"{e}\nskiff's log ends:\n{skiff.output()[-3000:]}") from None
        self.assertIn(f"discovered node http://127.0.0.1:{self.second.port}", skiff.output())
        self.assertGreater(self.stored(self.second), 0, "the discovered node got nothing")
        self.assertGreater(self.stored(self.es), 0, "the configured node got nothing")

        self.second.stop()
        self.second = None
        before = self.stored(self.es)
        self.write(LINES, LINES)
        try:
            wait_for(lambda: self.stored(self.es) >= before + LINES, 30, interval=0.2,
                     what="the second half at the surviving node")
        except AssertionError as e:
            raise AssertionError(f"{e}\nskiff's log ends:\n{skiff.output()[-3000:]}") from None
        docs = self.es.documents(self.index)
        seqs = {int(source["message"].split("seq=")[1]) for _, source in docs}
        self.assertTrue(set(range(LINES, 2 * LINES)) <= seqs, "lines of the second half missing")
        self.assertEqual(skiff.stop(), 0)

    def test_a_node_the_cluster_no_longer_lists_gets_no_more_requests(self):
        self.write(0, LINES)
        toml = self.config(extra='sniff = true\nsniff_interval = "1s"\nmax_batch_docs = 20\n'
                                 'max_in_flight = 2')
        skiff = self.skiff(toml)
        skiff.start()
        try:
            wait_for(lambda: self.stored(self.es) + self.stored(self.second) >= LINES, 30,
                     interval=0.2, what=f"{LINES} documents over both nodes")
            self.assertGreater(self.stored(self.second), 0, "the discovered node got nothing")

            # The cluster shrinks: the first node comes back listing only itself.
            self.es.stop()
            self.es.args = ("--nodes", "self")
            self.es.restart()
            second_url = f"http://127.0.0.1:{self.second.port}"
            wait_for(lambda: f"node {second_url} is no longer listed" in skiff.output(), 30,
                     interval=0.2, what="the second node retired")
            # Everything written so far was delivered: nothing was in flight when it retired.
            requests_before = self.second.stats()["bulk_requests"]
            self.write(LINES, LINES)
            wait_for(lambda: set(range(LINES, 2 * LINES)) <= self.seqs(self.es), 30,
                     interval=0.2, what="the second half at the remaining node")
        except AssertionError as e:
            raise AssertionError(f"{e}\nskiff's log ends:\n{skiff.output()[-3000:]}") from None
        self.assertEqual(self.second.stats()["bulk_requests"], requests_before,
                         "the retired node still got bulk requests")
        self.assertEqual(skiff.stop(), 0)

    def seqs(self, es):
        if self.stored(es) == 0:
            return set()  # no index yet (a restarted esim starts empty)
        return {int(source["message"].split("seq=")[1]) for _, source in es.documents(self.index)}


if __name__ == "__main__":
    unittest.main()
