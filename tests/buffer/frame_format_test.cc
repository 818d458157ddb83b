// Golden bytes: the frame and segment headers are exactly as FORMAT.md documents them.
#include "buffer/frame_format.h"

#include <gtest/gtest.h>

#include <array>
#include <vector>

#include "buffer/crc32c.h"
#include "buffer/frame_reader.h"
#include "buffer/segment_header.h"

namespace buffer {
namespace {

template <std::size_t N>
std::vector<std::byte> ToBytes(const std::array<int, N>& values) {
  std::vector<std::byte> out;
  for (int v : values) out.push_back(static_cast<std::byte>(v));
  return out;
}

TEST(FrameFormatTest, FrameHeaderBytesAreExactlyAsDocumented) {
  // Computed independently from FORMAT.md (CRC32C, LevelDB mask, little-endian fields).
  const std::array<int, 39> kGolden = {0x53, 0x4b, 0x46, 0x31, 0x01, 0x01, 0x00, 0x00, 0x03, 0x00,
                                       0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x08, 0x07, 0x06, 0x05,
                                       0x04, 0x03, 0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0xc0, 0x7f,
                                       0xe9, 0x9d, 0x70, 0x54, 0x3e, 0xdd, 0x61, 0x62, 0x63};
  const std::vector<std::byte> payload = {std::byte{'a'}, std::byte{'b'}, std::byte{'c'}};
  FrameHeader h;
  h.flags = kFrameFlagZstd;
  h.payload_bytes = 3;
  h.raw_bytes = 5;
  h.first_seq = 0x0102030405060708u;
  h.event_count = 2;
  std::vector<std::byte> frame(kFrameHeaderBytes);
  EncodeFrameHeader(h, payload, std::span<std::byte>(frame).first<kFrameHeaderBytes>());
  frame.insert(frame.end(), payload.begin(), payload.end());
  EXPECT_EQ(frame, ToBytes(kGolden));

  auto decoded = DecodeFrameHeader(std::span<const std::byte>(frame).first<kFrameHeaderBytes>());
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->payload_bytes, 3u);
  EXPECT_EQ(decoded->raw_bytes, 5u);
  EXPECT_EQ(decoded->first_seq, 0x0102030405060708u);
  EXPECT_EQ(decoded->event_count, 2u);
  EXPECT_TRUE(
      FrameCrcMatches(std::span<const std::byte>(frame).first<kFrameHeaderBytes>(), payload));
}

TEST(FrameFormatTest, SegmentHeaderBytesAreExactlyAsDocumented) {
  const std::array<int, 40> kGolden = {0x53, 0x4b, 0x49, 0x46, 0x46, 0x53, 0x45, 0x47, 0x01, 0x00,
                                       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00,
                                       0x00, 0x00, 0x00, 0x00, 0xe8, 0x03, 0x00, 0x00, 0x00, 0x00,
                                       0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xdd, 0x9e, 0x17, 0xf2};
  std::array<std::byte, kSegmentHeaderBytes> bytes{};
  EncodeSegmentHeader(SegmentHeader{42, 1000}, bytes);
  EXPECT_EQ(std::vector<std::byte>(bytes.begin(), bytes.end()), ToBytes(kGolden));
  auto decoded = DecodeSegmentHeader(bytes);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->segment_id, 42u);
  EXPECT_EQ(decoded->base_seq, 1000u);
}

TEST(FrameFormatTest, SegmentFileNamesHaveTwentyDigitsAndParseBack) {
  EXPECT_EQ(SegmentFileName(42), "seg-00000000000000000042.zlog");
  EXPECT_EQ(ParseSegmentFileName("seg-00000000000000000042.zlog"), 42u);
  EXPECT_EQ(ParseSegmentFileName(SegmentFileName(UINT64_MAX)), UINT64_MAX);
  EXPECT_FALSE(ParseSegmentFileName("seg-42.zlog").has_value());
  EXPECT_FALSE(ParseSegmentFileName("seg-0000000000000000004x.zlog").has_value());
  EXPECT_FALSE(ParseSegmentFileName("seg-99999999999999999999.zlog").has_value());
  EXPECT_FALSE(ParseSegmentFileName("cursor").has_value());
}

TEST(FrameFormatTest, HeaderWithAFlippedBitIsRejected) {
  std::vector<std::byte> payload(10, std::byte{7});
  FrameHeader h;
  h.payload_bytes = 10;
  h.raw_bytes = 10;
  h.event_count = 1;
  std::array<std::byte, kFrameHeaderBytes> head{};
  EncodeFrameHeader(h, payload, head);
  for (std::size_t bit = 0; bit < kFrameHeaderBytes * 8; ++bit) {
    auto copy = head;
    copy[bit / 8] ^= static_cast<std::byte>(1u << (bit % 8));
    EXPECT_FALSE(DecodeFrameHeader(copy).has_value()) << bit;
  }
}

// Frames of `payload_size` bytes each, back to back from offset 0.
std::vector<std::byte> Frames(int count, std::size_t payload_size) {
  std::vector<std::byte> out;
  for (int i = 0; i < count; ++i) {
    std::vector<std::byte> payload(payload_size, static_cast<std::byte>(i + 1));
    FrameHeader h;
    h.payload_bytes = static_cast<uint32_t>(payload_size);
    h.raw_bytes = h.payload_bytes;
    h.first_seq = static_cast<uint64_t>(i) * 3;
    h.event_count = 3;
    std::array<std::byte, kFrameHeaderBytes> head{};
    EncodeFrameHeader(h, payload, head);
    out.insert(out.end(), head.begin(), head.end());
    out.insert(out.end(), payload.begin(), payload.end());
  }
  return out;
}

TEST(FrameReaderTest, ReadsEveryFrameOfAnIntactSegment) {
  auto bytes = Frames(4, 50);
  FrameReader reader(bytes, 0);
  int n = 0;
  while (auto f = reader.Next()) {
    EXPECT_EQ(f->header.first_seq, static_cast<uint64_t>(n) * 3);
    ++n;
  }
  EXPECT_EQ(n, 4);
  EXPECT_TRUE(reader.corruptions().empty());
  EXPECT_EQ(reader.valid_end(), bytes.size());
}

TEST(FrameReaderTest, SkipsAFrameWithACrcMismatchAndReportsWhereAndWhy) {
  auto bytes = Frames(3, 50);
  const std::size_t frame = kFrameHeaderBytes + 50;
  bytes[frame + kFrameHeaderBytes + 10] ^= std::byte{1};  // payload of the second frame
  FrameReader reader(bytes, 0);
  std::vector<uint64_t> seqs;
  while (auto f = reader.Next()) seqs.push_back(f->header.first_seq);
  EXPECT_EQ(seqs, (std::vector<uint64_t>{0, 6}));
  ASSERT_EQ(reader.corruptions().size(), 1u);
  EXPECT_EQ(reader.corruptions()[0].offset, frame);
  EXPECT_EQ(reader.corruptions()[0].bytes, frame);
  EXPECT_NE(reader.corruptions()[0].reason.find("frame CRC mismatch"), std::string::npos);
}

TEST(FrameReaderTest, ResynchronisesAfterAZeroFilledRegion) {
  auto bytes = Frames(3, 50);
  const std::size_t frame = kFrameHeaderBytes + 50;
  std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(frame),
            bytes.begin() + static_cast<std::ptrdiff_t>(2 * frame), std::byte{0});
  FrameReader reader(bytes, 0);
  int n = 0;
  while (reader.Next()) ++n;
  EXPECT_EQ(n, 2);
  ASSERT_EQ(reader.corruptions().size(), 1u);
  EXPECT_EQ(reader.corruptions()[0].reason, "zero-filled region");
}

TEST(FrameReaderTest, TreatsEveryTornTailAsTheEndOfValidData) {
  auto bytes = Frames(2, 50);
  const std::size_t frame = kFrameHeaderBytes + 50;
  for (std::size_t cut = frame; cut < bytes.size(); ++cut) {
    FrameReader reader(std::span<const std::byte>(bytes).first(cut), 0);
    int n = 0;
    while (reader.Next()) ++n;
    EXPECT_EQ(n, 1) << cut;
    EXPECT_EQ(reader.valid_end(), frame) << cut;
    EXPECT_TRUE(reader.corruptions().empty()) << cut;
    EXPECT_EQ(cut == frame, reader.tail_reason().empty()) << cut;
  }
}

}  // namespace
}  // namespace buffer
