// Event and EventBatch: what inputs produce, the buffer holds and the output ships.
//
// A batch carries the events of one source plus the values they all share, stored once
// (DESIGN decisions: the ring stores events, not rendered JSON; NDJSON is rendered when
// shipping). The on-disk ring stores one EventBatch per frame.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace buffer {

// Bits of Event::flags. They become `log.flags` in the document. Values are persisted in
// the ring: never renumber, only add.
enum EventFlag : uint32_t {
  kFlagInvalidUtf8 = 1u << 0,  // invalid bytes were replaced with U+FFFD
  kFlagTruncated = 1u << 1,    // the line was longer than max_line_bytes
  kFlagPartial = 1u << 2,      // flushed without its newline (writer never finished it)
  kFlagParseFailed = 1u << 3,  // a parse processor did not match; the event is unparsed
  // format = "json" or "auto": the line looked like JSON but did not parse; it is sent as
  // text.
  kFlagJsonParseFailed = 1u << 4,
  // The input's timestamp regex did not match or its time did not parse (or a JSON
  // timestamp field did not): @timestamp is the read time.
  kFlagTimestampParseFailed = 1u << 5,
};

struct Event {
  // Byte offset of the event's first byte in its source (within the file's generation),
  // or a sequence number for sources without offsets. Part of the document _id.
  uint64_t offset = 0;
  // @timestamp: the read time, or the time a parser found in the event.
  int64_t time_unix_nanos = 0;
  uint32_t flags = 0;
  // The line without its line ending; valid UTF-8.
  std::string message;
  // Parsed fields as JSON object members without the braces ("a":1,"b":"x"), merged into
  // the document root; empty when there are none.
  std::string fields_json;
};

struct EventBatch {
  // Identity of the source, stable across restarts and renames (for files: device, inode
  // and a fingerprint of the first bytes). Part of the document _id.
  std::string source_key;
  // Bumped each time the source is truncated; part of the _id so re-written offsets get
  // new ids.
  uint32_t generation = 0;
  // Target index or data stream.
  std::string index;
  // JSON object members shared by every event of the batch, without the braces, rendered
  // by the agent: "log":{"file":{"path":"/var/log/a.log"}},"host":{"name":"web-1"},...
  // Kept whole so a ring written under one config ships the same after a restart.
  std::string shared_fields_json;
  std::vector<Event> events;

  // Bytes held by the batch's texts: what the buffer's size bound counts.
  std::size_t ByteSize() const {
    std::size_t n = source_key.size() + index.size() + shared_fields_json.size();
    for (const Event& e : events) n += e.message.size() + e.fields_json.size() + 32;
    return n;
  }
};

}  // namespace buffer
