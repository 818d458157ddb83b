#include "agent/inputs/journal_matches.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace agent {
namespace {

using Strings = std::vector<std::string>;

TEST(JournalMatchesTest, NoUnitsAndNoMatchesReadEverything) {
  EXPECT_EQ(BuildJournalMatches({}, {}), Strings{});
}

TEST(JournalMatchesTest, EachUnitBecomesASystemdUnitMatch) {
  EXPECT_EQ(BuildJournalMatches({"nginx.service", "cron.timer"}, {}),
            (Strings{"_SYSTEMD_UNIT=nginx.service", "_SYSTEMD_UNIT=cron.timer"}));
}

TEST(JournalMatchesTest, AUnitWithoutATypeIsAService) {
  EXPECT_EQ(NormalizeUnitName("nginx"), "nginx.service");
  EXPECT_EQ(NormalizeUnitName("getty@tty1"), "getty@tty1.service");
  EXPECT_EQ(NormalizeUnitName("user-1000.slice"), "user-1000.slice");
  EXPECT_EQ(NormalizeUnitName("docker.socket"), "docker.socket");
  EXPECT_EQ(NormalizeUnitName("a.b"), "a.b.service");
  EXPECT_EQ(NormalizeUnitName(".service"), ".service.service");
}

TEST(JournalMatchesTest, UnitsComeBeforeMatchesAndKeepTheirOrder) {
  EXPECT_EQ(BuildJournalMatches({"b", "a"}, {"PRIORITY=3", "_TRANSPORT=stdout"}),
            (Strings{"_SYSTEMD_UNIT=b.service", "_SYSTEMD_UNIT=a.service", "PRIORITY=3",
                     "_TRANSPORT=stdout"}));
}

TEST(JournalMatchesTest, DropsDuplicates) {
  EXPECT_EQ(BuildJournalMatches({"a", "a.service"},
                                {"_SYSTEMD_UNIT=a.service", "PRIORITY=1", "PRIORITY=1"}),
            (Strings{"_SYSTEMD_UNIT=a.service", "PRIORITY=1"}));
}

}  // namespace
}  // namespace agent
