// Fuzz target: HttpResponseParser on arbitrary bytes, fed whole and in pieces. Feeding must
// never crash, and the split feed must agree with the whole feed.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "transport/http_response_parser.h"

namespace {

struct Outcome {
  bool ok = true;
  bool done = false;
  int status = 0;
  std::size_t body_bytes = 0;
};

Outcome Run(std::string_view data, std::size_t step) {
  transport::HttpResponseParser parser({.max_header_bytes = 4096, .max_body_bytes = 1 << 16});
  Outcome out;
  std::size_t pos = 0;
  while (pos < data.size() && !parser.done()) {
    std::size_t n = step == 0 ? data.size() - pos : std::min(step, data.size() - pos);
    base::Result<std::size_t> used = parser.Feed(data.substr(pos, n));
    if (!used.has_value()) {
      out.ok = false;
      return out;
    }
    pos += n;
  }
  if (!parser.done()) out.ok = parser.FinishAtEof().ok();
  out.done = parser.done();
  if (out.done) {
    transport::HttpResponse r = parser.TakeResponse();
    out.status = r.status;
    out.body_bytes = r.body.size();
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  Outcome whole = Run(input, 0);
  Outcome bytewise = Run(input, 1);
  if (whole.ok != bytewise.ok || whole.done != bytewise.done || whole.status != bytewise.status ||
      whole.body_bytes != bytewise.body_bytes) {
    std::abort();  // the parser depends on how bytes were split
  }
  return 0;
}
