#include "transport/tls_stream.h"

#include <arpa/inet.h>
#include <mbedtls/asn1.h>
#include <mbedtls/x509.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "platforms/base/log.h"
#include "transport/tls_error.h"

namespace transport {
namespace {

// Plaintext asked of mbedtls_ssl_read at a time: one maximum TLS record.
constexpr std::size_t kDecryptChunkBytes = 16 * 1024;
// Received bytes already consumed are dropped from the front once this many pile up.
constexpr std::size_t kCompactThresholdBytes = 64 * 1024;
// The subjectAltName iPAddress entry (RFC 5280 §4.2.1.6: [7] IMPLICIT OCTET STRING).
constexpr int kSanIpAddressTag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7;

}  // namespace

TlsStream::TlsStream(TlsContext& context, std::string key, std::string_view host)
    : context_(context),
      key_(std::move(key)),
      verify_name_(context.options().server_name.empty() ? std::string(host)
                                                         : context.options().server_name),
      ssl_(std::make_unique<mbedtls_ssl_context>()) {
  mbedtls_ssl_init(ssl_.get());
  if (inet_pton(AF_INET, verify_name_.c_str(), verify_ip_.data()) == 1) {
    verify_ip_size_ = 4;
  } else if (inet_pton(AF_INET6, verify_name_.c_str(), verify_ip_.data()) == 1) {
    verify_ip_size_ = 16;
  }
}

TlsStream::~TlsStream() { mbedtls_ssl_free(ssl_.get()); }

base::Status TlsStream::Start() {
  material_ = context_.Material();
  int rc = mbedtls_ssl_setup(ssl_.get(), material_->config());
  if (rc != 0) return MbedTlsStatus(rc, base::StrCat("TLS setup for ", key_));
  if (verify_ip_size_ == 0) {
    // SNI and the name the certificate must carry.
    rc = mbedtls_ssl_set_hostname(ssl_.get(), verify_name_.c_str());
    if (rc != 0) return MbedTlsStatus(rc, base::StrCat("TLS server name for ", key_));
  }
  mbedtls_ssl_set_verify(ssl_.get(), &TlsStream::VerifyCallback, this);
  mbedtls_ssl_set_bio(ssl_.get(), this, &TlsStream::SendCallback, &TlsStream::ReceiveCallback,
                      nullptr);
  offered_session_requested_certificate_ = context_.Offer(key_, ssl_.get());
  started_ = true;
  return base::Status::Ok();
}

int TlsStream::SendCallback(void* self, const unsigned char* data, std::size_t size) {
  auto* stream = static_cast<TlsStream*>(self);
  stream->outgoing_.append(reinterpret_cast<const char*>(data), size);
  // mbedTLS's BIO contract returns the count as int; records are at most ~17 KiB.
  return static_cast<int>(size);
}

int TlsStream::ReceiveCallback(void* self, unsigned char* data, std::size_t size) {
  auto* stream = static_cast<TlsStream*>(self);
  std::size_t available = stream->incoming_.size() - stream->incoming_read_;
  if (available == 0) return MBEDTLS_ERR_SSL_WANT_READ;
  std::size_t n = std::min(available, size);
  std::memcpy(data, stream->incoming_.data() + stream->incoming_read_, n);
  stream->incoming_read_ += n;
  if (stream->incoming_read_ == stream->incoming_.size()) {
    stream->incoming_.clear();
    stream->incoming_read_ = 0;
  }
  return static_cast<int>(n);
}

int TlsStream::VerifyCallback(void* self, mbedtls_x509_crt* crt, int depth, uint32_t* flags) {
  auto* stream = static_cast<TlsStream*>(self);
  stream->verified_ = true;
  // The leaf's expiry is worth knowing whether or not it verifies (an expired one above all).
  if (depth == 0) stream->context_.ObservePeerCertificate(stream->key_, *crt);
  if (depth != 0 || stream->verify_ip_size_ == 0) return 0;
  // An address: mbedTLS checked no name (none was set), so check the iPAddress entries.
  bool match = false;
  for (const mbedtls_x509_sequence* san = &crt->subject_alt_names; san != nullptr;
       san = san->next) {
    if (san->buf.tag == kSanIpAddressTag && san->buf.len == stream->verify_ip_size_ &&
        std::memcmp(san->buf.p, stream->verify_ip_.data(), stream->verify_ip_size_) == 0) {
      match = true;
      break;
    }
  }
  if (!match) *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
  return 0;
}

void TlsStream::Feed(std::span<const std::byte> ciphertext) {
  if (incoming_read_ >= kCompactThresholdBytes) {
    incoming_.erase(0, incoming_read_);
    incoming_read_ = 0;
  }
  incoming_.append(reinterpret_cast<const char*>(ciphertext.data()), ciphertext.size());
}

base::Result<bool> TlsStream::Handshake() {
  if (handshake_done_) return true;
  if (!started_) return base::Internal("TLS handshake before Start()");
  int rc = mbedtls_ssl_handshake(ssl_.get());
  if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) return false;
  if (rc != 0) {
    context_.Forget(key_);
    HandshakeFacts facts;
    facts.rc = rc;
    facts.verify_flags = mbedtls_ssl_get_verify_result(ssl_.get());
    if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE && ssl_->in_msg != nullptr) {
      facts.alert = ssl_->in_msg[1];  // the alert's description byte (RFC 5246 §7.2)
    }
    facts.peer = key_;
    facts.verify_name = verify_name_;
    facts.trust_source = material_->trust_source();
    facts.trust_hint = material_->trust_hint();
    facts.client_cert_requested = ssl_->client_auth != 0;
    facts.client_cert_configured = material_->has_client_certificate();
    failure_outcome_ = ClassifyHandshake(facts);
    return HandshakeFailure(facts);
  }
  handshake_done_ = true;
  resumed_ = !verified_ && context_.options().verify;
  ++context_.stats().handshakes;
  if (resumed_) context_.CountResumedSession(key_);
  if (!verified_) {
    // No certificate callback (a resumed session, or verify = false): the session keeps the
    // server's certificate (MBEDTLS_SSL_KEEP_PEER_CERTIFICATE, Debian's default).
    if (const mbedtls_x509_crt* peer = mbedtls_ssl_get_peer_cert(ssl_.get())) {
      context_.ObservePeerCertificate(key_, *peer);
    }
  }
  context_.Remember(key_, ssl_.get(), client_certificate_requested());
  return true;
}

base::Status TlsStream::HandshakeCutShort() const {
  if (client_certificate_missing()) {
    return base::Unavailable(
        base::StrCat("TLS handshake with ", key_,
                     " failed: the server requires a client certificate and none is configured (it "
                     "closed the connection); set tls.cert_file and tls.key_file"));
  }
  return base::Unavailable(base::StrCat("TLS handshake with ", key_,
                                        " failed: the server closed the connection (is it "
                                        "plain http://, or does it refuse TLS 1.2?)"));
}

HandshakeOutcome TlsStream::CutShortOutcome() const {
  return client_certificate_missing() ? HandshakeOutcome::kNoClientCert : HandshakeOutcome::kOther;
}

bool TlsStream::client_certificate_requested() const {
  if (!started_) return false;
  return ssl_->client_auth != 0 || (resumed_ && offered_session_requested_certificate_);
}

bool TlsStream::client_certificate_missing() const {
  return client_certificate_requested() && !material_->has_client_certificate();
}

base::Status TlsStream::Encrypt(std::span<const std::byte> plaintext) {
  const auto* data = reinterpret_cast<const unsigned char*>(plaintext.data());
  std::size_t left = plaintext.size();
  while (left > 0) {
    int rc = mbedtls_ssl_write(ssl_.get(), data, left);
    if (rc < 0) return MbedTlsStatus(rc, base::StrCat("TLS write to ", key_));
    data += rc;
    left -= static_cast<std::size_t>(rc);
  }
  return base::Status::Ok();
}

base::Status TlsStream::Decrypt(std::string* out, bool* closed) {
  *closed = false;
  for (;;) {
    std::size_t before = out->size();
    out->resize(before + kDecryptChunkBytes);
    int rc = mbedtls_ssl_read(ssl_.get(), reinterpret_cast<unsigned char*>(out->data() + before),
                              kDecryptChunkBytes);
    out->resize(before + static_cast<std::size_t>(std::max(rc, 0)));
    if (rc > 0) continue;
    if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
      return base::Status::Ok();
    }
    if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
      *closed = true;
      return base::Status::Ok();
    }
    return MbedTlsStatus(rc, base::StrCat("TLS read from ", key_));
  }
}

}  // namespace transport
