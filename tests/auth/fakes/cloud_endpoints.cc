#include "tests/auth/fakes/cloud_endpoints.h"

#include <ctime>

#include "auth/base64_decoder.h"
#include "transport/base64.h"

namespace auth::testing {

using transport::HttpHeader;
using transport::testing::HttpResponseText;
using transport::testing::ReceivedRequest;
using transport::testing::Reply;

namespace {

int Hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string Decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size() && Hex(text[i + 1]) >= 0 &&
               Hex(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(Hex(text[i + 1]) * 16 + Hex(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::string Header(const ReceivedRequest& r, std::string_view name) {
  auto v = transport::FindHeader(r.headers, name);
  return v ? std::string(*v) : std::string();
}

}  // namespace

std::map<std::string, std::string> ParseForm(std::string_view text) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t amp = text.find('&', start);
    std::string_view piece = text.substr(start, amp == std::string_view::npos ? amp : amp - start);
    std::size_t eq = piece.find('=');
    out[Decode(piece.substr(0, eq))] =
        eq == std::string_view::npos ? "" : Decode(piece.substr(eq + 1));
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return out;
}

std::string_view QueryOf(std::string_view target) {
  std::size_t q = target.find('?');
  return q == std::string_view::npos ? std::string_view() : target.substr(q + 1);
}

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

std::string UnsignedJwt(std::string_view claims_json) {
  std::string jwt;
  transport::AppendBase64Url(jwt, transport::AsBytes("{\"alg\":\"none\",\"typ\":\"JWT\"}"));
  jwt += ".";
  transport::AppendBase64Url(jwt, transport::AsBytes(claims_json));
  jwt += ".";
  return jwt;
}

int64_t UnixNow() { return static_cast<int64_t>(std::time(nullptr)); }

std::string Iso8601(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

FakeEndpoint::FakeEndpoint(uv_loop_t* loop)
    : server_(loop, [this](const ReceivedRequest& r) {
        if (down_) return Text(503, "Service Unavailable");
        return Handle(r);
      }) {}

Reply FakeEndpoint::Json(int status, std::string_view body) {
  return Reply{HttpResponseText(status, body, {{"Content-Type", "application/json"}})};
}

Reply FakeEndpoint::Text(int status, std::string_view body,
                         const std::vector<HttpHeader>& headers) {
  std::vector<HttpHeader> all = headers;
  all.push_back({"Content-Type", "text/plain"});
  return Reply{HttpResponseText(status, body, all)};
}

// ---- AWS IMDSv2 (docs: "Use IMDSv2") -------------------------------------------------

FakeAwsImds::FakeAwsImds(uv_loop_t* loop, std::string role, std::string access_key_id,
                         std::string secret, std::string session_token)
    : FakeEndpoint(loop),
      role_(std::move(role)),
      access_key_id_(std::move(access_key_id)),
      secret_(std::move(secret)),
      session_token_(std::move(session_token)) {}

Reply FakeAwsImds::Handle(const ReceivedRequest& r) {
  if (!Header(r, "X-Forwarded-For").empty()) return Text(403, "Forbidden");
  if (r.target == "/latest/api/token") {
    if (r.method != "PUT") return Text(405, "Method Not Allowed");
    std::string ttl = Header(r, "X-aws-ec2-metadata-token-ttl-seconds");
    int seconds = ttl.empty() ? 0 : std::atoi(ttl.c_str());
    if (seconds < 1 || seconds > 21600) return Text(400, "Bad Request");
    std::string token = "imds-session-" + std::to_string(next_session_++);
    sessions_[token] = UnixNow() + seconds;
    return Text(200, token, {{"X-aws-ec2-metadata-token-ttl-seconds", ttl}});
  }
  // Every metadata read needs a live session token; IMDSv1 (no token) is disabled.
  auto session = sessions_.find(Header(r, "X-aws-ec2-metadata-token"));
  if (session == sessions_.end() || session->second < UnixNow()) return Text(401, "Unauthorized");
  const std::string base = "/latest/meta-data/iam/security-credentials/";
  if (r.target == base) return Text(200, role_);
  if (r.target == base + role_) {
    ++tokens_issued_;
    int64_t now = UnixNow();
    return Json(200, "{\"Code\":\"Success\",\"LastUpdated\":\"" + Iso8601(now) +
                         "\",\"Type\":\"AWS-HMAC\",\"AccessKeyId\":\"" + access_key_id_ +
                         "\",\"SecretAccessKey\":\"" + secret_ + "\",\"Token\":\"" +
                         session_token_ + "\",\"Expiration\":\"" +
                         Iso8601(now + lifetime_.count()) + "\"}");
  }
  return Text(404, "Not Found");
}

// ---- ECS / EKS Pod Identity container credentials ------------------------------------

FakeEcsCredentials::FakeEcsCredentials(uv_loop_t* loop, std::string path, std::string authorization,
                                       std::string access_key_id, std::string secret,
                                       std::string session_token)
    : FakeEndpoint(loop),
      path_(std::move(path)),
      authorization_(std::move(authorization)),
      access_key_id_(std::move(access_key_id)),
      secret_(std::move(secret)),
      session_token_(std::move(session_token)) {}

Reply FakeEcsCredentials::Handle(const ReceivedRequest& r) {
  if (r.method != "GET" || r.target != path_) {
    return Json(404, "{\"code\":\"NotFound\",\"message\":\"no such credentials\"}");
  }
  if (!authorization_.empty() && Header(r, "Authorization") != authorization_) {
    return Json(401, "{\"code\":\"AccessDeniedException\",\"message\":\"invalid token\"}");
  }
  ++tokens_issued_;
  return Json(200, "{\"AccessKeyId\":\"" + access_key_id_ + "\",\"SecretAccessKey\":\"" + secret_ +
                       "\",\"Token\":\"" + session_token_ +
                       "\",\"RoleArn\":\"arn:aws:iam::123456789012:role/shipper\","
                       "\"Expiration\":\"" +
                       Iso8601(UnixNow() + lifetime_.count()) + "\"}");
}

// ---- STS AssumeRoleWithWebIdentity ----------------------------------------------------

FakeSts::FakeSts(uv_loop_t* loop, std::string accepted_jwt, std::string role_arn,
                 std::string access_key_id, std::string secret, std::string session_token)
    : FakeEndpoint(loop),
      accepted_jwt_(std::move(accepted_jwt)),
      role_arn_(std::move(role_arn)),
      access_key_id_(std::move(access_key_id)),
      secret_(std::move(secret)),
      session_token_(std::move(session_token)) {}

Reply FakeSts::Handle(const ReceivedRequest& r) {
  auto error = [](int status, std::string_view type, std::string_view code,
                  std::string_view message) {
    return Reply{HttpResponseText(
        status,
        std::string("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                    "<Error><Type>") +
            std::string(type) + "</Type><Code>" + std::string(code) + "</Code><Message>" +
            std::string(message) +
            "</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId>"
            "</ErrorResponse>",
        {{"Content-Type", "text/xml"}})};
  };
  if (r.method != "POST" ||
      !Header(r, "Content-Type").starts_with("application/x-www-form-urlencoded")) {
    return error(400, "Sender", "InvalidAction", "Could not find operation for the request");
  }
  auto form = ParseForm(r.body);
  if (form["Action"] != "AssumeRoleWithWebIdentity" || form["Version"] != "2011-06-15") {
    return error(400, "Sender", "InvalidAction", "Could not find operation");
  }
  if (form["RoleSessionName"].empty() || form["RoleArn"].empty()) {
    return error(400, "Sender", "ValidationError", "RoleArn and RoleSessionName are required");
  }
  if (form["RoleArn"] != role_arn_) {
    return error(403, "Sender", "AccessDenied",
                 "Not authorized to perform sts:AssumeRoleWithWebIdentity");
  }
  if (form["WebIdentityToken"] != accepted_jwt_) {
    return error(400, "Sender", "InvalidIdentityToken",
                 "Couldn't retrieve verification key from your identity provider");
  }
  ++tokens_issued_;
  return Reply{HttpResponseText(
      200,
      "<AssumeRoleWithWebIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
      "<AssumeRoleWithWebIdentityResult>"
      "<SubjectFromWebIdentityToken>system:serviceaccount:logging:shipper</"
      "SubjectFromWebIdentityToken>"
      "<Audience>sts.amazonaws.com</Audience>"
      "<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/shipper/" +
          form["RoleSessionName"] + "</Arn><AssumedRoleId>AROAEXAMPLE:" + form["RoleSessionName"] +
          "</AssumedRoleId></AssumedRoleUser>"
          "<Credentials><SessionToken>" +
          session_token_ + "</SessionToken><SecretAccessKey>" + secret_ +
          "</SecretAccessKey><Expiration>" + Iso8601(UnixNow() + lifetime_.count()) +
          "</Expiration><AccessKeyId>" + access_key_id_ +
          "</AccessKeyId></Credentials>"
          "<Provider>oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE</Provider>"
          "</AssumeRoleWithWebIdentityResult>"
          "<ResponseMetadata><RequestId>11111111-1111-1111-1111-111111111111</RequestId>"
          "</ResponseMetadata></AssumeRoleWithWebIdentityResponse>",
      {{"Content-Type", "text/xml"}})};
}

// ---- GCP metadata server identity tokens ----------------------------------------------

FakeGcpMetadata::FakeGcpMetadata(uv_loop_t* loop) : FakeEndpoint(loop) {}

Reply FakeGcpMetadata::Handle(const ReceivedRequest& r) {
  const std::vector<HttpHeader> flavor = {{"Metadata-Flavor", "Google"}};
  if (!Header(r, "X-Forwarded-For").empty()) return Text(403, "Forbidden", flavor);
  if (Header(r, "Metadata-Flavor") != "Google") {
    // The real server's answer to a request without the header.
    return Reply{HttpResponseText(
        403, "Missing Metadata-Flavor:Google header.\n",
        {{"Metadata-Flavor", "Google"}, {"Content-Type", "text/html; charset=UTF-8"}})};
  }
  if (PathOf(r.target) != "/computeMetadata/v1/instance/service-accounts/default/identity") {
    return Text(404, "Not Found", flavor);
  }
  auto query = ParseForm(QueryOf(r.target));
  if (query["audience"].empty()) return Text(400, "non-empty audience parameter required", flavor);
  ++tokens_issued_;
  int64_t now = UnixNow();
  std::string claims = "{\"aud\":\"" + query["audience"] + "\",\"azp\":\"1234567890\",\"exp\":" +
                       std::to_string(now + lifetime_.count()) + ",\"iat\":" + std::to_string(now) +
                       ",\"iss\":\"https://accounts.google.com\",\"sub\":\"1234567890\"";
  if (query["format"] == "full") {
    claims += ",\"email\":\"shipper@proj.iam.gserviceaccount.com\",\"email_verified\":true";
  }
  claims += ",\"n\":" + std::to_string(tokens_issued_) + "}";
  last_token_ = UnsignedJwt(claims);
  return Text(200, last_token_, flavor);
}

// ---- Azure IMDS managed identity ----------------------------------------------------

FakeAzureImds::FakeAzureImds(uv_loop_t* loop) : FakeEndpoint(loop) {}

Reply FakeAzureImds::Handle(const ReceivedRequest& r) {
  if (!Header(r, "X-Forwarded-For").empty()) {
    return Json(400,
                "{\"error\":\"invalid_request\",\"error_description\":\"Request contains "
                "X-Forwarded-For header\"}");
  }
  if (Header(r, "Metadata") != "true") {
    return Json(400,
                "{\"error\":\"invalid_request\",\"error_description\":\"Required metadata header "
                "not specified\"}");
  }
  if (PathOf(r.target) != "/metadata/identity/oauth2/token") {
    return Json(404, "{\"error\":\"not_found\"}");
  }
  auto query = ParseForm(QueryOf(r.target));
  if (query["api-version"].empty()) {
    return Json(400,
                "{\"error\":\"invalid_request\",\"error_description\":\"Required query variable "
                "'api-version' is missing\"}");
  }
  if (query["resource"].empty()) {
    return Json(400,
                "{\"error\":\"invalid_request\",\"error_description\":\"Required audience "
                "parameter not specified\"}");
  }
  ++tokens_issued_;
  int64_t now = UnixNow();
  last_token_ = UnsignedJwt("{\"aud\":\"" + query["resource"] +
                            "\",\"iss\":\"https://sts.windows.net/tenant/\",\"exp\":" +
                            std::to_string(now + lifetime_.count()) +
                            ",\"n\":" + std::to_string(tokens_issued_) + "}");
  // IMDS sends every number as a string.
  return Json(200, "{\"access_token\":\"" + last_token_ +
                       "\",\"refresh_token\":\"\",\"expires_in\":\"" +
                       std::to_string(lifetime_.count()) + "\",\"expires_on\":\"" +
                       std::to_string(now + lifetime_.count()) + "\",\"not_before\":\"" +
                       std::to_string(now) + "\",\"resource\":\"" + query["resource"] +
                       "\",\"token_type\":\"Bearer\"}");
}

// ---- OAuth 2.0 client credentials (RFC 6749 §4.4, §5.2 errors) -----------------------

FakeOAuthServer::FakeOAuthServer(uv_loop_t* loop, std::string path, std::string client_id,
                                 std::string client_secret, std::string assertion)
    : FakeEndpoint(loop),
      path_(std::move(path)),
      client_id_(std::move(client_id)),
      client_secret_(std::move(client_secret)),
      assertion_(std::move(assertion)) {}

Reply FakeOAuthServer::Handle(const ReceivedRequest& r) {
  auto error = [](int status, std::string_view code, std::string_view description) {
    return Reply{
        HttpResponseText(status,
                         "{\"error\":\"" + std::string(code) + "\",\"error_description\":\"" +
                             std::string(description) + "\"}",
                         {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}})};
  };
  if (r.method != "POST" || PathOf(r.target) != path_)
    return error(404, "not_found", "no such endpoint");
  if (!Header(r, "Content-Type").starts_with("application/x-www-form-urlencoded")) {
    return error(400, "invalid_request", "form body required");
  }
  last_form_ = ParseForm(r.body);
  auto form = last_form_;  // a copy: operator[] below must not add keys to what tests see
  if (form["grant_type"] != "client_credentials") {
    return error(400, "unsupported_grant_type", "only client_credentials");
  }
  std::string id = form["client_id"];
  std::string secret = form["client_secret"];
  std::string basic = Header(r, "Authorization");
  if (basic.starts_with("Basic ")) {
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before the base64 of Basic.
    auto plain = DecodeBase64(std::string_view(basic).substr(6));
    std::size_t colon = plain ? plain->find(':') : std::string::npos;
    if (colon == std::string::npos) return error(401, "invalid_client", "malformed Basic header");
    id = Decode(std::string_view(*plain).substr(0, colon));
    secret = Decode(std::string_view(*plain).substr(colon + 1));
  }
  bool by_secret = id == client_id_ && !client_secret_.empty() && secret == client_secret_;
  bool by_assertion =
      id == client_id_ && !assertion_.empty() &&
      form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" &&
      form["client_assertion"] == assertion_;
  if (!by_secret && !by_assertion)
    return error(401, "invalid_client", "client authentication failed");
  ++tokens_issued_;
  int64_t now = UnixNow();
  last_token_ =
      UnsignedJwt("{\"sub\":\"" + id + "\",\"exp\":" + std::to_string(now + lifetime_.count()) +
                  ",\"n\":" + std::to_string(tokens_issued_) + "}");
  std::string body = "{\"access_token\":\"" + last_token_ + "\",\"token_type\":\"Bearer\"";
  if (!omit_expires_in_) body += ",\"expires_in\":" + std::to_string(lifetime_.count());
  body += "}";
  return Reply{HttpResponseText(
      200, body, {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}})};
}

}  // namespace auth::testing
