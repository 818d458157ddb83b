#include "agent/pipeline.h"

#include <algorithm>

#include "agent/input_registry.h"
#include "agent/shared_fields.h"
#include "agent/shipper.h"
#include "agent/version.h"
#include "buffer/ring.h"
#include "platforms/base/log.h"

namespace agent {

base::Result<std::unique_ptr<Pipeline>> Pipeline::Build(uv_loop_t* loop,
                                                        const config::Config& config,
                                                        const DataDir& data_dir) {
  auto p = std::make_unique<Pipeline>(ConstructorTag{}, config);

  // 1. The on-disk ring between inputs and output, recovered from the last run.
  auto ring = buffer::Ring::Open(loop, p->filesystem_,
                                 RingOptionsFrom(config.buffer, data_dir.Child("ring")), p->clock_);
  if (!ring.has_value()) return std::move(ring).error().WithContext("buffer");
  p->buffer_ = std::move(ring.value());
  if (p->buffer_->PendingBatches() > 0) {
    base::LogInfo("agent", base::StrCat("buffer holds ", p->buffer_->PendingBatches(),
                                        " batch(es) from the last run; shipping them first"));
  }

  // 2. The output that drains it, with its credentials.
  auto credentials = MakeCredentials(loop, p->clock_, config.auth);
  if (!credentials.has_value()) return std::move(credentials).error().WithContext("[auth]");
  p->credentials_ = std::move(credentials.value());
  p->output_ = std::make_unique<transport::ElasticsearchOutput>(
      loop, *p->buffer_, p->credentials_.get(),
      OutputOptionsFrom(config, data_dir.agent_id(), data_dir.Child("dead-letter")));

  // 3. The inputs that fill it, resuming from their checkpoints.
  auto checkpoints = buffer::CheckpointStore::Open(data_dir.Child("checkpoints"));
  if (!checkpoints.has_value()) return std::move(checkpoints).error();
  p->checkpoints_ = std::make_unique<buffer::CheckpointStore>(std::move(checkpoints.value()));
  p->loop_ = loop;
  p->identity_ = AgentIdentity{HostName(config), data_dir.agent_id(), kVersion};
  for (const std::string& id : config::InputIds(config)) {
    auto built = p->BuildInput(config, id);
    if (!built.has_value()) return std::move(built).error();
    p->input_stages_.push_back(std::move(built->stages));
    p->inputs_.push_back(std::move(built->input));
  }
  return p;
}

Pipeline::~Pipeline() = default;

base::Status Pipeline::Start() {
  if (base::Status s = output_->Start(); !s.ok()) return s.WithContext("output");
  for (auto& input : inputs_) {
    if (base::Status s = input->Start(); !s.ok()) {
      return s.WithContext(base::StrCat("input ", input->id()));
    }
  }
  ListenForSpace();
  base::LogInfo("agent", base::StrCat("started ", inputs_.size(), " input(s), shipping to ",
                                      config_.elasticsearch.hosts.front(),
                                      config_.elasticsearch.hosts.size() > 1 ? " and others" : ""));
  return base::Status::Ok();
}

void Pipeline::Stop(std::function<void()> done) {
  if (stopping_) return;
  stopping_ = true;
  // Stop reading, then make everything read durable so the checkpoints cover it.
  for (auto& input : inputs_) input->Stop();
  FlushBuffer();
  output_->Shutdown(config_.shutdown_timeout, [this, done = std::move(done)] {
    SaveState();
    const transport::OutputStats& s = output_->stats();
    const buffer::RingStats ring = buffer_->stats();
    base::LogInfo(
        "agent",
        base::StrCat("shipped ", s.docs_delivered, " documents (", s.docs_duplicate,
                     " already present), ", s.docs_dead_lettered, " dead-lettered; ",
                     buffer_->PendingBatches(), " batch(es) left unshipped for the next start",
                     ring.dropped_events > 0
                         ? base::StrCat("; ", ring.dropped_events, " events dropped by the ring")
                         : std::string()));
    if (done) done();
  });
}

base::Status Pipeline::Readiness() const {
  if (stopping_) return base::Unavailable("stopping");
  if (!buffer_->Healthy()) {
    return base::Unavailable(base::StrCat("buffer: cannot write to ", buffer_->options().dir, ": ",
                                          buffer_->LastDiskError().message(),
                                          "; inputs paused until writes succeed"));
  }
  return output_->Readiness();
}

void Pipeline::SaveState() {
  FlushBuffer();
  PersistCheckpoints();
}

void Pipeline::FlushBuffer() {
  if (base::Status s = buffer_->Flush(); !s.ok()) {
    base::LogError("agent", s.WithContext("flushing the buffer").message());
  }
}

void Pipeline::PersistCheckpoints() {
  if (base::Status s = checkpoints_->Persist(); !s.ok()) {
    base::LogError("agent", s.WithContext("saving checkpoints").message());
  }
}

base::Result<Pipeline::BuiltInput> Pipeline::BuildInput(const config::Config& config,
                                                        std::string_view id) {
  // BuildInputs() takes a whole config; hand it one with just this input (and the global
  // processors, which run first).
  const config::Config one = config::WithOnlyInput(config, id);
  BuiltInput built;
  InputContext context{loop_,          *buffer_,
                       *checkpoints_,  clock_,
                       identity_,      config_.elasticsearch.index,
                       &built.stages};
  auto inputs = BuildInputs(context, one);
  if (!inputs.has_value()) return std::move(inputs).error();
  built.input = std::move(inputs.value().front());
  return built;
}

void Pipeline::ListenForSpace() {
  // The buffer has one on_space slot; every input must hear that room freed up.
  buffer_->SetOnSpace([this] { TellInputsAboutSpace(); });
}

void Pipeline::TellInputsAboutSpace() {
  for (auto& input : inputs_) input->OnBufferSpace();
}

base::Result<std::vector<std::string>> Pipeline::ReloadInputs(const config::Config& next,
                                                              const ReloadPlan& plan) {
  if (stopping_) return base::Unavailable("stopping");
  auto listed = [](const std::vector<std::string>& ids, std::string_view id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  };
  // Build every new input first: a failure here leaves the running ones untouched.
  std::vector<BuiltInput> fresh;
  const std::vector<std::string> next_ids = config::InputIds(next);
  for (const std::string& id : next_ids) {
    if (!listed(plan.added, id) && !listed(plan.changed, id)) continue;
    auto built = BuildInput(next, id);
    if (!built.has_value()) return std::move(built).error().WithContext("reload");
    fresh.push_back(std::move(built.value()));
  }

  // Stop the inputs that go away or change. Flushing the ring runs the on_durable
  // callbacks of every batch they appended, so their checkpoints cover all they read and
  // a changed input resumes right after it (a batch still waiting for room in a full
  // ring is the exception: its lines are read again and answered 409).
  std::vector<std::unique_ptr<Input>> kept_inputs;
  std::vector<std::vector<std::unique_ptr<ProcessingBuffer>>> kept_stages;
  std::vector<std::unique_ptr<Input>> stopped;
  std::vector<std::vector<std::unique_ptr<ProcessingBuffer>>> stopped_stages;
  // While inputs_ is taken apart, stopping an input or flushing the ring may free room: no
  // input hears it now (some entries are moved out); every input is told below.
  buffer_->SetOnSpace(nullptr);
  for (std::size_t i = 0; i < inputs_.size(); ++i) {
    const std::string_view id = inputs_[i]->id();
    if (listed(plan.removed, id) || listed(plan.changed, id)) {
      inputs_[i]->Stop();
      stopped.push_back(std::move(inputs_[i]));
      stopped_stages.push_back(std::move(input_stages_[i]));
    } else {
      kept_inputs.push_back(std::move(inputs_[i]));
      kept_stages.push_back(std::move(input_stages_[i]));
    }
  }
  if (!stopped.empty()) {
    FlushBuffer();
    PersistCheckpoints();
  }
  stopped.clear();  // inputs before the stages they append through
  stopped_stages.clear();

  // The new set, in the order of the new file.
  inputs_.clear();
  input_stages_.clear();
  std::vector<std::string> failed;
  for (const std::string& id : next_ids) {
    auto kept = std::find_if(kept_inputs.begin(), kept_inputs.end(),
                             [&id](const auto& k) { return k && k->id() == id; });
    if (kept != kept_inputs.end()) {
      const auto index = static_cast<std::size_t>(kept - kept_inputs.begin());
      input_stages_.push_back(std::move(kept_stages[index]));
      inputs_.push_back(std::move(*kept));
      continue;
    }
    auto built = std::find_if(fresh.begin(), fresh.end(), [&id](const BuiltInput& b) {
      return b.input && b.input->id() == id;
    });
    if (built == fresh.end()) continue;
    if (base::Status s = built->input->Start(); !s.ok()) {
      base::LogError("agent", s.WithContext(base::StrCat("reload: input ", id)).message());
      failed.push_back(id);
      continue;
    }
    input_stages_.push_back(std::move(built->stages));
    inputs_.push_back(std::move(built->input));
  }
  ListenForSpace();
  // Room freed during the reload reaches the inputs paused on a full buffer now.
  if (!buffer_->Full()) TellInputsAboutSpace();
  return failed;
}

}  // namespace agent
