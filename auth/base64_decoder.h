// Base64 decoders (RFC 4648) for what auth/ reads: JWT segments (base64url, no padding,
// RFC 7515 §2) and Elastic Cloud ids (standard alphabet, padded). The encoders live in
// transport/base64.h, where the output needs them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace auth {

// RFC 4648 §4: standard alphabet; trailing '=' padding is accepted but not required.
// nullopt on any other character, misplaced padding or an impossible length.
std::optional<std::string> DecodeBase64(std::string_view text);

// RFC 4648 §5 without padding, as JWS compact serialization requires. Strict: '=', '+'
// and '/' are rejected, so a token that is not base64url is reported, not guessed at.
std::optional<std::string> DecodeBase64Url(std::string_view text);

}  // namespace auth
