// Unit tests of esim's credential and role checks: SigV4 against the AWS test suite
// (read in place from the shared vectors; skipped when absent), JWT signatures with keys
// made by the test, and the minimal role's verdicts.
#include <gtest/gtest.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/entropy.h>
#include <mbedtls/rsa.h>
#include <mbedtls/sha256.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/esim/authenticator.h"
#include "tests/esim/jwt_verifier.h"
#include "tests/esim/role_policy.h"
#include "tests/esim/sigv4_verifier.h"

namespace esim {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------
// SigV4

constexpr int64_t kSuiteTime = 1440938160;  // 20150830T123600Z

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  std::erase(s, '\r');
  return s;
}

// A parsed .sreq: views into `text`, which the struct owns.
struct SuiteRequest {
  std::string text;
  std::string method, target;
  std::vector<std::pair<std::string, std::string>> header_storage;
  std::vector<HttpHeader> headers;
  std::string body;

  HttpRequest View() const {
    HttpRequest r;
    r.method = method;
    r.target = target;
    r.headers = headers;
    r.body = body;
    r.wire_body = body;
    return r;
  }
};

SuiteRequest ParseSuiteRequest(const fs::path& path) {
  SuiteRequest out;
  out.text = ReadText(path);
  std::istringstream in(out.text);
  std::string line;
  std::getline(in, line);
  out.method = line.substr(0, line.find(' '));
  out.target = line.substr(line.find(' ') + 1, line.rfind(" HTTP/") - line.find(' ') - 1);
  while (std::getline(in, line) && !line.empty()) {
    if ((line[0] == ' ' || line[0] == '\t') && !out.header_storage.empty()) {
      out.header_storage.back().second += ',' + line.substr(line.find_first_not_of(" \t"));
      continue;
    }
    // As esim's HTTP parser does: optional whitespace around the value is not part of it.
    std::size_t colon = line.find(':');
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(" \t"));
    value.erase(value.find_last_not_of(" \t") + 1);
    out.header_storage.emplace_back(line.substr(0, colon), value);
  }
  std::stringstream rest;
  rest << in.rdbuf();
  out.body = rest.str();
  for (const auto& [name, value] : out.header_storage) out.headers.push_back({name, value});
  return out;
}

SigV4Options SuiteOptions() {
  SigV4Options options;
  options.access_key_id = "AKIDEXAMPLE";
  options.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  options.region = "us-east-1";
  options.service = "service";
  return options;
}

// Cases whose raw request is not valid HTTP/1.1 as sent on a wire (spaces or multi-line
// values in the request line) or that need path normalization, which no Elasticsearch
// client request needs; botocore skips some of them too.
bool Unsupported(const std::string& name) {
  return name.starts_with("normalize-path") || name == "get-space" || name == "get-utf8" ||
         name == "get-vanilla-utf8-query" || name == "get-header-value-multiline" ||
         name == "post-x-www-form-urlencoded" || name == "post-x-www-form-urlencoded-parameters";
}

TEST(SigV4VerifierTest, AcceptsEverySignedRequestOfTheAwsTestSuite) {
  const fs::path dir = fs::path(ESIM_VECTORS_DIR) / "sigv4";
  if (!fs::is_directory(dir)) GTEST_SKIP() << "no SigV4 vectors at " << dir;
  int checked = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.path().extension() != ".sreq") continue;
    const std::string name = entry.path().stem().string();
    if (Unsupported(name) || entry.path().string().find("normalize-path") != std::string::npos) {
      continue;
    }
    SCOPED_TRACE(name);
    SuiteRequest request = ParseSuiteRequest(entry.path());
    // The .authz file is what botocore checks against (one .sreq carries a stale value).
    fs::path authz = entry.path();
    authz.replace_extension(".authz");
    for (auto& [header, value] : request.header_storage) {
      if (header == "Authorization") value = ReadText(authz);
    }
    request.headers.clear();
    for (const auto& [header, value] : request.header_storage) {
      request.headers.push_back({header, value});
    }
    HttpRequest view = request.View();
    SigV4Options options = SuiteOptions();
    options.session_token = std::string(view.Header("x-amz-security-token"));
    const SigV4Verifier verifier(options);
    SigV4Verifier::Verdict verdict = verifier.Verify(view, kSuiteTime);
    // esim demands that a session token be signed (skiff signs it); this case adds it after
    // signing.
    const SigV4Verifier::Outcome expected = name == "post-sts-header-after"
                                                ? SigV4Verifier::Outcome::kBadToken
                                                : SigV4Verifier::Outcome::kOk;
    EXPECT_EQ(verdict.outcome, expected) << verdict.reason;
    ++checked;
  }
  EXPECT_GE(checked, 15);
}

TEST(SigV4VerifierTest, BuildsTheSuitesCanonicalRequests) {
  const fs::path dir = fs::path(ESIM_VECTORS_DIR) / "sigv4" / "get-vanilla-query-order-key-case";
  if (!fs::is_directory(dir)) GTEST_SKIP() << "no SigV4 vectors at " << dir;
  SuiteRequest request = ParseSuiteRequest(dir / "get-vanilla-query-order-key-case.sreq");
  HttpRequest view = request.View();
  EXPECT_EQ(SigV4Verifier::CanonicalRequest(view.method, view.target, view.headers,
                                            {"host", "x-amz-date"}, SigV4Verifier::Sha256Hex("")),
            ReadText(dir / "get-vanilla-query-order-key-case.creq"));
}

// A request signed by the verifier's own primitives, then altered.
struct SignedRequest {
  std::vector<std::pair<std::string, std::string>> storage;
  std::vector<HttpHeader> headers;
  std::string body = "{\"create\":{}}\n{\"a\":1}\n";
  HttpRequest View() {
    headers.clear();
    for (const auto& [n, v] : storage) headers.push_back({n, v});
    HttpRequest r;
    r.method = "POST";
    r.target = "/_bulk?filter_path=errors";
    r.headers = headers;
    r.body = body;
    r.wire_body = body;
    return r;
  }
};

SignedRequest Sign(const SigV4Options& o, std::string_view amz_date, std::string_view body) {
  SignedRequest s;
  s.body = std::string(body);
  const std::string hash = SigV4Verifier::Sha256Hex(body);
  s.storage = {{"Host", "es.example.com"},
               {"X-Amz-Date", std::string(amz_date)},
               {"X-Amz-Content-Sha256", hash}};
  HttpRequest view = s.View();
  const std::vector<std::string> signed_headers = {"host", "x-amz-content-sha256", "x-amz-date"};
  const std::string creq =
      SigV4Verifier::CanonicalRequest("POST", view.target, view.headers, signed_headers, hash);
  const std::string date(amz_date.substr(0, 8));
  const std::string scope = date + "/" + o.region + "/" + o.service + "/aws4_request";
  const std::string sts = "AWS4-HMAC-SHA256\n" + std::string(amz_date) + "\n" + scope + "\n" +
                          SigV4Verifier::Sha256Hex(creq);
  s.storage.emplace_back(
      "Authorization",
      "AWS4-HMAC-SHA256 Credential=" + o.access_key_id + "/" + scope +
          ", SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" +
          SigV4Verifier::Signature(o.secret_access_key, date, o.region, o.service, sts));
  return s;
}

TEST(SigV4VerifierTest, RefusesATamperedBodyAWrongKeyAndAStaleDate) {
  SigV4Options options = SuiteOptions();
  options.service = "es";
  const SigV4Verifier verifier(options);
  SignedRequest good = Sign(options, "20150830T123600Z", "{\"create\":{}}\n{\"a\":1}\n");
  EXPECT_EQ(verifier.Verify(good.View(), kSuiteTime).outcome, SigV4Verifier::Outcome::kOk);
  EXPECT_EQ(verifier.Verify(good.View(), kSuiteTime + 299).outcome, SigV4Verifier::Outcome::kOk);
  EXPECT_EQ(verifier.Verify(good.View(), kSuiteTime + 301).outcome, SigV4Verifier::Outcome::kSkew);
  EXPECT_EQ(verifier.Verify(good.View(), kSuiteTime - 301).outcome, SigV4Verifier::Outcome::kSkew);

  SignedRequest tampered = good;
  tampered.body = "{\"create\":{}}\n{\"a\":2}\n";
  EXPECT_EQ(verifier.Verify(tampered.View(), kSuiteTime).outcome,
            SigV4Verifier::Outcome::kBadSignature);

  SigV4Options other = options;
  other.secret_access_key = "not-the-secret";
  SignedRequest wrong_secret = Sign(other, "20150830T123600Z", good.body);
  EXPECT_EQ(verifier.Verify(wrong_secret.View(), kSuiteTime).outcome,
            SigV4Verifier::Outcome::kBadSignature);

  SigV4Options with_token = options;
  with_token.session_token = "session";
  EXPECT_EQ(SigV4Verifier(with_token).Verify(good.View(), kSuiteTime).outcome,
            SigV4Verifier::Outcome::kBadToken);
}

// ---------------------------------------------------------------------------------------
// JWT

std::string Base64Url(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : bytes) {
    acc = (acc << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 63];
  return out;
}

std::string MpiBytes(const mbedtls_mpi& x, std::size_t size = 0) {
  if (size == 0) size = mbedtls_mpi_size(&x);
  std::string out(size, '\0');
  mbedtls_mpi_write_binary(&x, reinterpret_cast<unsigned char*>(out.data()), size);
  return out;
}

std::array<unsigned char, 32> Sha256(std::string_view data) {
  std::array<unsigned char, 32> d{};
  mbedtls_sha256_ret(reinterpret_cast<const unsigned char*>(data.data()), data.size(), d.data(), 0);
  return d;
}

// An RSA and an EC P-256 key, a JWKS file naming both, and a signer for each.
class JwtVerifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    mbedtls_entropy_init(&entropy_);
    mbedtls_ctr_drbg_init(&drbg_);
    ASSERT_EQ(mbedtls_ctr_drbg_seed(&drbg_, mbedtls_entropy_func, &entropy_, nullptr, 0), 0);
    mbedtls_rsa_init(&rsa_, MBEDTLS_RSA_PKCS_V15, 0);
    ASSERT_EQ(mbedtls_rsa_gen_key(&rsa_, mbedtls_ctr_drbg_random, &drbg_, 2048, 65537), 0);
    mbedtls_ecdsa_init(&ec_);
    ASSERT_EQ(mbedtls_ecdsa_genkey(&ec_, MBEDTLS_ECP_DP_SECP256R1, mbedtls_ctr_drbg_random, &drbg_),
              0);
    mbedtls_mpi n, e;
    mbedtls_mpi_init(&n);
    mbedtls_mpi_init(&e);
    mbedtls_rsa_export(&rsa_, &n, nullptr, nullptr, nullptr, &e);
    jwks_path_ = new fs::path(fs::temp_directory_path() /
                              ("esim-jwks-" + std::to_string(getpid()) + ".json"));
    std::ofstream(*jwks_path_) << R"({"keys":[{"kty":"RSA","kid":"r1","n":")"
                               << Base64Url(MpiBytes(n)) << R"(","e":")" << Base64Url(MpiBytes(e))
                               << R"("},{"kty":"EC","crv":"P-256","kid":"e1","x":")"
                               << Base64Url(MpiBytes(ec_.Q.X, 32)) << R"(","y":")"
                               << Base64Url(MpiBytes(ec_.Q.Y, 32)) << R"("}]})";
    mbedtls_mpi_free(&n);
    mbedtls_mpi_free(&e);
  }
  static void TearDownTestSuite() {
    fs::remove(*jwks_path_);
    delete jwks_path_;
    mbedtls_ecdsa_free(&ec_);
    mbedtls_rsa_free(&rsa_);
    mbedtls_ctr_drbg_free(&drbg_);
    mbedtls_entropy_free(&entropy_);
  }

  static std::string Rs256(std::string_view claims, std::string_view kid = "r1") {
    const std::string input =
        Base64Url(R"({"alg":"RS256","typ":"JWT","kid":")" + std::string(kid) + "\"}") + "." +
        Base64Url(claims);
    const auto digest = Sha256(input);
    std::string sig(mbedtls_rsa_get_len(&rsa_), '\0');
    EXPECT_EQ(mbedtls_rsa_pkcs1_sign(&rsa_, mbedtls_ctr_drbg_random, &drbg_, MBEDTLS_RSA_PRIVATE,
                                     MBEDTLS_MD_SHA256, 32, digest.data(),
                                     reinterpret_cast<unsigned char*>(sig.data())),
              0);
    return input + "." + Base64Url(sig);
  }

  static std::string Es256(std::string_view claims) {
    const std::string input = Base64Url(R"({"alg":"ES256","kid":"e1"})") + "." + Base64Url(claims);
    const auto digest = Sha256(input);
    mbedtls_mpi r, s;
    mbedtls_mpi_init(&r);
    mbedtls_mpi_init(&s);
    EXPECT_EQ(mbedtls_ecdsa_sign(&ec_.grp, &r, &s, &ec_.d, digest.data(), 32,
                                 mbedtls_ctr_drbg_random, &drbg_),
              0);
    std::string sig = MpiBytes(r, 32) + MpiBytes(s, 32);
    mbedtls_mpi_free(&r);
    mbedtls_mpi_free(&s);
    return input + "." + Base64Url(sig);
  }

  static JwtVerifier Verifier(std::chrono::seconds skew = std::chrono::seconds(0)) {
    JwtRealmOptions options;
    options.jwks_path = jwks_path_->string();
    options.audience = "https://es.example.com";
    options.issuer = "https://idp.example.com";
    options.allowed_clock_skew = skew;
    auto verifier = JwtVerifier::Load(options);
    EXPECT_TRUE(verifier.has_value()) << verifier.error().ToString();
    return std::move(verifier.value());
  }

  static std::string Claims(int64_t exp, std::string_view aud = "\"https://es.example.com\"") {
    return R"({"iss":"https://idp.example.com","sub":"skiff","aud":)" + std::string(aud) +
           R"(,"nbf":1000,"exp":)" + std::to_string(exp) + "}";
  }

  static inline mbedtls_entropy_context entropy_;
  static inline mbedtls_ctr_drbg_context drbg_;
  static inline mbedtls_rsa_context rsa_;
  static inline mbedtls_ecdsa_context ec_;
  static inline fs::path* jwks_path_ = nullptr;
};

TEST_F(JwtVerifierTest, AcceptsValidRs256AndEs256TokensForTheAudience) {
  const JwtVerifier verifier = Verifier();
  JwtVerifier::Verdict rs = verifier.Verify(Rs256(Claims(2000)), 1500);
  EXPECT_EQ(rs.outcome, JwtVerifier::Outcome::kOk) << rs.reason;
  EXPECT_EQ(rs.subject, "skiff");
  JwtVerifier::Verdict es = verifier.Verify(Es256(Claims(2000)), 1500);
  EXPECT_EQ(es.outcome, JwtVerifier::Outcome::kOk) << es.reason;
  JwtVerifier::Verdict array_aud =
      verifier.Verify(Rs256(Claims(2000, R"(["other","https://es.example.com"])")), 1500);
  EXPECT_EQ(array_aud.outcome, JwtVerifier::Outcome::kOk) << array_aud.reason;
}

TEST_F(JwtVerifierTest, RefusesExpiredTokensUnlessWithinTheAllowedSkew) {
  EXPECT_EQ(Verifier().Verify(Rs256(Claims(2000)), 2001).outcome, JwtVerifier::Outcome::kExpired);
  EXPECT_EQ(Verifier(std::chrono::seconds(60)).Verify(Rs256(Claims(2000)), 2059).outcome,
            JwtVerifier::Outcome::kOk);
  EXPECT_EQ(Verifier().Verify(Rs256(Claims(2000)), 999).outcome,
            JwtVerifier::Outcome::kRejectedClaim);  // before nbf
}

TEST_F(JwtVerifierTest, RefusesForgedUnknownKeyWrongAudienceAndUnsignedTokens) {
  const JwtVerifier verifier = Verifier();
  std::string token = Rs256(Claims(2000));
  std::string forged = token;
  forged[forged.size() - 5] = forged[forged.size() - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(verifier.Verify(forged, 1500).outcome, JwtVerifier::Outcome::kBadSignature);
  // The claims swapped under the same signature.
  std::string swapped = token.substr(0, token.find('.') + 1) + Base64Url(Claims(9999)) +
                        token.substr(token.rfind('.'));
  EXPECT_EQ(verifier.Verify(swapped, 1500).outcome, JwtVerifier::Outcome::kBadSignature);
  EXPECT_EQ(verifier.Verify(Rs256(Claims(2000), "nope"), 1500).outcome,
            JwtVerifier::Outcome::kUnknownKey);
  EXPECT_EQ(verifier.Verify(Rs256(Claims(2000, "\"elsewhere\"")), 1500).outcome,
            JwtVerifier::Outcome::kRejectedClaim);
  const std::string unsigned_token =
      Base64Url(R"({"alg":"none"})") + "." + Base64Url(Claims(2000)) + ".";
  EXPECT_EQ(verifier.Verify(unsigned_token, 1500).outcome, JwtVerifier::Outcome::kMalformed);
  EXPECT_EQ(verifier.Verify("not a jwt", 1500).outcome, JwtVerifier::Outcome::kMalformed);
}

TEST_F(JwtVerifierTest, AuthenticatorAnswersEsShaped401sAndCountsExpiredApart) {
  AuthenticatorOptions options;
  options.mode = AuthMode::kBearerJwt;
  options.jwt.jwks_path = jwks_path_->string();
  options.jwt.audience = "https://es.example.com";
  options.jwt.allowed_clock_skew = std::chrono::seconds(0);
  auto authenticator = Authenticator::Create(options);
  ASSERT_TRUE(authenticator.has_value()) << authenticator.error().ToString();
  const std::string header = "Bearer " + Rs256(Claims(2000));
  HttpRequest request;
  request.method = "POST";
  request.target = "/_bulk";
  request.headers = {{"Authorization", header}};
  EXPECT_EQ((*authenticator)->Authenticate(request, 1500).failure, AuthFailure::kNone);
  Authenticator::Outcome expired = (*authenticator)->Authenticate(request, 2001);
  EXPECT_EQ(expired.failure, AuthFailure::kExpired);
  ASSERT_TRUE(expired.error.has_value());
  EXPECT_EQ(expired.error->status, 401);
  EXPECT_EQ(expired.error->type, "security_exception");
  request.headers.clear();
  EXPECT_EQ((*authenticator)->Authenticate(request, 1500).failure, AuthFailure::kMissing);
}

// ---------------------------------------------------------------------------------------
// Role

RolePolicy MinimalRole() {
  RoleOptions options;
  options.index_privileges = {"create_doc", "auto_configure"};
  options.index_patterns = {"logs-*"};
  auto role = RolePolicy::Create(options);
  EXPECT_TRUE(role.has_value());
  return std::move(role.value());
}

TEST(RolePolicyTest, MinimalRoleAllowsCreateAndAutoCreateOnItsIndicesOnly) {
  const RolePolicy role = MinimalRole();
  using Op = RolePolicy::ItemOp;
  EXPECT_FALSE(role.CheckItem(Op::kCreate, "logs-app-default", false, "skiff"));
  EXPECT_FALSE(role.CheckItem(Op::kCreate, "logs-app-default", true, "skiff"));
  std::optional<RolePolicy::Denial> index_op =
      role.CheckItem(Op::kIndex, "logs-app-default", true, "skiff");
  ASSERT_TRUE(index_op);
  EXPECT_EQ(index_op->action, "indices:data/write/index:op_type/index");
  EXPECT_EQ(index_op->error.status, 403);
  EXPECT_EQ(index_op->error.type, "security_exception");
  EXPECT_NE(index_op->error.reason.find("indices:data/write/index:op_type/index"),
            std::string::npos);
  EXPECT_TRUE(role.CheckItem(Op::kDelete, "logs-app-default", true, "skiff"));
  EXPECT_TRUE(role.CheckItem(Op::kCreate, "metrics-app-default", true, "skiff"));

  RoleOptions no_auto;
  no_auto.index_privileges = {"create_doc"};
  no_auto.index_patterns = {"logs-*"};
  const RolePolicy without = std::move(RolePolicy::Create(no_auto).value());
  EXPECT_FALSE(without.CheckItem(Op::kCreate, "logs-a-b", true, "skiff"));
  EXPECT_TRUE(without.CheckItem(Op::kCreate, "logs-a-b", false, "skiff"));
}

TEST(RolePolicyTest, MinimalRoleRefusesEveryOtherApi) {
  const RolePolicy role = MinimalRole();
  struct Case {
    std::string_view method;
    std::vector<std::string> path;
  };
  const std::vector<Case> refused = {{"GET", {}},
                                     {"GET", {"_cluster", "health"}},
                                     {"PUT", {"_index_template", "logs-skiff"}},
                                     {"POST", {"logs-a-b", "_search"}},
                                     {"GET", {"logs-a-b", "_count"}},
                                     {"PUT", {"logs-a-b"}},
                                     {"GET", {"_security", "_authenticate"}}};
  for (const Case& c : refused) {
    HttpRequest request;
    request.method = c.method;
    request.path_segments = c.path;
    std::optional<RolePolicy::Denial> denied = role.CheckRequest(request, "skiff");
    ASSERT_TRUE(denied) << c.method << " " << (c.path.empty() ? "/" : c.path[0]);
    EXPECT_EQ(denied->error.status, 403);
  }
  HttpRequest bulk;
  bulk.method = "POST";
  bulk.path_segments = {"_bulk"};
  EXPECT_FALSE(role.CheckRequest(bulk, "skiff"));
  EXPECT_TRUE(MatchesPattern("logs-*", "logs-a-b"));
  EXPECT_FALSE(MatchesPattern("logs-*", "log-a"));
  EXPECT_TRUE(MatchesPattern("*-x-*", "a-x-b"));
}

}  // namespace
}  // namespace esim
