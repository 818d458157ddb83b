// Config: skiff.toml as typed values, after defaults, `${ENV}` and `file:` references and
// validation. Loaded by config_loader.h; agent/ turns these into each component's options.
//
// Defaults live here, once, in the member initializers (DESIGN "Decisions and defaults").
// Sizes are bytes; durations are std::chrono types.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/file_parsing_config.h"
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
  bool operator==(const Secret&) const = default;
};

// A user field from `fields = { service = "nginx", tier = 2 }`: the key and its value
// already rendered as JSON ("\"nginx\"", "2", "true").
struct Field {
  std::string key;
  std::string json_value;
  bool operator==(const Field&) const = default;
};

enum class StartAt { kBeginning, kEnd };
// kCri, kDocker: container runtime log lines (the CRI format of containerd and CRI-O,
// Docker's json-file), unwrapped and reassembled; their text is then read as kText.
enum class Format { kText, kJson, kAuto, kCri, kDocker };

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
  // File-system notifications (inotify) find new files and appends at once; with them a
  // quiet file's poll backs off to scan_interval. Off for network file systems, where
  // another host's writes raise no notification here.
  bool notifications = true;
  // How much of a file's beginning its checkpoint fingerprints (tells a new file that
  // reuses an inode from the old one).
  uint64_t fingerprint_bytes = 1024;
  // Checkpoints of files gone (not followed) for this long are dropped.
  milliseconds forget_after{std::chrono::hours(24 * 7)};
  // Files not modified for this long are not opened; 0: off.
  milliseconds ignore_older{0};
  // A file not grown for this long has its descriptor closed (opened again when it
  // grows); a deleted or renamed file is closed at the latest this long after.
  milliseconds close_inactive{std::chrono::minutes(5)};
  // Descriptors of followed files open at once; busy files beyond it take turns.
  uint64_t max_open_files = 1024;
  // multiline, json, timestamp, flush_partial_after.
  FileParsingConfig parsing;
  // [[inputs.file.processors]]: run after the global [[processors]].
  ProcessorConfigs processors;
  // Reload compares inputs by value (agent/reload_plan.h): every member takes part.
  bool operator==(const FileInputConfig&) const = default;
};

// [[inputs.journald]]: the systemd journal through sd-journal (docs/configuration.md).
// Only in builds with libsystemd (SKIFF_WITH_JOURNALD); otherwise the table is an error.
struct JournaldInputConfig {
  std::string id;         // required, unique among inputs
  std::string directory;  // journal files of this directory; empty: the local system journal
  // _SYSTEMD_UNIT values, OR'ed; a name without a unit type gets ".service".
  std::vector<std::string> units;
  // "FIELD=value": AND across fields, OR within one field (as journalctl does).
  std::vector<std::string> matches;
  // Where to begin when the input has no cursor checkpoint yet.
  StartAt start_at = StartAt::kEnd;
  std::vector<Field> fields;
  std::string index;    // empty: the output's index
  std::string dataset;  // event.dataset; empty: the input id
  // Longer MESSAGE fields are cut and flagged truncated.
  uint64_t max_message_bytes = 1 * kMiB;
  // The journal is checked this often when no change notification arrives.
  milliseconds poll_interval{1'000};
  ProcessorConfigs processors;
  bool operator==(const JournaldInputConfig&) const = default;
};

// What `restart` does when a supervised command of [[inputs.exec]] ends.
enum class RestartPolicy { kNever, kOnFailure, kAlways };

// An environment variable given to a command: `env = { NAME = "value" }`.
struct EnvVar {
  std::string name;
  std::string value;
  bool operator==(const EnvVar&) const = default;
};

// [[inputs.exec]]: a command the daemon runs, supervised (`restart`) or periodic
// (`interval`), its output and outcome shipped like `skiff exec`'s (docs/exec-input.md).
struct ExecInputConfig {
  std::string id;  // required, unique among inputs
  // argv, run directly (PATH searched); `command = "text"` in the file is
  // {"/bin/sh", "-c", text}.
  std::vector<std::string> command;
  std::string task;  // task.name; empty: the id
  RestartPolicy restart = RestartPolicy::kNever;
  // The wait before restarting after a run that ended within restart_backoff_max, doubled
  // each time up to restart_backoff_max; a run that lasted longer resets it.
  milliseconds restart_backoff{1'000};
  milliseconds restart_backoff_max{60'000};
  // Periodic: a run starts every interval (the first at once); a run still going when the
  // next is due makes that one skipped, never overlapped. 0: not periodic.
  milliseconds interval{0};
  milliseconds timeout{0};  // a run going longer is stopped; 0: no limit
  // After SIGTERM (timeout, reload, shutdown), how long a run may take before SIGKILL.
  milliseconds stop_grace{5'000};
  std::vector<EnvVar> env;        // added to (or replacing in) skiff's environment
  std::string working_directory;  // empty: skiff's
  Format format = Format::kText;  // text | json | auto
  uint64_t max_line_bytes = 1 * kMiB;
  // multiline, json, timestamp (flush_partial_after does not apply: a pipe's last line
  // is sent when the stream ends).
  FileParsingConfig parsing;
  std::vector<Field> fields;
  std::string index;    // empty: the output's index
  std::string dataset;  // event.dataset; empty: the input id
  ProcessorConfigs processors;
  bool operator==(const ExecInputConfig&) const = default;
};

// [[inputs.socket]]: NDJSON (or text) lines sent by local programs to a Unix socket or a
// loopback TCP port (agent/inputs/socket_input.h).
struct SocketInputConfig {
  std::string id;  // required, unique among inputs
  // Required: "unix:/run/skiff/ingest.sock" or "/run/skiff/ingest.sock" (a Unix socket),
  // or "127.0.0.1:PORT" / "[::1]:PORT" / "localhost:PORT" (loopback TCP only). The loader
  // fills exactly one of unix_path and tcp_host/tcp_port from it.
  std::string listen;
  std::string unix_path;
  std::string tcp_host;
  uint16_t tcp_port = 0;
  // Unix socket: permission bits of the socket file ("0660") and its group (a name or a
  // number; empty: the agent's group).
  uint32_t mode = 0660;
  std::string group;
  Format format = Format::kJson;  // json | text | auto
  std::vector<Field> fields;
  std::string index;    // empty: the output's index
  std::string dataset;  // event.dataset; empty: the input id
  uint64_t max_line_bytes = 1 * kMiB;
  // Connections open at once; more are accepted and closed at once (counted, logged).
  uint64_t max_connections = 256;
  // [[inputs.socket.processors]]: run after the global [[processors]].
  ProcessorConfigs processors;
  bool operator==(const SocketInputConfig&) const = default;
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
  bool operator==(const BufferConfig&) const = default;
};

enum class Compression { kNone, kGzip };

// [output.elasticsearch.tls] (or `tls = { ... }`): see transport/tls_options.h.
struct TlsConfig {
  std::string ca_file;      // PEM CA bundle to trust; empty with ca_dir: the system's
  std::string ca_dir;       // a directory of CA certificates to trust
  std::string cert_file;    // mutual TLS: client certificate (PEM), with key_file
  std::string key_file;     // mutual TLS: its private key (PEM)
  std::string server_name;  // SNI and verified name; empty: the host of the URL
  bool verify = true;       // false: accept any certificate (tests only; warned at start)
  bool operator==(const TlsConfig&) const = default;
};

// [output.elasticsearch]
struct ElasticsearchConfig {
  std::vector<std::string> hosts;  // required: "http://127.0.0.1:9200"
  // Elastic Cloud: "name:base64..." instead of hosts, which the loader sets from it.
  std::string cloud_id;
  std::string index = "logs-generic-default";
  Compression compression = Compression::kNone;
  int compression_level = 1;  // gzip's zlib level, 1 (fastest) to 9
  // Discover the cluster's nodes (GET /_nodes/http) and ship to them too.
  bool sniff = false;
  milliseconds sniff_interval{300'000};
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
  // An event whose `index` template refers to a missing field goes here (dates allowed).
  std::string index_fallback = "logs-generic-default";
  // Every `<type>-<dataset>-<namespace>` index is a data stream (logs-*-* always is).
  bool data_stream = false;
  bool require_data_stream = false;  // ?require_data_stream=true (Elasticsearch 8.13+)
  TlsConfig tls;
  // Send [auth] credentials over plain http:// to a host other than loopback.
  bool allow_plaintext_credentials = false;
  // "http://[user:password@]host:port"; empty: HTTPS_PROXY / HTTP_PROXY / NO_PROXY. A
  // Secret: the URL may carry the proxy's password.
  Secret proxy;
  bool operator==(const ElasticsearchConfig&) const = default;
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
  // Accept secret files (`file:` references) that group or others may read, with a
  // warning, instead of refusing them.
  bool allow_insecure_permissions = false;
  // Add the credential's JWT subject to every document as agent.identity (token_file,
  // oidc_client_credentials, gcp_identity, azure_managed_identity).
  bool stamp_identity = false;
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
  bool operator==(const AuthConfig&) const = default;
};

// [exec]: `skiff exec` (agent/exec_command.h).
struct ExecConfig {
  // After the command ends, how long skiff exec goes on shipping before it exits; what is
  // still undelivered stays in data_dir/exec/<run-id>/ for a `skiff run` daemon to adopt.
  milliseconds drain_timeout{30'000};
  std::string index;  // empty: the output's index
  uint64_t max_line_bytes = 1 * kMiB;
  // How often `skiff run` looks for rings that ended exec runs left behind.
  milliseconds adopt_interval{10'000};
  // How the command's lines become events, as for [[inputs.exec]]: text | json | auto,
  // and multiline, json, timestamp.
  Format format = Format::kText;
  FileParsingConfig parsing;
};

// [self]: skiff's own status and log lines as events (agent/self_events.h).
struct SelfConfig {
  bool ship = false;
  std::string index = "logs-skiff-default";
  milliseconds interval{60'000};  // between status events
  std::string min_level = "warn";  // own log lines at or above this are shipped
  bool operator==(const SelfConfig&) const = default;
};

// [metrics]
struct MetricsConfig {
  std::string listen;  // empty: off
  bool operator==(const MetricsConfig&) const = default;
};

struct Config {
  std::string source_path;  // the file it was loaded from, for messages
  std::string data_dir = "/var/lib/skiff";
  std::string host_name;  // host.name; empty: gethostname()
  std::string log_level = "info";
  std::string log_format = "text";  // "text" | "json": skiff's own lines on stderr
  milliseconds shutdown_timeout{5'000};
  std::vector<FileInputConfig> file_inputs;
  std::vector<JournaldInputConfig> journald_inputs;
  std::vector<ExecInputConfig> exec_inputs;
  std::vector<SocketInputConfig> socket_inputs;
  ProcessorConfigs processors;  // [[processors]], applied to every input first
  BufferConfig buffer;
  ElasticsearchConfig elasticsearch;
  AuthConfig auth;
  MetricsConfig metrics;
  ExecConfig exec;
  SelfConfig self;
};

// Calls fn with each input kind's list, in a fixed order (file first), taking the same
// list from every config given: ForEachInputList(fn, a, b) calls fn(a.file_inputs,
// b.file_inputs), then the next kind. Every kind's config has `id` (unique across all
// kinds) and `processors`. A new input kind adds its list here, once; reload
// (agent/reload_plan.h), the pipeline's one-input builds and InputIds() go through it.
template <typename Fn, typename... Configs>
void ForEachInputList(Fn&& fn, Configs&... configs) {
  fn(configs.file_inputs...);
  fn(configs.journald_inputs...);
  fn(configs.exec_inputs...);
  fn(configs.socket_inputs...);
}

// Every input's id, kinds in ForEachInputList order, each kind in file order.
std::vector<std::string> InputIds(const Config& config);

// `config` with only the input `id` left (any kind); everything else is kept.
Config WithOnlyInput(const Config& config, std::string_view id);

}  // namespace config
