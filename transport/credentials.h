// Credentials: the interface the Elasticsearch output asks for authentication headers.
// Declared here, where it is needed; implemented in auth/ (static basic / API key today,
// workload identity and SigV4 later), which may use this folder's HTTP client to reach
// token endpoints. agent/ wires a provider into the output.
//
// Providers never put secrets in log lines, Status messages or Describe().
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "platforms/base/result.h"
#include "platforms/base/status.h"
#include "transport/http_response.h"

namespace transport {

// What a provider may look at to build its headers (SigV4 signs all of it). The views are
// valid only during the GetHeaders() call: a provider that completes later copies or
// hashes what it needs first.
struct CredentialRequest {
  std::string_view method;          // "POST"
  std::string_view endpoint;        // "http://es-1:9200"
  std::string_view target;          // "/_bulk?filter_path=..." (path and query)
  std::span<const std::byte> body;  // the bytes sent (compressed if the body is)
};

// For metrics (skiff_auth_*, docs/metrics.md): what a provider has done so far.
struct CredentialStats {
  std::string_view provider;      // the [auth] type: "token_file", "aws_sigv4", "basic", ...
  uint64_t refreshes = 0;         // credentials obtained, the first one included
  uint64_t refresh_failures = 0;  // fetches that failed (each is retried with backoff)
  // Time left on the credential held (negative once expired); nullopt for static secrets
  // and while none has been obtained.
  std::optional<std::chrono::milliseconds> time_to_expiry;
};

class Credentials {
 public:
  using HeadersCallback = std::function<void(base::Result<std::vector<HttpHeader>>)>;
  using RefreshCallback = std::function<void(base::Status)>;

  virtual ~Credentials() = default;

  // Calls `done` with the headers to add to `request` (usually one Authorization header),
  // or an error (kUnavailable: try again later; kUnauthenticated: no usable credential).
  // May call `done` before returning; callers must allow for it.
  virtual void GetHeaders(const CredentialRequest& request, HeadersCallback done) = 0;

  // The server answered 401: drop any cached credential and get a fresh one. `done` gets
  // the outcome; a provider with nothing to refresh (static secrets) answers OK at once.
  virtual void Refresh(RefreshCallback done) = 0;

  // For log lines: the kind and a non-secret identity ("basic user shipper").
  virtual std::string_view Describe() const = 0;

  // For /readyz: OK while the provider can authenticate requests; kUnavailable once its
  // last credential expired without a successor (requests wait; nothing is dropped).
  virtual base::Status Readiness() const { return base::Status::Ok(); }

  // For metrics; read on the loop thread at scrape time.
  virtual CredentialStats Stats() const { return {}; }

  // The `Date` header of an Elasticsearch response (RFC 7231 IMF-fixdate). A provider
  // whose credential embeds the local time (SigV4's X-Amz-Date) corrects for clock skew.
  virtual void ObserveServerDate(std::string_view /*http_date*/) {}

  // The workload identity the current credential stands for (a JWT's `sub`), stamped on
  // documents as agent.identity when [auth] stamp_identity is set; empty when unknown.
  // Valid until the credential is refreshed (loop thread).
  virtual std::string_view Identity() const { return {}; }
};

}  // namespace transport
