#include "buffer/checkpoint_store.h"

#include <sys/stat.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <span>

#include "buffer/crc32c.h"
#include "platforms/base/atomic_file.h"
#include "platforms/base/log.h"

namespace buffer {
namespace {

constexpr std::string_view kComponent = "checkpoints";
constexpr std::string_view kVersionLine = "skiff-checkpoints 2";
// Version 1 had no fingerprint field; it is still read (its entries have none).
constexpr std::string_view kVersion1Line = "skiff-checkpoints 1";
constexpr std::string_view kCrcPrefix = "crc32c ";
// A checkpoint line is about 100 bytes; this bound only stops a wrong file from being
// slurped whole into memory.
constexpr std::size_t kMaxFileBytes = std::size_t{64} * 1024 * 1024;
constexpr int kFileMode = 0644;

uint32_t Crc32c(std::string_view data) {
  return crc32c::Value(std::as_bytes(std::span(data.data(), data.size())));
}

bool NeedsEscape(char c) {
  auto u = static_cast<unsigned char>(c);
  return u < 0x20 || c == '%';
}

void AppendEscaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char c : text) {
    if (NeedsEscape(c)) {
      auto u = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0x0Fu];
    } else {
      out += c;
    }
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool Unescape(std::string_view text, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return false;
    int hi = HexValue(text[i + 1]);
    int lo = HexValue(text[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return true;
}

template <class T>
bool ParseInteger(std::string_view text, T* value) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *value);
  return ec == std::errc() && ptr == end;
}

// Splits off the text before the next `separator`; false when there is none.
bool NextField(std::string_view& rest, char separator, std::string_view* field) {
  std::size_t at = rest.find(separator);
  if (at == std::string_view::npos) return false;
  *field = rest.substr(0, at);
  rest.remove_prefix(at + 1);
  return true;
}

}  // namespace

base::Result<CheckpointStore> CheckpointStore::Open(std::string file_path) {
  CheckpointStore store(std::move(file_path));
  struct stat info {};
  if (::stat(store.file_path_.c_str(), &info) != 0) {
    if (errno == ENOENT) {
      store.first_start_ = true;
      return store;
    }
    return base::ErrnoStatus(errno, base::StrCat("open checkpoint store ", store.file_path_));
  }
  base::Result<std::string> contents = base::ReadSmallFile(store.file_path_, kMaxFileBytes);
  base::Status parsed;
  if (contents.has_value()) {
    parsed = store.Parse(*contents);
  } else if (contents.error().code() == base::StatusCode::kInvalidArgument) {
    parsed = base::Corruption("larger than any checkpoint store");  // not ours
  } else {
    return contents.error().WithContext("open checkpoint store");
  }
  if (parsed.ok()) return store;

  store.entries_.clear();
  std::string aside =
      base::StrCat(store.file_path_, ".corrupt-", static_cast<int64_t>(std::time(nullptr)));
  base::LogError(kComponent,
                 base::StrCat(store.file_path_, " is corrupt (", parsed.message(),
                              "); starting with no checkpoints: files will be read again from "
                              "their beginning. The damaged file is kept as ",
                              aside));
  if (std::rename(store.file_path_.c_str(), aside.c_str()) != 0) {
    base::LogError(kComponent,
                   base::ErrnoStatus(errno, base::StrCat("rename to ", aside)).ToString());
  }
  // An empty store that is not a first start: nothing may be skipped.
  store.dirty_ = true;
  return store;
}

std::optional<Checkpoint> CheckpointStore::Get(std::string_view key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void CheckpointStore::Set(std::string_view key, Checkpoint checkpoint) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    entries_.emplace(std::string(key), std::move(checkpoint));
  } else {
    it->second = std::move(checkpoint);
  }
  dirty_ = true;
}

void CheckpointStore::Erase(std::string_view key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  entries_.erase(it);
  dirty_ = true;
}

std::string CheckpointStore::Serialize() const {
  std::string out;
  out.reserve(64 + entries_.size() * 128);
  out += kVersionLine;
  out += '\n';
  for (const auto& [key, cp] : entries_) {
    AppendEscaped(out, key);
    out += base::StrCat('\t', cp.offset, '\t', cp.generation, '\t', cp.updated_unix_nanos, '\t');
    char fingerprint[40];
    std::snprintf(fingerprint, sizeof(fingerprint), "%u:%016llx\t", cp.fingerprint_bytes,
                  static_cast<unsigned long long>(cp.fingerprint));
    out += fingerprint;
    AppendEscaped(out, cp.path);
    out += '\n';
  }
  char crc[9];
  std::snprintf(crc, sizeof(crc), "%08x", Crc32c(out));
  out += kCrcPrefix;
  out += crc;
  out += '\n';
  return out;
}

base::Status CheckpointStore::Persist() {
  if (!dirty_) return base::Status::Ok();
  base::Status status = base::WriteFileAtomically(file_path_, Serialize(), kFileMode);
  if (!status.ok()) return status.WithContext("persist checkpoints");
  dirty_ = false;
  return base::Status::Ok();
}

namespace {

// "<bytes>:<16 hex digits>\t" at the front of `line`, consumed.
bool ParseFingerprint(std::string_view& line, Checkpoint& cp) {
  std::string_view field, bytes_text;
  if (!NextField(line, '\t', &field) || !NextField(field, ':', &bytes_text) ||
      !ParseInteger(bytes_text, &cp.fingerprint_bytes) || field.size() != 16) {
    return false;
  }
  return std::from_chars(field.data(), field.data() + field.size(), cp.fingerprint, 16).ec ==
         std::errc();
}

}  // namespace

base::Status CheckpointStore::Parse(std::string_view contents) {
  std::string_view rest = contents;
  std::string_view line;
  if (!NextField(rest, '\n', &line) || (line != kVersionLine && line != kVersion1Line)) {
    return base::Corruption("unknown version line");
  }
  const bool has_fingerprints = line == kVersionLine;
  const std::size_t version_line_bytes = line.size() + 1;
  // The CRC line is the last line; everything before it is covered.
  if (contents.empty() || contents.back() != '\n') return base::Corruption("torn last line");
  std::size_t crc_line = contents.rfind('\n', contents.size() - 2);
  std::string_view covered = contents.substr(0, crc_line + 1);
  std::string_view crc_text = contents.substr(crc_line + 1);
  crc_text.remove_suffix(1);
  if (crc_text.substr(0, kCrcPrefix.size()) != kCrcPrefix) return base::Corruption("no CRC line");
  crc_text.remove_prefix(kCrcPrefix.size());
  uint32_t stored = 0;
  if (crc_text.size() != 8 ||
      std::from_chars(crc_text.data(), crc_text.data() + crc_text.size(), stored, 16).ec !=
          std::errc()) {
    return base::Corruption("malformed CRC line");
  }
  uint32_t actual = Crc32c(covered);
  if (stored != actual) {
    char message[64];
    std::snprintf(message, sizeof(message), "CRC mismatch: stored %08x, computed %08x", stored,
                  actual);
    return base::Corruption(message);
  }
  rest = covered.substr(version_line_bytes);
  std::string key;
  std::size_t line_number = 1;
  while (!rest.empty()) {
    ++line_number;
    std::string_view key_text, offset_text, generation_text, updated_text;
    Checkpoint cp;
    if (!NextField(rest, '\n', &line) || !NextField(line, '\t', &key_text) ||
        !NextField(line, '\t', &offset_text) || !NextField(line, '\t', &generation_text) ||
        !NextField(line, '\t', &updated_text) || !Unescape(key_text, key) ||
        !ParseInteger(offset_text, &cp.offset) || !ParseInteger(generation_text, &cp.generation) ||
        !ParseInteger(updated_text, &cp.updated_unix_nanos) ||
        (has_fingerprints && !ParseFingerprint(line, cp)) || !Unescape(line, cp.path)) {
      return base::Corruption(base::StrCat("malformed entry on line ", line_number));
    }
    entries_.insert_or_assign(key, std::move(cp));
  }
  return base::Status::Ok();
}

}  // namespace buffer
