// PipeReader: reads one byte stream on the loop (a child's stdout or stderr pipe, later a
// socket connection) and frames it into lines with LineSplitter.
//
// For each read, `on_bytes` sees the raw bytes first (pass-through: `skiff exec` copies
// them to its own stdout/stderr byte for byte), then `on_line` runs once per complete
// line. At the end of the stream an unfinished last line is emitted too, with `partial`
// set. `on_end` runs once, after the last line, with OK at end of stream or the read
// error.
//
// Memory: one read buffer of `read_chunk_bytes`, reused for every read (libuv reads into
// it synchronously), plus the splitter's carry-over of at most max_line_bytes + 1; a
// longer line is truncated and flagged by the splitter, never held whole.
//
// Backpressure: Pause() stops reading (uv_read_stop), so a writer blocks once the pipe's
// kernel buffer is full; Resume() reads again. Pause() may be called from `on_line`: the
// rest of the current chunk is still delivered, nothing is dropped.
//
// Lifetime: the callbacks borrow whatever they capture for the reader's lifetime. The pipe
// handle is owned and closed by the reader.
#pragma once

#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "agent/line_splitter.h"
#include "platforms/base/status.h"
#include "platforms/base/uv_handle.h"

namespace agent {

struct PipeReaderOptions {
  // Longer lines are truncated and flagged; keeps one bad writer from growing memory.
  std::size_t max_line_bytes = 1024 * 1024;
  // One read(2); 64 KiB is what a Linux pipe holds by default.
  std::size_t read_chunk_bytes = 64 * 1024;
};

class PipeReader {
 public:
  using OnBytes = std::function<void(std::string_view bytes)>;
  // `line.text` is valid only during the call; `partial`: the stream ended inside the line.
  using OnLine = std::function<void(const LineSplitter::Line& line, bool partial)>;
  using OnEnd = std::function<void(base::Status status)>;

  PipeReader(base::UvHandle<uv_pipe_t> pipe, PipeReaderOptions options, OnBytes on_bytes,
             OnLine on_line, OnEnd on_end);
  PipeReader(const PipeReader&) = delete;
  PipeReader& operator=(const PipeReader&) = delete;
  ~PipeReader() = default;

  base::Status Start();
  void Pause();
  void Resume();
  // Stops reading and closes the pipe without waiting for its end (a grandchild kept it
  // open); an unfinished last line is emitted as partial, then `on_end` runs with
  // kCancelled.
  void Close();
  // Reads what the pipe holds right now, up to `max_bytes`, without waiting and whether
  // paused or not: the stop path, which cannot wait for the loop, takes what a stopped
  // child wrote last. At the end of the stream it finishes as a read would.
  void ReadAvailable(std::size_t max_bytes);

  bool ended() const { return ended_; }
  bool paused() const { return paused_; }
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  static void OnAlloc(uv_handle_t* handle, std::size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf);
  void Deliver(std::string_view bytes);
  void Finish(base::Status status);
  base::Status StartReading();

  base::UvHandle<uv_pipe_t> pipe_;
  const PipeReaderOptions options_;
  OnBytes on_bytes_;
  OnLine on_line_;
  OnEnd on_end_;
  LineSplitter splitter_;
  std::unique_ptr<char[]> buffer_;
  bool started_ = false;
  bool paused_ = false;
  bool reading_ = false;
  bool ended_ = false;
  uint64_t bytes_read_ = 0;
};

}  // namespace agent
