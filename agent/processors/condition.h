// Condition: the `when` test of drop_event and sample: a field equals a text, matches a
// regex, or exists (config::ConditionConfig). No condition always holds.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <string>
#include <string_view>

#include "agent/processors/event_view.h"
#include "config/processors_config.h"
#include "platforms/base/result.h"

namespace agent {

class Condition {
 public:
  // `what` names the condition in errors.
  static base::Result<Condition> Make(const config::ConditionConfig& config, std::string_view what);

  // An absent field never equals or matches. Raw (non-string) values compare as their
  // JSON text, so `equals = "200"` holds for both 200 and "200".
  bool Holds(EventView& event) const;

 private:
  Condition() = default;

  config::ConditionConfig::Kind kind_ = config::ConditionConfig::Kind::kAlways;
  std::string field_;
  std::string value_;
  bool exists_ = true;
  std::unique_ptr<re2::RE2> regex_;
};

}  // namespace agent
