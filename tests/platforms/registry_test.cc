#include "platforms/metrics/registry.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <string>

namespace metrics {
namespace {

class RegistryTest : public ::testing::Test {
 protected:
  Registry registry_;
};

// A stats struct like the ones components keep (transport::OutputStats).
struct FakeStats {
  uint64_t requests_ok = 0;
  uint64_t requests_retried = 0;
  int in_flight = 0;
};

TEST_F(RegistryTest, RendersOwnedInstrumentsThenCollectorsInOrderAdded) {
  Counter& ok = registry_.AddCounter("skiff_events_total", "Events.", {{"input", "nginx"}});
  Gauge& fill = registry_.AddGauge("skiff_buffer_fill_ratio", "Fill.");
  Histogram& latency = registry_.AddHistogram("skiff_request_duration_seconds", "Latency.",
                                              std::array<double, 2>{0.5, 1});
  ok.Increment();
  ok.Increment(4);
  fill.Set(0.5);
  fill.Add(0.25);
  latency.Observe(0.25);
  latency.Observe(0.5);  // le is "less than or equal"
  latency.Observe(3);
  FakeStats stats{.requests_ok = 7, .requests_retried = 2, .in_flight = 3};
  CollectorHandle handle = registry_.AddCollector([&stats](SampleWriter& w) {
    constexpr std::string_view kHelp = "Bulk requests by outcome.";
    w.Counter("skiff_output_requests_total", kHelp, stats.requests_ok, {{"outcome", "ok"}});
    w.Gauge("skiff_output_in_flight", "Requests in flight.", stats.in_flight);
    w.Counter("skiff_output_requests_total", kHelp, stats.requests_retried,
              {{"outcome", "retried"}});
  });
  EXPECT_EQ(registry_.Render(),
            "# HELP skiff_events_total Events.\n"
            "# TYPE skiff_events_total counter\n"
            "skiff_events_total{input=\"nginx\"} 5\n"
            "# HELP skiff_buffer_fill_ratio Fill.\n"
            "# TYPE skiff_buffer_fill_ratio gauge\n"
            "skiff_buffer_fill_ratio 0.75\n"
            "# HELP skiff_request_duration_seconds Latency.\n"
            "# TYPE skiff_request_duration_seconds histogram\n"
            "skiff_request_duration_seconds_bucket{le=\"0.5\"} 2\n"
            "skiff_request_duration_seconds_bucket{le=\"1\"} 2\n"
            "skiff_request_duration_seconds_bucket{le=\"+Inf\"} 3\n"
            "skiff_request_duration_seconds_sum 3.75\n"
            "skiff_request_duration_seconds_count 3\n"
            "# HELP skiff_output_requests_total Bulk requests by outcome.\n"
            "# TYPE skiff_output_requests_total counter\n"
            "skiff_output_requests_total{outcome=\"ok\"} 7\n"
            "skiff_output_requests_total{outcome=\"retried\"} 2\n"
            "# HELP skiff_output_in_flight Requests in flight.\n"
            "# TYPE skiff_output_in_flight gauge\n"
            "skiff_output_in_flight 3\n");
}

TEST_F(RegistryTest, CollectorReadsCurrentValuesAtEachScrape) {
  FakeStats stats;
  CollectorHandle handle = registry_.AddCollector(
      [&stats](SampleWriter& w) { w.Counter("skiff_ok_total", "Ok.", stats.requests_ok); });
  EXPECT_NE(registry_.Render().find("skiff_ok_total 0\n"), std::string::npos);
  stats.requests_ok = 12;
  EXPECT_NE(registry_.Render().find("skiff_ok_total 12\n"), std::string::npos);
}

TEST_F(RegistryTest, SameNameAndLabelsReturnTheSameInstrument) {
  Counter& a = registry_.AddCounter("skiff_x_total", "X.", {{"k", "v"}});
  Counter& b = registry_.AddCounter("skiff_x_total", "X.", {{"k", "v"}});
  Counter& c = registry_.AddCounter("skiff_x_total", "X.", {{"k", "w"}});
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &c);
  a.Increment();
  b.Increment();
  EXPECT_EQ(c.value(), 0u);
  EXPECT_EQ(registry_.Render(),
            "# HELP skiff_x_total X.\n# TYPE skiff_x_total counter\n"
            "skiff_x_total{k=\"v\"} 2\nskiff_x_total{k=\"w\"} 0\n");
}

TEST_F(RegistryTest, DestroyingTheHandleUnregistersTheCollector) {
  {
    CollectorHandle handle =
        registry_.AddCollector([](SampleWriter& w) { w.Gauge("skiff_gone", "Gone.", 1); });
    EXPECT_NE(registry_.Render(), "");
    CollectorHandle moved = std::move(handle);
    handle.Reset();  // the moved-from handle owns nothing
    EXPECT_NE(registry_.Render(), "");
  }
  EXPECT_EQ(registry_.Render(), "");
}

TEST_F(RegistryTest, HistogramIgnoresNanAndCountsAboveTheLastBoundInInf) {
  Histogram& h = registry_.AddHistogram("skiff_h", "H.", std::array<double, 1>{1});
  h.Observe(std::nan(""));
  h.Observe(1e9);
  EXPECT_EQ(h.count(), 1u);
  EXPECT_EQ(h.data().bucket_counts[1], 1u);
}

TEST_F(RegistryTest, InvalidCollectorSamplesAreLeftOutWhileOthersRender) {
  CollectorHandle handle = registry_.AddCollector([](SampleWriter& w) {
    w.Gauge("bad name", "", 1);
    w.Gauge("skiff_good", "Good.", 1);
  });
  EXPECT_EQ(registry_.Render(), "# HELP skiff_good Good.\n# TYPE skiff_good gauge\nskiff_good 1\n");
}

using RegistryDeathTest = RegistryTest;

TEST_F(RegistryDeathTest, AddingAnInvalidNameAborts) {
  EXPECT_DEATH(registry_.AddCounter("requests_total", "No prefix."), "must start with");
  EXPECT_DEATH(registry_.AddGauge("skiff_x", "", {{"a-b", "v"}}), "label name");
}

TEST_F(RegistryDeathTest, ReaddingANameWithAnotherTypeOrBucketsAborts) {
  registry_.AddCounter("skiff_x", "X.");
  EXPECT_DEATH(registry_.AddGauge("skiff_x", "X."), "another type");
  registry_.AddHistogram("skiff_h", "H.", std::array<double, 1>{1});
  EXPECT_DEATH(registry_.AddHistogram("skiff_h", "H.", std::array<double, 1>{2}), "buckets");
  EXPECT_DEATH(registry_.AddHistogram("skiff_u", "U.", std::array<double, 2>{2, 1}),
               "strictly increasing");
}

}  // namespace
}  // namespace metrics
