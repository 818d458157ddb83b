#include "buffer/frame_reader.h"

#include <cstdio>

#include "buffer/crc32c.h"
#include "platforms/base/log.h"

namespace buffer {
namespace {

std::string Hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

bool AllZero(std::span<const std::byte> bytes) {
  for (std::byte b : bytes) {
    if (b != std::byte{0}) return false;
  }
  return true;
}

}  // namespace

FrameReader::FrameReader(std::span<const std::byte> segment, uint64_t start_offset)
    : data_(segment), pos_(start_offset), valid_end_(start_offset) {}

std::string FrameReader::Check(uint64_t pos, std::optional<FrameHeader>* header) const {
  const uint64_t size = data_.size();
  if (size - pos < kFrameHeaderBytes) return "incomplete frame header";
  auto head = data_.subspan(pos).first<kFrameHeaderBytes>();
  *header = DecodeFrameHeader(head);
  if (!header->has_value()) {
    if (AllZero(head)) return "zero-filled region";
    if (GetLe32(head.data()) != kFrameMagic) return "bad frame magic";
    return "bad frame header CRC";
  }
  const FrameHeader& h = **header;
  if (h.FrameBytes() > size - pos) {
    return base::StrCat("incomplete payload (", h.payload_bytes, " bytes announced, ",
                        size - pos - kFrameHeaderBytes, " present)");
  }
  auto payload = data_.subspan(pos + kFrameHeaderBytes, h.payload_bytes);
  if (!FrameCrcMatches(head, payload)) {
    uint32_t computed = crc32c::Extend(crc32c::Value(head.first(kFrameCrcOffset)), payload);
    return base::StrCat("frame CRC mismatch (stored ", Hex(crc32c::Unmask(h.frame_crc)),
                        ", computed ", Hex(computed), ")");
  }
  return {};
}

std::optional<uint64_t> FrameReader::Resync(uint64_t from) const {
  const uint64_t size = data_.size();
  for (uint64_t p = from; p + kFrameHeaderBytes <= size; ++p) {
    if (GetLe32(data_.data() + p) != kFrameMagic) continue;
    if (DecodeFrameHeader(data_.subspan(p).first<kFrameHeaderBytes>())) return p;
  }
  return std::nullopt;
}

std::optional<FrameView> FrameReader::Next() {
  while (pos_ < data_.size()) {
    std::optional<FrameHeader> header;
    std::string reason = Check(pos_, &header);
    if (reason.empty()) {
      FrameView view{pos_, *header, data_.subspan(pos_ + kFrameHeaderBytes, header->payload_bytes)};
      pos_ += header->FrameBytes();
      valid_end_ = pos_;
      return view;
    }
    std::optional<uint64_t> next = Resync(pos_ + 1);
    if (!next) {  // nothing valid follows: this is the tail
      tail_reason_ = std::move(reason);
      pos_ = data_.size();
      break;
    }
    corruptions_.push_back(CorruptRegion{pos_, *next - pos_, std::move(reason)});
    pos_ = *next;
  }
  return std::nullopt;
}

}  // namespace buffer
