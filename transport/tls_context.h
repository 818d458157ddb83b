// TlsContext: the TLS state shared by every connection of one HttpClient: the random
// generator (entropy and CTR-DRBG, seeded once), the trust and client-certificate material
// loaded from TlsOptions' files, and the last session of each endpoint for resumption.
//
// Rotation: Material() re-checks the files (device, inode, size, mtime) each time a new
// connection asks, so certificates renewed by cert-manager or Vault are used from the next
// connection on; connections already open keep the material they started with. When the
// new files do not load (a half-written key, a mismatched pair), the last good material
// stays in use and one warning is logged per change of the files.
//
// Counts (TlsStats): handshakes per endpoint by outcome, resumed sessions, and the expiry
// of the server and client certificates, read by the output's metrics.
//
// Loop thread only. The context must outlive every TlsStream made from it (HttpClient owns
// both and declares the context first).
#pragma once

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platforms/base/result.h"
#include "platforms/base/status.h"
#include "transport/tls_error.h"
#include "transport/tls_options.h"

namespace transport {

// Loaded certificates and key plus the mbedTLS configuration that points into them.
// Immutable once built; shared by the connections set up with it.
class TlsMaterial {
 public:
  // Loads the files named by `options` and builds a client configuration that draws
  // randomness from `drbg`, which must outlive the material.
  static base::Result<std::unique_ptr<TlsMaterial>> Load(const TlsOptions& options,
                                                         mbedtls_ctr_drbg_context* drbg);
  ~TlsMaterial();
  TlsMaterial(const TlsMaterial&) = delete;
  TlsMaterial& operator=(const TlsMaterial&) = delete;

  const mbedtls_ssl_config* config() const { return &config_; }
  bool has_client_certificate() const { return has_client_certificate_; }
  // The client certificate's notAfter (Unix seconds); nullopt without one.
  std::optional<int64_t> client_certificate_not_after() const;
  // "ca_file /etc/skiff/ca.pem", "the system CA bundle /etc/ssl/certs/...": for messages.
  const std::string& trust_source() const { return trust_source_; }
  // TlsOptions::trust_hint.
  const std::string& trust_hint() const { return trust_hint_; }

 private:
  // Only Load() can name it, so only Load() builds a material (the passkey idiom).
  struct Token {
    explicit Token() = default;
  };

 public:
  explicit TlsMaterial(Token);

 private:
  mbedtls_ssl_config config_;
  mbedtls_x509_crt ca_;
  mbedtls_x509_crt own_cert_;
  mbedtls_pk_context own_key_;
  bool has_client_certificate_ = false;
  std::string trust_source_;
  std::string trust_hint_;
};

// A certificate's notAfter as seconds since the Unix epoch (its fields are UTC).
int64_t NotAfterUnixSeconds(const mbedtls_x509_crt& certificate);

// What the handshakes with one endpoint came to.
struct TlsPeerStats {
  // Connections by HandshakeOutcome, each counted once when its outcome is known.
  std::array<uint64_t, kHandshakeOutcomeCount> handshakes{};
  uint64_t sessions_resumed = 0;  // completed handshakes that resumed an earlier session
  // The notAfter (Unix seconds) of the server's leaf certificate at the last handshake that
  // showed one (failed ones included: an expired certificate shows here); nullopt: none yet.
  std::optional<int64_t> certificate_not_after;
};

struct TlsStats {
  uint64_t handshakes = 0;
  uint64_t sessions_resumed = 0;
  uint64_t material_reloads = 0;          // new files loaded after a change
  uint64_t material_reload_failures = 0;  // changed files that did not load (kept the old)
  // By endpoint key ("https://es-1:9200"): only endpoints connected to, so as many as the
  // configured and discovered hosts.
  std::map<std::string, TlsPeerStats, std::less<>> peers;
  // The notAfter (Unix seconds) of the client certificate in use (mutual TLS); nullopt
  // without one. Follows reloads.
  std::optional<int64_t> client_certificate_not_after;
  // Grows with every change above: a reader copies the stats only when it moved.
  uint64_t version = 0;
};

class TlsContext {
 public:
  // Seeds the generator and loads the material; fails when the files are unusable.
  // Logs a warning when verification is off.
  static base::Result<std::unique_ptr<TlsContext>> Create(TlsOptions options);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // The material for a new connection, reloaded first if the files changed. Never null.
  // Shared because open connections keep using the material they started with after a
  // reload replaces it here.
  std::shared_ptr<const TlsMaterial> Material();

  // Session resumption, by endpoint key ("https://es-1:9200"): Offer() sets the endpoint's
  // last session on a connection about to handshake, if there is one, and returns whether
  // the server asked for a client certificate when that session was made (a resumed
  // handshake does not ask again); Remember() keeps the session of a finished handshake.
  bool Offer(std::string_view key, mbedtls_ssl_context* ssl);
  void Remember(std::string_view key, const mbedtls_ssl_context* ssl,
                bool client_certificate_requested);
  // Drops the endpoint's session (after a failed handshake, it may be the cause).
  void Forget(std::string_view key);

  // The outcome of one connection's handshake, reported once per connection: counted by
  // `outcome` (kOk when `result` is OK), and failures logged once per episode: the first
  // failure of an endpoint, and again only when the cause changes; a success after
  // failures logs one line that it recovered. (Retries happen every few seconds; the cause
  // is the news, not each attempt.)
  void ReportHandshake(std::string_view key, const base::Status& result, HandshakeOutcome outcome);
  // The server's leaf certificate seen in a handshake with `key`, valid or not.
  void ObservePeerCertificate(std::string_view key, const mbedtls_x509_crt& certificate);
  // A completed handshake with `key` resumed an earlier session.
  void CountResumedSession(std::string_view key);

  const TlsOptions& options() const { return options_; }
  TlsStats& stats() { return stats_; }
  const TlsStats& stats() const { return stats_; }

 private:
  // Identity of a file's current content, cheap to compare.
  struct FileStamp {
    uint64_t device = 0;
    uint64_t inode = 0;
    int64_t size = -1;  // -1: missing
    int64_t mtime_ns = 0;
    bool operator==(const FileStamp&) const = default;
  };
  struct Session;
  struct Token {  // only Create() can name it
    explicit Token() = default;
  };

 public:
  TlsContext(Token, TlsOptions options);

 private:
  std::vector<FileStamp> StampFiles() const;
  // The endpoint's counters, made on first use; bumps stats_.version (callers change them).
  TlsPeerStats& Peer(std::string_view key);

  const TlsOptions options_;
  // Heap-held: mbedTLS keeps pointers to them (the DRBG to the entropy, configurations to
  // the DRBG), so they must not move.
  std::unique_ptr<mbedtls_entropy_context> entropy_;
  std::unique_ptr<mbedtls_ctr_drbg_context> drbg_;
  std::shared_ptr<const TlsMaterial> material_;
  std::vector<FileStamp> material_stamps_;  // of the files material_ was loaded from
  std::vector<FileStamp> failed_stamps_;    // of files that failed to load (warned once)
  std::map<std::string, std::unique_ptr<Session>, std::less<>> sessions_;
  // Endpoints whose last handshake failed, with the message logged for it.
  std::map<std::string, std::string, std::less<>> failing_;
  TlsStats stats_;
};

}  // namespace transport
