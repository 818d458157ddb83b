// JwtClaims: the registered claims of a JWT (RFC 7519 §4.1), read WITHOUT verifying the
// signature. Used only to schedule refreshes and to name the identity in log lines
// (spec auth.md §6.3); never for an authorization decision. The token itself is a secret:
// nothing here keeps or prints it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platforms/base/result.h"

namespace auth {

struct JwtClaims {
  // NumericDate claims in whole seconds since the Unix epoch (fractions are dropped:
  // rounding down only makes a refresh earlier).
  std::optional<int64_t> expires_at_unix_s;  // exp
  std::optional<int64_t> issued_at_unix_s;   // iat
  std::optional<int64_t> not_before_unix_s;  // nbf
  std::string issuer;                        // iss
  std::string subject;                       // sub
  std::vector<std::string> audiences;        // aud: a string or an array of strings

  // "iss https://kubernetes.default.svc, sub system:serviceaccount:ns:name, aud x": the
  // non-secret part for log lines.
  std::string Describe() const;
};

// Parses the payload of a compact JWS ("header.payload.signature"). kInvalidArgument when
// the text is not a JWS with a JSON-object header and payload, or a registered claim has
// the wrong type. A JWE (five segments) is opaque: it yields empty claims, no error.
base::Result<JwtClaims> ParseJwtClaims(std::string_view token);

}  // namespace auth
