// Factories for the refreshing credential providers, one per [auth] type: each builds its
// TokenSource, wraps it in a TokenCache on the loop's timer, and returns the
// transport::Credentials the output uses. agent/pipeline.cc maps the config onto these.
//
//   token_file               TokenFileSource            -> BearerCredentials
//   oidc_client_credentials  OidcClientCredentialsSource -> BearerCredentials
//   gcp_identity             GcpIdentitySource          -> BearerCredentials
//   azure_managed_identity   Azure IMDS / AKS workload identity -> BearerCredentials
//   aws_sigv4                AWS credential chain       -> AwsSigV4Credentials
//
// Checks that can fail at start-up (a malformed URL, an unknown service) fail here, so
// `skiff run` stops with a clear message instead of retrying a hopeless fetch forever.
#pragma once

#include <uv.h>

#include <chrono>
#include <memory>
#include <string>

#include "auth/aws_credential_chain.h"
#include "auth/azure_managed_identity.h"
#include "auth/environment.h"
#include "auth/gcp_identity_source.h"
#include "auth/oidc_client_credentials_source.h"
#include "platforms/base/clock.h"
#include "platforms/base/result.h"
#include "transport/credentials.h"

namespace auth {

// What every provider borrows: the loop and the clock outlive the provider.
struct ProviderContext {
  uv_loop_t* loop;
  const base::Clock& clock;
  Environment env = ProcessEnvironment();
};

using CredentialsResult = base::Result<std::unique_ptr<transport::Credentials>>;

CredentialsResult MakeTokenFileCredentials(const ProviderContext& context, std::string path,
                                           std::chrono::milliseconds reload_interval);
CredentialsResult MakeOidcCredentials(const ProviderContext& context,
                                      OidcClientCredentialsOptions options);
CredentialsResult MakeGcpIdentityCredentials(const ProviderContext& context,
                                             GcpIdentityOptions options);
CredentialsResult MakeAzureCredentials(const ProviderContext& context,
                                       AzureManagedIdentityOptions options);
// `service` is "es" or "aoss".
CredentialsResult MakeAwsSigV4Credentials(const ProviderContext& context, std::string region,
                                          std::string service, AwsChainOptions options);

}  // namespace auth
