#include "tests/esim/authenticator.h"

#include "platforms/base/json_writer.h"
#include "platforms/base/log.h"
#include "tests/esim/auth_policy.h"

namespace esim {
namespace {

constexpr std::string_view kAnonymousNotAllowed =
    "unable to authenticate with provided credentials and anonymous access is not allowed for "
    "this request";

std::string WwwAuthenticateJson() {
  std::string out = "{\"WWW-Authenticate\":[";
  bool first = true;
  for (std::string_view value : AuthPolicy::kWwwAuthenticate) {
    if (!first) out += ',';
    first = false;
    base::AppendJsonString(out, value);
  }
  out += "]}";
  return out;
}

// ES's 401: `reason`, and what the realm said as additional_unsuccessful_credentials.
EsError Unauthenticated(std::string reason, std::string_view realm_detail) {
  EsError error(401, "security_exception", std::move(reason));
  if (!realm_detail.empty()) error.WithString("additional_unsuccessful_credentials", realm_detail);
  error.With("header", WwwAuthenticateJson());
  return error;
}

// "Scheme credentials" with a case-insensitive scheme; nullopt for another scheme.
std::optional<std::string_view> Credential(std::string_view header, std::string_view scheme) {
  if (header.size() <= scheme.size() || header[scheme.size()] != ' ') return std::nullopt;
  if (!EqualsIgnoreCase(header.substr(0, scheme.size()), scheme)) return std::nullopt;
  std::string_view rest = header.substr(scheme.size() + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return rest;
}

Authenticator::Outcome Refuse(AuthFailure failure, EsError error) {
  Authenticator::Outcome outcome;
  outcome.failure = failure;
  outcome.status = error.status;
  outcome.error = std::move(error);
  return outcome;
}

}  // namespace

std::optional<AuthMode> Authenticator::ParseMode(std::string_view text) {
  if (text == "basic") return AuthMode::kBasic;
  if (text == "api-key") return AuthMode::kApiKey;
  if (text == "bearer-jwt") return AuthMode::kBearerJwt;
  if (text == "sigv4") return AuthMode::kSigV4;
  return std::nullopt;
}

base::Result<std::shared_ptr<const Authenticator>> Authenticator::Create(
    AuthenticatorOptions options) {
  std::optional<JwtVerifier> jwt;
  switch (options.mode) {
    case AuthMode::kNone:
      break;
    case AuthMode::kBasic:
      if (options.basic.find(':') == std::string::npos) {
        return base::InvalidArgument("--auth basic needs --basic USER:PASS");
      }
      break;
    case AuthMode::kApiKey:
      if (options.api_key.find(':') == std::string::npos) {
        return base::InvalidArgument("--auth api-key needs --api-key ID:KEY");
      }
      break;
    case AuthMode::kBearerJwt: {
      if (options.jwt.jwks_path.empty() || options.jwt.audience.empty()) {
        return base::InvalidArgument("--auth bearer-jwt needs --jwks FILE and --audience AUD");
      }
      base::Result<JwtVerifier> loaded = JwtVerifier::Load(options.jwt);
      if (!loaded.has_value()) return std::move(loaded).error();
      jwt = std::move(loaded.value());
      break;
    }
    case AuthMode::kSigV4:
      if (options.sigv4.access_key_id.empty() || options.sigv4.secret_access_key.empty()) {
        return base::InvalidArgument(
            "--auth sigv4 needs --aws-access-key-id and --aws-secret-access-key");
      }
      break;
  }
  return std::shared_ptr<const Authenticator>(
      std::make_shared<Authenticator>(std::move(options), std::move(jwt)));
}

Authenticator::Outcome Authenticator::Authenticate(const HttpRequest& request,
                                                   int64_t now_unix_seconds) const {
  Outcome ok;
  const std::string_view authorization = request.Header("authorization");
  if (options_.mode == AuthMode::kNone) return ok;
  if (authorization.empty()) {
    return Refuse(AuthFailure::kMissing,
                  Unauthenticated(base::StrCat("missing authentication credentials for REST "
                                               "request [",
                                               request.target, "]"),
                                  ""));
  }
  switch (options_.mode) {
    case AuthMode::kNone:
      return ok;
    case AuthMode::kBasic: {
      std::optional<std::string_view> basic = Credential(authorization, "Basic");
      if (basic && *basic == AuthPolicy::Base64Encode(options_.basic)) {
        ok.principal = options_.basic.substr(0, options_.basic.find(':'));
        return ok;
      }
      std::optional<std::string> decoded = basic ? AuthPolicy::Base64Decode(*basic) : std::nullopt;
      if (decoded && decoded->find(':') != std::string::npos) {
        return Refuse(AuthFailure::kInvalid,
                      Unauthenticated(base::StrCat("unable to authenticate user [",
                                                   decoded->substr(0, decoded->find(':')),
                                                   "] for REST request [", request.target, "]"),
                                      ""));
      }
      return Refuse(AuthFailure::kInvalid, Unauthenticated(std::string(kAnonymousNotAllowed), ""));
    }
    case AuthMode::kApiKey: {
      std::optional<std::string_view> key = Credential(authorization, "ApiKey");
      std::optional<std::string> decoded = key ? AuthPolicy::Base64Decode(*key) : std::nullopt;
      if (decoded && *decoded == options_.api_key) {
        ok.principal = options_.api_key.substr(0, options_.api_key.find(':'));
        return ok;
      }
      return Refuse(
          AuthFailure::kInvalid,
          Unauthenticated(std::string(kAnonymousNotAllowed),
                          key ? "apikey: unable to authenticate with the provided API key" : ""));
    }
    case AuthMode::kBearerJwt: {
      std::optional<std::string_view> token = Credential(authorization, "Bearer");
      if (!token) {
        return Refuse(AuthFailure::kInvalid,
                      Unauthenticated(std::string(kAnonymousNotAllowed), ""));
      }
      JwtVerifier::Verdict verdict = jwt_->Verify(*token, now_unix_seconds);
      if (verdict.outcome == JwtVerifier::Outcome::kOk) {
        ok.principal = verdict.subject;
        return ok;
      }
      const AuthFailure failure = verdict.outcome == JwtVerifier::Outcome::kExpired
                                      ? AuthFailure::kExpired
                                      : AuthFailure::kInvalid;
      return Refuse(failure, Unauthenticated(std::string(kAnonymousNotAllowed),
                                             base::StrCat("jwt: ", verdict.reason)));
    }
    case AuthMode::kSigV4: {
      SigV4Verifier::Verdict verdict = sigv4_.Verify(request, now_unix_seconds);
      if (verdict.outcome == SigV4Verifier::Outcome::kOk) {
        ok.principal = options_.sigv4.access_key_id;
        return ok;
      }
      if (verdict.outcome == SigV4Verifier::Outcome::kSkew) {
        Outcome skew;
        skew.failure = AuthFailure::kSignatureExpired;
        skew.status = 403;
        skew.aws_message = std::move(verdict.reason);
        return skew;
      }
      return Refuse(AuthFailure::kInvalid,
                    Unauthenticated(std::string(kAnonymousNotAllowed),
                                    base::StrCat("sigv4: ", verdict.reason)));
    }
  }
  return ok;
}

}  // namespace esim
