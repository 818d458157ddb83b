#include "auth/jwt_claims.h"

#include <simdjson.h>

#include <cmath>

#include "auth/base64_decoder.h"
#include "platforms/base/log.h"

namespace auth {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Splits a compact serialization into its dot-separated segments.
std::vector<std::string_view> Segments(std::string_view token) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = token.find('.', start);
    parts.push_back(token.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return parts;
}

// A NumericDate: a JSON number of seconds, maybe fractional (RFC 7519 §2).
bool ReadNumericDate(const element& value, std::optional<int64_t>* out) {
  double seconds = 0;
  switch (value.type()) {
    case element_type::INT64:
      *out = int64_t(value.get_int64().value_unsafe());
      return true;
    case element_type::UINT64:
      return false;  // beyond int64: not a date
    case element_type::DOUBLE:
      seconds = value.get_double().value_unsafe();
      if (!std::isfinite(seconds) || std::fabs(seconds) > 1e15) return false;
      *out = static_cast<int64_t>(std::floor(seconds));
      return true;
    default:
      return false;
  }
}

// Parses `json` as a JSON object into `doc` (kept alive by `parser`).
bool ParseObject(simdjson::dom::parser& parser, const std::string& json,
                 simdjson::dom::object* object) {
  element doc;
  if (parser.parse(json).get(doc) != simdjson::SUCCESS) return false;
  return doc.get_object().get(*object) == simdjson::SUCCESS;
}

}  // namespace

std::string JwtClaims::Describe() const {
  std::string out;
  auto add = [&out](std::string_view name, std::string_view value) {
    if (value.empty()) return;
    if (!out.empty()) out += ", ";
    out.append(name).append(" ").append(value);
  };
  add("iss", issuer);
  add("sub", subject);
  std::string aud;
  for (const std::string& a : audiences) aud += (aud.empty() ? "" : " ") + a;
  add("aud", aud);
  if (expires_at_unix_s) add("exp", std::to_string(*expires_at_unix_s));
  return out;
}

base::Result<JwtClaims> ParseJwtClaims(std::string_view token) {
  std::vector<std::string_view> parts = Segments(token);
  if (parts.size() == 5) return JwtClaims{};  // JWE: encrypted, opaque to us
  if (parts.size() != 3) {
    return base::InvalidArgument(
        base::StrCat("not a JWT: ", parts.size(), " dot-separated segments, expected 3"));
  }
  std::optional<std::string> header = DecodeBase64Url(parts[0]);
  std::optional<std::string> payload = DecodeBase64Url(parts[1]);
  if (!header || !payload) return base::InvalidArgument("not a JWT: a segment is not base64url");
  simdjson::dom::parser parser;
  simdjson::dom::object object;
  if (!ParseObject(parser, *header, &object)) {
    return base::InvalidArgument("not a JWT: the header is not a JSON object");
  }
  if (!ParseObject(parser, *payload, &object)) {
    return base::InvalidArgument("not a JWT: the payload is not a JSON object");
  }
  JwtClaims claims;
  for (auto [key, value] : object) {
    bool ok = true;
    if (key == "exp") {
      ok = ReadNumericDate(value, &claims.expires_at_unix_s);
    } else if (key == "iat") {
      ok = ReadNumericDate(value, &claims.issued_at_unix_s);
    } else if (key == "nbf") {
      ok = ReadNumericDate(value, &claims.not_before_unix_s);
    } else if (key == "iss" || key == "sub") {
      std::string_view text;
      ok = value.get_string().get(text) == simdjson::SUCCESS;
      (key == "iss" ? claims.issuer : claims.subject) = std::string(text);
    } else if (key == "aud") {
      std::string_view text;
      simdjson::dom::array list;
      if (value.get_string().get(text) == simdjson::SUCCESS) {
        claims.audiences.emplace_back(text);
      } else if (value.get_array().get(list) == simdjson::SUCCESS) {
        for (element item : list) {
          if (item.get_string().get(text) != simdjson::SUCCESS) ok = false;
          if (ok) claims.audiences.emplace_back(text);
        }
      } else {
        ok = false;
      }
    }
    if (!ok) {
      return base::InvalidArgument(base::StrCat("JWT claim \"", key, "\" has the wrong type"));
    }
  }
  return claims;
}

}  // namespace auth
