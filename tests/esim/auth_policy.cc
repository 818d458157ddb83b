#include "tests/esim/auth_policy.h"

#include "platforms/base/json_writer.h"
#include "platforms/base/log.h"
#include "tests/esim/http_message.h"

namespace esim {
namespace {

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Splits "Scheme credentials" and checks the scheme case-insensitively.
std::optional<std::string_view> Credential(std::string_view header, std::string_view scheme) {
  if (header.size() <= scheme.size() || header[scheme.size()] != ' ') return std::nullopt;
  if (!EqualsIgnoreCase(header.substr(0, scheme.size()), scheme)) return std::nullopt;
  std::string_view rest = header.substr(scheme.size() + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return rest;
}

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

}  // namespace

std::string AuthPolicy::Base64Encode(std::string_view bytes) {
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                 static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                 static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 2]));
    out += kBase64Alphabet[(v >> 18) & 63];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += kBase64Alphabet[(v >> 6) & 63];
    out += kBase64Alphabet[v & 63];
  }
  std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2) v |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    out += kBase64Alphabet[(v >> 18) & 63];
    out += kBase64Alphabet[(v >> 12) & 63];
    out += rest == 2 ? kBase64Alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> AuthPolicy::Base64Decode(std::string_view text) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    int v = Base64Value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

std::optional<EsError> AuthPolicy::Check(const RequiredCredentials& required,
                                         std::string_view authorization, std::string_view uri) {
  if (!required.any()) return std::nullopt;
  std::string reason;
  if (authorization.empty()) {
    reason = base::StrCat("missing authentication credentials for REST request [", uri, "]");
  } else {
    std::optional<std::string_view> basic = Credential(authorization, "Basic");
    std::optional<std::string_view> api_key = Credential(authorization, "ApiKey");
    std::optional<std::string_view> bearer = Credential(authorization, "Bearer");
    if (basic && !required.basic.empty() && *basic == Base64Encode(required.basic)) {
      return std::nullopt;
    }
    if (api_key && !required.api_key.empty() && *api_key == required.api_key) return std::nullopt;
    if (bearer && !required.bearer.empty() && *bearer == required.bearer) return std::nullopt;
    std::optional<std::string> decoded = basic ? Base64Decode(*basic) : std::nullopt;
    if (decoded && decoded->find(':') != std::string::npos) {
      reason = base::StrCat("unable to authenticate user [", decoded->substr(0, decoded->find(':')),
                            "] for REST request [", uri, "]");
    } else {
      reason =
          "unable to authenticate with provided credentials and anonymous access is not allowed "
          "for this request";
    }
  }
  EsError error(401, "security_exception", std::move(reason));
  error.With("header", WwwAuthenticateJson());
  return error;
}

}  // namespace esim
