// `skiff buffer verify|inspect` (agent/buffer_command.h) and the read-only scan behind it
// (agent/buffer_report.h), on rings written through the real Ring into a temporary
// data_dir and then damaged the way crashes and bad disks do.
#include "agent/buffer_command.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "agent/buffer_report.h"
#include "agent/data_dir.h"
#include "buffer/filesystem_posix.h"
#include "buffer/ring.h"
#include "buffer/segment_header.h"
#include "platforms/base/clock.h"
#include "platforms/base/log.h"
#include "platforms/base/uv_handle.h"

namespace agent {
namespace {

constexpr int kEventsPerBatch = 3;
constexpr std::chrono::seconds kStepTimeout{10};

std::vector<char> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void WriteFile(const std::string& path, const std::vector<char>& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

buffer::EventBatch Batch(int number) {
  buffer::EventBatch batch{
      "src-" + std::to_string(number), 1, "logs-test-default", R"("host":{"name":"web-1"})", {}};
  for (int i = 0; i < kEventsPerBatch; ++i) {
    batch.events.push_back(buffer::Event{
        static_cast<uint64_t>(number * 100 + i), 1'700'000'000'000'000'000 + i, 0,
        "line " + std::to_string(number) + "." + std::to_string(i) + " \"quoted\" \xC3\xA9", ""});
  }
  return batch;
}

struct CommandOutput {
  int code = 0;
  std::string out;
  std::string err;
};

class BufferCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base::SetLogLevel(base::LogLevel::kError);
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "skiff-buffer-command-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    data_dir_ = tmpl;
    ring_dir_ = data_dir_ + "/ring";
    ASSERT_EQ(uv_loop_init(&loop_), 0);
  }

  void TearDown() override {
    EXPECT_EQ(base::CloseLoop(&loop_), 0);
    if (!HasFailure()) std::filesystem::remove_all(data_dir_);
  }

  // Writes `count` batches through the real ring (4 KiB segments), acknowledges the first
  // `acked` of them, and stops cleanly.
  void WriteRing(int count, int acked = 0) {
    buffer::PosixFilesystem fs;
    base::RealClock clock;
    buffer::RingOptions options;
    options.dir = ring_dir_;
    options.segment_bytes = 4096;
    options.max_bytes = 64 * 4096;
    options.fsync = buffer::FsyncMode::kAlways;
    auto ring = buffer::Ring::Open(&loop_, fs, options, clock);
    ASSERT_TRUE(ring.has_value()) << ring.error().ToString();
    int durable = 0;
    for (int i = 0; i < count; ++i) {
      const auto deadline = std::chrono::steady_clock::now() + kStepTimeout;
      base::Status s;
      while ((s = (*ring)->Append(Batch(i), [&durable] { ++durable; })).code() ==
             base::StatusCode::kResourceExhausted) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline);
        uv_run(&loop_, UV_RUN_ONCE);
      }
      ASSERT_TRUE(s.ok()) << s.ToString();
    }
    ASSERT_TRUE(RunUntil([&] { return durable == count; }));
    std::vector<uint64_t> leases;
    (*ring)->SetOnReadable([] {});
    ASSERT_TRUE(RunUntil([&] {
      while (static_cast<int>(leases.size()) < acked) {
        auto lease = (*ring)->Read();
        if (!lease) return false;
        leases.push_back(lease->id);
      }
      return true;
    }));
    for (uint64_t id : leases) (*ring)->Ack(id);
    ASSERT_TRUE((*ring)->Flush().ok());
  }

  template <class Pred>
  bool RunUntil(Pred done) {
    const auto deadline = std::chrono::steady_clock::now() + kStepTimeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      uv_run(&loop_, UV_RUN_ONCE);
    }
    return true;
  }

  BufferReport Scan() {
    buffer::PosixFilesystem fs;
    auto report = ScanBuffer(fs, ring_dir_);
    EXPECT_TRUE(report.has_value()) << report.error().ToString();
    return report ? *report : BufferReport{};
  }

  CommandOutput Run(std::vector<std::string> args, const std::string& config = "/nonexistent") {
    CommandOutput result;
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    result.code = BufferCommand(config, args);
    std::fflush(stdout);
    std::fflush(stderr);
    result.out = ::testing::internal::GetCapturedStdout();
    result.err = ::testing::internal::GetCapturedStderr();
    return result;
  }

  std::string SegmentPath(uint64_t id) const {
    return ring_dir_ + "/" + buffer::SegmentFileName(id);
  }

  // Every file under the data_dir with its bytes: what "never modifies" compares.
  std::map<std::string, std::vector<char>> Snapshot() const {
    std::map<std::string, std::vector<char>> files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(data_dir_)) {
      files[e.path().string()] =
          e.is_regular_file() ? ReadFile(e.path().string()) : std::vector<char>{};
    }
    return files;
  }

  std::string data_dir_;
  std::string ring_dir_;
  uv_loop_t loop_{};
};

TEST_F(BufferCommandTest, VerifyPassesASoundRingAndCountsItsFramesAndEvents) {
  ASSERT_NO_FATAL_FAILURE(WriteRing(6));
  BufferReport report = Scan();
  EXPECT_TRUE(report.dir_exists);
  EXPECT_EQ(report.frames, 6u);
  EXPECT_EQ(report.events, 6u * kEventsPerBatch);
  EXPECT_EQ(report.pending_events, 6u * kEventsPerBatch);
  EXPECT_FALSE(report.Damaged());
  CommandOutput r = Run({"verify", "--data-dir", data_dir_});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("6 frames, 18 events"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("result: ok"), std::string::npos) << r.out;
}

TEST_F(BufferCommandTest, VerifyReportsAFlippedByteWithItsOffsetAndExitsOne) {
  ASSERT_NO_FATAL_FAILURE(WriteRing(4));
  const uint64_t second = Scan().segments.at(0).frames.at(1).offset;
  std::vector<char> bytes = ReadFile(SegmentPath(0));
  bytes[second + buffer::kFrameHeaderBytes + 3] ^= 0x04;
  WriteFile(SegmentPath(0), bytes);

  BufferReport report = Scan();
  ASSERT_EQ(report.segments.at(0).corrupt.size(), 1u);
  EXPECT_EQ(report.segments[0].corrupt[0].offset, second);
  EXPECT_EQ(report.segments[0].corrupt[0].reason.rfind("frame CRC mismatch", 0), 0u);
  EXPECT_EQ(report.frames, 3u);
  EXPECT_EQ(report.lost_events, static_cast<uint64_t>(kEventsPerBatch));
  EXPECT_TRUE(report.Damaged());
  CommandOutput r = Run({"verify", "--data-dir", data_dir_});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("offset " + std::to_string(second) + ": CORRUPT"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("result: DAMAGED"), std::string::npos) << r.out;
}

TEST_F(BufferCommandTest, VerifyReportsATornTailButDoesNotCallItDamage) {
  ASSERT_NO_FATAL_FAILURE(WriteRing(3));
  const BufferFrame last = Scan().segments.at(0).frames.at(2);
  std::vector<char> bytes = ReadFile(SegmentPath(0));
  bytes.resize(last.offset + 20);  // a crash in the middle of the frame's header
  WriteFile(SegmentPath(0), bytes);

  BufferReport report = Scan();
  EXPECT_EQ(report.frames, 2u);
  EXPECT_EQ(report.torn_tails, 1u);
  EXPECT_EQ(report.segments[0].valid_end, last.offset);
  EXPECT_EQ(report.segments[0].TailBytes(), 20u);
  EXPECT_FALSE(report.Damaged());
  CommandOutput r = Run({"verify", "--data-dir", data_dir_});
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("torn tail, 20 bytes"), std::string::npos) << r.out;
}

TEST_F(BufferCommandTest, VerifyCountsTheEventsOfASegmentWithACorruptHeaderAsLost) {
  ASSERT_NO_FATAL_FAILURE(WriteRing(80));
  BufferReport before = Scan();
  ASSERT_GE(before.segments.size(), 3u);
  uint64_t events_in_second = 0;
  for (const BufferFrame& f : before.segments[1].frames) events_in_second += f.header.event_count;
  std::vector<char> bytes = ReadFile(SegmentPath(before.segments[1].id));
  bytes[20] ^= 0x01;  // the segment id: the header CRC fails
  WriteFile(SegmentPath(before.segments[1].id), bytes);

  BufferReport report = Scan();
  EXPECT_EQ(report.bad_segments, 1u);
  EXPECT_FALSE(report.segments[1].header_error.empty());
  EXPECT_EQ(report.lost_events, events_in_second);
  CommandOutput r = Run({"verify", "--data-dir", data_dir_});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("CORRUPT header"), std::string::npos) << r.out;
}

TEST_F(BufferCommandTest, VerifyReportsTheCursorAndWhichFramesItAcknowledges) {
  ASSERT_NO_FATAL_FAILURE(WriteRing(5, /*acked=*/2));
  BufferReport report = Scan();
  EXPECT_EQ(report.cursor, CursorState::kValid);
  EXPECT_EQ(report.ack_seq, 2u * kEventsPerBatch);
  EXPECT_EQ(report.pending_events, 3u * kEventsPerBatch);
  CommandOutput r = Run({"verify", "--data-dir", data_dir_});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("cursor: events below seq 6 are acknowledged"), std::string::npos) << r.out;
}

TEST_F(BufferCommandTest, VerifyAndInspectNeverModifyTheRing) {
  ASSERT_NO_FATAL_FAILURE(WriteRing(12, /*acked=*/1));
  // What recovery would change: a torn tail, a half-created segment, a cursor.tmp.
  std::vector<char> bytes = ReadFile(SegmentPath(0));
  bytes.resize(bytes.size() - 7);
  WriteFile(SegmentPath(0), bytes);
  WriteFile(SegmentPath(99), std::vector<char>(12, 'S'));
  WriteFile(ring_dir_ + "/cursor.tmp", std::vector<char>(5, 'c'));
  WriteFile(ring_dir_ + "/notes.txt", std::vector<char>(5, 'n'));
  const auto before = Snapshot();
  EXPECT_EQ(Run({"verify", "--data-dir", data_dir_}).code, 0);
  EXPECT_EQ(Run({"verify", "--json", "--data-dir", data_dir_}).code, 0);
  EXPECT_EQ(Run({"inspect", "--data-dir", data_dir_}).code, 0);
  EXPECT_EQ(Run({"inspect", "--events", "--data-dir", data_dir_}).code, 0);
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(BufferCommandTest, VerifyJsonIsOneObjectWithSegmentsCorruptionAndTotals) {
  ASSERT_NO_FATAL_FAILURE(WriteRing(4));
  const uint64_t third = Scan().segments.at(0).frames.at(2).offset;
  std::vector<char> bytes = ReadFile(SegmentPath(0));
  std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(third),
            bytes.begin() + static_cast<std::ptrdiff_t>(third + buffer::kFrameHeaderBytes + 4), 0);
  WriteFile(SegmentPath(0), bytes);
  CommandOutput r = Run({"verify", "--data-dir=" + data_dir_, "--json"});
  EXPECT_EQ(r.code, 1);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(r.out).get(doc), simdjson::SUCCESS) << r.out;
  EXPECT_EQ(doc["ok"].get_bool().value(), false);
  EXPECT_EQ(doc["cursor"]["state"].get_string().value(), "missing");
  simdjson::dom::element corrupt = doc["segments"].at(0)["corrupt"].at(0);
  EXPECT_EQ(corrupt["offset"].get_uint64().value(), third);
  EXPECT_EQ(corrupt["reason"].get_string().value(), "zero-filled region");
  EXPECT_EQ(doc["totals"]["frames"].get_uint64().value(), 3u);
  EXPECT_EQ(doc["totals"]["corrupt_regions"].get_uint64().value(), 1u);
  EXPECT_EQ(doc["totals"]["lost_events"].get_uint64().value(),
            static_cast<uint64_t>(kEventsPerBatch));
}

TEST_F(BufferCommandTest, InspectEventsPrintsEveryEventAsOneJsonLine) {
  ASSERT_NO_FATAL_FAILURE(WriteRing(3, /*acked=*/1));
  CommandOutput r = Run({"inspect", "--events", "--data-dir", data_dir_});
  EXPECT_EQ(r.code, 0) << r.err;
  simdjson::dom::parser parser;
  std::size_t lines = 0;
  std::size_t start = 0;
  for (std::size_t nl; (nl = r.out.find('\n', start)) != std::string::npos; start = nl + 1) {
    const std::string line = r.out.substr(start, nl - start);
    simdjson::dom::element event;
    ASSERT_EQ(parser.parse(line).get(event), simdjson::SUCCESS) << line;
    const int batch = static_cast<int>(lines) / kEventsPerBatch;
    const int index = static_cast<int>(lines) % kEventsPerBatch;
    EXPECT_EQ(event["seq"].get_uint64().value(), lines);
    EXPECT_EQ(event["acknowledged"].get_bool().value(), batch == 0);
    EXPECT_EQ(event["source_key"].get_string().value(), "src-" + std::to_string(batch));
    EXPECT_EQ(std::string(event["message"].get_string().value()),
              Batch(batch).events[static_cast<std::size_t>(index)].message);
    EXPECT_EQ(event["offset"].get_uint64().value(), static_cast<uint64_t>(batch * 100 + index));
    ++lines;
  }
  EXPECT_EQ(lines, 3u * kEventsPerBatch);
  EXPECT_EQ(start, r.out.size()) << "stdout holds something other than NDJSON";
}

TEST_F(BufferCommandTest, InspectListsFramesAndDamageInFileOrder) {
  ASSERT_NO_FATAL_FAILURE(WriteRing(3));
  const BufferFrame second = Scan().segments.at(0).frames.at(1);
  std::vector<char> bytes = ReadFile(SegmentPath(0));
  bytes[second.offset + 5] ^= 0x01;
  WriteFile(SegmentPath(0), bytes);
  CommandOutput r = Run({"inspect", "--data-dir", data_dir_});
  EXPECT_EQ(r.code, 1);
  const auto first = r.out.find("offset 40: seq 0..2, 3 events");
  const auto damage = r.out.find("offset " + std::to_string(second.offset) + ": CORRUPT");
  const auto third = r.out.find("seq 6..8, 3 events");
  ASSERT_NE(first, std::string::npos) << r.out;
  ASSERT_NE(damage, std::string::npos) << r.out;
  ASSERT_NE(third, std::string::npos) << r.out;
  EXPECT_LT(first, damage);
  EXPECT_LT(damage, third);
  EXPECT_NE(r.out.find("source \"src-0\""), std::string::npos) << r.out;
}

TEST_F(BufferCommandTest, RefusesToRunWhileAnAgentHoldsTheLock) {
  ASSERT_NO_FATAL_FAILURE(WriteRing(1));
  auto agent = DataDir::Open(data_dir_, /*take_lock=*/true);
  ASSERT_TRUE(agent.has_value()) << agent.error().ToString();
  for (const char* sub : {"verify", "inspect"}) {
    CommandOutput r = Run({sub, "--data-dir", data_dir_});
    EXPECT_EQ(r.code, 2);
    EXPECT_EQ(r.err, "skiff is running (pid " + std::to_string(::getpid()) + ") and holds " +
                         data_dir_ + "/skiff.lock; stop it first\n");
    EXPECT_TRUE(r.out.empty());
  }
}

TEST_F(BufferCommandTest, LockCheckCreatesNothingAndSeesAStoppedAgent) {
  auto holder = DataDir::LockHolder(data_dir_);
  ASSERT_TRUE(holder.has_value());
  EXPECT_FALSE(holder->has_value());
  EXPECT_FALSE(std::filesystem::exists(data_dir_ + "/skiff.lock"));
  { auto agent = DataDir::Open(data_dir_, /*take_lock=*/true); }  // started and stopped
  holder = DataDir::LockHolder(data_dir_);
  ASSERT_TRUE(holder.has_value());
  EXPECT_FALSE(holder->has_value());
}

TEST_F(BufferCommandTest, ReadsDataDirFromTheConfiguration) {
  ASSERT_NO_FATAL_FAILURE(WriteRing(2));
  const std::string config = data_dir_ + "/skiff.toml";
  std::ofstream(config) << "data_dir = \"" << data_dir_ << "\"\n"
                        << "[[inputs.file]]\nid = \"app\"\npaths = [\"/tmp/none/*.log\"]\n"
                        << "[output.elasticsearch]\nhosts = [\"http://127.0.0.1:9\"]\n";
  CommandOutput r = Run({"verify"}, config);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("ring " + ring_dir_), std::string::npos) << r.out;
  EXPECT_EQ(Run({"verify"}, data_dir_ + "/missing.toml").code, 2);
}

TEST_F(BufferCommandTest, MissingRingIsReportedAndMissingDataDirFails) {
  CommandOutput r = Run({"verify", "--data-dir", data_dir_});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("no ring at " + ring_dir_), std::string::npos) << r.out;
  EXPECT_EQ(Run({"verify", "--data-dir", data_dir_ + "/nope"}).code, 1);
}

TEST_F(BufferCommandTest, BadUsageExitsTwoAndHelpExitsZero) {
  EXPECT_EQ(Run({}).code, 2);
  EXPECT_EQ(Run({"repair"}).code, 2);
  EXPECT_EQ(Run({"verify", "--events"}).code, 2);
  EXPECT_EQ(Run({"inspect", "--json"}).code, 2);
  EXPECT_EQ(Run({"verify", "--data-dir"}).code, 2);
  EXPECT_EQ(Run({"verify", "--bogus"}).code, 2);
  CommandOutput help = Run({"--help"});
  EXPECT_EQ(help.code, 0);
  EXPECT_NE(help.out.find("--data-dir DIR"), std::string::npos);
}

}  // namespace
}  // namespace agent
