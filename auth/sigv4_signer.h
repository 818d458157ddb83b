// SigV4Signer: AWS Signature Version 4 (spec auth.md §4.5) for Amazon OpenSearch Service
// (`es`) and OpenSearch Serverless (`aoss`). Pure computation, no I/O: given the request as
// it goes on the wire, the keys and the time, it builds the canonical request, the string
// to sign and the Authorization header value. Checked against the AWS SigV4 test suite and
// botocore's signer (tests/auth/sigv4_signer_test.cc).
//
// Rules of the generic (non-S3) services: the path is normalized (".", ".." and empty
// segments removed) and every segment URI-encoded once more, so an already-escaped wire
// path is encoded twice, as AWS requires; query parameters are decoded, re-encoded and
// sorted by name, then value; header names are lower-cased and sorted, values trimmed with
// inner whitespace runs collapsed, repeated headers joined with ',' in order.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "transport/http_response.h"

namespace auth {

struct SigV4Keys {
  std::string_view access_key_id;
  std::string_view secret_access_key;  // secret
};

struct SigV4Request {
  std::string_view method;                         // "POST"
  std::string_view target;                         // path and query as sent: "/_bulk?x=1"
  std::span<const transport::HttpHeader> headers;  // every header to sign (Host, X-Amz-*)
  std::string_view payload_sha256_hex;             // lower-case hex SHA-256 of the body
};

struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;x-amz-date"
  std::string signature;       // hex
  std::string authorization;   // the Authorization header value; secret-derived
};

class SigV4Signer {
 public:
  static constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

  SigV4Signer(std::string region, std::string service);

  // `amz_date` is the X-Amz-Date value among the headers ("20150830T123600Z").
  SigV4Signature Sign(const SigV4Request& request, const SigV4Keys& keys,
                      std::string_view amz_date) const;

  static std::string CanonicalUri(std::string_view path);
  static std::string CanonicalQuery(std::string_view query);

  const std::string& region() const { return region_; }
  const std::string& service() const { return service_; }

 private:
  std::string region_;
  std::string service_;
};

// Lower-case hex SHA-256 of `data` (the payload hash and the canonical request hash).
std::string Sha256Hex(std::span<const std::byte> data);

// "YYYYMMDD'T'HHMMSS'Z'" for `unix_seconds`, as X-Amz-Date wants.
std::string AmzDate(int64_t unix_seconds);

}  // namespace auth
