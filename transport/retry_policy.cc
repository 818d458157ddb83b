#include "transport/retry_policy.h"

namespace transport {

RequestAction DecideRequest(int http_status, bool refreshed_already) {
  if (http_status >= 200 && http_status < 300) return RequestAction::kReadItems;
  switch (http_status) {
    case 401:
      return refreshed_already ? RequestAction::kRetry : RequestAction::kRefreshAndRetry;
    case 403:
      return RequestAction::kRetryForbidden;
    case 408:  // request timeout at a proxy
    case 429:
      return RequestAction::kRetry;
    case 413:
      return RequestAction::kSplit;
    case 501:  // not implemented: the host is not an Elasticsearch bulk endpoint
      return RequestAction::kDeadLetter;
    default:
      break;
  }
  if (http_status >= 400 && http_status < 500) return RequestAction::kDeadLetter;
  // 5xx, and 1xx/3xx that no Elasticsearch sends: retrying keeps the data.
  return RequestAction::kRetry;
}

RequestAction DecideRequest(int http_status, std::string_view body, bool refreshed_already) {
  if (http_status == 403) {
    constexpr std::string_view kExpired[] = {
        "ExpiredToken", "security token included in the request is expired",
        "Signature expired"};
    for (std::string_view phrase : kExpired) {
      if (body.find(phrase) != std::string_view::npos) {
        return DecideRequest(401, refreshed_already);
      }
    }
  }
  return DecideRequest(http_status, refreshed_already);
}

RequestAction DecideTransportError(const base::Status& /*error*/) { return RequestAction::kRetry; }

ItemAction DecideItem(const BulkItemResult& item) {
  int s = item.status;
  if (s >= 200 && s < 300) {
    return item.failure_store == FailureStore::kUsed ? ItemAction::kFailureStore
                                                     : ItemAction::kDelivered;
  }
  if (s == 409) return ItemAction::kDuplicate;
  if (s == 429) return ItemAction::kRetry;
  if (s >= 400 && s < 500) return ItemAction::kDeadLetter;
  return ItemAction::kRetry;  // 5xx, 0 (missing), anything else
}

std::string_view RequestActionName(RequestAction action) {
  switch (action) {
    case RequestAction::kReadItems:
      return "read_items";
    case RequestAction::kRetry:
      return "retry";
    case RequestAction::kRefreshAndRetry:
      return "refresh_and_retry";
    case RequestAction::kRetryForbidden:
      return "retry_forbidden";
    case RequestAction::kSplit:
      return "split";
    case RequestAction::kDeadLetter:
      return "dead_letter";
  }
  return "unknown";
}

std::string_view ItemActionName(ItemAction action) {
  switch (action) {
    case ItemAction::kDelivered:
      return "delivered";
    case ItemAction::kDuplicate:
      return "duplicate";
    case ItemAction::kFailureStore:
      return "failure_store";
    case ItemAction::kRetry:
      return "retry";
    case ItemAction::kDeadLetter:
      return "dead_letter";
  }
  return "unknown";
}

}  // namespace transport
