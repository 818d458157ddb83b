#include "auth/gcp_identity_source.h"

#include <utility>

#include "auth/form_body.h"
#include "auth/jwt_claims.h"
#include "platforms/base/log.h"

namespace auth {

GcpIdentitySource::GcpIdentitySource(uv_loop_t* loop, const base::Clock& clock,
                                     const Environment& env, GcpIdentityOptions options)
    : clock_(clock), client_(loop, options.http) {
  std::string base = options.metadata_url;
  if (base.empty()) {
    base = base::StrCat("http://", env("GCE_METADATA_HOST").value_or("metadata.google.internal"));
  }
  while (base.ends_with('/')) base.pop_back();
  url_ = base::StrCat(base, "/computeMetadata/v1/instance/service-accounts/",
                      options.service_account, "/identity?audience=");
  FormBody::AppendEncoded(url_, options.audience);
  url_ += "&format=full";
  description_ = base::StrCat("gcp_identity audience ", options.audience, " from ", base);
}

void GcpIdentitySource::Fetch(Callback done) {
  client_.Send(
      url_, "GET", {{"Metadata-Flavor", "Google"}}, "",
      [this, done = std::move(done)](base::Result<transport::HttpResponse> r) {
        if (!r.has_value()) {
          done(std::move(r).error().WithContext(description_));
          return;
        }
        auto flavor = r->Header("Metadata-Flavor");
        if (!flavor || *flavor != "Google") {
          done(base::Unavailable(base::StrCat(description_,
                                              ": the answer lacks Metadata-Flavor: Google; not a "
                                              "metadata server")));
          return;
        }
        if (r->status != 200) {
          std::string message =
              base::StrCat(description_, ": HTTP ", r->status, ": ", ErrorBodyExcerpt(r->body));
          done(r->status == 400 || r->status == 404 ? base::InvalidArgument(message)
               : r->status == 403                   ? base::PermissionDenied(message)
                                                    : base::Unavailable(message));
          return;
        }
        std::string_view jwt = r->body;
        while (!jwt.empty() && (jwt.back() == '\n' || jwt.back() == '\r')) {
          jwt.remove_suffix(1);
        }
        auto claims = ParseJwtClaims(jwt);
        if (!claims.has_value()) {
          done(std::move(claims).error().WithContext(description_));
          return;
        }
        Token token;
        token.secret = std::string(jwt);
        token.obtained_at = WallNow(clock_);
        if (claims->expires_at_unix_s) {
          token.expires_at = FromUnixSeconds(*claims->expires_at_unix_s);
        }
        token.identity = claims->Describe();
        token.subject = claims->subject;
        done(std::move(token));
      });
}

}  // namespace auth
