#include "agent/pipeline.h"

#include <unistd.h>

#include <array>

#include "agent/input_registry.h"
#include "agent/version.h"
#include "auth/static_credentials.h"
#include "auth/workload_identity_provider.h"
#include "buffer/ring.h"
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
    uv_loop_t* loop, const base::Clock& clock, const config::AuthConfig& auth) {
  const auth::ProviderContext context{loop, clock};
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
    case config::AuthType::kTokenFile:
      return auth::MakeTokenFileCredentials(context, auth.path, auth.reload_interval);
    case config::AuthType::kOidcClientCredentials: {
      auth::OidcClientCredentialsOptions oidc;
      oidc.token_url = auth.token_url;
      oidc.client_id = auth.client_id;
      oidc.client_secret = auth.client_secret.value;
      oidc.client_assertion_file = auth.client_assertion_file;
      oidc.scope = auth.scope;
      oidc.audience = auth.audience;
      return auth::MakeOidcCredentials(context, std::move(oidc));
    }
    case config::AuthType::kGcpIdentity: {
      auth::GcpIdentityOptions gcp;
      gcp.audience = auth.audience;
      gcp.metadata_url = auth.metadata_url;
      return auth::MakeGcpIdentityCredentials(context, std::move(gcp));
    }
    case config::AuthType::kAwsSigV4: {
      auth::AwsChainOptions aws;
      aws.imds_endpoint = auth.metadata_url;
      return auth::MakeAwsSigV4Credentials(context, auth.region, auth.service, std::move(aws));
    }
    case config::AuthType::kAzureManagedIdentity:
      return auth::MakeAzureCredentials(context, {.resource = auth.resource,
                                                  .client_id = auth.client_id,
                                                  .metadata_url = auth.metadata_url});
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

buffer::RingOptions RingOptionsFrom(const config::BufferConfig& buffer, const DataDir& data_dir) {
  buffer::RingOptions options;
  options.dir = data_dir.Child("ring");
  options.max_bytes = buffer.max_bytes;
  options.segment_bytes = buffer.segment_bytes;
  options.when_full = buffer.when_full == config::WhenFull::kBlock ? buffer::WhenFull::kBlock
                                                                   : buffer::WhenFull::kDropOldest;
  switch (buffer.fsync) {
    case config::FsyncMode::kAlways:
      options.fsync = buffer::FsyncMode::kAlways;
      break;
    case config::FsyncMode::kBatch:
      options.fsync = buffer::FsyncMode::kBatch;
      break;
    case config::FsyncMode::kNever:
      options.fsync = buffer::FsyncMode::kNever;
      break;
  }
  options.fsync_interval = buffer.fsync_interval;
  options.compression_level = buffer.compression_level;
  return options;
}

}  // namespace

base::Result<std::unique_ptr<Pipeline>> Pipeline::Build(uv_loop_t* loop,
                                                        const config::Config& config,
                                                        const DataDir& data_dir) {
  auto p = std::make_unique<Pipeline>(ConstructorTag{}, config);

  // 1. The on-disk ring between inputs and output, recovered from the last run.
  auto ring =
      buffer::Ring::Open(loop, p->filesystem_, RingOptionsFrom(config.buffer, data_dir), p->clock_);
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
                       config.elasticsearch.index,
                       &p->processing_buffers_};
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

}  // namespace agent
