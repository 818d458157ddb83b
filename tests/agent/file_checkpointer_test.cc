#include "agent/inputs/file_checkpointer.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace agent {
namespace {

class FileCheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base::Result<buffer::CheckpointStore> store = buffer::CheckpointStore::Open(
        (std::filesystem::temp_directory_path() / "file_checkpointer_test-never-written").string());
    ASSERT_TRUE(store.has_value());
    store_ = std::make_unique<buffer::CheckpointStore>(std::move(store).value());
    checkpointer_ = std::make_unique<FileCheckpointer>(*store_);
  }

  std::unique_ptr<buffer::CheckpointStore> store_;
  std::unique_ptr<FileCheckpointer> checkpointer_;
};

TEST_F(FileCheckpointerTest, DurableBatchSetsTheCheckpoint) {
  checkpointer_->BatchAppended("k");
  EXPECT_EQ(checkpointer_->in_flight("k"), 1u);
  checkpointer_->BatchDurable("k", buffer::Checkpoint{42, 1, "/a", 7});
  ASSERT_TRUE(store_->Get("k").has_value());
  EXPECT_EQ(store_->Get("k")->offset, 42u);
  EXPECT_EQ(checkpointer_->in_flight("k"), 0u);
}

TEST_F(FileCheckpointerTest, ForgetWaitsForTheLastBatchInFlight) {
  checkpointer_->BatchAppended("k");
  checkpointer_->BatchAppended("k");
  checkpointer_->BatchDurable("k", buffer::Checkpoint{10, 0, "/a", 1});
  checkpointer_->ForgetWhenIdle("k");
  EXPECT_TRUE(store_->Get("k").has_value()) << "one batch is still in flight";
  checkpointer_->BatchDurable("k", buffer::Checkpoint{20, 0, "/a", 2});
  EXPECT_FALSE(store_->Get("k").has_value());
}

TEST_F(FileCheckpointerTest, ForgetWithNothingInFlightErasesAtOnce) {
  store_->Set("k", buffer::Checkpoint{10, 0, "/a", 1});
  checkpointer_->ForgetWhenIdle("k");
  EXPECT_FALSE(store_->Get("k").has_value());
  EXPECT_FALSE(checkpointer_->TakeForgotten("k"));
}

TEST_F(FileCheckpointerTest, ReusedKeyCancelsAPendingForget) {
  checkpointer_->BatchAppended("k");
  checkpointer_->ForgetWhenIdle("k");
  EXPECT_TRUE(checkpointer_->TakeForgotten("k"));
  checkpointer_->BatchDurable("k", buffer::Checkpoint{10, 0, "/a", 1});
  EXPECT_TRUE(store_->Get("k").has_value()) << "the key belongs to a new file now";
}

TEST_F(FileCheckpointerTest, TombstoneReplacesTheCheckpointOnceIdle) {
  checkpointer_->BatchAppended("k");
  checkpointer_->ForgetWhenIdle("k", buffer::Checkpoint{0, 4, "/a", 9});
  checkpointer_->BatchDurable("k", buffer::Checkpoint{30, 3, "/a", 8});
  std::optional<buffer::Checkpoint> stored = store_->Get("k");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->offset, 0u);
  EXPECT_EQ(stored->generation, 4u) << "a new file under this key starts a later generation";
}

TEST_F(FileCheckpointerTest, AFileFoundWhileAForgetIsPendingStartsAtTheTombstone) {
  checkpointer_->BatchAppended("k");
  checkpointer_->ForgetWhenIdle("k", buffer::Checkpoint{0, 4, "/a", 9});
  std::optional<buffer::Checkpoint> start = checkpointer_->TakeForgotten("k");
  ASSERT_TRUE(start.has_value());
  EXPECT_EQ(start->offset, 0u);
  EXPECT_EQ(start->generation, 4u);
}

TEST_F(FileCheckpointerTest, FailedAppendIsNotCountedInFlight) {
  checkpointer_->BatchAppended("k");
  checkpointer_->AppendFailed("k");
  EXPECT_EQ(checkpointer_->in_flight("k"), 0u);
  EXPECT_FALSE(store_->Get("k").has_value());
}

}  // namespace
}  // namespace agent
