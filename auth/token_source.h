// Token and TokenSource: what every refreshing provider fetches (a bearer token from a
// file, an IdP or a metadata server; AWS keys from the credential chain), and the
// interface of the thing that fetches it. TokenCache (token_cache.h) owns a source and
// decides when to call it.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "platforms/base/clock.h"
#include "platforms/base/result.h"

namespace auth {

// Wall-clock time: token expiries are absolute dates set by the issuer.
using WallTime = std::chrono::system_clock::time_point;

inline WallTime WallNow(const base::Clock& clock) {
  return WallTime(std::chrono::duration_cast<WallTime::duration>(
      std::chrono::nanoseconds(clock.NowUnixNanos())));
}
inline WallTime FromUnixSeconds(int64_t seconds) { return WallTime(std::chrono::seconds(seconds)); }
// Seconds since the epoch, for log lines ("expires at 1767229200").
inline int64_t ToUnixSeconds(WallTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

// A credential with its lifetime. Every field but `expires_at`, `obtained_at` and
// `identity` is secret: never logged, never put in a Status.
struct Token {
  std::string secret;                  // the bearer token, or the AWS secret access key
  std::string access_key_id;           // AWS only
  std::string session_token;           // AWS temporary credentials only
  WallTime obtained_at{};              // when the source received it (set by the source)
  std::optional<WallTime> expires_at;  // nullopt: the issuer gave no expiry
  std::string identity;  // non-secret: "sub system:serviceaccount:ns:sa", an AKID, a role
  std::string subject;   // a JWT's `sub` (empty for other tokens): agent.identity
};

class TokenSource {
 public:
  using Callback = std::function<void(base::Result<Token>)>;

  virtual ~TokenSource() = default;

  // Fetches a fresh token and calls `done` once, maybe before returning. Errors:
  // kUnavailable (endpoint down or 5xx: retry), kUnauthenticated / kPermissionDenied (the
  // issuer refused), kInvalidArgument (misconfigured), kCorruption (malformed answer).
  // Messages never contain a secret. Destroying the source drops a pending `done`.
  virtual void Fetch(Callback done) = 0;

  // The kind and where it fetches from ("token_file /var/run/secrets/token"); not secret.
  virtual std::string_view Describe() const = 0;
};

}  // namespace auth
