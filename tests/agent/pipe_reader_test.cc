#include "agent/inputs/pipe_reader.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

namespace agent {
namespace {

constexpr auto kTimeout = std::chrono::seconds(10);

struct Got {
  std::string text;
  bool truncated;
  bool partial;
  uint64_t offset;
};

class PipeReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    uv_file fds[2];
    ASSERT_EQ(uv_pipe(fds, 0, 0), 0);
    read_fd_ = fds[0];
    write_fd_ = fds[1];
    ASSERT_EQ(::fcntl(write_fd_, F_SETFL, O_NONBLOCK), 0);
  }
  void TearDown() override {
    reader_.reset();
    if (write_fd_ >= 0) ::close(write_fd_);
    for (int turn = 0; turn < 4; ++turn) uv_run(&loop_, UV_RUN_NOWAIT);
    int rc = uv_loop_close(&loop_);
    EXPECT_EQ(rc, 0) << "a handle was leaked";
    if (rc != 0) base::CloseLoop(&loop_);
  }

  void StartReader(PipeReaderOptions options) {
    base::UvHandle<uv_pipe_t> pipe;
    ASSERT_EQ(uv_pipe_init(&loop_, pipe.get(), 0), 0);
    pipe.MarkInitialized();
    ASSERT_EQ(uv_pipe_open(pipe.get(), read_fd_), 0);
    reader_ = std::make_unique<PipeReader>(
        std::move(pipe), options, [this](std::string_view b) { raw_.append(b); },
        [this](const LineSplitter::Line& line, bool partial) {
          got_.push_back(Got{std::string(line.text), line.truncated, partial, line.offset});
          if (on_line_) on_line_();
        },
        [this](base::Status s) {
          ended_ = true;
          end_status_ = s;
        });
    ASSERT_TRUE(reader_->Start().ok());
  }

  // Writes all of `bytes`, running the loop while the pipe is full (bounded in time).
  void Write(std::string_view bytes) {
    auto deadline = std::chrono::steady_clock::now() + kTimeout;
    while (!bytes.empty() && std::chrono::steady_clock::now() < deadline) {
      ssize_t n = ::write(write_fd_, bytes.data(), bytes.size());
      if (n > 0) bytes.remove_prefix(static_cast<std::size_t>(n));
      uv_run(&loop_, UV_RUN_NOWAIT);
    }
    ASSERT_TRUE(bytes.empty()) << "the reader stopped reading";
  }

  void CloseWriter() {
    ::close(write_fd_);
    write_fd_ = -1;
  }

  void RunUntilEnded() {
    auto deadline = std::chrono::steady_clock::now() + kTimeout;
    while (!ended_ && std::chrono::steady_clock::now() < deadline) uv_run(&loop_, UV_RUN_ONCE);
    ASSERT_TRUE(ended_);
  }

  uv_loop_t loop_{};
  int read_fd_ = -1;
  int write_fd_ = -1;
  std::unique_ptr<PipeReader> reader_;
  std::vector<Got> got_;
  std::string raw_;
  std::function<void()> on_line_;
  bool ended_ = false;
  base::Status end_status_;
};

TEST_F(PipeReaderTest, SplitsLinesAndEmitsAnUnfinishedLastLineAsPartial) {
  StartReader({});
  Write("a\r\nbb\nccc");
  CloseWriter();
  RunUntilEnded();
  EXPECT_TRUE(end_status_.ok());
  ASSERT_EQ(got_.size(), 3u);
  EXPECT_EQ(got_[0].text, "a");
  EXPECT_EQ(got_[1].text, "bb");
  EXPECT_EQ(got_[1].offset, 3u);
  EXPECT_EQ(got_[2].text, "ccc");
  EXPECT_TRUE(got_[2].partial);
  EXPECT_FALSE(got_[1].partial);
  EXPECT_EQ(raw_, "a\r\nbb\nccc");  // pass-through sees the bytes as written
  EXPECT_EQ(reader_->bytes_read(), 9u);
}

TEST_F(PipeReaderTest, TruncatesAnOverLongLineWithoutHoldingIt) {
  PipeReaderOptions options;
  options.max_line_bytes = 16;
  options.read_chunk_bytes = 4096;
  StartReader(options);
  Write(std::string(1 << 20, 'x') + "\nz\n");
  CloseWriter();
  RunUntilEnded();
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[0].text, std::string(16, 'x'));
  EXPECT_TRUE(got_[0].truncated);
  EXPECT_EQ(got_[1].text, "z");
}

TEST_F(PipeReaderTest, PauseStopsReadingAndResumeDeliversTheRest) {
  PipeReaderOptions options;
  options.read_chunk_bytes = 4;
  StartReader(options);
  on_line_ = [this] { reader_->Pause(); };
  Write("l1\nl2\n");
  // The first chunk ("l1\nl") paused the reader; the loop must not read further.
  for (int turn = 0; turn < 10; ++turn) uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_TRUE(reader_->paused());
  EXPECT_EQ(reader_->bytes_read(), 4u);
  ASSERT_EQ(got_.size(), 1u);
  on_line_ = nullptr;
  reader_->Resume();
  CloseWriter();
  RunUntilEnded();
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[1].text, "l2");
}

TEST_F(PipeReaderTest, CloseEndsTheStreamEarlyWithItsPartialLine) {
  StartReader({});
  Write("done\nhalf");
  for (int turn = 0; turn < 10 && raw_.size() < 9; ++turn) uv_run(&loop_, UV_RUN_NOWAIT);
  reader_->Close();
  EXPECT_TRUE(ended_);
  EXPECT_EQ(end_status_.code(), base::StatusCode::kCancelled);
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[1].text, "half");
  EXPECT_TRUE(got_[1].partial);
}

}  // namespace
}  // namespace agent
