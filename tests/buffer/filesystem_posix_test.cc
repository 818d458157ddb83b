#include "buffer/filesystem_posix.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>

#include "buffer/ring.h"
#include "platforms/base/uv_handle.h"

namespace buffer {
namespace {

class PosixFilesystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "skiff-fs-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  PosixFilesystem fs_;
};

std::span<const std::byte> Bytes(std::string_view s) { return std::as_bytes(std::span(s)); }

TEST_F(PosixFilesystemTest, WritesReadsTruncatesRenamesListsAndUnlinks) {
  const std::string path = dir_ + "/a";
  auto file = fs_.Open(path, Filesystem::OpenMode::kCreateOrTruncate);
  ASSERT_TRUE(file.has_value());
  ASSERT_TRUE((*file)->Append(Bytes("hello world")).ok());
  ASSERT_TRUE((*file)->WriteAt(0, Bytes("J")).ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Truncate(5).ok());
  EXPECT_EQ(*(*file)->Size(), 5u);
  std::array<std::byte, 16> out{};
  auto n = (*file)->ReadAt(1, out);
  ASSERT_TRUE(n.has_value());
  EXPECT_EQ(*n, 4u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(out.data()), 4), "ello");
  ASSERT_TRUE(fs_.Rename(path, dir_ + "/b").ok());
  ASSERT_TRUE(fs_.SyncDir(dir_).ok());
  auto names = fs_.List(dir_);
  ASSERT_TRUE(names.has_value());
  EXPECT_EQ(*names, std::vector<std::string>{"b"});
  EXPECT_EQ(fs_.Open(path, Filesystem::OpenMode::kRead).error().code(),
            base::StatusCode::kNotFound);
  ASSERT_TRUE(fs_.Unlink(dir_ + "/b").ok());
  EXPECT_EQ(fs_.Unlink(dir_ + "/b").code(), base::StatusCode::kNotFound);
}

TEST_F(PosixFilesystemTest, RingSurvivesAReopenOnARealDisk) {
  class StubClock final : public base::Clock {
   public:
    int64_t NowUnixNanos() const override { return 0; }
    std::chrono::steady_clock::time_point Now() const override { return {}; }
  } clock;
  uv_loop_t loop;
  uv_loop_init(&loop);
  RingOptions options;
  options.dir = dir_ + "/ring";
  options.max_bytes = 1024 * 1024;
  options.fsync = FsyncMode::kAlways;
  {
    auto ring = Ring::Open(&loop, fs_, options, clock);
    ASSERT_TRUE(ring.has_value()) << ring.error().ToString();
    EventBatch batch{"src", 0, "idx", "", {Event{1, 2, 0, "line one", ""}}};
    ASSERT_TRUE((*ring)->Append(batch, nullptr).ok());
    ASSERT_TRUE((*ring)->Flush().ok());
  }
  {
    auto ring = Ring::Open(&loop, fs_, options, clock);
    ASSERT_TRUE(ring.has_value()) << ring.error().ToString();
    // Frames are decoded on the thread pool: Read() has the batch once a job is back.
    auto lease = (*ring)->Read();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!lease && std::chrono::steady_clock::now() < deadline) {
      uv_run(&loop, UV_RUN_ONCE);
      lease = (*ring)->Read();
    }
    ASSERT_TRUE(lease.has_value());
    EXPECT_EQ(lease->batch->events.at(0).message, "line one");
  }
  EXPECT_EQ(base::CloseLoop(&loop), 0);
}

}  // namespace
}  // namespace buffer
