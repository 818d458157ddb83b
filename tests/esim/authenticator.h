// Authenticator: the credential check `esim --auth MODE` turns on, one realm at a time, as
// Elasticsearch (or Amazon OpenSearch Service, for sigv4) would check it:
//
//   basic       Authorization: Basic base64(user:password)       (--basic USER:PASS)
//   api-key     Authorization: ApiKey base64(id:key)              (--api-key ID:KEY)
//   bearer-jwt  Authorization: Bearer <JWT> verified against a JWKS (jwt_verifier.h)
//   sigv4       the AWS SigV4 signature recomputed per request    (sigv4_verifier.h)
//
// A refused request gets a 401 with ES's body (security_exception, the realms'
// WWW-Authenticate values), except a SigV4 X-Amz-Date outside ±5 min, which gets AWS's 403
// "Signature expired" (the answer a client must treat as a clock or credential problem).
// Immutable after Create(); connection threads share it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "platforms/base/result.h"
#include "tests/esim/auth_failure.h"
#include "tests/esim/es_error.h"
#include "tests/esim/http_message.h"
#include "tests/esim/jwt_verifier.h"
#include "tests/esim/sigv4_verifier.h"

namespace esim {

enum class AuthMode { kNone, kBasic, kApiKey, kBearerJwt, kSigV4 };

struct AuthenticatorOptions {
  AuthMode mode = AuthMode::kNone;
  std::string basic;    // "user:password"
  std::string api_key;  // "id:key"
  JwtRealmOptions jwt;
  SigV4Options sigv4;
};

class Authenticator {
 public:
  struct Outcome {
    AuthFailure failure = AuthFailure::kNone;
    std::string principal;         // who was authenticated (for authorization errors)
    std::optional<EsError> error;  // ES-shaped 401, when `aws_message` is empty
    int status = 0;                // of the refusal
    std::string aws_message;       // AWS-shaped 403 {"message": ...} instead
  };

  // Checks the options (a readable JWKS, well-formed secrets). Errors name the flag.
  static base::Result<std::shared_ptr<const Authenticator>> Create(AuthenticatorOptions options);
  // "basic", "api-key", "bearer-jwt", "sigv4"; nullopt for anything else.
  static std::optional<AuthMode> ParseMode(std::string_view text);

  AuthMode mode() const { return options_.mode; }
  Outcome Authenticate(const HttpRequest& request, int64_t now_unix_seconds) const;

  explicit Authenticator(AuthenticatorOptions options, std::optional<JwtVerifier> jwt)
      : options_(std::move(options)), jwt_(std::move(jwt)), sigv4_(options_.sigv4) {}

 private:
  AuthenticatorOptions options_;
  std::optional<JwtVerifier> jwt_;
  SigV4Verifier sigv4_;
};

}  // namespace esim
