// tls_error: each handshake failure cause becomes one actionable line.
#include "transport/tls_error.h"

#include <gtest/gtest.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509.h>

#include <string>

namespace transport {
namespace {

HandshakeFacts Facts(int rc) {
  HandshakeFacts f;
  f.rc = rc;
  f.peer = "https://es-1:9200";
  f.verify_name = "es-1";
  f.trust_source = "tls.ca_file /etc/skiff/ca.pem";
  return f;
}

std::string Message(const HandshakeFacts& facts) {
  base::Status s = HandshakeFailure(facts);
  EXPECT_EQ(s.code(), base::StatusCode::kUnavailable);
  return std::string(s.message());
}

bool Has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(TlsErrorTest, AnUnknownCaNamesTheTrustSource) {
  HandshakeFacts f = Facts(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
  f.verify_flags = MBEDTLS_X509_BADCERT_NOT_TRUSTED;
  std::string m = Message(f);
  EXPECT_TRUE(m.starts_with("TLS handshake with https://es-1:9200 failed: ")) << m;
  EXPECT_TRUE(Has(m, "unknown CA (not in tls.ca_file /etc/skiff/ca.pem)")) << m;
  EXPECT_TRUE(Has(m, "; set tls.ca_file to the CA that issued it")) << m;
  EXPECT_EQ(m.find('\n'), std::string::npos);
}

TEST(TlsErrorTest, AnUnknownCaGivesTheConnectionsOwnWayToTrustAnotherCa) {
  HandshakeFacts f = Facts(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
  f.verify_flags = MBEDTLS_X509_BADCERT_NOT_TRUSTED;
  f.trust_hint = "point SSL_CERT_FILE at a CA bundle that holds the CA that issued it";
  std::string m = Message(f);
  EXPECT_TRUE(Has(m, "; point SSL_CERT_FILE at a CA bundle")) << m;
  EXPECT_FALSE(Has(m, "tls.ca_file to")) << m;
}

TEST(TlsErrorTest, ANameMismatchNamesTheNameAndTheFix) {
  HandshakeFacts f = Facts(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
  f.verify_flags = MBEDTLS_X509_BADCERT_CN_MISMATCH;
  std::string m = Message(f);
  EXPECT_TRUE(Has(m, "does not match the name \"es-1\"")) << m;
  EXPECT_TRUE(Has(m, "tls.server_name")) << m;
}

TEST(TlsErrorTest, ExpiryAndNotYetValidMentionTheClock) {
  HandshakeFacts f = Facts(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
  f.verify_flags = MBEDTLS_X509_BADCERT_EXPIRED;
  EXPECT_TRUE(Has(Message(f), "has expired (or the clock is wrong)"));
  f.verify_flags = MBEDTLS_X509_BADCERT_FUTURE;
  EXPECT_TRUE(Has(Message(f), "not valid yet"));
}

TEST(TlsErrorTest, SeveralFlagsAreAllNamedOnOneLine) {
  HandshakeFacts f = Facts(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
  f.verify_flags = MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_EXPIRED;
  std::string m = Message(f);
  EXPECT_TRUE(Has(m, "unknown CA") && Has(m, "expired")) << m;
  f.verify_flags = MBEDTLS_X509_BADCERT_OTHER;
  EXPECT_TRUE(Has(Message(f), "failed verification (flags 0x100)"));
}

TEST(TlsErrorTest, AMissingClientCertificateIsNamedWhenTheServerAskedForOne) {
  HandshakeFacts f = Facts(MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE);
  f.alert = MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE;
  f.client_cert_requested = true;
  std::string m = Message(f);
  EXPECT_TRUE(Has(m, "requires a client certificate and none is configured")) << m;
  EXPECT_TRUE(Has(m, "tls.cert_file and tls.key_file")) << m;
  f.alert = 116;  // certificate_required
  EXPECT_TRUE(Has(Message(f), "certificate_required (116)"));
}

TEST(TlsErrorTest, ARejectedClientCertificateIsNotCalledMissing) {
  HandshakeFacts f = Facts(MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE);
  f.alert = MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA;
  f.client_cert_requested = true;
  f.client_cert_configured = true;
  std::string m = Message(f);
  EXPECT_TRUE(Has(m, "rejected our client certificate (alert unknown_ca (48))")) << m;
}

TEST(TlsErrorTest, ProtocolVersionProblemsSayTls12) {
  HandshakeFacts f = Facts(MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE);
  f.alert = MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION;
  EXPECT_TRUE(Has(Message(f), "does not accept TLS 1.2"));
  EXPECT_TRUE(Has(Message(Facts(MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION)), "below 1.2"));
}

TEST(TlsErrorTest, APlainHttpServerIsRecognised) {
  EXPECT_TRUE(Has(Message(Facts(MBEDTLS_ERR_SSL_INVALID_RECORD)), "does not speak TLS"));
}

TEST(TlsErrorTest, OtherCodesKeepMbedTlsWordsAndTheCode) {
  std::string m = Message(Facts(MBEDTLS_ERR_SSL_INTERNAL_ERROR));
  EXPECT_TRUE(Has(m, "(-0x6c00)")) << m;
  base::Status s = MbedTlsStatus(MBEDTLS_ERR_SSL_ALLOC_FAILED, "TLS setup");
  EXPECT_TRUE(std::string(s.message()).starts_with("TLS setup: ")) << s.message();
}

TEST(TlsErrorTest, ClassifiesEachCauseForTheHandshakeCounter) {
  HandshakeFacts f = Facts(MBEDTLS_ERR_X509_CERT_VERIFY_FAILED);
  f.verify_flags = MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_EXPIRED;
  EXPECT_EQ(ClassifyHandshake(f), HandshakeOutcome::kUnknownCa);  // named first, counted so
  f.verify_flags = MBEDTLS_X509_BADCERT_CN_MISMATCH;
  EXPECT_EQ(ClassifyHandshake(f), HandshakeOutcome::kNameMismatch);
  f.verify_flags = MBEDTLS_X509_BADCERT_EXPIRED;
  EXPECT_EQ(ClassifyHandshake(f), HandshakeOutcome::kExpired);
  f.verify_flags = MBEDTLS_X509_BADCERT_FUTURE;
  EXPECT_EQ(ClassifyHandshake(f), HandshakeOutcome::kExpired);
  f.verify_flags = MBEDTLS_X509_BADCERT_KEY_USAGE;
  EXPECT_EQ(ClassifyHandshake(f), HandshakeOutcome::kOther);

  HandshakeFacts alert = Facts(MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE);
  alert.alert = MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE;
  alert.client_cert_requested = true;
  EXPECT_EQ(ClassifyHandshake(alert), HandshakeOutcome::kNoClientCert);
  alert.client_cert_configured = true;
  EXPECT_EQ(ClassifyHandshake(alert), HandshakeOutcome::kClientCertRejected);
  alert.client_cert_requested = false;
  EXPECT_EQ(ClassifyHandshake(alert), HandshakeOutcome::kOther);

  EXPECT_EQ(ClassifyHandshake(Facts(MBEDTLS_ERR_SSL_CONN_EOF)), HandshakeOutcome::kOther);
}

TEST(TlsErrorTest, OutcomeNamesAreTheMetricLabels) {
  EXPECT_EQ(HandshakeOutcomeName(HandshakeOutcome::kOk), "ok");
  EXPECT_EQ(HandshakeOutcomeName(HandshakeOutcome::kUnknownCa), "unknown_ca");
  EXPECT_EQ(HandshakeOutcomeName(HandshakeOutcome::kNameMismatch), "name_mismatch");
  EXPECT_EQ(HandshakeOutcomeName(HandshakeOutcome::kExpired), "expired");
  EXPECT_EQ(HandshakeOutcomeName(HandshakeOutcome::kNoClientCert), "no_client_cert");
  EXPECT_EQ(HandshakeOutcomeName(HandshakeOutcome::kClientCertRejected), "client_cert_rejected");
  EXPECT_EQ(HandshakeOutcomeName(HandshakeOutcome::kOther), "other");
}

}  // namespace
}  // namespace transport
