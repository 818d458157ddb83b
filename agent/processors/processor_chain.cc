#include "agent/processors/processor_chain.h"

#include <cstdlib>
#include <utility>

#include "agent/processors/condition.h"
#include "agent/processors/drop_event_processor.h"
#include "agent/processors/fields_processor.h"
#include "agent/processors/filter_processor.h"
#include "agent/processors/kubernetes_processor.h"
#include "agent/processors/parse_processor.h"
#include "agent/processors/redact_processor.h"
#include "agent/processors/sample_processor.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

// The downward API's conventional variable for `spec.nodeName`.
constexpr const char* kNodeNameVariable = "NODE_NAME";

template <class T>
base::Result<std::unique_ptr<Processor>> Upcast(base::Result<std::unique_ptr<T>> made) {
  if (!made.has_value()) return std::move(made).error();
  return std::unique_ptr<Processor>(std::move(made.value()));
}

}  // namespace

std::size_t ProcessorChain::Run(buffer::EventBatch& batch) {
  if (processors_.empty()) return 0;
  for (auto& p : processors_) p->BeginBatch(batch);
  std::vector<buffer::Event>& events = batch.events;
  std::size_t kept = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    view_->Reset(&events[i]);
    Verdict verdict = Verdict::kKeep;
    for (auto& p : processors_) {
      verdict = p->Process(*view_);
      if (verdict == Verdict::kDrop) break;
    }
    if (verdict == Verdict::kDrop) continue;
    view_->Finish();
    if (kept != i) events[kept] = std::move(events[i]);
    ++kept;
  }
  std::size_t dropped = events.size() - kept;
  events.resize(kept);
  return dropped;
}

base::Result<std::unique_ptr<Processor>> BuildProcessor(const config::ProcessorConfig& config) {
  using T = config::ProcessorType;
  switch (config.type) {
    case T::kInclude:
    case T::kExclude:
      return Upcast(FilterProcessor::Make(config.name,
                                          config.type == T::kInclude
                                              ? FilterProcessor::Mode::kInclude
                                              : FilterProcessor::Mode::kExclude,
                                          config.field, config.patterns));
    case T::kParse:
      return Upcast(ParseProcessor::Make(config));
    case T::kFields: {
      FieldsEdits edits{config.copy, config.rename, config.remove, config.add};
      return std::unique_ptr<Processor>(
          std::make_unique<FieldsProcessor>(config.name, std::move(edits)));
    }
    case T::kDropEvent:
    case T::kSample: {
      auto when = Condition::Make(config.when, base::StrCat(config.name, ".when"));
      if (!when.has_value()) return std::move(when).error();
      if (config.type == T::kDropEvent) {
        return std::unique_ptr<Processor>(
            std::make_unique<DropEventProcessor>(config.name, std::move(when.value())));
      }
      if (config.every == 0) return base::InvalidArgument(base::StrCat(config.name, ": every = 0"));
      return std::unique_ptr<Processor>(
          std::make_unique<SampleProcessor>(config.name, config.every, std::move(when.value())));
    }
    case T::kRedact:
      return Upcast(RedactProcessor::Make(config));
    case T::kKubernetes: {
      std::string node = config.node_name;
      if (node.empty()) {
        const char* env = std::getenv(kNodeNameVariable);
        if (env != nullptr) node = env;
      }
      return std::unique_ptr<Processor>(
          std::make_unique<KubernetesProcessor>(config.name, std::move(node)));
    }
  }
  return base::InvalidArgument(base::StrCat(config.name, ": unknown processor type"));
}

base::Result<ProcessorChain> BuildProcessorChain(const config::ProcessorConfigs& global,
                                                 const config::ProcessorConfigs& local) {
  std::vector<std::unique_ptr<Processor>> processors;
  for (const config::ProcessorConfigs* list : {&global, &local}) {
    for (const config::ProcessorConfig& config : *list) {
      auto p = BuildProcessor(config);
      if (!p.has_value()) return std::move(p).error();
      processors.push_back(std::move(p.value()));
    }
  }
  return ProcessorChain(std::move(processors));
}

}  // namespace agent
