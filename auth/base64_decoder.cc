#include "auth/base64_decoder.h"

#include <array>
#include <cstdint>

namespace auth {
namespace {

constexpr int8_t kInvalid = -1;

constexpr std::array<int8_t, 256> MakeTable(char c62, char c63) {
  std::array<int8_t, 256> table{};
  for (auto& v : table) v = kInvalid;
  for (int i = 0; i < 26; ++i) {
    table[static_cast<std::size_t>('A' + i)] = static_cast<int8_t>(i);
    table[static_cast<std::size_t>('a' + i)] = static_cast<int8_t>(26 + i);
  }
  for (int i = 0; i < 10; ++i)
    table[static_cast<std::size_t>('0' + i)] = static_cast<int8_t>(52 + i);
  table[static_cast<unsigned char>(c62)] = 62;
  table[static_cast<unsigned char>(c63)] = 63;
  return table;
}

constexpr std::array<int8_t, 256> kStandard = MakeTable('+', '/');
constexpr std::array<int8_t, 256> kUrl = MakeTable('-', '_');

// Decodes unpadded base64 text with `table`; a length of 1 mod 4 cannot occur.
std::optional<std::string> DecodeUnpadded(std::string_view text,
                                          const std::array<int8_t, 256>& table) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    int8_t v = table[static_cast<unsigned char>(c)];
    if (v == kInvalid) return std::nullopt;
    bits = (bits << 6) | static_cast<uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xFF));
    }
  }
  // Leftover bits must be zero (RFC 4648 §3.5: canonical encoding).
  if ((bits & ((1u << count) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace

std::optional<std::string> DecodeBase64(std::string_view text) {
  if (text.size() % 4 == 0 && text.ends_with("==")) {
    text.remove_suffix(2);
  } else if (text.size() % 4 == 0 && text.ends_with("=")) {
    text.remove_suffix(1);
  }
  return DecodeUnpadded(text, kStandard);
}

std::optional<std::string> DecodeBase64Url(std::string_view text) {
  return DecodeUnpadded(text, kUrl);
}

}  // namespace auth
