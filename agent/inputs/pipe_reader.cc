#include "agent/inputs/pipe_reader.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace agent {

PipeReader::PipeReader(base::UvHandle<uv_pipe_t> pipe, PipeReaderOptions options, OnBytes on_bytes,
                       OnLine on_line, OnEnd on_end)
    : pipe_(std::move(pipe)),
      options_(options),
      on_bytes_(std::move(on_bytes)),
      on_line_(std::move(on_line)),
      on_end_(std::move(on_end)),
      splitter_(options.max_line_bytes == 0 ? 1 : options.max_line_bytes) {}

base::Status PipeReader::Start() {
  if (started_) return base::Internal("PipeReader started twice");
  if (!pipe_.initialized()) return base::InvalidArgument("PipeReader: no pipe");
  if (options_.read_chunk_bytes == 0) return base::InvalidArgument("read_chunk_bytes is 0");
  started_ = true;
  buffer_ = std::make_unique<char[]>(options_.read_chunk_bytes);
  pipe_->data = this;
  return StartReading();
}

base::Status PipeReader::StartReading() {
  if (reading_ || ended_) return base::Status::Ok();
  int rc = uv_read_start(pipe_.as_stream(), &OnAlloc, &OnRead);
  if (rc != 0) return base::UvStatus(rc, "read pipe");
  reading_ = true;
  return base::Status::Ok();
}

void PipeReader::Pause() {
  paused_ = true;
  if (reading_) {
    uv_read_stop(pipe_.as_stream());
    reading_ = false;
  }
}

void PipeReader::Resume() {
  if (!paused_) return;
  paused_ = false;
  if (!started_ || ended_) return;
  if (base::Status s = StartReading(); !s.ok()) Finish(s);
}

void PipeReader::Close() {
  if (!started_ || ended_) return;
  Finish(base::Cancelled("closed before the end of the stream"));
}

void PipeReader::OnAlloc(uv_handle_t* handle, std::size_t /*suggested*/, uv_buf_t* buf) {
  auto* self = static_cast<PipeReader*>(handle->data);
  if (self == nullptr) {
    *buf = uv_buf_init(nullptr, 0);
    return;
  }
  *buf =
      uv_buf_init(self->buffer_.get(), static_cast<unsigned int>(self->options_.read_chunk_bytes));
}

void PipeReader::OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  auto* self = static_cast<PipeReader*>(stream->data);
  if (self == nullptr || self->ended_) return;
  if (nread == UV_EOF) {
    self->Finish(base::Status::Ok());
    return;
  }
  if (nread < 0) {
    self->Finish(base::UvStatus(static_cast<int>(nread), "read pipe"));
    return;
  }
  if (nread == 0) return;  // EAGAIN
  self->Deliver(std::string_view(buf->base, static_cast<std::size_t>(nread)));
}

void PipeReader::Deliver(std::string_view bytes) {
  bytes_read_ += bytes.size();
  if (on_bytes_) on_bytes_(bytes);
  splitter_.Feed(bytes,
                 [this](const LineSplitter::Line& line) { on_line_(line, /*partial=*/false); });
}

void PipeReader::ReadAvailable(std::size_t max_bytes) {
  if (!started_ || ended_) return;
  uv_os_fd_t fd = -1;
  if (uv_fileno(pipe_.as_handle(), &fd) != 0) return;
  std::size_t taken = 0;
  while (taken < max_bytes && !ended_) {
    // poll first: the read must not block even if the descriptor were blocking.
    pollfd p{fd, POLLIN, 0};
    int ready = ::poll(&p, 1, 0);
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return;
    const std::size_t want = std::min(options_.read_chunk_bytes, max_bytes - taken);
    ssize_t n = ::read(fd, buffer_.get(), want);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0) {
      Finish(base::ErrnoStatus(errno, "read pipe"));
      return;
    }
    if (n == 0) {
      Finish(base::Status::Ok());
      return;
    }
    taken += static_cast<std::size_t>(n);
    Deliver(std::string_view(buffer_.get(), static_cast<std::size_t>(n)));
  }
}

void PipeReader::Finish(base::Status status) {
  ended_ = true;
  if (reading_) {
    uv_read_stop(pipe_.as_stream());
    reading_ = false;
  }
  // An unfinished last line comes out as one partial line (a tail being skipped, whose
  // truncated beginning was already emitted, just ends).
  splitter_.FlushPartial(
      [this](const LineSplitter::Line& line) { on_line_(line, /*partial=*/true); });
  pipe_.Reset();
  if (on_end_) on_end_(std::move(status));
}

}  // namespace agent
