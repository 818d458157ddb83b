// Azure managed identity: [auth] type = "azure_managed_identity" (spec auth.md §5). Two
// sources, chosen by the environment:
//   - AKS workload identity, when AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and
//     AZURE_TENANT_ID are set (the webhook injects them): the projected token is the
//     client assertion of a client-credentials request to
//     {AZURE_AUTHORITY_HOST}{tenant}/oauth2/v2.0/token with scope "<resource>/.default";
//   - otherwise the VM's IMDS: GET http://169.254.169.254/metadata/identity/oauth2/token
//     ?api-version=2018-02-01&resource=<resource>[&client_id=...] with `Metadata: true`.
// Both answer with an OAuth token response (oauth_token_response.h).
#pragma once

#include <uv.h>

#include <memory>
#include <string>

#include "auth/endpoint_client.h"
#include "auth/environment.h"
#include "auth/token_source.h"
#include "platforms/base/clock.h"

namespace auth {

struct AzureManagedIdentityOptions {
  std::string resource;      // required: the audience, e.g. "api://elasticsearch"
  std::string client_id;     // a user-assigned identity; empty: the system-assigned one
  std::string metadata_url;  // empty: http://169.254.169.254
};

// `loop` and `clock` outlive the result.
std::unique_ptr<TokenSource> MakeAzureManagedIdentitySource(uv_loop_t* loop,
                                                            const base::Clock& clock,
                                                            const Environment& env,
                                                            AzureManagedIdentityOptions options);

}  // namespace auth
