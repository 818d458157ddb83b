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

#include <memory>
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
};

}  // namespace auth
