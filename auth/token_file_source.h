// TokenFileSource: a bearer token read from a file ([auth] type = "token_file"), as
// Kubernetes projects service-account tokens (spec auth.md §2). Each Fetch() re-reads the
// file: the kubelet replaces it atomically (a symlink swap) at 80 % of its lifetime, so
// re-reading on a timer (TokenCache's max_refresh_interval, 1 min as client-go does), on
// every 401 and ahead of the token's `exp` picks up the new one without watching inodes.
//
// A JWT's `exp` (read without verifying, jwt_claims.h) sets the expiry; the lifetime is
// counted from the read, so a re-read of an unchanged file schedules the next one sooner as
// `exp` nears, never in a loop. An opaque token has no expiry. The file is small and local (tmpfs),
// so it is read synchronously on the loop.
#pragma once

#include <string>
#include <string_view>

#include "auth/token_source.h"
#include "platforms/base/clock.h"

namespace auth {

// A token file larger than this is the wrong file (projected tokens are ~1 KiB).
constexpr std::size_t kMaxTokenFileBytes = 64 * 1024;

// Reads a token (a JWT, an opaque bearer or authorization token) from `path`, trimmed of
// surrounding whitespace. Errors name the path, never the content: kNotFound and other
// errno codes, kUnavailable when empty (a writer mid-rotation), kInvalidArgument when it
// holds inner whitespace or control characters or exceeds kMaxTokenFileBytes.
base::Result<std::string> ReadTokenFile(const std::string& path);

class TokenFileSource final : public TokenSource {
 public:
  // `clock` must outlive the source.
  TokenFileSource(std::string path, const base::Clock& clock);

  void Fetch(Callback done) override;
  std::string_view Describe() const override { return description_; }

  // Reads and checks the token in `path` now (used by Fetch, and by tests).
  base::Result<Token> Read() const;

 private:
  const std::string path_;
  const base::Clock& clock_;
  const std::string description_;
};

}  // namespace auth
