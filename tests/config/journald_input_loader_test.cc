#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/config_loader.h"
#include "platforms/base/log.h"

namespace config {
namespace {

using std::chrono::milliseconds;

constexpr std::string_view kOutput =
    "[output.elasticsearch]\nhosts = [\"http://127.0.0.1:9200\"]\n";

std::vector<std::string> Errors(std::string_view toml) {
  LoadResult r = LoadConfigString(toml, "t.toml");
  EXPECT_FALSE(r.config.has_value());
  std::vector<std::string> out;
  for (const ConfigError& e : r.errors) out.push_back(e.ToString());
  return out;
}

template <class... Texts>
std::vector<std::string> Lines(const Texts&... texts) {
  return {std::string(texts)...};
}

#if SKIFF_WITH_JOURNALD

Config Load(std::string_view toml) {
  LoadResult r = LoadConfigString(toml, "t.toml");
  EXPECT_TRUE(r.errors.empty()) << (r.errors.empty() ? "" : r.errors.front().ToString());
  return r.config.value_or(Config{});
}

TEST(JournaldInputLoaderTest, DefaultsReadTheSystemJournalFromTheEnd) {
  Config c = Load(std::string("[[inputs.journald]]\nid = \"system\"\n") + std::string(kOutput));
  ASSERT_EQ(c.journald_inputs.size(), 1u);
  const JournaldInputConfig& j = c.journald_inputs[0];
  EXPECT_EQ(j.id, "system");
  EXPECT_EQ(j.directory, "");
  EXPECT_TRUE(j.units.empty());
  EXPECT_TRUE(j.matches.empty());
  EXPECT_EQ(j.start_at, StartAt::kEnd);
  EXPECT_EQ(j.max_message_bytes, 1 * kMiB);
  EXPECT_EQ(j.poll_interval, milliseconds(1'000));
  EXPECT_EQ(InputIds(c), std::vector<std::string>{"system"});
}

TEST(JournaldInputLoaderTest, ReadsEveryKey) {
  Config c = Load(std::string(R"toml([[inputs.journald]]
id = "web"
directory = "/var/log/journal/remote"
units = ["nginx", "php-fpm.service"]
matches = ["PRIORITY=3", "_TRANSPORT=stdout"]
start_at = "beginning"
max_message_bytes = "64KiB"
poll_interval = "250ms"
fields = { team = "web" }
index = "logs-journal-web"
dataset = "journal.web"
[[inputs.journald.processors]]
type = "drop_event"
when = { field = "log.level", equals = "debug" }
)toml") + std::string(kOutput));
  ASSERT_EQ(c.journald_inputs.size(), 1u);
  const JournaldInputConfig& j = c.journald_inputs[0];
  EXPECT_EQ(j.directory, "/var/log/journal/remote");
  EXPECT_EQ(j.units, (std::vector<std::string>{"nginx", "php-fpm.service"}));
  EXPECT_EQ(j.matches, (std::vector<std::string>{"PRIORITY=3", "_TRANSPORT=stdout"}));
  EXPECT_EQ(j.start_at, StartAt::kBeginning);
  EXPECT_EQ(j.max_message_bytes, 64 * kKiB);
  EXPECT_EQ(j.poll_interval, milliseconds(250));
  ASSERT_EQ(j.fields.size(), 1u);
  EXPECT_EQ(j.fields[0].key, "team");
  EXPECT_EQ(j.index, "logs-journal-web");
  EXPECT_EQ(j.dataset, "journal.web");
  EXPECT_EQ(j.processors.size(), 1u);
}

TEST(JournaldInputLoaderTest, BadKeysAreReportedWithTheirPositionAndWhatToWrite) {
  EXPECT_EQ(Errors(std::string(R"toml([[inputs.journald]]
directory = "journal"
units = ["nginx*", ""]
matches = ["PRIORITY", "priority=3", "=x", "1A=b"]
start_at = "middle"
poll_intervall = "1s"
)toml") + std::string(kOutput)),
            Lines("t.toml:1:1: inputs.journald[0].id: missing; every [[inputs.journald]] needs a "
                  "unique id, like id = \"system-journal\"",
                  "t.toml:2:13: inputs.journald[0].directory: must be an absolute path, like "
                  "\"/var/log/journal\"; leave it out to read the local system journal",
                  "t.toml:3:10: inputs.journald[0].units[0]: patterns are not supported; list "
                  "each unit, like \"nginx.service\"",
                  "t.toml:3:20: inputs.journald[0].units[1]: must not be empty; write a unit "
                  "name, like \"nginx.service\"",
                  "t.toml:4:12: inputs.journald[0].matches[0]: must be FIELD=value, like "
                  "\"_SYSTEMD_UNIT=nginx.service\" or \"PRIORITY=3\"",
                  "t.toml:4:24: inputs.journald[0].matches[1]: field name may contain only "
                  "upper-case letters, digits and '_', like \"SYSLOG_IDENTIFIER=sshd\" (journal "
                  "field names are upper case)",
                  "t.toml:4:38: inputs.journald[0].matches[2]: has no field name before '='; "
                  "write FIELD=value, like \"PRIORITY=3\"",
                  "t.toml:4:44: inputs.journald[0].matches[3]: field name must not start with a "
                  "digit",
                  "t.toml:5:12: inputs.journald[0].start_at: got \"middle\", expected "
                  "\"beginning\" or \"end\"",
                  "t.toml:6:1: inputs.journald[0].poll_intervall: unknown key; did you mean "
                  "`poll_interval`?"));
}

TEST(JournaldInputLoaderTest, IdsAreUniqueAcrossInputKinds) {
  std::vector<std::string> errors = Errors(std::string(R"toml([[inputs.file]]
id = "a"
paths = ["/var/log/a.log"]
[[inputs.journald]]
id = "a"
)toml") + std::string(kOutput));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("t.toml:5:6: inputs.journald[0].id: duplicate id \"a\""),
            std::string::npos)
      << errors[0];
}

TEST(JournaldInputLoaderTest, AcceptsEmptyValuesLongFieldNamesAndEscapedUnits) {
  const std::string name64(64, 'A');
  Config c = Load(base::StrCat(R"toml([[inputs.journald]]
id = "j"
units = ["getty@tty1.service", 'sys-devices-a\x2db.device']
matches = ["MESSAGE=", "A=b=c", ")toml",
                               name64, R"toml(=x"]
)toml",
                               kOutput));
  ASSERT_EQ(c.journald_inputs.size(), 1u);
  EXPECT_EQ(c.journald_inputs[0].matches.size(), 3u);
  EXPECT_EQ(Errors(base::StrCat("[[inputs.journald]]\nid = \"j\"\nmatches = [\"", name64,
                                "A=x\"]\n", kOutput)),
            Lines("t.toml:3:12: inputs.journald[0].matches[0]: field name is 65 characters; "
                  "journal field names have at most 64"));
}

#else

TEST(JournaldInputLoaderTest, ABuildWithoutLibsystemdRefusesTheTable) {
  EXPECT_EQ(Errors(std::string("[[inputs.journald]]\nid = \"j\"\n") + std::string(kOutput)),
            Lines("t.toml:1:1: inputs.journald: this build of skiff has no journald support (it "
                  "was built without libsystemd); remove [[inputs.journald]], or use a build "
                  "whose `skiff version` lists journald"));
}

#endif

}  // namespace
}  // namespace config
