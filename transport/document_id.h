// DocumentId: the deterministic Elasticsearch `_id` of an event (DESIGN promise 2).
//
// Definition (stable forever: changing any byte of it breaks deduplication across an
// upgrade, because a resend would no longer hit the earlier document's id):
//
//   batch_seed = XXH3_64bits( u32le(len(agent_id))   || agent_id
//                          || u32le(len(source_key)) || source_key
//                          || u32le(generation) )
//   hash       = XXH3_128bits_withSeed( u64le(offset), 8 bytes, seed = batch_seed )
//   _id        = base64url, no padding, of XXH128_canonicalFromHash(hash)
//                (16 bytes: high 64 bits big-endian, then low 64 bits big-endian)
//
// which is 22 characters from [A-Za-z0-9_-]. The lengths keep ("ab","c") and ("a","bc")
// apart. The seed is computed once per batch, so each event costs one short XXH3 call.
// xxHash promises XXH3 output stable since v0.8.0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace transport {

class DocumentId {
 public:
  static constexpr std::size_t kLength = 22;

  DocumentId(std::string_view agent_id, std::string_view source_key, uint32_t generation);

  // Appends the 22-character id of the event at `offset` in this batch's source.
  void AppendTo(std::string& out, uint64_t offset) const;
  std::string ForOffset(uint64_t offset) const;

  uint64_t seed() const { return seed_; }

 private:
  uint64_t seed_;
};

}  // namespace transport
