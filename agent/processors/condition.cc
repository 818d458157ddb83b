#include "agent/processors/condition.h"

#include <utility>

#include "agent/processors/compiled_regex.h"

namespace agent {

base::Result<Condition> Condition::Make(const config::ConditionConfig& config,
                                        std::string_view what) {
  Condition c;
  c.kind_ = config.kind;
  c.field_ = config.field;
  c.value_ = config.value;
  c.exists_ = config.exists;
  if (config.kind == config::ConditionConfig::Kind::kMatches) {
    auto re = CompileRegex(config.value, what);
    if (!re.has_value()) return std::move(re).error();
    c.regex_ = std::move(re.value());
  }
  return c;
}

bool Condition::Holds(EventView& event) const {
  using Kind = config::ConditionConfig::Kind;
  if (kind_ == Kind::kAlways) return true;
  std::optional<FieldValue> value = event.Get(field_);
  switch (kind_) {
    case Kind::kExists:
      return value.has_value() == exists_;
    case Kind::kEquals:
      return value.has_value() && value->text == value_;
    case Kind::kMatches:
      return value.has_value() && Contains(*regex_, value->text);
    case Kind::kAlways:
      break;
  }
  return true;
}

}  // namespace agent
