#include "agent/processors/fields_processor.h"

namespace agent {

FieldsProcessor::FieldsProcessor(std::string name, FieldsEdits edits)
    : Processor(std::move(name)), edits_(std::move(edits)) {
  for (auto& [field, json] : edits_.add) {
    Added added{field, {}, ValueKind::kRaw};
    if (json.size() >= 2 && json.front() == '"' && json.back() == '"' &&
        AppendUnescapedJson(std::string_view(json).substr(1, json.size() - 2), added.value)) {
      added.kind = ValueKind::kString;
    } else {
      added.value = json;
    }
    added_.push_back(std::move(added));
  }
}

Verdict FieldsProcessor::Process(EventView& event) {
  ++stats_.events;
  bool changed = false;
  for (const auto& [from, to] : edits_.copy) {
    if (std::optional<FieldValue> v = event.Get(from)) {
      event.Set(to, v->text, v->kind);
      changed = true;
    }
  }
  for (const auto& [from, to] : edits_.rename) {
    if (std::optional<FieldValue> v = event.Get(from)) {
      event.Set(to, v->text, v->kind);
      event.Remove(from);
      changed = true;
    }
  }
  for (const std::string& field : edits_.remove) changed |= event.Remove(field);
  for (const Added& added : added_) {
    event.Set(added.name, added.value, added.kind);
    changed = true;
  }
  if (changed) ++stats_.modified;
  return Verdict::kKeep;
}

}  // namespace agent
