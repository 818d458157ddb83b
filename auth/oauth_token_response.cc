#include "auth/oauth_token_response.h"

#include <simdjson.h>

#include <charconv>

#include "auth/endpoint_client.h"
#include "auth/jwt_claims.h"
#include "platforms/base/log.h"

namespace auth {
namespace {

// A JSON number or a string holding one, as whole seconds.
std::optional<int64_t> Seconds(simdjson::dom::element value) {
  int64_t n = 0;
  double d = 0;
  std::string_view text;
  if (value.get_int64().get(n) == simdjson::SUCCESS) return n;
  if (value.get_double().get(d) == simdjson::SUCCESS) return static_cast<int64_t>(d);
  if (value.get_string().get(text) == simdjson::SUCCESS) {
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec == std::errc() && end == text.data() + text.size()) return n;
  }
  return std::nullopt;
}

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  return transport::HeaderNameEquals(a, b);
}

}  // namespace

base::Result<Token> ParseOAuthTokenResponse(std::string_view what,
                                            const transport::HttpResponse& response, WallTime now) {
  simdjson::dom::parser parser;
  simdjson::padded_string body(response.body);
  simdjson::dom::object obj;
  bool is_object = parser.parse(body).get_object().get(obj) == simdjson::SUCCESS;
  if (response.status != 200) {
    std::string_view error;
    std::string_view description;
    if (is_object) {
      // Either may be absent; an absent one stays empty.
      if (obj["error"].get_string().get(error) != simdjson::SUCCESS) error = {};
      if (obj["error_description"].get_string().get(description) != simdjson::SUCCESS) {
        description = {};
      }
    }
    std::string message =
        base::StrCat(what, ": HTTP ", response.status, error.empty() ? "" : ": ", error,
                     description.empty() ? "" : " (", ErrorBodyExcerpt(description),
                     description.empty() ? "" : ")");
    // AADSTS700024: the federated assertion expired; the next read of its file fixes it.
    if (description.find("AADSTS700024") != std::string_view::npos) {
      return base::Unavailable(message);
    }
    if (error == "invalid_client" || error == "unauthorized_client" || error == "invalid_grant" ||
        response.status == 401) {
      return base::Unauthenticated(message);
    }
    if (response.status == 429 || response.status >= 500) return base::Unavailable(message);
    if (response.status == 403) return base::PermissionDenied(message);
    return base::InvalidArgument(message);
  }
  if (!is_object) return base::Corruption(base::StrCat(what, ": the answer is not a JSON object"));
  std::string_view access_token;
  if (obj["access_token"].get_string().get(access_token) != simdjson::SUCCESS ||
      access_token.empty()) {
    return base::Corruption(base::StrCat(what, ": no access_token in the answer"));
  }
  std::string_view token_type;
  if (obj["token_type"].get_string().get(token_type) == simdjson::SUCCESS &&
      !EqualsIgnoringCase(token_type, "Bearer")) {
    return base::Corruption(base::StrCat(what, ": token_type \"", ErrorBodyExcerpt(token_type, 40),
                                         "\" is not Bearer"));
  }
  Token token;
  token.secret = std::string(access_token);
  token.obtained_at = now;
  simdjson::dom::element value;
  if (obj["expires_in"].get(value) == simdjson::SUCCESS) {
    if (auto s = Seconds(value); s && *s > 0) token.expires_at = now + std::chrono::seconds(*s);
  }
  if (!token.expires_at && obj["expires_on"].get(value) == simdjson::SUCCESS) {
    if (auto s = Seconds(value)) token.expires_at = FromUnixSeconds(*s);
  }
  if (auto claims = ParseJwtClaims(access_token); claims.has_value()) {
    if (!token.expires_at && claims->expires_at_unix_s) {
      token.expires_at = FromUnixSeconds(*claims->expires_at_unix_s);
    }
    token.identity = claims->Describe();
    token.subject = claims->subject;
  }
  return token;
}

}  // namespace auth
