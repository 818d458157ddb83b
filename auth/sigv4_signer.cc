#include "auth/sigv4_signer.h"

#include <mbedtls/md.h>
#include <mbedtls/sha256.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <utility>
#include <vector>

#include "platforms/base/log.h"
#include "transport/base64.h"

namespace auth {
namespace {

using Digest = std::array<unsigned char, 32>;

constexpr std::string_view kHexDigits = "0123456789abcdef";
constexpr std::string_view kUpperHexDigits = "0123456789ABCDEF";

std::string Hex(std::span<const unsigned char> bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kHexDigits[b >> 4]);
    out.push_back(kHexDigits[b & 0x0F]);
  }
  return out;
}

Digest HmacSha256(std::span<const unsigned char> key, std::string_view data) {
  Digest out{};
  // mbedtls_md_hmac fails only for a missing digest, which SHA-256 never is in 2.28.
  mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), key.data(), key.size(),
                  reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data());
  return out;
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

void AppendEncoded(std::string& out, std::string_view text, bool keep_slash) {
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kUpperHexDigits[c >> 4]);
      out.push_back(kUpperHexDigits[c & 0x0F]);
    }
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Undoes %XX escapes; a '%' not followed by two hex digits stays as it is.
std::string PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int hi = HexValue(text[i + 1]);
      int lo = HexValue(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

bool IsWhitespace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Trims and collapses runs of whitespace (folded lines included) into one space.
std::string CanonicalHeaderValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  bool pending_space = false;
  for (char c : value) {
    if (IsWhitespace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

std::string Sha256Hex(std::span<const std::byte> data) {
  Digest digest{};
  mbedtls_sha256_ret(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                     digest.data(), 0);
  return Hex(digest);
}

std::string AmzDate(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 20> text{};
  std::size_t n = std::strftime(text.data(), text.size(), "%Y%m%dT%H%M%SZ", &tm);
  return std::string(text.data(), n);
}

SigV4Signer::SigV4Signer(std::string region, std::string service)
    : region_(std::move(region)), service_(std::move(service)) {}

std::string SigV4Signer::CanonicalUri(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    std::string_view segment = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string out = "/";
  for (std::size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out.push_back('/');
    AppendEncoded(out, segments[i], false);
  }
  bool trailing = path.size() > 1 && path.back() == '/' && !segments.empty();
  if (trailing) out.push_back('/');
  return out;
}

std::string SigV4Signer::CanonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  std::size_t start = 0;
  while (start < query.size()) {
    std::size_t amp = query.find('&', start);
    std::string_view piece =
        query.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    if (!piece.empty()) {
      std::size_t eq = piece.find('=');
      std::string key;
      std::string value;
      AppendEncoded(key, PercentDecode(piece.substr(0, eq)), false);
      if (eq != std::string_view::npos)
        AppendEncoded(value, PercentDecode(piece.substr(eq + 1)), false);
      params.emplace_back(std::move(key), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [key, value] : params) {
    if (!out.empty()) out.push_back('&');
    out.append(key).append("=").append(value);
  }
  return out;
}

SigV4Signature SigV4Signer::Sign(const SigV4Request& request, const SigV4Keys& keys,
                                 std::string_view amz_date) const {
  SigV4Signature result;
  std::string_view target = request.target;
  std::size_t question = target.find('?');
  std::string_view path = target.substr(0, question);
  std::string_view query =
      question == std::string_view::npos ? std::string_view() : target.substr(question + 1);

  // Headers: lower-case names, sorted (stable, so repeated headers keep their order).
  std::vector<std::pair<std::string, std::string>> headers;
  headers.reserve(request.headers.size());
  for (const transport::HttpHeader& h : request.headers) {
    headers.emplace_back(Lower(h.name), CanonicalHeaderValue(h.value));
  }
  std::stable_sort(headers.begin(), headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string canonical_headers;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (i > 0 && headers[i].first == headers[i - 1].first) {
      canonical_headers.pop_back();  // the '\n'
      canonical_headers.append(",").append(headers[i].second).append("\n");
      continue;
    }
    canonical_headers.append(headers[i].first).append(":").append(headers[i].second).append("\n");
    if (!result.signed_headers.empty()) result.signed_headers.push_back(';');
    result.signed_headers.append(headers[i].first);
  }

  std::string& creq = result.canonical_request;
  creq.append(request.method).append("\n");
  creq.append(CanonicalUri(path)).append("\n");
  creq.append(CanonicalQuery(query)).append("\n");
  creq.append(canonical_headers).append("\n");
  creq.append(result.signed_headers).append("\n");
  creq.append(request.payload_sha256_hex);

  std::string_view date = amz_date.substr(0, 8);
  std::string scope = base::StrCat(date, "/", region_, "/", service_, "/aws4_request");
  result.string_to_sign = base::StrCat(kAlgorithm, "\n", amz_date, "\n", scope, "\n",
                                       Sha256Hex(transport::AsBytes(creq)));

  std::string first_key = base::StrCat("AWS4", keys.secret_access_key);
  auto as_key = [](const auto& bytes) {
    return std::span<const unsigned char>(reinterpret_cast<const unsigned char*>(bytes.data()),
                                          bytes.size());
  };
  Digest k_date = HmacSha256(as_key(first_key), date);
  Digest k_region = HmacSha256(k_date, region_);
  Digest k_service = HmacSha256(k_region, service_);
  Digest k_signing = HmacSha256(k_service, "aws4_request");
  std::fill(first_key.begin(), first_key.end(), '\0');
  result.signature = Hex(HmacSha256(k_signing, result.string_to_sign));
  result.authorization =
      base::StrCat(kAlgorithm, " Credential=", keys.access_key_id, "/", scope,
                   ", SignedHeaders=", result.signed_headers, ", Signature=", result.signature);
  return result;
}

}  // namespace auth
