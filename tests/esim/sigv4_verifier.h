// SigV4Verifier: esim's check of AWS Signature Version 4 as Amazon OpenSearch Service does
// it (spec auth.md §4.5). It recomputes each request's signature from what arrived on the
// wire: the raw method, path, query, the headers named in SignedHeaders and the body as
// sent (before gzip decoding), then compares it with the Authorization header's. It also
// checks the credential scope (key id, date, region, service), X-Amz-Date against the
// clock (±5 min, AWS's limit) and, when configured, X-Amz-Security-Token.
//
// Written from the AWS documentation ("Create a signed AWS API request"), sharing no code
// with auth/. Immutable after construction; connection threads share one verifier.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tests/esim/http_message.h"

namespace esim {

struct SigV4Options {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty: none demanded
  std::string region = "us-east-1";
  std::string service = "es";
  std::chrono::seconds max_skew{5 * 60};
};

class SigV4Verifier {
 public:
  enum class Outcome { kOk, kMissing, kMalformed, kUnknownKey, kBadSignature, kSkew, kBadToken };
  struct Verdict {
    Outcome outcome = Outcome::kMalformed;
    std::string reason;  // never contains the secret or the expected signature
  };

  explicit SigV4Verifier(SigV4Options options) : options_(std::move(options)) {}

  Verdict Verify(const HttpRequest& request, int64_t now_unix_seconds) const;

  // The canonical request (AWS docs, step 1) for `signed_headers` (lower-case names, in
  // order). Public for the unit test against the AWS test-suite vectors.
  static std::string CanonicalRequest(std::string_view method, std::string_view target,
                                      const std::vector<HttpHeader>& headers,
                                      const std::vector<std::string>& signed_headers,
                                      std::string_view payload_hash_hex);
  // Hex HMAC-SHA256 signature of `string_to_sign` with the key derived for the scope.
  static std::string Signature(std::string_view secret, std::string_view date,
                               std::string_view region, std::string_view service,
                               std::string_view string_to_sign);
  static std::string Sha256Hex(std::string_view data);

 private:
  SigV4Options options_;
};

}  // namespace esim
