#include "config/config_loader.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace config {
namespace {

using std::chrono::milliseconds;

// The expected lines of an error list, as ConfigError::ToString prints them.
template <class... Texts>
std::vector<std::string> Lines(const Texts&... texts) {
  return {std::string(texts)...};
}

// Appended to configs whose point is elsewhere, so they have the one required key.
constexpr std::string_view kOutput =
    "[output.elasticsearch]\nhosts = [\"http://127.0.0.1:9200\"]\n";

class ConfigLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/skiff-config-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
    for (const std::string& name : env_names_) unsetenv(name.c_str());
  }

  // Sets an environment variable for this test only.
  void SetEnv(const std::string& name, const std::string& value) {
    ASSERT_EQ(setenv(name.c_str(), value.c_str(), 1), 0);
    env_names_.push_back(name);
  }

  // Writes `content` to a file in the test's directory with `mode`; returns its path.
  std::string WriteFile(const std::string& name, std::string_view content, mode_t mode) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << content;
    EXPECT_EQ(chmod(path.c_str(), mode), 0);
    return path;
  }

  static std::string Join(const std::vector<ConfigError>& errors) {
    std::string out;
    for (const ConfigError& e : errors) out += e.ToString() + "\n";
    return out;
  }

  // Loads a config that must be valid.
  static Config Load(std::string_view toml) {
    LoadResult r = LoadConfigString(toml, "t.toml");
    EXPECT_TRUE(r.errors.empty()) << Join(r.errors);
    EXPECT_TRUE(r.config.has_value());
    return r.config.value_or(Config{});
  }

  // Loads a config that must be invalid; returns its errors as printed.
  static std::vector<std::string> Errors(std::string_view toml) {
    LoadResult r = LoadConfigString(toml, "t.toml");
    EXPECT_FALSE(r.config.has_value());
    EXPECT_FALSE(r.errors.empty());
    std::vector<std::string> out;
    for (const ConfigError& e : r.errors) out.push_back(e.ToString());
    return out;
  }

  static std::string WithOutput(std::string_view toml) {
    return std::string(toml) + std::string(kOutput);
  }

  std::string dir_;
  std::vector<std::string> env_names_;
};

TEST_F(ConfigLoaderTest, MinimalConfigGetsEveryDefault) {
  Config c = Load(kOutput);
  EXPECT_EQ(c.source_path, "t.toml");
  EXPECT_EQ(c.data_dir, "/var/lib/skiff");
  EXPECT_EQ(c.host_name, "");
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.shutdown_timeout, milliseconds{5'000});
  EXPECT_TRUE(c.file_inputs.empty());
  EXPECT_EQ(c.buffer.max_bytes, kGiB);
  EXPECT_EQ(c.buffer.segment_bytes, 64 * kMiB);
  EXPECT_EQ(c.buffer.when_full, WhenFull::kBlock);
  EXPECT_EQ(c.buffer.fsync, FsyncMode::kBatch);
  EXPECT_EQ(c.buffer.fsync_interval, milliseconds{200});
  EXPECT_EQ(c.buffer.compression_level, 1);
  EXPECT_EQ(c.elasticsearch.hosts, std::vector<std::string>{"http://127.0.0.1:9200"});
  EXPECT_EQ(c.elasticsearch.index, "logs-generic-default");
  EXPECT_EQ(c.elasticsearch.compression, Compression::kNone);
  EXPECT_EQ(c.elasticsearch.max_batch_bytes, 2 * kMiB);
  EXPECT_EQ(c.elasticsearch.max_batch_docs, 10'000u);
  EXPECT_EQ(c.elasticsearch.flush_interval, milliseconds{1'000});
  EXPECT_EQ(c.elasticsearch.max_in_flight, 4);
  EXPECT_EQ(c.elasticsearch.retry_initial, milliseconds{500});
  EXPECT_EQ(c.elasticsearch.retry_max, milliseconds{30'000});
  EXPECT_EQ(c.elasticsearch.request_timeout, milliseconds{60'000});
  EXPECT_EQ(c.elasticsearch.connect_timeout, milliseconds{10'000});
  EXPECT_TRUE(c.elasticsearch.deterministic_ids);
  EXPECT_EQ(c.auth.type, AuthType::kNone);
  EXPECT_TRUE(c.auth.password.empty());
  EXPECT_TRUE(c.auth.api_key.empty());
  EXPECT_EQ(c.metrics.listen, "");
}

TEST_F(ConfigLoaderTest, EveryFieldIsReadFromTheFile) {
  Config c = Load(R"toml(data_dir = "/srv/skiff"
host_name = "web-7"
log_level = "debug"
shutdown_timeout = "12s"

[[inputs.file]]
id = "nginx"
paths = ["/var/log/nginx/*.log", "/var/log/nginx/other.log"]
exclude = ["*.gz", "*.1"]
start_at = "beginning"
format = "json"
fields = { service = "nginx \"edge\"", tier = 2, ratio = 0.25, whole = 3.0, canary = true }
index = "logs-nginx-default"
dataset = "nginx.access"
max_line_bytes = "256KiB"
scan_interval = "30s"
poll_interval = "100ms"
notifications = false
fingerprint_bytes = "4KiB"
forget_after = "2d"
ignore_older = "12h"
close_inactive = "90s"
max_open_files = 64

[[inputs.file]]
id = "app.v2"
paths = ["/var/log/app.log"]
format = "auto"

[buffer]
max_bytes = "256MiB"
segment_bytes = "8MiB"
when_full = "drop_oldest"
fsync = "always"
fsync_interval = "50ms"
compression_level = 7

[output.elasticsearch]
hosts = ["https://ES-1.example:9243/", "HTTP://10.0.0.2", "https://[::1]:9200"]
index = "logs-all-default"
compression = "gzip"
max_batch_bytes = "10MB"
max_batch_docs = 500
flush_interval = "250ms"
max_in_flight = 64
retry = { initial = "1s", max = "2m" }
request_timeout = "90s"
connect_timeout = "3s"
deterministic_ids = false
allow_plaintext_credentials = true

[auth]
type = "basic"
username = "shipper"
password = "${SKIFF_TEST_UNSET_PASSWORD:-s3cret}"

[metrics]
listen = "127.0.0.1:0"
)toml");
  EXPECT_EQ(c.data_dir, "/srv/skiff");
  EXPECT_EQ(c.host_name, "web-7");
  EXPECT_EQ(c.log_level, "debug");
  EXPECT_EQ(c.shutdown_timeout, milliseconds{12'000});
  ASSERT_EQ(c.file_inputs.size(), 2u);
  const FileInputConfig& in = c.file_inputs[0];
  EXPECT_EQ(in.id, "nginx");
  EXPECT_EQ(in.paths,
            (std::vector<std::string>{"/var/log/nginx/*.log", "/var/log/nginx/other.log"}));
  EXPECT_EQ(in.exclude, (std::vector<std::string>{"*.gz", "*.1"}));
  EXPECT_EQ(in.start_at, StartAt::kBeginning);
  EXPECT_EQ(in.format, Format::kJson);
  std::vector<std::pair<std::string, std::string>> fields;
  for (const Field& f : in.fields) fields.emplace_back(f.key, f.json_value);
  // toml++ keeps table keys sorted.
  EXPECT_EQ(fields, (std::vector<std::pair<std::string, std::string>>{
                        {"canary", "true"},
                        {"ratio", "0.25"},
                        {"service", "\"nginx \\\"edge\\\"\""},
                        {"tier", "2"},
                        {"whole", "3.0"},
                    }));
  EXPECT_EQ(in.index, "logs-nginx-default");
  EXPECT_EQ(in.dataset, "nginx.access");
  EXPECT_EQ(in.max_line_bytes, 256 * kKiB);
  EXPECT_EQ(in.scan_interval, milliseconds{30'000});
  EXPECT_EQ(in.poll_interval, milliseconds{100});
  EXPECT_FALSE(in.notifications);
  EXPECT_EQ(in.fingerprint_bytes, 4 * kKiB);
  EXPECT_EQ(in.forget_after, std::chrono::hours(48));
  EXPECT_EQ(in.ignore_older, std::chrono::hours(12));
  EXPECT_TRUE(c.file_inputs[1].notifications);
  EXPECT_EQ(c.file_inputs[1].ignore_older, milliseconds{0}) << "off by default";
  EXPECT_EQ(in.close_inactive, milliseconds{90'000});
  EXPECT_EQ(in.max_open_files, 64u);
  EXPECT_EQ(c.file_inputs[1].close_inactive, std::chrono::minutes(5)) << "the default";
  EXPECT_EQ(c.file_inputs[1].max_open_files, 1024u) << "the default";
  EXPECT_EQ(c.file_inputs[1].id, "app.v2");
  EXPECT_EQ(c.file_inputs[1].format, Format::kAuto);
  EXPECT_EQ(c.file_inputs[1].start_at, StartAt::kEnd);
  EXPECT_EQ(c.buffer.max_bytes, 256 * kMiB);
  EXPECT_EQ(c.buffer.segment_bytes, 8 * kMiB);
  EXPECT_EQ(c.buffer.when_full, WhenFull::kDropOldest);
  EXPECT_EQ(c.buffer.fsync, FsyncMode::kAlways);
  EXPECT_EQ(c.buffer.fsync_interval, milliseconds{50});
  EXPECT_EQ(c.buffer.compression_level, 7);
  EXPECT_EQ(c.elasticsearch.hosts,
            (std::vector<std::string>{"https://ES-1.example:9243", "http://10.0.0.2",
                                      "https://[::1]:9200"}));
  EXPECT_EQ(c.elasticsearch.index, "logs-all-default");
  EXPECT_EQ(c.elasticsearch.compression, Compression::kGzip);
  EXPECT_EQ(c.elasticsearch.max_batch_bytes, 10'000'000u);
  EXPECT_EQ(c.elasticsearch.max_batch_docs, 500u);
  EXPECT_EQ(c.elasticsearch.flush_interval, milliseconds{250});
  EXPECT_EQ(c.elasticsearch.max_in_flight, 64);
  EXPECT_EQ(c.elasticsearch.retry_initial, milliseconds{1'000});
  EXPECT_EQ(c.elasticsearch.retry_max, milliseconds{120'000});
  EXPECT_EQ(c.elasticsearch.request_timeout, milliseconds{90'000});
  EXPECT_EQ(c.elasticsearch.connect_timeout, milliseconds{3'000});
  EXPECT_FALSE(c.elasticsearch.deterministic_ids);
  EXPECT_TRUE(c.elasticsearch.allow_plaintext_credentials);
  EXPECT_EQ(c.auth.type, AuthType::kBasic);
  EXPECT_EQ(c.auth.username, "shipper");
  EXPECT_EQ(c.auth.password.value, "s3cret");
  EXPECT_EQ(c.metrics.listen, "127.0.0.1:0");
}

TEST_F(ConfigLoaderTest, SegmentSizeDefaultsToAnEighthOfASmallBuffer) {
  Config c = Load(WithOutput("[buffer]\nmax_bytes = \"64MiB\"\n"));
  EXPECT_EQ(c.buffer.segment_bytes, 8 * kMiB);
}

TEST_F(ConfigLoaderTest, RetryAsASectionWorksLikeTheInlineTable) {
  Config c = Load(WithOutput("[output.elasticsearch.retry]\ninitial = \"2s\"\n"));
  EXPECT_EQ(c.elasticsearch.retry_initial, milliseconds{2'000});
  EXPECT_EQ(c.elasticsearch.retry_max, milliseconds{30'000});
}

TEST_F(ConfigLoaderTest, ExampleConfigLoadsWithoutErrors) {
  SetEnv("ES_PASSWORD", "from-the-environment");
  LoadResult r = LoadConfigFile(SKIFF_EXAMPLE_CONFIG);
  ASSERT_TRUE(r.errors.empty()) << Join(r.errors);
  ASSERT_TRUE(r.config.has_value());
  const Config& c = *r.config;
  EXPECT_EQ(c.source_path, SKIFF_EXAMPLE_CONFIG);
  EXPECT_EQ(c.auth.type, AuthType::kBasic);
  EXPECT_EQ(c.auth.password.value, "from-the-environment");
  ASSERT_EQ(c.file_inputs.size(), 1u);
  EXPECT_EQ(c.file_inputs[0].id, "nginx");
  // The example documents the defaults: apart from what it sets on purpose, it matches them.
  Config defaults;
  EXPECT_EQ(c.data_dir, defaults.data_dir);
  EXPECT_EQ(c.shutdown_timeout, defaults.shutdown_timeout);
  EXPECT_EQ(c.file_inputs[0].max_line_bytes, FileInputConfig{}.max_line_bytes);
  EXPECT_EQ(c.file_inputs[0].scan_interval, FileInputConfig{}.scan_interval);
  EXPECT_EQ(c.file_inputs[0].poll_interval, FileInputConfig{}.poll_interval);
  EXPECT_EQ(c.buffer.max_bytes, defaults.buffer.max_bytes);
  EXPECT_EQ(c.buffer.segment_bytes, 64 * kMiB);
  EXPECT_EQ(c.buffer.fsync_interval, defaults.buffer.fsync_interval);
  EXPECT_EQ(c.buffer.compression_level, defaults.buffer.compression_level);
  EXPECT_EQ(c.elasticsearch.max_batch_bytes, defaults.elasticsearch.max_batch_bytes);
  EXPECT_EQ(c.elasticsearch.max_batch_docs, defaults.elasticsearch.max_batch_docs);
  EXPECT_EQ(c.elasticsearch.flush_interval, defaults.elasticsearch.flush_interval);
  EXPECT_EQ(c.elasticsearch.max_in_flight, defaults.elasticsearch.max_in_flight);
  EXPECT_EQ(c.elasticsearch.retry_initial, defaults.elasticsearch.retry_initial);
  EXPECT_EQ(c.elasticsearch.retry_max, defaults.elasticsearch.retry_max);
  EXPECT_EQ(c.elasticsearch.request_timeout, defaults.elasticsearch.request_timeout);
  EXPECT_EQ(c.elasticsearch.connect_timeout, defaults.elasticsearch.connect_timeout);
}

TEST_F(ConfigLoaderTest, ExampleConfigWithoutItsVariableNamesTheVariable) {
  LoadResult r = LoadConfigFile(SKIFF_EXAMPLE_CONFIG);
  ASSERT_EQ(r.errors.size(), 1u) << Join(r.errors);
  EXPECT_EQ(r.errors[0].key, "auth.password");
  EXPECT_NE(r.errors[0].message.find("ES_PASSWORD is not set"), std::string::npos);
}

TEST_F(ConfigLoaderTest, SyntaxErrorReportsTheParsersPositionAndDescription) {
  EXPECT_EQ(Errors("data_dir = \"/x\"\nlog_level = \n"),
            Lines("t.toml:2:13: Error while parsing key-value pair: expected value, saw '\\n'"));
  EXPECT_EQ(Errors("[buffer]\nmax_bytes = \"1GiB\"\nmax_bytes = \"2GiB\"\n"),
            Lines("t.toml:3:13: Error while parsing key-value pair: cannot redefine "
                  "existing string 'max_bytes'"));
}

// toml++ 3.3 asserts on these (marzer/tomlplusplus#301); found by the config fuzz target.
TEST_F(ConfigLoaderTest, MalformedTableHeadersAreSyntaxErrorsNotCrashes) {
  EXPECT_EQ(Errors("[:output.elasticsearch]\n"),
            Lines("t.toml:1:2: Error while parsing key: expected bare key starting character or "
                  "string delimiter, saw ':'"));
  EXPECT_EQ(Errors("[[[1]]]\n"),
            Lines("t.toml:1:3: Error while parsing key: expected bare key starting character or "
                  "string delimiter, saw '['"));
  EXPECT_EQ(Errors("[[="), Lines("t.toml:1:3: Error while parsing key: expected bare key starting "
                                 "character or string delimiter, saw '='"));
}

// toml++ 3.3 reaches __builtin_unreachable() on these (marzer/tomlplusplus#295, #190);
// found by the config fuzz target. UBSan builds of this test catch a regression.
TEST_F(ConfigLoaderTest, NonAsciiCharactersOutsideStringsAreSyntaxErrorsNotCrashes) {
  EXPECT_EQ(Errors("caf\u00e9 = 1\n"), Lines("t.toml:1:4: Error while parsing key-value pair: "
                                             "expected '=', saw '\u00e9'"));
  EXPECT_EQ(Errors("[output\u0496lasticsearch]\n"),
            Lines("t.toml:1:8: Error while parsing table header: expected ']', saw '\u0496'"));
  // A line-ending backslash in a multi-line string, then a non-ASCII character: valid TOML.
  Config c = Load(WithOutput("host_name = \"\"\"\\\n\u00a7\"\"\"\n"));
  EXPECT_EQ(c.host_name, "\u00a7");
}

TEST_F(ConfigLoaderTest, ErrorToStringHasFileLineColumnKeyAndMessage) {
  ConfigError e{"/etc/skiff/skiff.toml", 7, 12, "inputs.file[0].start_at", "bad"};
  EXPECT_EQ(e.ToString(), "/etc/skiff/skiff.toml:7:12: inputs.file[0].start_at: bad");
  ConfigError no_key{"f.toml", 1, 2, "", "syntax"};
  EXPECT_EQ(no_key.ToString(), "f.toml:1:2: syntax");
  ConfigError no_position{"f.toml", 0, 0, "", "cannot read f.toml: Permission denied"};
  EXPECT_EQ(no_position.ToString(), "cannot read f.toml: Permission denied");
}

TEST_F(ConfigLoaderTest, MissingFileIsOneErrorNamingTheFile) {
  LoadResult r = LoadConfigFile(dir_ + "/nope.toml");
  EXPECT_FALSE(r.config.has_value());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].ToString(),
            "cannot read " + dir_ + "/nope.toml: No such file or directory");
  EXPECT_EQ(r.errors[0].file, dir_ + "/nope.toml");
}

TEST_F(ConfigLoaderTest, DirectoryIsNotAConfigFile) {
  LoadResult r = LoadConfigFile(dir_);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].ToString(), "cannot read " + dir_ + ": Is a directory");
}

TEST_F(ConfigLoaderTest, EmptyFileIsAClearError) {
  std::string path = WriteFile("empty.toml", " \n\n", 0644);
  LoadResult r = LoadConfigFile(path);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].ToString(),
            path + " is empty; a config needs at least an [output.elasticsearch] table with hosts");
}

TEST_F(ConfigLoaderTest, ConfigWithoutOutputNamesTheMissingHosts) {
  EXPECT_EQ(Errors("# only a comment\n"),
            Lines("t.toml:1:1: output.elasticsearch.hosts: missing; add an "
                  "[output.elasticsearch] table with hosts = [\"https://es-1:9200\"]"));
  EXPECT_EQ(Errors("log_level = \"warn\"\n\n[output.elasticsearch]\nindex = \"x\"\n"),
            Lines("t.toml:3:1: output.elasticsearch.hosts: missing; list the "
                  "Elasticsearch URLs, like hosts = [\"https://es-1:9200\"]"));
  EXPECT_EQ(Errors("[output.elasticsearch]\nhosts = []\n"),
            Lines("t.toml:2:9: output.elasticsearch.hosts: must not be empty; list the "
                  "Elasticsearch URLs, like [\"https://es-1:9200\"]"));
}

TEST_F(ConfigLoaderTest, UnknownKeySuggestsTheClosestKnownKey) {
  EXPECT_EQ(
      Errors("[output.elasticsearch]\nhosts = [\"http://h:9200\"]\nmax_batch_byte = \"5MiB\"\n"
             "flush_intreval = \"1s\"\n"),
      Lines("t.toml:3:1: output.elasticsearch.max_batch_byte: unknown key; did you mean "
            "`max_batch_bytes`?",
            "t.toml:4:1: output.elasticsearch.flush_intreval: unknown key; did you mean "
            "`flush_interval`?"));
  EXPECT_EQ(Errors(WithOutput("[buffer]\nMax_Bytes = \"1GiB\"\n")),
            Lines("t.toml:2:1: buffer.Max_Bytes: unknown key; did you mean `max_bytes`?"));
}

TEST_F(ConfigLoaderTest, UnknownKeyWithoutACloseMatchListsTheValidKeys) {
  EXPECT_EQ(Errors(WithOutput("[metrics]\nport = 9464\n")),
            Lines("t.toml:2:1: metrics.port: unknown key; valid keys here: listen"));
  EXPECT_EQ(Errors(WithOutput("[buffer]\npath = \"/tmp\"\n")),
            Lines("t.toml:2:1: buffer.path: unknown key; valid keys here: max_bytes, "
                  "segment_bytes, when_full, fsync, fsync_interval, compression_level"));
  EXPECT_EQ(Errors(WithOutput("colour = \"blue\"\n")),
            Lines("t.toml:1:1: colour: unknown key; valid keys here: data_dir, "
                  "host_name, log_level, log_format, shutdown_timeout, inputs, buffer, output, "
                  "auth, metrics, exec, self, processors"));
}

TEST_F(ConfigLoaderTest, ProcessorsAreReadInOrderGloballyAndPerInput) {
  SetEnv("SKIFF_TEST_DEPLOY", "blue");
  Config c = Load(WithOutput(R"toml([[inputs.file]]
id = "nginx"
paths = ["/var/log/nginx/access.log"]
[[inputs.file.processors]]
type = "parse"
pattern = "nginx"
[[inputs.file.processors]]
type = "sample"
every = 100
when = { field = "http.response.status_code", equals = "200" }

[[processors]]
type = "exclude"
patterns = ['^DEBUG', 'healthz']
[[processors]]
type = "parse"
regex = '^(?P<client__ip>\S+) (?P<status>\d+) (?P<ts>\S+)'
types = { status = "int" }
timestamp_field = "ts"
timestamp_format = "rfc3339"
[[processors]]
type = "fields"
add = { deploy = "${SKIFF_TEST_DEPLOY}", tier = 2 }
rename = { "client.ip" = "source.ip" }
copy = { message = "event.original" }
remove = ["tmp"]
[[processors]]
type = "drop_event"
when = { field = "path", matches = '^/internal/' }
[[processors]]
type = "redact"
patterns = ["bearer_token", "credit_card"]
custom = ['session=(\w+)']
fields = ["message", "url.query"]
mode = "hash"
hash_key = "0123456789abcdef0123"
[[processors]]
type = "kubernetes"
node_name = "node-1"
)toml"));
  ASSERT_EQ(c.processors.size(), 6u);
  EXPECT_EQ(c.processors[0].type, ProcessorType::kExclude);
  EXPECT_EQ(c.processors[0].name, "processors[0]");
  EXPECT_EQ(c.processors[0].patterns, (std::vector<std::string>{"^DEBUG", "healthz"}));
  EXPECT_EQ(c.processors[1].type, ProcessorType::kParse);
  ASSERT_EQ(c.processors[1].types.size(), 1u);
  EXPECT_EQ(c.processors[1].types[0].second, FieldType::kInt);
  EXPECT_EQ(c.processors[1].timestamp_field, "ts");
  EXPECT_EQ(c.processors[1].timestamp_format, TimestampFormat::kRfc3339);
  ASSERT_EQ(c.processors[2].add.size(), 2u);
  EXPECT_EQ(c.processors[2].add[0].second, "\"blue\"");
  EXPECT_EQ(c.processors[2].rename[0],
            (std::pair<std::string, std::string>{"client.ip", "source.ip"}));
  EXPECT_EQ(c.processors[2].copy[0].first, "message");
  EXPECT_EQ(c.processors[3].when.kind, ConditionConfig::Kind::kMatches);
  EXPECT_EQ(c.processors[3].when.field, "path");
  EXPECT_EQ(c.processors[4].mode, RedactMode::kHash);
  EXPECT_EQ(c.processors[4].builtin_patterns.size(), 2u);
  EXPECT_EQ(c.processors[4].custom_patterns.size(), 1u);
  EXPECT_EQ(c.processors[4].redact_fields.size(), 2u);
  EXPECT_EQ(c.processors[5].node_name, "node-1");
  ASSERT_EQ(c.file_inputs.size(), 1u);
  ASSERT_EQ(c.file_inputs[0].processors.size(), 2u);
  EXPECT_EQ(c.file_inputs[0].processors[0].preset, "nginx");
  EXPECT_EQ(c.file_inputs[0].processors[0].name, "inputs.file[0].processors[0]");
  EXPECT_EQ(c.file_inputs[0].processors[1].every, 100u);
  EXPECT_EQ(c.file_inputs[0].processors[1].when.kind, ConditionConfig::Kind::kEquals);
}

TEST_F(ConfigLoaderTest, BadRegexShowsRe2sMessageAtItsColumnInThePattern) {
  EXPECT_EQ(Errors(WithOutput(R"toml([[processors]]
type = "include"
patterns = ['^ok', 'a(?P<x>b']
[[processors]]
type = "parse"
regex = '^(?P<ip>\S+) [z-a]'
[[processors]]
type = "drop_event"
when = { matches = 'x**' }
)toml")),
            Lines("t.toml:3:21: processors[0].patterns[1]: invalid regex: missing ): a(?P<x>b",
                  "t.toml:6:24: processors[1].regex: invalid regex: invalid character class "
                  "range: z-a",
                  "t.toml:9:22: processors[2].when.matches: invalid regex: bad repetition "
                  "operator: **"));
}

TEST_F(ConfigLoaderTest, UnknownProcessorTypeSuggestsTheClosestOne) {
  EXPECT_EQ(Errors(WithOutput(R"toml([[processors]]
type = "redcat"
patterns = ["email"]
[[processors]]
type = "geoip"
)toml")),
            Lines("t.toml:2:8: processors[0].type: unknown processor type \"redcat\"; did you "
                  "mean \"redact\"?",
                  "t.toml:5:8: processors[1].type: unknown processor type \"geoip\"; expected "
                  "one of include, exclude, parse, fields, drop_event, redact, kubernetes, "
                  "sample"));
}

TEST_F(ConfigLoaderTest, ProcessorKeyTypoSuggestsTheKnownKey) {
  EXPECT_EQ(Errors(WithOutput(R"toml([[inputs.file]]
id = "a"
paths = ["/a"]
[[inputs.file.processors]]
type = "exclude"
paterns = ['^DEBUG']
)toml")),
            Lines("t.toml:4:1: inputs.file[0].processors[0].patterns: missing; list RE2 "
                  "patterns, like patterns = ['^DEBUG']",
                  "t.toml:6:1: inputs.file[0].processors[0].paterns: unknown key; did you mean "
                  "`patterns`?"));
}

TEST_F(ConfigLoaderTest, ProcessorValuesAreCheckedAgainstWhatTheyName) {
  EXPECT_EQ(Errors(WithOutput(R"toml([[processors]]
type = "redact"
patterns = ["credit_cards", "ssn"]
[[processors]]
type = "parse"
pattern = "ngnix"
[[processors]]
type = "parse"
regex = '^(?P<status>\d+)'
types = { stauts = "int" }
timestamp_field = "time"
[[processors]]
type = "drop_event"
[[processors]]
type = "redact"
patterns = ["email"]
mode = "hash"
)toml")),
            Lines("t.toml:3:13: processors[0].patterns[0]: unknown built-in pattern "
                  "\"credit_cards\"; did you mean \"credit_card\"?",
                  "t.toml:3:29: processors[0].patterns[1]: unknown built-in pattern \"ssn\"; "
                  "expected one of bearer_token, jwt, aws_access_key, aws_secret_key, "
                  "credit_card, email, ipv4, password (put your own regexes in `custom`)",
                  "t.toml:6:11: processors[1].pattern: unknown pattern \"ngnix\"; did you mean "
                  "\"nginx\"?",
                  "t.toml:10:20: processors[2].types.stauts: the regex has no capture named "
                  "\"stauts\"; did you mean \"status\"?",
                  "t.toml:11:19: processors[2].timestamp_field: the regex has no capture named "
                  "\"time\"",
                  "t.toml:12:1: processors[3].when: missing; drop_event needs a condition, like "
                  "when = { field = \"log.level\", equals = \"debug\" }",
                  "t.toml:14:1: processors[4].hash_key: missing; mode = \"hash\" needs a key, "
                  "like hash_key = \"${SKIFF_REDACT_KEY}\""));
}

TEST_F(ConfigLoaderTest, OpenFileLimitsMustBePositive) {
  EXPECT_EQ(Errors(R"toml([[inputs.file]]
id = "a"
paths = ["/a"]
close_inactive = "0s"
max_open_files = 0
[output.elasticsearch]
hosts = ["https://es:9200"]
)toml"),
            Lines("t.toml:4:18: inputs.file[0].close_inactive: must be at least 1s, got \"0s\"",
                  "t.toml:5:18: inputs.file[0].max_open_files: must be between 1 and 1048576, got "
                  "0"));
}

TEST_F(ConfigLoaderTest, WrongTypesNameTheExpectedType) {
  EXPECT_EQ(Errors(R"toml(data_dir = 5
shutdown_timeout = 5
[[inputs.file]]
id = 7
paths = "/var/log/x.log"
fields = "service=x"
[buffer]
max_bytes = true
compression_level = "3"
[output.elasticsearch]
hosts = ["http://h:9200", 9200]
deterministic_ids = "yes"
retry = "1s"
)toml"),
            Lines("t.toml:1:12: data_dir: expected a string, got an integer",
                  "t.toml:2:20: shutdown_timeout: a number needs a unit; write a duration like "
                  "\"500ms\", \"1s\" or \"5m\"",
                  "t.toml:4:6: inputs.file[0].id: expected a string, got an integer",
                  "t.toml:5:9: inputs.file[0].paths: expected an array of strings, like [\"a\", "
                  "\"b\"], got a string",
                  "t.toml:6:10: inputs.file[0].fields: expected a table, like { service = "
                  "\"nginx\" }, got a string",
                  "t.toml:8:13: buffer.max_bytes: expected a size (a string like \"5MiB\" or a "
                  "number of bytes), got a boolean",
                  "t.toml:9:21: buffer.compression_level: expected an integer, got a string",
                  "t.toml:11:27: output.elasticsearch.hosts[1]: expected a string, got an integer",
                  "t.toml:12:21: output.elasticsearch.deterministic_ids: expected true or false, "
                  "got a string",
                  "t.toml:13:9: output.elasticsearch.retry: expected a table "
                  "([output.elasticsearch.retry]), got a string"));
}

TEST_F(ConfigLoaderTest, BadValuesSayWhatWouldBeRight) {
  EXPECT_EQ(
      Errors(R"toml(log_level = "verbose"
[[inputs.file]]
id = "web"
paths = ["/var/log/web.log"]
start_at = "middle"
format = "xml"
max_line_bytes = "1 potato"
scan_interval = "10"
poll_interval = "0ms"
[buffer]
when_full = "drop"
fsync = "sometimes"
compression_level = 25
max_bytes = "1KiB"
[output.elasticsearch]
hosts = ["http://h:9200"]
compression = "zstd"
max_batch_bytes = "200MiB"
max_batch_docs = 0
max_in_flight = 65
)toml"),
      Lines(
          "t.toml:1:13: log_level: got \"verbose\", expected \"debug\", \"info\", \"warn\" or "
          "\"error\"",
          "t.toml:5:12: inputs.file[0].start_at: got \"middle\", expected \"beginning\" or \"end\"",
          "t.toml:6:10: inputs.file[0].format: got \"xml\", expected \"text\", \"json\", "
          "\"auto\", \"cri\" or \"docker\"",
          "t.toml:7:18: inputs.file[0].max_line_bytes: invalid size \"1 potato\": unknown unit "
          "\"potato\"; use B, KiB, MiB, GiB, TiB, PiB (powers of 1024) or KB, MB, GB, TB, PB "
          "(powers of 1000)",
          "t.toml:8:17: inputs.file[0].scan_interval: invalid duration \"10\": a number needs a "
          "unit (us, ms, s, m, h or d); write a duration like \"500ms\", \"1s\", \"5m\" or "
          "\"1m30s\"",
          "t.toml:9:17: inputs.file[0].poll_interval: must be at least 1ms, got \"0ms\"",
          "t.toml:11:13: buffer.when_full: got \"drop\", expected \"block\" or \"drop_oldest\"",
          "t.toml:12:9: buffer.fsync: got \"sometimes\", expected \"always\", \"batch\" or "
          "\"never\"",
          "t.toml:13:21: buffer.compression_level: must be between 1 and 19, got 25",
          "t.toml:14:13: buffer.max_bytes: must be at least 64KiB, got 1KiB",
          "t.toml:17:15: output.elasticsearch.compression: got \"zstd\", expected \"none\" or "
          "\"gzip\"",
          "t.toml:18:19: output.elasticsearch.max_batch_bytes: must be between 1KiB and 100MiB, "
          "got 200MiB",
          "t.toml:19:18: output.elasticsearch.max_batch_docs: must be between 1 and 1000000, got 0",
          "t.toml:20:17: output.elasticsearch.max_in_flight: must be between 1 and 64, got 65"));
}

TEST_F(ConfigLoaderTest, AllErrorsOfAFileAreReportedTogetherInFileOrder) {
  LoadResult r = LoadConfigString(R"toml(log_level = "loud"
[buffer]
fsync = "never"
segment_bytes = "2GiB"
[[inputs.file]]
paths = ["/a"]
[output.elasticsearch]
hosts = ["h:9200"]
max_batch_byts = 1
)toml",
                                  "multi.toml");
  EXPECT_FALSE(r.config.has_value());
  std::vector<std::string> lines;
  for (const ConfigError& e : r.errors) lines.push_back(e.ToString());
  EXPECT_EQ(lines, Lines("multi.toml:1:13: log_level: got \"loud\", expected \"debug\", \"info\", "
                         "\"warn\" or \"error\"",
                         "multi.toml:4:17: buffer.segment_bytes: must not be larger than "
                         "buffer.max_bytes (2GiB > 1GiB)",
                         "multi.toml:5:1: inputs.file[0].id: missing; every [[inputs.file]] needs "
                         "a unique id, like id = \"nginx\"",
                         "multi.toml:8:10: output.elasticsearch.hosts[0]: expected a URL starting "
                         "with http:// or https://; write a URL like \"https://es-1:9200\"",
                         "multi.toml:9:1: output.elasticsearch.max_batch_byts: unknown key; did "
                         "you mean `max_batch_bytes`?"));
  // The structured fields carry the same facts for programs.
  ASSERT_EQ(r.errors.size(), 5u);
  EXPECT_EQ(r.errors[1].file, "multi.toml");
  EXPECT_EQ(r.errors[1].line, 4);
  EXPECT_EQ(r.errors[1].column, 17);
  EXPECT_EQ(r.errors[1].key, "buffer.segment_bytes");
}

TEST_F(ConfigLoaderTest, FileInputNeedsIdAndPaths) {
  EXPECT_EQ(Errors(WithOutput("[[inputs.file]]\nformat = \"json\"\n")),
            Lines("t.toml:1:1: inputs.file[0].id: missing; every [[inputs.file]] needs a "
                  "unique id, like id = \"nginx\"",
                  "t.toml:1:1: inputs.file[0].paths: missing; list the files to read, like "
                  "paths = [\"/var/log/app/*.log\"]"));
}

TEST_F(ConfigLoaderTest, DuplicateInputIdsPointAtTheSecond) {
  EXPECT_EQ(Errors(WithOutput("[[inputs.file]]\nid = \"app\"\npaths = [\"/a\"]\n"
                              "[[inputs.file]]\nid = \"web\"\npaths = [\"/b\"]\n"
                              "[[inputs.file]]\nid = \"app\"\npaths = [\"/c\"]\n")),
            Lines("t.toml:8:6: inputs.file[2].id: duplicate id \"app\"; inputs.file[0] already "
                  "uses it (ids must be unique)"));
}

TEST_F(ConfigLoaderTest, InputIdsAndPathsAreChecked) {
  EXPECT_EQ(Errors(WithOutput("[[inputs.file]]\nid = \"my app\"\n"
                              "paths = [\"/var/log/a.log\", \"logs/*.log\"]\nexclude = [\"\"]\n"
                              "index = \"Logs-App\"\n")),
            Lines("t.toml:2:6: inputs.file[0].id: may contain only letters, digits, '_', "
                  "'-' and '.'",
                  "t.toml:3:28: inputs.file[0].paths[1]: must be an absolute path, like "
                  "\"/var/log/app/*.log\"",
                  "t.toml:4:12: inputs.file[0].exclude[0]: must not be empty",
                  "t.toml:5:9: inputs.file[0].index: invalid index name: must be lower "
                  "case (an Elasticsearch rule)"));
}

TEST_F(ConfigLoaderTest, InputsFileMustBeAnArrayOfTables) {
  EXPECT_EQ(Errors(WithOutput("[inputs.file]\nid = \"a\"\npaths = [\"/a\"]\n")),
            Lines("t.toml:1:1: inputs.file: expected an array of tables: write each one "
                  "as a [[inputs.file]] section, got a table"));
}

TEST_F(ConfigLoaderTest, FieldValuesMustBeScalars) {
  EXPECT_EQ(Errors(WithOutput("[[inputs.file]]\nid = \"a\"\npaths = [\"/a\"]\n"
                              "fields = { ok = 1, list = [1, 2], sub = { x = 1 }, big = inf }\n")),
            Lines("t.toml:4:27: inputs.file[0].fields.list: expected a string, integer, float or "
                  "boolean, got an array",
                  "t.toml:4:41: inputs.file[0].fields.sub: expected a string, integer, float or "
                  "boolean, got a table",
                  "t.toml:4:58: inputs.file[0].fields.big: inf and nan have no JSON form; use a "
                  "finite number"));
}

TEST_F(ConfigLoaderTest, CrossFieldLimitsPointAtTheOffendingKey) {
  EXPECT_EQ(Errors(WithOutput("[buffer]\nmax_bytes = \"1MiB\"\nsegment_bytes = \"2MiB\"\n")),
            Lines("t.toml:3:17: buffer.segment_bytes: must not be larger than "
                  "buffer.max_bytes (2MiB > 1MiB)"));
  EXPECT_EQ(Errors("[output.elasticsearch]\nhosts = [\"http://h:9200\"]\n"
                   "retry = { initial = \"1m\", max = \"30s\" }\n"),
            Lines("t.toml:3:21: output.elasticsearch.retry.initial: retry.initial must not be "
                  "longer than retry.max (1m > 30s)"));
  // Against the default max (30s) when only initial is written.
  EXPECT_EQ(
      Errors(
          "[output.elasticsearch]\nhosts = [\"http://h:9200\"]\nretry = { initial = \"45s\" }\n"),
      Lines("t.toml:3:21: output.elasticsearch.retry.initial: retry.initial must not be "
            "longer than retry.max (45s > 30s)"));
}

TEST_F(ConfigLoaderTest, CrossFieldChecksSkipValuesThatAreAlreadyWrong) {
  // initial is wrong on its own; comparing its default with max would add a false error.
  EXPECT_EQ(Errors("[output.elasticsearch]\nhosts = [\"http://h:9200\"]\n"
                   "retry = { initial = \"soon\", max = \"100ms\" }\n"),
            Lines("t.toml:3:21: output.elasticsearch.retry.initial: invalid duration \"soon\": "
                  "expected a number and a unit; write a duration like \"500ms\", \"1s\", \"5m\" "
                  "or \"1m30s\""));
}

TEST_F(ConfigLoaderTest, HostUrlsAreValidatedAndCredentialsInThemAreNotEchoed) {
  EXPECT_EQ(Errors(R"toml([output.elasticsearch]
hosts = [
  "https://es-1:9200",
  "es-2:9200",
  "https://shipper:hunter2@es-3:9200",
  "https://es-4:0",
  "https://es-5:9200/prefix",
  "https://",
  "https://es-1:9200/",
]
)toml"),
            Lines("t.toml:4:3: output.elasticsearch.hosts[1]: expected a URL starting with "
                  "http:// or https://; write a URL like \"https://es-1:9200\"",
                  "t.toml:5:3: output.elasticsearch.hosts[2]: credentials in the URL are not "
                  "supported; set them in [auth] instead",
                  "t.toml:6:3: output.elasticsearch.hosts[3]: the port must be a number from 1 "
                  "to 65535; write a URL like \"https://es-1:9200\"",
                  "t.toml:7:3: output.elasticsearch.hosts[4]: a path, query or fragment is not "
                  "supported; write only the scheme, host and port, like \"https://es-1:9200\"",
                  "t.toml:8:3: output.elasticsearch.hosts[5]: empty host; write a URL like "
                  "\"https://es-1:9200\"",
                  "t.toml:9:3: output.elasticsearch.hosts[6]: duplicate of hosts[0]"));
}

TEST_F(ConfigLoaderTest, MetricsListenNeedsHostAndPort) {
  EXPECT_EQ(Errors(WithOutput("[metrics]\nlisten = \"9464\"\n")),
            Lines("t.toml:2:10: metrics.listen: missing the port; write host:port, like "
                  "\"127.0.0.1:9464\""));
  EXPECT_EQ(Errors(WithOutput("[metrics]\nlisten = \"127.0.0.1:99999\"\n")),
            Lines("t.toml:2:10: metrics.listen: the port must be a number up to 65535; "
                  "write host:port, like \"127.0.0.1:9464\""));
  EXPECT_EQ(Load(WithOutput("[metrics]\nlisten = \"[::1]:9464\"\n")).metrics.listen, "[::1]:9464");
}

TEST_F(ConfigLoaderTest, UnknownAuthTypeListsTheValidOnes) {
  EXPECT_EQ(Errors(WithOutput("[auth]\ntype = \"kerberos\"\n")),
            Lines("t.toml:2:8: auth.type: got \"kerberos\", expected \"none\", \"basic\", "
                  "\"api_key\", \"token_file\", \"oidc_client_credentials\", "
                  "\"gcp_identity\", \"aws_sigv4\" or \"azure_managed_identity\""));
}

TEST_F(ConfigLoaderTest, AuthChecksTheKeysEachTypeNeeds) {
  EXPECT_EQ(Errors(WithOutput("[auth]\ntype = \"basic\"\n")),
            Lines("t.toml:1:1: auth.username: missing; type = \"basic\" needs username "
                  "and password",
                  "t.toml:1:1: auth.password: missing; type = \"basic\" needs it, like "
                  "password = \"${ES_PASSWORD}\""));
  EXPECT_EQ(Errors(WithOutput("[auth]\ntype = \"api_key\"\nusername = \"u\"\n")),
            Lines("t.toml:1:1: auth.api_key: missing; type = \"api_key\" needs it, like "
                  "api_key = \"file:/run/secrets/es_api_key\"",
                  "t.toml:3:12: auth.username: only used with type = \"basic\""));
  EXPECT_EQ(Errors(WithOutput("[auth]\npassword = \"${ES_PASSWORD}\"\n")),
            Lines("t.toml:2:12: auth.password: only used with type = \"basic\""));
  EXPECT_EQ(Errors(WithOutput("[auth]\ntype = \"basic\"\nusername = \"a:b\"\npassword = \"p\"\n")),
            Lines("t.toml:3:12: auth.username: must not contain ':' (HTTP basic "
                  "authentication)"));
}

TEST_F(ConfigLoaderTest, EnvReferencesExpandInAnyStringValue) {
  SetEnv("SKIFF_TEST_DIR", "/data");
  SetEnv("SKIFF_TEST_HOST", "es.internal");
  SetEnv("SKIFF_TEST_SIZE", "512MiB");
  SetEnv("SKIFF_TEST_EMPTY", "");
  Config c = Load(R"toml(data_dir = "${SKIFF_TEST_DIR}/skiff"
host_name = "${SKIFF_TEST_EMPTY:-fallback}"
[[inputs.file]]
id = "a"
paths = ["${SKIFF_TEST_DIR}/*.log"]
fields = { env = "${SKIFF_TEST_UNSET_VAR:-prod}", literal = "$${NOT_A_REF} costs $5" }
[buffer]
max_bytes = "${SKIFF_TEST_SIZE}"
[output.elasticsearch]
hosts = ["https://${SKIFF_TEST_HOST}:9200"]
)toml");
  EXPECT_EQ(c.data_dir, "/data/skiff");
  EXPECT_EQ(c.host_name, "fallback");
  EXPECT_EQ(c.file_inputs[0].paths[0], "/data/*.log");
  ASSERT_EQ(c.file_inputs[0].fields.size(), 2u);
  EXPECT_EQ(c.file_inputs[0].fields[0].json_value, "\"prod\"");
  EXPECT_EQ(c.file_inputs[0].fields[1].json_value, "\"${NOT_A_REF} costs $5\"");
  EXPECT_EQ(c.buffer.max_bytes, 512 * kMiB);
  EXPECT_EQ(c.elasticsearch.hosts[0], "https://es.internal:9200");
}

TEST_F(ConfigLoaderTest, MissingEnvVariableIsNamedAtTheValue) {
  EXPECT_EQ(Errors(WithOutput("data_dir = \"${SKIFF_TEST_NOT_SET}/x\"\nhost_name = \"${1BAD}\"\n"
                              "log_level = \"${SKIFF_TEST_NOT_SET\"\n")),
            Lines("t.toml:1:12: data_dir: environment variable SKIFF_TEST_NOT_SET is not set; "
                  "set it, or give a default: ${SKIFF_TEST_NOT_SET:-default}",
                  "t.toml:2:13: host_name: invalid variable name in \"${...}\"; names are letters, "
                  "digits and _, not starting with a digit",
                  "t.toml:3:13: log_level: unterminated \"${\"; write ${NAME} or ${NAME:-default} "
                  "(or $${ for a literal \"${\")"));
}

TEST_F(ConfigLoaderTest, ValuesFromTheEnvironmentAreNotEchoedInErrors) {
  SetEnv("SKIFF_TEST_LEVEL", "hunter2");
  SetEnv("SKIFF_TEST_SIZE", "hunter2");
  std::vector<std::string> errors = Errors(WithOutput(
      "log_level = \"${SKIFF_TEST_LEVEL}\"\n[buffer]\nmax_bytes = \"${SKIFF_TEST_SIZE}\"\n"));
  EXPECT_EQ(errors, Lines("t.toml:1:13: log_level: got \"${SKIFF_TEST_LEVEL}\" (after expanding "
                          "variables), expected \"debug\", \"info\", \"warn\" or \"error\"",
                          "t.toml:3:13: buffer.max_bytes: invalid size \"${SKIFF_TEST_SIZE}\" "
                          "(after expanding variables): expected a number and a unit; write a size "
                          "like \"5MiB\", \"512KiB\" or \"10MB\""));
  for (const std::string& e : errors) EXPECT_EQ(e.find("hunter2"), std::string::npos) << e;
}

TEST_F(ConfigLoaderTest, SecretFileIsReadWithoutItsTrailingNewline) {
  std::string password = WriteFile("es_password", "c0rrect horse\n", 0600);
  std::string key = WriteFile("es_api_key", "aWQ6a2V5\r\n", 0400);
  Config basic = Load(WithOutput(
      "[auth]\ntype = \"basic\"\nusername = \"u\"\npassword = \"file:" + password + "\"\n"));
  EXPECT_EQ(basic.auth.password.value, "c0rrect horse");
  SetEnv("SKIFF_TEST_SECRETS", dir_);
  Config api = Load(WithOutput(
      "[auth]\ntype = \"api_key\"\napi_key = \"file:${SKIFF_TEST_SECRETS}/es_api_key\"\n"));
  EXPECT_EQ(api.auth.api_key.value, "aWQ6a2V5");
}

TEST_F(ConfigLoaderTest, SecretFileOnlyStripsOneNewline) {
  std::string path = WriteFile("pw", "two\n\n", 0600);
  Config c = Load(
      WithOutput("[auth]\ntype = \"basic\"\nusername = \"u\"\npassword = \"file:" + path + "\"\n"));
  EXPECT_EQ(c.auth.password.value, "two\n");
}

TEST_F(ConfigLoaderTest, SecretFileReadableByOthersMustBeChmodded) {
  std::string path = WriteFile("pw", "hunter2\n", 0644);
  std::vector<std::string> errors = Errors(
      WithOutput("[auth]\ntype = \"basic\"\nusername = \"u\"\npassword = \"file:" + path + "\"\n"));
  EXPECT_EQ(errors, Lines("t.toml:4:12: auth.password: secret file " + path +
                          " is readable by group or others; run chmod 600 " + path +
                          " (or set allow_insecure_permissions = true in [auth])"));
  EXPECT_EQ(errors[0].find("hunter2"), std::string::npos);
}

TEST_F(ConfigLoaderTest, AllowInsecurePermissionsAcceptsAGroupReadableSecretFile) {
  // Some platforms mount secrets 0640 for a shared group; the operator may accept that.
  std::string path = WriteFile("pw", "hunter2\n", 0640);
  Config c =
      Load(WithOutput("[auth]\ntype = \"basic\"\nusername = \"u\"\npassword = \"file:" + path +
                      "\"\nallow_insecure_permissions = true\n"));
  EXPECT_EQ(c.auth.password.value, "hunter2");
  EXPECT_TRUE(c.auth.allow_insecure_permissions);
}

TEST_F(ConfigLoaderTest, AProxySecretFileReadableByOthersIsRefusedToo) {
  std::string path = WriteFile("proxy", "http://u:p@127.0.0.1:3128\n", 0644);
  std::vector<std::string> errors =
      Errors(std::string(kOutput) + "proxy = \"file:" + path + "\"\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("is readable by group or others"), std::string::npos) << errors[0];
}

TEST_F(ConfigLoaderTest, UnreadableSecretFileNamesThePath) {
  EXPECT_EQ(
      Errors(WithOutput("[auth]\ntype = \"api_key\"\napi_key = \"file:" + dir_ + "/missing\"\n")),
      Lines("t.toml:3:11: auth.api_key: cannot read secret file " + dir_ +
            "/missing: No such file or directory"));
  EXPECT_EQ(Errors(WithOutput("[auth]\ntype = \"api_key\"\napi_key = \"file:relative/key\"\n")),
            Lines("t.toml:3:11: auth.api_key: expected an absolute path after \"file:\", "
                  "like \"file:/run/secrets/es_password\""));
  std::string empty = WriteFile("empty", "\n", 0600);
  EXPECT_EQ(Errors(WithOutput("[auth]\ntype = \"api_key\"\napi_key = \"file:" + empty + "\"\n")),
            Lines("t.toml:3:11: auth.api_key: secret file " + empty + " is empty"));
}

TEST_F(ConfigLoaderTest, SecretsNeverAppearInAnyMessage) {
  SetEnv("SKIFF_TEST_PASSWORD", "hunter2-from-env");
  std::string file = WriteFile("key", "hunter2-from-file\n", 0600);
  // Every other key is wrong, so the loader has every chance to print something.
  std::vector<std::string> errors = Errors(R"toml(log_level = "hunter2-inline"
[auth]
type = "basic"
username = "u"
password = "${SKIFF_TEST_PASSWORD}"
api_key = "file:)toml" + file + R"toml("
[output.elasticsearch]
hosts = ["https://u:hunter2-in-url@es:9200"]
)toml");
  ASSERT_EQ(errors.size(), 3u);
  for (const std::string& e : errors) {
    EXPECT_EQ(e.find("hunter2-from-env"), std::string::npos) << e;
    EXPECT_EQ(e.find("hunter2-from-file"), std::string::npos) << e;
    EXPECT_EQ(e.find("hunter2-in-url"), std::string::npos) << e;
  }
  // A password written inline is not echoed either when it is the wrong type of value.
  std::vector<std::string> inline_errors =
      Errors(WithOutput("[auth]\ntype = \"api_key\"\napi_key = [\"hunter2-inline\"]\n"));
  EXPECT_EQ(inline_errors, Lines("t.toml:3:11: auth.api_key: expected a string, got an array"));
}

TEST_F(ConfigLoaderTest, TokenAuthTypesLoadTheirKeys) {
  Config file =
      Load(WithOutput("[auth]\ntype = \"token_file\"\npath = \"/var/run/secrets/tokens/es\"\n"
                      "reload_interval = \"30s\"\n"));
  EXPECT_EQ(file.auth.type, AuthType::kTokenFile);
  EXPECT_EQ(file.auth.path, "/var/run/secrets/tokens/es");
  EXPECT_EQ(file.auth.reload_interval, milliseconds{30'000});

  SetEnv("SKIFF_TEST_CLIENT_SECRET", "oidc-secret");
  Config oidc = Load(
      WithOutput("[auth]\ntype = \"oidc_client_credentials\"\ntoken_url = \"http://idp/token\"\n"
                 "client_id = \"shipper\"\nclient_secret = \"${SKIFF_TEST_CLIENT_SECRET}\"\n"
                 "scope = \"es\"\naudience = \"https://es\"\n"));
  EXPECT_EQ(oidc.auth.type, AuthType::kOidcClientCredentials);
  EXPECT_EQ(oidc.auth.client_secret.value, "oidc-secret");
  EXPECT_EQ(oidc.auth.scope, "es");

  Config gcp = Load(WithOutput("[auth]\ntype = \"gcp_identity\"\naudience = \"https://es\"\n"));
  EXPECT_EQ(gcp.auth.type, AuthType::kGcpIdentity);
  EXPECT_EQ(gcp.auth.audience, "https://es");

  Config aws = Load(
      WithOutput("[auth]\ntype = \"aws_sigv4\"\nregion = \"eu-west-1\"\nservice = \"aoss\"\n"));
  EXPECT_EQ(aws.auth.type, AuthType::kAwsSigV4);
  EXPECT_EQ(aws.auth.region, "eu-west-1");
  EXPECT_EQ(aws.auth.service, "aoss");

  Config azure =
      Load(WithOutput("[auth]\ntype = \"azure_managed_identity\"\nresource = \"api://es\"\n"));
  EXPECT_EQ(azure.auth.type, AuthType::kAzureManagedIdentity);
  EXPECT_EQ(azure.auth.resource, "api://es");
  EXPECT_EQ(azure.auth.service, "es");
}

TEST_F(ConfigLoaderTest, TokenAuthTypesReportMissingAndMisplacedKeys) {
  EXPECT_EQ(Errors(WithOutput("[auth]\ntype = \"token_file\"\n")),
            Lines("t.toml:1:1: auth.path: missing; type = \"token_file\" needs it"));
  EXPECT_EQ(Errors(WithOutput("[auth]\ntype = \"gcp_identity\"\nregion = \"x\"\n")),
            Lines("t.toml:1:1: auth.audience: missing; type = \"gcp_identity\" needs it",
                  "t.toml:3:10: auth.region: only used with type = \"aws_sigv4\""));
  EXPECT_EQ(Errors(WithOutput("[auth]\ntype = \"aws_sigv4\"\nregion = \"eu-west-1\"\n"
                              "service = \"s3\"\n")),
            Lines("t.toml:4:11: auth.service: got \"s3\", expected \"es\" or \"aoss\""));
  EXPECT_EQ(Errors(WithOutput("[auth]\ntype = \"oidc_client_credentials\"\n"
                              "token_url = \"http://idp/token\"\nclient_id = \"c\"\n")),
            Lines("t.toml:1:1: auth.client_secret: missing; type = \"oidc_client_credentials\" "
                  "needs client_secret (like client_secret = \"file:/run/secrets/client_secret\") "
                  "or client_assertion_file"));
}

TEST_F(ConfigLoaderTest, IndexTemplatesWithDatesAndFieldsAreAccepted) {
  Config c = Load(std::string(kOutput) +
                  "index = \"logs-%{[service]}-%Y.%m.%d\"\n"
                  "index_fallback = \"logs-unknown-%Y.%m.%d\"\n"
                  "data_stream = true\nrequire_data_stream = true\n");
  EXPECT_EQ(c.elasticsearch.index, "logs-%{[service]}-%Y.%m.%d");
  EXPECT_EQ(c.elasticsearch.index_fallback, "logs-unknown-%Y.%m.%d");
  EXPECT_TRUE(c.elasticsearch.data_stream);
  EXPECT_TRUE(c.elasticsearch.require_data_stream);
  EXPECT_EQ(Load(kOutput).elasticsearch.index_fallback, "logs-generic-default");
}

TEST_F(ConfigLoaderTest, BadIndexPlaceholdersSayWhatToWrite) {
  EXPECT_EQ(Errors(std::string(kOutput) + "index = \"logs-%{service}-x\"\n"),
            Lines("t.toml:3:9: output.elasticsearch.index: invalid placeholder at offset 5; "
                  "write %Y, %m, %d or %H (event time, UTC), %{[field]} or %{[object][field]} "
                  "(a field), or %% (a literal percent sign)"));
  EXPECT_EQ(Errors(std::string(kOutput) + "index_fallback = \"logs-%{[a]}-x\"\n"),
            Lines("t.toml:3:18: output.elasticsearch.index_fallback: must not refer to fields "
                  "(it is used when a field is missing); write a name, dates (%Y.%m.%d) "
                  "allowed"));
  EXPECT_EQ(Errors(std::string(kOutput) + "index = \"Logs-%Y\"\n"),
            Lines("t.toml:3:9: output.elasticsearch.index: invalid index name: must be lower "
                  "case (an Elasticsearch rule)"));
}

TEST_F(ConfigLoaderTest, SelfShippingAndLogFormatAreReadWithDefaultsOtherwise) {
  Config defaults = Load(kOutput);
  EXPECT_FALSE(defaults.self.ship);
  EXPECT_EQ(defaults.self.index, "logs-skiff-default");
  EXPECT_EQ(defaults.self.interval, std::chrono::seconds(60));
  EXPECT_EQ(defaults.self.min_level, "warn");
  EXPECT_EQ(defaults.log_format, "text");

  Config c =
      Load(WithOutput("log_format = \"json\"\n[self]\nship = true\nindex = \"logs-agents-ops\"\n"
                      "interval = \"15s\"\nmin_level = \"error\"\n"));
  EXPECT_EQ(c.log_format, "json");
  EXPECT_TRUE(c.self.ship);
  EXPECT_EQ(c.self.index, "logs-agents-ops");
  EXPECT_EQ(c.self.interval, std::chrono::seconds(15));
  EXPECT_EQ(c.self.min_level, "error");
}

TEST_F(ConfigLoaderTest, BadSelfAndLogFormatValuesSayWhatToWrite) {
  const std::string errors = Join(
      LoadConfigString("log_format = \"yaml\"\n[self]\ninterval = \"10ms\"\nmin_level = \"loud\"\n"
                       "shipping = true\n" +
                           std::string(kOutput),
                       "t.toml")
          .errors);
  EXPECT_NE(errors.find("t.toml:1:14: log_format"), std::string::npos) << errors;
  EXPECT_NE(errors.find("\"text\""), std::string::npos) << errors;
  EXPECT_NE(errors.find("t.toml:3:12: self.interval"), std::string::npos) << errors;
  EXPECT_NE(errors.find("t.toml:4:13: self.min_level"), std::string::npos) << errors;
  EXPECT_NE(errors.find("t.toml:5:1: self.shipping: unknown key; valid keys here: ship, index, "
                        "interval, min_level"),
            std::string::npos)
      << errors;
}

}  // namespace
}  // namespace config
