#include "agent/input_registry.h"

#include "agent/event_format_options.h"
#include "agent/exec_input_options.h"
#include "agent/inputs/file_tail.h"
#if SKIFF_WITH_JOURNALD
#include "agent/inputs/journal_matches.h"
#include "agent/inputs/journald_input.h"
#endif
#include "agent/inputs/socket_input.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

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
  options.close_inactive = input.close_inactive;
  options.max_open_files = static_cast<std::size_t>(input.max_open_files);
  options.format = EventFormatOptionsFor(input.format, input.parsing, input.max_line_bytes);
  options.index = input.index.empty() ? context.default_index : input.index;
  options.shared_fields_json = RenderSharedFields(
      context.identity, "file", input.dataset.empty() ? input.id : input.dataset, input.fields);
  return options;
}

SocketInputOptions SocketInputOptionsFrom(const InputContext& context,
                                          const config::SocketInputConfig& input) {
  SocketInputOptions options;
  options.id = input.id;
  options.unix_path = input.unix_path;
  options.tcp_host = input.tcp_host;
  options.tcp_port = input.tcp_port;
  options.mode = input.mode;
  options.group = input.group;
  options.format = EventFormatOptionsFor(input.format, {}, input.max_line_bytes);
  options.max_line_bytes = static_cast<std::size_t>(input.max_line_bytes);
  options.max_connections = static_cast<std::size_t>(input.max_connections);
  options.index = input.index.empty() ? context.default_index : input.index;
  options.shared_fields_json = RenderSharedFields(
      context.identity, "socket", input.dataset.empty() ? input.id : input.dataset, input.fields);
  return options;
}

#if SKIFF_WITH_JOURNALD
JournaldInputOptions JournaldInputOptionsFrom(const InputContext& context,
                                              const config::JournaldInputConfig& input) {
  JournaldInputOptions options;
  options.id = input.id;
  options.directory = input.directory;
  options.matches = BuildJournalMatches(input.units, input.matches);
  options.start_at_end = input.start_at == config::StartAt::kEnd;
  options.max_message_bytes = static_cast<std::size_t>(input.max_message_bytes);
  options.poll_interval = input.poll_interval;
  options.index = input.index.empty() ? context.default_index : input.index;
  options.shared_fields_json = RenderSharedFields(
      context.identity, "journald", input.dataset.empty() ? input.id : input.dataset, input.fields);
  for (const config::Field& field : input.fields) options.shared_keys.push_back(field.key);
  return options;
}
#endif

// Where an input appends: the buffer itself, or, when the global [[processors]] or the
// input's own are not empty, a processing stage in front of it (owned by the context).
base::Result<buffer::EventBuffer*> AppendTarget(const InputContext& context,
                                                const config::Config& config,
                                                const config::ProcessorConfigs& own,
                                                std::string_view id) {
  auto chain = BuildProcessorChain(config.processors, own);
  if (!chain.has_value()) return std::move(chain).error().WithContext(base::StrCat("input ", id));
  if (chain->empty()) return &context.buffer;
  context.processing_buffers->push_back(
      std::make_unique<ProcessingBuffer>(context.buffer, std::move(chain.value())));
  return context.processing_buffers->back().get();
}

}  // namespace

base::Result<std::vector<std::unique_ptr<Input>>> BuildInputs(const InputContext& context,
                                                              const config::Config& config) {
  std::vector<std::unique_ptr<Input>> inputs;
  for (const config::FileInputConfig& input : config.file_inputs) {
    auto target = AppendTarget(context, config, input.processors, input.id);
    if (!target.has_value()) return std::move(target).error();
    inputs.push_back(
        std::make_unique<FileTailInput>(context.loop, *target.value(), context.checkpoints,
                                        FileTailOptionsFrom(context, input), context.clock));
  }
  for (const config::ExecInputConfig& input : config.exec_inputs) {
    auto target = AppendTarget(context, config, input.processors, input.id);
    if (!target.has_value()) return std::move(target).error();
    inputs.push_back(std::make_unique<ExecInput>(context.loop, *target.value(), context.clock,
                                                 ExecInputOptionsFrom(context, input)));
  }
  for (const config::SocketInputConfig& input : config.socket_inputs) {
    auto target = AppendTarget(context, config, input.processors, input.id);
    if (!target.has_value()) return std::move(target).error();
    inputs.push_back(std::make_unique<SocketInput>(context.loop, *target.value(), context.clock,
                                                   SocketInputOptionsFrom(context, input)));
  }
#if SKIFF_WITH_JOURNALD
  for (const config::JournaldInputConfig& input : config.journald_inputs) {
    auto target = AppendTarget(context, config, input.processors, input.id);
    if (!target.has_value()) return std::move(target).error();
    inputs.push_back(
        std::make_unique<JournaldInput>(context.loop, *target.value(), context.checkpoints,
                                        JournaldInputOptionsFrom(context, input), context.clock));
  }
#else
  // config/ refuses [[inputs.journald]] in a build without libsystemd.
  if (!config.journald_inputs.empty()) {
    return base::InvalidArgument("this build of skiff has no journald support");
  }
#endif
  return inputs;
}

}  // namespace agent
