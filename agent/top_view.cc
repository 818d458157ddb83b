#include "agent/top_view.h"

#include <algorithm>
#include <cstdio>

#include "platforms/base/log.h"

namespace agent {
namespace {

// Below this, columns would overlap; the frame is cut instead.
constexpr std::size_t kMinimumWidth = 40;
constexpr std::size_t kMaxIdWidth = 32;

double Elapsed(const StatusSnapshot* previous, const StatusSnapshot& current) {
  if (previous == nullptr || previous->pid != current.pid) return 0;
  return current.uptime_seconds - previous->uptime_seconds;
}

double Rate(uint64_t before, uint64_t now, double seconds) {
  if (seconds <= 0 || now < before) return 0;
  return static_cast<double>(now - before) / seconds;
}

std::string Fixed(double value, int decimals) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.*f", decimals, value);
  return text;
}

std::string Right(std::string_view text, std::size_t width) {
  if (text.size() >= width) return std::string(text);
  return std::string(width - text.size(), ' ') + std::string(text);
}

std::string Left(std::string_view text, std::size_t width) {
  if (text.size() > width) {
    if (width < 2) return std::string(text.substr(0, width));
    return std::string(text.substr(0, width - 1)) + "~";
  }
  return std::string(text) + std::string(width - text.size(), ' ');
}

std::string Bar(double ratio, std::size_t width) {
  ratio = std::clamp(ratio, 0.0, 1.0);
  const auto filled = static_cast<std::size_t>(ratio * static_cast<double>(width) + 0.5);
  return "[" + std::string(filled, '#') + std::string(width - filled, '.') + "]";
}

}  // namespace

TopRates InputRates(const StatusSnapshot* previous, const StatusSnapshot& current,
                    const InputSnapshot& input) {
  const double seconds = Elapsed(previous, current);
  if (seconds <= 0) return {};
  for (const InputSnapshot& before : previous->inputs) {
    if (before.id != input.id) continue;
    return {Rate(before.events, input.events, seconds), Rate(before.bytes, input.bytes, seconds)};
  }
  return {};
}

std::vector<std::string> RenderTopFrame(const StatusSnapshot* previous,
                                        const StatusSnapshot& current, std::size_t width) {
  const std::size_t cut_at = width;
  width = std::max(width, kMinimumWidth);
  std::vector<std::string> lines;
  lines.push_back(base::StrCat("skiff top  ", current.version, "  pid ", current.pid, "  up ",
                               FormatDuration(current.uptime_seconds), "  ", current.data_dir,
                               "   (q quits)"));
  lines.push_back(current.ready ? "ready" : base::StrCat("NOT READY: ", current.not_ready_reason));
  lines.emplace_back();

  // Inputs: the id column takes what the numbers leave, within bounds.
  constexpr std::size_t kNumbersWidth = 6 + 2 + 10 + 2 + 12 + 2 + 12 + 2 + 5 + 2 + 6;
  std::size_t id_width = 5;
  for (const InputSnapshot& in : current.inputs) id_width = std::max(id_width, in.id.size());
  id_width = std::min(
      {id_width, kMaxIdWidth, width > kNumbersWidth + 2 + 5 ? width - kNumbersWidth - 2 : 5});
  lines.push_back(base::StrCat(Left("INPUT", id_width), "  ", Left("TYPE", 6), "  ",
                               Right("EVENTS/S", 10), "  ", Right("BYTES/S", 12), "  ",
                               Right("EVENTS", 12), "  ", Right("FILES", 5), "  ",
                               Right("ERRORS", 6)));
  for (const InputSnapshot& in : current.inputs) {
    const TopRates rates = InputRates(previous, current, in);
    lines.push_back(base::StrCat(Left(in.id, id_width), "  ", Left(in.type, 6), "  ",
                                 Right(Fixed(rates.events_per_second, 1), 10), "  ",
                                 Right(FormatBytes(rates.bytes_per_second) + "/s", 12), "  ",
                                 Right(std::to_string(in.events), 12), "  ",
                                 Right(std::to_string(in.files_open), 5), "  ",
                                 Right(std::to_string(in.errors), 6)));
  }
  if (current.inputs.empty()) lines.emplace_back("(no inputs)");
  lines.emplace_back();

  const BufferSnapshot& b = current.buffer;
  const std::string fill = base::StrCat(" ", Fixed(b.fill_ratio * 100, 1), "%  ",
                                        FormatBytes(static_cast<double>(b.bytes)), " of ",
                                        FormatBytes(static_cast<double>(b.max_bytes)));
  const std::size_t label = 8;
  const std::size_t bar_width =
      width > label + 2 + fill.size() + 10 ? width - label - 2 - fill.size() : 10;
  lines.push_back(base::StrCat(Left("BUFFER", label), Bar(b.fill_ratio, bar_width), fill));
  lines.push_back(base::StrCat(Left("", label), b.frames, " frames unacknowledged, oldest ",
                               FormatDuration(b.oldest_unacknowledged_age_seconds),
                               b.healthy ? ", healthy" : ", DISK TROUBLE",
                               b.paused ? ", inputs PAUSED" : ""));

  const OutputSnapshot& o = current.output;
  const double seconds = Elapsed(previous, current);
  const OutputSnapshot* before = seconds > 0 ? &previous->output : nullptr;
  const double docs_rate = before ? Rate(before->delivered, o.delivered, seconds) : 0;
  const double bytes_rate = before ? Rate(before->bytes_sent, o.bytes_sent, seconds) : 0;
  const double retry_rate = before ? Rate(before->Retries(), o.Retries(), seconds) : 0;
  lines.push_back(base::StrCat(Left("OUTPUT", label), Fixed(docs_rate, 1), " docs/s  ",
                               FormatBytes(bytes_rate), "/s  delivered ", o.delivered,
                               "  in flight ", o.in_flight));
  lines.push_back(base::StrCat(Left("RETRIES", label), o.Retries(), " (", Fixed(retry_rate, 1),
                               "/s): ", o.requests_retried, " requests, ",
                               o.requests_transport_error, " transport errors, ",
                               o.requests_forbidden, " forbidden, ", o.item_retries, " items"));
  uint64_t input_errors = 0;
  for (const InputSnapshot& in : current.inputs) input_errors += in.errors;
  lines.push_back(base::StrCat(Left("ERRORS", label), input_errors, " input, ", o.dead_lettered,
                               " dead-lettered, ", b.dropped_events, " dropped, ", b.corrupt_frames,
                               " corrupt frames"));
  if (!current.last_reload_result.empty()) {
    lines.push_back(base::StrCat(Left("RELOAD", label), current.last_reload_result, " at ",
                                 current.last_reload_at));
  }
  for (std::string& line : lines) {
    if (line.size() > cut_at) line.resize(cut_at);
  }
  return lines;
}

}  // namespace agent
