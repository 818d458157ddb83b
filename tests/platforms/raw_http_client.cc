#include "tests/platforms/raw_http_client.h"

#include <cstdlib>

namespace metrics::testing {
namespace {

struct WriteOp {
  uv_write_t req{};
  std::string bytes;
};

}  // namespace

bool RunUntil(uv_loop_t* loop, const std::function<bool()>& done,
              std::chrono::milliseconds timeout) {
  // A ticking timer makes UV_RUN_ONCE return regularly even when nothing else happens.
  base::UvHandle<uv_timer_t> tick;
  uv_timer_init(loop, tick.get());
  tick.MarkInitialized();
  uv_timer_start(
      tick.get(), [](uv_timer_t*) {}, 5, 5);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done() && std::chrono::steady_clock::now() < deadline) uv_run(loop, UV_RUN_ONCE);
  return done();
}

std::string ParsedResponse::Header(std::string_view name) const {
  std::string key = "\r\n" + std::string(name) + ": ";
  std::size_t at = head.find(key);
  if (at == std::string::npos) return "";
  std::size_t start = at + key.size();
  return head.substr(start, head.find("\r\n", start) - start);
}

std::vector<ParsedResponse> ParseResponses(std::string_view bytes) {
  std::vector<ParsedResponse> out;
  while (true) {
    std::size_t end = bytes.find("\r\n\r\n");
    if (end == std::string_view::npos || !bytes.starts_with("HTTP/1.1 ")) break;
    ParsedResponse r;
    r.head = std::string(bytes.substr(0, end));
    r.status = std::atoi(r.head.c_str() + 9);
    std::size_t length = static_cast<std::size_t>(std::atoll(r.Header("Content-Length").c_str()));
    if (bytes.size() < end + 4 + length) break;
    r.body = std::string(bytes.substr(end + 4, length));
    bytes.remove_prefix(end + 4 + length);
    out.push_back(std::move(r));
  }
  return out;
}

std::unique_ptr<RawHttpClient> RawHttpClient::ConnectTcp(uv_loop_t* loop, uint16_t port) {
  std::unique_ptr<RawHttpClient> c(new RawHttpClient());
  auto& tcp = c->handle_.emplace<0>();
  uv_tcp_init(loop, tcp.get());
  tcp.MarkInitialized();
  tcp->data = c.get();
  sockaddr_in addr{};
  uv_ip4_addr("127.0.0.1", port, &addr);
  auto* req = new uv_connect_t{};  // NOLINT(cppcoreguidelines-owning-memory): freed in callback
  if (uv_tcp_connect(req, tcp.get(), reinterpret_cast<const sockaddr*>(&addr),
                     [](uv_connect_t* r, int status) {
                       std::unique_ptr<uv_connect_t> owned(r);
                       auto* self = static_cast<RawHttpClient*>(r->handle->data);
                       if (self != nullptr) self->OnConnect(status);
                     }) != 0) {
    delete req;  // NOLINT(cppcoreguidelines-owning-memory)
    c->connect_error_ = -1;
  }
  return c;
}

std::unique_ptr<RawHttpClient> RawHttpClient::ConnectUnix(uv_loop_t* loop, std::string_view path) {
  std::unique_ptr<RawHttpClient> c(new RawHttpClient());
  auto& pipe = c->handle_.emplace<1>();
  uv_pipe_init(loop, pipe.get(), 0);
  pipe.MarkInitialized();
  pipe->data = c.get();
  auto* req = new uv_connect_t{};  // NOLINT(cppcoreguidelines-owning-memory): freed in callback
  std::string path_z(path);
  uv_pipe_connect(req, pipe.get(), path_z.c_str(), [](uv_connect_t* r, int status) {
    std::unique_ptr<uv_connect_t> owned(r);
    auto* self = static_cast<RawHttpClient*>(r->handle->data);
    if (self != nullptr) self->OnConnect(status);
  });
  return c;
}

uv_stream_t* RawHttpClient::stream() {
  return std::visit([](auto& h) { return h.as_stream(); }, handle_);
}

void RawHttpClient::OnConnect(int status) {
  if (status != 0) {
    connect_error_ = status;
    closed_ = true;
    return;
  }
  connected_ = true;
  uv_read_start(
      stream(),
      [](uv_handle_t* h, std::size_t, uv_buf_t* buf) {
        auto* self = static_cast<RawHttpClient*>(h->data);
        *buf = self == nullptr ? uv_buf_init(nullptr, 0)
                               : uv_buf_init(self->read_buffer_, sizeof(self->read_buffer_));
      },
      [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
        auto* self = static_cast<RawHttpClient*>(s->data);
        if (self == nullptr) return;
        if (nread < 0) {
          self->closed_ = true;
          uv_read_stop(s);
          return;
        }
        self->received_.append(buf->base, static_cast<std::size_t>(nread));
      });
  if (!pending_.empty()) Write(std::exchange(pending_, {}));
}

void RawHttpClient::Send(std::string_view bytes) {
  if (!connected_) {
    pending_ += bytes;
    return;
  }
  Write(std::string(bytes));
}

void RawHttpClient::Write(std::string bytes) {
  auto op = std::make_unique<WriteOp>();
  op->bytes = std::move(bytes);
  op->req.data = op.get();
  uv_buf_t buf = uv_buf_init(op->bytes.data(), static_cast<unsigned int>(op->bytes.size()));
  if (uv_write(&op->req, stream(), &buf, 1, [](uv_write_t* req, int) {
        std::unique_ptr<WriteOp> owned(static_cast<WriteOp*>(req->data));
      }) == 0) {
    op.release();  // NOLINT(bugprone-unused-return-value): owned by the callback
  }
}

}  // namespace metrics::testing
