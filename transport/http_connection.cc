#include "transport/http_connection.h"

#include <cassert>
#include <cstring>
#include <span>
#include <string>
#include <utility>

#include "platforms/base/log.h"

namespace transport {
namespace {

// One read buffer per connection, reused for every read; 64 KiB is libuv's own default.
constexpr std::size_t kReadBufferBytes = 64 * 1024;
// Plaintext encrypted per write with TLS: bounds the ciphertext held besides the body.
constexpr std::size_t kTlsWriteChunkBytes = 64 * 1024;
// A proxy's answer to CONNECT is a status line and a few headers.
constexpr std::size_t kMaxTunnelResponseBytes = 16 * 1024;

std::span<const std::byte> Bytes(std::string_view text) {
  return std::as_bytes(std::span<const char>(text.data(), text.size()));
}

}  // namespace

// Each libuv request is owned by its own callback. `owner` is cleared when the connection
// dies first, and the callback then only frees the request.
struct HttpConnection::ResolveOp {
  uv_getaddrinfo_t req{};
  HttpConnection* owner = nullptr;
};
struct HttpConnection::ConnectOp {
  uv_connect_t req{};
  HttpConnection* owner = nullptr;
};
struct HttpConnection::WriteOp {
  uv_write_t req{};
  HttpConnection* owner = nullptr;
  std::string head;
  std::string body;            // the request body, alive until the write completes
  bool request_chunk = false;  // a TLS chunk of the request: the next one follows it
};

HttpConnection::HttpConnection(uv_loop_t* loop, HttpEndpoint endpoint,
                               HttpConnectionOptions options, TlsContext* tls,
                               const ProxyServer* proxy)
    : loop_(loop),
      endpoint_(std::move(endpoint)),
      key_(endpoint_.ToString()),
      options_(options),
      tls_context_(tls),
      proxy_(proxy),
      parser_(options.limits),
      read_buffer_(std::make_unique<char[]>(kReadBufferBytes)) {
  // uv_timer_init cannot fail on a live loop.
  uv_timer_init(loop_, timer_.get());
  timer_.MarkInitialized();
  timer_->data = this;
}

HttpConnection::~HttpConnection() { CloseSocket(); }

void HttpConnection::CloseSocket() {
  if (resolve_op_ != nullptr) {
    resolve_op_->owner = nullptr;
    // Fails harmlessly when the lookup already runs; the callback frees the op either way.
    uv_cancel(reinterpret_cast<uv_req_t*>(&resolve_op_->req));
    resolve_op_ = nullptr;
  }
  if (connect_op_ != nullptr) {
    connect_op_->owner = nullptr;  // completes with UV_ECANCELED once tcp_ closes
    connect_op_ = nullptr;
  }
  for (WriteOp* op : write_ops_) op->owner = nullptr;
  write_ops_.clear();
  tcp_.Reset();
  if (timer_.initialized()) uv_timer_stop(timer_.get());
}

void HttpConnection::StartTimer(std::chrono::milliseconds timeout) {
  uv_timer_start(
      timer_.get(),
      [](uv_timer_t* t) {
        if (t->data != nullptr) static_cast<HttpConnection*>(t->data)->OnTimeout();
      },
      static_cast<uint64_t>(timeout.count()), 0);
}

void HttpConnection::Exchange(HttpRequest request, Completion done) {
  assert(idle());
  request_ = std::move(request);
  done_ = std::move(done);
  parser_.Reset();
  parser_.set_expect_no_body(request_.method == "HEAD");
  if (state_ == State::kNew && endpoint_.tls && tls_context_ == nullptr) {
    last_connect_error_ = base::InvalidArgument(base::StrCat(key_, ": https without TLS settings"));
    state_ = State::kResolving;
    StartTimer(std::chrono::milliseconds(1));  // never call back inside Exchange
    return;
  }
  if (state_ == State::kNew) {
    state_ = State::kResolving;
    StartTimer(options_.connect_timeout);
    StartResolve();
  } else {
    state_ = State::kBusy;
    SendRequest();
  }
}

void HttpConnection::StartResolve() {
  auto op = std::make_unique<ResolveOp>();
  op->owner = this;
  op->req.data = op.get();
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;
  std::string port = std::to_string(connect_port());
  int rc = uv_getaddrinfo(
      loop_, &op->req,
      [](uv_getaddrinfo_t* req, int status, addrinfo* result) {
        std::unique_ptr<ResolveOp> owned(static_cast<ResolveOp*>(req->data));
        if (owned->owner == nullptr) {
          uv_freeaddrinfo(result);
          return;
        }
        owned->owner->resolve_op_ = nullptr;
        owned->owner->OnResolved(status, result);
      },
      connect_host().c_str(), port.c_str(), &hints);
  if (rc != 0) {
    // Nothing was started; report from the timer so the caller never sees a re-entrant call.
    last_connect_error_ = base::UvStatus(rc, base::StrCat("resolve ", connect_host()));
    StartTimer(std::chrono::milliseconds(1));
    return;
  }
  resolve_op_ = op.release();
}

void HttpConnection::OnResolved(int status, addrinfo* result) {
  addresses_.clear();
  for (addrinfo* ai = result; ai != nullptr; ai = ai->ai_next) {
    if (ai->ai_addr == nullptr || ai->ai_addrlen > sizeof(sockaddr_storage)) continue;
    sockaddr_storage addr{};
    std::memcpy(&addr, ai->ai_addr, ai->ai_addrlen);
    addresses_.push_back(addr);
  }
  uv_freeaddrinfo(result);
  if (status < 0 || addresses_.empty()) {
    // A name that does not resolve (yet) is a peer that is not there: retry later.
    base::Status why =
        base::UvStatus(status < 0 ? status : UV_EAI_NONAME,
                       base::StrCat("resolve ", proxy_ ? "proxy " : "", connect_host()));
    Fail(base::Unavailable(why.message()).WithContext(key_));
    return;
  }
  next_address_ = 0;
  state_ = State::kConnecting;
  ConnectNext();
}

void HttpConnection::ConnectNext() {
  while (next_address_ < addresses_.size()) {
    tcp_ = base::UvHandle<uv_tcp_t>();  // a fresh socket per attempt
    int rc = uv_tcp_init(loop_, tcp_.get());
    if (rc != 0) {
      last_connect_error_ = base::UvStatus(rc, "create socket");
      break;
    }
    tcp_.MarkInitialized();
    tcp_->data = this;
    uv_tcp_nodelay(tcp_.get(), 1);
    auto op = std::make_unique<ConnectOp>();
    op->owner = this;
    op->req.data = op.get();
    rc = uv_tcp_connect(&op->req, tcp_.get(),
                        reinterpret_cast<const sockaddr*>(&addresses_[next_address_++]),
                        [](uv_connect_t* req, int status) {
                          std::unique_ptr<ConnectOp> owned(static_cast<ConnectOp*>(req->data));
                          if (owned->owner == nullptr) return;
                          owned->owner->connect_op_ = nullptr;
                          owned->owner->OnConnected(status);
                        });
    if (rc == 0) {
      connect_op_ = op.release();
      return;
    }
    last_connect_error_ = base::UvStatus(rc, "connect");
  }
  Fail(base::Unavailable(base::StrCat(proxy_ ? "proxy " + proxy_->display + ": " : "",
                                      last_connect_error_.message()))
           .WithContext(key_));
}

void HttpConnection::OnConnected(int status) {
  if (status < 0) {
    last_connect_error_ = base::UvStatus(status, "connect");
    ConnectNext();
    return;
  }
  int rc = uv_read_start(
      tcp_.as_stream(),
      [](uv_handle_t* h, std::size_t, uv_buf_t* buf) {
        auto* self = static_cast<HttpConnection*>(h->data);
        if (self == nullptr) {
          *buf = uv_buf_init(nullptr, 0);
          return;
        }
        *buf = uv_buf_init(self->read_buffer_.get(), static_cast<unsigned int>(kReadBufferBytes));
      },
      [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
        if (s->data != nullptr) static_cast<HttpConnection*>(s->data)->OnRead(nread, buf);
      });
  if (rc != 0) {
    Fail(base::UvStatus(rc, "start reading").WithContext(key_));
    return;
  }
  if (proxy_ != nullptr && endpoint_.tls) {
    SendConnect();
  } else if (endpoint_.tls) {
    StartHandshake();
  } else {
    state_ = State::kBusy;
    SendRequest();
  }
}

void HttpConnection::SendConnect() {
  state_ = State::kTunneling;
  tunnel_response_.clear();
  std::string authority = endpoint_.HostHeader();
  std::string connect =
      base::StrCat("CONNECT ", authority, " HTTP/1.1\r\nHost: ", authority, "\r\n");
  if (!proxy_->authorization.empty()) {
    connect.append("Proxy-Authorization: ").append(proxy_->authorization).append("\r\n");
  }
  connect.append("\r\n");
  WriteRaw(std::move(connect));
}

void HttpConnection::OnTunnelBytes(std::string_view bytes) {
  tunnel_response_.append(bytes);
  std::size_t end = tunnel_response_.find("\r\n\r\n");
  if (end == std::string::npos) {
    if (tunnel_response_.size() > kMaxTunnelResponseBytes) {
      Fail(base::Unavailable(
               base::StrCat("proxy ", proxy_->display, " sent an oversized answer to CONNECT"))
               .WithContext(key_));
    }
    return;
  }
  std::string_view head(tunnel_response_.data(), end);
  std::string_view status_line = head.substr(0, head.find("\r\n"));
  // "HTTP/1.1 200 Connection established": any 2xx opens the tunnel (RFC 9110 §9.3.6).
  std::size_t space = status_line.find(' ');
  std::string_view code =
      space == std::string_view::npos ? std::string_view() : status_line.substr(space + 1, 3);
  if (!status_line.starts_with("HTTP/1.") || code.size() != 3 || code[0] != '2') {
    std::string why = base::StrCat(
        "proxy ", proxy_->display, " refused CONNECT to ", endpoint_.HostHeader(), ": ",
        space == std::string_view::npos ? std::string("malformed answer")
                                        : std::string(status_line.substr(space + 1)));
    if (code == "407") {
      why += proxy_->authorization.empty()
                 ? "; the proxy wants credentials: put them in the proxy URL"
                 : "; the proxy refused the credentials in the proxy URL";
    }
    Fail(base::Unavailable(why).WithContext(key_));
    return;
  }
  std::string rest = tunnel_response_.substr(end + 4);
  tunnel_response_ = std::string();
  if (!StartHandshake()) return;
  if (!rest.empty() && state_ == State::kHandshaking) {
    tls_->Feed(Bytes(rest));
    ContinueHandshake();
  }
}

bool HttpConnection::StartHandshake() {
  state_ = State::kHandshaking;
  tls_ = std::make_unique<TlsStream>(*tls_context_, key_, endpoint_.host);
  if (base::Status s = tls_->Start(); !s.ok()) {
    Fail(std::move(s));
    return false;
  }
  return ContinueHandshake();
}

bool HttpConnection::ContinueHandshake() {
  base::Result<bool> done = tls_->Handshake();
  WriteOutgoingTls();  // handshake records, or the alert that ends a failed handshake
  if (!done.has_value()) {
    tls_context_->ReportHandshake(key_, done.error(), tls_->failure_outcome());
    Fail(std::move(done).error());
    return false;
  }
  if (!*done) return true;  // waiting for the server's next flight
  if (!tls_->client_certificate_requested()) {
    // Nothing left to go wrong in TLS. When the server asked for a client certificate, it
    // may still refuse it with a 400 (nginx): the first response decides then.
    handshake_reported_ = true;
    tls_context_->ReportHandshake(key_, base::Status::Ok(), HandshakeOutcome::kOk);
  }
  state_ = State::kBusy;
  SendRequest();  // reports its failures from the timer, never inline
  return true;
}

void HttpConnection::WriteOutgoingTls() {
  if (tls_ == nullptr || tls_->outgoing().empty()) return;
  std::string bytes;
  bytes.swap(tls_->outgoing());
  WriteRaw(std::move(bytes));
}

HttpConnection::WriteOp* HttpConnection::WriteRaw(std::string bytes) {
  auto op = std::make_unique<WriteOp>();
  op->owner = this;
  op->req.data = op.get();
  op->head = std::move(bytes);
  uv_buf_t buf = uv_buf_init(op->head.data(), static_cast<unsigned int>(op->head.size()));
  int rc = uv_write(&op->req, tcp_.as_stream(), &buf, 1, [](uv_write_t* req, int status) {
    std::unique_ptr<WriteOp> owned(static_cast<WriteOp*>(req->data));
    if (owned->owner == nullptr) return;
    owned->owner->OnWritten(owned.get(), status);
  });
  if (rc != 0) {
    // Report from the timer: never call back inside Exchange().
    last_connect_error_ = base::UvStatus(rc, "write");
    state_ = State::kResolving;  // makes OnTimeout report last_connect_error_
    StartTimer(std::chrono::milliseconds(1));
    return nullptr;
  }
  write_ops_.push_back(op.release());
  return write_ops_.back();
}

void HttpConnection::SendRequest() {
  StartTimer(options_.request_timeout);
  auto op = std::make_unique<WriteOp>();
  op->owner = this;
  op->req.data = op.get();
  std::string& head = op->head;
  head.reserve(256);
  head.append(request_.method).append(" ");
  bool absolute_form = proxy_ != nullptr && !endpoint_.tls;
  if (absolute_form) head.append("http://").append(endpoint_.HostHeader());
  head.append(endpoint_.path_prefix).append(request_.target).append(" HTTP/1.1\r\nHost: ");
  head.append(endpoint_.HostHeader()).append("\r\n");
  if (absolute_form && !proxy_->authorization.empty()) {
    head.append("Proxy-Authorization: ").append(proxy_->authorization).append("\r\n");
  }
  for (const HttpHeader& h : request_.headers) {
    head.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  if (!request_.body.empty() || request_.method == "POST" || request_.method == "PUT") {
    head.append("Content-Length: ").append(std::to_string(request_.body.size())).append("\r\n");
  }
  head.append("\r\n");
  if (tls_ != nullptr) {
    tls_head_ = std::move(op->head);
    tls_body_ = std::move(request_.body);
    tls_written_ = 0;
    request_ = HttpRequest{};
    WriteNextTlsChunk();
    return;
  }
  op->body = std::move(request_.body);
  request_ = HttpRequest{};
  uv_buf_t bufs[2] = {
      uv_buf_init(op->head.data(), static_cast<unsigned int>(op->head.size())),
      uv_buf_init(op->body.data(), static_cast<unsigned int>(op->body.size())),
  };
  int rc = uv_write(&op->req, tcp_.as_stream(), bufs, op->body.empty() ? 1 : 2,
                    [](uv_write_t* req, int status) {
                      std::unique_ptr<WriteOp> owned(static_cast<WriteOp*>(req->data));
                      if (owned->owner == nullptr) return;
                      owned->owner->OnWritten(owned.get(), status);
                    });
  if (rc != 0) {
    // Report from the timer: Exchange() on a reused connection must not call back inline.
    last_connect_error_ = base::UvStatus(rc, "write request");
    state_ = State::kResolving;  // makes OnTimeout report last_connect_error_
    StartTimer(std::chrono::milliseconds(1));
    return;
  }
  write_ops_.push_back(op.release());
}

void HttpConnection::WriteNextTlsChunk() {
  std::size_t total = tls_head_.size() + tls_body_.size();
  if (tls_written_ >= total) {
    // All encrypted: free the body now rather than at the next request.
    tls_head_ = std::string();
    tls_body_ = std::string();
    return;
  }
  std::size_t budget = kTlsWriteChunkBytes;
  while (budget > 0 && tls_written_ < total) {
    bool in_head = tls_written_ < tls_head_.size();
    std::string_view source =
        in_head ? std::string_view(tls_head_).substr(tls_written_)
                : std::string_view(tls_body_).substr(tls_written_ - tls_head_.size());
    std::string_view piece = source.substr(0, budget);
    if (base::Status s = tls_->Encrypt(Bytes(piece)); !s.ok()) {
      Fail(std::move(s));
      return;
    }
    tls_written_ += piece.size();
    budget -= piece.size();
  }
  std::string bytes;
  bytes.swap(tls_->outgoing());
  if (WriteOp* op = WriteRaw(std::move(bytes))) op->request_chunk = true;
}

void HttpConnection::OnWritten(WriteOp* op, int status) {
  std::erase(write_ops_, op);
  bool connecting = state_ == State::kTunneling || state_ == State::kHandshaking;
  if (status < 0 && (state_ == State::kBusy || connecting)) {
    Fail(base::UvStatus(status, connecting ? "write" : "write request").WithContext(key_));
    return;
  }
  if (op->request_chunk && state_ == State::kBusy) WriteNextTlsChunk();
}

void HttpConnection::OnRead(ssize_t nread, const uv_buf_t* buf) {
  if (nread == 0) return;
  bool connecting = state_ == State::kTunneling || state_ == State::kHandshaking;
  if (connecting) {
    if (nread < 0) {
      std::string why(
          state_ == State::kTunneling
              ? base::StrCat("proxy ", proxy_->display, " closed the connection during CONNECT")
              : tls_->HandshakeCutShort().message());
      if (nread != UV_EOF) why += base::StrCat(" (", uv_strerror(static_cast<int>(nread)), ")");
      base::Status s = base::Unavailable(why);
      if (state_ == State::kHandshaking) {
        tls_context_->ReportHandshake(key_, s, tls_->CutShortOutcome());
      }
      Fail(std::move(s));
      return;
    }
    std::string_view bytes(buf->base, static_cast<std::size_t>(nread));
    if (state_ == State::kTunneling) {
      OnTunnelBytes(bytes);
    } else {
      tls_->Feed(Bytes(bytes));
      ContinueHandshake();
    }
    return;
  }
  if (state_ != State::kBusy) {
    // EOF, an error or unexpected bytes between exchanges: this connection is done.
    CloseSocket();
    state_ = State::kClosed;
    std::function<void()> on_idle_close = on_idle_close_;
    if (on_idle_close) on_idle_close();  // may destroy this
    return;
  }
  if (nread < 0) {
    if (nread != UV_EOF) {
      Fail(base::UvStatus(static_cast<int>(nread), "read response").WithContext(key_));
      return;
    }
    base::Status s = parser_.FinishAtEof();
    if (!s.ok()) {
      Fail(std::move(s).WithContext(key_));
      return;
    }
    Finish(parser_.TakeResponse());
    return;
  }
  std::string_view bytes(buf->base, static_cast<std::size_t>(nread));
  if (tls_ == nullptr) {
    OnResponseBytes(bytes);
    return;
  }
  tls_->Feed(Bytes(bytes));
  plaintext_.clear();
  bool closed = false;
  base::Status s = tls_->Decrypt(&plaintext_, &closed);
  WriteOutgoingTls();
  if (!s.ok()) {
    Fail(std::move(s));
    return;
  }
  if (!plaintext_.empty() && !OnResponseBytes(plaintext_)) return;  // `this` may be gone
  if (closed) {
    base::Status eof = parser_.FinishAtEof();
    if (!eof.ok()) {
      Fail(std::move(eof).WithContext(key_));
      return;
    }
    Finish(parser_.TakeResponse());
  }
}

bool HttpConnection::OnResponseBytes(std::string_view bytes) {
  base::Result<std::size_t> used = parser_.Feed(bytes);
  if (!used.has_value()) {
    Fail(std::move(used).error().WithContext(key_));
    return false;
  }
  if (parser_.done()) {
    // Bytes after the response answer nothing we asked: never reuse such a connection.
    if (*used < bytes.size()) state_ = State::kClosed;
    HttpResponse response = parser_.TakeResponse();
    if (response.status == 400 && tls_ != nullptr && tls_->client_certificate_requested() &&
        response.body.find("SSL certificate") != std::string::npos) {
      // nginx completes the handshake without the client certificate it requires (or with
      // one it does not accept) and answers every request 400 "No required SSL certificate
      // was sent" / "The SSL certificate error": a TLS set-up problem, not a bad request,
      // so it must not dead-letter the documents.
      base::Status s = base::Unavailable(base::StrCat(
          "TLS handshake with ", key_, " failed: ",
          tls_->client_certificate_missing()
              ? "the server requires a client certificate and none is configured; set "
                "tls.cert_file and tls.key_file"
              : "the server rejected our client certificate (answered 400: SSL certificate "
                "error); check that tls.cert_file is signed by a CA the server trusts and is "
                "still valid"));
      if (!handshake_reported_) {  // one outcome per connection
        handshake_reported_ = true;
        tls_context_->ReportHandshake(key_, s,
                                      tls_->client_certificate_missing()
                                          ? HandshakeOutcome::kNoClientCert
                                          : HandshakeOutcome::kClientCertRejected);
      }
      state_ = State::kClosed;
      Fail(std::move(s));
      return false;
    }
    if (tls_ != nullptr && !handshake_reported_) {
      handshake_reported_ = true;
      tls_context_->ReportHandshake(key_, base::Status::Ok(), HandshakeOutcome::kOk);
    }
    Finish(std::move(response));
    return false;
  }
  return true;
}

void HttpConnection::OnTimeout() {
  switch (state_) {
    case State::kTunneling:
      Fail(base::DeadlineExceeded(base::StrCat("proxy ", proxy_->display,
                                               " did not open a tunnel to ", key_, " within ",
                                               options_.connect_timeout.count(), " ms")));
      return;
    case State::kHandshaking: {
      base::Status s = base::DeadlineExceeded(
          base::StrCat("TLS handshake with ", key_, " failed: no answer within ",
                       options_.connect_timeout.count(), " ms"));
      tls_context_->ReportHandshake(key_, s, HandshakeOutcome::kOther);
      Fail(std::move(s));
      return;
    }
    case State::kResolving:
    case State::kConnecting:
      if (!last_connect_error_.ok() && resolve_op_ == nullptr && connect_op_ == nullptr) {
        Fail(base::Unavailable(last_connect_error_.message()).WithContext(key_));
      } else {
        Fail(base::DeadlineExceeded(base::StrCat("connect to ", key_, " timed out after ",
                                                 options_.connect_timeout.count(), " ms")));
      }
      return;
    case State::kBusy:
      Fail(base::DeadlineExceeded(base::StrCat("no response from ", key_, " within ",
                                               options_.request_timeout.count(), " ms")));
      return;
    default:
      return;
  }
}

void HttpConnection::Finish(base::Result<HttpResponse> result) {
  uv_timer_stop(timer_.get());
  bool reusable = result.has_value() && state_ == State::kBusy && parser_.done() &&
                  parser_.keep_alive() && write_ops_.empty();
  if (reusable) {
    state_ = State::kIdle;
  } else {
    CloseSocket();
    state_ = State::kClosed;
  }
  Completion done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(result));  // may destroy this
}

}  // namespace transport
