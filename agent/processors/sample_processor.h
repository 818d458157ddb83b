// SampleProcessor: keeps 1 in `every` of the events for which its condition holds (the
// first, then every `every`-th), for very noisy logs; events for which it does not hold
// pass. Deterministic, so a test (or a user) can predict which events remain. Counted:
// stats().dropped is the number sampled out.
#pragma once

#include <cstdint>
#include <string>

#include "agent/processors/condition.h"
#include "agent/processors/processor.h"

namespace agent {

class SampleProcessor final : public Processor {
 public:
  // `every` >= 1.
  SampleProcessor(std::string name, uint64_t every, Condition when)
      : Processor(std::move(name)), every_(every), when_(std::move(when)) {}

  Verdict Process(EventView& event) override {
    ++stats_.events;
    if (!when_.Holds(event)) return Verdict::kKeep;
    uint64_t seen = seen_++;
    if (seen % every_ == 0) return Verdict::kKeep;
    ++stats_.dropped;
    return Verdict::kDrop;
  }

 private:
  uint64_t every_;
  uint64_t seen_ = 0;
  Condition when_;
};

}  // namespace agent
