// Config: skiff.toml as typed values, after defaults, `${ENV}` and `file:` references and
// validation. Loaded by config_loader.h; agent/ turns these into each component's options.
//
// Defaults live here, once, in the member initializers (DESIGN "Decisions and defaults").
// Sizes are bytes; durations are std::chrono types.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "config/processors_config.h"

namespace config {

using std::chrono::milliseconds;

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * kKiB;
constexpr uint64_t kGiB = 1024 * kMiB;

// A secret value (password, API key). Kept apart from plain strings so nothing prints it
// by accident: it has no stream operator, and error messages name the key, never the value.
struct Secret {
  std::string value;
  bool empty() const { return value.empty(); }
};

// A user field from `fields = { service = "nginx", tier = 2 }`: the key and its value
// already rendered as JSON ("\"nginx\"", "2", "true").
struct Field {
  std::string key;
  std::string json_value;
};

enum class StartAt { kBeginning, kEnd };
enum class Format { kText, kJson, kAuto };

// [[inputs.file]]
struct FileInputConfig {
  std::string id;                    // required, unique among inputs
  std::vector<std::string> paths;    // required, globs
  std::vector<std::string> exclude;  // globs matched against the full path
  StartAt start_at = StartAt::kEnd;
  Format format = Format::kText;
  std::vector<Field> fields;
  std::string index;    // empty: the output's index
  std::string dataset;  // event.dataset; empty: the input id
  uint64_t max_line_bytes = 1 * kMiB;
  milliseconds scan_interval{10'000};
  // How often an open file is checked for new bytes when no notification arrives.
  milliseconds poll_interval{250};
  // [[inputs.file.processors]]: run after the global [[processors]].
  ProcessorConfigs processors;
};

enum class WhenFull { kBlock, kDropOldest };
enum class FsyncMode { kAlways, kBatch, kNever };

// [buffer]
struct BufferConfig {
  uint64_t max_bytes = 1 * kGiB;
  uint64_t segment_bytes = 0;  // 0: 64 MiB, or max_bytes / 8 if smaller
  WhenFull when_full = WhenFull::kBlock;
  FsyncMode fsync = FsyncMode::kBatch;
  milliseconds fsync_interval{200};
  int compression_level = 1;
};

enum class Compression { kNone, kGzip };

// [output.elasticsearch]
struct ElasticsearchConfig {
  std::vector<std::string> hosts;  // required: "http://127.0.0.1:9200"
  std::string index = "logs-generic-default";
  Compression compression = Compression::kNone;
  uint64_t max_batch_bytes = 2 * kMiB;
  uint64_t max_batch_docs = 10'000;
  milliseconds flush_interval{1'000};
  int max_in_flight = 4;
  milliseconds retry_initial{500};
  milliseconds retry_max{30'000};
  milliseconds request_timeout{60'000};
  milliseconds connect_timeout{10'000};
  // Set `_id` from the event's source position and ship with `create` so resends are
  // answered 409 (DESIGN promise 2). Off: Elasticsearch assigns ids (at-least-once).
  bool deterministic_ids = true;
};

enum class AuthType {
  kNone,
  kBasic,
  kApiKey,
  kTokenFile,
  kOidcClientCredentials,
  kGcpIdentity,
  kAwsSigV4,
  kAzureManagedIdentity,
};

// [auth]
struct AuthConfig {
  AuthType type = AuthType::kNone;
  std::string username;  // basic
  Secret password;       // basic
  Secret api_key;        // api_key: the encoded form (base64 of id:key), or "id:key"
  // Token types (docs/auth.md). Each key is accepted only by the types that use it.
  std::string path;                      // token_file: the token's file
  milliseconds reload_interval{60'000};  // token_file: re-read at least this often
  std::string audience;                  // gcp_identity (required), oidc_client_credentials
  std::string token_url;                 // oidc_client_credentials
  std::string client_id;                 // oidc_client_credentials; azure: user-assigned identity
  Secret client_secret;                  // oidc_client_credentials (or client_assertion_file)
  std::string client_assertion_file;     // oidc_client_credentials: federated JWT file
  std::string scope;                     // oidc_client_credentials
  std::string region;                    // aws_sigv4
  std::string service = "es";            // aws_sigv4: "es" or "aoss"
  std::string resource;                  // azure_managed_identity
  std::string metadata_url;              // gcp_identity, aws_sigv4, azure: the metadata server
};

// [metrics]
struct MetricsConfig {
  std::string listen;  // empty: off
};

struct Config {
  std::string source_path;  // the file it was loaded from, for messages
  std::string data_dir = "/var/lib/skiff";
  std::string host_name;  // host.name; empty: gethostname()
  std::string log_level = "info";
  milliseconds shutdown_timeout{5'000};
  std::vector<FileInputConfig> file_inputs;
  ProcessorConfigs processors;  // [[processors]], applied to every input first
  BufferConfig buffer;
  ElasticsearchConfig elasticsearch;
  AuthConfig auth;
  MetricsConfig metrics;
};

}  // namespace config
