#include "transport/http_connection.h"

#include <cassert>
#include <cstring>
#include <string>
#include <utility>

#include "platforms/base/log.h"

namespace transport {
namespace {

// One read buffer per connection, reused for every read; 64 KiB is libuv's own default.
constexpr std::size_t kReadBufferBytes = 64 * 1024;

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
  std::string body;  // the request body, alive until the write completes
};

HttpConnection::HttpConnection(uv_loop_t* loop, HttpEndpoint endpoint,
                               HttpConnectionOptions options)
    : loop_(loop),
      endpoint_(std::move(endpoint)),
      key_(endpoint_.ToString()),
      options_(options),
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
  if (write_op_ != nullptr) {
    write_op_->owner = nullptr;
    write_op_ = nullptr;
  }
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
  std::string port = std::to_string(endpoint_.port);
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
      endpoint_.host.c_str(), port.c_str(), &hints);
  if (rc != 0) {
    // Nothing was started; report from the timer so the caller never sees a re-entrant call.
    last_connect_error_ = base::UvStatus(rc, base::StrCat("resolve ", endpoint_.host));
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
    base::Status why = base::UvStatus(status < 0 ? status : UV_EAI_NONAME,
                                      base::StrCat("resolve ", endpoint_.host));
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
  Fail(base::Unavailable(last_connect_error_.message()).WithContext(key_));
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
  state_ = State::kBusy;
  SendRequest();
}

void HttpConnection::SendRequest() {
  StartTimer(options_.request_timeout);
  auto op = std::make_unique<WriteOp>();
  op->owner = this;
  op->req.data = op.get();
  std::string& head = op->head;
  head.reserve(256);
  head.append(request_.method).append(" ");
  head.append(endpoint_.path_prefix).append(request_.target).append(" HTTP/1.1\r\nHost: ");
  head.append(endpoint_.HostHeader()).append("\r\n");
  for (const HttpHeader& h : request_.headers) {
    head.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  if (!request_.body.empty() || request_.method == "POST" || request_.method == "PUT") {
    head.append("Content-Length: ").append(std::to_string(request_.body.size())).append("\r\n");
  }
  head.append("\r\n");
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
                      owned->owner->write_op_ = nullptr;
                      owned->owner->OnWritten(status);
                    });
  if (rc != 0) {
    // Report from the timer: Exchange() on a reused connection must not call back inline.
    last_connect_error_ = base::UvStatus(rc, "write request");
    state_ = State::kResolving;  // makes OnTimeout report last_connect_error_
    StartTimer(std::chrono::milliseconds(1));
    return;
  }
  write_op_ = op.release();
}

void HttpConnection::OnWritten(int status) {
  if (status < 0 && state_ == State::kBusy) {
    Fail(base::UvStatus(status, "write request").WithContext(key_));
  }
}

void HttpConnection::OnRead(ssize_t nread, const uv_buf_t* buf) {
  if (nread == 0) return;
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
  base::Result<std::size_t> used = parser_.Feed(bytes);
  if (!used.has_value()) {
    Fail(std::move(used).error().WithContext(key_));
    return;
  }
  if (parser_.done()) {
    // Bytes after the response answer nothing we asked: never reuse such a connection.
    if (*used < bytes.size()) state_ = State::kClosed;
    Finish(parser_.TakeResponse());
  }
}

void HttpConnection::OnTimeout() {
  switch (state_) {
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
                  parser_.keep_alive() && write_op_ == nullptr;
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
