#include "tests/support/memory_queue.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace buffer {
namespace {

EventBatch MakeBatch(std::string key, std::size_t events, std::size_t line_bytes) {
  EventBatch batch;
  batch.source_key = std::move(key);
  for (std::size_t i = 0; i < events; ++i) {
    Event e;
    e.offset = i * (line_bytes + 1);
    e.message.assign(line_bytes, 'x');
    batch.events.push_back(std::move(e));
  }
  return batch;
}

TEST(MemoryQueueTest, DurableCallbacksRunInAppendOrderEvenWhenAcksAreNot) {
  MemoryQueue queue(1 << 20);
  std::vector<int> durable;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(queue.Append(MakeBatch("s", 2, 10), [&durable, i] { durable.push_back(i); }).ok());
  }
  auto a = queue.Read();
  auto b = queue.Read();
  auto c = queue.Read();
  ASSERT_TRUE(a && b && c);
  EXPECT_FALSE(queue.Read().has_value());
  queue.Ack(c->id);
  queue.Ack(b->id);
  EXPECT_TRUE(durable.empty()) << "nothing is durable while the first batch is unacknowledged";
  queue.Ack(a->id);
  EXPECT_EQ(durable, (std::vector<int>{0, 1, 2}));
  EXPECT_EQ(queue.PendingBatches(), 0u);
}

TEST(MemoryQueueTest, LeasedBatchStaysValidWhileLaterBatchesArrive) {
  MemoryQueue queue(1 << 20);
  ASSERT_TRUE(queue.Append(MakeBatch("first", 1, 5), nullptr).ok());
  auto lease = queue.Read();
  ASSERT_TRUE(lease);
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(queue.Append(MakeBatch("more", 1, 5), nullptr).ok());
  EXPECT_EQ(lease->batch->source_key, "first");
}

TEST(MemoryQueueTest, FullAtBoundAndFreedBelowLowWatermark) {
  const std::size_t batch_bytes = MakeBatch("s", 10, 100).ByteSize();
  MemoryQueue queue(batch_bytes * 4);
  int space_calls = 0;
  queue.SetOnSpace([&] { ++space_calls; });
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(queue.Append(MakeBatch("s", 10, 100), nullptr).ok());
  EXPECT_TRUE(queue.Full());
  auto first = queue.Read();
  queue.Ack(first->id);
  EXPECT_TRUE(queue.Full()) << "three quarters used is not below the low watermark";
  EXPECT_EQ(space_calls, 0);
  auto second = queue.Read();
  queue.Ack(second->id);
  EXPECT_FALSE(queue.Full());
  EXPECT_EQ(space_calls, 1);
}

TEST(MemoryQueueTest, ReadableCallbackFiresOnlyAfterAnEmptyRead) {
  MemoryQueue queue(1 << 20);
  int readable = 0;
  queue.SetOnReadable([&] { ++readable; });
  ASSERT_TRUE(queue.Append(MakeBatch("s", 1, 1), nullptr).ok());
  EXPECT_EQ(readable, 0);
  ASSERT_TRUE(queue.Read());
  EXPECT_FALSE(queue.Read());
  ASSERT_TRUE(queue.Append(MakeBatch("s", 1, 1), nullptr).ok());
  EXPECT_EQ(readable, 1);
}

TEST(MemoryQueueTest, EmptyBatchIsDurableAtOnce) {
  MemoryQueue queue(1 << 20);
  bool durable = false;
  ASSERT_TRUE(queue.Append(EventBatch{}, [&] { durable = true; }).ok());
  EXPECT_TRUE(durable);
  EXPECT_FALSE(queue.Read().has_value());
}

}  // namespace
}  // namespace buffer
