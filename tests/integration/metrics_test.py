"""End to end: the running agent's /metrics, /healthz and /readyz, over `[metrics] listen`
and over the control socket data_dir/skiff.sock."""
import http.client
import os
import re
import unittest

from harness import SkiffTestCase, UnixHTTPConnection, loggen, wait_for

PORT_RE = re.compile(r"serving /metrics, /healthz and /readyz on \S+ \(port (\d+)\)")


def get(conn, path):
    conn.request("GET", path)
    r = conn.getresponse()
    return r.status, r.read().decode()


def sample(text, name, labels=""):
    """The value of one sample in Prometheus text, or None."""
    m = re.search(r"^" + re.escape(name + labels) + r" (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


class MetricsTest(SkiffTestCase):
    def start_with_metrics(self):
        toml = self.config().replace("[output.elasticsearch]",
                                     '[metrics]\nlisten = "127.0.0.1:0"\n\n[output.elasticsearch]')
        skiff = self.skiff(toml)
        skiff.start()
        port = int(wait_for(lambda: PORT_RE.search(skiff.output()), 10,
                            what="the metrics port in the log").group(1))
        return skiff, port

    def test_metrics_count_what_was_read_buffered_and_delivered(self):
        n = 20_000
        loggen(os.path.join(self.logs, "app.log"), n)
        skiff, port = self.start_with_metrics()
        self.wait_count(n, timeout=120)
        tcp = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

        def delivered():
            _, text = get(tcp, "/metrics")
            return sample(text, "skiff_output_documents_total", '{outcome="delivered"}') == n
        wait_for(delivered, 30, what="the delivered counter to reach n")
        status, text = get(tcp, "/metrics")
        self.assertEqual(status, 200)
        self.assertEqual(sample(text, "skiff_input_events_total", '{input="it",type="file"}'), n)
        self.assertEqual(sample(text, "skiff_input_files_open", '{input="it",type="file"}'), 1)
        self.assertGreater(sample(text, "skiff_buffer_compression_ratio"), 3.0)
        self.assertEqual(sample(text, "skiff_buffer_corrupt_frames_total"), 0)
        self.assertEqual(sample(text, "skiff_buffer_dropped_events_total"), 0)
        self.assertGreaterEqual(sample(text, "skiff_output_requests_total", '{outcome="ok"}'), 1)
        self.assertEqual(get(tcp, "/healthz"), (200, "ok\n"))
        self.assertEqual(get(tcp, "/readyz")[0], 200)

        # The control socket serves the same.
        unix = UnixHTTPConnection(os.path.join(self.data_dir, "skiff.sock"))
        status, text = get(unix, "/metrics")
        self.assertEqual(status, 200)
        self.assertEqual(sample(text, "skiff_input_events_total", '{input="it",type="file"}'), n)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        self.assertFalse(os.path.exists(os.path.join(self.data_dir, "skiff.sock")),
                         "the control socket outlived the agent")

    def test_parsing_outcomes_are_counted_per_input(self):
        with open(os.path.join(self.logs, "app.log"), "w") as f:
            f.write('{"a":1}\n{broken\n' + "x" * 100 + "\n")
        toml = self.config(extra_input='format = "json"\nmax_line_bytes = "64B"').replace(
            "[output.elasticsearch]", '[metrics]\nlisten = "127.0.0.1:0"\n\n[output.elasticsearch]')
        skiff = self.skiff(toml)
        skiff.start()
        port = int(wait_for(lambda: PORT_RE.search(skiff.output()), 10,
                            what="the metrics port in the log").group(1))
        self.wait_count(3, timeout=30)
        tcp = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        _, text = get(tcp, "/metrics")
        tcp.close()
        labels = '{input="it",type="file"}'
        self.assertEqual(sample(text, "skiff_input_json_failures_total", labels), 2)
        self.assertEqual(sample(text, "skiff_input_truncated_lines_total", labels), 1)
        self.assertEqual(sample(text, "skiff_input_timestamp_failures_total", labels), 0)
        self.assertEqual(sample(text, "skiff_input_multiline_cut_total", labels), 0)
        self.assertEqual(sample(text, "skiff_input_multiline_timeouts_total", labels), 0)
        self.assertEqual(sample(text, "skiff_input_partial_lines_total", labels), 0)
        self.assertEqual(skiff.stop(), 0, skiff.output())

    def test_readyz_turns_false_while_elasticsearch_is_down_and_back_after(self):
        self.es.require_esim(self)
        loggen(os.path.join(self.logs, "app.log"), 1000)
        skiff, port = self.start_with_metrics()
        self.wait_count(1000, timeout=60)
        tcp = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        wait_for(lambda: get(tcp, "/readyz")[0] == 200, 30, what="ready")
        self.es.stop()
        loggen(os.path.join(self.logs, "app.log"), 1000, start_seq=1000, append=True)
        status, body = wait_for(lambda: (lambda r: r if r[0] == 503 else None)(get(tcp, "/readyz")),
                                30, what="/readyz 503 while Elasticsearch is down")
        self.assertIn("no Elasticsearch host answers", body)
        self.assertEqual(get(tcp, "/healthz"), (200, "ok\n"), "alive even when not ready")
        self.es.restart()
        self.wait_count(1000, timeout=60)  # esim restarted empty: the 1,000 new lines
        wait_for(lambda: get(tcp, "/readyz")[0] == 200, 30, what="ready again")
        self.assertEqual(skiff.stop(), 0, skiff.output())


if __name__ == "__main__":
    unittest.main(verbosity=2)
