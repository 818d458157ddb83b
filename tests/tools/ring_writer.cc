// ring_writer: appends self-checking batches to a real on-disk Ring with fsync = always and
// prints "durable B" on stdout (unbuffered) each time batch B's on_durable runs. The crash
// test (tests/buffer/ring_crash_test.cc) kills it with SIGKILL at random moments and checks
// that every batch it reported durable survives intact; the buffer tool tests use it to
// make a ring to verify and inspect.
//
//   ring_writer --dir DIR [--first-batch B] [--batches N] [--seed S]
//               [--segment-bytes N] [--max-bytes N]
//
// Without --batches it appends until killed (waiting while the ring is full); with it, it
// appends N batches, waits until all are durable, flushes and exits 0. Exit 1 on a ring
// error, 2 on bad usage.
//
// Content of batch B (see ring_crash_test.cc, which checks it): source_key "ring-writer",
// index "logs-ring-writer", generation 1, EventCountOf(B) events; event J has offset
// B * 1000 + J, time B seconds + J ns, and the message
//   "b=B e=J/N <filler> crc=XXXXXXXX"
// where the filler is 0..kMaxFillerBytes pseudo-random letters drawn from (seed, B, J) and
// XXXXXXXX is the CRC32C (hex) of everything before " crc=". Any damaged byte that reached a
// reader would fail the CRC or the numbering.
#include <unistd.h>
#include <uv.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "buffer/crc32c.h"
#include "buffer/filesystem_posix.h"
#include "buffer/ring.h"
#include "platforms/base/clock.h"
#include "platforms/base/log.h"
#include "platforms/base/uv_handle.h"

namespace {

// Appends not yet durable: bounds memory and keeps the writer close to the disk, so a
// kill usually lands between a write and its fsync.
constexpr std::size_t kMaxInFlight = 4;
// Fillers up to this size give frames from about 100 bytes to a few KiB.
constexpr std::size_t kMaxFillerBytes = 400;
// Every this many batches one is large, so frames also cross segment boundaries.
constexpr uint64_t kLargeBatchEvery = 16;
constexpr uint32_t kLargeBatchEvents = 40;

uint32_t EventCountOf(uint64_t batch) {
  return batch % kLargeBatchEvery == kLargeBatchEvery - 1 ? kLargeBatchEvents
                                                          : static_cast<uint32_t>(1 + batch % 5);
}

std::string Message(uint64_t seed, uint64_t batch, uint32_t event, uint32_t events) {
  std::string text = base::StrCat("b=", batch, " e=", event, "/", events, " ");
  std::mt19937_64 rng(seed ^ (batch * 0x9E3779B97F4A7C15ull) ^ (uint64_t{event} << 48));
  const std::size_t filler = rng() % (kMaxFillerBytes + 1);
  for (std::size_t i = 0; i < filler; ++i) text += static_cast<char>('a' + rng() % 26);
  const uint32_t crc = buffer::crc32c::Value(std::as_bytes(std::span(text.data(), text.size())));
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", crc);
  return base::StrCat(text, " crc=", hex);
}

buffer::EventBatch MakeBatch(uint64_t seed, uint64_t batch) {
  buffer::EventBatch out;
  out.source_key = "ring-writer";
  out.generation = 1;
  out.index = "logs-ring-writer";
  out.shared_fields_json = R"("host":{"name":"ring-writer"})";
  const uint32_t events = EventCountOf(batch);
  for (uint32_t j = 0; j < events; ++j) {
    buffer::Event e;
    e.offset = batch * 1000 + j;
    e.time_unix_nanos = static_cast<int64_t>(batch * 1'000'000'000 + j);
    e.message = Message(seed, batch, j, events);
    out.events.push_back(std::move(e));
  }
  return out;
}

// Writes the whole line with one write(2): no stdio buffer can hold a report back from a
// process that is about to be killed.
void Report(uint64_t batch) {
  std::string line = base::StrCat("durable ", batch, "\n");
  std::string_view rest = line;
  while (!rest.empty()) {
    ssize_t n = ::write(STDOUT_FILENO, rest.data(), rest.size());
    if (n <= 0) std::_Exit(1);  // nobody is listening: the report is the point
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
}

struct Args {
  std::string dir;
  uint64_t first_batch = 0;
  uint64_t batches = 0;  // 0: until killed
  uint64_t seed = 1;
  uint64_t segment_bytes = 64 * 1024;
  uint64_t max_bytes = 16 * 1024 * 1024;
};

bool ParseNumber(std::string_view text, uint64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

bool ParseArgs(int argc, char** argv, Args& args) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    std::string_view value = argv[i + 1];
    bool ok = true;
    if (flag == "--dir") {
      args.dir = value;
    } else if (flag == "--first-batch") {
      ok = ParseNumber(value, args.first_batch);
    } else if (flag == "--batches") {
      ok = ParseNumber(value, args.batches);
    } else if (flag == "--seed") {
      ok = ParseNumber(value, args.seed);
    } else if (flag == "--segment-bytes") {
      ok = ParseNumber(value, args.segment_bytes);
    } else if (flag == "--max-bytes") {
      ok = ParseNumber(value, args.max_bytes);
    } else {
      ok = false;
    }
    if (!ok) return false;
  }
  return argc % 2 == 1 && !args.dir.empty();
}

int Run(uv_loop_t* loop, const Args& args) {
  buffer::PosixFilesystem fs;
  base::RealClock clock;
  buffer::RingOptions options;
  options.dir = args.dir;
  options.fsync = buffer::FsyncMode::kAlways;
  options.segment_bytes = args.segment_bytes;
  options.max_bytes = args.max_bytes;
  auto ring = buffer::Ring::Open(loop, fs, options, clock);
  if (!ring) {
    std::fprintf(stderr, "ring_writer: %s\n", ring.error().ToString().c_str());
    return 1;
  }
  const uint64_t end = args.batches == 0 ? UINT64_MAX : args.first_batch + args.batches;
  uint64_t next = args.first_batch;
  uint64_t durable = args.first_batch;
  (*ring)->SetOnSpace([] {});  // wakes the loop; the loop below appends again
  while (durable < end) {
    while (next < end && next - durable < kMaxInFlight && !(*ring)->Full()) {
      const uint64_t batch = next;
      base::Status s = (*ring)->Append(MakeBatch(args.seed, batch), [batch, &durable] {
        Report(batch);
        durable = batch + 1;
      });
      if (s.code() == base::StatusCode::kResourceExhausted) break;  // full: wait for space
      if (!s.ok()) {
        std::fprintf(stderr, "ring_writer: append batch %llu: %s\n",
                     static_cast<unsigned long long>(batch), s.ToString().c_str());
        return 1;
      }
      ++next;
    }
    if (uv_run(loop, UV_RUN_ONCE) == 0 && (*ring)->Full()) {
      // Nothing in this process acknowledges, so a full ring stays full.
      std::fprintf(stderr, "ring_writer: the ring is full at batch %llu\n",
                   static_cast<unsigned long long>(next));
      if (args.batches != 0) return 1;
      ::pause();  // until killed, as the caller asked
    }
  }
  if (base::Status s = (*ring)->Flush(); !s.ok()) {
    std::fprintf(stderr, "ring_writer: flush: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, args)) {
    std::fputs(
        "usage: ring_writer --dir DIR [--first-batch B] [--batches N] [--seed S]\n"
        "                   [--segment-bytes N] [--max-bytes N]\n",
        stderr);
    return 2;
  }
  base::SetLogLevel(base::LogLevel::kError);  // the caller reads reports, not logs
  uv_loop_t loop;
  if (uv_loop_init(&loop) != 0) return 1;
  const int code = Run(&loop, args);
  return base::CloseLoop(&loop) == 0 ? code : 1;
}
