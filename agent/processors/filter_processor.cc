#include "agent/processors/filter_processor.h"

#include <utility>

#include "agent/processors/compiled_regex.h"
#include "platforms/base/log.h"

namespace agent {

base::Result<std::unique_ptr<FilterProcessor>> FilterProcessor::Make(
    std::string name, Mode mode, std::string field, const std::vector<std::string>& patterns) {
  if (patterns.empty()) return base::InvalidArgument(base::StrCat(name, ": no patterns"));
  std::string joined;
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    // Each on its own first, so an error names the pattern rather than the alternation.
    auto one = CompileRegex(patterns[i], base::StrCat(name, ".patterns[", i, "]"));
    if (!one.has_value()) return std::move(one).error();
    if (i > 0) joined += '|';
    joined += "(?:";
    joined += patterns[i];
    joined += ')';
  }
  auto re = CompileRegex(joined, base::StrCat(name, ".patterns"));
  if (!re.has_value()) return std::move(re).error();
  return std::make_unique<FilterProcessor>(std::move(name), mode, std::move(field),
                                           std::move(re.value()));
}

FilterProcessor::FilterProcessor(std::string name, Mode mode, std::string field,
                                 std::unique_ptr<re2::RE2> regex)
    : Processor(std::move(name)), mode_(mode), field_(std::move(field)), regex_(std::move(regex)) {}

Verdict FilterProcessor::Process(EventView& event) {
  ++stats_.events;
  std::optional<FieldValue> value = event.Get(field_);
  bool matched = value.has_value() && Contains(*regex_, value->text);
  bool keep = mode_ == Mode::kInclude ? matched : !matched;
  if (keep) return Verdict::kKeep;
  ++stats_.dropped;
  return Verdict::kDrop;
}

}  // namespace agent
