#include "config/config_loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <string>
#include <utility>

#include "config/cloud_id.h"
#include "config/endpoint.h"
#include "config/journald_input_loader.h"
#include "config/exec_input_loader.h"
#include "config/processors_config.h"
#include "config/socket_input_loader.h"
#include "config/table_reader.h"
#include "config/tls_config_loader.h"
#include "config/toml_include.h"
#include "config/units.h"
#include "platforms/base/log.h"

namespace config {
namespace {

using Outcome = TableReader::Outcome;
using std::chrono::milliseconds;

// A config file is a few KiB; anything this large is the wrong file.
constexpr std::size_t kMaxConfigFileBytes = 16 * kMiB;

// The root table has no source position of its own; errors about it point at the start.
constexpr Position kFileStart{1, 1};

// Limits. Defaults are in config.h; these only reject values that cannot work.
constexpr uint64_t kMinLineBytes = 16;           // room for a timestamp and a word
constexpr uint64_t kMaxLineBytes = kGiB;         // one event must fit in memory several times
// A fingerprint shorter than a typical first line tells little; a long one delays it.
constexpr uint64_t kMinFingerprintBytes = 64;
constexpr uint64_t kMaxFingerprintBytes = 64 * 1024;
// Beyond the descriptors any process may hold (fs.nr_open defaults to 1,048,576).
constexpr int64_t kMaxOpenFiles = 1'048'576;
constexpr uint64_t kMinBufferBytes = 64 * kKiB;  // a few segments of the smallest size
constexpr uint64_t kMinSegmentBytes = 4 * kKiB;  // one frame header and some data
constexpr uint64_t kMaxSizeBytes = UINT64_MAX;
// Elasticsearch refuses request bodies above http.max_content_length, 100mb (MiB) by default.
constexpr uint64_t kMaxBatchBytes = 100 * kMiB;
constexpr uint64_t kMinBatchBytes = kKiB;
constexpr int64_t kMaxBatchDocs = 1'000'000;
constexpr int64_t kMaxInFlight = 64;  // beyond this, more connections only add contention
constexpr int64_t kMinCompressionLevel = 1;
constexpr int64_t kMaxCompressionLevel = 19;  // 20+ are zstd's "ultra" levels: too slow here
constexpr int64_t kMaxGzipLevel = 9;           // zlib's range is 1..9
// Asking a cluster for its nodes more often than this only loads its master.
constexpr milliseconds kMinSniffInterval{1'000};
// Segment size when unset: 64 MiB, or max_bytes / 8 if smaller (DESIGN defaults).
constexpr uint64_t kDefaultSegmentBytes = 64 * kMiB;
constexpr uint64_t kDefaultSegmentsPerBuffer = 8;
constexpr milliseconds kMinInterval{1};  // zero would spin the loop
constexpr milliseconds kZero{0};
constexpr std::size_t kMaxIdBytes = 128;
constexpr std::size_t kMaxIndexNameBytes = 255;  // Elasticsearch's limit

constexpr std::array<EnumName<StartAt>, 2> kStartAtNames = {{
    {"beginning", StartAt::kBeginning},
    {"end", StartAt::kEnd},
}};
constexpr std::array<EnumName<Format>, 5> kFormatNames = {{
    {"text", Format::kText},
    {"json", Format::kJson},
    {"auto", Format::kAuto},
    {"cri", Format::kCri},
    {"docker", Format::kDocker},
}};
constexpr std::array<EnumName<WhenFull>, 2> kWhenFullNames = {{
    {"block", WhenFull::kBlock},
    {"drop_oldest", WhenFull::kDropOldest},
}};
constexpr std::array<EnumName<FsyncMode>, 3> kFsyncNames = {{
    {"always", FsyncMode::kAlways},
    {"batch", FsyncMode::kBatch},
    {"never", FsyncMode::kNever},
}};
constexpr std::array<EnumName<Compression>, 2> kCompressionNames = {{
    {"none", Compression::kNone},
    {"gzip", Compression::kGzip},
}};
constexpr std::array<std::string_view, 4> kLogLevels = {"debug", "info", "warn", "error"};
constexpr std::array<std::string_view, 2> kLogFormats = {"text", "json"};

struct AuthTypeName {
  std::string_view name;
  AuthType type;
  std::string_view secret_key;  // the key that holds the secret of this type
};
constexpr std::array<AuthTypeName, 8> kAuthTypes = {{
    {"none", AuthType::kNone, ""},
    {"basic", AuthType::kBasic, "password"},
    {"api_key", AuthType::kApiKey, "api_key"},
    {"token_file", AuthType::kTokenFile, ""},
    {"oidc_client_credentials", AuthType::kOidcClientCredentials, "client_secret"},
    {"gcp_identity", AuthType::kGcpIdentity, ""},
    {"aws_sigv4", AuthType::kAwsSigV4, ""},
    {"azure_managed_identity", AuthType::kAzureManagedIdentity, ""},
}};
// aws_sigv4 `service`: Amazon OpenSearch Service domains, or OpenSearch Serverless.
constexpr std::array<std::string_view, 2> kAwsServices = {"es", "aoss"};
// Shorter would hammer the disk for nothing; the kubelet rotates tokens in minutes.
constexpr milliseconds kMinTokenReloadInterval{1'000};

// Why `name` is not a usable input id, or empty. Ids name checkpoint entries and go into
// document ids, so they are kept to a portable set of characters.
std::string_view IdProblem(std::string_view id) {
  if (id.empty()) return "must not be empty";
  if (id.size() > kMaxIdBytes) return "must be at most 128 characters";
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok) return "may contain only letters, digits, '_', '-' and '.'";
  }
  return {};
}

// Why `name` would be refused by Elasticsearch as an index or data stream name, or empty.
std::string_view IndexNameProblem(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > kMaxIndexNameBytes) return "must be at most 255 bytes";
  if (name == "." || name == "..") return "must not be \".\" or \"..\"";
  if (name.front() == '-' || name.front() == '_' || name.front() == '+') {
    return "must not start with '-', '_' or '+'";
  }
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') return "must be lower case (an Elasticsearch rule)";
    if (std::string_view("\\/*?\"<>| ,#:").find(c) != std::string_view::npos) {
      return "must not contain \\, /, *, ?, \", <, >, |, space, comma, # or :";
    }
  }
  return {};
}

// Fills a Config from the parsed document. All checks report to `errors` and carry on, so
// one pass finds every problem.
class Loader {
 public:
  explicit Loader(ErrorList& errors) : errors_(errors) {}

  void Load(const toml::table& root, Config* config) {
    TableReader reader(root, "", errors_, kFileStart);
    reader.String("data_dir", &config->data_dir);
    if (config->data_dir.empty()) reader.Error("data_dir", "must not be empty");
    reader.String("host_name", &config->host_name);
    std::size_t level = 0;
    if (reader.Choice("log_level", kLogLevels, &level) == Outcome::kSet) {
      config->log_level = std::string(kLogLevels[level]);
    }
    if (reader.Choice("log_format", kLogFormats, &level) == Outcome::kSet) {
      config->log_format = std::string(kLogFormats[level]);
    }
    reader.Duration("shutdown_timeout", kZero, &config->shutdown_timeout);
    LoadInputs(reader, config);
    BufferConfig& buffer = config->buffer;
    if (const toml::table* table = reader.Table("buffer")) LoadBuffer(*table, reader, &buffer);
    LoadOutput(reader, &config->elasticsearch);
    if (const toml::table* table = reader.Table("auth")) LoadAuth(*table, reader, &config->auth);
    if (const toml::table* table = reader.Table("metrics")) {
      LoadMetrics(*table, reader, &config->metrics);
    }
    if (const toml::table* table = reader.Table("exec")) LoadExec(*table, reader, &config->exec);
    if (const toml::table* table = reader.Table("self")) LoadSelf(*table, reader, &config->self);
    LoadProcessors(reader, "processors", errors_, &config->processors);
    errors_.ResolvePermissionProblems(config->auth.allow_insecure_permissions);
    reader.ReportUnknownKeys();
    CheckPlaintextCredentials(root, *config, errors_);
    if (buffer.segment_bytes == 0) {
      buffer.segment_bytes =
          std::min(kDefaultSegmentBytes, buffer.max_bytes / kDefaultSegmentsPerBuffer);
    }
  }

 private:
  void LoadInputs(TableReader& root, Config* config) {
    const toml::table* inputs = root.Table("inputs");
    if (inputs == nullptr) return;
    TableReader reader(*inputs, "inputs", errors_, root.PositionOf("inputs"));
    if (const toml::array* files = reader.ArrayOfTables("file")) {
      config->file_inputs.resize(files->size());
      for (std::size_t i = 0; i < files->size(); ++i) {
        const toml::table& table = *files->get(i)->as_table();
        LoadFileInput(table, base::StrCat("inputs.file[", i, "]"), reader.PositionOf("file"),
                      &config->file_inputs[i]);
      }
    }
    if (const toml::array* execs = reader.ArrayOfTables("exec")) {
      config->exec_inputs.resize(execs->size());
      for (std::size_t i = 0; i < execs->size(); ++i) {
        LoadExecInputTable(*execs->get(i)->as_table(), base::StrCat("inputs.exec[", i, "]"),
                           reader.PositionOf("exec"), &config->exec_inputs[i]);
      }
    }
    if (const toml::array* journals = reader.ArrayOfTables("journald")) {
      LoadJournaldInputs(*journals, reader, config);
    }
    if (const toml::array* sockets = reader.ArrayOfTables("socket")) {
      config->socket_inputs.resize(sockets->size());
      for (std::size_t i = 0; i < sockets->size(); ++i) {
        LoadSocketInput(*sockets->get(i)->as_table(), base::StrCat("inputs.socket[", i, "]"),
                        reader.PositionOf("socket"), &config->socket_inputs[i]);
      }
    }
    CheckUniqueIds();
    reader.ReportUnknownKeys();
  }

  void LoadFileInput(const toml::table& table, std::string path, Position fallback,
                     FileInputConfig* input) {
    TableReader reader(table, std::move(path), errors_, fallback);
    LoadInputId(reader, "[[inputs.file]]", "nginx", &input->id);
    Outcome paths = reader.StringArray("paths", &input->paths);
    if (paths == Outcome::kAbsent) {
      reader.Error("paths",
                   "missing; list the files to read, like paths = [\"/var/log/app/*.log\"]");
    } else if (paths == Outcome::kSet) {
      if (input->paths.empty()) {
        reader.Error("paths",
                     "must not be empty; list the files to read, like [\"/var/log/app/*.log\"]");
      }
      CheckAbsolutePaths(reader, "paths", input->paths);
    }
    if (reader.StringArray("exclude", &input->exclude) == Outcome::kSet) {
      for (std::size_t i = 0; i < input->exclude.size(); ++i) {
        if (input->exclude[i].empty()) {
          reader.ElementError("exclude", i, "must not be empty");
        }
      }
    }
    reader.Enum("start_at", kStartAtNames, &input->start_at);
    reader.Enum("format", kFormatNames, &input->format);
    reader.Fields("fields", &input->fields);
    // Empty means "the output's index".
    if (reader.String("index", &input->index) == Outcome::kSet && !input->index.empty()) {
      CheckIndexName(reader, "index", input->index);
    }
    reader.String("dataset", &input->dataset);
    reader.Size("max_line_bytes", kMinLineBytes, kMaxLineBytes, &input->max_line_bytes);
    reader.Duration("scan_interval", kMinInterval, &input->scan_interval);
    reader.Duration("poll_interval", kMinInterval, &input->poll_interval);
    LoadProcessors(reader, "processors", errors_, &input->processors);
    LoadFileParsing(reader, input->max_line_bytes, errors_, &input->parsing);
    reader.Bool("notifications", &input->notifications);
    reader.Size("fingerprint_bytes", kMinFingerprintBytes, kMaxFingerprintBytes,
                &input->fingerprint_bytes);
    reader.Duration("forget_after", std::chrono::minutes(1), &input->forget_after);
    reader.Duration("ignore_older", std::chrono::seconds(1), &input->ignore_older);
    reader.Duration("close_inactive", std::chrono::seconds(1), &input->close_inactive);
    int64_t max_open_files = 0;
    if (reader.Integer("max_open_files", 1, kMaxOpenFiles, &max_open_files) == Outcome::kSet) {
      input->max_open_files = static_cast<uint64_t>(max_open_files);
    }
    reader.ReportUnknownKeys();
  }

  void LoadJournaldInputs(const toml::array& journals, TableReader& inputs, Config* config) {
#if SKIFF_WITH_JOURNALD
    config->journald_inputs.resize(journals.size());
    for (std::size_t i = 0; i < journals.size(); ++i) {
      TableReader reader(*journals.get(i)->as_table(), base::StrCat("inputs.journald[", i, "]"),
                         errors_, inputs.PositionOf("journald"));
      JournaldInputConfig* input = &config->journald_inputs[i];
      LoadInputId(reader, "[[inputs.journald]]", "system-journal", &input->id);
      LoadJournaldInputKeys(reader, input);  // config/journald_input_loader.h
      reader.Enum("start_at", kStartAtNames, &input->start_at);
      reader.Fields("fields", &input->fields);
      if (reader.String("index", &input->index) == Outcome::kSet && !input->index.empty()) {
        CheckIndexName(reader, "index", input->index);
      }
      reader.String("dataset", &input->dataset);
      LoadProcessors(reader, "processors", errors_, &input->processors);
      reader.ReportUnknownKeys();
    }
#else
    (void)journals;
    (void)config;
    inputs.Error("journald",
                 "this build of skiff has no journald support (it was built without "
                 "libsystemd); remove [[inputs.journald]], or use a build whose `skiff version` "
                 "lists journald");
#endif
  }

  void LoadSocketInput(const toml::table& table, std::string path, Position fallback,
                       SocketInputConfig* input) {
    TableReader reader(table, std::move(path), errors_, fallback);
    LoadInputId(reader, "[[inputs.socket]]", "task-events", &input->id);
    LoadSocketInputKeys(reader, input);  // config/socket_input_loader.h
    reader.Fields("fields", &input->fields);
    if (reader.String("index", &input->index) == Outcome::kSet && !input->index.empty()) {
      CheckIndexName(reader, "index", input->index);
    }
    reader.String("dataset", &input->dataset);
    LoadProcessors(reader, "processors", errors_, &input->processors);
    reader.ReportUnknownKeys();
  }

  void LoadExecInputTable(const toml::table& table, std::string path, Position fallback,
                          ExecInputConfig* input) {
    TableReader reader(table, std::move(path), errors_, fallback);
    LoadInputId(reader, "[[inputs.exec]]", "backup", &input->id);
    if (reader.String("index", &input->index) == Outcome::kSet && !input->index.empty()) {
      CheckIndexName(reader, "index", input->index);
    }
    LoadExecInput(table, reader, errors_, input);  // config/exec_input_loader.h
  }

  // `id`, required and unique across every kind of input (CheckUniqueIds(), called once
  // after all kinds are loaded).
  void LoadInputId(TableReader& reader, std::string_view table_name, std::string_view example,
                   std::string* id) {
    Outcome outcome = reader.String("id", id);
    if (outcome == Outcome::kAbsent) {
      reader.Error("id", base::StrCat("missing; every ", table_name,
                                      " needs a unique id, like id = \"", example, "\""));
    } else if (outcome == Outcome::kSet) {
      if (std::string_view problem = IdProblem(*id); !problem.empty()) {
        reader.Error("id", problem);
      } else {
        id_positions_.push_back(
            IdPosition{*id, reader.PathOf("id"), reader.PositionOf("id"), reader.path()});
      }
    }
  }

  void CheckAbsolutePaths(TableReader& reader, std::string_view key,
                          const std::vector<std::string>& paths) {
    for (std::size_t i = 0; i < paths.size(); ++i) {
      if (!paths[i].starts_with('/')) {
        // A daemon's working directory is "/", so a relative glob is a surprise.
        reader.ElementError(key, i, "must be an absolute path, like \"/var/log/app/*.log\"");
      }
    }
  }

  void CheckUniqueIds() {
    for (std::size_t i = 0; i < id_positions_.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (id_positions_[i].id == id_positions_[j].id) {
          errors_.Add(
              id_positions_[i].at, id_positions_[i].path,
              base::StrCat("duplicate id ", QuoteForMessage(id_positions_[i].id), "; ",
                           id_positions_[j].input_path, " already uses it (ids must be unique)"));
          break;
        }
      }
    }
  }

  // `name` may be a template (transport/index_template.h): %Y %m %d %H, %{[field]}, %%.
  // The placeholders are checked here and replaced by a neutral character before the
  // name rules are applied to the rest.
  void CheckIndexName(TableReader& reader, std::string_view key, std::string_view name,
                      bool allow_fields = true) {
    std::string plain;
    for (std::size_t i = 0; i < name.size(); ++i) {
      if (name[i] != '%') {
        plain += name[i];
        continue;
      }
      char spec = i + 1 < name.size() ? name[i + 1] : '\0';
      if (spec == 'Y' || spec == 'm' || spec == 'd' || spec == 'H' || spec == '%') {
        plain += '0';
        ++i;
        continue;
      }
      std::size_t close = spec == '{' ? name.find('}', i) : std::string_view::npos;
      std::string_view ref =
          close == std::string_view::npos ? std::string_view() : name.substr(i + 2, close - i - 2);
      bool ok = ref.size() >= 3 && ref.front() == '[' && ref.back() == ']' &&
                ref.find("[]") == std::string_view::npos;
      if (spec == '{' && ok && !allow_fields) {
        reader.Error(key,
                     "must not refer to fields (it is used when a field is missing); "
                     "write a name, dates (%Y.%m.%d) allowed");
        return;
      }
      if (spec == '{' && ok) {
        plain += 'x';
        i = close;
        continue;
      }
      reader.Error(key, base::StrCat("invalid placeholder at offset ", i,
                                     "; write %Y, %m, %d or %H (event time, UTC), "
                                     "%{[field]} or %{[object][field]} (a field), or %% "
                                     "(a literal percent sign)"));
      return;
    }
    if (std::string_view problem = IndexNameProblem(plain); !problem.empty()) {
      reader.Error(key, base::StrCat("invalid index name: ", problem));
    }
  }

  void LoadBuffer(const toml::table& table, TableReader& parent, BufferConfig* buffer) {
    TableReader reader(table, "buffer", errors_, parent.PositionOf("buffer"));
    Outcome max_bytes =
        reader.Size("max_bytes", kMinBufferBytes, kMaxSizeBytes, &buffer->max_bytes);
    Outcome segment_bytes =
        reader.Size("segment_bytes", kMinSegmentBytes, kMaxSizeBytes, &buffer->segment_bytes);
    if (max_bytes != Outcome::kInvalid && segment_bytes == Outcome::kSet &&
        buffer->segment_bytes > buffer->max_bytes) {
      reader.Error("segment_bytes", base::StrCat("must not be larger than buffer.max_bytes (",
                                                 FormatByteSize(buffer->segment_bytes), " > ",
                                                 FormatByteSize(buffer->max_bytes), ")"));
    }
    reader.Enum("when_full", kWhenFullNames, &buffer->when_full);
    reader.Enum("fsync", kFsyncNames, &buffer->fsync);
    reader.Duration("fsync_interval", kMinInterval, &buffer->fsync_interval);
    int64_t level = buffer->compression_level;
    if (reader.Integer("compression_level", kMinCompressionLevel, kMaxCompressionLevel, &level) ==
        Outcome::kSet) {
      buffer->compression_level = static_cast<int>(level);
    }
    reader.ReportUnknownKeys();
  }

  void LoadOutput(TableReader& root, ElasticsearchConfig* es) {
    const toml::table* output = root.Table("output");
    Position output_at = output ? root.PositionOf("output") : kFileStart;
    const toml::table* table = nullptr;
    std::optional<TableReader> output_reader;
    if (output != nullptr) {
      output_reader.emplace(*output, "output", errors_, output_at);
      table = output_reader->Table("elasticsearch");
    }
    if (table == nullptr) {
      // Report the missing hosts only when the table is absent, not when it was malformed.
      if ((output == nullptr && !root.Has("output")) ||
          (output != nullptr && !output->contains("elasticsearch"))) {
        errors_.Add(output_at, "output.elasticsearch.hosts",
                    "missing; add an [output.elasticsearch] table with hosts = "
                    "[\"https://es-1:9200\"]");
      }
    } else {
      LoadElasticsearch(*table, output_reader->PositionOf("elasticsearch"), es);
    }
    if (output_reader) output_reader->ReportUnknownKeys();
  }

  void LoadElasticsearch(const toml::table& table, Position fallback, ElasticsearchConfig* es) {
    TableReader reader(table, "output.elasticsearch", errors_, fallback);
    Outcome hosts = reader.StringArray("hosts", &es->hosts);
    if (reader.String("cloud_id", &es->cloud_id) == Outcome::kSet) {
      if (hosts != Outcome::kAbsent) {
        reader.Error("cloud_id",
                     "set together with hosts; keep one: cloud_id for an Elastic Cloud "
                     "deployment, or hosts = [\"https://es-1:9200\"]");
      } else if (base::Result<CloudId> cloud = CloudId::Parse(es->cloud_id); !cloud.has_value()) {
        reader.Error("cloud_id",
                     base::StrCat(cloud.error().message(),
                                  "; copy the Cloud ID from the deployment's page, like "
                                  "cloud_id = \"name:dXMtZWFzdC0xLmF3cy5mb3VuZC5pbyRhYmMkZGVm\""));
      } else {
        es->hosts = {cloud->elasticsearch};
      }
      hosts = Outcome::kInvalid;  // checked above: skip the hosts checks below
    }
    if (hosts == Outcome::kAbsent) {
      reader.Error("hosts",
                   "missing; list the Elasticsearch URLs, like hosts = [\"https://es-1:9200\"]");
    } else if (hosts == Outcome::kSet) {
      if (es->hosts.empty()) {
        reader.Error(
            "hosts",
            "must not be empty; list the Elasticsearch URLs, like [\"https://es-1:9200\"]");
      }
      for (std::size_t i = 0; i < es->hosts.size(); ++i) {
        base::Result<std::string> url = NormalizeHostUrl(es->hosts[i]);
        if (!url.has_value()) {
          reader.ElementError("hosts", i, url.error().message());
          continue;
        }
        es->hosts[i] = std::move(url).value();
        for (std::size_t j = 0; j < i; ++j) {
          if (es->hosts[j] == es->hosts[i]) {
            reader.ElementError("hosts", i, base::StrCat("duplicate of hosts[", j, "]"));
            break;
          }
        }
      }
    }
    if (reader.String("index", &es->index) == Outcome::kSet)
      CheckIndexName(reader, "index", es->index);
    reader.Enum("compression", kCompressionNames, &es->compression);
    int64_t gzip_level = es->compression_level;
    if (reader.Integer("compression_level", kMinCompressionLevel, kMaxGzipLevel, &gzip_level) ==
        Outcome::kSet) {
      es->compression_level = static_cast<int>(gzip_level);
    }
    reader.Size("max_batch_bytes", kMinBatchBytes, kMaxBatchBytes, &es->max_batch_bytes);
    int64_t docs = static_cast<int64_t>(es->max_batch_docs);
    if (reader.Integer("max_batch_docs", 1, kMaxBatchDocs, &docs) == Outcome::kSet) {
      es->max_batch_docs = static_cast<uint64_t>(docs);
    }
    reader.Duration("flush_interval", kMinInterval, &es->flush_interval);
    int64_t in_flight = es->max_in_flight;
    if (reader.Integer("max_in_flight", 1, kMaxInFlight, &in_flight) == Outcome::kSet) {
      es->max_in_flight = static_cast<int>(in_flight);
    }
    if (const toml::table* retry = reader.Table("retry")) {
      LoadRetry(*retry, reader.PositionOf("retry"), es);
    }
    reader.Duration("request_timeout", kMinInterval, &es->request_timeout);
    reader.Duration("connect_timeout", kMinInterval, &es->connect_timeout);
    reader.Bool("deterministic_ids", &es->deterministic_ids);
    if (reader.String("index_fallback", &es->index_fallback) == Outcome::kSet) {
      CheckIndexName(reader, "index_fallback", es->index_fallback, /*allow_fields=*/false);
    }
    reader.Bool("data_stream", &es->data_stream);
    reader.Bool("require_data_stream", &es->require_data_stream);
    reader.Bool("sniff", &es->sniff);
    reader.Duration("sniff_interval", kMinSniffInterval, &es->sniff_interval);
    LoadTlsConfig(reader, errors_, &es->tls);
    reader.Bool("allow_plaintext_credentials", &es->allow_plaintext_credentials);
    LoadProxy(reader, &es->proxy);
    reader.ReportUnknownKeys();
  }

  void LoadRetry(const toml::table& table, Position fallback, ElasticsearchConfig* es) {
    TableReader reader(table, "output.elasticsearch.retry", errors_, fallback);
    Outcome initial = reader.Duration("initial", kMinInterval, &es->retry_initial);
    Outcome max = reader.Duration("max", kMinInterval, &es->retry_max);
    if (initial != Outcome::kInvalid && max != Outcome::kInvalid &&
        es->retry_initial > es->retry_max) {
      // Point at whichever of the two was written (initial first).
      std::string_view key = initial == Outcome::kSet ? "initial" : "max";
      reader.Error(key, base::StrCat("retry.initial must not be longer than retry.max (",
                                     FormatDuration(es->retry_initial), " > ",
                                     FormatDuration(es->retry_max), ")"));
    }
    reader.ReportUnknownKeys();
  }

  void LoadAuth(const toml::table& table, TableReader& parent, AuthConfig* auth) {
    TableReader reader(table, "auth", errors_, parent.PositionOf("auth"));
    const AuthTypeName* chosen = ChooseAuthType(reader);
    if (chosen == nullptr) {
      // The other keys belong to a type we do not know; checking them would only add noise.
      for (const auto& [key, value] : table) reader.Skip(key.str());
      return;
    }
    auth->type = chosen->type;
    reader.Bool("allow_insecure_permissions", &auth->allow_insecure_permissions);
    reader.Bool("stamp_identity", &auth->stamp_identity);
    LoadUsername(reader, *chosen, &auth->username);
    LoadAuthSecret(reader, *chosen, "password", "basic", "${ES_PASSWORD}", &auth->password);
    LoadAuthSecret(reader, *chosen, "api_key", "api_key", "file:/run/secrets/es_api_key",
                   &auth->api_key);
    LoadTokenKeys(reader, *chosen, auth);
    reader.ReportUnknownKeys();
  }

  // The keys of the token types (docs/auth.md): each accepted only by the types in
  // `used_by`, and required by those in `required_by`.
  static void LoadTokenKeys(TableReader& reader, const AuthTypeName& chosen, AuthConfig* auth) {
    using T = AuthType;
    AuthString(reader, chosen, "path", {T::kTokenFile}, {T::kTokenFile}, &auth->path);
    if (AuthKeyAllowed(reader, chosen, "reload_interval", {T::kTokenFile})) {
      reader.Duration("reload_interval", kMinTokenReloadInterval, &auth->reload_interval);
    }
    AuthString(reader, chosen, "audience", {T::kGcpIdentity, T::kOidcClientCredentials},
               {T::kGcpIdentity}, &auth->audience);
    AuthString(reader, chosen, "token_url", {T::kOidcClientCredentials},
               {T::kOidcClientCredentials}, &auth->token_url);
    AuthString(reader, chosen, "client_id", {T::kOidcClientCredentials, T::kAzureManagedIdentity},
               {T::kOidcClientCredentials}, &auth->client_id);
    AuthString(reader, chosen, "client_assertion_file", {T::kOidcClientCredentials}, {},
               &auth->client_assertion_file);
    AuthString(reader, chosen, "scope", {T::kOidcClientCredentials}, {}, &auth->scope);
    if (AuthKeyAllowed(reader, chosen, "client_secret", {T::kOidcClientCredentials})) {
      Outcome secret = reader.SecretValue("client_secret", &auth->client_secret);
      bool has_assertion = !auth->client_assertion_file.empty();
      if (secret == Outcome::kAbsent && !has_assertion) {
        reader.Error("client_secret",
                     "missing; type = \"oidc_client_credentials\" needs client_secret (like "
                     "client_secret = \"file:/run/secrets/client_secret\") or "
                     "client_assertion_file");
      } else if (secret == Outcome::kSet && has_assertion) {
        reader.Error("client_secret", "give client_secret or client_assertion_file, not both");
      } else if (secret == Outcome::kSet && auth->client_secret.empty()) {
        reader.Error("client_secret", "must not be empty");
      }
    }
    AuthString(reader, chosen, "region", {T::kAwsSigV4}, {T::kAwsSigV4}, &auth->region);
    if (AuthKeyAllowed(reader, chosen, "service", {T::kAwsSigV4})) {
      std::size_t index = 0;
      if (reader.Choice("service", kAwsServices, &index) == Outcome::kSet) {
        auth->service = std::string(kAwsServices[index]);
      }
    }
    AuthString(reader, chosen, "resource", {T::kAzureManagedIdentity}, {T::kAzureManagedIdentity},
               &auth->resource);
    AuthString(reader, chosen, "metadata_url",
               {T::kGcpIdentity, T::kAwsSigV4, T::kAzureManagedIdentity}, {}, &auth->metadata_url);
  }

  // Whether `key` may appear with the chosen type; reports it (and skips it) if not.
  static bool AuthKeyAllowed(TableReader& reader, const AuthTypeName& chosen, std::string_view key,
                             std::initializer_list<AuthType> used_by) {
    if (std::find(used_by.begin(), used_by.end(), chosen.type) != used_by.end()) return true;
    if (reader.Has(key)) {
      std::string types;
      for (AuthType t : used_by) {
        for (const AuthTypeName& n : kAuthTypes) {
          if (n.type == t) types += base::StrCat(types.empty() ? "" : " or ", "\"", n.name, "\"");
        }
      }
      reader.Skip(key);
      reader.Error(key, base::StrCat("only used with type = ", types));
    }
    return false;
  }

  static void AuthString(TableReader& reader, const AuthTypeName& chosen, std::string_view key,
                         std::initializer_list<AuthType> used_by,
                         std::initializer_list<AuthType> required_by, std::string* out) {
    if (!AuthKeyAllowed(reader, chosen, key, used_by)) return;
    Outcome outcome = reader.String(key, out);
    bool required =
        std::find(required_by.begin(), required_by.end(), chosen.type) != required_by.end();
    if (outcome == Outcome::kAbsent && required) {
      reader.Error(key, base::StrCat("missing; type = \"", chosen.name, "\" needs it"));
    } else if (outcome == Outcome::kSet && out->empty()) {
      reader.Error(key, "must not be empty");
    }
  }

  // The type named by `type` (default "none"), or nullptr when it is unusable (reported).
  static const AuthTypeName* ChooseAuthType(TableReader& reader) {
    std::string name;
    Outcome outcome = reader.String("type", &name);
    if (outcome == Outcome::kAbsent) return &kAuthTypes[0];
    if (outcome == Outcome::kInvalid) return nullptr;
    for (const AuthTypeName& t : kAuthTypes) {
      if (t.name == name) return &t;
    }
    std::string expected;
    for (std::size_t i = 0; i < kAuthTypes.size(); ++i) {
      expected += base::StrCat(i == 0                       ? ""
                               : i + 1 == kAuthTypes.size() ? " or "
                                                            : ", ",
                               "\"", kAuthTypes[i].name, "\"");
    }
    reader.Error("type", base::StrCat("got ", QuoteForMessage(name), ", expected ", expected));
    return nullptr;
  }

  static void LoadUsername(TableReader& reader, const AuthTypeName& chosen, std::string* out) {
    if (chosen.type != AuthType::kBasic) {
      if (reader.Has("username")) {
        reader.Skip("username");
        reader.Error("username", "only used with type = \"basic\"");
      }
      return;
    }
    Outcome outcome = reader.String("username", out);
    if (outcome == Outcome::kAbsent) {
      reader.Error("username", "missing; type = \"basic\" needs username and password");
    } else if (outcome == Outcome::kSet && out->empty()) {
      reader.Error("username", "must not be empty");
    } else if (outcome == Outcome::kSet && out->find(':') != std::string::npos) {
      reader.Error("username", "must not contain ':' (HTTP basic authentication)");
    }
  }

  // Reads the secret `key`, which type `owner` uses, checking it is present when the
  // chosen type needs it and absent otherwise. `example` shows a good value.
  static void LoadAuthSecret(TableReader& reader, const AuthTypeName& chosen, std::string_view key,
                             std::string_view owner, std::string_view example, Secret* out) {
    if (chosen.name != owner) {
      if (reader.Has(key)) {
        reader.Skip(key);
        reader.Error(key, base::StrCat("only used with type = \"", owner, "\""));
      }
      return;
    }
    Outcome outcome = reader.SecretValue(key, out);
    if (outcome == Outcome::kAbsent) {
      reader.Error(key, base::StrCat("missing; type = \"", owner, "\" needs it, like ", key,
                                     " = \"", example, "\""));
    } else if (outcome == Outcome::kSet && out->empty()) {
      reader.Error(key, "must not be empty");
    }
  }

  void LoadMetrics(const toml::table& table, TableReader& parent, MetricsConfig* metrics) {
    TableReader reader(table, "metrics", errors_, parent.PositionOf("metrics"));
    if (reader.String("listen", &metrics->listen) == Outcome::kSet && !metrics->listen.empty()) {
      if (base::Status s = CheckListenAddress(metrics->listen); !s.ok()) {
        reader.Error("listen", s.message());
      }
    }
    reader.ReportUnknownKeys();
  }

  void LoadExec(const toml::table& table, TableReader& parent, ExecConfig* exec) {
    TableReader reader(table, "exec", errors_, parent.PositionOf("exec"));
    reader.Duration("drain_timeout", kZero, &exec->drain_timeout);
    if (reader.String("index", &exec->index) == Outcome::kSet && !exec->index.empty()) {
      CheckIndexName(reader, "index", exec->index);
    }
    reader.Size("max_line_bytes", kMinLineBytes, kMaxLineBytes, &exec->max_line_bytes);
    reader.Duration("adopt_interval", kMinInterval, &exec->adopt_interval);
    LoadCommandOutputFormat(reader, errors_, exec->max_line_bytes, &exec->format,
                            &exec->parsing);  // config/exec_input_loader.h
    reader.ReportUnknownKeys();
  }

  void LoadSelf(const toml::table& table, TableReader& parent, SelfConfig* self) {
    TableReader reader(table, "self", errors_, parent.PositionOf("self"));
    reader.Bool("ship", &self->ship);
    if (reader.String("index", &self->index) == Outcome::kSet) {
      CheckIndexName(reader, "index", self->index);
    }
    reader.Duration("interval", std::chrono::seconds(1), &self->interval);
    std::size_t level = 0;
    if (reader.Choice("min_level", kLogLevels, &level) == Outcome::kSet) {
      self->min_level = std::string(kLogLevels[level]);
    }
    reader.ReportUnknownKeys();
  }

  struct IdPosition {
    std::string id;
    std::string path;  // "inputs.file[1].id"
    Position at;
    std::string input_path;  // "inputs.file[1]"
  };

  ErrorList& errors_;
  std::vector<IdPosition> id_positions_;
};

// Reads a whole file into `out`; the error names the path and the OS reason.
base::Status ReadWholeFile(std::string_view path, std::string* out) {
  auto fail = [&](int e) {
    return base::InvalidArgument(base::StrCat("cannot read ", path, ": ", std::strerror(e)));
  };
  std::string path_z(path);
  int fd = ::open(path_z.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return fail(errno);
  struct stat st {};
  base::Status status;
  if (::fstat(fd, &st) != 0) {
    status = fail(errno);
  } else if (S_ISDIR(st.st_mode)) {
    status = fail(EISDIR);
  } else {
    char chunk[64 * 1024];
    while (true) {
      ssize_t n = ::read(fd, chunk, sizeof(chunk));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        status = fail(errno);
        break;
      }
      if (n == 0) break;
      out->append(chunk, static_cast<std::size_t>(n));
      if (out->size() > kMaxConfigFileBytes) {
        status = base::InvalidArgument(
            base::StrCat("cannot read ", path, ": larger than 16MiB; is it the right file?"));
        break;
      }
    }
  }
  ::close(fd);
  return status;
}

bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace

LoadResult LoadConfigString(std::string_view toml, std::string_view source_name) {
  ErrorList errors(source_name);
  LoadResult result;
  if (IsBlank(toml)) {
    errors.Add(Position{}, "",
               base::StrCat(source_name,
                            " is empty; a config needs at least an "
                            "[output.elasticsearch] table with hosts"));
    result.errors = std::move(errors).Take();
    return result;
  }
  toml::parse_result parsed = toml::parse(toml, std::string_view(source_name));
  if (!parsed) {
    const toml::parse_error& error = parsed.error();
    errors.Add(Position{static_cast<int>(error.source().begin.line),
                        static_cast<int>(error.source().begin.column)},
               "", error.description());
    result.errors = std::move(errors).Take();
    return result;
  }
  Config config;
  config.source_path = std::string(source_name);
  Loader loader(errors);
  loader.Load(parsed.table(), &config);
  if (errors.empty()) {
    result.config = std::move(config);
  } else {
    errors.SortByPosition();
    result.errors = std::move(errors).Take();
  }
  return result;
}

LoadResult LoadConfigFile(std::string_view path) {
  std::string text;
  if (base::Status status = ReadWholeFile(path, &text); !status.ok()) {
    ErrorList errors(path);
    errors.Add(Position{}, "", status.message());
    LoadResult result;
    result.errors = std::move(errors).Take();
    return result;
  }
  return LoadConfigString(text, path);
}

}  // namespace config
