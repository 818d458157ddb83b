// FieldsProcessor: edits fields in a fixed order: copy, rename, remove, then add. `add`
// values are static (already JSON, `${ENV}` expanded when the config was loaded) and
// replace a field of the same name. A rename or copy from an absent field does nothing;
// renaming onto an existing field replaces it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "agent/processors/processor.h"

namespace agent {

struct FieldsEdits {
  std::vector<std::pair<std::string, std::string>> copy;    // from -> to
  std::vector<std::pair<std::string, std::string>> rename;  // from -> to
  std::vector<std::string> remove;
  // name -> JSON value; string values are decoded once here so they render as strings.
  std::vector<std::pair<std::string, std::string>> add;
};

class FieldsProcessor final : public Processor {
 public:
  FieldsProcessor(std::string name, FieldsEdits edits);

  Verdict Process(EventView& event) override;

 private:
  struct Added {
    std::string name;
    std::string value;
    ValueKind kind;
  };

  FieldsEdits edits_;
  std::vector<Added> added_;
};

}  // namespace agent
