// BearerCredentials: transport::Credentials for every provider whose credential is a
// bearer token (token_file, oidc_client_credentials, gcp_identity, azure_managed_identity):
// `Authorization: Bearer <token>` from a TokenCache, which refreshes it in the background.
// A request takes the held token at once; only with no valid token does it wait for the
// fetch in flight, or get kUnavailable (the output pauses and retries).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "auth/token_cache.h"
#include "platforms/base/log.h"
#include "transport/credentials.h"

namespace auth {

class BearerCredentials final : public transport::Credentials {
 public:
  // `provider` is the [auth] type ("token_file"); `description` names the kind and the
  // non-secret identity ("token_file /path").
  BearerCredentials(std::unique_ptr<TokenCache> cache, std::string provider,
                    std::string description);

  void GetHeaders(const transport::CredentialRequest& request, HeadersCallback done) override;
  void Refresh(RefreshCallback done) override;
  std::string_view Describe() const override { return description_; }

  // For /readyz and status output: false once the last token expired without a successor.
  bool HasValidToken() const { return cache_->HasValidToken(); }
  base::Status Readiness() const override {
    if (HasValidToken()) return base::Status::Ok();
    return base::Unavailable(base::StrCat("auth: no valid credential (", Describe(),
                                          "); shipping waits for the next refresh"));
  }
  const TokenCache& cache() const { return *cache_; }
  transport::CredentialStats Stats() const override;
  std::string_view Identity() const override { return cache_->subject(); }

 private:
  std::unique_ptr<TokenCache> cache_;
  const std::string provider_;
  const std::string description_;
};

}  // namespace auth
