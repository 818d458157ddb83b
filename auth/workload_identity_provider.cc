#include "auth/workload_identity_provider.h"

#include <utility>

#include "auth/aws_sigv4_credentials.h"
#include "auth/bearer_credentials.h"
#include "auth/endpoint_client.h"
#include "auth/refresh_timer.h"
#include "auth/token_cache.h"
#include "auth/token_file_source.h"
#include "platforms/base/log.h"
#include "transport/backoff.h"

namespace auth {
namespace {

std::unique_ptr<TokenCache> MakeCache(const ProviderContext& context,
                                      std::unique_ptr<TokenSource> source,
                                      TokenCacheOptions options = {}) {
  return std::make_unique<TokenCache>(std::move(source), context.clock,
                                      std::make_unique<UvRefreshTimer>(context.loop),
                                      transport::Backoff::DefaultRandom(), options);
}

// `provider` is the [auth] type, the metrics' label.
CredentialsResult Bearer(const ProviderContext& context, std::string provider,
                         std::unique_ptr<TokenSource> source, TokenCacheOptions options = {}) {
  std::string description(source->Describe());
  return std::unique_ptr<transport::Credentials>(std::make_unique<BearerCredentials>(
      MakeCache(context, std::move(source), options), std::move(provider), std::move(description)));
}

// A URL the provider will call: it must parse (http, or https against the system CAs).
base::Status CheckUrl(std::string_view key, std::string_view url) {
  auto split = SplitUrl::Parse(url);
  if (!split.has_value()) return split.error().WithContext(key);
  return base::Status::Ok();
}

}  // namespace

CredentialsResult MakeTokenFileCredentials(const ProviderContext& context, std::string path,
                                           std::chrono::milliseconds reload_interval) {
  if (path.empty()) return base::InvalidArgument("token_file: path is empty");
  TokenCacheOptions options;
  options.max_refresh_interval = reload_interval;
  options.unknown_lifetime_refresh = reload_interval;
  return Bearer(context, "token_file",
                std::make_unique<TokenFileSource>(std::move(path), context.clock), options);
}

CredentialsResult MakeOidcCredentials(const ProviderContext& context,
                                      OidcClientCredentialsOptions options) {
  if (base::Status s = CheckUrl("token_url", options.token_url); !s.ok()) return s;
  if (options.client_id.empty()) return base::InvalidArgument("client_id is empty");
  return Bearer(context, "oidc_client_credentials",
                std::make_unique<OidcClientCredentialsSource>(context.loop, context.clock,
                                                              std::move(options)));
}

CredentialsResult MakeGcpIdentityCredentials(const ProviderContext& context,
                                             GcpIdentityOptions options) {
  if (options.audience.empty()) return base::InvalidArgument("audience is empty");
  if (!options.metadata_url.empty()) {
    if (base::Status s = CheckUrl("metadata_url", options.metadata_url); !s.ok()) return s;
  }
  return Bearer(context, "gcp_identity",
                std::make_unique<GcpIdentitySource>(context.loop, context.clock, context.env,
                                                    std::move(options)));
}

CredentialsResult MakeAzureCredentials(const ProviderContext& context,
                                       AzureManagedIdentityOptions options) {
  if (options.resource.empty()) return base::InvalidArgument("resource is empty");
  if (!options.metadata_url.empty()) {
    if (base::Status s = CheckUrl("metadata_url", options.metadata_url); !s.ok()) return s;
  }
  return Bearer(
      context, "azure_managed_identity",
      MakeAzureManagedIdentitySource(context.loop, context.clock, context.env, std::move(options)));
}

CredentialsResult MakeAwsSigV4Credentials(const ProviderContext& context, std::string region,
                                          std::string service, AwsChainOptions options) {
  if (region.empty()) return base::InvalidArgument("region is empty");
  if (service != "es" && service != "aoss") {
    return base::InvalidArgument(base::StrCat("service \"", service, "\": use \"es\" or \"aoss\""));
  }
  if (!options.imds_endpoint.empty()) {
    if (base::Status s = CheckUrl("metadata_url", options.imds_endpoint); !s.ok()) return s;
  }
  if (options.region.empty()) options.region = region;
  auto source = MakeAwsCredentialSource(context.loop, context.clock, context.env, options);
  // Keys from the environment have no expiry; re-read them now and then all the same.
  return std::unique_ptr<transport::Credentials>(std::make_unique<AwsSigV4Credentials>(
      MakeCache(context, std::move(source)), SigV4Signer(std::move(region), std::move(service)),
      context.clock));
}

}  // namespace auth
