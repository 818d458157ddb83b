// SocketInput: the `[[inputs.socket]]` input. Local programs (a task's state hook, a
// script) connect to a Unix socket or a loopback TCP port and send one event per line:
// NDJSON by default, each line's members merged into the document as for JSON file lines
// (agent/inputs/json_line_parser.h), or plain text lines.
//
// Per connection: LineSplitter frames the bytes, Utf8Sanitizer makes the text valid, and
// an EventAssembler (shared EventFormat of the input) parses it. Bad data is sent, never
// dropped: a line that is not JSON is the event's message, flagged json_parse_failed; a
// line over max_line_bytes is cut and flagged truncated (the rest of it is skipped
// without being held); an unfinished last line at the end of the connection is flagged
// partial.
//
// Document ids: each connection is its own source, keyed
// "socket/<input id>/<input start time>/<connection serial>", and an event's offset is
// the byte offset of its line in the connection. A batch resent from the ring after a
// crash keeps its ids; two events never share one.
//
// Peer fields, stored once per batch: `log.source.address` (the peer's "ip:port" on TCP,
// the socket path on a Unix socket) and, on a Unix socket, the sender's `process.pid`,
// `user.id` and `group.id` (SO_PEERCRED, taken when the connection is accepted).
//
// Backpressure, nothing dropped and nothing buffered without bound: while the event
// buffer is Full(), or a batch it refused is held, every connection stops reading
// (uv_read_stop), so the kernel's socket buffer fills and the sender's write() blocks;
// reading resumes in OnBufferSpace(). The input holds at most: one shared read chunk,
// per connection an unfinished line of up to max_line_bytes + 1, and batches of at most
// batch_bytes in all (they are appended together when their sum reaches it, or
// flush_delay after their first line). The input never writes to a connection.
//
// At Stop() the listener is closed (a Unix socket file this input made is removed),
// what was read is appended, unfinished lines as partial events, and the connections
// are closed; bytes still in the kernel's socket buffers are not read.
//
// Lifetime: borrows the loop, buffer and clock for its lifetime; runs on the loop thread.
#pragma once

#include <sys/types.h>
#include <uv.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "agent/inputs/event_assembler.h"
#include "agent/inputs/input.h"
#include "agent/line_splitter.h"
#include "agent/utf8_sanitizer.h"
#include "buffer/event_buffer.h"
#include "platforms/base/clock.h"
#include "platforms/base/uv_handle.h"

namespace agent {

struct SocketInputOptions {
  std::string id;
  // Exactly one: a Unix socket path, or a TCP host and port (port 0: any free port, for
  // tests; tcp_port() tells which).
  std::string unix_path;
  std::string tcp_host;
  uint16_t tcp_port = 0;
  // Unix socket only: permission bits of the socket file and its group (a name or a
  // number; empty: the agent's).
  uint32_t mode = 0660;
  std::string group;
  // body: kJson (the default), kText or kAuto; max_line_bytes as below.
  EventFormatOptions format;
  std::size_t max_line_bytes = 1024 * 1024;
  std::size_t max_connections = 256;
  std::string index;  // empty: the output's index
  // JSON object members every event carries, without braces (agent/shared_fields.h).
  std::string shared_fields_json;
  // The unsent events of all connections together: appended once they reach this.
  std::size_t batch_bytes = 1024 * 1024;
  // Bounds the delay a quiet sender's events wait for their batch to fill.
  std::chrono::milliseconds flush_delay{100};
  // One read(2); the buffer is shared by all connections (libuv reads synchronously).
  std::size_t read_chunk_bytes = 64 * 1024;
};

// Since Start(); for logs, tests and `skiff status`.
struct SocketInputCounters {
  uint64_t connections_accepted = 0;
  uint64_t connections_rejected = 0;  // over max_connections: closed at once, logged
  uint64_t connections_open = 0;
  uint64_t pauses = 0;  // times reading stopped because the buffer was full
};

class SocketInput final : public Input {
 public:
  SocketInput(uv_loop_t* loop, buffer::EventBuffer& buffer, const base::Clock& clock,
              SocketInputOptions options);
  SocketInput(const SocketInput&) = delete;
  SocketInput& operator=(const SocketInput&) = delete;
  ~SocketInput() override;

  // Listens. Fails when the address is taken (a live socket at unix_path: another
  // process answers there), the group is unknown, or the path cannot be bound.
  base::Status Start() override;
  void Stop() override;
  std::string_view id() const override { return options_.id; }
  std::string_view type() const override { return "socket"; }
  InputStats stats() const override;
  void OnBufferSpace() override;

  const SocketInputCounters& counters() const { return counters_; }
  // The bound TCP port (0 on a Unix socket or before Start()).
  uint16_t tcp_port() const;
  // Reading is stopped because the buffer is full.
  bool paused() const { return paused_; }
  // Bytes held for batches not yet appended, and unfinished lines of all connections.
  std::size_t held_bytes() const;

 private:
  struct Connection;
  using StreamHandle = std::variant<base::UvHandle<uv_tcp_t>, base::UvHandle<uv_pipe_t>>;

  base::Status ListenUnix();
  base::Status ListenTcp();
  static void OnConnectionCallback(uv_stream_t* server, int status);
  void Accept();
  std::string PeerFields(Connection& connection, uv_stream_t* stream) const;
  static void OnAlloc(uv_handle_t* handle, std::size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  void ReadChunk(Connection& connection, std::string_view bytes);
  void AddLine(Connection& connection, const LineSplitter::Line& line, bool partial);
  // The connection ended (EOF, error, Stop): its last line and events are sent, then it
  // is closed and forgotten.
  void EndConnection(Connection& connection, ssize_t status);
  void AppendBatch(Connection& connection);
  void FlushAll();
  void Submit(buffer::EventBatch batch);
  bool Blocked() const { return !held_.empty() || buffer_.Full(); }
  void PauseAll();
  void ResumeAll();
  base::Status StartReading(Connection& connection);
  void ArmFlushTimer();
  static void OnFlushTimer(uv_timer_t* timer);

  uv_loop_t* loop_;
  buffer::EventBuffer& buffer_;
  const base::Clock& clock_;
  const SocketInputOptions options_;
  std::unique_ptr<EventFormat> format_;
  StreamHandle listener_;
  // The socket file this input bound, identified so Stop() never removes a replacement.
  std::string bound_path_;
  dev_t bound_device_ = 0;
  ino_t bound_inode_ = 0;
  std::map<uint64_t, std::unique_ptr<Connection>> connections_;
  uint64_t next_serial_ = 0;
  // Distinguishes this run's connection serials from an earlier run's in source keys.
  int64_t start_unix_nanos_ = 0;
  std::unique_ptr<char[]> read_buffer_;
  Utf8Sanitizer sanitizer_;
  std::size_t unsent_bytes_ = 0;         // in the connections' open batches
  std::deque<buffer::EventBatch> held_;  // refused by a Full() buffer, in append order
  std::size_t held_bytes_ = 0;
  base::UvHandle<uv_timer_t> flush_timer_;
  bool timer_armed_ = false;
  bool started_ = false;
  bool stopped_ = false;
  bool paused_ = false;
  bool draining_ = false;  // inside OnBufferSpace: a nested call returns at once
  InputStats stats_;
  SocketInputCounters counters_;
};

}  // namespace agent
