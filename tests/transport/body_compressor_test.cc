#include "transport/body_compressor.h"

#include <gtest/gtest.h>
#include <uv.h>
#include <zlib.h>

#include <optional>
#include <string>

namespace transport {
namespace {

std::string Gunzip(const std::string& in) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return "<init failed>";
  std::string out(in.size() * 20 + 1024, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&z, Z_FINISH);
  out.resize(z.total_out);
  inflateEnd(&z);
  return rc == Z_STREAM_END ? out : std::string("<bad gzip>");
}

// About `bytes` of log-like text that compresses a few times over but not trivially.
std::string LogText(std::size_t bytes) {
  std::string out;
  out.reserve(bytes + 128);
  uint64_t x = 88172645463325252ull;
  while (out.size() < bytes) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out += "{\"create\":{\"_id\":\"" + std::to_string(x) + "\"}}\n{\"message\":\"GET /item/" +
           std::to_string(x % 100000) + " 200 " + std::to_string(x % 977) + "ms\"}\n";
  }
  return out;
}

class BodyCompressorTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(uv_loop_init(&loop_), 0); }
  void TearDown() override {
    if (ticker_started_) uv_close(reinterpret_cast<uv_handle_t*>(&ticker_), nullptr);
    uv_run(&loop_, UV_RUN_DEFAULT);
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "a handle leaked";
  }
  uv_loop_t loop_;
  uv_timer_t ticker_{};
  bool ticker_started_ = false;
};

TEST_F(BodyCompressorTest, TheLoopKeepsRunningWhileAFiveMiBBodyCompresses) {
  const std::string body = LogText(5 << 20);
  // Level 9: slow enough that a loop blocked by it would miss many 1 ms ticks.
  BodyCompressor compressor(&loop_, 9);
  std::optional<BodyCompressor::Outcome> outcome;
  int ticks_while_compressing = 0;
  uv_timer_t& ticker = ticker_;
  uv_timer_init(&loop_, &ticker);
  ticker_started_ = true;
  struct State {
    std::optional<BodyCompressor::Outcome>* outcome;
    int* ticks;
  } state{&outcome, &ticks_while_compressing};
  ticker.data = &state;
  uv_timer_start(
      &ticker,
      [](uv_timer_t* t) {
        auto* s = static_cast<State*>(t->data);
        if (s->outcome->has_value()) {
          uv_timer_stop(t);
          return;
        }
        ++*s->ticks;
      },
      1, 1);
  compressor.Compress(body, [&](BodyCompressor::Outcome o) { outcome = std::move(o); });
  EXPECT_EQ(compressor.jobs_running(), 1);
  EXPECT_FALSE(outcome.has_value()) << "done ran inside Compress";
  uv_run(&loop_, UV_RUN_DEFAULT);  // ends once the job is done and the ticker stopped
  ASSERT_TRUE(outcome.has_value());
  ASSERT_TRUE(outcome->status.ok()) << outcome->status.ToString();
  EXPECT_LT(outcome->body.size(), body.size() / 2);
  EXPECT_EQ(Gunzip(outcome->body), body);
  EXPECT_GE(ticks_while_compressing, 5) << "the loop was blocked during compression";
  EXPECT_EQ(compressor.jobs_running(), 0);
}

TEST_F(BodyCompressorTest, CompressesManyBodiesAtOnceEachIntoItsOwnGzipMember) {
  BodyCompressor compressor(&loop_, 1);
  constexpr std::size_t kBodies = 6;
  std::vector<std::string> bodies;
  std::vector<std::optional<BodyCompressor::Outcome>> outcomes(kBodies);
  for (std::size_t i = 0; i < kBodies; ++i) bodies.push_back(LogText(64 * 1024 * (i + 1)));
  for (std::size_t i = 0; i < kBodies; ++i) {
    compressor.Compress(bodies[i],
                        [&outcomes, i](BodyCompressor::Outcome o) { outcomes[i] = std::move(o); });
  }
  uv_run(&loop_, UV_RUN_DEFAULT);
  for (std::size_t i = 0; i < kBodies; ++i) {
    ASSERT_TRUE(outcomes[i].has_value());
    EXPECT_EQ(Gunzip(outcomes[i]->body), bodies[i]) << i;
  }
}

TEST_F(BodyCompressorTest, ACompressorDestroyedWhileAJobRunsNeverCallsBack) {
  bool called = false;
  {
    BodyCompressor compressor(&loop_, 9);
    compressor.Compress(LogText(1 << 20), [&](BodyCompressor::Outcome) { called = true; });
  }
  uv_run(&loop_, UV_RUN_DEFAULT);  // the job completes and frees what it held
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace transport
