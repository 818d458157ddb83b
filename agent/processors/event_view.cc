#include "agent/processors/event_view.h"

#include <cassert>

#include "platforms/base/json_writer.h"

namespace agent {
namespace {

constexpr std::string_view kMessage = "message";

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::size_t SkipSpace(std::string_view s, std::size_t i) {
  while (i < s.size() && IsSpace(s[i])) ++i;
  return i;
}

// Index just past the JSON string starting at s[i] == '"', or npos.
std::size_t EndOfString(std::string_view s, std::size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// Index just past the JSON value starting at s[i], or npos. Nested values are skipped by
// counting brackets outside strings; the text was written by us or validated by a parser.
std::size_t EndOfValue(std::string_view s, std::size_t i) {
  if (i >= s.size()) return std::string_view::npos;
  if (s[i] == '"') return EndOfString(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    while (i < s.size()) {
      char c = s[i];
      if (c == '"') {
        i = EndOfString(s, i);
        if (i == std::string_view::npos) return i;
        continue;
      }
      if (c == '{' || c == '[') ++depth;
      if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return std::string_view::npos;
  }
  while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']' && !IsSpace(s[i])) ++i;
  return i;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ReadHex4(std::string_view s, std::size_t i, uint32_t* out) {
  if (i + 4 > s.size()) return false;
  uint32_t v = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    int h = HexValue(s[i + k]);
    if (h < 0) return false;
    v = (v << 4) | static_cast<uint32_t>(h);
  }
  *out = v;
  return true;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace

bool AppendUnescapedJson(std::string_view escaped, std::string& out) {
  for (std::size_t i = 0; i < escaped.size(); ++i) {
    char c = escaped[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= escaped.size()) return false;
    switch (escaped[i]) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '/':
        out += '/';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'u': {
        uint32_t cp = 0;
        if (!ReadHex4(escaped, i + 1, &cp)) return false;
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          uint32_t low = 0;
          if (i + 2 < escaped.size() && escaped[i + 1] == '\\' && escaped[i + 2] == 'u' &&
              ReadHex4(escaped, i + 3, &low) && low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          } else {
            cp = 0xFFFD;  // a lone surrogate has no UTF-8 form
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = 0xFFFD;
        }
        AppendUtf8(out, cp);
        break;
      }
      default:
        return false;
    }
  }
  return true;
}

void EventView::Reset(buffer::Event* event) {
  event_ = event;
  imported_ = false;
  dirty_ = false;
  opaque_ = false;
  arena_.clear();
  slots_.clear();
}

void EventView::Import() {
  imported_ = true;
  std::string_view s = event_->fields_json;
  std::size_t i = SkipSpace(s, 0);
  while (i < s.size()) {
    if (s[i] != '"') break;
    std::size_t key_end = EndOfString(s, i);
    if (key_end == std::string_view::npos) break;
    std::size_t colon = SkipSpace(s, key_end);
    if (colon >= s.size() || s[colon] != ':') break;
    std::size_t value_begin = SkipSpace(s, colon + 1);
    std::size_t value_end = EndOfValue(s, value_begin);
    if (value_end == std::string_view::npos || value_end == value_begin) break;

    Slot slot{};
    slot.name_offset = static_cast<uint32_t>(arena_.size());
    if (!AppendUnescapedJson(s.substr(i + 1, key_end - i - 2), arena_)) break;
    slot.name_size = static_cast<uint32_t>(arena_.size() - slot.name_offset);
    slot.value_offset = static_cast<uint32_t>(arena_.size());
    if (s[value_begin] == '"') {
      slot.kind = ValueKind::kString;
      if (!AppendUnescapedJson(s.substr(value_begin + 1, value_end - value_begin - 2), arena_)) {
        break;
      }
    } else {
      slot.kind = ValueKind::kRaw;
      arena_.append(s.substr(value_begin, value_end - value_begin));
    }
    slot.value_size = static_cast<uint32_t>(arena_.size() - slot.value_offset);
    slot.removed = false;
    slots_.push_back(slot);

    i = SkipSpace(s, value_end);
    if (i < s.size() && s[i] == ',') i = SkipSpace(s, i + 1);
  }
  if (i < s.size()) {
    // Not members we understand: keep the text whole rather than lose or mangle it.
    opaque_ = true;
    arena_.clear();
    slots_.clear();
  }
}

uint32_t EventView::Store(std::string_view text) {
  const char* base = arena_.data();
  bool inside = !text.empty() && text.data() >= base && text.data() < base + arena_.size();
  if (inside) {
    // Growing the arena would move the bytes `text` points at: copy by offset.
    std::size_t from = static_cast<std::size_t>(text.data() - base);
    std::size_t offset = arena_.size();
    arena_.reserve(offset + text.size());
    arena_.append(arena_, from, text.size());
    return static_cast<uint32_t>(offset);
  }
  auto offset = static_cast<uint32_t>(arena_.size());
  arena_.append(text);
  return offset;
}

EventView::Slot* EventView::FindSlot(std::string_view name) {
  if (!imported_) Import();
  for (Slot& slot : slots_) {
    if (!slot.removed && At(slot.name_offset, slot.name_size) == name) return &slot;
  }
  return nullptr;
}

std::optional<FieldValue> EventView::Get(std::string_view name) {
  if (name == kMessage) return FieldValue{event_->message, ValueKind::kString};
  const Slot* slot = FindSlot(name);
  if (slot == nullptr) return std::nullopt;
  return FieldValue{At(slot->value_offset, slot->value_size), slot->kind};
}

void EventView::SetMessage(std::string_view text) {
  message_scratch_.assign(text);
  event_->message.swap(message_scratch_);
}

void EventView::Set(std::string_view name, std::string_view value, ValueKind kind) {
  if (name == kMessage) {
    SetMessage(value);
    return;
  }
  if (!imported_) Import();  // may reset the arena: before anything is stored in it
  dirty_ = true;
  // Store the value before the name: both may point into the arena.
  uint32_t value_offset = Store(value);
  Slot* slot = FindSlot(name);
  if (slot != nullptr) {
    slot->value_offset = value_offset;
    slot->value_size = static_cast<uint32_t>(value.size());
    slot->kind = kind;
    return;
  }
  uint32_t name_offset = Store(name);
  slots_.push_back(Slot{name_offset, static_cast<uint32_t>(name.size()), value_offset,
                        static_cast<uint32_t>(value.size()), kind, false});
}

bool EventView::Remove(std::string_view name) {
  if (name == kMessage) return false;
  Slot* slot = FindSlot(name);
  if (slot == nullptr) return false;
  slot->removed = true;
  dirty_ = true;
  return true;
}

void EventView::Finish() {
  if (!dirty_) return;
  render_.clear();
  if (opaque_) render_.append(event_->fields_json);
  for (const Slot& slot : slots_) {
    if (slot.removed) continue;
    if (!render_.empty()) render_ += ',';
    base::AppendJsonString(render_, At(slot.name_offset, slot.name_size));
    render_ += ':';
    std::string_view value = At(slot.value_offset, slot.value_size);
    if (slot.kind == ValueKind::kString) {
      base::AppendJsonString(render_, value);
    } else {
      render_.append(value);
    }
  }
  event_->fields_json.assign(render_);
  dirty_ = false;
}

}  // namespace agent
