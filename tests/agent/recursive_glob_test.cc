#include "agent/inputs/recursive_glob.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace agent {
namespace {

namespace fs = std::filesystem;

TEST(RecursiveGlobTest, DoubleStarMatchesAnyNumberOfDirectoryLevels) {
  EXPECT_TRUE(MatchesRecursivePattern("/var/log/**/*.log", "/var/log/a.log"));
  EXPECT_TRUE(MatchesRecursivePattern("/var/log/**/*.log", "/var/log/x/a.log"));
  EXPECT_TRUE(MatchesRecursivePattern("/var/log/**/*.log", "/var/log/x/y/z/a.log"));
  EXPECT_FALSE(MatchesRecursivePattern("/var/log/**/*.log", "/var/log/x/a.txt"));
  EXPECT_FALSE(MatchesRecursivePattern("/var/log/**/*.log", "/var/other/a.log"));
  EXPECT_TRUE(MatchesRecursivePattern("/var/log/**/app/*.log", "/var/log/p1/c/app/x.log"));
  EXPECT_FALSE(MatchesRecursivePattern("/var/log/**/app/*.log", "/var/log/p1/c/x.log"));
  EXPECT_TRUE(MatchesRecursivePattern("/var/log/**", "/var/log/deep/any"));
}

TEST(RecursiveGlobTest, SingleStarStaysWithinOneComponent) {
  EXPECT_FALSE(MatchesRecursivePattern("/var/log/*/a.log", "/var/log/x/y/a.log"));
  EXPECT_TRUE(MatchesRecursivePattern("/var/log/*/a.log", "/var/log/x/a.log"));
}

class RecursiveGlobExpandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "recursive_glob_test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }
  void Touch(const std::string& relative) {
    fs::create_directories((dir_ / relative).parent_path());
    std::ofstream(dir_ / relative) << "x\n";
  }
  fs::path dir_;
};

TEST_F(RecursiveGlobExpandTest, FindsMatchingFilesAtEveryDepthSorted) {
  Touch("a.log");
  Touch("pods/p1/c1/0.log");
  Touch("pods/p2/0.log");
  Touch("pods/p2/notes.txt");
  RecursiveGlobResult result = ExpandRecursivePattern((dir_ / "**" / "*.log").string());
  EXPECT_EQ(result.paths, (std::vector<std::string>{(dir_ / "a.log").string(),
                                                    (dir_ / "pods/p1/c1/0.log").string(),
                                                    (dir_ / "pods/p2/0.log").string()}));
  EXPECT_EQ(result.unreadable_directories, 0);
}

TEST_F(RecursiveGlobExpandTest, DoesNotFollowSymlinkedDirectoriesIntoALoop) {
  Touch("d/a.log");
  fs::create_directory_symlink(dir_, dir_ / "d" / "loop");
  RecursiveGlobResult result = ExpandRecursivePattern((dir_ / "**" / "*.log").string());
  EXPECT_EQ(result.paths, (std::vector<std::string>{(dir_ / "d/a.log").string()}));
}

TEST_F(RecursiveGlobExpandTest, AMissingRootIsCountedNotFatal) {
  RecursiveGlobResult result = ExpandRecursivePattern((dir_ / "nope" / "**" / "*.log").string());
  EXPECT_TRUE(result.paths.empty());
  EXPECT_EQ(result.unreadable_directories, 1);
}

}  // namespace
}  // namespace agent
