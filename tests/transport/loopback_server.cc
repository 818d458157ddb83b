#include "tests/transport/loopback_server.h"

#include <zlib.h>

#include <cstdlib>

namespace transport::testing {
namespace {

std::string Gunzip(std::string_view in) {
  z_stream z{};
  inflateInit2(&z, 15 + 16);
  std::string out;
  char buf[64 * 1024];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof(buf);
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof(buf) - z.avail_out);
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END ? out : std::string("<bad gzip>");
}

}  // namespace

std::string HttpResponseText(int status, std::string_view body,
                             const std::vector<HttpHeader>& headers, bool close) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " X\r\n";
  for (const HttpHeader& h : headers) out += h.name + ": " + h.value + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  if (close) out += "Connection: close\r\n";
  out += "\r\n";
  out += body;
  return out;
}

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

struct LoopbackServer::WriteOp {
  uv_write_t req{};
  std::string bytes;
  LoopbackServer* server = nullptr;
  uint64_t connection_id = 0;
  bool close_after = false;
};

LoopbackServer::LoopbackServer(uv_loop_t* loop, Handler handler)
    : loop_(loop), handler_(std::move(handler)) {
  uv_tcp_init(loop_, listener_.get());
  listener_.MarkInitialized();
  listener_->data = this;
  sockaddr_in addr{};
  uv_ip4_addr("127.0.0.1", 0, &addr);
  if (uv_tcp_bind(listener_.get(), reinterpret_cast<const sockaddr*>(&addr), 0) != 0) std::abort();
  if (uv_listen(listener_.as_stream(), 64, [](uv_stream_t* s, int status) {
        if (status == 0 && s->data != nullptr)
          static_cast<LoopbackServer*>(s->data)->OnConnection();
      }) != 0) {
    std::abort();
  }
  sockaddr_storage bound{};
  int len = sizeof(bound);
  uv_tcp_getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&bound), &len);
  port_ = ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
}

LoopbackServer::~LoopbackServer() { Close(); }

void LoopbackServer::Close() {
  listener_.Reset();
  CloseConnections();
}

void LoopbackServer::CloseConnections() { connections_.clear(); }

void LoopbackServer::OnConnection() {
  auto c = std::make_unique<Connection>();
  c->id = ++accepted_;
  c->server = this;
  uv_tcp_init(loop_, c->tcp.get());
  c->tcp.MarkInitialized();
  c->tcp->data = c.get();
  if (uv_accept(listener_.as_stream(), c->tcp.as_stream()) != 0) return;
  uv_read_start(
      c->tcp.as_stream(),
      [](uv_handle_t* h, std::size_t, uv_buf_t* buf) {
        auto* conn = static_cast<Connection*>(h->data);
        if (conn == nullptr) {
          *buf = uv_buf_init(nullptr, 0);
          return;
        }
        *buf = uv_buf_init(conn->server->read_buffer_, sizeof(conn->server->read_buffer_));
      },
      [](uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
        auto* conn = static_cast<Connection*>(s->data);
        if (conn != nullptr) conn->server->OnRead(conn, nread, buf);
      });
  connections_.push_back(std::move(c));
}

LoopbackServer::Connection* LoopbackServer::Find(uint64_t id) {
  for (auto& c : connections_) {
    if (c->id == id) return c.get();
  }
  return nullptr;
}

void LoopbackServer::Remove(uint64_t id) {
  connections_.remove_if([id](const auto& c) { return c->id == id; });
}

void LoopbackServer::OnRead(Connection* c, ssize_t nread, const uv_buf_t* buf) {
  if (nread < 0) {
    Remove(c->id);
    return;
  }
  c->buffer.append(buf->base, static_cast<std::size_t>(nread));
  ProcessRequests(c);
}

void LoopbackServer::ProcessRequests(Connection* c) {
  uint64_t id = c->id;
  while (true) {
    c = Find(id);
    if (c == nullptr) return;
    std::size_t end = c->buffer.find("\r\n\r\n");
    if (end == std::string::npos) return;
    ReceivedRequest r;
    r.connection_id = id;
    std::string_view head(c->buffer.data(), end);
    std::size_t eol = head.find("\r\n");
    std::string_view line = head.substr(0, eol);
    std::size_t sp1 = line.find(' ');
    std::size_t sp2 = line.find(' ', sp1 + 1);
    r.method = std::string(line.substr(0, sp1));
    r.target = std::string(line.substr(sp1 + 1, sp2 - sp1 - 1));
    std::size_t length = 0;
    bool gzip = false;
    while (eol != std::string_view::npos) {
      head.remove_prefix(eol + 2);
      eol = head.find("\r\n");
      std::string_view h = head.substr(0, eol);
      std::size_t colon = h.find(':');
      if (colon == std::string_view::npos) continue;
      HttpHeader header{std::string(h.substr(0, colon)), std::string(h.substr(colon + 2))};
      if (HeaderNameEquals(header.name, "Content-Length")) {
        length = std::strtoull(header.value.c_str(), nullptr, 10);
      }
      if (HeaderNameEquals(header.name, "Content-Encoding") && header.value == "gzip") gzip = true;
      r.headers.push_back(std::move(header));
    }
    if (c->buffer.size() < end + 4 + length) return;
    r.body = c->buffer.substr(end + 4, length);
    if (gzip) r.body = Gunzip(r.body);
    c->buffer.erase(0, end + 4 + length);
    requests_.push_back(r);
    Reply reply = handler_(r);
    if (reply.hang) continue;
    if (reply.bytes.empty()) {
      Remove(id);  // close without answering
      return;
    }
    Send(c, std::move(reply));
  }
}

void LoopbackServer::Send(Connection* c, Reply reply) {
  auto op = std::make_unique<WriteOp>();
  op->bytes = std::move(reply.bytes);
  op->server = this;
  op->connection_id = c->id;
  op->close_after = reply.close_after;
  op->req.data = op.get();
  uv_buf_t buf = uv_buf_init(op->bytes.data(), static_cast<unsigned int>(op->bytes.size()));
  if (uv_write(&op->req, c->tcp.as_stream(), &buf, 1, [](uv_write_t* req, int status) {
        std::unique_ptr<WriteOp> owned(static_cast<WriteOp*>(req->data));
        if (status == 0 && owned->close_after) owned->server->Remove(owned->connection_id);
      }) == 0) {
    op.release();
  }
}

}  // namespace transport::testing
