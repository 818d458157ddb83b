// The acknowledgement cursor file `ring/cursor` (FORMAT.md): every event with a smaller
// sequence number was delivered. Replaced atomically (tmp, sync, rename, sync dir).
#pragma once

#include <cstdint>
#include <string>

#include "buffer/filesystem.h"
#include "platforms/base/result.h"

namespace buffer {

constexpr std::size_t kCursorBytes = 28;

// The acknowledged sequence stored in `dir`/cursor: kNotFound when there is none,
// kCorruption when it fails its checks.
base::Result<uint64_t> ReadRingCursor(Filesystem& fs, const std::string& dir);
base::Status WriteRingCursor(Filesystem& fs, const std::string& dir, uint64_t ack_seq);

}  // namespace buffer
