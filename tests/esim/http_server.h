// HttpServer: listens on one TCP address and serves each accepted connection on its own
// thread (HttpConnection), with a fresh RequestHandler per connection. Simple and fast
// enough for a test fixture: a handful of connections, each busy with large requests.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "platforms/base/result.h"
#include "tests/esim/interrupter.h"
#include "tests/esim/request_handler.h"

namespace esim {

class HttpServer {
 public:
  using HandlerFactory = std::function<std::unique_ptr<RequestHandler>()>;

  // `factory` is called once per accepted connection, on the accepting thread.
  explicit HttpServer(HandlerFactory factory);
  ~HttpServer();  // Stop()s
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens on host:port (port 0 picks a free one). Returns the bound port.
  base::Result<uint16_t> Listen(const std::string& host, uint16_t port);
  // Starts accepting on a background thread.
  void Start();
  // Stops accepting, ends every connection (interrupting injected delays) and joins all
  // threads. Idempotent.
  void Stop();

 private:
  struct Connection {
    int fd = -1;
    std::thread thread;
    std::atomic<bool> done{false};
  };

  void AcceptLoop();
  // Joins and closes finished connections. Requires mu_.
  void ReapFinishedLocked();

  HandlerFactory factory_;
  Interrupter interrupter_;
  int listen_fd_ = -1;
  std::thread accept_thread_;
  std::mutex mu_;
  std::list<std::unique_ptr<Connection>> connections_;  // guarded by mu_
  bool stopped_ = false;
};

}  // namespace esim
