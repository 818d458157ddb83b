// Base64 encoders (RFC 4648): the standard alphabet with padding for HTTP credentials
// (auth/), and the URL-safe alphabet without padding for document ids (document_id.h).
// Both append to a caller-owned string so hot paths can reuse it.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace transport {

// Appends RFC 4648 §4 base64 of `data`, padded with '='.
void AppendBase64(std::string& out, std::span<const std::byte> data);

// Appends RFC 4648 §5 base64url of `data` without padding.
void AppendBase64Url(std::string& out, std::span<const std::byte> data);

// The bytes of a text, for the encoders above.
inline std::span<const std::byte> AsBytes(std::string_view text) {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

}  // namespace transport
