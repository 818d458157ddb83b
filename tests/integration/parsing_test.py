"""Framing and parsing through the real file input: a Java stack trace and CRI container
lines arrive as whole documents, and a restart inside an unfinished multiline event
neither loses nor splits it."""
import os
import unittest

from harness import SkiffTestCase, wait_for

TRACE = (
    "2024-05-01 12:00:03,250 ERROR [http-1] c.e.OrderController - request failed\n"
    "java.lang.IllegalStateException: order 42 has no lines\n"
    "\tat com.example.OrderService.total(OrderService.java:57)\n"
    "\tat com.example.OrderController.get(OrderController.java:31)\n"
    "Caused by: java.lang.NullPointerException: lines is null\n"
    "\tat com.example.Order.lineCount(Order.java:12)\n"
    "\t... 3 more\n"
)
FIRST = "2024-05-01 12:00:00,001 INFO  [main] c.e.App - started\n"
LAST = "2024-05-01 12:00:04,000 INFO  [main] c.e.App - still serving\n"


def write(path, text, mode="w"):
    with open(path, mode) as f:
        f.write(text)


class ParsingTest(SkiffTestCase):
    def messages(self):
        return sorted((src["log.offset"], src["message"], src)
                      for _, src in self.es.documents(self.index))

    def test_a_java_trace_and_cri_lines_arrive_as_whole_documents(self):
        java = os.path.join(self.logs, "app.log")
        write(java, FIRST + TRACE + LAST)
        pods = os.path.join(self.workdir, "pods")
        os.makedirs(pods)
        cri = os.path.join(pods, "0.log")
        write(cri, "2024-05-01T12:00:00.5Z stdout P hello \n"
                   "2024-05-01T12:00:01Z stderr F an error\n"
                   "2024-05-01T12:00:01.5Z stdout F world\n")
        toml = self.config(paths=[java],
                           extra_input='multiline = { preset = "java", timeout = "300ms" }',
                           extra=f"""
[[inputs.file]]
id = "pods"
paths = ["{cri}"]
start_at = "beginning"
poll_interval = "50ms"
format = "cri"
""")
        skiff = self.skiff(toml)
        skiff.start()
        # The last Java line waits for the multiline timeout: 3 + 2 documents.
        self.wait_count(5, timeout=30)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        docs = [src for _, src in self.es.documents(self.index)]
        self.assertEqual(len(docs), 5, docs)
        java_docs = sorted((d["log.offset"], d["message"]) for d in docs
                           if d["log.file.path"] == java)
        self.assertEqual(java_docs, [(0, FIRST[:-1]), (len(FIRST), TRACE[:-1]),
                                     (len(FIRST) + len(TRACE), LAST[:-1])])
        cri_docs = sorted((d["log.offset"], d["message"], d["stream"], d["@timestamp"])
                          for d in docs if d["log.file.path"] == cri)
        self.assertEqual(cri_docs, [(0, "hello world", "stdout", "2024-05-01T12:00:00.500Z"),
                                    (39, "an error", "stderr", "2024-05-01T12:00:01.000Z")])

    def test_a_restart_inside_an_unfinished_event_neither_loses_nor_splits_it(self):
        java = os.path.join(self.logs, "app.log")
        lines = TRACE.splitlines(keepends=True)
        write(java, FIRST + "".join(lines[:3]))
        # No timeout within the test: only the next event's first line ends the trace.
        toml = self.config(paths=[java], extra_input='multiline = { preset = "java", timeout = "1h" }')
        skiff = self.skiff(toml)
        skiff.start()
        self.wait_count(1, timeout=30)
        wait_for(lambda: os.path.exists(os.path.join(self.data_dir, "checkpoints")), 10,
                 what="a persisted checkpoint")
        skiff.kill()  # kill -9 in the middle of the trace

        write(java, "".join(lines[3:]) + LAST, mode="a")
        skiff.start()
        self.wait_count(2, timeout=30)
        self.assertEqual(skiff.stop(), 0, skiff.output())
        docs = sorted((src["log.offset"], src["message"]) for _, src in self.es.documents(self.index))
        self.assertEqual(docs, [(0, FIRST[:-1]), (len(FIRST), TRACE[:-1])],
                         "the trace must arrive once, whole, at its first line's offset")


if __name__ == "__main__":
    unittest.main()
