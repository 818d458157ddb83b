// DeadLetterWriter: keeps the documents Elasticsearch rejected for good (mapping errors,
// a missing index, a forbidden index, a request that can never succeed), so rejection is a
// counted, inspectable outcome instead of loss (DESIGN promise 5, "never silently drop").
//
// Files: `<dir>/dead-letter-YYYY-MM-DD.ndjson` (UTC date of writing), created 0600 in a
// 0700 directory, appended with O_APPEND. One JSON object per line:
//   {"@timestamp":"...","index":"logs-app-default","status":400,
//    "error":{"type":"document_parsing_exception","reason":"..."},"document":{...as sent}}
// Write() fsyncs before it returns OK, and only then may the items count as resolved (the
// buffer may forget them). Beyond `max_total_bytes` over all files in the directory, further
// dead letters are only counted and logged loudly: the cap keeps a misconfigured mapping
// from filling the disk.
//
// Synchronous file I/O on the calling thread: dead letters are rare, and a dead letter must
// be on disk before the ack that lets the buffer drop the event.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "platforms/base/clock.h"
#include "platforms/base/status.h"

namespace transport {

// One rejected document. Views borrow from the caller for the duration of Write().
struct DeadLetter {
  std::string_view index;
  int status = 0;
  std::string_view error_type;
  std::string_view error_reason;
  std::string_view document;  // the document JSON as sent (one line, no newline)
};

class DeadLetterWriter {
 public:
  struct Options {
    std::string dir;                        // DATA_DIR/dead-letter
    uint64_t max_total_bytes = 1ull << 30;  // 1 GiB over all dead-letter files
  };

  // `clock` must outlive the writer.
  DeadLetterWriter(Options options, const base::Clock& clock);
  ~DeadLetterWriter();
  DeadLetterWriter(const DeadLetterWriter&) = delete;
  DeadLetterWriter& operator=(const DeadLetterWriter&) = delete;

  // Creates the directory if needed and sums the sizes of the files already in it.
  base::Status Open();

  // Appends and fsyncs `letters`, or counts them as dropped beyond the size cap (also OK).
  // An error means nothing was made durable and the items must not count as resolved.
  base::Status Write(std::span<const DeadLetter> letters);

  uint64_t written() const { return written_; }
  uint64_t dropped_over_cap() const { return dropped_; }
  uint64_t total_bytes() const { return total_bytes_; }

 private:
  base::Status OpenFileFor(int64_t unix_nanos);

  const Options options_;
  const base::Clock& clock_;
  bool opened_ = false;
  int fd_ = -1;
  std::string file_date_;  // YYYY-MM-DD of the open file
  uint64_t total_bytes_ = 0;
  uint64_t written_ = 0;
  uint64_t dropped_ = 0;
  std::string scratch_;  // rendered lines, reused
};

}  // namespace transport
