#include "transport/document_id.h"

#include <xxhash.h>

#include <array>

#include "transport/base64.h"

namespace transport {
namespace {

void PutU32Le(std::string& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}

}  // namespace

DocumentId::DocumentId(std::string_view agent_id, std::string_view source_key,
                       uint32_t generation) {
  std::string input;
  input.reserve(12 + agent_id.size() + source_key.size());
  PutU32Le(input, static_cast<uint32_t>(agent_id.size()));
  input.append(agent_id);
  PutU32Le(input, static_cast<uint32_t>(source_key.size()));
  input.append(source_key);
  PutU32Le(input, generation);
  seed_ = XXH3_64bits(input.data(), input.size());
}

void DocumentId::AppendTo(std::string& out, uint64_t offset) const {
  std::array<unsigned char, 8> le{};
  for (std::size_t i = 0; i < 8; ++i)
    le[i] = static_cast<unsigned char>((offset >> (8 * i)) & 0xFF);
  XXH128_hash_t hash = XXH3_128bits_withSeed(le.data(), le.size(), seed_);
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, hash);
  AppendBase64Url(out, std::as_bytes(std::span<const unsigned char>(canonical.digest)));
}

std::string DocumentId::ForOffset(uint64_t offset) const {
  std::string out;
  out.reserve(kLength);
  AppendTo(out, offset);
  return out;
}

}  // namespace transport
