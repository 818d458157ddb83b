// RetryPolicy: what to do with a bulk request's outcome (transport stage 4 of "Life of a
// log line"; its decisions end in an ack to the buffer, a retry, or a dead letter).
// Pure functions of the status, no I/O, so the whole table is tested without a network
// (after Vector's sinks/elasticsearch/retry.rs). Rationale: elasticsearch-bulk.md §5-6 and
// DESIGN "Decisions and defaults".
#pragma once

#include <string_view>

#include "platforms/base/status.h"
#include "transport/bulk_response.h"

namespace transport {

enum class RequestAction {
  kReadItems,        // 2xx: decide per item (DecideItem)
  kRetry,            // 408, 429, 5xx (not 501), connection error, timeout, malformed
                     // response, 401 after a refresh: resend everything after backoff
  kRefreshAndRetry,  // first 401: refresh the credential, resend at once
  kRetryForbidden,   // 403: resend after backoff, loudly; an administrator must fix the role
  kSplit,            // 413: resend in halves; a single document that is too large is
                     // dead-lettered (the caller checks the size)
  kDeadLetter,       // other 4xx and 501: the request can never succeed as is; dead-letter
                     // every document with the reason, never drop silently
};

enum class ItemAction {
  kDelivered,     // 200, 201
  kDuplicate,     // 409 on create: our earlier attempt already wrote it; delivered
  kFailureStore,  // 2xx with failure_store "used": accepted into the failure store
  kRetry,         // 429, 5xx, missing status, anything unexpected: resend this item alone
  kDeadLetter,    // other 4xx: mapping errors, missing index, forbidden index
};

// `refreshed_already`: this request was already resent after a credential refresh.
RequestAction DecideRequest(int http_status, bool refreshed_already);
// The same, with the response body: a 403 that AWS gives for an expired session token or
// an expired SigV4 signature ("ExpiredToken", "The security token included in the request
// is expired", "Signature expired") is treated like a 401, so the credential is refreshed.
RequestAction DecideRequest(int http_status, std::string_view body, bool refreshed_already);
// A request that got no HTTP response at all (connection refused or reset, timeout,
// malformed response) is always resent: with create and deterministic ids a partial
// application only produces 409s.
RequestAction DecideTransportError(const base::Status& error);

ItemAction DecideItem(const BulkItemResult& item);

std::string_view RequestActionName(RequestAction action);
std::string_view ItemActionName(ItemAction action);

}  // namespace transport
