#include "agent/buffer_command.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "agent/buffer_report.h"
#include "agent/data_dir.h"
#include "agent/run_command.h"
#include "agent/utf8_sanitizer.h"
#include "buffer/filesystem_posix.h"
#include "platforms/base/json_writer.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

constexpr std::string_view kBufferUsage =
    "usage: skiff buffer verify  [-c FILE | --data-dir DIR] [--json]\n"
    "       skiff buffer inspect [-c FILE | --data-dir DIR] [--events]\n"
    "\n"
    "Checks (verify) or prints (inspect) the on-disk buffer DATA_DIR/ring of a stopped agent.\n"
    "Neither changes a file; both refuse to run while skiff holds DATA_DIR/skiff.lock.\n"
    "\n"
    "  verify          walk every segment and report good frames, corrupt regions with\n"
    "                  their offsets, torn tails and the cursor; exit 0 if the ring is\n"
    "                  sound, 1 if it is damaged\n"
    "  inspect         list every frame; with --events print the events as NDJSON\n"
    "  -c FILE         read data_dir from this configuration (default /etc/skiff/skiff.toml)\n"
    "  --data-dir DIR  use DIR as data_dir directly; no configuration is read\n"
    "  --json          (verify) print one JSON object instead of the text report\n"
    "  --events        (inspect) print one JSON object per event on stdout, nothing else\n"
    "\n"
    "exit codes: 0 sound, 1 damage found or the ring is unreadable, 2 bad usage, bad\n"
    "config or skiff is running\n";

struct BufferArgs {
  std::string subcommand;
  std::string data_dir;
  bool json = false;
  bool events = false;
  bool help = false;
};

int BufferUsage(std::string_view error) {
  if (!error.empty()) {
    std::fprintf(stderr, "skiff buffer: %.*s\n\n", static_cast<int>(error.size()), error.data());
  }
  std::fputs(std::string(kBufferUsage).c_str(), error.empty() ? stdout : stderr);
  return error.empty() ? kExitOk : kExitUsage;
}

// Empty on success, otherwise what is wrong with `args`.
std::string ParseBufferArgs(std::span<const std::string> args, BufferArgs& out) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--data-dir") {
      if (i + 1 >= args.size()) return "--data-dir needs a value";
      out.data_dir = args[++i];
    } else if (a.starts_with("--data-dir=")) {
      out.data_dir = a.substr(std::string_view("--data-dir=").size());
      if (out.data_dir.empty()) return "--data-dir needs a value";
    } else if (a == "--json") {
      out.json = true;
    } else if (a == "--events") {
      out.events = true;
    } else if (a == "-h" || a == "--help") {
      out.help = true;
    } else if (!a.empty() && a[0] == '-') {
      return base::StrCat("unknown option ", a);
    } else if (out.subcommand.empty()) {
      out.subcommand = a;
    } else {
      return base::StrCat("unexpected argument '", a, "'");
    }
  }
  if (out.help) return {};
  if (out.subcommand.empty()) return "which one: verify or inspect?";
  if (out.subcommand != "verify" && out.subcommand != "inspect") {
    return base::StrCat("unknown buffer command '", out.subcommand, "'");
  }
  if (out.json && out.subcommand != "verify") return "--json goes with verify";
  if (out.events && out.subcommand != "inspect") return "--events goes with inspect";
  return {};
}

// "1 frame", "2 frames".
std::string Count(uint64_t n, std::string_view noun) {
  return base::StrCat(n, " ", noun, n == 1 ? "" : "s");
}

void Print(std::string_view text) { std::fwrite(text.data(), 1, text.size(), stdout); }

std::string_view CursorName(CursorState state) {
  switch (state) {
    case CursorState::kMissing:
      return "missing";
    case CursorState::kValid:
      return "valid";
    case CursorState::kCorrupt:
      return "corrupt";
  }
  return "unknown";
}

std::string CursorLine(const BufferReport& r) {
  switch (r.cursor) {
    case CursorState::kMissing:
      return "cursor: none (nothing acknowledged yet)\n";
    case CursorState::kValid:
      return base::StrCat("cursor: events below seq ", r.ack_seq, " are acknowledged\n");
    case CursorState::kCorrupt:
      return base::StrCat("cursor: CORRUPT (", r.cursor_error,
                          "); the agent will send everything on disk again\n");
  }
  return {};
}

// "seq 10..14" for the events of a frame (inclusive range, as users count).
std::string SeqRange(const buffer::FrameHeader& h) {
  return base::StrCat("seq ", h.first_seq, "..", h.EndSeq() - 1);
}

// One line about a segment's header or content, as verify and inspect both print it.
std::string SegmentLine(const BufferSegment& s) {
  std::string line = base::StrCat(s.name, ": ", s.bytes, " bytes");
  if (s.header_incomplete) {
    return base::StrCat(line, ", incomplete header (a crash while creating it); removed on the ",
                        "next start\n");
  }
  if (!s.header_error.empty()) {
    return base::StrCat(line, ", CORRUPT header (", s.header_error,
                        "); the whole segment is dropped on the next start\n");
  }
  if (s.frames.empty()) return base::StrCat(line, ", base seq ", s.base_seq, ", no frames\n");
  std::size_t acked = 0;
  for (const BufferFrame& f : s.frames) acked += f.acknowledged ? 1 : 0;
  return base::StrCat(line, ", seq ", s.frames.front().header.first_seq, "..",
                      s.frames.back().header.EndSeq() - 1, ", ", Count(s.frames.size(), "frame"),
                      " (", acked, " acknowledged)\n");
}

std::string CorruptLine(const buffer::CorruptRegion& c) {
  return base::StrCat("  offset ", c.offset, ": CORRUPT, ", c.bytes, " bytes skipped (", c.reason,
                      ")\n");
}

std::string TailLine(const BufferSegment& s) {
  return base::StrCat("  offset ", s.valid_end, ": ", s.tail_corrupt ? "CORRUPT tail" : "torn tail",
                      ", ", s.TailBytes(), " bytes (", s.tail_reason, "); cut on the next start\n");
}

std::string UndecodableLine(const BufferFrame& f) {
  return base::StrCat("  offset ", f.offset, ": CORRUPT frame, ", SeqRange(f.header),
                      " does not decode (", f.decode_error, "); skipped when read\n");
}

std::string SummaryLines(const BufferReport& r) {
  std::string out;
  for (const std::string& name : r.foreign_files) {
    out += base::StrCat("unknown file ", name, ": ignored (ring/ should hold only segments and ",
                        "the cursor)\n");
  }
  if (r.cursor_tmp) out += "cursor.tmp: an interrupted cursor write; removed on the next start\n";
  out += base::StrCat("summary: ", Count(r.segments.size(), "segment"), ", ",
                      Count(r.frames, "frame"), ", ", Count(r.events, "event"), " (",
                      r.pending_events, " not yet acknowledged), ",
                      Count(r.corrupt_regions + r.corrupt_tails, "corrupt region"), ", ",
                      Count(r.undecodable_frames, "undecodable frame"), ", ",
                      Count(r.bad_segments, "bad segment header"), ", ",
                      Count(r.torn_tails, "torn tail"), ", ", r.lost_events, " events lost\n");
  out += r.Damaged() ? "result: DAMAGED\n" : "result: ok\n";
  return out;
}

std::string NoRingLine(const BufferReport& r) {
  return base::StrCat("no ring at ", r.dir, ": the agent has buffered nothing yet\n");
}

std::string VerifyText(const BufferReport& r) {
  std::string out = base::StrCat("ring ", r.dir, "\n", CursorLine(r));
  for (const BufferSegment& s : r.segments) {
    out += SegmentLine(s);
    for (const buffer::CorruptRegion& c : s.corrupt) out += CorruptLine(c);
    for (const BufferFrame& f : s.frames) {
      if (!f.decode_error.empty()) out += UndecodableLine(f);
    }
    if (s.TailBytes() > 0) out += TailLine(s);
  }
  out += SummaryLines(r);
  return out;
}

void AppendField(std::string& out, std::string_view key, uint64_t value) {
  base::AppendJsonString(out, key);
  out += ':';
  out += std::to_string(value);
  out += ',';
}

void AppendField(std::string& out, std::string_view key, std::string_view value) {
  base::AppendJsonString(out, key);
  out += ':';
  base::AppendJsonString(out, value);
  out += ',';
}

void AppendField(std::string& out, std::string_view key, bool value) {
  base::AppendJsonString(out, key);
  out += value ? ":true," : ":false,";
}

// Replaces the ',' after the last member (or appends nothing) and closes `bracket`.
void Close(std::string& out, char bracket) {
  if (!out.empty() && out.back() == ',') out.pop_back();
  out += bracket;
}

void AppendRegion(std::string& out, uint64_t offset, uint64_t bytes, std::string_view reason) {
  out += '{';
  AppendField(out, "offset", offset);
  AppendField(out, "bytes", bytes);
  AppendField(out, "reason", reason);
  Close(out, '}');
}

std::string VerifyJson(const BufferReport& r) {
  std::string out = "{";
  AppendField(out, "ring", r.dir);
  AppendField(out, "exists", r.dir_exists);
  AppendField(out, "ok", !r.Damaged());
  out += "\"cursor\":{";
  AppendField(out, "state", CursorName(r.cursor));
  if (r.cursor == CursorState::kValid) AppendField(out, "ack_seq", r.ack_seq);
  if (r.cursor == CursorState::kCorrupt) AppendField(out, "error", r.cursor_error);
  AppendField(out, "interrupted_write", r.cursor_tmp);
  Close(out, '}');
  out += ",\"segments\":[";
  for (const BufferSegment& s : r.segments) {
    out += '{';
    AppendField(out, "file", s.name);
    AppendField(out, "id", s.id);
    AppendField(out, "bytes", s.bytes);
    AppendField(out, "header",
                s.header_incomplete       ? std::string_view("incomplete")
                : !s.header_error.empty() ? std::string_view("corrupt")
                                          : std::string_view("ok"));
    if (!s.header_error.empty()) AppendField(out, "header_error", s.header_error);
    if (s.HeaderValid()) AppendField(out, "base_seq", s.base_seq);
    uint64_t events = 0;
    uint64_t acked = 0;
    for (const BufferFrame& f : s.frames) {
      events += f.header.event_count;
      acked += f.acknowledged ? 1 : 0;
    }
    AppendField(out, "frames", static_cast<uint64_t>(s.frames.size()));
    AppendField(out, "acknowledged_frames", acked);
    AppendField(out, "events", events);
    if (!s.frames.empty()) {
      AppendField(out, "first_seq", s.frames.front().header.first_seq);
      AppendField(out, "end_seq", s.frames.back().header.EndSeq());
    }
    out += "\"corrupt\":[";
    for (const buffer::CorruptRegion& c : s.corrupt) {
      AppendRegion(out, c.offset, c.bytes, c.reason);
      out += ',';
    }
    Close(out, ']');
    out += ",\"undecodable\":[";
    for (const BufferFrame& f : s.frames) {
      if (f.decode_error.empty()) continue;
      AppendRegion(out, f.offset, f.header.FrameBytes(), f.decode_error);
      out += ',';
    }
    Close(out, ']');
    out += ",\"tail\":";
    if (s.TailBytes() > 0) {
      out += '{';
      AppendField(out, "offset", s.valid_end);
      AppendField(out, "bytes", s.TailBytes());
      AppendField(out, "reason", s.tail_reason);
      AppendField(out, "corrupt", s.tail_corrupt);
      Close(out, '}');
    } else {
      out += "null";
    }
    out += "},";
  }
  Close(out, ']');
  out += ",\"foreign_files\":[";
  for (const std::string& name : r.foreign_files) {
    base::AppendJsonString(out, name);
    out += ',';
  }
  Close(out, ']');
  out += ",\"totals\":{";
  AppendField(out, "segments", static_cast<uint64_t>(r.segments.size()));
  AppendField(out, "frames", r.frames);
  AppendField(out, "events", r.events);
  AppendField(out, "pending_frames", r.pending_frames);
  AppendField(out, "pending_events", r.pending_events);
  AppendField(out, "corrupt_regions", r.corrupt_regions + r.corrupt_tails);
  AppendField(out, "undecodable_frames", r.undecodable_frames);
  AppendField(out, "bad_segment_headers", r.bad_segments);
  AppendField(out, "torn_tails", r.torn_tails);
  AppendField(out, "lost_events", r.lost_events);
  Close(out, '}');
  out += "}\n";
  return out;
}

// Texts of events come from the ring, where only the agent writes them; they are
// sanitized anyway, since a damaged ring is exactly what this tool is for.
class EventPrinter {
 public:
  void Print(const BufferSegment& segment, const BufferFrame& frame,
             const buffer::EventBatch& batch) {
    for (std::size_t i = 0; i < batch.events.size(); ++i) {
      const buffer::Event& e = batch.events[i];
      line_.clear();
      line_ += '{';
      AppendField(line_, "segment", segment.name);
      AppendField(line_, "frame_offset", frame.offset);
      AppendField(line_, "seq", frame.header.first_seq + i);
      AppendField(line_, "acknowledged", frame.acknowledged);
      AppendText("source_key", batch.source_key);
      AppendField(line_, "generation", static_cast<uint64_t>(batch.generation));
      AppendText("index", batch.index);
      AppendField(line_, "offset", e.offset);
      base::AppendJsonString(line_, "@timestamp");
      line_ += ':';
      base::AppendJsonTimestamp(line_, e.time_unix_nanos);
      line_ += ',';
      AppendField(line_, "flags", static_cast<uint64_t>(e.flags));
      AppendText("message", e.message);
      AppendText("fields_json", e.fields_json);
      AppendText("shared_fields_json", batch.shared_fields_json);
      Close(line_, '}');
      line_ += '\n';
      agent::Print(line_);
    }
  }

 private:
  void AppendText(std::string_view key, std::string_view text) {
    AppendField(line_, key, sanitizer_.Sanitize(text).text);
  }

  std::string line_;  // reused for every event
  Utf8Sanitizer sanitizer_;
};

// inspect without --events: every frame, corrupt region and tail of every segment.
int InspectFrames(buffer::Filesystem& fs, const std::string& ring_dir) {
  // What each frame holds, keyed by (segment id, offset): the report has no batch texts.
  std::map<std::pair<uint64_t, uint64_t>, std::string> sources;
  auto report = ScanBuffer(
      fs, ring_dir,
      [&sources](const BufferSegment& s, const BufferFrame& f, const buffer::EventBatch* batch) {
        if (batch == nullptr) return;
        std::string& text = sources[{s.id, f.offset}];
        text = "source ";
        base::AppendJsonString(text, batch->source_key);
        text += " index ";
        base::AppendJsonString(text, batch->index);
      });
  if (!report) {
    std::fprintf(stderr, "skiff buffer: %s\n", report.error().ToString().c_str());
    return kExitFailure;
  }
  const BufferReport& r = *report;
  if (!r.dir_exists) {
    Print(NoRingLine(r));
    return kExitOk;
  }
  std::string out = base::StrCat("ring ", r.dir, "\n", CursorLine(r));
  for (const BufferSegment& s : r.segments) {
    out += SegmentLine(s);
    // Frames and the damage between them, in file order.
    std::size_t next_corrupt = 0;
    for (const BufferFrame& f : s.frames) {
      while (next_corrupt < s.corrupt.size() && s.corrupt[next_corrupt].offset < f.offset) {
        out += CorruptLine(s.corrupt[next_corrupt++]);
      }
      if (!f.decode_error.empty()) {
        out += UndecodableLine(f);
        continue;
      }
      out +=
          base::StrCat("  offset ", f.offset, ": ", SeqRange(f.header), ", ",
                       Count(f.header.event_count, "event"), ", ", f.header.payload_bytes, " -> ",
                       f.header.raw_bytes, " bytes, ", f.acknowledged ? "acknowledged" : "pending",
                       ", ", sources[{s.id, f.offset}], "\n");
    }
    while (next_corrupt < s.corrupt.size()) out += CorruptLine(s.corrupt[next_corrupt++]);
    if (s.TailBytes() > 0) out += TailLine(s);
    Print(out);
    out.clear();
  }
  out += SummaryLines(r);
  Print(out);
  return r.Damaged() ? kExitFailure : kExitOk;
}

// inspect --events: NDJSON on stdout only; damage and the summary go to stderr.
int InspectEvents(buffer::Filesystem& fs, const std::string& ring_dir) {
  EventPrinter printer;
  auto report = ScanBuffer(
      fs, ring_dir,
      [&printer](const BufferSegment& s, const BufferFrame& f, const buffer::EventBatch* batch) {
        if (batch != nullptr) printer.Print(s, f, *batch);
      });
  if (!report) {
    std::fprintf(stderr, "skiff buffer: %s\n", report.error().ToString().c_str());
    return kExitFailure;
  }
  std::fflush(stdout);
  if (!report->dir_exists) {
    std::fputs(NoRingLine(*report).c_str(), stderr);
    return kExitOk;
  }
  std::string damage;
  for (const BufferSegment& s : report->segments) {
    if (!s.HeaderValid() || !s.corrupt.empty() || s.tail_corrupt) damage += SegmentLine(s);
    for (const buffer::CorruptRegion& c : s.corrupt) damage += CorruptLine(c);
    for (const BufferFrame& f : s.frames) {
      if (!f.decode_error.empty()) damage += UndecodableLine(f);
    }
    if (s.tail_corrupt) damage += TailLine(s);
  }
  damage += SummaryLines(*report);
  std::fputs(damage.c_str(), stderr);
  return report->Damaged() ? kExitFailure : kExitOk;
}

// The data_dir to work on: --data-dir, or the configuration's. nullopt after reporting
// why there is none (bad config).
std::optional<std::string> ResolveDataDir(const std::string& config_path, const BufferArgs& args) {
  if (!args.data_dir.empty()) return args.data_dir;
  std::optional<config::Config> config = LoadConfigOrReport(config_path);
  if (!config) return std::nullopt;
  return config->data_dir;
}

}  // namespace

int BufferCommand(const std::string& config_path, std::span<const std::string> args) {
  BufferArgs parsed;
  if (std::string error = ParseBufferArgs(args, parsed); !error.empty()) {
    return BufferUsage(error);
  }
  if (parsed.help) return BufferUsage("");
  std::optional<std::string> data_dir = ResolveDataDir(config_path, parsed);
  if (!data_dir) return kExitUsage;
  while (data_dir->size() > 1 && data_dir->back() == '/') data_dir->pop_back();

  struct stat st {};
  if (::stat(data_dir->c_str(), &st) != 0) {
    std::fprintf(stderr, "skiff buffer: data_dir %s: %s\n", data_dir->c_str(),
                 std::strerror(errno));
    return kExitFailure;
  }
  if (!S_ISDIR(st.st_mode)) {
    std::fprintf(stderr, "skiff buffer: data_dir %s is not a directory\n", data_dir->c_str());
    return kExitFailure;
  }
  auto holder = DataDir::LockHolder(*data_dir);
  if (!holder) {
    std::fprintf(stderr, "skiff buffer: %s\n", holder.error().ToString().c_str());
    return kExitFailure;
  }
  if (holder->has_value()) {
    std::fprintf(stderr, "skiff is running (pid %s) and holds %s/skiff.lock; stop it first\n",
                 holder->value().c_str(), data_dir->c_str());
    return kExitUsage;
  }

  buffer::PosixFilesystem fs;
  const std::string ring_dir = *data_dir + "/ring";
  if (parsed.subcommand == "inspect") {
    return parsed.events ? InspectEvents(fs, ring_dir) : InspectFrames(fs, ring_dir);
  }
  auto report = ScanBuffer(fs, ring_dir);
  if (!report) {
    std::fprintf(stderr, "skiff buffer: %s\n", report.error().ToString().c_str());
    return kExitFailure;
  }
  if (!report->dir_exists && !parsed.json) {
    Print(NoRingLine(*report));
    return kExitOk;
  }
  Print(parsed.json ? VerifyJson(*report) : VerifyText(*report));
  return report->Damaged() ? kExitFailure : kExitOk;
}

}  // namespace agent
