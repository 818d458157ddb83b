#include "auth/oidc_client_credentials_source.h"

#include <utility>
#include <vector>

#include "auth/form_body.h"
#include "auth/oauth_token_response.h"
#include "auth/token_file_source.h"
#include "platforms/base/log.h"
#include "transport/base64.h"

namespace auth {
namespace {

constexpr std::string_view kJwtBearerAssertion =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
}  // namespace

OidcClientCredentialsSource::OidcClientCredentialsSource(uv_loop_t* loop, const base::Clock& clock,
                                                         OidcClientCredentialsOptions options,
                                                         std::string_view kind)
    : clock_(clock),
      options_(std::move(options)),
      description_(base::StrCat(kind, " client ", options_.client_id, " at ", options_.token_url)),
      client_(loop, options_.http) {}

void OidcClientCredentialsSource::Fetch(Callback done) {
  FormBody form;
  form.Add("grant_type", "client_credentials");
  if (!options_.scope.empty()) form.Add("scope", options_.scope);
  if (!options_.audience.empty()) form.Add("audience", options_.audience);
  std::vector<transport::HttpHeader> headers = {
      {"Content-Type", std::string(FormBody::kContentType)}, {"Accept", "application/json"}};
  if (!options_.client_assertion_file.empty()) {
    auto assertion = ReadTokenFile(options_.client_assertion_file);
    if (!assertion.has_value()) {
      done(std::move(assertion).error().WithContext(description_));
      return;
    }
    form.Add("client_id", options_.client_id)
        .Add("client_assertion_type", kJwtBearerAssertion)
        .Add("client_assertion", *assertion);
  } else {
    std::string plain;
    FormBody::AppendEncoded(plain, options_.client_id);
    plain.push_back(':');
    FormBody::AppendEncoded(plain, options_.client_secret);
    std::string basic = "Basic ";
    transport::AppendBase64(basic, transport::AsBytes(plain));
    headers.push_back({"Authorization", std::move(basic)});
  }
  client_.Send(options_.token_url, "POST", std::move(headers), form.Take(),
               [this, done = std::move(done)](base::Result<transport::HttpResponse> r) {
                 if (!r.has_value()) {
                   done(std::move(r).error().WithContext(description_));
                   return;
                 }
                 done(ParseOAuthTokenResponse(description_, *r, WallNow(clock_)));
               });
}

}  // namespace auth
