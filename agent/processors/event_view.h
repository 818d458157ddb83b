// EventView: how processors see and change one event cheaply.
//
// A processor chain owns one EventView and points it at each event in turn (Reset). The
// message is read in place. Fields are decoded from `Event::fields_json` into a small
// table over a byte arena only when a processor first asks for a field, and rendered back
// into `fields_json` only when one changed (Finish). Arena and table keep their capacity
// across events, so a chain that reads or edits fields allocates nothing per event in the
// steady state, except the event's own `fields_json` when it gains fields.
//
// Names: "message" is the event's message; any other name is a field, matched exactly as
// written ("log.level" is the dotted key "log.level", not a nested object). Fields shared
// by the batch (host, log.file.path, ...) are not visible here. Views returned by Get()
// stay valid until the next call that changes the view.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "buffer/event.h"

namespace agent {

// kString values are held decoded and rendered as JSON strings; kRaw values are JSON text
// (a number, true, false, null, an object or an array) rendered as they are.
enum class ValueKind : uint8_t { kString, kRaw };

struct FieldValue {
  std::string_view text;
  ValueKind kind = ValueKind::kString;
};

class EventView {
 public:
  EventView() = default;
  EventView(const EventView&) = delete;
  EventView& operator=(const EventView&) = delete;

  // Starts on `event`, which must stay alive and in place until Finish().
  void Reset(buffer::Event* event);
  // Writes changed fields back into the event's `fields_json`.
  void Finish();

  buffer::Event& event() { return *event_; }
  std::string_view message() const { return event_->message; }
  // Replaces the message; `text` may point into the current message.
  void SetMessage(std::string_view text);
  // Swaps the message with `*other` (a processor's scratch buffer): no copy, no allocation.
  void SwapMessage(std::string* other) { event_->message.swap(*other); }

  std::optional<FieldValue> Get(std::string_view name);
  // Sets `name` ("message" sets the message; `kind` is then ignored). `value` may point
  // into this view.
  void Set(std::string_view name, std::string_view value, ValueKind kind);
  // False when `name` was absent. "message" cannot be removed.
  bool Remove(std::string_view name);
  bool Has(std::string_view name) { return Get(name).has_value(); }

  // The fields_json of the current event was not a list of JSON object members; such text
  // is kept as it is, and fields set by processors are rendered after it.
  bool fields_opaque() const { return opaque_; }

 private:
  struct Slot {
    uint32_t name_offset;
    uint32_t name_size;
    uint32_t value_offset;
    uint32_t value_size;
    ValueKind kind;
    bool removed;
  };

  void Import();
  // Appends `text` to the arena and returns its offset; `text` may point into the arena.
  uint32_t Store(std::string_view text);
  std::string_view At(uint32_t offset, uint32_t size) const {
    return std::string_view(arena_).substr(offset, size);
  }
  Slot* FindSlot(std::string_view name);

  buffer::Event* event_ = nullptr;
  bool imported_ = false;
  bool dirty_ = false;
  bool opaque_ = false;
  std::string arena_;
  std::vector<Slot> slots_;
  std::string render_;
  std::string message_scratch_;
};

// Decodes the JSON string body `escaped` (without quotes) onto `out`; false when an escape
// is malformed.
bool AppendUnescapedJson(std::string_view escaped, std::string& out);

}  // namespace agent
