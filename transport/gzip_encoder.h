// GzipEncoder: gzip (RFC 1952) request bodies for `Content-Encoding: gzip`, with one zlib
// stream reused across requests (deflateReset, no re-allocation of zlib's state).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "platforms/base/status.h"

namespace transport {

class GzipEncoder {
 public:
  // Level 1: most of the size gain for a fraction of the CPU (Beats' default too).
  static constexpr int kDefaultLevel = 1;

  explicit GzipEncoder(int level = kDefaultLevel);
  ~GzipEncoder();
  GzipEncoder(const GzipEncoder&) = delete;
  GzipEncoder& operator=(const GzipEncoder&) = delete;

  // Replaces `out` with the gzip member of `in`.
  base::Status Compress(std::string_view in, std::string& out);

 private:
  struct Stream;
  std::unique_ptr<Stream> stream_;
  base::Status init_status_;
};

}  // namespace transport
