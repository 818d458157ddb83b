#include "platforms/metrics/sample_writer.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace metrics {
namespace {

class SampleWriterTest : public ::testing::Test {
 protected:
  std::string Text() const {
    std::string out;
    writer_.AppendText(out);
    return out;
  }

  SampleWriter writer_;
};

TEST_F(SampleWriterTest, RendersCounterAndGaugeWithHelpAndType) {
  writer_.Counter("skiff_lines_total", "Lines read.", uint64_t{42});
  writer_.Gauge("skiff_fill_ratio", "Buffer fill ratio.", 0.25);
  EXPECT_EQ(Text(),
            "# HELP skiff_lines_total Lines read.\n"
            "# TYPE skiff_lines_total counter\n"
            "skiff_lines_total 42\n"
            "# HELP skiff_fill_ratio Buffer fill ratio.\n"
            "# TYPE skiff_fill_ratio gauge\n"
            "skiff_fill_ratio 0.25\n");
}

TEST_F(SampleWriterTest, GroupsSamplesOfOneFamilyWrittenApart) {
  writer_.Counter("skiff_requests_total", "Requests.", 1, {{"outcome", "ok"}});
  writer_.Gauge("skiff_in_flight", "In flight.", 2);
  writer_.Counter("skiff_requests_total", "Requests.", 3, {{"outcome", "retried"}});
  EXPECT_EQ(Text(),
            "# HELP skiff_requests_total Requests.\n"
            "# TYPE skiff_requests_total counter\n"
            "skiff_requests_total{outcome=\"ok\"} 1\n"
            "skiff_requests_total{outcome=\"retried\"} 3\n"
            "# HELP skiff_in_flight In flight.\n"
            "# TYPE skiff_in_flight gauge\n"
            "skiff_in_flight 2\n");
}

TEST_F(SampleWriterTest, EscapesLabelValuesAndHelpText) {
  writer_.Gauge("skiff_x", "Line one\\two\nthree \"quoted\"", 1,
                {{"path", "C:\\logs\\\"a\"\nb"}, {"empty", ""}});
  EXPECT_EQ(Text(),
            "# HELP skiff_x Line one\\\\two\\nthree \"quoted\"\n"
            "# TYPE skiff_x gauge\n"
            "skiff_x{path=\"C:\\\\logs\\\\\\\"a\\\"\\nb\",empty=\"\"} 1\n");
}

TEST_F(SampleWriterTest, RendersHistogramCumulativeWithInfSumAndCount) {
  const std::array<double, 3> bounds = {0.005, 0.5, 10};
  const std::array<uint64_t, 4> counts = {1, 2, 0, 3};
  writer_.Histogram("skiff_latency_seconds", "Latency.", {bounds, counts, 31.75},
                    {{"host", "es-1"}});
  EXPECT_EQ(Text(),
            "# HELP skiff_latency_seconds Latency.\n"
            "# TYPE skiff_latency_seconds histogram\n"
            "skiff_latency_seconds_bucket{host=\"es-1\",le=\"0.005\"} 1\n"
            "skiff_latency_seconds_bucket{host=\"es-1\",le=\"0.5\"} 3\n"
            "skiff_latency_seconds_bucket{host=\"es-1\",le=\"10\"} 3\n"
            "skiff_latency_seconds_bucket{host=\"es-1\",le=\"+Inf\"} 6\n"
            "skiff_latency_seconds_sum{host=\"es-1\"} 31.75\n"
            "skiff_latency_seconds_count{host=\"es-1\"} 6\n");
}

TEST_F(SampleWriterTest, RendersHistogramWithoutLabelsAndOnlyTheInfBucket) {
  const std::array<uint64_t, 1> counts = {5};
  writer_.Histogram("skiff_h", "H.", {{}, counts, 2.5});
  EXPECT_EQ(Text(),
            "# HELP skiff_h H.\n"
            "# TYPE skiff_h histogram\n"
            "skiff_h_bucket{le=\"+Inf\"} 5\n"
            "skiff_h_sum 2.5\n"
            "skiff_h_count 5\n");
}

TEST_F(SampleWriterTest, WritesSpecialFloatsAndFullIntegers) {
  writer_.Gauge("skiff_a", "", std::numeric_limits<double>::infinity());
  writer_.Gauge("skiff_b", "", -std::numeric_limits<double>::infinity());
  writer_.Gauge("skiff_c", "", std::nan(""));
  writer_.Counter("skiff_d", "", std::numeric_limits<uint64_t>::max());
  writer_.Gauge("skiff_e", "", -7);
  writer_.Gauge("skiff_f", "", 1e-9);
  EXPECT_EQ(Text(),
            "# HELP skiff_a \n# TYPE skiff_a gauge\nskiff_a +Inf\n"
            "# HELP skiff_b \n# TYPE skiff_b gauge\nskiff_b -Inf\n"
            "# HELP skiff_c \n# TYPE skiff_c gauge\nskiff_c NaN\n"
            "# HELP skiff_d \n# TYPE skiff_d counter\nskiff_d 18446744073709551615\n"
            "# HELP skiff_e \n# TYPE skiff_e gauge\nskiff_e -7\n"
            "# HELP skiff_f \n# TYPE skiff_f gauge\nskiff_f 1e-09\n");
}

TEST_F(SampleWriterTest, LeavesOutSamplesThatBreakTheRulesAndCountsThem) {
  writer_.Counter("lines_total", "No prefix.", 1);
  writer_.Counter("skiff_bad-name", "Dash.", 1);
  writer_.Counter("skiff_ok_total", "Bad label.", 1, {{"0digit", "x"}});
  writer_.Counter("skiff_ok_total", "Reserved label.", 1, {{"__name__", "x"}});
  const std::array<uint64_t, 1> counts = {1};
  writer_.Histogram("skiff_h", "Reserved le.", {{}, counts, 1}, {{"le", "1"}});
  const std::array<double, 2> unsorted = {2, 1};
  const std::array<uint64_t, 3> three = {1, 1, 1};
  writer_.Histogram("skiff_h", "Unsorted.", {unsorted, three, 1});
  writer_.Histogram("skiff_h", "Count mismatch.", {unsorted, counts, 1});
  writer_.Gauge("skiff_kept", "Kept.", 1);
  writer_.Counter("skiff_kept", "Same name, other type.", 1);
  EXPECT_EQ(writer_.rejected(), 8u);
  EXPECT_EQ(writer_.first_error(), "metric name \"lines_total\" must start with \"skiff_\"");
  EXPECT_EQ(Text(), "# HELP skiff_kept Kept.\n# TYPE skiff_kept gauge\nskiff_kept 1\n");
}

TEST_F(SampleWriterTest, ClearForgetsSamplesAndReusesFamilies) {
  writer_.Counter("skiff_a_total", "A.", 1);
  writer_.Counter("skiff_bad", "", 1, {{"", "x"}});
  writer_.Clear();
  EXPECT_EQ(Text(), "");
  EXPECT_EQ(writer_.rejected(), 0u);
  writer_.Gauge("skiff_b", "B.", 2);
  EXPECT_EQ(Text(), "# HELP skiff_b B.\n# TYPE skiff_b gauge\nskiff_b 2\n");
}

}  // namespace
}  // namespace metrics
