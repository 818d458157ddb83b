// TlsStream and TlsContext against an in-memory mbedTLS server: the handshake over buffers,
// the failure messages for each cause, mutual TLS, session resumption and the rotation of
// certificate files. The certificates come from tests/support/make_test_certs.sh (openssl)
// in a temporary directory; the tests skip when openssl is missing.
#include "transport/tls_stream.h"

#include <gtest/gtest.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cache.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>

#include "transport/tls_context.h"

namespace transport {
namespace {

namespace fs = std::filesystem;

std::span<const std::byte> Bytes(std::string_view text) {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

// The server side, in memory: what the client writes goes to `in`, what it answers to `out`.
class MemoryTlsServer {
 public:
  // `client_ca` empty: no client certificate asked for; otherwise required.
  MemoryTlsServer(const std::string& cert, const std::string& key, const std::string& client_ca) {
    mbedtls_ssl_config_init(&conf_);
    mbedtls_x509_crt_init(&cert_);
    mbedtls_x509_crt_init(&client_ca_);
    mbedtls_pk_init(&key_);
    mbedtls_entropy_init(&entropy_);
    mbedtls_ctr_drbg_init(&drbg_);
    mbedtls_ssl_cache_init(&cache_);
    mbedtls_ssl_init(&ssl_);
    EXPECT_EQ(mbedtls_ctr_drbg_seed(&drbg_, mbedtls_entropy_func, &entropy_, nullptr, 0), 0);
    EXPECT_EQ(mbedtls_x509_crt_parse_file(&cert_, cert.c_str()), 0);
    EXPECT_EQ(mbedtls_pk_parse_keyfile(&key_, key.c_str(), nullptr), 0);
    EXPECT_EQ(mbedtls_ssl_config_defaults(&conf_, MBEDTLS_SSL_IS_SERVER,
                                          MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT),
              0);
    mbedtls_ssl_conf_rng(&conf_, mbedtls_ctr_drbg_random, &drbg_);
    EXPECT_EQ(mbedtls_ssl_conf_own_cert(&conf_, &cert_, &key_), 0);
    mbedtls_ssl_conf_session_cache(&conf_, &cache_, mbedtls_ssl_cache_get, mbedtls_ssl_cache_set);
    if (client_ca.empty()) {
      mbedtls_ssl_conf_authmode(&conf_, MBEDTLS_SSL_VERIFY_NONE);
    } else {
      EXPECT_EQ(mbedtls_x509_crt_parse_file(&client_ca_, client_ca.c_str()), 0);
      mbedtls_ssl_conf_ca_chain(&conf_, &client_ca_, nullptr);
      mbedtls_ssl_conf_authmode(&conf_, MBEDTLS_SSL_VERIFY_REQUIRED);
    }
    NewConnection();
  }
  ~MemoryTlsServer() {
    mbedtls_ssl_free(&ssl_);
    mbedtls_ssl_cache_free(&cache_);
    mbedtls_ssl_config_free(&conf_);
    mbedtls_x509_crt_free(&cert_);
    mbedtls_x509_crt_free(&client_ca_);
    mbedtls_pk_free(&key_);
    mbedtls_ctr_drbg_free(&drbg_);
    mbedtls_entropy_free(&entropy_);
  }

  void NewConnection() {
    mbedtls_ssl_free(&ssl_);
    mbedtls_ssl_init(&ssl_);
    ASSERT_EQ(mbedtls_ssl_setup(&ssl_, &conf_), 0);
    mbedtls_ssl_set_bio(&ssl_, this, &Send, &Receive, nullptr);
    in_.clear();
    out_.clear();
    done_ = false;
    result_ = 0;
  }

  // One handshake step with what arrived; the answer collects in out().
  void Step() {
    if (done_ || (result_ != 0 && result_ != MBEDTLS_ERR_SSL_WANT_READ)) return;
    result_ = mbedtls_ssl_handshake(&ssl_);
    if (result_ == 0) done_ = true;
  }

  std::string ReadPlain() {
    std::string plain(4096, '\0');
    int n = mbedtls_ssl_read(&ssl_, reinterpret_cast<unsigned char*>(plain.data()), plain.size());
    plain.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
    return plain;
  }
  void WritePlain(std::string_view text) {
    EXPECT_EQ(
        mbedtls_ssl_write(&ssl_, reinterpret_cast<const unsigned char*>(text.data()), text.size()),
        static_cast<int>(text.size()));
  }

  std::string& in() { return in_; }
  std::string& out() { return out_; }
  bool done() const { return done_; }
  int result() const { return result_; }

 private:
  static int Send(void* self, const unsigned char* data, std::size_t size) {
    static_cast<MemoryTlsServer*>(self)->out_.append(reinterpret_cast<const char*>(data), size);
    return static_cast<int>(size);
  }
  static int Receive(void* self, unsigned char* data, std::size_t size) {
    auto* s = static_cast<MemoryTlsServer*>(self);
    if (s->in_.empty()) return MBEDTLS_ERR_SSL_WANT_READ;
    std::size_t n = std::min(size, s->in_.size());
    std::memcpy(data, s->in_.data(), n);
    s->in_.erase(0, n);
    return static_cast<int>(n);
  }

  mbedtls_ssl_config conf_;
  mbedtls_x509_crt cert_;
  mbedtls_x509_crt client_ca_;
  mbedtls_pk_context key_;
  mbedtls_entropy_context entropy_;
  mbedtls_ctr_drbg_context drbg_;
  mbedtls_ssl_cache_context cache_;
  mbedtls_ssl_context ssl_;
  std::string in_;
  std::string out_;
  bool done_ = false;
  int result_ = 0;
};

// Moves bytes both ways until the client's handshake completes or fails (bounded).
base::Result<bool> Pump(TlsStream& client, MemoryTlsServer& server) {
  for (int round = 0; round < 50; ++round) {
    base::Result<bool> r = client.Handshake();
    server.in().append(client.outgoing());
    client.outgoing().clear();
    if (!r.has_value() || *r) {
      server.Step();  // let the server read the client's last flight
      return r;
    }
    server.Step();
    if (!server.out().empty()) {
      client.Feed(Bytes(server.out()));
      server.out().clear();
    } else if (!server.done() && server.result() != MBEDTLS_ERR_SSL_WANT_READ) {
      // The server failed and said nothing more: the client sees the connection close.
      return client.HandshakeCutShort();
    }
  }
  return base::Internal("handshake did not finish in 50 rounds");
}

class TlsStreamTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::system("openssl version >/dev/null 2>&1") != 0) return;
    pki_ = fs::temp_directory_path() / ("skiff-tls-test-" + std::to_string(::getpid()));
    std::string command = std::string(SKIFF_MAKE_TEST_CERTS) + " " + pki_->string();
    if (std::system(command.c_str()) != 0) pki_.reset();
  }
  static void TearDownTestSuite() {
    if (pki_.has_value()) fs::remove_all(*pki_);
    pki_.reset();
  }
  void SetUp() override {
    if (!pki_.has_value()) GTEST_SKIP() << "openssl is not installed: no certificates to test with";
  }

  static std::string Pki(std::string_view name) { return (*pki_ / name).string(); }

  static std::unique_ptr<TlsContext> Context(TlsOptions options) {
    auto context = TlsContext::Create(std::move(options));
    EXPECT_TRUE(context.has_value()) << context.error().ToString();
    return context.has_value() ? std::move(context).value() : nullptr;
  }
  static TlsOptions TrustCa() {
    TlsOptions options;
    options.ca_file = Pki("ca.pem");
    return options;
  }

  // The certificates of the suite; empty when they could not be made.
  static inline std::optional<fs::path> pki_;
};

// The notAfter make_test_certs.sh gives expired.pem: 2020-02-01T00:00:00Z.
constexpr int64_t kExpiredNotAfter = 1'580'515'200;

// make_test_certs.sh makes its leaves valid for 825 days from now.
bool ValidFor825DaysFromNow(std::optional<int64_t> not_after) {
  if (!not_after.has_value()) return false;
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  constexpr int64_t kDay = 86'400;
  return *not_after > now + 824 * kDay && *not_after <= now + 826 * kDay;
}

TEST_F(TlsStreamTest, CompletesAHandshakeByAddressAndCarriesDataBothWays) {
  auto context = Context(TrustCa());
  MemoryTlsServer server(Pki("server.pem"), Pki("server.key"), "");
  TlsStream client(*context, "https://127.0.0.1:9200", "127.0.0.1");
  ASSERT_TRUE(client.Start().ok());
  base::Result<bool> done = Pump(client, server);
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
  EXPECT_TRUE(*done);
  EXPECT_TRUE(server.done());

  ASSERT_TRUE(client.Encrypt(Bytes("GET / HTTP/1.1\r\n\r\n")).ok());
  server.in().append(client.outgoing());
  client.outgoing().clear();
  EXPECT_EQ(server.ReadPlain(), "GET / HTTP/1.1\r\n\r\n");
  server.WritePlain("HTTP/1.1 200 OK\r\n\r\n");
  client.Feed(Bytes(server.out()));
  server.out().clear();
  std::string plain;
  bool closed = true;
  ASSERT_TRUE(client.Decrypt(&plain, &closed).ok());
  EXPECT_EQ(plain, "HTTP/1.1 200 OK\r\n\r\n");
  EXPECT_FALSE(closed);
}

TEST_F(TlsStreamTest, AcceptsTheDnsNameOfTheCertificate) {
  auto context = Context(TrustCa());
  MemoryTlsServer server(Pki("server.pem"), Pki("server.key"), "");
  TlsStream client(*context, "https://localhost:9200", "localhost");
  ASSERT_TRUE(client.Start().ok());
  base::Result<bool> done = Pump(client, server);
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
}

TEST_F(TlsStreamTest, NamesAnUnknownCaAndWhereTrustCameFrom) {
  auto context = Context(TrustCa());
  MemoryTlsServer server(Pki("other-server.pem"), Pki("other-server.key"), "");
  TlsStream client(*context, "https://127.0.0.1:9200", "127.0.0.1");
  ASSERT_TRUE(client.Start().ok());
  base::Result<bool> done = Pump(client, server);
  ASSERT_FALSE(done.has_value());
  std::string message(done.error().message());
  EXPECT_NE(message.find("TLS handshake with https://127.0.0.1:9200 failed"), std::string::npos);
  EXPECT_NE(message.find("signed by an unknown CA"), std::string::npos) << message;
  EXPECT_NE(message.find(Pki("ca.pem")), std::string::npos) << message;
  EXPECT_EQ(message.find("does not match"), std::string::npos) << message;
}

TEST_F(TlsStreamTest, NamesANameMismatch) {
  auto context = Context(TrustCa());
  MemoryTlsServer server(Pki("wrong-name.pem"), Pki("wrong-name.key"), "");
  TlsStream client(*context, "https://localhost:9200", "localhost");
  ASSERT_TRUE(client.Start().ok());
  base::Result<bool> done = Pump(client, server);
  ASSERT_FALSE(done.has_value());
  std::string message(done.error().message());
  EXPECT_NE(message.find("does not match the name \"localhost\""), std::string::npos) << message;
  EXPECT_NE(message.find("tls.server_name"), std::string::npos) << message;
}

TEST_F(TlsStreamTest, ChecksTheAddressAgainstIpEntriesOfTheCertificate) {
  auto context = Context(TrustCa());
  MemoryTlsServer server(Pki("wrong-name.pem"), Pki("wrong-name.key"), "");
  TlsStream client(*context, "https://127.0.0.1:9200", "127.0.0.1");
  ASSERT_TRUE(client.Start().ok());
  base::Result<bool> done = Pump(client, server);
  ASSERT_FALSE(done.has_value());
  EXPECT_NE(done.error().message().find("does not match the name \"127.0.0.1\""),
            std::string_view::npos)
      << done.error().message();
}

TEST_F(TlsStreamTest, ServerNameOverridesTheHostForVerification) {
  TlsOptions options = TrustCa();
  options.server_name = "elsewhere.example";
  auto context = Context(options);
  MemoryTlsServer server(Pki("wrong-name.pem"), Pki("wrong-name.key"), "");
  TlsStream client(*context, "https://127.0.0.1:9200", "127.0.0.1");
  ASSERT_TRUE(client.Start().ok());
  base::Result<bool> done = Pump(client, server);
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
}

TEST_F(TlsStreamTest, NamesAnExpiredCertificate) {
  auto context = Context(TrustCa());
  MemoryTlsServer server(Pki("expired.pem"), Pki("expired.key"), "");
  TlsStream client(*context, "https://127.0.0.1:9200", "127.0.0.1");
  ASSERT_TRUE(client.Start().ok());
  base::Result<bool> done = Pump(client, server);
  ASSERT_FALSE(done.has_value());
  EXPECT_NE(done.error().message().find("has expired"), std::string_view::npos)
      << done.error().message();
  EXPECT_EQ(client.failure_outcome(), HandshakeOutcome::kExpired);
  // The expired leaf's notAfter is shown all the same: 2020-02-01T00:00:00Z.
  const TlsPeerStats& peer = context->stats().peers.at("https://127.0.0.1:9200");
  EXPECT_EQ(peer.certificate_not_after, std::optional<int64_t>(kExpiredNotAfter));
}

TEST_F(TlsStreamTest, VerifyOffAcceptsAnyCertificate) {
  TlsOptions options;
  options.verify = false;
  auto context = Context(options);
  MemoryTlsServer server(Pki("other-server.pem"), Pki("other-server.key"), "");
  TlsStream client(*context, "https://127.0.0.1:9200", "127.0.0.1");
  ASSERT_TRUE(client.Start().ok());
  EXPECT_TRUE(Pump(client, server).has_value());
}

TEST_F(TlsStreamTest, PresentsTheClientCertificateForMutualTls) {
  TlsOptions options = TrustCa();
  options.cert_file = Pki("client.pem");
  options.key_file = Pki("client.key");
  auto context = Context(options);
  MemoryTlsServer server(Pki("server.pem"), Pki("server.key"), Pki("ca.pem"));
  TlsStream client(*context, "https://127.0.0.1:9200", "127.0.0.1");
  ASSERT_TRUE(client.Start().ok());
  base::Result<bool> done = Pump(client, server);
  ASSERT_TRUE(done.has_value()) << done.error().ToString();
  EXPECT_TRUE(server.done()) << server.result();
  EXPECT_FALSE(client.client_certificate_missing());
}

TEST_F(TlsStreamTest, SaysWhenTheServerWantsAClientCertificateAndNoneIsConfigured) {
  auto context = Context(TrustCa());
  MemoryTlsServer server(Pki("server.pem"), Pki("server.key"), Pki("ca.pem"));
  TlsStream client(*context, "https://127.0.0.1:9200", "127.0.0.1");
  ASSERT_TRUE(client.Start().ok());
  base::Result<bool> done = Pump(client, server);
  // mbedTLS servers hang up without an alert; the client knows it was asked for one.
  EXPECT_TRUE(client.client_certificate_missing());
  EXPECT_FALSE(server.done());
  ASSERT_FALSE(done.has_value());
  EXPECT_NE(done.error().message().find("requires a client certificate and none is configured"),
            std::string_view::npos)
      << done.error().message();
}

TEST_F(TlsStreamTest, ResumesTheLastSessionOfAnEndpoint) {
  auto context = Context(TrustCa());
  MemoryTlsServer server(Pki("server.pem"), Pki("server.key"), "");
  {
    TlsStream first(*context, "https://127.0.0.1:9200", "127.0.0.1");
    ASSERT_TRUE(first.Start().ok());
    ASSERT_TRUE(Pump(first, server).has_value());
    EXPECT_FALSE(first.resumed());
  }
  server.NewConnection();
  TlsStream second(*context, "https://127.0.0.1:9200", "127.0.0.1");
  ASSERT_TRUE(second.Start().ok());
  ASSERT_TRUE(Pump(second, server).has_value());
  EXPECT_TRUE(second.resumed());
  EXPECT_EQ(context->stats().handshakes, 2u);
  EXPECT_EQ(context->stats().sessions_resumed, 1u);

  // Another endpoint has no session to offer.
  server.NewConnection();
  TlsStream other(*context, "https://localhost:9200", "localhost");
  ASSERT_TRUE(other.Start().ok());
  ASSERT_TRUE(Pump(other, server).has_value());
  EXPECT_FALSE(other.resumed());
}

// Replaces `path` the way cert-manager and Vault agents do: write aside, then rename.
void Replace(const std::string& path, const std::string& content) {
  std::string tmp = path + ".tmp";
  std::ofstream(tmp, std::ios::binary | std::ios::trunc) << content;
  fs::rename(tmp, path);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST_F(TlsStreamTest, NewConnectionsUseRotatedFilesAndKeepTheLastGoodOnesWhenBroken) {
  std::string ca = (*pki_ / "rotating-ca.pem").string();
  Replace(ca, ReadAll(Pki("ca.pem")));
  TlsOptions options;
  options.ca_file = ca;
  auto context = Context(options);
  MemoryTlsServer server(Pki("other-server.pem"), Pki("other-server.key"), "");

  TlsStream before(*context, "https://127.0.0.1:9200", "127.0.0.1");
  ASSERT_TRUE(before.Start().ok());
  EXPECT_FALSE(Pump(before, server).has_value());

  Replace(ca, ReadAll(Pki("other-ca.pem")));
  server.NewConnection();
  TlsStream after(*context, "https://127.0.0.1:9200", "127.0.0.1");
  ASSERT_TRUE(after.Start().ok());
  base::Result<bool> done = Pump(after, server);
  EXPECT_TRUE(done.has_value()) << done.error().ToString();
  EXPECT_EQ(context->stats().material_reloads, 1u);

  Replace(ca, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
  server.NewConnection();
  TlsStream broken(*context, "https://127.0.0.1:9200", "127.0.0.1");
  ASSERT_TRUE(broken.Start().ok());
  done = Pump(broken, server);
  EXPECT_TRUE(done.has_value()) << done.error().ToString();
  EXPECT_EQ(context->stats().material_reload_failures, 1u);
  // The broken files are tried once, not on every connection.
  server.NewConnection();
  TlsStream again(*context, "https://127.0.0.1:9200", "127.0.0.1");
  ASSERT_TRUE(again.Start().ok());
  EXPECT_TRUE(Pump(again, server).has_value());
  EXPECT_EQ(context->stats().material_reload_failures, 1u);
}

TEST_F(TlsStreamTest, ClassifiesEachFailedHandshakeForTheCounters) {
  struct Case {
    std::string cert;
    std::string host;
    HandshakeOutcome outcome;
  };
  for (const Case& c : {Case{"other-server", "127.0.0.1", HandshakeOutcome::kUnknownCa},
                        Case{"wrong-name", "localhost", HandshakeOutcome::kNameMismatch},
                        Case{"expired", "127.0.0.1", HandshakeOutcome::kExpired}}) {
    auto context = Context(TrustCa());
    MemoryTlsServer server(Pki(c.cert + ".pem"), Pki(c.cert + ".key"), "");
    TlsStream client(*context, "https://" + c.host + ":9200", c.host);
    ASSERT_TRUE(client.Start().ok());
    ASSERT_FALSE(Pump(client, server).has_value()) << c.cert;
    EXPECT_EQ(client.failure_outcome(), c.outcome) << c.cert;
  }
  // A server that hangs up on a client without a certificate it asked for.
  auto context = Context(TrustCa());
  MemoryTlsServer server(Pki("server.pem"), Pki("server.key"), Pki("ca.pem"));
  TlsStream client(*context, "https://127.0.0.1:9200", "127.0.0.1");
  ASSERT_TRUE(client.Start().ok());
  ASSERT_FALSE(Pump(client, server).has_value());
  EXPECT_EQ(client.CutShortOutcome(), HandshakeOutcome::kNoClientCert);
}

TEST_F(TlsStreamTest, KeepsTheServerCertificateExpiryAndResumptionsPerEndpoint) {
  auto context = Context(TrustCa());
  MemoryTlsServer server(Pki("server.pem"), Pki("server.key"), "");
  for (int i = 0; i < 3; ++i) {
    server.NewConnection();
    TlsStream client(*context, "https://127.0.0.1:9200", "127.0.0.1");
    ASSERT_TRUE(client.Start().ok());
    ASSERT_TRUE(Pump(client, server).has_value());
  }
  const TlsPeerStats& peer = context->stats().peers.at("https://127.0.0.1:9200");
  EXPECT_EQ(peer.sessions_resumed, 2u);
  // Seen in the full handshake and kept (also read back from the resumed sessions).
  EXPECT_TRUE(ValidFor825DaysFromNow(peer.certificate_not_after));
  EXPECT_EQ(context->stats().peers.count("https://localhost:9200"), 0u);

  // verify = false: no certificate callback runs, the expiry comes from the session.
  TlsOptions off;
  off.verify = false;
  auto unverified = Context(off);
  MemoryTlsServer expired(Pki("expired.pem"), Pki("expired.key"), "");
  TlsStream client(*unverified, "https://127.0.0.1:9200", "127.0.0.1");
  ASSERT_TRUE(client.Start().ok());
  ASSERT_TRUE(Pump(client, expired).has_value());
  EXPECT_EQ(unverified->stats().peers.at("https://127.0.0.1:9200").certificate_not_after,
            std::optional<int64_t>(kExpiredNotAfter));
}

TEST_F(TlsStreamTest, CountsReportedHandshakesByOutcome) {
  auto context = Context(TrustCa());
  const uint64_t version = context->stats().version;
  context->ReportHandshake("https://es-1:9200", base::Status::Ok(), HandshakeOutcome::kOk);
  context->ReportHandshake("https://es-1:9200", base::Unavailable("unknown CA"),
                           HandshakeOutcome::kUnknownCa);
  context->ReportHandshake("https://es-1:9200", base::Unavailable("unknown CA"),
                           HandshakeOutcome::kUnknownCa);
  // An OK result is an ok handshake whatever the outcome said, and a failure never is.
  context->ReportHandshake("https://es-2:9200", base::Status::Ok(), HandshakeOutcome::kOther);
  context->ReportHandshake("https://es-2:9200", base::Unavailable("x"), HandshakeOutcome::kOk);
  auto count = [&](std::string_view key, HandshakeOutcome outcome) {
    return context->stats().peers.find(key)->second.handshakes[static_cast<std::size_t>(outcome)];
  };
  EXPECT_EQ(count("https://es-1:9200", HandshakeOutcome::kOk), 1u);
  EXPECT_EQ(count("https://es-1:9200", HandshakeOutcome::kUnknownCa), 2u);
  EXPECT_EQ(count("https://es-2:9200", HandshakeOutcome::kOk), 1u);
  EXPECT_EQ(count("https://es-2:9200", HandshakeOutcome::kOther), 1u);
  EXPECT_GT(context->stats().version, version);
}

TEST_F(TlsStreamTest, TheClientCertificateExpiryFollowsReloads) {
  EXPECT_FALSE(Context(TrustCa())->stats().client_certificate_not_after.has_value());
  std::string cert = (*pki_ / "rotating-client.pem").string();
  std::string key = (*pki_ / "rotating-client.key").string();
  Replace(cert, ReadAll(Pki("client.pem")));
  Replace(key, ReadAll(Pki("client.key")));
  TlsOptions options = TrustCa();
  options.cert_file = cert;
  options.key_file = key;
  auto context = Context(options);
  EXPECT_TRUE(ValidFor825DaysFromNow(context->stats().client_certificate_not_after));

  // Rotated to a certificate that expired in 2020 (a pair that loads all the same).
  const uint64_t version = context->stats().version;
  Replace(cert, ReadAll(Pki("expired.pem")));
  Replace(key, ReadAll(Pki("expired.key")));
  (void)context->Material();  // what a new connection does
  EXPECT_EQ(context->stats().client_certificate_not_after,
            std::optional<int64_t>(kExpiredNotAfter));
  EXPECT_GT(context->stats().version, version);
}

TEST_F(TlsStreamTest, RefusesUnusableFilesAtCreation) {
  TlsOptions missing;
  missing.ca_file = Pki("no-such.pem");
  auto context = TlsContext::Create(missing);
  ASSERT_FALSE(context.has_value());
  EXPECT_NE(context.error().message().find("tls.ca_file"), std::string_view::npos);

  TlsOptions mismatched = TrustCa();
  mismatched.cert_file = Pki("client.pem");
  mismatched.key_file = Pki("client2.key");
  context = TlsContext::Create(mismatched);
  ASSERT_FALSE(context.has_value());
  EXPECT_NE(context.error().message().find("is not the key of"), std::string_view::npos)
      << context.error().message();

  TlsOptions half = TrustCa();
  half.cert_file = Pki("client.pem");
  context = TlsContext::Create(half);
  ASSERT_FALSE(context.has_value());
  EXPECT_NE(context.error().message().find("go together"), std::string_view::npos);
}

}  // namespace
}  // namespace transport
