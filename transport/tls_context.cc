#include "transport/tls_context.h"

#include <mbedtls/pk.h>
#include <sys/stat.h>

#include <utility>

#include "platforms/base/log.h"
#include "transport/tls_error.h"

namespace transport {
namespace {

constexpr std::string_view kComponent = "transport";
// Personalisation string for the DRBG seed (NIST SP 800-90A): separates skiff's stream.
constexpr std::string_view kDrbgPersonalisation = "skiff tls client";

// The file trusted when neither ca_file nor ca_dir is set.
std::string SystemCaFile(const TlsOptions& options) {
  return options.system_ca_file.empty() ? std::string(kSystemCaBundle) : options.system_ca_file;
}

// Days from 1970-01-01 to the civil date (proleptic Gregorian), after H. Hinnant's
// days_from_civil: exact for every year a certificate can carry, no time zone involved.
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146'097 + day_of_era - 719'468;
}

}  // namespace

int64_t NotAfterUnixSeconds(const mbedtls_x509_crt& certificate) {
  const mbedtls_x509_time& t = certificate.valid_to;
  constexpr int64_t kSecondsPerDay = 86'400;
  return DaysFromCivil(t.year, t.mon, t.day) * kSecondsPerDay + int64_t{t.hour} * 3'600 +
         int64_t{t.min} * 60 + t.sec;
}

// ---- TlsMaterial -----------------------------------------------------------------------

TlsMaterial::TlsMaterial(Token) {
  mbedtls_ssl_config_init(&config_);
  mbedtls_x509_crt_init(&ca_);
  mbedtls_x509_crt_init(&own_cert_);
  mbedtls_pk_init(&own_key_);
}

TlsMaterial::~TlsMaterial() {
  mbedtls_ssl_config_free(&config_);
  mbedtls_x509_crt_free(&ca_);
  mbedtls_x509_crt_free(&own_cert_);
  mbedtls_pk_free(&own_key_);
}

std::optional<int64_t> TlsMaterial::client_certificate_not_after() const {
  if (!has_client_certificate_) return std::nullopt;
  return NotAfterUnixSeconds(own_cert_);  // the first certificate of cert_file: the leaf
}

base::Result<std::unique_ptr<TlsMaterial>> TlsMaterial::Load(const TlsOptions& options,
                                                             mbedtls_ctr_drbg_context* drbg) {
  // On the heap: mbedTLS holds pointers into it, so it must not move.
  auto m = std::make_unique<TlsMaterial>(Token{});
  auto file_error = [](std::string_view key, std::string_view path, int rc) {
    return base::InvalidArgument(base::StrCat("tls.", key, " ", path, ": ", MbedTlsErrorText(rc)));
  };
  if (options.verify) {
    std::vector<std::string> sources;
    if (!options.ca_file.empty()) {
      // Positive: that many certificates of the file did not parse; the rest are in.
      int rc = mbedtls_x509_crt_parse_file(&m->ca_, options.ca_file.c_str());
      if (rc < 0) return file_error("ca_file", options.ca_file, rc);
      sources.push_back(base::StrCat("tls.ca_file ", options.ca_file));
    }
    if (!options.ca_dir.empty()) {
      int rc = mbedtls_x509_crt_parse_path(&m->ca_, options.ca_dir.c_str());
      if (rc < 0) return file_error("ca_dir", options.ca_dir, rc);
      sources.push_back(base::StrCat("tls.ca_dir ", options.ca_dir));
    }
    if (sources.empty()) {
      std::string system = SystemCaFile(options);
      int rc = mbedtls_x509_crt_parse_file(&m->ca_, system.c_str());
      if (rc < 0) {
        return base::InvalidArgument(base::StrCat("cannot read the system CA bundle ", system, ": ",
                                                  MbedTlsErrorText(rc), "; ",
                                                  options.trust_hint.empty()
                                                      ? std::string_view(kDefaultTrustHint)
                                                      : std::string_view(options.trust_hint)));
      }
      sources.push_back(base::StrCat("the system CA bundle ", system));
    }
    m->trust_hint_ = options.trust_hint;
    m->trust_source_ =
        sources.size() == 1 ? sources[0] : base::StrCat(sources[0], " or ", sources[1]);
    if (m->ca_.version == 0) {
      return base::InvalidArgument(
          base::StrCat("no usable CA certificate in ", m->trust_source_, "; expected PEM"));
    }
  } else {
    m->trust_source_ = "nothing (tls.verify = false)";
  }

  if (options.cert_file.empty() != options.key_file.empty()) {
    return base::InvalidArgument("tls.cert_file and tls.key_file go together; set both or neither");
  }
  if (!options.cert_file.empty()) {
    int rc = mbedtls_x509_crt_parse_file(&m->own_cert_, options.cert_file.c_str());
    if (rc != 0) {
      return rc < 0 ? file_error("cert_file", options.cert_file, rc)
                    : base::InvalidArgument(base::StrCat("tls.cert_file ", options.cert_file,
                                                         ": a certificate does not parse"));
    }
#if MBEDTLS_VERSION_MAJOR >= 3
    rc = mbedtls_pk_parse_keyfile(&m->own_key_, options.key_file.c_str(), nullptr,
                                  mbedtls_ctr_drbg_random, drbg);
#else
    rc = mbedtls_pk_parse_keyfile(&m->own_key_, options.key_file.c_str(), nullptr);
#endif
    if (rc != 0) return file_error("key_file", options.key_file, rc);
#if MBEDTLS_VERSION_MAJOR >= 3
    rc = mbedtls_pk_check_pair(&m->own_cert_.pk, &m->own_key_, mbedtls_ctr_drbg_random, drbg);
#else
    rc = mbedtls_pk_check_pair(&m->own_cert_.pk, &m->own_key_);
#endif
    if (rc != 0) {
      return base::InvalidArgument(base::StrCat("tls.key_file ", options.key_file,
                                                " is not the key of tls.cert_file ",
                                                options.cert_file));
    }
    m->has_client_certificate_ = true;
  }

  int rc = mbedtls_ssl_config_defaults(&m->config_, MBEDTLS_SSL_IS_CLIENT,
                                       MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
  if (rc != 0) return MbedTlsStatus(rc, "TLS configuration");
  // TLS 1.2 minimum: 1.0 and 1.1 are deprecated (RFC 8996).
  mbedtls_ssl_conf_min_version(&m->config_, MBEDTLS_SSL_MAJOR_VERSION_3,
                               MBEDTLS_SSL_MINOR_VERSION_3);
  mbedtls_ssl_conf_authmode(&m->config_,
                            options.verify ? MBEDTLS_SSL_VERIFY_REQUIRED : MBEDTLS_SSL_VERIFY_NONE);
  if (options.verify) mbedtls_ssl_conf_ca_chain(&m->config_, &m->ca_, nullptr);
  mbedtls_ssl_conf_rng(&m->config_, mbedtls_ctr_drbg_random, drbg);
  mbedtls_ssl_conf_session_tickets(&m->config_, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
  if (m->has_client_certificate_) {
    rc = mbedtls_ssl_conf_own_cert(&m->config_, &m->own_cert_, &m->own_key_);
    if (rc != 0) return MbedTlsStatus(rc, "TLS client certificate");
  }
  return m;
}

// ---- TlsContext ------------------------------------------------------------------------

struct TlsContext::Session {
  Session() { mbedtls_ssl_session_init(&session); }
  ~Session() { mbedtls_ssl_session_free(&session); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  mbedtls_ssl_session session;
  bool client_certificate_requested = false;
};

TlsContext::TlsContext(Token, TlsOptions options)
    : options_(std::move(options)),
      entropy_(std::make_unique<mbedtls_entropy_context>()),
      drbg_(std::make_unique<mbedtls_ctr_drbg_context>()) {
  mbedtls_entropy_init(entropy_.get());
  mbedtls_ctr_drbg_init(drbg_.get());
}

TlsContext::~TlsContext() {
  sessions_.clear();
  material_.reset();
  mbedtls_ctr_drbg_free(drbg_.get());
  mbedtls_entropy_free(entropy_.get());
}

base::Result<std::unique_ptr<TlsContext>> TlsContext::Create(TlsOptions options) {
  auto c = std::make_unique<TlsContext>(Token{}, std::move(options));
  int rc =
      mbedtls_ctr_drbg_seed(c->drbg_.get(), mbedtls_entropy_func, c->entropy_.get(),
                            reinterpret_cast<const unsigned char*>(kDrbgPersonalisation.data()),
                            kDrbgPersonalisation.size());
  if (rc != 0) return MbedTlsStatus(rc, "seed the TLS random generator");
  c->material_stamps_ = c->StampFiles();
  base::Result<std::unique_ptr<TlsMaterial>> material =
      TlsMaterial::Load(c->options_, c->drbg_.get());
  if (!material.has_value()) return std::move(material).error();
  c->material_ = std::move(material).value();
  c->stats_.client_certificate_not_after = c->material_->client_certificate_not_after();
  if (!c->options_.verify) {
    base::LogWarn(kComponent,
                  "TLS certificate verification is OFF (tls.verify = false): any server can "
                  "pose as Elasticsearch and read the events and credentials; use it only for "
                  "tests");
  }
  return c;
}

std::vector<TlsContext::FileStamp> TlsContext::StampFiles() const {
  std::vector<std::string> paths = {options_.ca_file, options_.ca_dir, options_.cert_file,
                                    options_.key_file};
  if (options_.verify && options_.ca_file.empty() && options_.ca_dir.empty()) {
    paths.push_back(SystemCaFile(options_));
  }
  std::vector<FileStamp> stamps;
  stamps.reserve(paths.size());
  for (const std::string& path : paths) {
    FileStamp stamp;
    struct stat st {};
    if (!path.empty() && ::stat(path.c_str(), &st) == 0) {
      stamp.device = static_cast<uint64_t>(st.st_dev);
      stamp.inode = static_cast<uint64_t>(st.st_ino);
      stamp.size = static_cast<int64_t>(st.st_size);
      stamp.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                       static_cast<int64_t>(st.st_mtim.tv_nsec);
    }
    stamps.push_back(stamp);
  }
  return stamps;
}

std::shared_ptr<const TlsMaterial> TlsContext::Material() {
  std::vector<FileStamp> stamps = StampFiles();
  if (stamps == material_stamps_ || stamps == failed_stamps_) return material_;
  base::Result<std::unique_ptr<TlsMaterial>> fresh = TlsMaterial::Load(options_, drbg_.get());
  if (!fresh.has_value()) {
    failed_stamps_ = std::move(stamps);
    ++stats_.material_reload_failures;
    base::LogWarn(kComponent,
                  base::StrCat("TLS files changed but do not load: ", fresh.error().message(),
                               "; new connections keep using the previous certificates"));
    return material_;
  }
  material_ = std::move(fresh).value();
  material_stamps_ = std::move(stamps);
  failed_stamps_.clear();
  sessions_.clear();  // sessions were authenticated with the old material
  ++stats_.material_reloads;
  stats_.client_certificate_not_after = material_->client_certificate_not_after();
  ++stats_.version;
  base::LogInfo(kComponent, "TLS files changed: new connections use the reloaded certificates");
  return material_;
}

bool TlsContext::Offer(std::string_view key, mbedtls_ssl_context* ssl) {
  auto it = sessions_.find(key);
  if (it == sessions_.end()) return false;
  // A failure only means a full handshake.
  (void)mbedtls_ssl_set_session(ssl, &it->second->session);
  return it->second->client_certificate_requested;
}

void TlsContext::Remember(std::string_view key, const mbedtls_ssl_context* ssl,
                          bool client_certificate_requested) {
  auto session = std::make_unique<Session>();
  if (mbedtls_ssl_get_session(ssl, &session->session) != 0) return;
  session->client_certificate_requested = client_certificate_requested;
  auto it = sessions_.find(key);
  if (it != sessions_.end()) {
    it->second = std::move(session);
  } else {
    sessions_.emplace(std::string(key), std::move(session));
  }
}

void TlsContext::Forget(std::string_view key) {
  auto it = sessions_.find(key);
  if (it != sessions_.end()) sessions_.erase(it);
}

TlsPeerStats& TlsContext::Peer(std::string_view key) {
  ++stats_.version;
  auto it = stats_.peers.find(key);
  if (it == stats_.peers.end()) it = stats_.peers.emplace(std::string(key), TlsPeerStats{}).first;
  return it->second;
}

void TlsContext::ObservePeerCertificate(std::string_view key, const mbedtls_x509_crt& certificate) {
  Peer(key).certificate_not_after = NotAfterUnixSeconds(certificate);
}

void TlsContext::CountResumedSession(std::string_view key) {
  ++stats_.sessions_resumed;
  ++Peer(key).sessions_resumed;
}

void TlsContext::ReportHandshake(std::string_view key, const base::Status& result,
                                 HandshakeOutcome outcome) {
  if (result.ok()) outcome = HandshakeOutcome::kOk;
  if (outcome == HandshakeOutcome::kOk && !result.ok()) outcome = HandshakeOutcome::kOther;
  ++Peer(key).handshakes[static_cast<std::size_t>(outcome)];
  auto it = failing_.find(key);
  if (result.ok()) {
    if (it == failing_.end()) return;
    base::LogInfo(kComponent, base::StrCat("TLS handshake with ", key, " succeeds again"));
    failing_.erase(it);
    return;
  }
  if (it != failing_.end() && it->second == result.message()) return;
  base::LogError(kComponent, result.message());
  failing_.insert_or_assign(std::string(key), std::string(result.message()));
}

}  // namespace transport
