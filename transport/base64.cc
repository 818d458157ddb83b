#include "transport/base64.h"

#include <cstdint>

namespace transport {
namespace {

constexpr char kStandardAlphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kUrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void Encode(std::string& out, std::span<const std::byte> data, const char* alphabet, bool pad) {
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = (std::to_integer<uint32_t>(data[i]) << 16) |
                 (std::to_integer<uint32_t>(data[i + 1]) << 8) |
                 std::to_integer<uint32_t>(data[i + 2]);
    const char quad[4] = {alphabet[(v >> 18) & 63], alphabet[(v >> 12) & 63],
                          alphabet[(v >> 6) & 63], alphabet[v & 63]};
    out.append(quad, 4);
  }
  std::size_t rest = data.size() - i;
  if (rest == 0) return;
  uint32_t v = std::to_integer<uint32_t>(data[i]) << 16;
  if (rest == 2) v |= std::to_integer<uint32_t>(data[i + 1]) << 8;
  out += alphabet[(v >> 18) & 63];
  out += alphabet[(v >> 12) & 63];
  if (rest == 2) {
    out += alphabet[(v >> 6) & 63];
    if (pad) out += '=';
  } else if (pad) {
    out += "==";
  }
}

}  // namespace

void AppendBase64(std::string& out, std::span<const std::byte> data) {
  Encode(out, data, kStandardAlphabet, /*pad=*/true);
}

void AppendBase64Url(std::string& out, std::span<const std::byte> data) {
  Encode(out, data, kUrlAlphabet, /*pad=*/false);
}

}  // namespace transport
