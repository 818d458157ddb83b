#include "tests/esim/sigv4_verifier.h"

#include <mbedtls/md.h>
#include <mbedtls/sha256.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <utility>

#include "platforms/base/log.h"

namespace esim {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";
constexpr std::size_t kSha256Bytes = 32;

std::string Hex(const unsigned char* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 15];
  }
  return out;
}

std::array<unsigned char, kSha256Bytes> Hmac(std::string_view key, std::string_view data) {
  std::array<unsigned char, kSha256Bytes> out{};
  mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
                  reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                  reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
  return out;
}

std::string_view AsText(const std::array<unsigned char, kSha256Bytes>& bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
        HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// RFC 3986 unreserved characters stay; everything else is %XX (upper-case hex), as the
// AWS docs prescribe. `keep_slash` for the path.
std::string UriEncode(std::string_view text, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~' || (keep_slash && c == '/')) {
      out += c;
    } else {
      out += '%';
      out += kDigits[u >> 4];
      out += kDigits[u & 15];
    }
  }
  return out;
}

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string ToLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = Lower(c);
  return out;
}

// Trims and collapses runs of spaces, as the canonical header value wants.
std::string TrimAll(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// "20150830T123600Z" to seconds since the epoch, or -1.
int64_t ParseAmzDate(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return -1;
  auto number = [&](std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  std::tm tm{};
  tm.tm_year = number(0, 4) - 1900;
  tm.tm_mon = number(4, 2) - 1;
  tm.tm_mday = number(6, 2);
  tm.tm_hour = number(9, 2);
  tm.tm_min = number(11, 2);
  tm.tm_sec = number(13, 2);
  if (tm.tm_year < 0 || tm.tm_mon < 0 || tm.tm_mday < 1 || tm.tm_hour < 0 || tm.tm_min < 0 ||
      tm.tm_sec < 0) {
    return -1;
  }
  return static_cast<int64_t>(timegm(&tm));
}

// "Credential=AKID/20150830/us-east-1/es/aws4_request, SignedHeaders=a;b, Signature=hex"
struct AuthorizationParts {
  std::string_view credential, signed_headers, signature;
};

bool ParseAuthorization(std::string_view header, AuthorizationParts* parts) {
  if (!header.starts_with(kAlgorithm) || header.size() == kAlgorithm.size() ||
      header[kAlgorithm.size()] != ' ') {
    return false;
  }
  std::string_view rest = header.substr(kAlgorithm.size() + 1);
  while (!rest.empty()) {
    std::size_t comma = rest.find(',');
    std::string_view field = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    while (!field.empty() && field.front() == ' ') field.remove_prefix(1);
    while (!field.empty() && field.back() == ' ') field.remove_suffix(1);
    std::size_t eq = field.find('=');
    if (eq == std::string_view::npos) return false;
    std::string_view name = field.substr(0, eq), value = field.substr(eq + 1);
    if (name == "Credential") parts->credential = value;
    if (name == "SignedHeaders") parts->signed_headers = value;
    if (name == "Signature") parts->signature = value;
  }
  return !parts->credential.empty() && !parts->signed_headers.empty() && !parts->signature.empty();
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> out;
  while (true) {
    std::size_t at = text.find(separator);
    out.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return out;
    text.remove_prefix(at + 1);
  }
}

// Constant-time, so the verifier is not a timing oracle even in a fixture.
bool SameText(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

}  // namespace

std::string SigV4Verifier::Sha256Hex(std::string_view data) {
  std::array<unsigned char, kSha256Bytes> digest{};
  mbedtls_sha256_ret(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                     digest.data(), 0);
  return Hex(digest.data(), digest.size());
}

std::string SigV4Verifier::CanonicalRequest(std::string_view method, std::string_view target,
                                            const std::vector<HttpHeader>& headers,
                                            const std::vector<std::string>& signed_headers,
                                            std::string_view payload_hash_hex) {
  const std::size_t question = target.find('?');
  std::string_view path = target.substr(0, question);
  std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  std::string out;
  out += method;
  out += '\n';
  out += UriEncode(PercentDecode(path.empty() ? "/" : path), true);
  out += '\n';

  std::vector<std::pair<std::string, std::string>> params;
  if (!query.empty()) {
    for (std::string_view pair : Split(query, '&')) {
      if (pair.empty()) continue;
      std::size_t eq = pair.find('=');
      std::string_view key = pair.substr(0, eq);
      std::string_view value = eq == std::string_view::npos ? "" : pair.substr(eq + 1);
      params.emplace_back(UriEncode(PercentDecode(key), false),
                          UriEncode(PercentDecode(value), false));
    }
  }
  std::sort(params.begin(), params.end());
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (i > 0) out += '&';
    out += params[i].first;
    out += '=';
    out += params[i].second;
  }
  out += '\n';

  for (const std::string& name : signed_headers) {
    out += name;
    out += ':';
    bool first = true;
    for (const HttpHeader& header : headers) {
      if (ToLower(header.name) != name) continue;
      if (!first) out += ',';
      first = false;
      out += TrimAll(header.value);
    }
    out += '\n';
  }
  out += '\n';
  for (std::size_t i = 0; i < signed_headers.size(); ++i) {
    if (i > 0) out += ';';
    out += signed_headers[i];
  }
  out += '\n';
  out += payload_hash_hex;
  return out;
}

std::string SigV4Verifier::Signature(std::string_view secret, std::string_view date,
                                     std::string_view region, std::string_view service,
                                     std::string_view string_to_sign) {
  const auto k_date = Hmac(base::StrCat("AWS4", secret), date);
  const auto k_region = Hmac(AsText(k_date), region);
  const auto k_service = Hmac(AsText(k_region), service);
  const auto k_signing = Hmac(AsText(k_service), "aws4_request");
  const auto signature = Hmac(AsText(k_signing), string_to_sign);
  return Hex(signature.data(), signature.size());
}

SigV4Verifier::Verdict SigV4Verifier::Verify(const HttpRequest& request,
                                             int64_t now_unix_seconds) const {
  Verdict verdict;
  const std::string_view authorization = request.Header("authorization");
  if (authorization.empty()) {
    verdict.outcome = Outcome::kMissing;
    verdict.reason = "missing authentication credentials (no SigV4 Authorization header)";
    return verdict;
  }
  AuthorizationParts parts;
  if (!ParseAuthorization(authorization, &parts)) {
    verdict.reason =
        "Authorization header is not AWS4-HMAC-SHA256 Credential=, SignedHeaders=, "
        "Signature=";
    return verdict;
  }
  const std::vector<std::string_view> scope = Split(parts.credential, '/');
  if (scope.size() != 5 || scope[4] != "aws4_request") {
    verdict.reason = "Credential is not AKID/date/region/service/aws4_request";
    return verdict;
  }
  if (scope[0] != options_.access_key_id) {
    verdict.outcome = Outcome::kUnknownKey;
    verdict.reason = base::StrCat("The security token included in the request is invalid (key id [",
                                  scope[0], "])");
    return verdict;
  }
  if (scope[2] != options_.region || scope[3] != options_.service) {
    verdict.outcome = Outcome::kBadSignature;
    verdict.reason =
        base::StrCat("Credential should be scoped to region [", options_.region, "] and service [",
                     options_.service, "], not [", scope[2], "/", scope[3], "]");
    return verdict;
  }
  const std::string_view amz_date = request.Header("x-amz-date");
  const int64_t signed_at = ParseAmzDate(amz_date);
  if (signed_at < 0 || amz_date.substr(0, 8) != scope[1]) {
    verdict.reason = "X-Amz-Date is missing, malformed or not the Credential's date";
    return verdict;
  }
  const int64_t skew = now_unix_seconds - signed_at;
  if (skew > options_.max_skew.count() || -skew > options_.max_skew.count()) {
    verdict.outcome = Outcome::kSkew;
    verdict.reason =
        base::StrCat("Signature expired: ", amz_date, " is now ", skew > 0 ? "earlier" : "later",
                     " than the server time by ", skew > 0 ? skew : -skew, " s (more than ",
                     options_.max_skew.count(), " s)");
    return verdict;
  }
  std::vector<std::string> signed_headers;
  for (std::string_view name : Split(parts.signed_headers, ';')) {
    signed_headers.push_back(ToLower(name));
  }
  if (std::find(signed_headers.begin(), signed_headers.end(), "host") == signed_headers.end()) {
    verdict.reason = "SignedHeaders must include host";
    return verdict;
  }
  if (!options_.session_token.empty()) {
    const bool signed_token = std::find(signed_headers.begin(), signed_headers.end(),
                                        "x-amz-security-token") != signed_headers.end();
    if (!SameText(request.Header("x-amz-security-token"), options_.session_token) ||
        !signed_token) {
      verdict.outcome = Outcome::kBadToken;
      verdict.reason = "The security token included in the request is invalid or not signed";
      return verdict;
    }
  }
  const std::string body_hash = Sha256Hex(request.wire_body);
  std::string payload_hash = body_hash;
  if (request.HasHeader("x-amz-content-sha256")) {
    const std::string_view claimed = request.Header("x-amz-content-sha256");
    if (claimed != "UNSIGNED-PAYLOAD" && claimed != body_hash) {
      verdict.outcome = Outcome::kBadSignature;
      verdict.reason = "x-amz-content-sha256 does not match the body received";
      return verdict;
    }
    payload_hash = std::string(claimed);
  }
  const std::string canonical = CanonicalRequest(request.method, request.target, request.headers,
                                                 signed_headers, payload_hash);
  const std::string string_to_sign =
      base::StrCat(kAlgorithm, "\n", amz_date, "\n", scope[1], "/", scope[2], "/", scope[3],
                   "/aws4_request\n", Sha256Hex(canonical));
  const std::string expected =
      Signature(options_.secret_access_key, scope[1], scope[2], scope[3], string_to_sign);
  if (!SameText(expected, parts.signature)) {
    verdict.outcome = Outcome::kBadSignature;
    verdict.reason =
        "The request signature we calculated does not match the signature you provided";
    return verdict;
  }
  verdict.outcome = Outcome::kOk;
  return verdict;
}

}  // namespace esim
