// TlsStream: the TLS client side of one connection, over memory buffers instead of a
// socket, so it fits libuv: HttpConnection feeds the bytes uv_read delivered with Feed(),
// drives Handshake() until it completes, then passes request bytes through Encrypt() and
// received records through Decrypt(), and writes whatever collects in outgoing() with
// uv_write. Nothing blocks; mbedTLS only ever sees the buffers (custom BIO callbacks).
//
// Verification: the server certificate must chain to the context's trusted CAs and carry
// the name checked (TlsOptions::server_name, else the URL's host) in its subjectAltName.
// For an IP address the certificate must list that address as an iPAddress entry (checked
// here: mbedTLS 2.28 compares DNS names only); no SNI is sent for addresses (RFC 6066 §3).
//
// Lifetimes: `context` must outlive the stream; the stream keeps the material it was set
// up with alive even if the context reloads. One mbedTLS context per connection.
#pragma once

#include <mbedtls/ssl.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "platforms/base/result.h"
#include "transport/tls_context.h"

namespace transport {

class TlsStream {
 public:
  // `key` is the endpoint's pool key ("https://es-1:9200"): the session-cache key and the
  // name in messages. `host` is the URL's host.
  TlsStream(TlsContext& context, std::string key, std::string_view host);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  // Sets up the mbedTLS context with the current material and offers the endpoint's last
  // session. Call once, before Handshake().
  base::Status Start();

  // Advances the handshake with the bytes fed so far. true: complete (the session is
  // remembered for resumption); false: waiting for more bytes (send outgoing() first).
  // Errors come from HandshakeFailure(): one line naming the cause.
  base::Result<bool> Handshake();

  // The connection ended before the handshake completed: the failure, with its cause as far
  // as it is known (a server that wanted a client certificate we lack just hangs up).
  base::Status HandshakeCutShort() const;
  // The outcome of the handshake for TlsContext::ReportHandshake: the classified cause
  // after Handshake() failed, or what HandshakeCutShort() names.
  HandshakeOutcome failure_outcome() const { return failure_outcome_; }
  HandshakeOutcome CutShortOutcome() const;

  // Received ciphertext; kept until Handshake() or Decrypt() consume it.
  void Feed(std::span<const std::byte> ciphertext);

  // Appends the TLS records carrying `plaintext` to outgoing(). Only after the handshake.
  base::Status Encrypt(std::span<const std::byte> plaintext);

  // Appends the plaintext of the complete records fed so far to `*out`. Sets `*closed` when
  // the server ended the TLS session (close_notify).
  base::Status Decrypt(std::string* out, bool* closed);

  // Ciphertext waiting to be written to the socket. The caller takes it (swap or clear).
  std::string& outgoing() { return outgoing_; }

  // The server asked for a client certificate during the handshake and none is
  // configured. Some servers (nginx) then complete the handshake and answer requests
  // with 400; HttpConnection uses this to name the cause.
  bool client_certificate_missing() const;
  // The server asked for a client certificate during the handshake.
  bool client_certificate_requested() const;
  // The last handshake resumed an earlier session (no certificate was exchanged).
  bool resumed() const { return resumed_; }
  const std::string& verify_name() const { return verify_name_; }

 private:
  static int SendCallback(void* self, const unsigned char* data, std::size_t size);
  static int ReceiveCallback(void* self, unsigned char* data, std::size_t size);
  static int VerifyCallback(void* self, mbedtls_x509_crt* crt, int depth, uint32_t* flags);

  TlsContext& context_;
  const std::string key_;
  std::string verify_name_;
  // IPv4 (4 bytes) or IPv6 (16) when verify_name_ is an address; size 0 otherwise.
  std::array<unsigned char, 16> verify_ip_{};
  std::size_t verify_ip_size_ = 0;
  std::shared_ptr<const TlsMaterial> material_;
  // Heap-held: mbedTLS keeps internal pointers, so the context must not move.
  std::unique_ptr<mbedtls_ssl_context> ssl_;
  bool started_ = false;
  bool handshake_done_ = false;
  bool verified_ = false;  // the certificate callback ran: a full handshake
  bool resumed_ = false;
  HandshakeOutcome failure_outcome_ = HandshakeOutcome::kOther;
  // The offered session was made with a server that asked for a client certificate.
  bool offered_session_requested_certificate_ = false;
  std::string incoming_;
  std::size_t incoming_read_ = 0;  // bytes of incoming_ already given to mbedTLS
  std::string outgoing_;
};

}  // namespace transport
