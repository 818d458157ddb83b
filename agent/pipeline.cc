#include "agent/pipeline.h"

#include <unistd.h>

#include <array>

#include "agent/input_registry.h"
#include "agent/version.h"
#include "auth/static_credentials.h"
#include "buffer/memory_queue.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

std::string HostName(const config::Config& config) {
  if (!config.host_name.empty()) return config.host_name;
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) return "unknown";
  return std::string(name.data());
}

base::Result<std::unique_ptr<transport::Credentials>> MakeCredentials(
    const config::AuthConfig& auth) {
  switch (auth.type) {
    case config::AuthType::kNone:
      return std::unique_ptr<transport::Credentials>();
    case config::AuthType::kBasic: {
      auto basic = auth::StaticCredentials::Basic(auth.username, auth.password.value);
      if (!basic.has_value()) return std::move(basic).error();
      return std::unique_ptr<transport::Credentials>(std::move(basic.value()));
    }
    case config::AuthType::kApiKey: {
      auto key = auth::StaticCredentials::ApiKey(auth.api_key.value);
      if (!key.has_value()) return std::move(key).error();
      return std::unique_ptr<transport::Credentials>(std::move(key.value()));
    }
  }
  return base::InvalidArgument("unknown [auth] type");
}

transport::OutputOptions OutputOptionsFrom(const config::ElasticsearchConfig& es,
                                           const DataDir& data_dir) {
  transport::OutputOptions options;
  options.hosts = es.hosts;
  options.agent_id = data_dir.agent_id();
  options.default_index = es.index;
  options.max_batch_bytes = es.max_batch_bytes;
  options.max_batch_docs = es.max_batch_docs;
  options.flush_interval = es.flush_interval;
  options.max_in_flight = es.max_in_flight;
  options.retry_initial = es.retry_initial;
  options.retry_max = es.retry_max;
  options.request_timeout = es.request_timeout;
  options.connect_timeout = es.connect_timeout;
  options.deterministic_ids = es.deterministic_ids;
  options.gzip = es.compression == config::Compression::kGzip;
  options.dead_letter_dir = data_dir.Child("dead-letter");
  options.user_agent = base::StrCat("skiff/", kVersion);
  return options;
}

}  // namespace

base::Result<std::unique_ptr<Pipeline>> Pipeline::Build(uv_loop_t* loop,
                                                        const config::Config& config,
                                                        const DataDir& data_dir) {
  auto p = std::make_unique<Pipeline>(ConstructorTag{}, config);

  // 1. The buffer between inputs and output (in memory until the on-disk ring lands).
  p->buffer_ = std::make_unique<buffer::MemoryQueue>(config.buffer.memory_bytes);

  // 2. The output that drains it, with its credentials.
  auto credentials = MakeCredentials(config.auth);
  if (!credentials.has_value()) return std::move(credentials).error().WithContext("[auth]");
  p->credentials_ = std::move(credentials.value());
  p->output_ = std::make_unique<transport::ElasticsearchOutput>(
      loop, *p->buffer_, p->credentials_.get(), OutputOptionsFrom(config.elasticsearch, data_dir));

  // 3. The inputs that fill it, resuming from their checkpoints.
  auto checkpoints = buffer::CheckpointStore::Open(data_dir.Child("checkpoints"));
  if (!checkpoints.has_value()) return std::move(checkpoints).error();
  p->checkpoints_ = std::make_unique<buffer::CheckpointStore>(std::move(checkpoints.value()));
  InputContext context{loop,
                       *p->buffer_,
                       *p->checkpoints_,
                       p->clock_,
                       AgentIdentity{HostName(config), data_dir.agent_id(), kVersion},
                       config.elasticsearch.index};
  auto inputs = BuildInputs(context, config);
  if (!inputs.has_value()) return std::move(inputs).error();
  p->inputs_ = std::move(inputs.value());
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
  // The buffer has one on_space slot; every input must hear that room freed up.
  buffer_->SetOnSpace([this] {
    for (auto& input : inputs_) input->OnBufferSpace();
  });
  base::LogInfo("agent", base::StrCat("started ", inputs_.size(), " input(s), shipping to ",
                                      config_.elasticsearch.hosts.front(),
                                      config_.elasticsearch.hosts.size() > 1 ? " and others" : ""));
  return base::Status::Ok();
}

void Pipeline::Stop(std::function<void()> done) {
  if (stopping_) return;
  stopping_ = true;
  for (auto& input : inputs_) input->Stop();
  output_->Shutdown(config_.shutdown_timeout, [this, done = std::move(done)] {
    PersistCheckpoints();
    const transport::OutputStats& s = output_->stats();
    base::LogInfo(
        "agent",
        base::StrCat("shipped ", s.docs_delivered, " documents (", s.docs_duplicate,
                     " already present), ", s.docs_dead_lettered, " dead-lettered; ",
                     buffer_->PendingBatches(), " batch(es) left unshipped for the next start"));
    if (done) done();
  });
}

void Pipeline::PersistCheckpoints() {
  if (base::Status s = checkpoints_->Persist(); !s.ok()) {
    base::LogError("agent", s.WithContext("saving checkpoints").message());
  }
}

}  // namespace agent
