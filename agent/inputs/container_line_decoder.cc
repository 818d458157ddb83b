#include "agent/inputs/container_line_decoder.h"

#include "agent/line_splitter.h"
#include "agent/processors/timestamp_parser.h"
#include "buffer/event.h"

namespace agent {
namespace {

std::string_view StripLineEnd(std::string_view text) {
  if (text.ends_with('\n')) text.remove_suffix(1);
  if (text.ends_with('\r')) text.remove_suffix(1);
  return text;
}

std::optional<int64_t> Rfc3339(std::string_view text) {
  // The runtime's clock is in UTC; the reference year is not needed for RFC 3339.
  return ParseTimestamp(text, config::TimestampFormat::kRfc3339, 0);
}

}  // namespace

ContainerLineDecoder::ContainerLineDecoder(ContainerFormat format, std::size_t max_bytes)
    : format_(format), max_bytes_(max_bytes) {}

bool ContainerLineDecoder::ParseCri(std::string_view text, Fragment* out) const {
  // <time> <stream> <tag>[ <text>]; tags are ':'-separated, the first is P or F.
  std::size_t time_end = text.find(' ');
  if (time_end == std::string_view::npos) return false;
  std::optional<int64_t> time = Rfc3339(text.substr(0, time_end));
  if (!time) return false;
  std::size_t stream_end = text.find(' ', time_end + 1);
  if (stream_end == std::string_view::npos || stream_end == time_end + 1) return false;
  std::size_t tag_end = text.find(' ', stream_end + 1);
  std::string_view tags =
      text.substr(stream_end + 1, tag_end == std::string_view::npos ? std::string_view::npos
                                                                    : tag_end - stream_end - 1);
  std::string_view first_tag = tags.substr(0, tags.find(':'));
  if (first_tag != "P" && first_tag != "F") return false;
  out->time_unix_nanos = *time;
  out->stream = text.substr(time_end + 1, stream_end - time_end - 1);
  out->text = tag_end == std::string_view::npos ? std::string_view() : text.substr(tag_end + 1);
  out->last = first_tag == "F";
  return true;
}

bool ContainerLineDecoder::ParseDocker(std::string_view text, simdjson::dom::parser& json,
                                       Fragment* out) const {
  simdjson::dom::object object;
  if (json.parse(text.data(), text.size()).get(object)) return false;
  std::string_view log;
  if (object["log"].get(log)) return false;
  std::string_view stream;
  if (object["stream"].get(stream)) stream = {};
  std::string_view time_text;
  std::optional<int64_t> time;
  if (!object["time"].get(time_text)) time = Rfc3339(time_text);
  if (!time) return false;
  out->time_unix_nanos = *time;
  out->stream = stream;
  out->last = log.ends_with('\n');
  out->text = StripLineEnd(log);
  return true;
}

std::optional<SourceLine> ContainerLineDecoder::Decode(const SourceLine& line,
                                                       simdjson::dom::parser& json) {
  Fragment fragment;
  bool ok = format_ == ContainerFormat::kCri ? ParseCri(line.text, &fragment)
                                             : ParseDocker(line.text, json, &fragment);
  if (!ok) {
    ++counters_.malformed_lines;
    SourceLine passed = line;
    passed.flags |= buffer::kFlagParseFailed;
    return passed;
  }
  Slot& slot = SlotFor(fragment.stream);
  if (!slot.active && fragment.last) {
    // The common case: a whole line in one fragment, returned without a copy.
    SourceLine whole = line;
    whole.text = fragment.text;
    whole.time_unix_nanos = fragment.time_unix_nanos;
    whole.stream = fragment.stream;
    if (whole.text.size() > max_bytes_) {
      whole.text = CutAtCharBoundary(whole.text, max_bytes_);
      whole.flags |= buffer::kFlagTruncated;
      ++counters_.truncated_lines;
    }
    return whole;
  }
  if (!slot.active) {
    slot.active = true;
    slot.skipping = false;
    slot.stream.assign(fragment.stream);
    slot.text.clear();
    slot.offset = line.offset;
    slot.time_unix_nanos = fragment.time_unix_nanos;
    slot.flags = 0;
  }
  ++counters_.fragments;
  slot.flags |= line.flags & ~buffer::kFlagParseFailed;
  Append(slot, fragment.text);
  if (!fragment.last) return std::nullopt;
  const SourceLine& done = TakeSlot(slot);
  return done;
}

void ContainerLineDecoder::Append(Slot& slot, std::string_view text) {
  if (slot.skipping) return;
  if (slot.text.size() + text.size() <= max_bytes_) {
    slot.text.append(text);
    return;
  }
  std::size_t room = max_bytes_ - slot.text.size();
  std::string_view cut = CutAtCharBoundary(text, room);
  slot.text.append(cut);
  slot.skipping = true;
  slot.flags |= buffer::kFlagTruncated;
  ++counters_.truncated_lines;
}

ContainerLineDecoder::Slot& ContainerLineDecoder::SlotFor(std::string_view stream) {
  if (stream == "stdout") return slots_[0];
  if (stream == "stderr") return slots_[1];
  return slots_[2];
}

ContainerLineDecoder::Slot* ContainerLineDecoder::Oldest() {
  Slot* oldest = nullptr;
  for (Slot& slot : slots_) {
    if (slot.active && (oldest == nullptr || slot.offset < oldest->offset)) oldest = &slot;
  }
  return oldest;
}

const SourceLine& ContainerLineDecoder::TakeSlot(Slot& slot) {
  // Swap rather than copy: the slot's buffer becomes out_text_ and vice versa, so both
  // keep their capacity.
  out_text_.swap(slot.text);
  out_stream_.swap(slot.stream);
  slot.active = false;
  out_ = SourceLine{out_text_, slot.offset, slot.flags, slot.time_unix_nanos, out_stream_};
  return out_;
}

std::optional<uint64_t> ContainerLineDecoder::held_from() const {
  std::optional<uint64_t> from;
  for (const Slot& slot : slots_) {
    if (slot.active && (!from || slot.offset < *from)) from = slot.offset;
  }
  return from;
}

void ContainerLineDecoder::Reset() {
  for (Slot& slot : slots_) slot.active = false;
}

}  // namespace agent
