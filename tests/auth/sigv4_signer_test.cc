// Tests auth/sigv4_signer against the AWS SigV4 test suite (shared vectors, read in place)
// and cross-checks a signed bulk request against botocore's own signer.
#include "auth/sigv4_signer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "auth/aws_sigv4_credentials.h"
#include "tests/auth/fakes/manual_time.h"
#include "tests/auth/fakes/scripted_token_source.h"
#include "tests/auth/fakes/shared_vectors.h"
#include "transport/base64.h"

namespace auth {
namespace {

namespace fs = std::filesystem;

// The suite's fixed inputs (vectors/sigv4/README.md).
constexpr std::string_view kAccessKeyId = "AKIDEXAMPLE";
constexpr std::string_view kSecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kAmzDate = "20150830T123600Z";

std::string StripCr(std::string text) {
  std::erase(text, '\r');
  return text;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return lines;
}

struct RawRequest {
  std::string method;
  std::string target;
  std::vector<transport::HttpHeader> headers;
  std::string body;
};

// Parses a .req file: request line, headers (folded lines continue the previous value),
// a blank line, the body.
RawRequest ParseReq(const std::string& text) {
  RawRequest r;
  std::vector<std::string> lines = Lines(StripCr(text));
  const std::string& first = lines.at(0);
  r.method = first.substr(0, first.find(' '));
  std::size_t version = first.rfind(' ');
  r.target = first.substr(r.method.size() + 1, version - r.method.size() - 1);
  std::size_t i = 1;
  for (; i < lines.size() && !lines[i].empty(); ++i) {
    const std::string& line = lines[i];
    if ((line[0] == ' ' || line[0] == '\t') && !r.headers.empty()) {
      r.headers.back().value += "\n" + line;
      continue;
    }
    std::size_t colon = line.find(':');
    r.headers.push_back({line.substr(0, colon), line.substr(colon + 1)});
  }
  for (std::size_t j = i + 1; j < lines.size(); ++j) {
    if (j > i + 1) r.body += "\n";
    r.body += lines[j];
  }
  return r;
}

class SigV4SignerTest : public ::testing::Test {};

TEST_F(SigV4SignerTest, AwsTestSuiteVectorsPass) {
  if (!testing::HaveSharedVectors()) GTEST_SKIP() << testing::NoSharedVectorsMessage();
  SigV4Signer signer("us-east-1", "service");
  int cases = 0;
  for (const auto& entry :
       fs::recursive_directory_iterator(testing::SharedVectorsDir() / "sigv4")) {
    if (entry.path().extension() != ".req") continue;
    fs::path base = entry.path();
    base.replace_extension();
    SCOPED_TRACE(base.filename().string());
    RawRequest req = ParseReq(*testing::ReadSharedFile(entry.path()));
    std::string creq = StripCr(*testing::ReadSharedFile(base.string() + ".creq"));
    std::string sts = StripCr(*testing::ReadSharedFile(base.string() + ".sts"));
    std::string authz = StripCr(*testing::ReadSharedFile(base.string() + ".authz"));
    // The session-token case names its token only in the expected canonical request.
    std::size_t token_at = creq.find("x-amz-security-token:");
    bool has_token_header = false;
    for (const auto& h : req.headers) {
      has_token_header |= transport::HeaderNameEquals(h.name, "X-Amz-Security-Token");
    }
    if (token_at != std::string::npos && !has_token_header) {
      std::size_t start = token_at + std::string_view("x-amz-security-token:").size();
      req.headers.push_back(
          {"X-Amz-Security-Token", creq.substr(start, creq.find('\n', start) - start)});
    }
    std::string hash = Sha256Hex(transport::AsBytes(req.body));
    SigV4Signature sig = signer.Sign(SigV4Request{req.method, req.target, req.headers, hash},
                                     SigV4Keys{kAccessKeyId, kSecretKey}, kAmzDate);
    EXPECT_EQ(sig.canonical_request, creq);
    EXPECT_EQ(sig.string_to_sign, sts);
    EXPECT_EQ(sig.authorization, authz);
    ++cases;
  }
  EXPECT_GE(cases, 34) << "every case of the suite, normalize-path and post-sts-token included";
}

TEST_F(SigV4SignerTest, AnEscapedWirePathIsEncodedAgainAsGenericServicesRequire) {
  EXPECT_EQ(SigV4Signer::CanonicalUri("/my%20index/_bulk"), "/my%2520index/_bulk");
  EXPECT_EQ(SigV4Signer::CanonicalQuery("b=2&a=%2a&a=1"), "a=%2A&a=1&b=2");
}

// Runs botocore on the same inputs; nullopt (and the reason) when it cannot run.
std::optional<std::string> BotocoreAuthorization(const std::string& spec_json, std::string* why) {
  fs::path spec = fs::temp_directory_path() / ("skiff-sigv4-spec-" + std::to_string(::getpid()));
  { std::ofstream(spec) << spec_json; }
  std::string command =
      "/usr/bin/python3 " SKIFF_AUTH_TEST_DIR "/botocore_sigv4.py < " + spec.string() + " 2>&1";
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  if (pipe != nullptr) {
    char buffer[512];
    while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) out += buffer;
  }
  int status = pipe ? ::pclose(pipe) : -1;
  fs::remove(spec);
  if (status != 0) {
    *why = out;
    return std::nullopt;
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string Hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xF]);
  }
  return out;
}

TEST_F(SigV4SignerTest, SignedBulkRequestMatchesBotocoreForEsAndAoss) {
  testing::ManualTime time;
  const std::string body =
      "{\"create\":{\"_index\":\"logs-app-default\",\"_id\":\"x1\"}}\n"
      "{\"@timestamp\":\"2026-01-01T00:00:00Z\",\"message\":\"GET /api 200\"}\n";
  for (std::string_view service : {"es", "aoss"}) {
    SCOPED_TRACE(std::string(service));
    auto cache = std::make_unique<TokenCache>(std::make_unique<testing::ScriptedTokenSource>(),
                                              time, time.MakeTimer(), [] { return 0.0; });
    AwsSigV4Credentials credentials(std::move(cache),
                                    SigV4Signer("eu-west-1", std::string(service)), time);
    Token keys;
    keys.access_key_id = "ASIAEXAMPLEKEYID";
    keys.secret = "test/secret+key";
    keys.session_token = "FwoGZXIvYXdzEXAMPLEsessiontoken==";
    std::string hash = Sha256Hex(transport::AsBytes(body));
    auto headers = credentials.SignedHeaders(
        "POST", "http://127.0.0.1:9200/es", "/_bulk?filter_path=errors,items.*.status", hash, keys);
    ASSERT_TRUE(headers.has_value()) << headers.error().ToString();
    std::string ours(*transport::FindHeader(*headers, "Authorization"));
    EXPECT_EQ(*transport::FindHeader(*headers, "X-Amz-Content-Sha256"), hash);
    EXPECT_EQ(*transport::FindHeader(*headers, "X-Amz-Security-Token"), keys.session_token);
    EXPECT_EQ(*transport::FindHeader(*headers, "X-Amz-Date"), "20260101T000000Z");

    std::string spec =
        std::string("{\"method\":\"POST\",") +
        // botocore takes the query as already encoded (it builds URLs from
        // parameter dicts); ours canonicalizes raw and encoded forms alike.
        "\"url\":\"http://127.0.0.1:9200/es/_bulk?filter_path=errors%2Citems.%2A.status\","
        "\"headers\":[[\"Host\",\"127.0.0.1:9200\"],[\"X-Amz-Content-Sha256\",\"" +
        hash + "\"]],\"body_hex\":\"" + Hex(body) + "\",\"region\":\"eu-west-1\",\"service\":\"" +
        std::string(service) + "\",\"access_key\":\"" + keys.access_key_id +
        "\",\"secret_key\":\"" + keys.secret + "\",\"token\":\"" + keys.session_token +
        "\",\"amz_date\":\"20260101T000000Z\"}";
    std::string why;
    auto theirs = BotocoreAuthorization(spec, &why);
    if (!theirs) GTEST_SKIP() << "botocore could not run: " << why;
    EXPECT_EQ(ours, *theirs);
  }
}

TEST_F(SigV4SignerTest, ServerDateSkewOverAMinuteCorrectsTheSigningTime) {
  testing::ManualTime time;  // 2026-01-01T00:00:00Z
  auto cache = std::make_unique<TokenCache>(std::make_unique<testing::ScriptedTokenSource>(), time,
                                            time.MakeTimer(), [] { return 0.0; });
  AwsSigV4Credentials credentials(std::move(cache), SigV4Signer("eu-west-1", "es"), time);
  Token keys;
  keys.access_key_id = "AKIDEXAMPLE";
  keys.secret = "secret";
  auto amz_date = [&] {
    auto headers =
        credentials.SignedHeaders("POST", "http://127.0.0.1:9200", "/_bulk", Sha256Hex({}), keys);
    EXPECT_TRUE(headers.has_value());
    return std::string(*transport::FindHeader(*headers, "X-Amz-Date"));
  };
  EXPECT_EQ(ParseHttpDate("Thu, 01 Jan 2026 00:10:00 GMT"), 1767226200);
  EXPECT_EQ(ParseHttpDate("Thursday, 01-Jan-26 00:10:00 GMT"), std::nullopt);

  credentials.ObserveServerDate("Thu, 01 Jan 2026 00:00:30 GMT");  // 30 s: left alone
  EXPECT_EQ(amz_date(), "20260101T000000Z");
  credentials.ObserveServerDate("Thu, 01 Jan 2026 00:10:00 GMT");  // 10 min ahead
  EXPECT_EQ(credentials.clock_correction(), std::chrono::seconds(600));
  EXPECT_EQ(amz_date(), "20260101T001000Z");
  credentials.ObserveServerDate("Wed, 31 Dec 2025 23:50:00 GMT");  // 10 min behind
  EXPECT_EQ(amz_date(), "20251231T235000Z");
  credentials.ObserveServerDate("Thu, 01 Jan 2026 00:00:01 GMT");  // synchronized again
  EXPECT_EQ(amz_date(), "20260101T000000Z");
  credentials.ObserveServerDate("garbage");
  EXPECT_EQ(credentials.clock_correction(), std::chrono::seconds(0));
}

}  // namespace
}  // namespace auth
