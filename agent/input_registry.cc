#include "agent/input_registry.h"

#include "agent/inputs/file_tail.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

// `format` picks the container wrapper and the body parser (config::Format); the other
// parsing keys are passed as they are.
EventFormatOptions EventFormatOptionsFrom(const config::FileInputConfig& input) {
  EventFormatOptions options;
  options.parsing = input.parsing;
  options.max_line_bytes = static_cast<std::size_t>(input.max_line_bytes);
  switch (input.format) {
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

FileTailOptions FileTailOptionsFrom(const InputContext& context,
                                    const config::FileInputConfig& input) {
  FileTailOptions options;
  options.id = input.id;
  options.paths = input.paths;
  options.exclude = input.exclude;
  options.start_at_end = input.start_at == config::StartAt::kEnd;
  options.max_line_bytes = input.max_line_bytes;
  options.poll_interval = input.poll_interval;
  options.scan_interval = input.scan_interval;
  options.use_notifications = input.notifications;
  options.fingerprint_bytes = static_cast<uint32_t>(input.fingerprint_bytes);
  options.forget_after = input.forget_after;
  options.ignore_older = input.ignore_older;
  options.format = EventFormatOptionsFrom(input);
  options.index = input.index.empty() ? context.default_index : input.index;
  options.shared_fields_json = RenderSharedFields(
      context.identity, "file", input.dataset.empty() ? input.id : input.dataset, input.fields);
  return options;
}

}  // namespace

base::Result<std::vector<std::unique_ptr<Input>>> BuildInputs(const InputContext& context,
                                                              const config::Config& config) {
  std::vector<std::unique_ptr<Input>> inputs;
  for (const config::FileInputConfig& input : config.file_inputs) {
    // Global processors first, then the input's own; none: the input appends directly.
    buffer::EventBuffer* target = &context.buffer;
    auto chain = BuildProcessorChain(config.processors, input.processors);
    if (!chain.has_value()) {
      return std::move(chain).error().WithContext(base::StrCat("input ", input.id));
    }
    if (!chain->empty()) {
      context.processing_buffers->push_back(
          std::make_unique<ProcessingBuffer>(context.buffer, std::move(chain.value())));
      target = context.processing_buffers->back().get();
    }
    inputs.push_back(std::make_unique<FileTailInput>(context.loop, *target, context.checkpoints,
                                                     FileTailOptionsFrom(context, input),
                                                     context.clock));
  }
  return inputs;
}

}  // namespace agent
