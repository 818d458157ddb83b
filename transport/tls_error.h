// TLS errors: the one place where mbedTLS's negative codes and certificate-verification
// flags become base::Status. A failed handshake is described by its cause in words an
// operator can act on (unknown CA, name mismatch, expired, missing client certificate,
// protocol version), never by a bare error number.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "platforms/base/status.h"

namespace transport {

// mbedTLS's description of `rc` with the code: "X509 - Read/write of file failed (-0x2900)".
std::string MbedTlsErrorText(int rc);

// A generic mbedTLS failure: "context: <mbedTLS description> (-0x2700)". kInvalidArgument
// for unusable files and settings, kUnavailable for everything on the wire.
base::Status MbedTlsStatus(int rc, std::string_view context);

// A TLS alert number as received in a fatal alert (RFC 5246 §7.2), or kNoAlert.
constexpr int kNoAlert = -1;

// The Elasticsearch output's way to trust another CA, said when nothing else is given.
inline constexpr std::string_view kDefaultTrustHint = "set tls.ca_file to the CA that issued it";

// What is known about a failed handshake.
struct HandshakeFacts {
  int rc = 0;                          // what mbedtls_ssl_handshake returned
  uint32_t verify_flags = 0;           // mbedtls_ssl_get_verify_result, when rc is a verify failure
  int alert = kNoAlert;                // the alert the server sent, if rc says one came
  std::string_view peer;               // "https://es-1:9200", for the message
  std::string_view verify_name;        // the name or address the certificate must carry
  std::string_view trust_source;       // "ca_file /etc/skiff/ca.pem", "the system CA bundle"
  std::string_view trust_hint;         // "set tls.ca_file to the CA that issued it"
  bool client_cert_requested = false;  // the server sent a CertificateRequest
  bool client_cert_configured = false;  // tls.cert_file and tls.key_file are set
};

// What a handshake came to, for the `outcome` label of skiff_output_tls_handshakes_total:
// the causes HandshakeFailure() names, grouped into a small fixed set.
enum class HandshakeOutcome {
  kOk,
  kUnknownCa,           // the server certificate chains to no trusted CA
  kNameMismatch,        // it does not carry the name or address connected to
  kExpired,             // a certificate of its chain expired (or is not valid yet)
  kNoClientCert,        // the server wants a client certificate and none is configured
  kClientCertRejected,  // the server refused the client certificate we sent
  kOther,               // protocol, cipher suites, plain http, timeouts, closed early
  kCount
};
inline constexpr std::size_t kHandshakeOutcomeCount =
    static_cast<std::size_t>(HandshakeOutcome::kCount);
// "ok", "unknown_ca", "name_mismatch", "expired", "no_client_cert", "client_cert_rejected",
// "other".
std::string_view HandshakeOutcomeName(HandshakeOutcome outcome);
// The outcome of a failed handshake, by the same rules as its message (the most actionable
// cause first when several certificate checks failed).
HandshakeOutcome ClassifyHandshake(const HandshakeFacts& facts);

// kUnavailable with a one-line message naming the cause, e.g. "TLS handshake with
// https://es-1:9200 failed: the server certificate is signed by an unknown CA (not in
// ca_file /etc/skiff/ca.pem)". Certificate problems are not retried sooner by anyone
// else, so the output's backoff applies; the message stays the same across attempts so
// that logging once per episode works by comparing messages.
base::Status HandshakeFailure(const HandshakeFacts& facts);

// Words for certificate verification flags (MBEDTLS_X509_BADCERT_*), most actionable
// first: "signed by an unknown CA; expired".
std::string DescribeVerifyFlags(uint32_t flags, std::string_view verify_name,
                                std::string_view trust_source, std::string_view trust_hint);

}  // namespace transport
