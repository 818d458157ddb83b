#include "platforms/metrics/http_server.h"

#include <netinet/in.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <variant>

#include "platforms/base/log.h"
#include "platforms/base/uv_handle.h"
#include "platforms/metrics/http_request_parser.h"
#include "platforms/metrics/listen_address.h"
#include "platforms/metrics/unix_socket_path.h"

namespace metrics {
namespace {

constexpr std::string_view kLogComponent = "metrics";
// Pending connections the kernel may queue while the loop is busy.
constexpr int kListenBacklog = 64;
// Owner-only: the control socket can reload the agent.
constexpr mode_t kSocketMode = 0600;
constexpr std::string_view kHeadEnd = "\r\n\r\n";
// Room for the status line and headers, so a response is built with one allocation.
constexpr std::size_t kResponseHeadReserveBytes = 256;

constexpr int kNotFound = 404;
constexpr int kMethodNotAllowed = 405;
constexpr int kRequestTimeout = 408;
constexpr int kContentTooLarge = 413;
constexpr int kHeaderFieldsTooLarge = 431;

uint64_t ToMillis(std::chrono::milliseconds d) {
  return d.count() < 0 ? 0 : static_cast<uint64_t>(d.count());
}

}  // namespace

// A listening socket. `path`, `device` and `inode` identify a Unix socket file this
// server made, so Close() removes that file and never one that replaced it.
struct HttpServer::Listener {
  std::variant<base::UvHandle<uv_tcp_t>, base::UvHandle<uv_pipe_t>> handle;
  HttpServer* server = nullptr;
  std::string path;
  dev_t device = 0;
  ino_t inode = 0;

  Listener() = default;
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  Listener(Listener&&) = delete;
  Listener& operator=(Listener&&) = delete;

  uv_stream_t* Stream() {
    if (auto* tcp = std::get_if<0>(&handle)) return tcp->as_stream();
    return std::get_if<1>(&handle)->as_stream();
  }
  bool IsPipe() const { return handle.index() == 1; }

  ~Listener() {
    if (auto* tcp = std::get_if<0>(&handle)) tcp->Reset();
    if (auto* pipe = std::get_if<1>(&handle)) pipe->Reset();
    if (path.empty()) return;
    struct stat st {};
    if (::lstat(path.c_str(), &st) == 0 && st.st_dev == device && st.st_ino == inode) {
      ::unlink(path.c_str());
    }
  }
};

struct HttpServer::Connection {
  enum class State {
    kReading,    // gathering the next request
    kWriting,    // a response is being written; reading is paused
    kLingering,  // last response written and half-closed; draining input until EOF
  };

  uint64_t id = 0;
  HttpServer* server = nullptr;
  std::variant<base::UvHandle<uv_tcp_t>, base::UvHandle<uv_pipe_t>> handle;
  uv_stream_t* stream = nullptr;
  base::UvHandle<uv_timer_t> timer;
  State state = State::kReading;
  std::string input;          // bytes received and not yet served
  std::size_t scan_from = 0;  // where to resume looking for the end of the head
  HttpRequest request;        // reused, so its header vector keeps its capacity
};

// A response on its way out. Owns the bytes until libuv's callback, which also runs (with
// UV_ECANCELED, or late with 0) after the connection closed: it then finds the stream's
// data pointer cleared and touches nothing else.
struct HttpServer::WriteOp {
  uv_write_t req{};
  std::string bytes;
  bool close_after = false;
};

HttpServer::HttpServer(uv_loop_t* loop, HttpServerOptions options)
    : loop_(loop), options_(options) {}

HttpServer::~HttpServer() { Close(); }

void HttpServer::Close() {
  listeners_.clear();
  connections_.clear();
}

void HttpServer::AddRoute(std::string_view method, std::string_view path, Handler handler) {
  for (Route& route : routes_) {
    if (route.method == method && route.path == path) {
      route.handler = std::move(handler);
      return;
    }
  }
  routes_.push_back({std::string(method), std::string(path), std::move(handler)});
}

uint16_t HttpServer::tcp_port() const {
  for (const auto& listener : listeners_) {
    if (listener->IsPipe()) continue;
    sockaddr_storage addr{};
    int length = sizeof(addr);
    if (uv_tcp_getsockname(std::get<0>(listener->handle).get(), reinterpret_cast<sockaddr*>(&addr),
                           &length) != 0) {
      return 0;
    }
    if (addr.ss_family == AF_INET6) {
      return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
    }
    return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
  }
  return 0;
}

base::Status HttpServer::ListenTcp(std::string_view address) {
  const std::string context = base::StrCat("listen on ", address);
  base::Result<ListenAddress> parsed = ParseListenAddress(address);
  if (!parsed.has_value()) return parsed.error().WithContext(context);
  if (parsed->host.empty()) {
    // Every interface: "::" takes IPv4 too (dual stack); hosts without IPv6 need 0.0.0.0.
    sockaddr_in6 any6{};
    uv_ip6_addr("::", parsed->port, &any6);
    if (BindTcp(reinterpret_cast<const sockaddr*>(&any6), address).ok()) return base::Status::Ok();
    sockaddr_in any4{};
    uv_ip4_addr("0.0.0.0", parsed->port, &any4);
    return BindTcp(reinterpret_cast<const sockaddr*>(&any4), address);
  }
  // Resolved once, synchronously (a null callback): this runs at start-up, and a literal
  // address, the usual case, needs no lookup at all.
  uv_getaddrinfo_t resolve{};
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int rc = uv_getaddrinfo(loop_, &resolve, nullptr, parsed->host.c_str(), nullptr, &hints);
  if (rc != 0) return base::UvStatus(rc, base::StrCat(context, ": resolve ", parsed->host));
  base::Status status = base::Unavailable(base::StrCat(context, ": no usable address"));
  for (addrinfo* ai = resolve.addrinfo; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_family == AF_INET) {
      reinterpret_cast<sockaddr_in*>(ai->ai_addr)->sin_port = htons(parsed->port);
    } else if (ai->ai_family == AF_INET6) {
      reinterpret_cast<sockaddr_in6*>(ai->ai_addr)->sin6_port = htons(parsed->port);
    } else {
      continue;
    }
    status = BindTcp(ai->ai_addr, address);
    if (status.ok()) break;
  }
  uv_freeaddrinfo(resolve.addrinfo);
  return status;
}

base::Status HttpServer::BindTcp(const sockaddr* addr, std::string_view address) {
  auto listener = std::make_unique<Listener>();
  listener->server = this;
  auto& tcp = listener->handle.emplace<0>();
  if (int rc = uv_tcp_init(loop_, tcp.get()); rc != 0) {
    return base::UvStatus(rc, base::StrCat("listen on ", address));
  }
  tcp.MarkInitialized();
  tcp->data = listener.get();
  int rc = uv_tcp_bind(tcp.get(), addr, 0);
  // libuv may defer a bind error (EADDRINUSE) to uv_listen.
  if (rc == 0) {
    rc = uv_listen(tcp.as_stream(), kListenBacklog, [](uv_stream_t* s, int status) {
      auto* l = static_cast<Listener*>(s->data);
      if (l != nullptr && status == 0) l->server->OnConnection(*l);
    });
  }
  if (rc != 0) return base::UvStatus(rc, base::StrCat("listen on ", address));
  listeners_.push_back(std::move(listener));
  return base::Status::Ok();
}

base::Status HttpServer::ListenUnix(std::string_view path) {
  const std::string context = base::StrCat("listen on ", path);
  if (base::Status s = ClaimUnixSocketPath(path); !s.ok()) return s.WithContext(context);
  auto listener = std::make_unique<Listener>();
  listener->server = this;
  auto& pipe = listener->handle.emplace<1>();
  if (int rc = uv_pipe_init(loop_, pipe.get(), 0); rc != 0) return base::UvStatus(rc, context);
  pipe.MarkInitialized();
  pipe->data = listener.get();
  std::string path_z(path);
  if (int rc = uv_pipe_bind(pipe.get(), path_z.c_str()); rc != 0) {
    return base::UvStatus(rc, context);
  }
  // From here on the file is ours: the Listener's destructor removes it on any failure.
  struct stat st {};
  if (::lstat(path_z.c_str(), &st) != 0) return base::ErrnoStatus(errno, context);
  listener->path = path_z;
  listener->device = st.st_dev;
  listener->inode = st.st_ino;
  // Nobody can connect before listen(), so the mode is right before anyone can try.
  if (::chmod(path_z.c_str(), kSocketMode) != 0) return base::ErrnoStatus(errno, context);
  int rc = uv_listen(pipe.as_stream(), kListenBacklog, [](uv_stream_t* s, int status) {
    auto* l = static_cast<Listener*>(s->data);
    if (l != nullptr && status == 0) l->server->OnConnection(*l);
  });
  if (rc != 0) return base::UvStatus(rc, context);
  listeners_.push_back(std::move(listener));
  return base::Status::Ok();
}

void HttpServer::OnConnection(Listener& listener) {
  auto c = std::make_unique<Connection>();
  c->id = next_connection_id_++;
  c->server = this;
  int rc = 0;
  if (listener.IsPipe()) {
    auto& pipe = c->handle.emplace<1>();
    rc = uv_pipe_init(loop_, pipe.get(), 0);
    if (rc == 0) pipe.MarkInitialized();
    c->stream = pipe.as_stream();
  } else {
    auto& tcp = c->handle.emplace<0>();
    rc = uv_tcp_init(loop_, tcp.get());
    if (rc == 0) tcp.MarkInitialized();
    c->stream = tcp.as_stream();
  }
  if (rc != 0) return;
  if (uv_accept(listener.Stream(), c->stream) != 0) return;
  // Over the limit: accepted only to be closed, so the backlog does not hold it.
  if (connections_.size() >= options_.max_connections) {
    base::LogWarn(kLogComponent, "too many connections to the metrics endpoint; closing one");
    return;
  }
  if (!listener.IsPipe()) uv_tcp_nodelay(std::get<0>(c->handle).get(), 1);
  c->stream->data = c.get();
  if (uv_timer_init(loop_, c->timer.get()) != 0) return;
  c->timer.MarkInitialized();
  c->timer->data = c.get();
  rc = StartReading(*c);
  if (rc != 0) return;
  ArmTimer(*c, options_.idle_timeout);
  uint64_t id = c->id;
  connections_.emplace(id, std::move(c));
}

int HttpServer::StartReading(Connection& c) {
  return uv_read_start(
      c.stream,
      [](uv_handle_t* h, std::size_t, uv_buf_t* buf) {
        auto* conn = static_cast<Connection*>(h->data);
        *buf = conn == nullptr
                   ? uv_buf_init(nullptr, 0)
                   : uv_buf_init(conn->server->read_buffer_.data(),
                                 static_cast<unsigned int>(conn->server->read_buffer_.size()));
      },
      [](uv_stream_t* s, ssize_t nread, const uv_buf_t*) {
        auto* conn = static_cast<Connection*>(s->data);
        if (conn != nullptr) conn->server->OnRead(*conn, nread);
      });
}

void HttpServer::OnRead(Connection& c, ssize_t nread) {
  if (nread < 0) {  // EOF, or the peer went away
    Remove(c);
    return;
  }
  if (nread == 0 || c.state == Connection::State::kWriting) return;
  if (c.state == Connection::State::kLingering) return;  // drained and dropped
  if (c.input.empty()) ArmTimer(c, options_.request_timeout);
  c.input.append(read_buffer_.data(), static_cast<std::size_t>(nread));
  Process(c);
}

void HttpServer::Process(Connection& c) {
  while (c.state == Connection::State::kReading && !c.input.empty()) {
    // RFC 9112 2.2: ignore empty lines before a request line.
    std::size_t skip = 0;
    while (c.input.compare(skip, 2, "\r\n") == 0) skip += 2;
    if (skip > 0) {
      c.input.erase(0, skip);
      c.scan_from = 0;
      continue;
    }
    std::size_t head_end = c.input.find(kHeadEnd, c.scan_from);
    if (head_end == std::string::npos) {
      if (c.input.size() > options_.max_head_bytes) {
        RespondError(c, kHeaderFieldsTooLarge, "request head too large");
        return;
      }
      c.scan_from = c.input.size() < kHeadEnd.size() ? 0 : c.input.size() - kHeadEnd.size() + 1;
      return;
    }
    c.scan_from = head_end;
    std::size_t body_start = head_end + kHeadEnd.size();
    if (body_start > options_.max_head_bytes) {
      RespondError(c, kHeaderFieldsTooLarge, "request head too large");
      return;
    }
    RequestHead framing;
    HeadParseError error;
    const std::string_view input = c.input;
    if (!HttpRequestParser::ParseHead(input.substr(0, head_end), c.request, framing, error)) {
      RespondError(c, error.status, error.reason);
      return;
    }
    if (framing.content_length > options_.max_body_bytes) {
      RespondError(c, kContentTooLarge, "request body too large");
      return;
    }
    std::size_t total = body_start + framing.content_length;
    if (c.input.size() < total) return;  // the body is still coming
    c.request.body = input.substr(body_start, framing.content_length);
    c.request.over_unix_socket = std::holds_alternative<base::UvHandle<uv_pipe_t>>(c.handle);
    HttpResponse response = Dispatch(c.request);
    bool head_only = c.request.method == "HEAD";
    bool close_after = !c.request.keep_alive;
    c.input.erase(0, total);  // the request's views die here; the response owns its bytes
    c.scan_from = 0;
    // Either writing now (the next request waits for OnWritten) or removed: stop here.
    Respond(c, response, close_after, head_only);
    return;
  }
}

HttpResponse HttpServer::Dispatch(const HttpRequest& request) const {
  std::string allow;
  for (const Route& route : routes_) {
    if (route.path != request.path) continue;
    if (route.method == request.method || (route.method == "GET" && request.method == "HEAD")) {
      return route.handler(request);
    }
    if (!allow.empty()) allow += ", ";
    allow += route.method;
    if (route.method == "GET") allow += ", HEAD";
  }
  HttpResponse response;
  if (allow.empty()) {
    response.status = kNotFound;
    response.body = "not found\n";
  } else {
    response.status = kMethodNotAllowed;
    response.body = "method not allowed\n";
    response.headers.emplace_back("Allow", std::move(allow));
  }
  return response;
}

void HttpServer::Respond(Connection& c, const HttpResponse& response, bool close_after,
                         bool head_only) {
  auto op = std::make_unique<WriteOp>();
  op->close_after = close_after;
  std::string& out = op->bytes;
  out.reserve(response.body.size() + kResponseHeadReserveBytes);
  out += base::StrCat("HTTP/1.1 ", response.status, " ", HttpReasonPhrase(response.status),
                      "\r\nContent-Type: ", response.content_type,
                      "\r\nContent-Length: ", response.body.size(), "\r\n");
  if (close_after) out += "Connection: close\r\n";
  for (const auto& [name, value] : response.headers) out += base::StrCat(name, ": ", value, "\r\n");
  out += "\r\n";
  if (!head_only) out += response.body;

  op->req.data = op.get();
  uv_buf_t buf = uv_buf_init(out.data(), static_cast<unsigned int>(out.size()));
  int rc = uv_write(&op->req, c.stream, &buf, 1, [](uv_write_t* req, int status) {
    std::unique_ptr<WriteOp> owned(static_cast<WriteOp*>(req->data));
    auto* conn = static_cast<Connection*>(req->handle->data);
    if (conn != nullptr) conn->server->OnWritten(*conn, status, owned->close_after);
  });
  if (rc != 0) {
    Remove(c);
    return;
  }
  op.release();  // NOLINT(bugprone-unused-return-value): owned by the callback now
  c.state = Connection::State::kWriting;
  uv_read_stop(c.stream);
  ArmTimer(c, options_.request_timeout);  // a client that never reads its response goes
}

void HttpServer::OnWritten(Connection& c, int status, bool close_after) {
  if (status != 0) {
    Remove(c);
    return;
  }
  if (close_after) {
    StartLinger(c);
    return;
  }
  c.state = Connection::State::kReading;
  if (StartReading(c) != 0) {
    Remove(c);
    return;
  }
  ArmTimer(c, c.input.empty() ? options_.idle_timeout : options_.request_timeout);
  Process(c);  // a pipelined request may be waiting
}

void HttpServer::RespondError(Connection& c, int status, std::string_view reason) {
  HttpResponse response;
  response.status = status;
  response.body = base::StrCat(reason, "\n");
  c.input.clear();
  Respond(c, response, /*close_after=*/true, /*head_only=*/false);
}

void HttpServer::StartLinger(Connection& c) {
  c.state = Connection::State::kLingering;
  c.input.clear();
  // Owned by its callback, which runs even when the connection closes first.
  auto shutdown = std::make_unique<uv_shutdown_t>();
  if (uv_shutdown(shutdown.get(), c.stream, [](uv_shutdown_t* req, int) {
        std::unique_ptr<uv_shutdown_t> owned(req);
      }) != 0) {
    Remove(c);
    return;
  }
  shutdown.release();  // NOLINT(bugprone-unused-return-value): owned by the callback now
  if (StartReading(c) != 0) {
    Remove(c);
    return;
  }
  ArmTimer(c, options_.linger_timeout);
}

void HttpServer::ArmTimer(Connection& c, std::chrono::milliseconds timeout) {
  uv_timer_start(
      c.timer.get(),
      [](uv_timer_t* t) {
        auto* conn = static_cast<Connection*>(t->data);
        if (conn != nullptr) conn->server->OnTimer(*conn);
      },
      ToMillis(timeout), 0);
}

void HttpServer::OnTimer(Connection& c) {
  if (c.state == Connection::State::kReading && !c.input.empty()) {
    RespondError(c, kRequestTimeout, "request not completed in time");
    return;
  }
  Remove(c);  // idle, not reading its response, or done lingering
}

void HttpServer::Remove(Connection& c) {
  // Destroying the connection closes its handles; their callbacks find data cleared.
  connections_.erase(c.id);
}

}  // namespace metrics
