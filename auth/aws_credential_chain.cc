#include "auth/aws_credential_chain.h"

#include <simdjson.h>

#include <array>
#include <cerrno>
#include <ctime>
#include <utility>

#include "auth/form_body.h"
#include "auth/token_file_source.h"
#include "platforms/base/log.h"

namespace auth {
namespace {

using transport::HttpHeader;
using transport::HttpResponse;

constexpr std::string_view kDefaultImdsEndpoint = "http://169.254.169.254";
constexpr std::string_view kEcsHost = "http://169.254.170.2";
// IMDSv2 session token lifetime; 6 h is the maximum and what botocore asks for.
constexpr std::string_view kImdsTokenTtlSeconds = "21600";

// The status of a non-2xx answer, by what the caller should do about it.
base::Status HttpFailure(std::string_view what, const HttpResponse& r, std::string_view detail) {
  std::string message = base::StrCat(what, ": HTTP ", r.status, detail.empty() ? "" : ": ", detail);
  if (r.status == 401) return base::Unauthenticated(message);
  if (r.status == 403) return base::PermissionDenied(message);
  if (r.status == 400 || r.status == 404) return base::InvalidArgument(message);
  return base::Unavailable(message);
}

// Reads AWS's credential JSON (ECS and IMDS share the field names; IMDS adds Code).
base::Result<Token> ParseCredentialJson(std::string_view what, std::string_view body,
                                        std::string_view token_field) {
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  simdjson::padded_string padded(body);
  if (parser.parse(padded).get_object().get(obj) != simdjson::SUCCESS) {
    return base::Corruption(base::StrCat(what, ": the answer is not a JSON object"));
  }
  std::string_view code;
  if (obj["Code"].get_string().get(code) == simdjson::SUCCESS && code != "Success") {
    return base::Unavailable(base::StrCat(what, ": Code ", code));
  }
  std::string_view key_id;
  std::string_view secret;
  std::string_view session;
  std::string_view expiration;
  if (obj["AccessKeyId"].get_string().get(key_id) != simdjson::SUCCESS ||
      obj["SecretAccessKey"].get_string().get(secret) != simdjson::SUCCESS || key_id.empty() ||
      secret.empty()) {
    return base::Corruption(base::StrCat(what, ": AccessKeyId or SecretAccessKey missing"));
  }
  Token token;
  token.access_key_id = std::string(key_id);
  token.secret = std::string(secret);
  if (obj[token_field].get_string().get(session) == simdjson::SUCCESS) {
    token.session_token = std::string(session);
  }
  if (obj["Expiration"].get_string().get(expiration) == simdjson::SUCCESS) {
    token.expires_at = ParseIso8601Utc(expiration);
    if (!token.expires_at) {
      return base::Corruption(base::StrCat(what, ": Expiration is not an ISO 8601 UTC time"));
    }
  }
  std::string_view role;
  token.identity = base::StrCat("access key ", key_id);
  if (obj["RoleArn"].get_string().get(role) == simdjson::SUCCESS) {
    token.identity += base::StrCat(", role ", role);
  }
  return token;
}

// The text of the first <tag>...</tag> in `xml`, entities decoded; empty when absent.
std::string XmlText(std::string_view xml, std::string_view tag) {
  std::string open = base::StrCat("<", tag, ">");
  std::string close = base::StrCat("</", tag, ">");
  std::size_t start = xml.find(open);
  if (start == std::string_view::npos) return {};
  start += open.size();
  std::size_t end = xml.find(close, start);
  if (end == std::string_view::npos) return {};
  std::string_view raw = xml.substr(start, end - start);
  std::string out;
  out.reserve(raw.size());
  static constexpr std::array<std::pair<std::string_view, char>, 5> kEntities = {
      {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}}};
  for (std::size_t i = 0; i < raw.size(); ++i) {
    bool replaced = false;
    if (raw[i] == '&') {
      for (const auto& [entity, c] : kEntities) {
        if (raw.substr(i).starts_with(entity)) {
          out.push_back(c);
          i += entity.size() - 1;
          replaced = true;
          break;
        }
      }
    }
    if (!replaced) out.push_back(raw[i]);
  }
  return out;
}

// 1. Keys in the environment; re-read on every fetch so a 401 picks up a change.
class EnvironmentSource final : public TokenSource {
 public:
  explicit EnvironmentSource(Environment env) : env_(std::move(env)) {}
  void Fetch(Callback done) override {
    auto id = env_("AWS_ACCESS_KEY_ID");
    auto secret = env_("AWS_SECRET_ACCESS_KEY");
    if (!id || !secret) {
      done(base::InvalidArgument("AWS_ACCESS_KEY_ID or AWS_SECRET_ACCESS_KEY is not set"));
      return;
    }
    Token token;
    token.access_key_id = *id;
    token.secret = *secret;
    token.session_token = env_("AWS_SESSION_TOKEN").value_or("");
    token.identity = base::StrCat("access key ", *id);
    done(std::move(token));
  }
  std::string_view Describe() const override { return "aws environment"; }

 private:
  Environment env_;
};

// 2. IRSA: the projected JWT exchanged with STS AssumeRoleWithWebIdentity (unsigned call).
class WebIdentitySource final : public TokenSource {
 public:
  WebIdentitySource(uv_loop_t* loop, const base::Clock& clock, std::string token_file,
                    std::string role_arn, std::string session_name, std::string sts_url,
                    EndpointClient::Options http)
      : clock_(clock),
        token_file_(std::move(token_file)),
        role_arn_(std::move(role_arn)),
        session_name_(std::move(session_name)),
        sts_url_(std::move(sts_url)),
        description_(base::StrCat("aws web identity ", role_arn_, " via ", sts_url_)),
        client_(loop, http) {}

  void Fetch(Callback done) override {
    auto jwt = ReadTokenFile(token_file_);
    if (!jwt.has_value()) {
      done(std::move(jwt).error().WithContext("AWS_WEB_IDENTITY_TOKEN_FILE"));
      return;
    }
    FormBody form;
    form.Add("Action", "AssumeRoleWithWebIdentity")
        .Add("Version", "2011-06-15")
        .Add("RoleArn", role_arn_)
        .Add("RoleSessionName", session_name_)
        .Add("WebIdentityToken", *jwt);
    client_.Send(sts_url_, "POST",
                 {{"Content-Type", std::string(FormBody::kContentType)}, {"Accept", "text/xml"}},
                 form.Take(), [this, done = std::move(done)](base::Result<HttpResponse> r) {
                   done(OnAnswer(std::move(r)));
                 });
  }
  std::string_view Describe() const override { return description_; }

 private:
  base::Result<Token> OnAnswer(base::Result<HttpResponse> r) {
    if (!r.has_value()) return std::move(r).error().WithContext("STS AssumeRoleWithWebIdentity");
    if (r->status != 200) {
      std::string code = XmlText(r->body, "Code");
      std::string detail = base::StrCat(code, code.empty() ? "" : ": ",
                                        ErrorBodyExcerpt(XmlText(r->body, "Message")));
      // Expired or not-yet-valid JWTs and IdP hiccups heal by themselves: retry.
      if (code == "ExpiredTokenException" || code == "IDPCommunicationError" ||
          code == "Throttling") {
        return base::Unavailable(base::StrCat("STS AssumeRoleWithWebIdentity: ", detail));
      }
      if (code == "AccessDenied" || code == "InvalidIdentityToken") {
        return base::PermissionDenied(base::StrCat("STS AssumeRoleWithWebIdentity: ", detail));
      }
      return HttpFailure("STS AssumeRoleWithWebIdentity", *r, detail);
    }
    Token token;
    token.access_key_id = XmlText(r->body, "AccessKeyId");
    token.secret = XmlText(r->body, "SecretAccessKey");
    token.session_token = XmlText(r->body, "SessionToken");
    token.expires_at = ParseIso8601Utc(XmlText(r->body, "Expiration"));
    token.obtained_at = WallNow(clock_);
    if (token.access_key_id.empty() || token.secret.empty() || !token.expires_at) {
      return base::Corruption("STS AssumeRoleWithWebIdentity: credentials missing in the answer");
    }
    token.identity = base::StrCat("assumed role ", XmlText(r->body, "Arn"));
    return token;
  }

  const base::Clock& clock_;
  const std::string token_file_;
  const std::string role_arn_;
  const std::string session_name_;
  const std::string sts_url_;
  const std::string description_;
  EndpointClient client_;
};

// 3. ECS task role / EKS Pod Identity: a GET on the container credentials endpoint.
class ContainerSource final : public TokenSource {
 public:
  ContainerSource(uv_loop_t* loop, std::string url, Environment env, EndpointClient::Options http)
      : url_(std::move(url)),
        env_(std::move(env)),
        description_(base::StrCat("aws container credentials ", url_)),
        client_(loop, http) {}

  void Fetch(Callback done) override {
    std::vector<HttpHeader> headers = {{"Accept", "application/json"}};
    if (auto file = env_("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
      auto token = ReadTokenFile(*file);  // rotates: read on every fetch
      if (!token.has_value()) {
        done(std::move(token).error().WithContext("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"));
        return;
      }
      headers.push_back({"Authorization", std::move(token.value())});
    } else if (auto token = env_("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
      headers.push_back({"Authorization", *token});
    }
    client_.Send(url_, "GET", std::move(headers), "",
                 [this, done = std::move(done)](base::Result<HttpResponse> r) {
                   if (!r.has_value()) {
                     done(std::move(r).error().WithContext(description_));
                   } else if (r->status != 200) {
                     done(HttpFailure(description_, *r, ErrorBodyExcerpt(r->body)));
                   } else {
                     done(ParseCredentialJson(description_, r->body, "Token"));
                   }
                 });
  }
  std::string_view Describe() const override { return description_; }

 private:
  const std::string url_;
  Environment env_;
  const std::string description_;
  EndpointClient client_;
};

// 4. EC2 IMDSv2: PUT a session token, GET the role name, GET its credentials.
class ImdsSource final : public TokenSource {
 public:
  ImdsSource(uv_loop_t* loop, std::string endpoint, EndpointClient::Options http)
      : endpoint_(std::move(endpoint)),
        description_(base::StrCat("aws instance metadata ", endpoint_)),
        client_(loop, http) {}

  void Fetch(Callback done) override {
    client_.Send(base::StrCat(endpoint_, "/latest/api/token"), "PUT",
                 {{"X-aws-ec2-metadata-token-ttl-seconds", std::string(kImdsTokenTtlSeconds)}}, "",
                 [this, done = std::move(done)](base::Result<HttpResponse> r) mutable {
                   if (!r.has_value()) {
                     done(std::move(r).error().WithContext(
                         base::StrCat(description_,
                                      ": IMDSv2 token (from a container, the instance's "
                                      "HttpPutResponseHopLimit must be 2 or more)")));
                     return;
                   }
                   if (r->status != 200 || r->body.empty()) {
                     done(HttpFailure(base::StrCat(description_, ": IMDSv2 token"), *r, ""));
                     return;
                   }
                   GetRole(std::move(r->body), std::move(done));
                 });
  }
  std::string_view Describe() const override { return description_; }

 private:
  static constexpr std::string_view kCredentialsPath =
      "/latest/meta-data/iam/security-credentials/";

  void GetRole(std::string session, Callback done) {
    std::vector<HttpHeader> headers = {{"X-aws-ec2-metadata-token", session}};
    client_.Send(base::StrCat(endpoint_, kCredentialsPath), "GET", headers, "",
                 [this, session = std::move(session),
                  done = std::move(done)](base::Result<HttpResponse> r) mutable {
                   if (!r.has_value()) {
                     done(std::move(r).error().WithContext(description_));
                     return;
                   }
                   std::string_view role = r->body;
                   role = role.substr(0, role.find('\n'));
                   if (r->status != 200 || role.empty()) {
                     done(HttpFailure(base::StrCat(description_, ": no instance role"), *r, ""));
                     return;
                   }
                   GetCredentials(std::move(session), std::string(role), std::move(done));
                 });
  }

  void GetCredentials(std::string session, std::string role, Callback done) {
    client_.Send(base::StrCat(endpoint_, kCredentialsPath, role), "GET",
                 {{"X-aws-ec2-metadata-token", std::move(session)}}, "",
                 [this, role, done = std::move(done)](base::Result<HttpResponse> r) {
                   std::string what = base::StrCat(description_, " role ", role);
                   if (!r.has_value()) {
                     done(std::move(r).error().WithContext(what));
                   } else if (r->status != 200) {
                     done(HttpFailure(what, *r, ""));
                   } else {
                     auto token = ParseCredentialJson(what, r->body, "Token");
                     if (token.has_value())
                       token->identity += base::StrCat(", instance role ", role);
                     done(std::move(token));
                   }
                 });
  }

  const std::string endpoint_;
  const std::string description_;
  EndpointClient client_;
};

bool AllowedContainerUrl(std::string_view url) {
  auto split = SplitUrl::Parse(url);
  if (!split.has_value()) return false;
  if (split->endpoint.tls) return true;
  const std::string& host = split->endpoint.host;
  // botocore's rule: loopback, or the ECS / EKS Pod Identity link-local agents.
  return host == "localhost" || host.starts_with("127.") || host == "::1" ||
         host == "169.254.170.2" || host == "169.254.170.23" || host == "fd00:ec2::23";
}

}  // namespace

std::optional<WallTime> ParseIso8601Utc(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fff]Z
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':' ||
      (text.back() != 'Z' && text.back() != 'z')) {
    return std::nullopt;
  }
  auto number = [&](std::size_t pos, std::size_t len, int* out) {
    int v = 0;
    for (std::size_t i = pos; i < pos + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      v = v * 10 + (text[i] - '0');
    }
    *out = v;
    return true;
  };
  std::tm tm{};
  int year = 0;
  int month = 0;
  if (!number(0, 4, &year) || !number(5, 2, &month) || !number(8, 2, &tm.tm_mday) ||
      !number(11, 2, &tm.tm_hour) || !number(14, 2, &tm.tm_min) || !number(17, 2, &tm.tm_sec)) {
    return std::nullopt;
  }
  if (text.size() > 20 && text[19] != '.') return std::nullopt;
  if (month < 1 || month > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
      tm.tm_min > 59 || tm.tm_sec > 60) {
    return std::nullopt;
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  return FromUnixSeconds(static_cast<int64_t>(timegm(&tm)));
}

std::unique_ptr<TokenSource> MakeAwsCredentialSource(uv_loop_t* loop, const base::Clock& clock,
                                                     Environment env, AwsChainOptions options) {
  if (env("AWS_ACCESS_KEY_ID") && env("AWS_SECRET_ACCESS_KEY")) {
    return std::make_unique<EnvironmentSource>(std::move(env));
  }
  auto token_file = env("AWS_WEB_IDENTITY_TOKEN_FILE");
  auto role_arn = env("AWS_ROLE_ARN");
  if (token_file && role_arn) {
    std::string region = options.region;
    if (region.empty()) region = env("AWS_REGION").value_or(env("AWS_DEFAULT_REGION").value_or(""));
    std::string sts = options.sts_endpoint;
    if (sts.empty()) sts = env("AWS_ENDPOINT_URL_STS").value_or("");
    if (sts.empty()) {
      sts = region.empty() ? "https://sts.amazonaws.com"
                           : base::StrCat("https://sts.", region, ".amazonaws.com");
    }
    std::string session = env("AWS_ROLE_SESSION_NAME")
                              .value_or(base::StrCat("skiff-", ToUnixSeconds(WallNow(clock))));
    return std::make_unique<WebIdentitySource>(loop, clock, *token_file, *role_arn, session,
                                               sts + (sts.ends_with('/') ? "" : "/"), options.http);
  }
  if (auto relative = env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    return std::make_unique<ContainerSource>(loop, base::StrCat(kEcsHost, *relative), env,
                                             options.http);
  }
  if (auto full = env("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    if (AllowedContainerUrl(*full)) {
      return std::make_unique<ContainerSource>(loop, *full, env, options.http);
    }
    base::LogWarn("auth",
                  "AWS_CONTAINER_CREDENTIALS_FULL_URI ignored: plain http is allowed only to "
                  "loopback or the ECS / EKS Pod Identity agent addresses");
  }
  std::string imds = options.imds_endpoint;
  if (imds.empty()) {
    imds = env("AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or(std::string(kDefaultImdsEndpoint));
  }
  while (imds.ends_with('/')) imds.pop_back();
  return std::make_unique<ImdsSource>(loop, imds, options.http);
}

}  // namespace auth
