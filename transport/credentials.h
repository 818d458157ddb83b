// Credentials: the interface the Elasticsearch output asks for authentication headers.
// Declared here, where it is needed; implemented in auth/ (static basic / API key today,
// workload identity and SigV4 later), which may use this folder's HTTP client to reach
// token endpoints. agent/ wires a provider into the output.
//
// Providers never put secrets in log lines, Status messages or Describe().
#pragma once

#include <cstddef>
#include <functional>
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
};

}  // namespace transport
