#include "config/tls_config_loader.h"

#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <string>

#include "config/endpoint.h"
#include "platforms/base/log.h"

namespace config {
namespace {

using Outcome = TableReader::Outcome;

enum class PathKind { kFile, kDirectory };

// Reports `key` when its path is not a readable file (or directory).
void CheckPath(TableReader& reader, std::string_view key, const std::string& path, PathKind kind,
               std::string_view what) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    reader.Error(key, base::StrCat("cannot read ", QuoteForMessage(path), ": ",
                                   std::strerror(errno), "; write the path of ", what));
    return;
  }
  bool is_dir = S_ISDIR(st.st_mode);
  if (kind == PathKind::kFile && is_dir) {
    reader.Error(key, base::StrCat(QuoteForMessage(path), " is a directory; write the path of ",
                                   what, key == "ca_file" ? " (or use ca_dir)" : ""));
    return;
  }
  if (kind == PathKind::kDirectory && !is_dir) {
    reader.Error(key, base::StrCat(QuoteForMessage(path),
                                   " is not a directory; use ca_file for a single file"));
    return;
  }
  if (::access(path.c_str(), R_OK) != 0) {
    reader.Error(key, base::StrCat("cannot read ", QuoteForMessage(path), ": ",
                                   std::strerror(errno), "; skiff's user must be able to read it"));
  }
}

void ReadPath(TableReader& reader, std::string_view key, PathKind kind, std::string_view what,
              std::string* out) {
  if (reader.String(key, out) != Outcome::kSet) return;
  if (out->empty()) {
    reader.Error(
        key, base::StrCat("must not be empty; write the path of ", what, ", or leave the key out"));
    return;
  }
  CheckPath(reader, key, *out, kind, what);
}

bool ValidPort(std::string_view text) {
  if (text.empty() || text.size() > 5) return false;
  uint32_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  return value >= 1 && value <= 65535;
}

// Why `url` is not a usable proxy URL, or empty.
std::string_view ProxyProblem(std::string_view url) {
  std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return "must be a URL like \"http://proxy.example:3128\"";
  }
  std::string scheme(url.substr(0, scheme_end));
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme == "https") {
    return "https:// proxies are not supported; write an http:// proxy URL (connections to "
           "https hosts stay TLS end to end through its CONNECT tunnel)";
  }
  if (scheme != "http") return "must start with http://, like \"http://proxy.example:3128\"";
  std::string_view rest = url.substr(scheme_end + 3);
  while (rest.ends_with('/')) rest.remove_suffix(1);
  if (rest.find_first_of("/?#") != std::string_view::npos) {
    return "must not have a path; write \"http://host:port\"";
  }
  if (std::size_t at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  std::string_view port;
  if (rest.starts_with('[')) {
    std::size_t close = rest.find(']');
    if (close == std::string_view::npos || close == 1) return "has a malformed IPv6 address";
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (!after.starts_with(':')) return "has a bad port; write \"http://host:port\"";
      port = after.substr(1);
      if (!ValidPort(port)) return "has a bad port (1-65535)";
    }
    return {};
  }
  std::size_t colon = rest.rfind(':');
  if (rest.substr(0, colon).empty()) return "has no host; write \"http://host:port\"";
  if (colon != std::string_view::npos && !ValidPort(rest.substr(colon + 1))) {
    return "has a bad port (1-65535)";
  }
  return {};
}

// The host of a normalized "scheme://host[:port][/prefix]" URL, without IPv6 brackets.
std::string_view HostOf(std::string_view url) {
  std::size_t scheme_end = url.find("://");
  std::string_view rest = scheme_end == std::string_view::npos ? url : url.substr(scheme_end + 3);
  rest = rest.substr(0, rest.find('/'));
  if (rest.starts_with('[')) return rest.substr(1, rest.find(']') - 1);
  return rest.substr(0, rest.rfind(':'));
}

}  // namespace

void LoadTlsConfig(TableReader& output, ErrorList& errors, TlsConfig* tls) {
  const toml::table* table = output.Table("tls");
  if (table == nullptr) return;
  TableReader reader(*table, output.PathOf("tls"), errors, output.PositionOf("tls"));
  ReadPath(reader, "ca_file", PathKind::kFile,
           "the PEM file of the CA that issued the Elasticsearch certificate", &tls->ca_file);
  ReadPath(reader, "ca_dir", PathKind::kDirectory, "a directory of CA certificates", &tls->ca_dir);
  ReadPath(reader, "cert_file", PathKind::kFile, "the client certificate (PEM)", &tls->cert_file);
  ReadPath(reader, "key_file", PathKind::kFile, "the client certificate's private key (PEM)",
           &tls->key_file);
  if (reader.String("server_name", &tls->server_name) == Outcome::kSet) {
    const std::string& name = tls->server_name;
    std::size_t colons = static_cast<std::size_t>(std::count(name.begin(), name.end(), ':'));
    // One colon is "host:port"; an IPv6 address has several.
    if (name.empty() || name.find_first_of(" \t/@[]") != std::string::npos || colons == 1) {
      reader.Error("server_name",
                   "must be a host name like \"es.example.com\" (no scheme, port or path)");
    }
  }
  reader.Bool("verify", &tls->verify);
  // A certificate without its key (or the reverse) cannot work: point at the one written.
  if (!tls->cert_file.empty() && !reader.Has("key_file")) {
    reader.Error("cert_file", "needs key_file, the certificate's private key");
  } else if (!tls->key_file.empty() && !reader.Has("cert_file")) {
    reader.Error("key_file", "needs cert_file, the client certificate");
  }
  reader.ReportUnknownKeys();
}

void LoadProxy(TableReader& output, Secret* proxy) {
  if (output.SecretValue("proxy", proxy) != Outcome::kSet) return;
  if (proxy->empty()) {
    output.Error("proxy",
                 "must not be empty; write \"http://host:port\", or leave the key out to use "
                 "HTTPS_PROXY / HTTP_PROXY");
    return;
  }
  std::string_view problem = ProxyProblem(proxy->value);
  if (!problem.empty()) output.Error("proxy", problem);
}

void CheckPlaintextCredentials(const toml::table& root, const Config& config, ErrorList& errors) {
  const ElasticsearchConfig& es = config.elasticsearch;
  if (config.auth.type == AuthType::kNone || es.allow_plaintext_credentials) return;
  const toml::node* hosts = root.at_path("output.elasticsearch.hosts").node();
  const toml::array* array = hosts != nullptr ? hosts->as_array() : nullptr;
  for (std::size_t i = 0; i < es.hosts.size(); ++i) {
    const std::string& url = es.hosts[i];
    if (!url.starts_with("http://") || IsLoopbackHost(HostOf(url))) continue;
    Position at{};
    if (array != nullptr && i < array->size()) {
      at = PositionOf(*array->get(i), PositionOf(*hosts, Position{}));
    }
    errors.Add(at, base::StrCat("output.elasticsearch.hosts[", i, "]"),
               base::StrCat("\"", url,
                            "\" is plain http:// to another machine, and [auth] would send "
                            "its credentials readable on the network; use https://, or set "
                            "allow_plaintext_credentials = true if the network is trusted"));
  }
}

}  // namespace config
