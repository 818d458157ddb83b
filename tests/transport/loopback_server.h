// LoopbackServer: a scripted HTTP/1.1 server on 127.0.0.1 (port 0) running on the test's
// own libuv loop, for the transport tests. Each complete request goes to a handler that
// says what to send back: a response (raw bytes, so tests can send garbage), whether to
// close afterwards, or to hang or to close without answering. gzip request bodies are
// decoded before the handler sees them.
//
// Also RunUntil(): runs a loop until a condition holds, bounded in time.
#pragma once

#include <uv.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "platforms/base/uv_handle.h"
#include "transport/http_response.h"

namespace transport::testing {

struct ReceivedRequest {
  std::string method;
  std::string target;
  std::vector<HttpHeader> headers;
  std::string body;  // decoded when the request was gzip
  uint64_t connection_id = 0;
};

struct Reply {
  std::string bytes;         // sent as is
  bool close_after = false;  // close the connection once written
  bool hang = false;         // send nothing, keep the connection open
};

// A well-formed response with Content-Length.
std::string HttpResponseText(int status, std::string_view body,
                             const std::vector<HttpHeader>& headers = {}, bool close = false);

// Runs `loop` until `done()` or `timeout`; returns done().
bool RunUntil(uv_loop_t* loop, const std::function<bool()>& done,
              std::chrono::milliseconds timeout = std::chrono::milliseconds(10'000));

class LoopbackServer {
 public:
  using Handler = std::function<Reply(const ReceivedRequest&)>;

  // `loop` must outlive the server.
  LoopbackServer(uv_loop_t* loop, Handler handler);
  ~LoopbackServer();
  LoopbackServer(const LoopbackServer&) = delete;
  LoopbackServer& operator=(const LoopbackServer&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void set_handler(Handler handler) { handler_ = std::move(handler); }
  // Closes the listener and every connection.
  void Close();
  // Closes the server side of every idle or open connection now.
  void CloseConnections();

  uint64_t connections_accepted() const { return accepted_; }
  std::size_t open_connections() const { return connections_.size(); }
  const std::vector<ReceivedRequest>& requests() const { return requests_; }

 private:
  struct Connection {
    base::UvHandle<uv_tcp_t> tcp;
    std::string buffer;
    uint64_t id = 0;
    LoopbackServer* server = nullptr;
  };
  struct WriteOp;

  void OnConnection();
  void OnRead(Connection* c, ssize_t nread, const uv_buf_t* buf);
  void ProcessRequests(Connection* c);
  void Send(Connection* c, Reply reply);
  void Remove(uint64_t id);
  Connection* Find(uint64_t id);

  uv_loop_t* loop_;
  Handler handler_;
  base::UvHandle<uv_tcp_t> listener_;
  int port_ = 0;
  uint64_t accepted_ = 0;
  std::list<std::unique_ptr<Connection>> connections_;
  std::vector<ReceivedRequest> requests_;
  char read_buffer_[64 * 1024];
};

}  // namespace transport::testing
