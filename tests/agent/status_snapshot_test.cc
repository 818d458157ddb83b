// ParseStatusSnapshot and FormatStatusText: the /status JSON back into values, and
// `skiff status`'s text.
#include "agent/status_snapshot.h"

#include <gtest/gtest.h>

namespace agent {
namespace {

constexpr std::string_view kStatus = R"({"version":"0.1.0","pid":42,"uptime_seconds":75.5,
  "config_path":"/etc/skiff/skiff.toml","data_dir":"/var/lib/skiff","agent_id":"id-1",
  "readiness":{"ready":false,"reason":"output: no Elasticsearch host answers"},
  "inputs":[{"id":"nginx","type":"file","events":1200,"bytes":2048,"files_open":2,"errors":1},
            {"id":"app","type":"file","events":0,"bytes":0,"files_open":0,"errors":0}],
  "buffer":{"bytes":1048576,"max_bytes":1073741824,"fill_ratio":0.0009765625,"frames":3,
            "pending_batches":0,"oldest_unacknowledged_age_seconds":4.2,"healthy":true,
            "paused":false,"dropped_events":0,"corrupt_frames":1},
  "output":{"documents":{"delivered":1000,"duplicate":5,"failure_store":0,"dead_lettered":2,
            "dead_letter_dropped":0},"bytes_sent":4096,"requests":{"ok":9,"retried":1,
            "transport_error":2,"auth_refreshed":0,"forbidden":0,"split":0,"dead_lettered":0},
            "item_retries":3,"in_flight":1,"a_field_from_a_newer_agent":true},
  "last_reload":{"result":"rejected","trigger":"SIGHUP","at":"2026-11-22T10:00:00.000Z",
                 "added":[],"removed":[],"changed":[],"unchanged":[],"restart_keys":[],
                 "errors":["skiff.toml:3:12: inputs.file[0].start_at: got \"middle\""]}})";

TEST(StatusSnapshotTest, ParsesEverySection) {
  auto parsed = ParseStatusSnapshot(kStatus);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
  const StatusSnapshot& s = parsed.value();
  EXPECT_EQ(s.version, "0.1.0");
  EXPECT_EQ(s.pid, 42u);
  EXPECT_DOUBLE_EQ(s.uptime_seconds, 75.5);
  EXPECT_FALSE(s.ready);
  EXPECT_EQ(s.not_ready_reason, "output: no Elasticsearch host answers");
  ASSERT_EQ(s.inputs.size(), 2u);
  EXPECT_EQ(s.inputs[0].id, "nginx");
  EXPECT_EQ(s.inputs[0].events, 1200u);
  EXPECT_EQ(s.inputs[0].files_open, 2u);
  EXPECT_EQ(s.buffer.frames, 3u);
  EXPECT_EQ(s.buffer.corrupt_frames, 1u);
  EXPECT_EQ(s.output.delivered, 1000u);
  EXPECT_EQ(s.output.in_flight, 1u);
  EXPECT_EQ(s.output.Retries(), 1u + 2u + 3u);
  EXPECT_EQ(s.last_reload_result, "rejected");
  ASSERT_EQ(s.last_reload_errors.size(), 1u);
}

TEST(StatusSnapshotTest, MissingFieldsReadAsZeroSoOlderAgentsStillWork) {
  auto parsed = ParseStatusSnapshot(R"({"version":"0.0.9","inputs":[{"id":"a"}]})");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->inputs[0].events, 0u);
  EXPECT_EQ(parsed->buffer.max_bytes, 0u);
  EXPECT_TRUE(parsed->last_reload_result.empty());
}

TEST(StatusSnapshotTest, RejectsWhatIsNotAJsonObject) {
  EXPECT_FALSE(ParseStatusSnapshot("not found\n").has_value());
  EXPECT_FALSE(ParseStatusSnapshot("[1,2]").has_value());
}

TEST(StatusSnapshotTest, TextAlignsTheInputTableAndNamesEachFact) {
  auto parsed = ParseStatusSnapshot(kStatus);
  ASSERT_TRUE(parsed.has_value());
  const std::string text = FormatStatusText(parsed.value());
  EXPECT_NE(text.find("skiff       0.1.0, pid 42, up 1m 15s\n"), std::string::npos) << text;
  EXPECT_NE(text.find("ready       no: output: no Elasticsearch host answers\n"),
            std::string::npos);
  EXPECT_NE(text.find("INPUT  TYPE  EVENTS    BYTES  FILES  ERRORS\n"
                      "nginx  file    1200  2.0 KiB      2       1\n"
                      "app    file       0      0 B      0       0\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("buffer      1.0 MiB of 1.0 GiB (0.1%), 3 frames unacknowledged"),
            std::string::npos);
  EXPECT_NE(text.find("reload      rejected at 2026-11-22T10:00:00.000Z (SIGHUP)\n"
                      "            skiff.toml:3:12"),
            std::string::npos)
      << text;
}

TEST(StatusSnapshotTest, BytesAndDurationsReadLikeAnOperatorWouldWriteThem) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(FormatBytes(3.0 * 1024 * 1024 * 1024), "3.0 GiB");
  EXPECT_EQ(FormatDuration(42.9), "42s");
  EXPECT_EQ(FormatDuration(303), "5m 3s");
  EXPECT_EQ(FormatDuration(7500), "2h 5m");
  EXPECT_EQ(FormatDuration(3 * 86400 + 4 * 3600), "3d 4h");
}

}  // namespace
}  // namespace agent
