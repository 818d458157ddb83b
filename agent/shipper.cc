#include "agent/shipper.h"

#include <algorithm>
#include <utility>

#include "agent/version.h"
#include "auth/static_credentials.h"
#include "auth/workload_identity_provider.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

// How often a drain checks whether the output has heard from Elasticsearch yet.
constexpr std::chrono::milliseconds kReachabilityPoll{10};

}  // namespace

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

transport::OutputOptions OutputOptionsFrom(const config::Config& config, std::string_view agent_id,
                                           std::string dead_letter_dir) {
  const config::ElasticsearchConfig& es = config.elasticsearch;
  transport::OutputOptions options;
  options.stamp_identity = config.auth.stamp_identity;
  options.hosts = es.hosts;
  options.agent_id = std::string(agent_id);
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
  options.compression_level = es.compression_level;
  options.sniff = es.sniff;
  options.sniff_interval = es.sniff_interval;
  options.index_fallback = es.index_fallback;
  options.data_stream = es.data_stream;
  options.require_data_stream = es.require_data_stream;
  options.tls.ca_file = es.tls.ca_file;
  options.tls.ca_dir = es.tls.ca_dir;
  options.tls.cert_file = es.tls.cert_file;
  options.tls.key_file = es.tls.key_file;
  options.tls.server_name = es.tls.server_name;
  options.tls.verify = es.tls.verify;
  options.proxy_env = transport::ProcessEnvLookup();
  // SSL_CERT_FILE: the conventional override of the system CA bundle.
  if (auto ca = options.proxy_env("SSL_CERT_FILE")) options.tls.system_ca_file = *ca;
  options.proxy = es.proxy.value;
  options.dead_letter_dir = std::move(dead_letter_dir);
  options.user_agent = base::StrCat("skiff/", kVersion);
  return options;
}

buffer::RingOptions RingOptionsFrom(const config::BufferConfig& buffer, std::string ring_dir) {
  buffer::RingOptions options;
  options.dir = std::move(ring_dir);
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

base::Result<std::unique_ptr<Shipper>> Shipper::Open(uv_loop_t* loop, const config::Config& config,
                                                     ShipperPaths paths) {
  auto s = std::make_unique<Shipper>(ConstructorTag{}, loop);
  auto ring = buffer::Ring::Open(
      loop, s->filesystem_, RingOptionsFrom(config.buffer, std::move(paths.ring_dir)), s->clock_);
  if (!ring.has_value()) return std::move(ring).error().WithContext("buffer");
  s->ring_ = std::move(ring.value());
  auto credentials = MakeCredentials(loop, s->clock_, config.auth);
  if (!credentials.has_value()) return std::move(credentials).error().WithContext("[auth]");
  s->credentials_ = std::move(credentials.value());
  s->output_ = std::make_unique<transport::ElasticsearchOutput>(
      loop, *s->ring_, s->credentials_.get(),
      OutputOptionsFrom(config, paths.agent_id, std::move(paths.dead_letter_dir)));
  return s;
}

Shipper::~Shipper() = default;

base::Status Shipper::Start() {
  if (base::Status s = output_->Start(); !s.ok()) return s.WithContext("output");
  return base::Status::Ok();
}

void Shipper::Drain(std::chrono::milliseconds deadline, std::function<void()> done) {
  if (draining_) return;
  draining_ = true;
  Flush();
  drain_done_ = std::move(done);
  drain_deadline_ = clock_.Now() + deadline;
  if (ReachabilityKnown()) {
    ShutdownOutput();
    return;
  }
  int rc = uv_timer_init(loop_, drain_timer_.get());
  if (rc == 0) {
    drain_timer_.MarkInitialized();
    drain_timer_->data = this;
    rc = uv_timer_start(drain_timer_.get(), &OnDrainTimer, kReachabilityPoll.count(),
                        kReachabilityPoll.count());
  }
  if (rc != 0) {
    base::LogWarn("agent", base::UvStatus(rc, "drain timer").message());
    ShutdownOutput();
  }
}

void Shipper::OnDrainTimer(uv_timer_t* timer) {
  auto* self = static_cast<Shipper*>(timer->data);
  if (self == nullptr) return;
  if (self->ReachabilityKnown() || self->clock_.Now() >= self->drain_deadline_) {
    self->drain_timer_.Reset();
    self->ShutdownOutput();
  }
}

bool Shipper::ReachabilityKnown() const {
  if (output_->Readiness().ok()) return true;
  const transport::OutputStats& stats = output_->stats();
  if (stats.hosts.empty()) return true;
  for (const auto& host : stats.hosts) {
    if (host.up) return false;
  }
  return true;
}

void Shipper::ShutdownOutput() {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(drain_deadline_ - clock_.Now());
  output_->Shutdown(std::max(left, std::chrono::milliseconds(0)), [this] {
    Flush();
    std::function<void()> done = std::move(drain_done_);
    if (done) done();
  });
}

void Shipper::Flush() {
  if (base::Status s = ring_->Flush(); !s.ok()) {
    base::LogError("agent",
                   s.WithContext(base::StrCat("flushing ", ring_->options().dir)).message());
  }
}

}  // namespace agent
