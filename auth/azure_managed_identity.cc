#include "auth/azure_managed_identity.h"

#include <utility>

#include "auth/form_body.h"
#include "auth/oauth_token_response.h"
#include "auth/oidc_client_credentials_source.h"
#include "platforms/base/log.h"

namespace auth {
namespace {

constexpr std::string_view kImdsEndpoint = "http://169.254.169.254";
constexpr std::string_view kImdsApiVersion = "2018-02-01";
constexpr std::string_view kDefaultAuthority = "https://login.microsoftonline.com/";

class AzureImdsSource final : public TokenSource {
 public:
  AzureImdsSource(uv_loop_t* loop, const base::Clock& clock, AzureManagedIdentityOptions options)
      : clock_(clock),
        client_(loop, EndpointClient::Options{std::chrono::milliseconds(1'000),
                                              std::chrono::milliseconds(5'000)}) {
    std::string base =
        options.metadata_url.empty() ? std::string(kImdsEndpoint) : options.metadata_url;
    while (base.ends_with('/')) base.pop_back();
    url_ = base::StrCat(base, "/metadata/identity/oauth2/token?api-version=", kImdsApiVersion,
                        "&resource=");
    FormBody::AppendEncoded(url_, options.resource);
    if (!options.client_id.empty()) {
      url_ += "&client_id=";
      FormBody::AppendEncoded(url_, options.client_id);
    }
    description_ =
        base::StrCat("azure_managed_identity resource ", options.resource, " from ", base,
                     options.client_id.empty() ? "" : " client ", options.client_id);
  }

  void Fetch(Callback done) override {
    client_.Send(url_, "GET", {{"Metadata", "true"}}, "",
                 [this, done = std::move(done)](base::Result<transport::HttpResponse> r) {
                   if (!r.has_value()) {
                     done(std::move(r).error().WithContext(description_));
                     return;
                   }
                   // IMDS answers 404 while the identity is being assigned: retry.
                   if (r->status == 404) {
                     done(base::Unavailable(base::StrCat(description_, ": HTTP 404")));
                     return;
                   }
                   done(ParseOAuthTokenResponse(description_, *r, WallNow(clock_)));
                 });
  }
  std::string_view Describe() const override { return description_; }

 private:
  const base::Clock& clock_;
  std::string url_;
  std::string description_;
  EndpointClient client_;
};

}  // namespace

std::unique_ptr<TokenSource> MakeAzureManagedIdentitySource(uv_loop_t* loop,
                                                            const base::Clock& clock,
                                                            const Environment& env,
                                                            AzureManagedIdentityOptions options) {
  auto file = env("AZURE_FEDERATED_TOKEN_FILE");
  auto client = env("AZURE_CLIENT_ID");
  auto tenant = env("AZURE_TENANT_ID");
  if (file && client && tenant) {
    std::string authority = env("AZURE_AUTHORITY_HOST").value_or(std::string(kDefaultAuthority));
    if (!authority.ends_with('/')) authority.push_back('/');
    OidcClientCredentialsOptions o;
    o.token_url = base::StrCat(authority, *tenant, "/oauth2/v2.0/token");
    o.client_id = options.client_id.empty() ? *client : options.client_id;
    o.client_assertion_file = *file;
    std::string resource = options.resource;
    while (resource.ends_with('/')) resource.pop_back();
    o.scope = base::StrCat(resource, "/.default");
    return std::make_unique<OidcClientCredentialsSource>(loop, clock, std::move(o),
                                                         "azure workload identity");
  }
  return std::make_unique<AzureImdsSource>(loop, clock, std::move(options));
}

}  // namespace auth
