// Helpers shared by the processor tests: events, configs and running one processor.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>

#include "agent/processors/event_view.h"
#include "agent/processors/processor.h"
#include "agent/processors/processor_chain.h"
#include "buffer/event.h"
#include "config/processors_config.h"

namespace agent::testing {

// 2026-11-22T12:00:00Z: the read time of test events.
constexpr int64_t kReadTimeUnixNanos = 1'795'348'800'000'000'000;

inline buffer::Event MakeEvent(std::string_view message, std::string_view fields_json = {}) {
  buffer::Event e;
  e.offset = 0;
  e.time_unix_nanos = kReadTimeUnixNanos;
  e.message = std::string(message);
  e.fields_json = std::string(fields_json);
  return e;
}

inline config::ProcessorConfig MakeConfig(config::ProcessorType type) {
  config::ProcessorConfig c;
  c.type = type;
  c.name = "processors[0]";
  return c;
}

inline std::unique_ptr<Processor> Build(const config::ProcessorConfig& config) {
  auto p = BuildProcessor(config);
  EXPECT_TRUE(p.has_value()) << (p.has_value() ? "" : p.error().ToString());
  return p.has_value() ? std::move(p.value()) : nullptr;
}

// Runs `p` on `event` the way a chain does; returns the verdict.
inline Verdict RunOne(Processor& p, buffer::Event& event) {
  EventView view;
  view.Reset(&event);
  Verdict v = p.Process(view);
  if (v == Verdict::kKeep) view.Finish();
  return v;
}

}  // namespace agent::testing
