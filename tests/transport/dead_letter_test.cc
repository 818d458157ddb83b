#include "transport/dead_letter.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace transport {
namespace {

namespace fs = std::filesystem;

class FixedClock final : public base::Clock {
 public:
  int64_t NowUnixNanos() const override { return unix_nanos; }
  std::chrono::steady_clock::time_point Now() const override { return {}; }
  int64_t unix_nanos = 1'795'342'323'123'000'000;  // 2026-11-22T10:12:03.123Z
};

class DeadLetterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("skiff-dead-letter-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
    dir_ = (root_ / "dead-letter").string();
  }
  void TearDown() override { fs::remove_all(root_); }

  static std::vector<std::string> Lines(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

  fs::path root_;
  std::string dir_;
  FixedClock clock_;
};

TEST_F(DeadLetterTest, AppendsOneJsonObjectPerDocumentToADatedPrivateFile) {
  DeadLetterWriter writer({dir_, 1 << 20}, clock_);
  ASSERT_TRUE(writer.Open().ok());
  DeadLetter letters[] = {
      {"logs-app-default", 400, "document_parsing_exception", "failed to parse [n] \"x\"",
       R"({"@timestamp":"2026-11-22T10:00:00.000Z","message":"a","n":"abc"})"},
      {"logs-app-default", 404, "index_not_found_exception", "no such index", R"({"message":"b"})"},
  };
  ASSERT_TRUE(writer.Write(letters).ok());
  std::string path = dir_ + "/dead-letter-2026-11-22.ndjson";
  ASSERT_TRUE(fs::exists(path));
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(dir_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);

  std::vector<std::string> lines = Lines(path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0],
            R"({"@timestamp":"2026-11-22T10:12:03.123Z","index":"logs-app-default","status":400,)"
            R"("error":{"type":"document_parsing_exception","reason":"failed to parse [n] \"x\""},)"
            R"("document":{"@timestamp":"2026-11-22T10:00:00.000Z","message":"a","n":"abc"}})");
  simdjson::dom::parser parser;
  for (const std::string& line : lines) {
    simdjson::dom::object obj;
    ASSERT_EQ(parser.parse(line).get_object().get(obj), simdjson::SUCCESS) << line;
  }
  EXPECT_EQ(writer.written(), 2u);
  EXPECT_EQ(writer.total_bytes(), fs::file_size(path));
}

TEST_F(DeadLetterTest, AppendsToTheExistingFileAndStartsANewOneTheNextDay) {
  {
    DeadLetterWriter writer({dir_, 1 << 20}, clock_);
    DeadLetter one{"i", 400, "t", "r", "{}"};
    ASSERT_TRUE(writer.Write(std::span(&one, 1)).ok());
  }
  DeadLetterWriter writer({dir_, 1 << 20}, clock_);
  ASSERT_TRUE(writer.Open().ok());
  EXPECT_GT(writer.total_bytes(), 0u) << "counts what earlier runs wrote";
  DeadLetter one{"i", 400, "t", "r", "{}"};
  ASSERT_TRUE(writer.Write(std::span(&one, 1)).ok());
  EXPECT_EQ(Lines(dir_ + "/dead-letter-2026-11-22.ndjson").size(), 2u);
  clock_.unix_nanos += 24ll * 3600 * 1'000'000'000;
  ASSERT_TRUE(writer.Write(std::span(&one, 1)).ok());
  EXPECT_EQ(Lines(dir_ + "/dead-letter-2026-11-23.ndjson").size(), 1u);
}

TEST_F(DeadLetterTest, BeyondTheCapLettersAreCountedNotWritten) {
  DeadLetterWriter writer({dir_, 300}, clock_);
  ASSERT_TRUE(writer.Open().ok());
  DeadLetter one{"logs", 400, "type", "reason", R"({"message":"x"})"};
  int written_ok = 0;
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(writer.Write(std::span(&one, 1)).ok());
    ++written_ok;
  }
  EXPECT_EQ(written_ok, 5);
  EXPECT_GE(writer.written(), 1u);
  EXPECT_GE(writer.dropped_over_cap(), 1u);
  EXPECT_EQ(writer.written() + writer.dropped_over_cap(), 5u);
  EXPECT_LE(fs::file_size(dir_ + "/dead-letter-2026-11-22.ndjson"), 300u);
}

TEST_F(DeadLetterTest, AnUnwritableDirectoryIsAnError) {
  DeadLetterWriter writer({"/proc/skiff-cannot-exist/dead-letter", 1 << 20}, clock_);
  EXPECT_FALSE(writer.Open().ok());
  DeadLetter one{"i", 400, "t", "r", "{}"};
  EXPECT_FALSE(writer.Write(std::span(&one, 1)).ok());
}

}  // namespace
}  // namespace transport
