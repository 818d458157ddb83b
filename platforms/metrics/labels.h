// Label: one name="value" pair of a sample, and Labels, a borrowed list of them.
//
// Labels is a view: it borrows the pairs (and their text) for the duration of the call it
// is passed to, so both a braced list and a caller-owned array work without copying:
//   registry.AddCounter("skiff_output_requests_total", "...", {{"outcome", "ok"}});
//   std::array<Label, 1> labels{{{"input", input_id}}};  writer.Counter(..., labels);
#pragma once

#include <initializer_list>
#include <span>
#include <string_view>

namespace metrics {

struct Label {
  std::string_view name;
  std::string_view value;  // any UTF-8; escaped when rendered
};

class Labels {
 public:
  Labels() = default;
  // The list lives until the end of the full expression, which covers the call.
  Labels(std::initializer_list<Label> list)  // NOLINT(google-explicit-constructor)
      : span_(list.begin(), list.size()) {}
  Labels(std::span<const Label> span) : span_(span) {}  // NOLINT(google-explicit-constructor)

  auto begin() const { return span_.begin(); }
  auto end() const { return span_.end(); }
  std::size_t size() const { return span_.size(); }
  bool empty() const { return span_.empty(); }

 private:
  std::span<const Label> span_;
};

}  // namespace metrics
