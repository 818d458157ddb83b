// Crash test with real processes and real files: tests/tools/ring_writer appends
// self-checking batches with fsync = always and reports each durable one; this test kills
// it with SIGKILL at a random moment, reopens the ring in-process, reads everything and
// checks that every batch reported durable is there, intact and in order, and that nothing
// damaged or already acknowledged comes back. Then it acknowledges a random prefix, so the
// cursor and segment deletion take part, and starts the writer again on the same ring.
//
// Size: kCiKills kills, kSoakKills with SKIFF_SOAK=1 (`make soak`). SKIFF_SEED=N replays a
// run; the seed is printed with every failure.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "buffer/crc32c.h"
#include "buffer/filesystem_posix.h"
#include "buffer/ring.h"
#include "platforms/base/clock.h"
#include "platforms/base/log.h"
#include "platforms/base/uv_handle.h"

namespace buffer {
namespace {

constexpr int kCiKills = 20;
constexpr int kSoakKills = 200;
// Writer settings shared with the reader here: small segments so a run spans many.
constexpr uint64_t kSegmentBytes = 64 * 1024;
constexpr uint64_t kMaxBytes = 16 * 1024 * 1024;
// The writer is killed after 0..kMaxDurableBeforeKill reports plus 0..kMaxExtraDelay,
// so kills land before the first write, between writes and fsyncs, and mid-write.
constexpr int kMaxDurableBeforeKill = 40;
constexpr std::chrono::microseconds kMaxExtraDelay{4000};
// Bounds every wait on the writer or the ring; a healthy iteration takes milliseconds.
constexpr std::chrono::seconds kStepTimeout{20};

uint64_t SeedFromEnvironment() {
  if (const char* s = std::getenv("SKIFF_SEED")) return std::strtoull(s, nullptr, 10);
  return std::random_device{}();
}

// Parses "<key>=<number>" at the front of `text`, advancing it past the number.
bool Take(std::string_view& text, std::string_view key, uint64_t& out) {
  if (!text.starts_with(key)) return false;
  text.remove_prefix(key.size());
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc()) return false;
  text.remove_prefix(static_cast<std::size_t>(end - text.data()));
  return true;
}

// Checks a batch against ring_writer's content rules; returns its batch number, or an
// explanation of what is wrong in `error`.
uint64_t CheckBatch(const EventBatch& batch, std::string& error) {
  if (batch.source_key != "ring-writer" || batch.index != "logs-ring-writer" ||
      batch.events.empty()) {
    error = "foreign batch (source " + batch.source_key + ")";
    return 0;
  }
  uint64_t number = 0;
  for (std::size_t j = 0; j < batch.events.size(); ++j) {
    const Event& e = batch.events[j];
    std::string_view text = e.message;
    uint64_t b = 0, event = 0, events = 0;
    const auto crc_at = text.rfind(" crc=");
    if (!Take(text, "b=", b) || !Take(text, " e=", event) || !Take(text, "/", events) ||
        crc_at == std::string_view::npos) {
      error = "malformed message: " + e.message.substr(0, 80);
      return 0;
    }
    if (j == 0) number = b;
    std::string_view body = std::string_view(e.message).substr(0, crc_at);
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x",
                  crc32c::Value(std::as_bytes(std::span(body.data(), body.size()))));
    if (std::string_view(e.message).substr(crc_at + 5) != hex) {
      error = base::StrCat("event ", j, " of batch ", number, " fails its CRC");
      return 0;
    }
    if (b != number || event != j || events != batch.events.size() ||
        e.offset != number * 1000 + j) {
      error = base::StrCat("event ", j, " of batch ", number,
                           " is misnumbered: ", e.message.substr(0, 40));
      return 0;
    }
  }
  return number;
}

// One ring_writer process whose stdout reports are read through a pipe.
class WriterProcess {
 public:
  WriterProcess() = default;
  WriterProcess(const WriterProcess&) = delete;
  WriterProcess& operator=(const WriterProcess&) = delete;
  ~WriterProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
  }

  bool Start(const std::string& dir, uint64_t first_batch, uint64_t seed) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return false;
    std::vector<std::string> args = {SKIFF_RING_WRITER,
                                     "--dir",
                                     dir,
                                     "--first-batch",
                                     std::to_string(first_batch),
                                     "--seed",
                                     std::to_string(seed),
                                     "--segment-bytes",
                                     std::to_string(kSegmentBytes),
                                     "--max-bytes",
                                     std::to_string(kMaxBytes)};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      ::dup2(fds[1], STDOUT_FILENO);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out_ = fds[0];
    return true;
  }

  // Collects reports until `count` arrived, the writer exited or `deadline`.
  void WaitForReports(std::size_t count, std::chrono::steady_clock::time_point deadline) {
    while (durable_.size() < count && !eof_ && std::chrono::steady_clock::now() < deadline) {
      Poll(std::chrono::milliseconds(100));
    }
  }

  // Keeps collecting reports for `delay`: the random part of the moment of the kill.
  void CollectFor(std::chrono::microseconds delay) {
    const auto until = std::chrono::steady_clock::now() + delay;
    while (!eof_) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() < 0) break;
      Poll(left);
      if (left.count() == 0) break;
    }
  }

  // SIGKILL, then every report that reached the pipe before the kill. Returns the exit
  // status as waitpid gives it.
  int KillAndCollect() {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    while (!eof_) Poll(std::chrono::milliseconds(1000));
    return status;
  }

  const std::vector<uint64_t>& durable() const { return durable_; }
  const std::string& garbage() const { return garbage_; }

 private:
  void Poll(std::chrono::milliseconds timeout) {
    pollfd p{out_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return;
    char buf[4096];
    ssize_t n = ::read(out_, buf, sizeof buf);
    if (n <= 0) {
      eof_ = true;
      return;
    }
    pending_.append(buf, static_cast<std::size_t>(n));
    std::size_t nl;
    while ((nl = pending_.find('\n')) != std::string::npos) {
      std::string_view line = std::string_view(pending_).substr(0, nl);
      uint64_t batch = 0;
      if (line.starts_with("durable ") &&
          std::from_chars(line.data() + 8, line.data() + line.size(), batch).ec == std::errc()) {
        durable_.push_back(batch);
      } else {
        garbage_ += std::string(line) + "\n";
      }
      pending_.erase(0, nl + 1);
    }
  }

  pid_t pid_ = -1;
  int out_ = -1;
  bool eof_ = false;
  std::string pending_;
  std::vector<uint64_t> durable_;
  std::string garbage_;
};

class RingCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base::SetLogLevel(base::LogLevel::kError);
    std::string tmpl =
        (std::filesystem::temp_directory_path() / "skiff-ring-crash-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
    dir_ = root_ + "/ring";
    ASSERT_EQ(uv_loop_init(&loop_), 0);
  }

  void TearDown() override {
    EXPECT_EQ(base::CloseLoop(&loop_), 0);
    if (!HasFailure()) std::filesystem::remove_all(root_);
  }

  RingOptions Options() const {
    RingOptions o;
    o.dir = dir_;
    o.segment_bytes = kSegmentBytes;
    o.max_bytes = kMaxBytes;
    o.fsync = FsyncMode::kAlways;
    return o;
  }

  // Reopens the ring, reads every batch and checks it, acknowledges the batches below
  // `ack_below` (clamped to what was read: a random prefix), flushes and closes.
  // Returns the batch numbers read, in ring order.
  std::vector<uint64_t> ReadAllAndAckPrefix(std::mt19937_64& rng, uint64_t& acked_below) {
    std::vector<uint64_t> numbers;
    PosixFilesystem fs;
    base::RealClock clock;
    auto opened = Ring::Open(&loop_, fs, Options(), clock);
    EXPECT_TRUE(opened.has_value()) << opened.error().ToString();
    if (!opened) return numbers;
    std::unique_ptr<Ring> ring = std::move(*opened);
    ring->SetOnReadable([] {});
    std::vector<EventBuffer::Lease> leases;
    const auto deadline = std::chrono::steady_clock::now() + kStepTimeout;
    while (true) {
      while (auto lease = ring->Read()) leases.push_back(*lease);
      if (leases.size() == ring->PendingBatches()) break;
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "ring never handed out all its batches: " << leases.size() << " of "
                      << ring->PendingBatches() << ", corrupt frames "
                      << ring->stats().corrupt_frames;
        return numbers;
      }
      uv_run(&loop_, UV_RUN_ONCE);
    }
    for (const EventBuffer::Lease& lease : leases) {
      std::string error;
      const uint64_t number = CheckBatch(*lease.batch, error);
      EXPECT_TRUE(error.empty()) << error;
      numbers.push_back(number);
    }
    EXPECT_EQ(ring->stats().corrupt_frames, 0u) << "a killed process must not corrupt frames";
    EXPECT_EQ(ring->stats().dropped_events, 0u);
    // Acknowledge a random prefix; keep the rest for the next round.
    const std::size_t keep =
        leases.empty() ? 0 : rng() % (std::min<std::size_t>(leases.size(), 8) + 1);
    const std::size_t ack = leases.size() - keep;
    for (std::size_t i = 0; i < ack; ++i) ring->Ack(leases[i].id);
    if (ack > 0) acked_below = numbers[ack - 1] + 1;
    base::Status flushed = ring->Flush();
    EXPECT_TRUE(flushed.ok()) << flushed.ToString();
    ring.reset();
    return numbers;
  }

  std::string root_;
  std::string dir_;
  uv_loop_t loop_{};
};

TEST_F(RingCrashTest, EveryBatchReportedDurableSurvivesSigkillIntactAndInOrder) {
  const uint64_t seed = SeedFromEnvironment();
  const char* soak = std::getenv("SKIFF_SOAK");
  const int kills = soak != nullptr && std::string_view(soak) == "1" ? kSoakKills : kCiKills;
  SCOPED_TRACE(base::StrCat("seed ", seed, " (replay with SKIFF_SEED=", seed, ")"));
  std::mt19937_64 rng(seed);

  std::set<uint64_t> durable_pending;  // reported durable and not yet acknowledged
  uint64_t acked_below = 0;            // batches below this were acknowledged
  uint64_t next_batch = 0;             // the writer's next first batch
  uint64_t total_durable = 0;
  for (int kill = 0; kill < kills; ++kill) {
    SCOPED_TRACE(base::StrCat("kill ", kill, " of ", kills));
    WriterProcess writer;
    ASSERT_TRUE(writer.Start(dir_, next_batch, seed));
    const auto deadline = std::chrono::steady_clock::now() + kStepTimeout;
    const std::size_t reports = rng() % (kMaxDurableBeforeKill + 1);
    writer.WaitForReports(reports, deadline);
    writer.CollectFor(std::chrono::microseconds(rng() % (kMaxExtraDelay.count() + 1)));
    const int status = writer.KillAndCollect();
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the writer exited by itself (status " << status << ")";
    ASSERT_TRUE(writer.garbage().empty()) << writer.garbage();
    for (uint64_t b : writer.durable()) {
      ASSERT_GE(b, next_batch) << "report of a batch this writer was not given";
      durable_pending.insert(b);
    }
    total_durable += writer.durable().size();

    const uint64_t acked_before = acked_below;
    std::vector<uint64_t> read = ReadAllAndAckPrefix(rng, acked_below);
    ASSERT_FALSE(HasFailure());
    for (std::size_t i = 1; i < read.size(); ++i) {
      ASSERT_LT(read[i - 1], read[i]) << "batches out of order or duplicated at " << i;
    }
    const std::set<uint64_t> present(read.begin(), read.end());
    for (uint64_t b : durable_pending) {
      if (b < acked_before) continue;
      ASSERT_TRUE(present.count(b)) << "durable batch " << b << " is lost";
    }
    if (!read.empty()) {
      ASSERT_GE(read.front(), acked_before)
          << "acknowledged batch " << read.front() << " came back";
    }
    // Batches written but never reported durable may survive; the next writer continues
    // after everything seen so numbers stay unique.
    if (!read.empty()) next_batch = std::max(next_batch, read.back() + 1);
    if (!writer.durable().empty()) next_batch = std::max(next_batch, writer.durable().back() + 1);
    std::erase_if(durable_pending, [&](uint64_t b) { return b < acked_below; });
  }
  // The test must have exercised something: most runs report many durable batches.
  EXPECT_GT(total_durable, 0u);
  std::printf("%d kills, %llu batches reported durable, %llu acknowledged, seed %llu\n", kills,
              static_cast<unsigned long long>(total_durable),
              static_cast<unsigned long long>(acked_below), static_cast<unsigned long long>(seed));
}

}  // namespace
}  // namespace buffer
