// OidcClientCredentialsSource: [auth] type = "oidc_client_credentials". An access token
// from an OAuth 2.0 token endpoint with the client-credentials grant (RFC 6749 §4.4; spec
// auth.md §6.1), the client authenticated either by
//   - a secret: `Authorization: Basic base64(urlenc(id):urlenc(secret))` (§2.3.1), or
//   - a federated assertion (RFC 7523): `client_assertion` = the JWT in
//     `client_assertion_file`, re-read on every request (Kubernetes rotates it).
// `scope` and `audience` (IdP-specific) go in the form when set. Also the exchange behind
// Azure AKS workload identity (azure_managed_identity.h), which is this flow against
// Azure AD with scope "<resource>/.default".
#pragma once

#include <uv.h>

#include <string>

#include "auth/endpoint_client.h"
#include "auth/token_source.h"
#include "platforms/base/clock.h"

namespace auth {

struct OidcClientCredentialsOptions {
  std::string token_url;              // required
  std::string client_id;              // required
  std::string client_secret;          // secret; or:
  std::string client_assertion_file;  // a JWT file for federated identity
  std::string scope;
  std::string audience;
  EndpointClient::Options http{std::chrono::milliseconds(2'000), std::chrono::milliseconds(10'000)};
};

class OidcClientCredentialsSource final : public TokenSource {
 public:
  // `loop` and `clock` outlive the source; `kind` starts Describe() ("oidc_client_credentials").
  OidcClientCredentialsSource(uv_loop_t* loop, const base::Clock& clock,
                              OidcClientCredentialsOptions options,
                              std::string_view kind = "oidc_client_credentials");

  void Fetch(Callback done) override;
  std::string_view Describe() const override { return description_; }

 private:
  const base::Clock& clock_;
  const OidcClientCredentialsOptions options_;
  const std::string description_;
  EndpointClient client_;
};

}  // namespace auth
