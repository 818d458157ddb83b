"""End to end: the Elasticsearch output under load and faults (esim-injected 429s, an
outage, slow answers, 413s, mapping errors, a second host that dies). Each case checks that
every line arrives exactly once (or is in the dead-letter file with its reason), and prints
what it measured. CI sizes take seconds; SKIFF_SOAK=1 runs the full sizes."""
import glob
import json
import os
import re
import signal
import time
import unittest
import urllib.request

from harness import Elasticsearch, SkiffTestCase, loggen, scaled, seq_counts, wait_for

PORT_RE = re.compile(r"serving /metrics, /healthz and /readyz on \S+ \(port (\d+)\)")
SAMPLE_RE = re.compile(r"^(\w+)(\{[^}]*\})? (\S+)$")


def metrics(port):
    """The /metrics samples as {"name{labels}": value}."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:
        text = resp.read().decode()
    out = {}
    for line in text.splitlines():
        m = SAMPLE_RE.match(line)
        if m:
            out[m.group(1) + (m.group(2) or "")] = float(m.group(3))
    return out


class OutputFaultsTest(SkiffTestCase):
    def setUp(self):
        super().setUp()
        self.es.require_esim(self)
        self.log = os.path.join(self.logs, "app.log")
        self.next_seq = 0

    def write_lines(self, n):
        loggen(self.log, n, start_seq=self.next_seq, append=self.next_seq > 0)
        self.next_seq += n

    def start(self, extra="", hosts=None):
        toml = self.config(extra=extra).replace(
            "[output.elasticsearch]", '[metrics]\nlisten = "127.0.0.1:0"\n\n[output.elasticsearch]')
        if hosts:
            toml = toml.replace(f'hosts = ["{self.es.url}"]', "hosts = " + json.dumps(hosts))
        skiff = self.skiff(toml)
        skiff.start()
        self.port = int(wait_for(lambda: PORT_RE.search(skiff.output()), 10,
                                 what="the metrics port in the log").group(1))
        return skiff

    def metric(self, name):
        return metrics(self.port).get(name, 0.0)

    def assert_exactly_once(self, documents, expected):
        counts = seq_counts(documents)
        duplicates = {s: c for s, c in counts.items() if c > 1}
        missing = expected - counts.keys()
        self.assertFalse(duplicates, f"{len(duplicates)} lines arrived more than once, e.g. "
                                     f"{list(duplicates.items())[:5]}")
        self.assertFalse(missing, f"{len(missing)} lines never arrived, e.g. {sorted(missing)[:5]}")
        self.assertEqual(len(documents), len(expected))

    def dead_letters(self):
        out = []
        for path in sorted(glob.glob(os.path.join(self.data_dir, "dead-letter", "*.ndjson"))):
            with open(path) as f:
                out.extend(json.loads(line) for line in f if line.strip())
        return out

    def test_items_answered_429_lower_the_in_flight_limit_and_everything_arrives_once(self):
        period = scaled(ci=20, soak=120)
        skiff = self.start('max_in_flight = 8\nmax_batch_docs = 500\n')
        self.write_lines(20_000)
        self.wait_count(20_000, timeout=60)
        self.assertEqual(self.metric("skiff_output_in_flight_limit"), 8)
        self.es.faults({"item_429_ratio": 0.3})
        trace = []
        started = time.monotonic()
        while time.monotonic() - started < period:
            self.write_lines(2_000)
            trace.append((round(time.monotonic() - started, 1),
                          self.metric("skiff_output_in_flight_limit"), "429"))
            time.sleep(0.5)
        self.es.faults({})
        recovered = time.monotonic()
        def back_up():
            self.write_lines(2_000)
            limit = self.metric("skiff_output_in_flight_limit")
            trace.append((round(time.monotonic() - started, 1), limit, "ok"))
            return limit == 8
        wait_for(back_up, 60, interval=0.5, what="the in-flight limit to recover")
        print(f"in-flight limit recovered {time.monotonic() - recovered:.1f} s after the 429s "
              f"stopped; trace (s, limit, phase): {trace}")
        self.wait_count(self.next_seq, timeout=120)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        low = min(limit for _, limit, phase in trace if phase == "429")
        self.assertLess(low, 8, f"the limit never dropped: {trace}")
        self.assertGreater(self.es.stats()["items_by_status"].get("429", 0), 0)
        self.assert_exactly_once(self.es.documents(self.index), set(range(self.next_seq)))

    def test_an_outage_holds_the_backlog_in_the_ring_with_few_connection_attempts(self):
        n = scaled(ci=200_000, soak=2_000_000)
        outage = scaled(ci=10, soak=60)
        batch_docs = scaled(ci=500, soak=2_000)
        self.es.faults({"delay_ms": 200})  # slow enough that the outage falls mid-run
        self.write_lines(n)
        skiff = self.start(f"max_batch_docs = {batch_docs}\n")
        wait_for(lambda: self.es.count(self.index) > n // 10, 120, interval=0.2,
                 what="a tenth of the lines")
        # Freeze what esim has: from now on it stores nothing (503), then it stops. Waiting
        # for the 503s lets requests applied before the freeze finish.
        before_503 = self.es.stats()["requests_by_status"].get("503", 0)
        self.es.faults({"request_status": 503, "request_count": 10 ** 9})
        wait_for(lambda: self.es.stats()["requests_by_status"].get("503", 0) > before_503, 30,
                 what="the first 503")
        first = self.es.documents(self.index)
        self.es.stop()
        connects_before = self.metric("skiff_output_connections_opened_total")
        time.sleep(outage)  # the outage itself: nothing to await
        connects = self.metric("skiff_output_connections_opened_total") - connects_before
        up = self.metric(f'skiff_output_host_up{{host="{self.es.url}"}}')
        ring_bytes = self.metric("skiff_buffer_bytes")
        self.es.restart()
        self.wait_count(n - len(first), timeout=600)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        second = self.es.documents(self.index)
        print(f"{n} lines, {len(first)} before a {outage} s outage, {len(second)} after; "
              f"{connects:.0f} connection attempts while down ({connects / outage:.2f}/s); "
              f"ring held {ring_bytes / 1e6:.1f} MB")
        self.assertEqual(up, 0, "the dead host was not benched")
        self.assertLessEqual(connects / outage, 2.0, "too many connection attempts while down")
        self.assertGreater(ring_bytes, 0)
        self.assert_exactly_once(first + second, set(range(n)))

    def test_a_slow_cluster_slows_shipping_gracefully_with_flat_memory(self):
        duration = scaled(ci=16, soak=120)
        self.es.faults({"delay_ms": 2000})
        self.write_lines(scaled(ci=400_000, soak=2_000_000))
        skiff = self.start("max_batch_docs = 2000\n")
        samples = []  # (s, documents, VmRSS)
        started = time.monotonic()
        while time.monotonic() - started < duration:
            samples.append((round(time.monotonic() - started, 1), self.es.count(self.index),
                            skiff.proc_status("VmRSS")))
            time.sleep(1)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        print("slow cluster (s, documents, RSS MB): " +
              str([(t, d, round(r / 2 ** 20, 1)) for t, d, r in samples]))
        half = len(samples) // 2
        first_half = [d for _, d, _ in samples[:half]]
        second_half = [d for _, d, _ in samples[half:]]
        # Graceful: documents keep arriving in each half, at roughly
        # max_in_flight x max_batch_docs per 2 s.
        self.assertGreater(first_half[-1], 0)
        self.assertGreater(second_half[-1], first_half[-1])
        rate = (second_half[-1] - first_half[-1]) / (samples[-1][0] - samples[half - 1][0])
        self.assertGreater(rate, 1000, "throughput collapsed")
        rss_early = max(r for _, _, r in samples[2:half])
        rss_late = max(r for _, _, r in samples[half:])
        self.assertLess(rss_late, rss_early * 1.25 + 8 * 2 ** 20, "memory grew while slow")
        self.assertEqual(len(seq_counts(self.es.documents(self.index))),
                         len(self.es.documents(self.index)), "duplicates")

    def test_413_splits_batches_and_a_single_oversized_line_is_dead_lettered(self):
        self.es.stop()
        self.es = Elasticsearch(self.workdir, ("--max-request-bytes", "65536"))
        n = 20_000
        self.write_lines(n)
        with open(self.log, "a") as f:
            f.write("huge seq=%d %s\n" % (n, "x" * 100_000))
        self.next_seq += 1
        skiff = self.start('max_batch_bytes = "1MiB"\n')
        self.wait_count(n, timeout=120)
        wait_for(lambda: self.dead_letters(), 30, what="the oversized line's dead letter")
        splits = self.metric('skiff_output_requests_total{outcome="split"}')
        self.assertEqual(skiff.stop(), 0, skiff.output())
        print(f"413: {splits:.0f} splits for {n} lines")
        self.assertGreater(splits, 0)
        self.assert_exactly_once(self.es.documents(self.index), set(range(n)))
        letters = self.dead_letters()
        self.assertEqual(len(letters), 1)
        self.assertEqual(letters[0]["status"], 413)
        self.assertIn(f"seq={n}", letters[0]["document"]["message"])
        self.assertEqual(letters[0]["index"], self.index)

    def test_items_rejected_400_are_exactly_the_dead_letters_and_the_rest_arrives(self):
        n = scaled(ci=50_000, soak=500_000)
        self.es.faults({"item_400_ratio": 0.05})
        self.write_lines(n)
        skiff = self.start()
        def resolved():
            return self.es.count(self.index) + len(self.dead_letters()) >= n
        wait_for(resolved, 120, interval=0.5, what="every line delivered or dead-lettered")
        delivered_metric = self.metric('skiff_output_documents_total{outcome="delivered"}')
        dead_metric = self.metric('skiff_output_documents_total{outcome="dead_lettered"}')
        self.assertEqual(skiff.stop(), 0, skiff.output())
        delivered = seq_counts(self.es.documents(self.index))
        letters = self.dead_letters()
        dead = seq_counts([(None, l["document"]) for l in letters])
        print(f"{n} lines: {len(delivered)} delivered, {len(dead)} dead-lettered "
              f"({100 * len(dead) / n:.1f} %)")
        self.assertFalse(delivered.keys() & dead.keys(), "a line both delivered and dead-lettered")
        self.assertEqual(delivered.keys() | dead.keys(), set(range(n)))
        self.assertEqual(max(list(delivered.values()) + list(dead.values())), 1, "duplicates")
        self.assertEqual(len(letters), self.es.stats()["items_by_status"].get("400", 0))
        self.assertEqual(dead_metric, len(letters))
        self.assertEqual(delivered_metric, len(delivered))
        for l in letters:
            self.assertEqual(l["status"], 400)
            self.assertEqual(l["error"]["type"], "document_parsing_exception")
            self.assertTrue(l["error"]["reason"])

    def test_two_hosts_one_dies_mid_run_and_the_other_takes_everything(self):
        n = scaled(ci=100_000, soak=1_000_000)
        other = Elasticsearch(self.workdir, ())
        try:
            for es in (self.es, other):
                es.faults({"delay_ms": 100})
            self.write_lines(n)
            skiff = self.start("max_batch_docs = 500\n", hosts=[self.es.url, other.url])
            wait_for(lambda: self.es.count(self.index) > n // 10 and other.count(self.index) > 0,
                     60, interval=0.2, what="both hosts to receive documents")
            # The first host fails like a dying node (503), then is killed.
            before_503 = self.es.stats()["requests_by_status"].get("503", 0)
            self.es.faults({"request_status": 503, "request_count": 10 ** 9})
            wait_for(lambda: self.es.stats()["requests_by_status"].get("503", 0) > before_503, 30,
                     what="the first 503")
            first = self.es.documents(self.index)
            self.es.proc.send_signal(signal.SIGKILL)
            self.es.proc.wait()
            self.es.proc = None
            self.es.log.close()
            wait_for(lambda: len(first) + other.count(self.index) >= n, 120, interval=0.2,
                     what="the surviving host to receive the rest")
            down = self.metric(f'skiff_output_host_up{{host="{self.es.url}"}}')
            up = self.metric(f'skiff_output_host_up{{host="{other.url}"}}')
            self.assertEqual(skiff.stop(), 0, skiff.output())
            second = other.documents(self.index)
            print(f"{n} lines: {len(first)} on the host that died, {len(second)} on the other")
            self.assertEqual((down, up), (0, 1))
            self.assert_exactly_once(first + second, set(range(n)))
        finally:
            other.stop()


if __name__ == "__main__":
    unittest.main()
