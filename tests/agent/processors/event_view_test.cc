#include "agent/processors/event_view.h"

#include <gtest/gtest.h>

#include "processor_test_support.h"

namespace agent {
namespace {

using testing::MakeEvent;

class EventViewTest : public ::testing::Test {
 protected:
  EventView view_;
};

TEST_F(EventViewTest, ReadsFieldsFromFieldsJsonOnlyWhenAsked) {
  buffer::Event e = MakeEvent("m", R"("a":1,"b":"x\"y","c":{"d":[1,2]},"e.f":true)");
  view_.Reset(&e);
  ASSERT_TRUE(view_.Get("a").has_value());
  EXPECT_EQ(view_.Get("a")->text, "1");
  EXPECT_EQ(view_.Get("a")->kind, ValueKind::kRaw);
  EXPECT_EQ(view_.Get("b")->text, "x\"y");
  EXPECT_EQ(view_.Get("b")->kind, ValueKind::kString);
  EXPECT_EQ(view_.Get("c")->text, R"({"d":[1,2]})");
  EXPECT_EQ(view_.Get("e.f")->text, "true");
  EXPECT_FALSE(view_.Get("missing").has_value());
  EXPECT_EQ(view_.Get("message")->text, "m");
}

TEST_F(EventViewTest, LeavesFieldsJsonUntouchedWhenNothingChanged) {
  buffer::Event e = MakeEvent("m", R"("a" : 1 , "b":"x")");
  view_.Reset(&e);
  EXPECT_TRUE(view_.Has("b"));
  view_.Finish();
  EXPECT_EQ(e.fields_json, R"("a" : 1 , "b":"x")");
}

TEST_F(EventViewTest, RendersSetRemovedAndReplacedFields) {
  buffer::Event e = MakeEvent("m", R"("a":1,"b":"x")");
  view_.Reset(&e);
  view_.Set("c", "line\nbreak", ValueKind::kString);
  view_.Set("a", "2", ValueKind::kRaw);
  EXPECT_TRUE(view_.Remove("b"));
  EXPECT_FALSE(view_.Remove("b"));
  view_.Finish();
  EXPECT_EQ(e.fields_json, R"("a":2,"c":"line\nbreak")");
}

TEST_F(EventViewTest, CopiesAValueThatPointsIntoItsOwnArena) {
  buffer::Event e = MakeEvent("m", R"("a":"0123456789abcdef")");
  view_.Reset(&e);
  for (int i = 0; i < 50; ++i) {
    // Each Set may grow the arena while the value points into it.
    std::string_view v = view_.Get("a")->text;
    view_.Set("a", v, ValueKind::kString);
  }
  view_.Finish();
  EXPECT_EQ(e.fields_json, R"("a":"0123456789abcdef")");
}

TEST_F(EventViewTest, SettingMessageReplacesTheMessageEvenFromItsOwnBytes) {
  buffer::Event e = MakeEvent("header: body");
  view_.Reset(&e);
  view_.Set("message", view_.message().substr(8), ValueKind::kString);
  EXPECT_EQ(e.message, "body");
  EXPECT_FALSE(view_.Remove("message"));
}

TEST_F(EventViewTest, KeepsUnparsableFieldsJsonWholeAndAppendsAfterIt) {
  buffer::Event e = MakeEvent("m", R"("a":1,garbage)");
  view_.Reset(&e);
  view_.Set("b", "2", ValueKind::kRaw);
  EXPECT_TRUE(view_.fields_opaque());
  view_.Finish();
  EXPECT_EQ(e.fields_json, R"("a":1,garbage,"b":2)");
}

TEST_F(EventViewTest, DecodesUnicodeEscapesIncludingSurrogatePairs) {
  std::string out;
  EXPECT_TRUE(AppendUnescapedJson(R"(\u00e9\ud83d\ude00\/)", out));
  EXPECT_EQ(out, "\xC3\xA9\xF0\x9F\x98\x80/");
  std::string bad;
  EXPECT_FALSE(AppendUnescapedJson(R"(\x)", bad));
}

TEST_F(EventViewTest, StartsEmptyForEachEvent) {
  buffer::Event a = MakeEvent("a", R"("x":1)");
  buffer::Event b = MakeEvent("b");
  view_.Reset(&a);
  EXPECT_TRUE(view_.Has("x"));
  view_.Reset(&b);
  EXPECT_FALSE(view_.Has("x"));
}

}  // namespace
}  // namespace agent
