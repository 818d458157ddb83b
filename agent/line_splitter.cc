#include "agent/line_splitter.h"

#include <algorithm>
#include <cassert>
#include <cstring>

namespace agent {
namespace {

// A UTF-8 character is at most this long, so a cut backs up at most this many bytes minus
// one to reach the character's first byte.
constexpr std::size_t kMaxUtf8CharBytes = 4;

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0u) == 0x80u; }

std::string_view StripCarriageReturn(std::string_view text) {
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  return text;
}

}  // namespace

std::string_view CutAtCharBoundary(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t cut = max_bytes;
  // text[cut] is the first byte left out. When it continues a character, that character
  // started at most three bytes earlier: leave the whole character out.
  std::size_t back = 0;
  while (cut > 0 && back < kMaxUtf8CharBytes - 1 && IsContinuationByte(text[cut])) {
    --cut;
    ++back;
  }
  if (IsContinuationByte(text[cut])) cut = max_bytes;  // not UTF-8: any cut will do
  return text.substr(0, cut);
}

LineSplitter::LineSplitter(std::size_t max_line_bytes, uint64_t start_offset)
    : max_line_bytes_(max_line_bytes), consumed_offset_(start_offset), fed_offset_(start_offset) {
  assert(max_line_bytes_ > 0);
}

void LineSplitter::Reset(uint64_t offset) {
  pending_.clear();
  release_pending_ = false;
  skipping_ = false;
  consumed_offset_ = offset;
  fed_offset_ = offset;
}

void LineSplitter::BeginChunk(std::string_view chunk) {
  chunk_ = chunk;
  pos_ = 0;
}

void LineSplitter::EndChunk() {
  if (release_pending_) {
    pending_.clear();
    release_pending_ = false;
  }
  fed_offset_ += chunk_.size();
  chunk_ = {};
  pos_ = 0;
}

bool LineSplitter::NextLine(Line* line) {
  if (release_pending_) {
    pending_.clear();
    release_pending_ = false;
  }
  while (pos_ < chunk_.size()) {
    const char* rest = chunk_.data() + pos_;
    const void* newline = std::memchr(rest, '\n', chunk_.size() - pos_);
    if (newline == nullptr) {
      if (skipping_) {
        pos_ = chunk_.size();
        return false;
      }
      return HoldPartial(line);
    }
    auto newline_pos = static_cast<std::size_t>(static_cast<const char*>(newline) - chunk_.data());
    if (skipping_) {
      skipping_ = false;
      pos_ = newline_pos + 1;
      consumed_offset_ = fed_offset_ + pos_;
      continue;
    }
    CompleteLine(newline_pos, line);
    return true;
  }
  return false;
}

void LineSplitter::CompleteLine(std::size_t newline_pos, Line* line) {
  std::string_view piece = chunk_.substr(pos_, newline_pos - pos_);
  std::string_view text;
  if (pending_.empty()) {
    line->offset = fed_offset_ + pos_;
    text = StripCarriageReturn(piece);
  } else {
    line->offset = pending_offset_;
    // More than max_line_bytes + 1 bytes before the newline is over-long whether or not
    // the last one is '\r'; copy no more than the truncated text needs.
    bool over_long = pending_.size() + piece.size() > max_line_bytes_ + 1;
    FillPending(piece);
    text = over_long ? std::string_view{pending_} : StripCarriageReturn(pending_);
    release_pending_ = true;
  }
  line->truncated = text.size() > max_line_bytes_;
  line->text = CutAtCharBoundary(text, max_line_bytes_);
  pos_ = newline_pos + 1;
  consumed_offset_ = fed_offset_ + pos_;
}

void LineSplitter::FillPending(std::string_view bytes) {
  std::size_t room = max_line_bytes_ + 1 - pending_.size();
  if (bytes.size() > room) bytes = bytes.substr(0, room);
  std::size_t needed = pending_.size() + bytes.size();
  if (pending_.capacity() < needed) {
    // Grow geometrically but never past the bound, so a file that only ever has short
    // partial lines does not pay max_line_bytes of memory.
    pending_.reserve(std::min(max_line_bytes_ + 1, std::max(needed, 2 * pending_.capacity())));
  }
  pending_.append(bytes);
}

bool LineSplitter::HoldPartial(Line* line) {
  std::string_view rest = chunk_.substr(pos_);
  if (pending_.empty()) pending_offset_ = fed_offset_ + pos_;
  pos_ = chunk_.size();
  if (pending_.size() + rest.size() <= max_line_bytes_ + 1) {
    FillPending(rest);
    return false;
  }
  // Over-long and its newline has not arrived: emit the beginning now and skip the rest,
  // so memory stays bounded. consumed_offset_ stays before this line until its newline.
  FillPending(rest);
  line->offset = pending_offset_;
  line->truncated = true;
  line->text = CutAtCharBoundary(pending_, max_line_bytes_);
  release_pending_ = true;
  skipping_ = true;
  return true;
}

}  // namespace agent
