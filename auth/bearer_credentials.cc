#include "auth/bearer_credentials.h"

#include <utility>
#include <vector>

namespace auth {

BearerCredentials::BearerCredentials(std::unique_ptr<TokenCache> cache, std::string provider,
                                     std::string description)
    : cache_(std::move(cache)),
      provider_(std::move(provider)),
      description_(std::move(description)) {
  cache_->Start();
}

void BearerCredentials::GetHeaders(const transport::CredentialRequest& /*request*/,
                                   HeadersCallback done) {
  // The cache outlives its waiters (it drops them when destroyed), so `this` is safe.
  cache_->WhenReady([this, done = std::move(done)](base::Status status) {
    if (!status.ok()) {
      done(std::move(status));
      return;
    }
    std::string value = "Bearer ";
    value += cache_->token().secret;
    done(std::vector<transport::HttpHeader>{{"Authorization", std::move(value)}});
  });
}

transport::CredentialStats BearerCredentials::Stats() const {
  return {.provider = provider_,
          .refreshes = cache_->stats().fetches_ok,
          .refresh_failures = cache_->stats().fetches_failed,
          .time_to_expiry = cache_->TimeToExpiry()};
}

void BearerCredentials::Refresh(RefreshCallback done) { cache_->Refresh(std::move(done)); }

}  // namespace auth
