#include "tests/esim/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "platforms/base/log.h"
#include "tests/esim/http_connection.h"

namespace esim {

HttpServer::HttpServer(HandlerFactory factory) : factory_(std::move(factory)) {}

HttpServer::~HttpServer() { Stop(); }

base::Result<uint16_t> HttpServer::Listen(const std::string& host, uint16_t port) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    return base::InvalidArgument(base::StrCat("not an IPv4 address: ", host));
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return base::ErrnoStatus(errno, "socket");
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    ::close(fd);
    return base::ErrnoStatus(err, base::StrCat("bind ", host, ":", port));
  }
  if (::listen(fd, 128) != 0) {
    int err = errno;
    ::close(fd);
    return base::ErrnoStatus(err, "listen");
  }
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  listen_fd_ = fd;
  return static_cast<uint16_t>(ntohs(addr.sin_port));
}

void HttpServer::Start() {
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

void HttpServer::AcceptLoop() {
  while (!interrupter_.interrupted()) {
    int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (interrupter_.interrupted()) return;
      if (errno == EMFILE || errno == ENFILE) {
        // Out of descriptors: back off instead of spinning; finished connections free some.
        std::lock_guard<std::mutex> lock(mu_);
        ReapFinishedLocked();
        interrupter_.SleepFor(std::chrono::milliseconds(50));
        continue;
      }
      base::LogError("esim", base::StrCat("accept failed: errno ", errno));
      return;
    }
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

    std::lock_guard<std::mutex> lock(mu_);
    ReapFinishedLocked();
    if (stopped_) {
      ::close(fd);
      return;
    }
    auto connection = std::make_unique<Connection>();
    Connection* raw = connection.get();
    raw->fd = fd;
    std::unique_ptr<RequestHandler> handler = factory_();
    // The handler lives on the connection's thread; the Connection record outlives the
    // thread (joined before it is erased).
    raw->thread = std::thread([this, raw, handler = std::move(handler)] {
      HttpConnection(raw->fd, *handler, interrupter_).Run();
      raw->done.store(true, std::memory_order_release);
    });
    connections_.push_back(std::move(connection));
  }
}

void HttpServer::ReapFinishedLocked() {
  for (auto it = connections_.begin(); it != connections_.end();) {
    if ((*it)->done.load(std::memory_order_acquire)) {
      (*it)->thread.join();
      ::close((*it)->fd);
      it = connections_.erase(it);
    } else {
      ++it;
    }
  }
}

void HttpServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    stopped_ = true;
  }
  interrupter_.Interrupt();
  if (listen_fd_ >= 0) ::shutdown(listen_fd_, SHUT_RDWR);
  if (accept_thread_.joinable()) accept_thread_.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
  std::list<std::unique_ptr<Connection>> connections;
  {
    std::lock_guard<std::mutex> lock(mu_);
    connections.swap(connections_);
  }
  for (auto& connection : connections) ::shutdown(connection->fd, SHUT_RDWR);
  for (auto& connection : connections) {
    connection->thread.join();
    ::close(connection->fd);
  }
}

}  // namespace esim
