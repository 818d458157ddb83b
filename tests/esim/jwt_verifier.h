// JwtVerifier: esim's check of `Authorization: Bearer <JWT>` as Elasticsearch's JWT realm
// does it (spec auth.md §1.4): the signature against a JWKS file (RS256, ES256), `exp` and
// `nbf` with an allowed clock skew, `aud` (string or array) and, when set, `iss`.
//
// Written for esim only (no code shared with auth/): mbedTLS does the RSA and ECDSA
// arithmetic. Immutable after Load(), so connection threads share one verifier.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "platforms/base/result.h"

namespace esim {

struct JwtRealmOptions {
  std::string jwks_path;  // {"keys":[{"kty":"RSA","kid":..,"n":..,"e":..}|{"kty":"EC",..}]}
  std::string audience;   // required: one of the token's `aud` values
  std::string issuer;     // empty: any
  // ES's allowed_clock_skew defaults to 60 s; tests narrow it to catch late refreshes.
  std::chrono::seconds allowed_clock_skew{60};
};

class JwtVerifier {
 public:
  enum class Outcome { kOk, kMalformed, kUnknownKey, kBadSignature, kExpired, kRejectedClaim };
  struct Verdict {
    Outcome outcome = Outcome::kMalformed;
    std::string reason;   // for the 401 body; never contains the token
    std::string subject;  // `sub`, when the token verified
  };

  // Reads and parses the JWKS file. Keys of other types or curves are an error: a test that
  // meant to use them should fail loudly rather than answer 401 to everything.
  static base::Result<JwtVerifier> Load(JwtRealmOptions options);

  Verdict Verify(std::string_view token, int64_t now_unix_seconds) const;

 private:
  struct Key {
    std::string kid;
    bool rsa = true;    // else EC P-256
    std::string n, e;   // RSA modulus and exponent, big-endian bytes
    std::string point;  // EC: 0x04 || x || y
  };

  bool VerifySignature(const Key& key, std::string_view alg, std::string_view signing_input,
                       std::string_view signature) const;

  JwtRealmOptions options_;
  std::vector<Key> keys_;
};

// base64url without padding (RFC 7515 §2), as JWTs and JWKs use it.
bool Base64UrlDecode(std::string_view text, std::string* out);

}  // namespace esim
