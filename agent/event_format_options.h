// EventFormatOptionsFor(): a configured `format` and parsing keys turned into the options
// of the parsing stage (agent/inputs/event_assembler.h). One mapping for every input kind
// and for `skiff exec`; each config loader decides which formats its table accepts.
#pragma once

#include <cstdint>

#include "agent/inputs/event_assembler.h"
#include "config/config.h"

namespace agent {

// kCri and kDocker pick the container wrapper (the body is then text); kJson and kAuto the
// body parser.
EventFormatOptions EventFormatOptionsFor(config::Format format,
                                         const config::FileParsingConfig& parsing,
                                         uint64_t max_line_bytes);

}  // namespace agent
