#include "config/socket_input_loader.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/un.h>

#include <array>
#include <charconv>

#include "platforms/base/log.h"

namespace config {
namespace {

using Outcome = TableReader::Outcome;

// Limits; defaults are in config.h.
constexpr uint64_t kMinLineBytes = 16;    // room for a small JSON object
constexpr uint64_t kMaxLineBytes = kGiB;  // one event must fit in memory several times
// Each connection holds a descriptor and up to max_line_bytes of an unfinished line.
constexpr int64_t kMaxConnections = 65'536;
constexpr uint32_t kMaxMode = 0777;
// sun_path holds the path and its terminating NUL.
constexpr std::size_t kMaxUnixPathBytes = sizeof(sockaddr_un::sun_path) - 1;
constexpr std::string_view kUnixPrefix = "unix:";

constexpr std::array<EnumName<Format>, 3> kSocketFormatNames = {{
    {"json", Format::kJson},
    {"text", Format::kText},
    {"auto", Format::kAuto},
}};

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost") return true;
  std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;  // 127.0.0.0/8
  }
  in6_addr v6{};
  return inet_pton(AF_INET6, text.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

std::string UnixPathProblem(std::string_view path) {
  if (!path.starts_with('/')) {
    return "a Unix socket path must be absolute, like \"unix:/run/skiff/ingest.sock\"";
  }
  if (path.size() > kMaxUnixPathBytes) {
    return base::StrCat("the Unix socket path is ", path.size(), " bytes; at most ",
                        kMaxUnixPathBytes, " fit in a socket address, choose a shorter one");
  }
  if (path.back() == '/') return "must name the socket file, not a directory";
  return "";
}

// "0660" (octal digits, a leading 0 optional) to permission bits.
bool ParseMode(std::string_view text, uint32_t* mode) {
  if (text.empty() || text.size() > 4) return false;
  uint32_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, 8);
  if (ec != std::errc() || end != text.data() + text.size() || value > kMaxMode) return false;
  *mode = value;
  return true;
}

}  // namespace

std::string SocketListenProblem(std::string_view listen, SocketInputConfig* input) {
  constexpr std::string_view kWhat =
      "; write a Unix socket path (\"unix:/run/skiff/ingest.sock\") or a loopback address "
      "(\"127.0.0.1:5170\")";
  if (listen.starts_with(kUnixPrefix) || listen.starts_with('/')) {
    std::string_view path =
        listen.starts_with(kUnixPrefix) ? listen.substr(kUnixPrefix.size()) : listen;
    std::string problem = UnixPathProblem(path);
    if (problem.empty()) input->unix_path = std::string(path);
    return problem;
  }
  std::size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos) {
    return base::StrCat("is neither a path nor host:port", kWhat);
  }
  std::string_view host = listen.substr(0, colon);
  std::string_view port_text = listen.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  uint32_t port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc() || end != port_text.data() + port_text.size() ||
      port == 0 || port > 65535) {
    return base::StrCat("has no valid port (1 to 65535) after the last ':'", kWhat);
  }
  if (host.empty() || !IsLoopbackHost(host)) {
    // Anyone who can connect can add events: only local programs may.
    return base::StrCat(
        "must be a loopback address (127.0.0.1, [::1] or localhost): the socket accepts "
        "events without authentication",
        kWhat);
  }
  input->tcp_host = std::string(host);
  input->tcp_port = static_cast<uint16_t>(port);
  return "";
}

void LoadSocketInputKeys(TableReader& reader, SocketInputConfig* input) {
  Outcome listen = reader.String("listen", &input->listen);
  if (listen == Outcome::kAbsent) {
    reader.Error("listen",
                 "missing; write where programs send their events, like "
                 "listen = \"unix:/run/skiff/ingest.sock\" or \"127.0.0.1:5170\"");
  } else if (listen == Outcome::kSet) {
    if (std::string problem = SocketListenProblem(input->listen, input); !problem.empty()) {
      reader.Error("listen", problem);
    }
  }
  std::string mode;
  if (reader.String("mode", &mode) == Outcome::kSet && !ParseMode(mode, &input->mode)) {
    reader.Error("mode",
                 "must be octal permission bits as a string, like mode = \"0660\" (owner and "
                 "group may send) or \"0600\" (owner only)");
  }
  reader.String("group", &input->group);
  if (!input->tcp_host.empty() && (reader.Has("mode") || reader.Has("group"))) {
    reader.Error(reader.Has("mode") ? "mode" : "group",
                 "applies to Unix sockets only; remove it, or listen on a Unix socket path");
  }
  reader.Enum("format", kSocketFormatNames, &input->format);
  reader.Size("max_line_bytes", kMinLineBytes, kMaxLineBytes, &input->max_line_bytes);
  int64_t max_connections = 0;
  if (reader.Integer("max_connections", 1, kMaxConnections, &max_connections) == Outcome::kSet) {
    input->max_connections = static_cast<uint64_t>(max_connections);
  }
}

}  // namespace config
