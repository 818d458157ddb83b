#include "agent/event_format_options.h"

namespace agent {

EventFormatOptions EventFormatOptionsFor(config::Format format,
                                         const config::FileParsingConfig& parsing,
                                         uint64_t max_line_bytes) {
  EventFormatOptions options;
  options.parsing = parsing;
  options.max_line_bytes = static_cast<std::size_t>(max_line_bytes);
  switch (format) {
    case config::Format::kText:
      break;
    case config::Format::kJson:
      options.body = BodyFormat::kJson;
      break;
    case config::Format::kAuto:
      options.body = BodyFormat::kAuto;
      break;
    case config::Format::kCri:
      options.container = ContainerFormat::kCri;
      break;
    case config::Format::kDocker:
      options.container = ContainerFormat::kDocker;
      break;
  }
  return options;
}

}  // namespace agent
