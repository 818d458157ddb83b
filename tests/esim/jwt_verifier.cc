#include "tests/esim/jwt_verifier.h"

#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/ecp.h>
#include <mbedtls/md.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>
#include <simdjson.h>

#include <array>
#include <fstream>
#include <sstream>

#include "platforms/base/log.h"

namespace esim {
namespace {

constexpr std::size_t kSha256Bytes = 32;
constexpr std::size_t kP256CoordinateBytes = 32;

int Base64UrlValue(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

std::array<unsigned char, kSha256Bytes> Sha256(std::string_view data) {
  std::array<unsigned char, kSha256Bytes> digest{};
  mbedtls_sha256_ret(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                     digest.data(), 0);
  return digest;
}

const unsigned char* Bytes(const std::string& s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// A string member of a JSON object, or empty.
std::string StringField(simdjson::dom::element object, std::string_view name) {
  std::string_view value;
  if (object[name].get(value) != simdjson::SUCCESS) return "";
  return std::string(value);
}

// A NumericDate claim (seconds, maybe fractional), or false when absent or not a number.
bool NumericClaim(simdjson::dom::element claims, std::string_view name, double* out) {
  simdjson::dom::element value;
  if (claims[name].get(value) != simdjson::SUCCESS) return false;
  if (value.is_int64()) {
    *out = static_cast<double>(value.get_int64().value_unsafe());
  } else if (value.is_double()) {
    *out = value.get_double().value_unsafe();
  } else if (value.is_uint64()) {
    *out = static_cast<double>(value.get_uint64().value_unsafe());
  } else {
    return false;
  }
  return true;
}

}  // namespace

bool Base64UrlDecode(std::string_view text, std::string* out) {
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;  // tolerate padding
    int v = Base64UrlValue(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

base::Result<JwtVerifier> JwtVerifier::Load(JwtRealmOptions options) {
  std::ifstream in(options.jwks_path);
  if (!in) return base::NotFound(base::StrCat("cannot read JWKS file ", options.jwks_path));
  std::stringstream text;
  text << in.rdbuf();
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(simdjson::padded_string(text.str())).get(root) != simdjson::SUCCESS) {
    return base::InvalidArgument(base::StrCat(options.jwks_path, ": not JSON"));
  }
  simdjson::dom::array keys;
  if (root["keys"].get(keys) != simdjson::SUCCESS) {
    return base::InvalidArgument(base::StrCat(options.jwks_path, ": no \"keys\" array"));
  }
  JwtVerifier verifier;
  for (simdjson::dom::element jwk : keys) {
    Key key;
    key.kid = StringField(jwk, "kid");
    const std::string kty = StringField(jwk, "kty");
    if (kty == "RSA") {
      if (!Base64UrlDecode(StringField(jwk, "n"), &key.n) ||
          !Base64UrlDecode(StringField(jwk, "e"), &key.e) || key.n.empty() || key.e.empty()) {
        return base::InvalidArgument(base::StrCat(options.jwks_path, ": bad RSA key ", key.kid));
      }
    } else if (kty == "EC" && StringField(jwk, "crv") == "P-256") {
      std::string x, y;
      if (!Base64UrlDecode(StringField(jwk, "x"), &x) ||
          !Base64UrlDecode(StringField(jwk, "y"), &y) || x.size() != kP256CoordinateBytes ||
          y.size() != kP256CoordinateBytes) {
        return base::InvalidArgument(base::StrCat(options.jwks_path, ": bad EC key ", key.kid));
      }
      key.rsa = false;
      key.point = base::StrCat(std::string_view("\x04", 1), x, y);
    } else {
      return base::InvalidArgument(base::StrCat(options.jwks_path, ": unsupported key type \"", kty,
                                                "\" (RSA and EC P-256 are)"));
    }
    verifier.keys_.push_back(std::move(key));
  }
  if (verifier.keys_.empty()) {
    return base::InvalidArgument(base::StrCat(options.jwks_path, ": no keys"));
  }
  verifier.options_ = std::move(options);
  return verifier;
}

bool JwtVerifier::VerifySignature(const Key& key, std::string_view alg,
                                  std::string_view signing_input,
                                  std::string_view signature) const {
  const std::array<unsigned char, kSha256Bytes> digest = Sha256(signing_input);
  const auto* sig = reinterpret_cast<const unsigned char*>(signature.data());
  if (alg == "RS256" && key.rsa) {
    mbedtls_rsa_context rsa;
    mbedtls_rsa_init(&rsa, MBEDTLS_RSA_PKCS_V15, 0);
    bool ok = mbedtls_rsa_import_raw(&rsa, Bytes(key.n), key.n.size(), nullptr, 0, nullptr, 0,
                                     nullptr, 0, Bytes(key.e), key.e.size()) == 0 &&
              mbedtls_rsa_complete(&rsa) == 0 && mbedtls_rsa_check_pubkey(&rsa) == 0 &&
              signature.size() == mbedtls_rsa_get_len(&rsa) &&
              mbedtls_rsa_pkcs1_verify(&rsa, nullptr, nullptr, MBEDTLS_RSA_PUBLIC,
                                       MBEDTLS_MD_SHA256, kSha256Bytes, digest.data(), sig) == 0;
    mbedtls_rsa_free(&rsa);
    return ok;
  }
  if (alg == "ES256" && !key.rsa) {
    // JWS carries r || s, 32 bytes each (RFC 7518 §3.4), not DER.
    if (signature.size() != 2 * kP256CoordinateBytes) return false;
    mbedtls_ecp_group group;
    mbedtls_ecp_point q;
    mbedtls_mpi r, s;
    mbedtls_ecp_group_init(&group);
    mbedtls_ecp_point_init(&q);
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    bool ok = mbedtls_ecp_group_load(&group, MBEDTLS_ECP_DP_SECP256R1) == 0 &&
              mbedtls_ecp_point_read_binary(&group, &q, Bytes(key.point), key.point.size()) == 0 &&
              mbedtls_mpi_read_binary(&r, sig, kP256CoordinateBytes) == 0 &&
              mbedtls_mpi_read_binary(&s, sig + kP256CoordinateBytes, kP256CoordinateBytes) == 0 &&
              mbedtls_ecdsa_verify(&group, digest.data(), digest.size(), &q, &r, &s) == 0;
    mbedtls_mpi_free(&s);
    mbedtls_mpi_free(&r);
    mbedtls_ecp_point_free(&q);
    mbedtls_ecp_group_free(&group);
    return ok;
  }
  return false;
}

JwtVerifier::Verdict JwtVerifier::Verify(std::string_view token, int64_t now_unix_seconds) const {
  Verdict verdict;
  const std::size_t dot1 = token.find('.');
  const std::size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    verdict.reason = "token is not a signed JWT (three dot-separated parts)";
    return verdict;
  }
  std::string header_json, claims_json, signature;
  if (!Base64UrlDecode(token.substr(0, dot1), &header_json) ||
      !Base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1), &claims_json) ||
      !Base64UrlDecode(token.substr(dot2 + 1), &signature)) {
    verdict.reason = "token is not base64url";
    return verdict;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element header;
  if (parser.parse(simdjson::padded_string(header_json)).get(header) != simdjson::SUCCESS ||
      !header.is_object()) {
    verdict.reason = "JWT header is not a JSON object";
    return verdict;
  }
  const std::string alg = StringField(header, "alg");
  const std::string kid = StringField(header, "kid");
  if (alg != "RS256" && alg != "ES256") {
    verdict.reason = base::StrCat("JWT alg [", alg, "] is not allowed (RS256, ES256 are)");
    return verdict;
  }
  const std::string_view signing_input = token.substr(0, dot2);
  bool known_key = false;
  bool verified = false;
  for (const Key& key : keys_) {
    if (!kid.empty() && !key.kid.empty() && key.kid != kid) continue;
    known_key = true;
    if (VerifySignature(key, alg, signing_input, signature)) {
      verified = true;
      break;
    }
  }
  if (!known_key) {
    verdict.outcome = Outcome::kUnknownKey;
    verdict.reason = base::StrCat("no JWKS key with kid [", kid, "]");
    return verdict;
  }
  if (!verified) {
    verdict.outcome = Outcome::kBadSignature;
    verdict.reason = "JWT signature does not verify against the realm's JWKS";
    return verdict;
  }

  simdjson::dom::element claims;
  if (parser.parse(simdjson::padded_string(claims_json)).get(claims) != simdjson::SUCCESS ||
      !claims.is_object()) {
    verdict.reason = "JWT claims are not a JSON object";
    return verdict;
  }
  const auto skew = static_cast<double>(options_.allowed_clock_skew.count());
  const auto now = static_cast<double>(now_unix_seconds);
  double exp = 0;
  if (!NumericClaim(claims, "exp", &exp)) {
    verdict.outcome = Outcome::kRejectedClaim;
    verdict.reason = "JWT has no [exp] claim";
    return verdict;
  }
  if (now > exp + skew) {
    verdict.outcome = Outcome::kExpired;
    verdict.reason =
        base::StrCat("JWT expired at [", static_cast<int64_t>(exp), "], now is [", now_unix_seconds,
                     "], allowed clock skew [", options_.allowed_clock_skew.count(), "s]");
    return verdict;
  }
  double nbf = 0;
  if (NumericClaim(claims, "nbf", &nbf) && now + skew < nbf) {
    verdict.outcome = Outcome::kRejectedClaim;
    verdict.reason = base::StrCat("JWT is not valid before [", static_cast<int64_t>(nbf), "]");
    return verdict;
  }
  bool audience_ok = false;
  simdjson::dom::element aud;
  if (claims["aud"].get(aud) == simdjson::SUCCESS) {
    if (aud.is_string()) {
      audience_ok = aud.get_string().value_unsafe() == options_.audience;
    } else if (simdjson::dom::array audiences; aud.get(audiences) == simdjson::SUCCESS) {
      for (simdjson::dom::element one : audiences) {
        std::string_view value;
        if (one.get(value) == simdjson::SUCCESS && value == options_.audience) audience_ok = true;
      }
    }
  }
  if (!audience_ok) {
    verdict.outcome = Outcome::kRejectedClaim;
    verdict.reason = base::StrCat("JWT [aud] does not contain the realm's allowed audience [",
                                  options_.audience, "]");
    return verdict;
  }
  if (!options_.issuer.empty() && StringField(claims, "iss") != options_.issuer) {
    verdict.outcome = Outcome::kRejectedClaim;
    verdict.reason = base::StrCat("JWT [iss] is not [", options_.issuer, "]");
    return verdict;
  }
  verdict.outcome = Outcome::kOk;
  verdict.subject = StringField(claims, "sub");
  return verdict;
}

}  // namespace esim
