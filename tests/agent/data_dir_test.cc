#include "agent/data_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace agent {
namespace {

class DataDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/skiff-datadir-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  std::string Read(const std::string& path) {
    std::ifstream in(path);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }

  std::string root_;
};

TEST_F(DataDirTest, CreatesMissingDirectoriesAndAnAgentIdThatSurvivesReopening) {
  std::string path = root_ + "/a/b/data";
  std::string first_id;
  {
    auto dir = DataDir::Open(path, /*take_lock=*/true);
    ASSERT_TRUE(dir.has_value()) << dir.error().ToString();
    first_id = dir->agent_id();
    EXPECT_EQ(first_id.size(), 36u);
    EXPECT_EQ(first_id[14], '4') << "a version 4 UUID";
    EXPECT_EQ(Read(path + "/agent-id"), first_id + "\n");
    EXPECT_EQ(dir->Child("checkpoints"), path + "/checkpoints");
  }
  auto again = DataDir::Open(path, true);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->agent_id(), first_id);
}

TEST_F(DataDirTest, SecondLockHolderIsRefusedWithThePidOfTheFirst) {
  auto first = DataDir::Open(root_, true);
  ASSERT_TRUE(first.has_value());
  // flock locks belong to the open file description, so a second open in this process
  // conflicts just as another process would.
  auto second = DataDir::Open(root_, true);
  ASSERT_FALSE(second.has_value());
  EXPECT_EQ(second.error().code(), base::StatusCode::kAlreadyExists);
  EXPECT_NE(second.error().message().find("pid " + std::to_string(::getpid())), std::string::npos)
      << second.error().message();
}

TEST_F(DataDirTest, LockIsReleasedWhenTheDataDirIsDestroyed) {
  { ASSERT_TRUE(DataDir::Open(root_, true).has_value()); }
  EXPECT_TRUE(DataDir::Open(root_, true).has_value());
}

TEST_F(DataDirTest, CorruptAgentIdIsAnErrorNotANewIdentity) {
  std::ofstream(root_ + "/agent-id") << "not an id!\n";
  auto dir = DataDir::Open(root_, true);
  ASSERT_FALSE(dir.has_value());
  EXPECT_EQ(dir.error().code(), base::StatusCode::kCorruption);
  EXPECT_NE(dir.error().message().find("agent-id"), std::string::npos);
}

TEST_F(DataDirTest, ReadOnlyOpenNeitherLocksNorCreates) {
  auto missing = DataDir::Open(root_ + "/nope", /*take_lock=*/false);
  EXPECT_FALSE(missing.has_value());
  EXPECT_FALSE(std::filesystem::exists(root_ + "/nope"));
}

TEST_F(DataDirTest, PathThatIsAFileIsRefused) {
  std::ofstream(root_ + "/file") << "x";
  auto dir = DataDir::Open(root_ + "/file", true);
  ASSERT_FALSE(dir.has_value());
  EXPECT_NE(dir.error().message().find("not a directory"), std::string::npos)
      << dir.error().message();
}

}  // namespace
}  // namespace agent
