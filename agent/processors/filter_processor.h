// FilterProcessor: `include` keeps only the events whose field (default the message)
// matches one of its RE2 patterns; `exclude` drops those that match. An event without the
// field matches nothing. The patterns are joined into one alternation, so an event is
// scanned once whatever their number.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <string>
#include <vector>

#include "agent/processors/processor.h"
#include "platforms/base/result.h"

namespace agent {

class FilterProcessor final : public Processor {
 public:
  enum class Mode { kInclude, kExclude };

  static base::Result<std::unique_ptr<FilterProcessor>> Make(
      std::string name, Mode mode, std::string field, const std::vector<std::string>& patterns);

  Verdict Process(EventView& event) override;

  // Only through Make().
  FilterProcessor(std::string name, Mode mode, std::string field, std::unique_ptr<re2::RE2> regex);

 private:
  Mode mode_;
  std::string field_;
  std::unique_ptr<re2::RE2> regex_;
};

}  // namespace agent
