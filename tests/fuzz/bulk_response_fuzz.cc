// Fuzz target: BulkResponse::Parse and ParseErrorBody on arbitrary bytes. Must never crash;
// a parsed response's items must each map to a retry decision.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "transport/bulk_response.h"
#include "transport/retry_policy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  static transport::BulkResponse response;  // reused, as in the output
  std::string_view input(reinterpret_cast<const char*>(data), size);
  if (response.Parse(input).ok()) {
    for (std::size_t i = 0; i < response.item_count(); ++i) {
      const transport::BulkItemResult& item = response.items()[i];
      if (item.error.reason.size() > transport::BulkResponse::kMaxReasonBytes) std::abort();
      static_cast<void>(transport::DecideItem(item));
    }
  }
  transport::ElasticsearchError e = transport::BulkResponse::ParseErrorBody(input);
  if (e.reason.size() > transport::BulkResponse::kMaxReasonBytes) std::abort();
  return 0;
}
