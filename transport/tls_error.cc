#include "transport/tls_error.h"

#include <mbedtls/error.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509.h>

#include <array>
#include <cstdio>
#include <string>

#include "platforms/base/log.h"

namespace transport {

std::string MbedTlsErrorText(int rc) {
  std::array<char, 160> text{};
  mbedtls_strerror(rc, text.data(), text.size());
  std::array<char, 16> code{};
  std::snprintf(code.data(), code.size(), "-0x%04x", static_cast<unsigned>(-rc));
  return base::StrCat(text.data(), " (", code.data(), ")");
}

namespace {

std::string_view AlertName(int alert) {
  switch (alert) {
    case MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE:
      return "handshake_failure";
    case MBEDTLS_SSL_ALERT_MSG_NO_CERT:
    case MBEDTLS_SSL_ALERT_MSG_BAD_CERT:
      return "bad_certificate";
    case MBEDTLS_SSL_ALERT_MSG_UNSUPPORTED_CERT:
      return "unsupported_certificate";
    case MBEDTLS_SSL_ALERT_MSG_CERT_REVOKED:
      return "certificate_revoked";
    case MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED:
      return "certificate_expired";
    case MBEDTLS_SSL_ALERT_MSG_CERT_UNKNOWN:
      return "certificate_unknown";
    case MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA:
      return "unknown_ca";
    case MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED:
      return "access_denied";
    case MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION:
      return "protocol_version";
    case MBEDTLS_SSL_ALERT_MSG_INSUFFICIENT_SECURITY:
      return "insufficient_security";
    case MBEDTLS_SSL_ALERT_MSG_UNRECOGNIZED_NAME:
      return "unrecognized_name";
    case 116:  // TLS 1.3 certificate_required (RFC 8446 §6.2), sent by 1.3-capable servers
      return "certificate_required";
    default:
      return "";
  }
}

bool IsClientCertificateAlert(int alert) {
  return alert == MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE ||
         alert == MBEDTLS_SSL_ALERT_MSG_NO_CERT || alert == MBEDTLS_SSL_ALERT_MSG_BAD_CERT ||
         alert == MBEDTLS_SSL_ALERT_MSG_CERT_UNKNOWN || alert == MBEDTLS_SSL_ALERT_MSG_UNKNOWN_CA ||
         alert == MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED || alert == 116;
}

std::string AlertText(int alert) {
  std::string_view name = AlertName(alert);
  if (name.empty()) return base::StrCat("alert ", alert);
  return base::StrCat("alert ", name, " (", alert, ")");
}

// The cause of a failed handshake, without the "TLS handshake with X failed: " prefix.
std::string Cause(const HandshakeFacts& f) {
  if (f.rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
    return DescribeVerifyFlags(f.verify_flags, f.verify_name, f.trust_source, f.trust_hint);
  }
  if (f.rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
    if (f.client_cert_requested && !f.client_cert_configured && IsClientCertificateAlert(f.alert)) {
      return base::StrCat("the server requires a client certificate and none is configured (",
                          AlertText(f.alert), "); set tls.cert_file and tls.key_file");
    }
    if (f.client_cert_requested && f.client_cert_configured && IsClientCertificateAlert(f.alert)) {
      return base::StrCat("the server rejected our client certificate (", AlertText(f.alert),
                          "); check that tls.cert_file is signed by a CA the server trusts "
                          "and is still valid");
    }
    if (f.alert == MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION) {
      return "the server does not accept TLS 1.2 (alert protocol_version); skiff needs TLS 1.2 "
             "or newer";
    }
    if (f.alert == MBEDTLS_SSL_ALERT_MSG_HANDSHAKE_FAILURE) {
      return "the server refused the handshake (alert handshake_failure): no common TLS 1.2 "
             "cipher suite, or it wants a client certificate";
    }
    return base::StrCat("the server aborted the handshake (", AlertText(f.alert), ")");
  }
  switch (f.rc) {
    case MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION:
      return "the server offered a TLS version below 1.2; skiff needs TLS 1.2 or newer";
    case MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE:
    case MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN:
      return "no cipher suite in common with the server";
    case MBEDTLS_ERR_SSL_INVALID_RECORD:
    case MBEDTLS_ERR_SSL_UNEXPECTED_RECORD:
    case MBEDTLS_ERR_SSL_BAD_INPUT_DATA:
    case MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO:
      return base::StrCat("the server does not speak TLS (is it plain http://?): ",
                          MbedTlsErrorText(f.rc));
    case MBEDTLS_ERR_SSL_CONN_EOF:
      return "the server closed the connection during the handshake";
    case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
      return "the server ended the connection during the handshake (close_notify)";
    default:
      return MbedTlsErrorText(f.rc);
  }
}

}  // namespace

base::Status MbedTlsStatus(int rc, std::string_view context) {
  return base::Unavailable(base::StrCat(context, ": ", MbedTlsErrorText(rc)));
}

std::string DescribeVerifyFlags(uint32_t flags, std::string_view verify_name,
                                std::string_view trust_source, std::string_view trust_hint) {
  std::string out;
  auto add = [&out](std::string_view what) {
    if (!out.empty()) out += "; ";
    out += what;
  };
  if ((flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) != 0) {
    add(base::StrCat("the server certificate is signed by an unknown CA (not in ", trust_source,
                     "); ", trust_hint.empty() ? kDefaultTrustHint : trust_hint));
  }
  if ((flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) != 0) {
    add(base::StrCat("the server certificate does not match the name \"", verify_name,
                     "\" (not in its subjectAltName); connect by a name it carries or set "
                     "tls.server_name"));
  }
  if ((flags & MBEDTLS_X509_BADCERT_EXPIRED) != 0) {
    add("a certificate of the server's chain has expired (or the clock is wrong)");
  }
  if ((flags & MBEDTLS_X509_BADCERT_FUTURE) != 0) {
    add("a certificate of the server's chain is not valid yet (or the clock is wrong)");
  }
  if ((flags & MBEDTLS_X509_BADCERT_REVOKED) != 0) add("the server certificate was revoked");
  if ((flags & (MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE |
                MBEDTLS_X509_BADCERT_NS_CERT_TYPE)) != 0) {
    add("the server certificate is not meant for TLS servers (key usage)");
  }
  if ((flags & (MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK |
                MBEDTLS_X509_BADCERT_BAD_KEY)) != 0) {
    add("the server certificate uses a weak signature or key");
  }
  if ((flags & MBEDTLS_X509_BADCERT_MISSING) != 0) add("the server sent no certificate");
  if (out.empty()) {
    std::array<char, 16> hex{};
    std::snprintf(hex.data(), hex.size(), "0x%x", flags);
    add(base::StrCat("the server certificate failed verification (flags ", hex.data(), ")"));
  }
  return out;
}

std::string_view HandshakeOutcomeName(HandshakeOutcome outcome) {
  switch (outcome) {
    case HandshakeOutcome::kOk:
      return "ok";
    case HandshakeOutcome::kUnknownCa:
      return "unknown_ca";
    case HandshakeOutcome::kNameMismatch:
      return "name_mismatch";
    case HandshakeOutcome::kExpired:
      return "expired";
    case HandshakeOutcome::kNoClientCert:
      return "no_client_cert";
    case HandshakeOutcome::kClientCertRejected:
      return "client_cert_rejected";
    case HandshakeOutcome::kOther:
    case HandshakeOutcome::kCount:
      break;
  }
  return "other";
}

HandshakeOutcome ClassifyHandshake(const HandshakeFacts& f) {
  if (f.rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
    // The order of DescribeVerifyFlags: the first cause it names.
    if ((f.verify_flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) != 0) {
      return HandshakeOutcome::kUnknownCa;
    }
    if ((f.verify_flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) != 0) {
      return HandshakeOutcome::kNameMismatch;
    }
    if ((f.verify_flags & (MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE)) != 0) {
      return HandshakeOutcome::kExpired;
    }
    return HandshakeOutcome::kOther;
  }
  if (f.rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && f.client_cert_requested &&
      IsClientCertificateAlert(f.alert)) {
    return f.client_cert_configured ? HandshakeOutcome::kClientCertRejected
                                    : HandshakeOutcome::kNoClientCert;
  }
  return HandshakeOutcome::kOther;
}

base::Status HandshakeFailure(const HandshakeFacts& facts) {
  return base::Unavailable(
      base::StrCat("TLS handshake with ", facts.peer, " failed: ", Cause(facts)));
}

}  // namespace transport
