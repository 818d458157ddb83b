// AwsSigV4Credentials: [auth] type = "aws_sigv4". Signs every request with AWS Signature
// Version 4 (sigv4_signer.h) for Amazon OpenSearch Service (service "es") or OpenSearch
// Serverless ("aoss"), with keys from the AWS credential chain (aws_credential_chain.h)
// held and refreshed by a TokenCache.
//
// Added headers: X-Amz-Date, X-Amz-Content-Sha256 (the hash of the body as sent, after
// gzip; aoss requires it signed), X-Amz-Security-Token with temporary keys, and
// Authorization. Signed: host, x-amz-content-sha256, x-amz-date, x-amz-security-token.
// Content-Type and Content-Encoding are not seen by the provider (CredentialRequest has
// no headers), so they are sent unsigned, which AWS accepts.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/sigv4_signer.h"
#include "auth/token_cache.h"
#include "platforms/base/clock.h"
#include "platforms/base/log.h"
#include "transport/credentials.h"

namespace auth {

class AwsSigV4Credentials final : public transport::Credentials {
 public:
  // `clock` (for X-Amz-Date) must outlive the credentials.
  AwsSigV4Credentials(std::unique_ptr<TokenCache> cache, SigV4Signer signer,
                      const base::Clock& clock);

  void GetHeaders(const transport::CredentialRequest& request, HeadersCallback done) override;
  void Refresh(RefreshCallback done) override;
  std::string_view Describe() const override { return description_; }

  bool HasValidToken() const { return cache_->HasValidToken(); }
  base::Status Readiness() const override {
    if (HasValidToken()) return base::Status::Ok();
    return base::Unavailable(base::StrCat("auth: no valid credential (", Describe(),
                                          "); shipping waits for the next refresh"));
  }

  transport::CredentialStats Stats() const override {
    return {.provider = "aws_sigv4",
            .refreshes = cache_->stats().fetches_ok,
            .refresh_failures = cache_->stats().fetches_failed,
            .time_to_expiry = cache_->TimeToExpiry()};
  }

  // Corrects X-Amz-Date by the skew between `http_date` and the local clock when it
  // exceeds kSkewThreshold (AWS refuses dates more than 5 minutes off), warning once per
  // change; a skew back under the threshold drops the correction.
  void ObserveServerDate(std::string_view http_date) override;
  static constexpr std::chrono::seconds kSkewThreshold{60};
  // The correction applied to the local clock when signing (server minus local).
  std::chrono::seconds clock_correction() const { return clock_correction_; }

  // Signs now with `keys`: the headers to add to a request for `endpoint` + `target`.
  // Public so tests (and the botocore cross-check) see exactly what goes on the wire.
  base::Result<std::vector<transport::HttpHeader>> SignedHeaders(
      std::string_view method, std::string_view endpoint, std::string_view target,
      std::string_view payload_sha256_hex, const Token& keys) const;

 private:
  std::unique_ptr<TokenCache> cache_;
  const SigV4Signer signer_;
  const base::Clock& clock_;
  const std::string description_;
  std::chrono::seconds clock_correction_{0};
};

// Seconds since the epoch of an RFC 7231 IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"),
// or nullopt.
std::optional<int64_t> ParseHttpDate(std::string_view text);

}  // namespace auth
