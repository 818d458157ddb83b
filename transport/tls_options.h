// TlsOptions: what an https connection trusts and presents, as configured under
// [output.elasticsearch.tls] (config/ fills it) or chosen by auth/ for token endpoints.
// Read by TlsContext, which loads the files and watches them for rotation.
#pragma once

#include <string>
#include <string_view>

namespace transport {

// Debian's (and most distributions') bundle of the system's trusted CAs.
constexpr std::string_view kSystemCaBundle = "/etc/ssl/certs/ca-certificates.crt";

struct TlsOptions {
  // Trust: the CAs in `ca_file` and/or the directory `ca_dir` (every PEM or DER file in
  // it); with neither, `system_ca_file`, or kSystemCaBundle when that is empty.
  std::string ca_file;
  std::string ca_dir;
  // The conventional SSL_CERT_FILE override of the system bundle, filled by the caller.
  std::string system_ca_file;
  // How a user makes this connection trust another CA, for messages; empty: "set
  // tls.ca_file to the CA that issued it" (the Elasticsearch output's key).
  std::string trust_hint;
  // Mutual TLS: the client certificate (chain, PEM) and its private key; both or neither.
  std::string cert_file;
  std::string key_file;
  // The name sent as SNI and checked against the server certificate instead of the URL's
  // host (for clusters reached by address, or through a tunnel). Empty: the URL's host.
  std::string server_name;
  // Off: any certificate is accepted. Only for tests; start-up logs a warning.
  bool verify = true;
};

}  // namespace transport
