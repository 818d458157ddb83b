// config/tls_config_loader, through LoadConfigString: [output.elasticsearch] tls, proxy and
// allow_plaintext_credentials; values, file checks, and file:line:col errors that say what
// to write instead.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/config_loader.h"
#include "config/endpoint.h"

namespace config {
namespace {

class TlsConfigLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/skiff-tls-config-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    ca_ = Write("ca.pem");
    cert_ = Write("client.pem");
    key_ = Write("client.key");
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string Write(const std::string& name) {
    std::string path = dir_ + "/" + name;
    std::ofstream(path) << "-----BEGIN CERTIFICATE-----\n";
    return path;
  }

  static Config Load(const std::string& toml) {
    LoadResult r = LoadConfigString(toml, "t.toml");
    std::string errors;
    for (const ConfigError& e : r.errors) errors += e.ToString() + "\n";
    EXPECT_TRUE(r.errors.empty()) << errors;
    return r.config.value_or(Config{});
  }
  static std::vector<std::string> Errors(const std::string& toml) {
    LoadResult r = LoadConfigString(toml, "t.toml");
    EXPECT_FALSE(r.config.has_value());
    std::vector<std::string> out;
    for (const ConfigError& e : r.errors) out.push_back(e.ToString());
    return out;
  }

  std::string dir_;
  std::string ca_;
  std::string cert_;
  std::string key_;
};

TEST_F(TlsConfigLoaderTest, DefaultsVerifyWithTheSystemTrustAndNoProxy) {
  Config c = Load("[output.elasticsearch]\nhosts = [\"https://es:9200\"]\n");
  EXPECT_TRUE(c.elasticsearch.tls.verify);
  EXPECT_TRUE(c.elasticsearch.tls.ca_file.empty());
  EXPECT_TRUE(c.elasticsearch.proxy.empty());
  EXPECT_FALSE(c.elasticsearch.allow_plaintext_credentials);
}

TEST_F(TlsConfigLoaderTest, ReadsAnInlineTable) {
  Config c = Load("[output.elasticsearch]\nhosts = [\"https://es:9200\"]\ntls = { ca_file = \"" +
                  ca_ + "\", cert_file = \"" + cert_ + "\", key_file = \"" + key_ +
                  "\", server_name = \"es.internal\", verify = false }\n"
                  "proxy = \"http://proxy.example:3128\"\n");
  const TlsConfig& tls = c.elasticsearch.tls;
  EXPECT_EQ(tls.ca_file, ca_);
  EXPECT_EQ(tls.cert_file, cert_);
  EXPECT_EQ(tls.key_file, key_);
  EXPECT_EQ(tls.server_name, "es.internal");
  EXPECT_FALSE(tls.verify);
  EXPECT_EQ(c.elasticsearch.proxy.value, "http://proxy.example:3128");
}

TEST_F(TlsConfigLoaderTest, ReadsASectionWithACaDirectory) {
  Config c = Load(
      "[output.elasticsearch]\nhosts = [\"https://es:9200\"]\n"
      "[output.elasticsearch.tls]\nca_dir = \"" +
      dir_ + "\"\n");
  EXPECT_EQ(c.elasticsearch.tls.ca_dir, dir_);
}

TEST_F(TlsConfigLoaderTest, MissingFilesAreErrorsAtTheirKey) {
  EXPECT_EQ(Errors("[output.elasticsearch]\nhosts = [\"https://es:9200\"]\n"
                   "tls = { ca_file = \"/nonexistent/ca.pem\" }\n"),
            std::vector<std::string>{
                "t.toml:3:19: output.elasticsearch.tls.ca_file: cannot read \"/nonexistent/"
                "ca.pem\": No such file or directory; write the path of the PEM file of the CA "
                "that issued the Elasticsearch certificate"});
  std::vector<std::string> errors = Errors(
      "[output.elasticsearch]\nhosts = [\"https://es:9200\"]\n[output.elasticsearch.tls]\n"
      "ca_dir = \"" +
      ca_ + "\"\ncert_file = \"" + dir_ + "\"\nkey_file = \"/nope\"\n");
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_NE(errors[0].find("t.toml:4:10: output.elasticsearch.tls.ca_dir: "), std::string::npos)
      << errors[0];
  EXPECT_NE(errors[0].find("is not a directory; use ca_file"), std::string::npos);
  EXPECT_NE(errors[1].find("tls.cert_file: "), std::string::npos) << errors[1];
  EXPECT_NE(errors[1].find("is a directory"), std::string::npos);
  EXPECT_NE(errors[2].find("tls.key_file: cannot read"), std::string::npos) << errors[2];
}

TEST_F(TlsConfigLoaderTest, ACertificateNeedsItsKeyAndTheReverse) {
  std::vector<std::string> errors =
      Errors("[output.elasticsearch]\nhosts = [\"https://es:9200\"]\ntls = { cert_file = \"" +
             cert_ + "\" }\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("tls.cert_file: needs key_file"), std::string::npos) << errors[0];
  errors = Errors("[output.elasticsearch]\nhosts = [\"https://es:9200\"]\ntls = { key_file = \"" +
                  key_ + "\" }\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("tls.key_file: needs cert_file"), std::string::npos) << errors[0];
}

TEST_F(TlsConfigLoaderTest, UnknownKeysAndWrongTypesAreReported) {
  std::vector<std::string> errors = Errors(
      "[output.elasticsearch]\nhosts = [\"https://es:9200\"]\n"
      "tls = { ca_fil = \"x\", verify = \"no\", server_name = \"es:9200\" }\n");
  ASSERT_EQ(errors.size(), 3u);
  std::string all = errors[0] + "\n" + errors[1] + "\n" + errors[2];
  EXPECT_NE(all.find("output.elasticsearch.tls.ca_fil: unknown key"), std::string::npos) << all;
  EXPECT_NE(all.find("ca_file"), std::string::npos) << all;  // the suggestion
  EXPECT_NE(all.find("output.elasticsearch.tls.verify: expected true or false"), std::string::npos)
      << all;
  EXPECT_NE(all.find("tls.server_name: must be a host name"), std::string::npos) << all;
  errors = Errors("[output.elasticsearch]\nhosts = [\"https://es:9200\"]\ntls = true\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("t.toml:3:7: output.elasticsearch.tls: expected a table"),
            std::string::npos)
      << errors[0];
}

TEST_F(TlsConfigLoaderTest, BadProxyUrlsSayWhatToWriteAndNeverQuoteThem) {
  struct Case {
    std::string value;
    std::string expected;
  };
  for (const Case& c :
       std::vector<Case>{{"https://u:secret@proxy:3128", "https:// proxies are not supported"},
                         {"socks5://proxy:1080", "must start with http://"},
                         {"proxy:3128", "must be a URL like"},
                         {"http://proxy:99999", "bad port"},
                         {"http://proxy:3128/path", "must not have a path"},
                         {"http://:3128", "has no host"},
                         {"", "must not be empty"}}) {
    std::vector<std::string> errors = Errors(
        "[output.elasticsearch]\nhosts = [\"https://es:9200\"]\nproxy = \"" + c.value + "\"\n");
    ASSERT_EQ(errors.size(), 1u) << c.value;
    EXPECT_NE(errors[0].find("t.toml:3:9: output.elasticsearch.proxy: "), std::string::npos)
        << errors[0];
    EXPECT_NE(errors[0].find(c.expected), std::string::npos) << errors[0];
    EXPECT_EQ(errors[0].find("secret"), std::string::npos) << errors[0];
  }
}

TEST_F(TlsConfigLoaderTest, CredentialsOverPlainHttpToAnotherMachineAreRefused) {
  std::vector<std::string> errors = Errors(
      "[output.elasticsearch]\nhosts = [\"https://es-1:9200\",\n"
      "         \"http://es-2:9200\"]\n[auth]\ntype = \"api_key\"\napi_key = \"abc\"\n");
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].find("t.toml:3:10: output.elasticsearch.hosts[1]: \"http://es-2:9200\" is "
                           "plain http://"),
            std::string::npos)
      << errors[0];
  EXPECT_NE(errors[0].find("use https://, or set allow_plaintext_credentials = true"),
            std::string::npos)
      << errors[0];
}

TEST_F(TlsConfigLoaderTest, PlainHttpIsFineForLoopbackWithoutCredentialsOrWhenAllowed) {
  Load(
      "[output.elasticsearch]\nhosts = [\"http://127.0.0.1:9200\", \"http://localhost:9201\", "
      "\"http://[::1]:9202\"]\n[auth]\ntype = \"api_key\"\napi_key = \"abc\"\n");
  Load("[output.elasticsearch]\nhosts = [\"http://es:9200\"]\n");
  Config c = Load(
      "[output.elasticsearch]\nhosts = [\"http://es:9200\"]\nallow_plaintext_credentials = true\n"
      "[auth]\ntype = \"api_key\"\napi_key = \"abc\"\n");
  EXPECT_TRUE(c.elasticsearch.allow_plaintext_credentials);
}

TEST(LoopbackHostTest, KnowsTheLoopbackNames) {
  EXPECT_TRUE(IsLoopbackHost("localhost"));
  EXPECT_TRUE(IsLoopbackHost("LOCALHOST."));
  EXPECT_TRUE(IsLoopbackHost("es.localhost"));
  EXPECT_TRUE(IsLoopbackHost("127.0.0.1"));
  EXPECT_TRUE(IsLoopbackHost("127.1.2.3"));
  EXPECT_TRUE(IsLoopbackHost("::1"));
  EXPECT_FALSE(IsLoopbackHost("128.0.0.1"));
  EXPECT_FALSE(IsLoopbackHost("localhost.example"));
  EXPECT_FALSE(IsLoopbackHost("::2"));
  EXPECT_FALSE(IsLoopbackHost("es"));
}

}  // namespace
}  // namespace config
