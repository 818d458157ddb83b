#include "agent/processors/redact_processor.h"

#include <gtest/gtest.h>

#include "config/processors_config.h"
#include "processor_test_support.h"

namespace agent {
namespace {

using config::ProcessorType;
using testing::Build;
using testing::MakeConfig;
using testing::MakeEvent;
using testing::RunOne;

class RedactProcessorTest : public ::testing::Test {
 protected:
  static config::ProcessorConfig Builtins(std::vector<std::string> names) {
    auto c = MakeConfig(ProcessorType::kRedact);
    c.builtin_patterns = std::move(names);
    return c;
  }
  static std::string Redacted(Processor& p, std::string_view message) {
    buffer::Event e = MakeEvent(message);
    RunOne(p, e);
    return e.message;
  }
};

TEST_F(RedactProcessorTest, MasksBearerTokensButKeepsTheScheme) {
  auto p = Build(Builtins({"bearer_token"}));
  EXPECT_EQ(Redacted(*p, "Authorization: Bearer abc.DEF-123_~+/== sent"),
            "Authorization: Bearer [REDACTED] sent");
  EXPECT_EQ(Redacted(*p, "no token here"), "no token here");
}

TEST_F(RedactProcessorTest, MasksJwtsAwsKeysEmailsAndIpv4Addresses) {
  auto p = Build(Builtins({"jwt", "aws_access_key", "aws_secret_key", "email", "ipv4"}));
  EXPECT_EQ(Redacted(*p,
                     "jwt=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sflKxwRJSMeKKF2QT4fwpM "
                     "key=AKIAIOSFODNN7EXAMPLE "
                     "aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY "
                     "from ann.lee+ops@mail.example.co.uk at 192.168.10.254"),
            "jwt=[REDACTED] key=[REDACTED] aws_secret_access_key=[REDACTED] from [REDACTED] at "
            "[REDACTED]");
  // Not an address: 999 is no octet.
  EXPECT_EQ(Redacted(*p, "version 1.2.3.999"), "version 1.2.3.999");
}

TEST_F(RedactProcessorTest, MasksCardNumbersOnlyWhenTheyPassLuhn) {
  auto p = Build(Builtins({"credit_card"}));
  EXPECT_EQ(Redacted(*p, "card 4111 1111 1111 1111 ok"), "card [REDACTED] ok");
  EXPECT_EQ(Redacted(*p, "card 5500-0000-0000-0004."), "card [REDACTED].");
  EXPECT_EQ(Redacted(*p, "order 4111111111111112 id"), "order 4111111111111112 id");
  EXPECT_EQ(Redacted(*p, "ts 1795348800123"), "ts 1795348800123");
  EXPECT_TRUE(PassesLuhn("378282246310005"));
  EXPECT_FALSE(PassesLuhn("1234"));
}

TEST_F(RedactProcessorTest, MasksPasswordValuesButKeepsTheirNames) {
  auto p = Build(Builtins({"password"}));
  EXPECT_EQ(Redacted(*p, R"(login user=bob password=hunter2&next=/ "api_key": "k-123")"),
            R"(login user=bob password=[REDACTED]&next=/ "api_key": "[REDACTED]")");
}

TEST_F(RedactProcessorTest, CustomPatternsMaskGroupOneOrTheWholeMatch) {
  auto config = MakeConfig(ProcessorType::kRedact);
  config.custom_patterns = {R"(session=(\w+))", R"(\bSSN-\d{3}-\d{2}-\d{4}\b)"};
  config.token = "***";
  auto p = Build(config);
  EXPECT_EQ(Redacted(*p, "session=abc123 SSN-123-45-6789 session=def"),
            "session=*** *** session=***");
}

TEST_F(RedactProcessorTest, HashModeGivesEqualSecretsEqualTokensUnderOneKey) {
  auto config = Builtins({"email"});
  config.mode = config::RedactMode::kHash;
  config.hash_key = "0123456789abcdef-test-key";
  auto p = Build(config);
  std::string a = Redacted(*p, "from ann@example.org");
  std::string b = Redacted(*p, "to ann@example.org");
  std::string c = Redacted(*p, "to bob@example.org");
  ASSERT_EQ(a.rfind("from [REDACTED:", 0), 0u) << a;
  EXPECT_EQ(a.size(), std::string("from [REDACTED:0123456789abcdef]").size());
  EXPECT_EQ(a.substr(5), b.substr(3));
  EXPECT_NE(b, c);
  EXPECT_EQ(a.find("ann"), std::string::npos);

  config.hash_key = "another-key-of-16-bytes";
  auto q = Build(config);
  EXPECT_NE(Redacted(*q, "from ann@example.org"), a);
}

TEST_F(RedactProcessorTest, RedactsNamedFieldsAndLeavesOtherFieldsAlone) {
  auto config = Builtins({"email"});
  config.redact_fields = {"user.email", "message"};
  auto p = Build(config);
  buffer::Event e = MakeEvent("sent to x@example.org",
                              R"("user.email":"ann@example.org","other":"b@example.org")");
  RunOne(*p, e);
  EXPECT_EQ(e.message, "sent to [REDACTED]");
  EXPECT_EQ(e.fields_json, R"("user.email":"[REDACTED]","other":"b@example.org")");
  EXPECT_EQ(p->stats().modified, 1u);
}

TEST_F(RedactProcessorTest, AppliesEveryPatternToTheResultOfThePreviousOne) {
  auto p = Build(Builtins({"bearer_token", "email", "ipv4", "credit_card"}));
  EXPECT_EQ(Redacted(*p, "a@b.io Bearer t0k 10.0.0.1 4111-1111-1111-1111 c@d.io"),
            "[REDACTED] Bearer [REDACTED] [REDACTED] [REDACTED] [REDACTED]");
}

TEST_F(RedactProcessorTest, EveryConfigNameHasABuiltinPattern) {
  std::vector<std::string_view> names = config::BuiltinRedactPatternNames();
  ASSERT_EQ(names.size(), BuiltinRedactPatterns().size());
  for (std::string_view name : names) {
    bool found = false;
    for (const auto& b : BuiltinRedactPatterns()) found = found || b.name == name;
    EXPECT_TRUE(found) << name;
  }
}

}  // namespace
}  // namespace agent
