#include "agent/processors/processing_buffer.h"

#include <gtest/gtest.h>

#include <deque>
#include <vector>

#include "processor_test_support.h"

namespace agent {
namespace {

using config::ProcessorType;
using testing::MakeConfig;
using testing::MakeEvent;

// An event buffer that keeps appended batches and reports them durable on command, in
// append order, like the ring after an fsync.
class FakeBuffer final : public buffer::EventBuffer {
 public:
  base::Status Append(buffer::EventBatch batch, std::function<void()> on_durable) override {
    if (refuse_next) {
      refuse_next = false;
      return base::ResourceExhausted("full");
    }
    batches.push_back(std::move(batch));
    pending.push_back(std::move(on_durable));
    return base::Status::Ok();
  }
  void MakeDurable(std::size_t n) {
    for (std::size_t i = 0; i < n && !pending.empty(); ++i) {
      auto cb = std::move(pending.front());
      pending.pop_front();
      cb();
    }
  }
  bool Full() const override { return full; }
  void SetOnSpace(std::function<void()> callback) override { on_space = std::move(callback); }
  std::optional<Lease> Read() override { return std::nullopt; }
  void Ack(uint64_t) override {}
  void SetOnReadable(std::function<void()>) override {}
  std::size_t PendingBatches() const override { return pending.size(); }

  std::vector<buffer::EventBatch> batches;
  std::deque<std::function<void()>> pending;
  std::function<void()> on_space;
  bool full = false;
  bool refuse_next = false;
};

class ProcessingBufferTest : public ::testing::Test {
 protected:
  static ProcessorChain DropChain() {
    config::ProcessorConfigs global;
    auto exclude = MakeConfig(ProcessorType::kExclude);
    exclude.patterns = {"^drop"};
    global.push_back(exclude);
    auto chain = BuildProcessorChain(global, {});
    EXPECT_TRUE(chain.has_value());
    return std::move(chain.value());
  }
  static buffer::EventBatch Batch(std::initializer_list<std::string_view> messages) {
    buffer::EventBatch b;
    for (std::string_view m : messages) b.events.push_back(MakeEvent(m));
    return b;
  }

  FakeBuffer inner_;
  std::vector<int> durable_;
  std::function<void()> Record(int n) {
    return [this, n] { durable_.push_back(n); };
  }
};

TEST_F(ProcessingBufferTest, ForwardsWhatTheChainKeeps) {
  ProcessingBuffer buffer(inner_, DropChain());
  ASSERT_TRUE(buffer.Append(Batch({"keep", "drop me", "keep too"}), Record(1)).ok());
  ASSERT_EQ(inner_.batches.size(), 1u);
  ASSERT_EQ(inner_.batches[0].events.size(), 2u);
  EXPECT_EQ(inner_.batches[0].events[1].message, "keep too");
  EXPECT_EQ(buffer.stats().events_dropped, 1u);
}

TEST_F(ProcessingBufferTest, AWhollyDroppedBatchIsDurableAtOnceWhenNothingIsPending) {
  ProcessingBuffer buffer(inner_, DropChain());
  ASSERT_TRUE(buffer.Append(Batch({"drop a", "drop b"}), Record(1)).ok());
  EXPECT_TRUE(inner_.batches.empty());
  EXPECT_EQ(durable_, std::vector<int>{1});
  EXPECT_EQ(buffer.stats().batches_dropped, 1u);
}

TEST_F(ProcessingBufferTest, AWhollyDroppedBatchWaitsForTheBatchesForwardedBeforeIt) {
  ProcessingBuffer buffer(inner_, DropChain());
  ASSERT_TRUE(buffer.Append(Batch({"keep 1"}), Record(1)).ok());
  ASSERT_TRUE(buffer.Append(Batch({"drop 2"}), Record(2)).ok());
  ASSERT_TRUE(buffer.Append(Batch({"keep 3"}), Record(3)).ok());
  ASSERT_TRUE(buffer.Append(Batch({"drop 4"}), Record(4)).ok());
  ASSERT_TRUE(buffer.Append(Batch({"drop 5"}), Record(5)).ok());
  EXPECT_TRUE(durable_.empty());
  inner_.MakeDurable(1);
  EXPECT_EQ(durable_, (std::vector<int>{1, 2}));
  inner_.MakeDurable(1);
  EXPECT_EQ(durable_, (std::vector<int>{1, 2, 3, 4, 5}));
  ASSERT_TRUE(buffer.Append(Batch({"drop 6"}), Record(6)).ok());
  EXPECT_EQ(durable_, (std::vector<int>{1, 2, 3, 4, 5, 6}));
}

TEST_F(ProcessingBufferTest, ARefusedAppendDoesNotHoldBackLaterDroppedBatches) {
  ProcessingBuffer buffer(inner_, DropChain());
  inner_.refuse_next = true;
  EXPECT_FALSE(buffer.Append(Batch({"keep 1"}), Record(1)).ok());
  ASSERT_TRUE(buffer.Append(Batch({"drop 2"}), Record(2)).ok());
  EXPECT_EQ(durable_, std::vector<int>{2});
}

TEST_F(ProcessingBufferTest, CallbacksStillRunAfterTheDecoratorIsGone) {
  auto buffer = std::make_unique<ProcessingBuffer>(inner_, DropChain());
  ASSERT_TRUE(buffer->Append(Batch({"keep 1"}), Record(1)).ok());
  ASSERT_TRUE(buffer->Append(Batch({"drop 2"}), Record(2)).ok());
  buffer.reset();
  inner_.MakeDurable(1);
  EXPECT_EQ(durable_, (std::vector<int>{1, 2}));
}

TEST_F(ProcessingBufferTest, PassesTheRestOfTheBufferInterfaceThrough) {
  ProcessingBuffer buffer(inner_, DropChain());
  inner_.full = true;
  EXPECT_TRUE(buffer.Full());
  bool called = false;
  buffer.SetOnSpace([&] { called = true; });
  inner_.on_space();
  EXPECT_TRUE(called);
  ASSERT_TRUE(buffer.Append(Batch({"keep"}), nullptr).ok());
  EXPECT_EQ(buffer.PendingBatches(), 1u);
}

TEST_F(ProcessingBufferTest, TheBatchHandedToTheInnerBufferHoldsNoSecret) {
  config::ProcessorConfigs global;
  auto redact = MakeConfig(ProcessorType::kRedact);
  redact.builtin_patterns = {"bearer_token", "jwt",   "aws_access_key",
                             "credit_card",  "email", "password"};
  redact.redact_fields = {"message", "user.email"};
  global.push_back(redact);
  auto chain = BuildProcessorChain(global, {});
  ASSERT_TRUE(chain.has_value());
  ProcessingBuffer buffer(inner_, std::move(chain.value()));
  const std::vector<std::string> secrets = {
      "s3cr3tT0kenValue",     "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl",
      "AKIAIOSFODNN7EXAMPLE", "4111 1111 1111 1111",
      "ops@example.com",      "hunter2pass"};
  buffer::EventBatch batch;
  batch.events.push_back(MakeEvent("Authorization: Bearer " + secrets[0]));
  batch.events.push_back(MakeEvent("token " + secrets[1] + " key " + secrets[2]));
  batch.events.push_back(MakeEvent("paid with " + secrets[3] + " by " + secrets[4],
                                   R"("user.email":")" + secrets[4] + "\""));
  batch.events.push_back(MakeEvent("login password=" + secrets[5]));
  ASSERT_TRUE(buffer.Append(std::move(batch), nullptr).ok());
  ASSERT_EQ(inner_.batches.size(), 1u);
  for (const buffer::Event& e : inner_.batches[0].events) {
    for (const std::string& s : secrets) {
      EXPECT_EQ(e.message.find(s), std::string::npos) << e.message;
      EXPECT_EQ(e.fields_json.find(s), std::string::npos) << e.fields_json;
    }
  }
}

}  // namespace
}  // namespace agent
