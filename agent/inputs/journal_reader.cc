#include "agent/inputs/journal_reader.h"

#include <systemd/sd-journal.h>

#include <cstdlib>

#include "platforms/base/log.h"

namespace agent {
namespace {

// sd-journal returns -errno on failure.
base::Status ErrorFrom(int result, std::string_view what) {
  return base::ErrnoStatus(-result, what);
}

}  // namespace

void JournalReader::Closer::operator()(sd_journal* journal) const { sd_journal_close(journal); }

base::Result<JournalReader> JournalReader::Open(std::string_view directory) {
  sd_journal* journal = nullptr;
  int r = 0;
  if (directory.empty()) {
    r = sd_journal_open(&journal, SD_JOURNAL_LOCAL_ONLY);
  } else {
    const std::string path(directory);
    r = sd_journal_open_directory(&journal, path.c_str(), 0);
  }
  if (r < 0) {
    return ErrorFrom(r, directory.empty() ? std::string("open the system journal")
                                          : base::StrCat("open the journal in ", directory));
  }
  return JournalReader(journal);
}

JournalReader::~JournalReader() = default;

base::Status JournalReader::AddMatches(const std::vector<std::string>& matches) {
  for (const std::string& match : matches) {
    int r = sd_journal_add_match(journal_.get(), match.data(), match.size());
    if (r < 0) return ErrorFrom(r, base::StrCat("add the match \"", match, "\""));
  }
  return base::Status::Ok();
}

base::Status JournalReader::SetDataThreshold(std::size_t bytes) {
  int r = sd_journal_set_data_threshold(journal_.get(), bytes);
  return r < 0 ? ErrorFrom(r, "set the data threshold") : base::Status::Ok();
}

base::Status JournalReader::SeekHead() {
  int r = sd_journal_seek_head(journal_.get());
  return r < 0 ? ErrorFrom(r, "seek to the head") : base::Status::Ok();
}

base::Status JournalReader::SeekTail() {
  int r = sd_journal_seek_tail(journal_.get());
  return r < 0 ? ErrorFrom(r, "seek to the tail") : base::Status::Ok();
}

base::Status JournalReader::SeekCursor(std::string_view cursor) {
  const std::string text(cursor);
  int r = sd_journal_seek_cursor(journal_.get(), text.c_str());
  return r < 0 ? ErrorFrom(r, "seek to the cursor") : base::Status::Ok();
}

base::Result<bool> JournalReader::Next() {
  int r = sd_journal_next(journal_.get());
  if (r < 0) return ErrorFrom(r, "read the next entry");
  return r > 0;
}

base::Result<bool> JournalReader::Previous() {
  int r = sd_journal_previous(journal_.get());
  if (r < 0) return ErrorFrom(r, "read the previous entry");
  return r > 0;
}

bool JournalReader::TestCursor(std::string_view cursor) {
  const std::string text(cursor);
  return sd_journal_test_cursor(journal_.get(), text.c_str()) > 0;
}

base::Status JournalReader::Cursor(std::string& out) {
  char* cursor = nullptr;
  int r = sd_journal_get_cursor(journal_.get(), &cursor);
  if (r < 0) return ErrorFrom(r, "read the entry's cursor");
  out.assign(cursor);
  std::free(cursor);  // NOLINT(cppcoreguidelines-no-malloc): sd-journal allocated it
  return base::Status::Ok();
}

base::Result<uint64_t> JournalReader::RealtimeUsec() {
  uint64_t usec = 0;
  int r = sd_journal_get_realtime_usec(journal_.get(), &usec);
  if (r < 0) return ErrorFrom(r, "read the entry's time");
  return usec;
}

void JournalReader::RestartFields() { sd_journal_restart_data(journal_.get()); }

base::Result<bool> JournalReader::NextField(std::string_view* data) {
  const void* bytes = nullptr;
  std::size_t size = 0;
  int r = sd_journal_enumerate_available_data(journal_.get(), &bytes, &size);
  if (r < 0) return ErrorFrom(r, "read the entry's fields");
  if (r == 0) return false;
  *data = std::string_view(static_cast<const char*>(bytes), size);
  return true;
}

base::Result<int> JournalReader::Fd() {
  int fd = sd_journal_get_fd(journal_.get());
  if (fd < 0) return ErrorFrom(fd, "watch the journal for changes");
  return fd;
}

int JournalReader::Events() { return sd_journal_get_events(journal_.get()); }

base::Result<bool> JournalReader::Process() {
  int r = sd_journal_process(journal_.get());
  if (r < 0) return ErrorFrom(r, "take the journal's change notifications");
  return r != SD_JOURNAL_NOP;
}

bool JournalReader::HasFiles() {
  return sd_journal_has_runtime_files(journal_.get()) > 0 ||
         sd_journal_has_persistent_files(journal_.get()) > 0;
}

}  // namespace agent
