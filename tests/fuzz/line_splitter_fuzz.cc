// Fuzz target for agent::LineSplitter: arbitrary bytes, chunking and line limit.
// Checks the splitter's promises rather than only "does not crash": lines never exceed
// the limit, offsets rise, the carry-over stays bounded, and the framing does not depend
// on how the stream was chunked. Seed corpus: tests/golden/agent/*.in.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "agent/line_splitter.h"

namespace {

struct Seen {
  uint64_t offset;
  bool truncated;
  std::string text;
  bool operator==(const Seen&) const = default;
};

std::vector<Seen> Split(std::string_view input, std::size_t max_line_bytes, std::size_t chunk_bytes,
                        uint64_t* consumed) {
  agent::LineSplitter splitter(max_line_bytes);
  std::vector<Seen> seen;
  uint64_t last_offset = 0;
  auto on_line = [&](const agent::LineSplitter::Line& line) {
    if (line.text.size() > max_line_bytes) std::abort();
    if (!seen.empty() && line.offset <= last_offset) std::abort();
    last_offset = line.offset;
    seen.push_back(Seen{line.offset, line.truncated, std::string(line.text)});
  };
  for (std::size_t at = 0; at < input.size(); at += chunk_bytes) {
    splitter.Feed(input.substr(at, chunk_bytes), on_line);
    if (splitter.pending_bytes() > max_line_bytes + 1) std::abort();
    if (splitter.consumed_offset() > splitter.fed_offset()) std::abort();
  }
  *consumed = splitter.consumed_offset();
  return seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t max_line_bytes = 1 + data[0] % 64;
  const std::size_t chunk_bytes = 1 + data[1] % 32;
  std::string_view input(reinterpret_cast<const char*>(data + 2), size - 2);
  uint64_t consumed_whole = 0;
  uint64_t consumed_chunked = 0;
  std::vector<Seen> whole = Split(input, max_line_bytes, input.size() + 1, &consumed_whole);
  std::vector<Seen> chunked = Split(input, max_line_bytes, chunk_bytes, &consumed_chunked);
  if (whole != chunked || consumed_whole != consumed_chunked) std::abort();
  return 0;
}
