// AuthPolicy: which credentials esim demands (from --require-* flags or the `require`
// fault) and the check of a request's Authorization header, with ES's 401 answer.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "tests/esim/es_error.h"

namespace esim {

struct RequiredCredentials {
  std::string basic;    // "user:password"
  std::string api_key;  // the encoded key as sent after "ApiKey "
  std::string bearer;   // the token as sent after "Bearer "

  bool any() const { return !basic.empty() || !api_key.empty() || !bearer.empty(); }
};

class AuthPolicy {
 public:
  // ES's realms header values, sent on every 401 (and echoed in the error body).
  static constexpr std::string_view kWwwAuthenticate[] = {
      "Basic realm=\"security\" charset=\"UTF-8\"", "Bearer realm=\"security\"", "ApiKey"};

  // nullopt when `authorization` (the header value, maybe empty) satisfies any of the
  // required credentials, or nothing is required. Otherwise the 401 to send; `uri` is the
  // request target, quoted in ES's reason text.
  static std::optional<EsError> Check(const RequiredCredentials& required,
                                      std::string_view authorization, std::string_view uri);

  // Standard base64 (with padding), as the Basic scheme uses.
  static std::string Base64Encode(std::string_view bytes);
  static std::optional<std::string> Base64Decode(std::string_view text);
};

}  // namespace esim
