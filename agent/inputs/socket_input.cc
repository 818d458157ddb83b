#include "agent/inputs/socket_input.h"

#include <grp.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <utility>
#include <vector>

#include "platforms/base/json_writer.h"
#include "platforms/base/log.h"
#include "platforms/metrics/unix_socket_path.h"

namespace agent {
namespace {

constexpr std::string_view kComponent = "socket";
// Connections the kernel may queue while the loop is busy.
constexpr int kListenBacklog = 128;
// What EventBatch::ByteSize() charges per event besides its texts.
constexpr std::size_t kEventOverheadBytes = 32;
// getgrnam_r's buffer; group entries with many members need more, and get it.
constexpr std::size_t kGroupBufferBytes = 16 * 1024;
constexpr std::size_t kMaxGroupBufferBytes = 1024 * 1024;

bool IsPowerOfTwo(uint64_t n) { return n != 0 && (n & (n - 1)) == 0; }

base::Result<gid_t> ResolveGroup(const std::string& group) {
  gid_t numeric = 0;
  auto [end, ec] = std::from_chars(group.data(), group.data() + group.size(), numeric);
  if (ec == std::errc() && end == group.data() + group.size()) return numeric;
  std::vector<char> scratch(kGroupBufferBytes);
  struct group entry {};
  struct group* found = nullptr;
  int rc = 0;
  while ((rc = getgrnam_r(group.c_str(), &entry, scratch.data(), scratch.size(), &found)) ==
             ERANGE &&
         scratch.size() < kMaxGroupBufferBytes) {
    scratch.resize(scratch.size() * 2);
  }
  if (rc != 0) return base::ErrnoStatus(rc, base::StrCat("look up group \"", group, "\""));
  if (found == nullptr) {
    return base::NotFound(base::StrCat("group \"", group, "\" does not exist"));
  }
  return found->gr_gid;
}

void AppendMemberName(std::string& out, std::string_view key) {
  if (!out.empty()) out += ',';
  base::AppendJsonString(out, key);
  out += ':';
}

}  // namespace

// One accepted connection: a source of its own (its own source key, line framing,
// assembly state and batch). Owned by SocketInput::connections_; its stream's data
// points here while it reads.
struct SocketInput::Connection final : EventSink {
  Connection(SocketInput& owner, uint64_t serial_number, std::size_t max_line_bytes)
      : input(owner), serial(serial_number), splitter(max_line_bytes), assembler(*owner.format_) {}

  void Emit(buffer::Event event) override {
    const std::size_t bytes = event.message.size() + event.fields_json.size() + kEventOverheadBytes;
    batch_bytes += bytes;
    input.unsent_bytes_ += bytes;
    batch.events.push_back(std::move(event));
  }

  uv_stream_t* stream() {
    if (auto* tcp = std::get_if<0>(&handle)) return tcp->as_stream();
    return std::get_if<1>(&handle)->as_stream();
  }

  SocketInput& input;
  const uint64_t serial;
  StreamHandle handle;
  LineSplitter splitter;
  EventAssembler assembler;
  std::string source_key;
  std::string shared_fields_json;
  buffer::EventBatch batch;  // events not yet appended
  std::size_t batch_bytes = 0;
  bool reading = false;
};

SocketInput::SocketInput(uv_loop_t* loop, buffer::EventBuffer& buffer, const base::Clock& clock,
                         SocketInputOptions options)
    : loop_(loop), buffer_(buffer), clock_(clock), options_(std::move(options)) {}

SocketInput::~SocketInput() { Stop(); }

base::Status SocketInput::Start() {
  if (started_) return base::Internal("socket input started twice");
  const std::string context = base::StrCat("input ", options_.id);
  if (options_.max_line_bytes == 0 || options_.read_chunk_bytes == 0 || options_.batch_bytes == 0 ||
      options_.max_connections == 0) {
    return base::InvalidArgument(base::StrCat(context,
                                              ": max_line_bytes, read_chunk_bytes, batch_bytes and "
                                              "max_connections must be positive"));
  }
  if (options_.unix_path.empty() == options_.tcp_host.empty()) {
    return base::InvalidArgument(
        base::StrCat(context, ": give exactly one of a Unix socket path and a TCP host"));
  }
  EventFormatOptions format_options = options_.format;
  format_options.max_line_bytes = options_.max_line_bytes;
  auto format = EventFormat::Create(std::move(format_options));
  if (!format.has_value()) return std::move(format).error().WithContext(context);
  format_ = std::move(format).value();
  started_ = true;
  start_unix_nanos_ = clock_.NowUnixNanos();
  read_buffer_ = std::make_unique<char[]>(options_.read_chunk_bytes);
  if (int rc = uv_timer_init(loop_, flush_timer_.get()); rc != 0) {
    return base::UvStatus(rc, base::StrCat(context, ": init timer"));
  }
  flush_timer_.MarkInitialized();
  flush_timer_->data = this;
  base::Status status = options_.unix_path.empty() ? ListenTcp() : ListenUnix();
  if (!status.ok()) return status.WithContext(context);
  base::LogInfo(kComponent, base::StrCat("input ", options_.id, ": listening on ",
                                         options_.unix_path.empty()
                                             ? base::StrCat(options_.tcp_host, ":", tcp_port())
                                             : options_.unix_path));
  return base::Status::Ok();
}

base::Status SocketInput::ListenUnix() {
  const std::string& path = options_.unix_path;
  const std::string context = base::StrCat("listen on ", path);
  gid_t gid = 0;
  if (!options_.group.empty()) {
    base::Result<gid_t> resolved = ResolveGroup(options_.group);
    if (!resolved.has_value()) return std::move(resolved).error().WithContext(context);
    gid = resolved.value();
  }
  if (base::Status s = metrics::ClaimUnixSocketPath(path); !s.ok()) return s.WithContext(context);
  auto& pipe = listener_.emplace<1>();
  if (int rc = uv_pipe_init(loop_, pipe.get(), 0); rc != 0) return base::UvStatus(rc, context);
  pipe.MarkInitialized();
  pipe->data = this;
  if (int rc = uv_pipe_bind(pipe.get(), path.c_str()); rc != 0) {
    return base::UvStatus(rc, context);
  }
  // From here on the file is ours: Stop() removes it, also after a failure below.
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return base::ErrnoStatus(errno, context);
  bound_path_ = path;
  bound_device_ = st.st_dev;
  bound_inode_ = st.st_ino;
  // Nobody can connect before listen(), so mode and group are right before anyone tries.
  if (::chmod(path.c_str(), static_cast<mode_t>(options_.mode)) != 0) {
    return base::ErrnoStatus(errno, base::StrCat(context, ": set mode"));
  }
  if (!options_.group.empty() && ::chown(path.c_str(), static_cast<uid_t>(-1), gid) != 0) {
    return base::ErrnoStatus(errno, base::StrCat(context, ": set group ", options_.group));
  }
  if (int rc = uv_listen(pipe.as_stream(), kListenBacklog, &OnConnectionCallback); rc != 0) {
    return base::UvStatus(rc, context);
  }
  return base::Status::Ok();
}

base::Status SocketInput::ListenTcp() {
  const std::string host = options_.tcp_host == "localhost" ? "127.0.0.1" : options_.tcp_host;
  const std::string context = base::StrCat("listen on ", options_.tcp_host, ":", options_.tcp_port);
  sockaddr_storage addr{};
  if (uv_ip4_addr(host.c_str(), options_.tcp_port, reinterpret_cast<sockaddr_in*>(&addr)) != 0 &&
      uv_ip6_addr(host.c_str(), options_.tcp_port, reinterpret_cast<sockaddr_in6*>(&addr)) != 0) {
    return base::InvalidArgument(base::StrCat(context, ": not an IP address"));
  }
  auto& tcp = listener_.emplace<0>();
  if (int rc = uv_tcp_init(loop_, tcp.get()); rc != 0) return base::UvStatus(rc, context);
  tcp.MarkInitialized();
  tcp->data = this;
  int rc = uv_tcp_bind(tcp.get(), reinterpret_cast<const sockaddr*>(&addr), 0);
  // libuv may defer a bind error (EADDRINUSE) to uv_listen.
  if (rc == 0) rc = uv_listen(tcp.as_stream(), kListenBacklog, &OnConnectionCallback);
  if (rc != 0) return base::UvStatus(rc, context);
  return base::Status::Ok();
}

uint16_t SocketInput::tcp_port() const {
  const auto* tcp = std::get_if<0>(&listener_);
  if (tcp == nullptr || !tcp->initialized()) return 0;
  sockaddr_storage addr{};
  int length = sizeof(addr);
  if (uv_tcp_getsockname(tcp->get(), reinterpret_cast<sockaddr*>(&addr), &length) != 0) return 0;
  if (addr.ss_family == AF_INET6) {
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
  }
  return ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
}

void SocketInput::OnConnectionCallback(uv_stream_t* server, int status) {
  auto* self = static_cast<SocketInput*>(server->data);
  if (self == nullptr || self->stopped_) return;
  if (status != 0) {
    ++self->stats_.errors;
    base::LogWarn(
        kComponent,
        base::UvStatus(status, base::StrCat("input ", self->options_.id, ": accept")).ToString());
    return;
  }
  self->Accept();
}

void SocketInput::Accept() {
  const uint64_t serial = next_serial_++;
  auto connection = std::make_unique<Connection>(*this, serial, options_.max_line_bytes);
  uv_stream_t* server = nullptr;
  int rc = 0;
  if (auto* tcp_listener = std::get_if<0>(&listener_)) {
    server = tcp_listener->as_stream();
    auto& tcp = connection->handle.emplace<0>();
    rc = uv_tcp_init(loop_, tcp.get());
    if (rc == 0) tcp.MarkInitialized();
  } else {
    server = std::get<1>(listener_).as_stream();
    auto& pipe = connection->handle.emplace<1>();
    rc = uv_pipe_init(loop_, pipe.get(), 0);
    if (rc == 0) pipe.MarkInitialized();
  }
  if (rc == 0) rc = uv_accept(server, connection->stream());
  if (rc != 0) {
    ++stats_.errors;
    base::LogWarn(kComponent,
                  base::UvStatus(rc, base::StrCat("input ", options_.id, ": accept")).ToString());
    return;
  }
  if (connections_.size() >= options_.max_connections) {
    // Accepted only to be closed (the sender sees its connection end), so the backlog
    // does not hold it. Logged at the 1st, 2nd, 4th, ... refusal: a storm stays readable.
    ++counters_.connections_rejected;
    ++stats_.errors;
    if (IsPowerOfTwo(counters_.connections_rejected)) {
      base::LogWarn(kComponent, base::StrCat("input ", options_.id, ": ", options_.max_connections,
                                             " connections open (max_connections); closed a new "
                                             "one (",
                                             counters_.connections_rejected, " refused so far)"));
    }
    return;
  }
  Connection& c = *connection;
  c.stream()->data = &c;
  c.source_key = base::StrCat("socket/", options_.id, "/", start_unix_nanos_, "/", serial);
  c.shared_fields_json = PeerFields(c, c.stream());
  if (!options_.shared_fields_json.empty()) {
    if (!c.shared_fields_json.empty()) c.shared_fields_json += ',';
    c.shared_fields_json += options_.shared_fields_json;
  }
  c.batch.source_key = c.source_key;
  c.batch.index = options_.index;
  c.batch.shared_fields_json = c.shared_fields_json;
  connections_.emplace(serial, std::move(connection));
  ++counters_.connections_accepted;
  counters_.connections_open = connections_.size();
  if (!paused_) {
    if (base::Status s = StartReading(c); !s.ok()) {
      ++stats_.errors;
      base::LogWarn(kComponent, base::StrCat("input ", options_.id, ": ", s.ToString()));
      EndConnection(c, UV_ECANCELED);
    }
  }
}

std::string SocketInput::PeerFields(Connection& connection, uv_stream_t* stream) const {
  std::string fields;
  if (auto* tcp = std::get_if<0>(&connection.handle)) {
    sockaddr_storage addr{};
    int length = sizeof(addr);
    if (uv_tcp_getpeername(tcp->get(), reinterpret_cast<sockaddr*>(&addr), &length) != 0) {
      return fields;
    }
    char ip[INET6_ADDRSTRLEN] = {};
    uint16_t port = 0;
    if (addr.ss_family == AF_INET6) {
      const auto* a6 = reinterpret_cast<const sockaddr_in6*>(&addr);
      uv_ip6_name(a6, ip, sizeof(ip));
      port = ntohs(a6->sin6_port);
    } else {
      const auto* a4 = reinterpret_cast<const sockaddr_in*>(&addr);
      uv_ip4_name(a4, ip, sizeof(ip));
      port = ntohs(a4->sin_port);
    }
    AppendMemberName(fields, "log.source.address");
    base::AppendJsonString(fields, addr.ss_family == AF_INET6 ? base::StrCat("[", ip, "]:", port)
                                                              : base::StrCat(ip, ":", port));
    return fields;
  }
  AppendMemberName(fields, "log.source.address");
  base::AppendJsonString(fields, options_.unix_path);
  uv_os_fd_t fd = -1;
  ucred cred{};
  socklen_t length = sizeof(cred);
  if (uv_fileno(reinterpret_cast<uv_handle_t*>(stream), &fd) == 0 &&
      ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &length) == 0 && cred.pid > 0) {
    AppendMemberName(fields, "process.pid");
    fields += std::to_string(cred.pid);
    // ECS keeps ids as keywords.
    AppendMemberName(fields, "user.id");
    base::AppendJsonString(fields, std::to_string(cred.uid));
    AppendMemberName(fields, "group.id");
    base::AppendJsonString(fields, std::to_string(cred.gid));
  }
  return fields;
}

base::Status SocketInput::StartReading(Connection& connection) {
  if (connection.reading) return base::Status::Ok();
  if (int rc = uv_read_start(connection.stream(), &OnAlloc, &OnRead); rc != 0) {
    return base::UvStatus(rc, "read socket");
  }
  connection.reading = true;
  return base::Status::Ok();
}

void SocketInput::OnAlloc(uv_handle_t* handle, std::size_t /*suggested*/, uv_buf_t* buf) {
  auto* connection = static_cast<Connection*>(handle->data);
  if (connection == nullptr) {
    *buf = uv_buf_init(nullptr, 0);
    return;
  }
  SocketInput& self = connection->input;
  *buf = uv_buf_init(self.read_buffer_.get(),
                     static_cast<unsigned int>(self.options_.read_chunk_bytes));
}

void SocketInput::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* connection = static_cast<Connection*>(stream->data);
  if (connection == nullptr) return;
  SocketInput& self = connection->input;
  if (nread < 0) {
    self.EndConnection(*connection, nread);  // destroys the connection
    return;
  }
  if (nread == 0) return;  // EAGAIN
  self.ReadChunk(*connection, std::string_view(buf->base, static_cast<std::size_t>(nread)));
}

void SocketInput::ReadChunk(Connection& connection, std::string_view bytes) {
  stats_.bytes += bytes.size();
  connection.splitter.Feed(bytes, [this, &connection](const LineSplitter::Line& line) {
    AddLine(connection, line, /*partial=*/false);
  });
  if (unsent_bytes_ >= options_.batch_bytes) {
    FlushAll();
  } else if (unsent_bytes_ > 0) {
    ArmFlushTimer();
  }
  // The ring turns Full() also when it writes a frame later, so look after every chunk.
  if (Blocked()) PauseAll();
}

void SocketInput::AddLine(Connection& connection, const LineSplitter::Line& line, bool partial) {
  // An empty line carries nothing (NDJSON senders often end with a blank line).
  if (line.text.empty() && !line.truncated) return;
  Utf8Sanitizer::Output text = sanitizer_.Sanitize(line.text);
  SourceLine source;
  source.text = text.text;
  source.offset = line.offset;
  source.time_unix_nanos = clock_.NowUnixNanos();
  if (text.replaced) source.flags |= buffer::kFlagInvalidUtf8;
  if (line.truncated) {
    source.flags |= buffer::kFlagTruncated;
    ++stats_.truncated_lines;
  }
  if (partial) {
    source.flags |= buffer::kFlagPartial;
    ++stats_.partial_lines;
  }
  connection.assembler.Add(source, clock_.Now(), connection);
}

void SocketInput::EndConnection(Connection& connection, ssize_t status) {
  if (status != UV_EOF && status != UV_ECONNRESET && status != UV_ECANCELED) {
    ++stats_.errors;
    base::LogWarn(kComponent,
                  base::StrCat("input ", options_.id, ": connection ", connection.serial, ": ",
                               base::UvStatus(static_cast<int>(status), "read").ToString()));
  }
  connection.splitter.FlushPartial([this, &connection](const LineSplitter::Line& line) {
    AddLine(connection, line, /*partial=*/true);
  });
  connection.assembler.FlushAll(connection);
  AppendBatch(connection);
  connections_.erase(connection.serial);  // closes the stream; `connection` is gone
  counters_.connections_open = connections_.size();
  if (Blocked()) PauseAll();
}

void SocketInput::AppendBatch(Connection& connection) {
  if (connection.batch.events.empty()) return;
  unsent_bytes_ -= connection.batch_bytes;
  buffer::EventBatch batch = std::move(connection.batch);
  connection.batch = buffer::EventBatch{};
  connection.batch.source_key = connection.source_key;
  connection.batch.index = options_.index;
  connection.batch.shared_fields_json = connection.shared_fields_json;
  connection.batch_bytes = 0;
  Submit(std::move(batch));
}

void SocketInput::FlushAll() {
  for (auto& [serial, connection] : connections_) AppendBatch(*connection);
}

void SocketInput::Submit(buffer::EventBatch batch) {
  // The buffer refuses a batch only while Full(), and a refused batch is gone (Append
  // takes it by value): keep it here instead, behind any already held. Reading stops
  // meanwhile, so what is held stays within batch_bytes plus one chunk per connection.
  if (!held_.empty() || buffer_.Full()) {
    held_bytes_ += batch.ByteSize();
    held_.push_back(std::move(batch));
    return;
  }
  const std::size_t events = batch.events.size();
  base::Status status = buffer_.Append(std::move(batch), nullptr);
  if (!status.ok()) {
    // Not backpressure (handled above): a batch that can never fit. Counted and logged.
    ++stats_.errors;
    base::LogError(kComponent, base::StrCat("input ", options_.id, ": ", events,
                                            " events could not be buffered: ", status.ToString()));
    return;
  }
  stats_.events += events;
}

void SocketInput::PauseAll() {
  if (paused_ || stopped_) return;
  paused_ = true;
  ++counters_.pauses;
  for (auto& [serial, connection] : connections_) {
    if (connection->reading) {
      uv_read_stop(connection->stream());
      connection->reading = false;
    }
  }
}

void SocketInput::ResumeAll() {
  if (!paused_ || stopped_) return;
  paused_ = false;
  std::vector<Connection*> failed;
  for (auto& [serial, connection] : connections_) {
    if (base::Status s = StartReading(*connection); !s.ok()) {
      ++stats_.errors;
      base::LogWarn(kComponent, base::StrCat("input ", options_.id, ": ", s.ToString()));
      failed.push_back(connection.get());
    }
  }
  for (Connection* connection : failed) EndConnection(*connection, UV_ECANCELED);
}

void SocketInput::OnBufferSpace() {
  if (!started_ || stopped_ || draining_) return;
  draining_ = true;
  while (!held_.empty() && !buffer_.Full()) {
    buffer::EventBatch batch = std::move(held_.front());
    held_.pop_front();
    held_bytes_ -= batch.ByteSize();
    const std::size_t events = batch.events.size();
    base::Status status = buffer_.Append(std::move(batch), nullptr);
    if (!status.ok()) {
      ++stats_.errors;
      base::LogError(kComponent,
                     base::StrCat("input ", options_.id, ": ", events,
                                  " events could not be buffered: ", status.ToString()));
      continue;
    }
    stats_.events += events;
  }
  draining_ = false;
  if (!Blocked()) ResumeAll();
}

void SocketInput::ArmFlushTimer() {
  if (timer_armed_ || stopped_ || !flush_timer_.initialized()) return;
  int rc = uv_timer_start(flush_timer_.get(), &OnFlushTimer,
                          static_cast<uint64_t>(options_.flush_delay.count()), 0);
  if (rc != 0) {
    // The next full batch, the connection's end or Stop() still appends these events.
    base::LogWarn(kComponent, base::UvStatus(rc, "start flush timer").ToString());
    return;
  }
  timer_armed_ = true;
}

void SocketInput::OnFlushTimer(uv_timer_t* timer) {
  auto* self = static_cast<SocketInput*>(timer->data);
  if (self == nullptr) return;
  self->timer_armed_ = false;
  self->FlushAll();
  if (self->Blocked()) self->PauseAll();
}

std::size_t SocketInput::held_bytes() const {
  std::size_t bytes = held_bytes_ + unsent_bytes_;
  for (const auto& [serial, connection] : connections_) {
    bytes += connection->splitter.pending_bytes();
  }
  return bytes;
}

InputStats SocketInput::stats() const {
  InputStats stats = stats_;
  if (format_) {
    stats.json_failures = format_->counters().json_failures;
    stats.timestamp_failures = format_->counters().timestamp_failures;
  }
  return stats;
}

void SocketInput::Stop() {
  if (!started_ || stopped_) return;
  // Listener first: nobody new connects while the rest winds down.
  if (auto* tcp = std::get_if<0>(&listener_)) tcp->Reset();
  if (auto* pipe = std::get_if<1>(&listener_)) pipe->Reset();
  if (!bound_path_.empty()) {
    struct stat st {};
    if (::lstat(bound_path_.c_str(), &st) == 0 && st.st_dev == bound_device_ &&
        st.st_ino == bound_inode_) {
      ::unlink(bound_path_.c_str());
    }
    bound_path_.clear();
  }
  flush_timer_.Reset();
  timer_armed_ = false;
  while (!connections_.empty()) EndConnection(*connections_.begin()->second, UV_ECANCELED);
  stopped_ = true;
  // Held batches get one more try; a buffer still Full() refuses them, and that loss is
  // counted and logged (senders cannot resend: the socket has no acknowledgements).
  std::size_t lost = 0;
  while (!held_.empty()) {
    buffer::EventBatch batch = std::move(held_.front());
    held_.pop_front();
    const std::size_t events = batch.events.size();
    if (buffer_.Append(std::move(batch), nullptr).ok()) {
      stats_.events += events;
    } else {
      lost += events;
    }
  }
  held_bytes_ = 0;
  if (lost > 0) {
    ++stats_.errors;
    base::LogError(kComponent, base::StrCat("input ", options_.id, ": ", lost,
                                            " events read before the stop could not be buffered "
                                            "(the buffer was full)"));
  }
  counters_.connections_open = 0;
}

}  // namespace agent
