// GcpIdentitySource: [auth] type = "gcp_identity". An identity token (a Google-signed JWT
// for `audience`) from the metadata server, as on GCE, GKE (Workload Identity) and Cloud
// Run (spec auth.md §3):
//   GET http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/
//       default/identity?audience=<aud>&format=full      with  Metadata-Flavor: Google
// The answer is the JWT as text; its `exp` (1 h) drives the refresh. An answer without the
// `Metadata-Flavor: Google` response header is not from a metadata server and is refused.
// GCE_METADATA_HOST moves the server, as Google's client libraries allow.
#pragma once

#include <uv.h>

#include <string>

#include "auth/endpoint_client.h"
#include "auth/environment.h"
#include "auth/token_source.h"
#include "platforms/base/clock.h"

namespace auth {

struct GcpIdentityOptions {
  std::string audience;      // required
  std::string metadata_url;  // empty: http://$GCE_METADATA_HOST or metadata.google.internal
  std::string service_account = "default";
  EndpointClient::Options http{std::chrono::milliseconds(1'000), std::chrono::milliseconds(3'000)};
};

class GcpIdentitySource final : public TokenSource {
 public:
  // `loop` and `clock` outlive the source.
  GcpIdentitySource(uv_loop_t* loop, const base::Clock& clock, const Environment& env,
                    GcpIdentityOptions options);

  void Fetch(Callback done) override;
  std::string_view Describe() const override { return description_; }

 private:
  const base::Clock& clock_;
  std::string url_;
  std::string description_;
  EndpointClient client_;
};

}  // namespace auth
