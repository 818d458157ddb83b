#include "buffer/batch_codec.h"

#include <gtest/gtest.h>

#include <string>

namespace buffer {
namespace {

void ExpectSameBatch(const EventBatch& a, const EventBatch& b) {
  EXPECT_EQ(a.source_key, b.source_key);
  EXPECT_EQ(a.generation, b.generation);
  EXPECT_EQ(a.index, b.index);
  EXPECT_EQ(a.shared_fields_json, b.shared_fields_json);
  ASSERT_EQ(a.events.size(), b.events.size());
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    EXPECT_EQ(a.events[i].offset, b.events[i].offset) << i;
    EXPECT_EQ(a.events[i].time_unix_nanos, b.events[i].time_unix_nanos) << i;
    EXPECT_EQ(a.events[i].flags, b.events[i].flags) << i;
    EXPECT_EQ(a.events[i].message, b.events[i].message) << i;
    EXPECT_EQ(a.events[i].fields_json, b.events[i].fields_json) << i;
  }
}

class BatchCodecTest : public ::testing::Test {
 protected:
  EventBatch RoundTrip(const EventBatch& in) {
    std::vector<std::byte> compressed;
    auto raw = codec_.Encode(in, compressed);
    EXPECT_TRUE(raw.has_value());
    EventBatch out;
    base::Status s = codec_.Decode(compressed, raw ? *raw : 0, out);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }

  BatchCodec codec_{1};
};

TEST_F(BatchCodecTest, RoundTripsABatchWithEmptyFields) {
  EventBatch batch;
  batch.events.push_back(Event{});
  ExpectSameBatch(batch, RoundTrip(batch));
}

TEST_F(BatchCodecTest, RoundTripsSharedValuesFlagsAndOutOfOrderOffsetsAndTimes) {
  EventBatch batch{"dev:1/ino:2/fp:abc",
                   7,
                   "logs-nginx-default",
                   R"("log":{"file":{"path":"/var/log/a.log"}})",
                   {}};
  batch.events.push_back(Event{1000, 1'700'000'000'000'000'000, kFlagTruncated, "GET /a", ""});
  batch.events.push_back(Event{10, -5, kFlagInvalidUtf8 | kFlagPartial, "back", R"("a":1)"});
  batch.events.push_back(Event{UINT64_MAX, INT64_MIN, 0, std::string("nul\0byte", 8), ""});
  batch.events.push_back(Event{0, INT64_MAX, 0, "x", ""});
  ExpectSameBatch(batch, RoundTrip(batch));
}

TEST_F(BatchCodecTest, RoundTripsAHugeMessage) {
  EventBatch batch;
  std::string huge(20u * 1024 * 1024, 'q');
  huge[12345] = 'z';
  batch.events.push_back(Event{1, 2, 0, huge, ""});
  ExpectSameBatch(batch, RoundTrip(batch));
}

TEST_F(BatchCodecTest, RoundTripsManyEventsAndCompressesLogLines) {
  EventBatch batch{"k", 0, "idx", "", {}};
  uint64_t offset = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string line = "10.0.0." + std::to_string(i % 250) +
                       " - - [22/Nov/2026:10:00:" + std::to_string(i % 60) +
                       " +0000] \"GET /api/v1/items/" + std::to_string(i * 7) + " HTTP/1.1\" 200 " +
                       std::to_string(500 + i % 900);
    batch.events.push_back(Event{offset, 1'700'000'000'000'000'000 + i * 1000, 0, line, ""});
    offset += line.size() + 1;
  }
  std::vector<std::byte> compressed;
  auto raw = codec_.Encode(batch, compressed);
  ASSERT_TRUE(raw.has_value());
  EXPECT_GT(static_cast<double>(*raw) / static_cast<double>(compressed.size()), 5.0);
  ExpectSameBatch(batch, RoundTrip(batch));
}

TEST_F(BatchCodecTest, ReportsTruncatedZstdFrameAsCorruption) {
  EventBatch batch;
  batch.events.push_back(Event{1, 2, 0, std::string(5000, 'a') + "tail", ""});
  std::vector<std::byte> compressed;
  auto raw = codec_.Encode(batch, compressed);
  ASSERT_TRUE(raw.has_value());
  EventBatch out;
  for (std::size_t cut :
       {std::size_t{0}, std::size_t{3}, compressed.size() / 2, compressed.size() - 1}) {
    base::Status s = codec_.Decode(std::span(compressed).first(cut), *raw, out);
    EXPECT_EQ(s.code(), base::StatusCode::kCorruption) << cut;
  }
}

TEST_F(BatchCodecTest, ReportsGarbageAndWrongSizesAsCorruption) {
  std::vector<std::byte> garbage(100, std::byte{0x5A});
  EventBatch out;
  EXPECT_EQ(codec_.Decode(garbage, 100, out).code(), base::StatusCode::kCorruption);
  EXPECT_EQ(codec_.Decode(garbage, static_cast<uint32_t>(kMaxBatchRawBytes + 1), out).code(),
            base::StatusCode::kCorruption);
  EventBatch batch;
  batch.events.push_back(Event{1, 2, 0, "m", ""});
  std::vector<std::byte> compressed;
  auto raw = codec_.Encode(batch, compressed);
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(codec_.Decode(compressed, *raw + 1, out).code(), base::StatusCode::kCorruption);
}

}  // namespace
}  // namespace buffer
