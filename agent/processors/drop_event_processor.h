// DropEventProcessor: drops the events for which its condition holds (`type =
// "drop_event"`, `when = { field = "log.level", equals = "debug" }`), counted.
#pragma once

#include <memory>
#include <string>

#include "agent/processors/condition.h"
#include "agent/processors/processor.h"

namespace agent {

class DropEventProcessor final : public Processor {
 public:
  DropEventProcessor(std::string name, Condition when)
      : Processor(std::move(name)), when_(std::move(when)) {}

  Verdict Process(EventView& event) override {
    ++stats_.events;
    if (!when_.Holds(event)) return Verdict::kKeep;
    ++stats_.dropped;
    return Verdict::kDrop;
  }

 private:
  Condition when_;
};

}  // namespace agent
