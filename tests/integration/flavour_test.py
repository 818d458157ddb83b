"""skiff ships to esim pretending to be each server it supports: Elasticsearch 7.17, 8.x
and 9.x and OpenSearch 2.x. esim rejects the media types the real server rejects
(OpenSearch every compatible-with type, ES 9 compatible-with=7, ES 7 compatible-with=8), so
a wrong choice of headers shows up as documents that never arrive."""
import os
import unittest

from harness import Elasticsearch, SkiffTestCase, wait_for

LINES = 300


class FlavourTest(SkiffTestCase):
    def setUp(self):
        if os.environ.get("SKIFF_TEST_ES_URL"):
            self.skipTest("needs esim's --flavour; not run against SKIFF_TEST_ES_URL")
        super().setUp()
        self.flavoured = []

    def tearDown(self):
        for es in self.flavoured:
            es.stop()
        super().tearDown()

    def ships_to(self, flavour, expect_log, expect_type):
        es = Elasticsearch(os.path.join(self.workdir), ("--flavour", flavour))
        self.flavoured.append(es)
        log = os.path.join(self.logs, f"{flavour}.log")
        with open(log, "w") as f:
            for i in range(LINES):
                f.write(f"{flavour} line seq={i}\n")
        toml = self.config(paths=[log]).replace(f'hosts = ["{self.es.url}"]',
                                               f'hosts = ["{es.url}"]')
        toml = toml.replace(f'data_dir = "{self.data_dir}"',
                            f'data_dir = "{self.data_dir}-{flavour}"')
        skiff = self.skiff(toml, name=f"skiff-{flavour}")
        skiff.start()
        try:
            wait_for(lambda: es.count(self.index) >= LINES, 30, interval=0.2,
                     what=f"{LINES} documents in {flavour}")
        except AssertionError as e:
            raise AssertionError(f"{e}\nskiff's log ends:\n{skiff.output()[-3000:]}") from None
        self.assertEqual(es.count(self.index), LINES)
        self.assertEqual(skiff.stop(), 0)
        out = skiff.output()
        self.assertIn(expect_log, out)
        self.assertIn(f"sending {expect_type}", out)
        self.assertNotIn("refused the compatible-with=8", out)
        self.assertIn(" 0 dead-lettered", out)

    def test_elasticsearch_7_gets_plain_types(self):
        self.ships_to("es7", "connected to Elasticsearch 7.17", "application/x-ndjson")

    def test_elasticsearch_8_gets_compatible_with_8(self):
        self.ships_to("es8", "connected to Elasticsearch 8.",
                      "application/vnd.elasticsearch+x-ndjson; compatible-with=8")

    def test_elasticsearch_9_gets_compatible_with_8(self):
        self.ships_to("es9", "connected to Elasticsearch 9.",
                      "application/vnd.elasticsearch+x-ndjson; compatible-with=8")

    def test_opensearch_gets_plain_types(self):
        self.ships_to("opensearch2", "connected to OpenSearch 2.", "application/x-ndjson")


if __name__ == "__main__":
    unittest.main()
