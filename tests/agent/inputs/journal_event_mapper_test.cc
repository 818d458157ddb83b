#include "agent/inputs/journal_event_mapper.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace agent {
namespace {

using namespace std::string_literals;

class JournalEventMapperTest : public ::testing::Test {
 protected:
  buffer::Event Map(std::initializer_list<std::string_view> fields, uint64_t realtime_usec = 0) {
    buffer::Event event;
    mapper_.Begin(event);
    for (std::string_view field : fields) mapper_.AddField(field);
    mapper_.Finish(realtime_usec);
    return event;
  }

  JournalEventMapper mapper_{64, {}};
};

TEST_F(JournalEventMapperTest, MapsTheIssueFieldsToEcsNames) {
  buffer::Event event = Map({"MESSAGE=disk full", "PRIORITY=3", "_SYSTEMD_UNIT=nginx.service",
                             "_PID=4242", "_HOSTNAME=web-1"},
                            1'700'000'000'123'456);
  EXPECT_EQ(event.message, "disk full");
  EXPECT_EQ(event.flags, 0u);
  EXPECT_EQ(event.time_unix_nanos, 1'700'000'000'123'456'000);
  EXPECT_EQ(event.fields_json,
            R"("log.syslog.priority":3,"log.level":"err","systemd.unit":"nginx.service",)"
            R"("process.pid":4242,"host.hostname":"web-1")");
}

TEST_F(JournalEventMapperTest, MapsProcessUserHostAndOriginFields) {
  buffer::Event event =
      Map({"SYSLOG_IDENTIFIER=sshd", "SYSLOG_FACILITY=4", "_COMM=sshd", "_EXE=/usr/sbin/sshd",
           "_CMDLINE=sshd: alice [priv]", "_UID=0", "_GID=0", "_BOOT_ID=b1", "_MACHINE_ID=m1",
           "_TRANSPORT=syslog", "_SYSTEMD_USER_UNIT=app.service", "CODE_FILE=main.c",
           "CODE_LINE=12", "CODE_FUNC=main"});
  EXPECT_EQ(event.fields_json,
            R"("log.syslog.appname":"sshd","log.syslog.facility.code":4,"process.name":"sshd",)"
            R"("process.executable":"/usr/sbin/sshd","process.command_line":"sshd: alice [priv]",)"
            R"("user.id":"0","user.group.id":"0","host.boot.id":"b1","host.id":"m1",)"
            R"("systemd.transport":"syslog","systemd.user_unit":"app.service",)"
            R"("log.origin.file.name":"main.c","log.origin.file.line":12,)"
            R"("log.origin.function":"main")");
}

TEST_F(JournalEventMapperTest, LeavesOutFieldsItDoesNotMap) {
  buffer::Event event = Map({"MESSAGE=x", "MY_FIELD=1", "_SOURCE_REALTIME_TIMESTAMP=5", "__X=y"});
  EXPECT_EQ(event.message, "x");
  EXPECT_EQ(event.fields_json, "");
  EXPECT_EQ(mapper_.malformed_fields(), 0u);
}

TEST_F(JournalEventMapperTest, ReplacesInvalidUtf8InABinaryMessageAndFlagsIt) {
  buffer::Event event = Map({"MESSAGE=bin\xff\x00x\nline2"s});
  EXPECT_EQ(event.message, "bin\xEF\xBF\xBD\0x\nline2"s);
  EXPECT_EQ(event.flags, buffer::kFlagInvalidUtf8);
}

TEST_F(JournalEventMapperTest, SanitizesOtherStringFieldsToo) {
  buffer::Event event = Map({"MESSAGE=ok", "_HOSTNAME=h\xc3"});
  EXPECT_EQ(event.fields_json, "\"host.hostname\":\"h\xEF\xBF\xBD\"");
  EXPECT_EQ(event.flags, 0u) << "the flag is about the message";
}

TEST_F(JournalEventMapperTest, CutsALongMessageAtACharacterBoundaryAndFlagsIt) {
  JournalEventMapper mapper(5, {});
  buffer::Event event;
  mapper.Begin(event);
  mapper.AddField("MESSAGE=abcd\xc3\xa9xyz");  // 'é' spans bytes 5 and 6
  mapper.Finish(0);
  EXPECT_EQ(event.message, "abcd");
  EXPECT_EQ(event.flags, buffer::kFlagTruncated);
}

TEST_F(JournalEventMapperTest, KeepsTheFirstValueOfARepeatedField) {
  buffer::Event event = Map({"MESSAGE=first", "MESSAGE=second", "_PID=1", "_PID=2"});
  EXPECT_EQ(event.message, "first");
  EXPECT_EQ(event.fields_json, R"("process.pid":1)");
}

TEST_F(JournalEventMapperTest, CountsAndLeavesOutNumbersThatAreNotNumbers) {
  buffer::Event event =
      Map({"MESSAGE=m", "PRIORITY=high", "PRIORITY=9", "_PID=12x", "_PID=", "CODE_LINE=-1"});
  EXPECT_EQ(event.fields_json, "");
  EXPECT_EQ(mapper_.malformed_fields(), 5u);
  // A later valid value of a field left out is still taken.
  event = Map({"PRIORITY=x", "PRIORITY=7"});
  EXPECT_EQ(event.fields_json, R"("log.syslog.priority":7,"log.level":"debug")");
}

TEST_F(JournalEventMapperTest, CountsDataWithoutAnEqualsSign) {
  Map({"MESSAGE"});
  EXPECT_EQ(mapper_.malformed_fields(), 1u);
}

TEST_F(JournalEventMapperTest, GivesAnEntryWithoutMessageAnEmptyOne) {
  buffer::Event event = Map({"_PID=3"});
  EXPECT_EQ(event.message, "");
  EXPECT_EQ(event.fields_json, R"("process.pid":3)");
}

TEST_F(JournalEventMapperTest, ResetsTheEventBetweenEntries) {
  buffer::Event event;
  mapper_.Begin(event);
  mapper_.AddField("MESSAGE=one\xff");
  mapper_.AddField("_PID=1");
  mapper_.Finish(1);
  mapper_.Begin(event);
  mapper_.AddField("MESSAGE=two");
  mapper_.AddField("_PID=2");
  mapper_.Finish(2);
  EXPECT_EQ(event.message, "two");
  EXPECT_EQ(event.flags, 0u);
  EXPECT_EQ(event.fields_json, R"("process.pid":2)");
}

TEST_F(JournalEventMapperTest, LeavesOutFieldsTheUserSetsInSharedFields) {
  JournalEventMapper mapper(64, {"host.hostname", "log.level"});
  buffer::Event event;
  mapper.Begin(event);
  mapper.AddField("_HOSTNAME=h");
  mapper.AddField("PRIORITY=6");
  mapper.Finish(0);
  EXPECT_EQ(event.fields_json, R"("log.syslog.priority":6)");
}

TEST_F(JournalEventMapperTest, SaturatesAnImpossibleRealtime) {
  buffer::Event event = Map({"MESSAGE=m"}, UINT64_MAX);
  EXPECT_GT(event.time_unix_nanos, 0);
}

TEST_F(JournalEventMapperTest, NamesEveryPriority) {
  EXPECT_EQ(JournalEventMapper::PriorityName(0), "emerg");
  EXPECT_EQ(JournalEventMapper::PriorityName(4), "warning");
  EXPECT_EQ(JournalEventMapper::PriorityName(7), "debug");
  EXPECT_EQ(JournalEventMapper::PriorityName(8), "");
  EXPECT_EQ(JournalEventMapper::PriorityName(-1), "");
}

}  // namespace
}  // namespace agent
