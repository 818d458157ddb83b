#include "agent/inputs/journald_input.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "agent/inputs/journal_matches.h"
#include "buffer/checkpoint_store.h"
#include "platforms/base/clock.h"
#include "platforms/base/log.h"
#include "platforms/base/uv_handle.h"
#include "tests/support/memory_queue.h"

namespace agent {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

constexpr std::string_view kBootId = "0123456789abcdef0123456789abcdef";
// Bounds every wait for the input; the reads themselves take milliseconds.
constexpr std::chrono::seconds kWaitLimit{10};

std::string JournalRemote() {
  for (const char* path :
       {"/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote"}) {
    if (::access(path, X_OK) == 0) return path;
  }
  return "";
}

struct Entry {
  std::string message;
  std::string unit;
  int priority = 6;
};

// Journal export format (systemd's JOURNAL_EXPORT_FORMATS): "NAME=value\n", or for values
// with a newline or control bytes "NAME\n", a 64-bit little-endian length and the bytes.
void AppendExportField(std::string& out, std::string_view name, std::string_view value) {
  bool binary = false;
  for (char c : value) binary |= static_cast<unsigned char>(c) < 0x20 && c != '\t';
  out += name;
  if (!binary) {
    out += '=';
    out += value;
    out += '\n';
    return;
  }
  out += '\n';
  uint64_t size = value.size();
  for (int i = 0; i < 8; ++i) out += static_cast<char>((size >> (8 * i)) & 0xFF);
  out += value;
  out += '\n';
}

// The members of a fields_json whose values hold no comma.
std::set<std::string> SortedMembers(std::string_view fields_json) {
  std::set<std::string> out;
  while (!fields_json.empty()) {
    std::size_t comma = fields_json.find(',');
    out.emplace(fields_json.substr(0, comma));
    if (comma == std::string_view::npos) break;
    fields_json.remove_prefix(comma + 1);
  }
  return out;
}

// Delegates to a MemoryQueue, refusing appends while `refuse` is set (a disk error).
class RefusingBuffer final : public buffer::EventBuffer {
 public:
  explicit RefusingBuffer(buffer::EventBuffer& inner) : inner_(inner) {}
  base::Status Append(buffer::EventBatch batch, std::function<void()> on_durable) override {
    if (refuse) {
      ++refused;
      return base::IoError("write segment: no space left on device");
    }
    return inner_.Append(std::move(batch), std::move(on_durable));
  }
  bool Full() const override { return inner_.Full(); }
  void SetOnSpace(std::function<void()> on_space) override {
    inner_.SetOnSpace(std::move(on_space));
  }
  std::optional<Lease> Read() override { return inner_.Read(); }
  void Ack(uint64_t lease_id) override { inner_.Ack(lease_id); }
  void SetOnReadable(std::function<void()> on_readable) override {
    inner_.SetOnReadable(std::move(on_readable));
  }
  std::size_t PendingBatches() const override { return inner_.PendingBatches(); }

  bool refuse = false;
  int refused = 0;

 private:
  buffer::EventBuffer& inner_;
};

class JournaldInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    journal_remote_ = JournalRemote();
    if (journal_remote_.empty()) GTEST_SKIP() << "systemd-journal-remote is not installed";
    std::string pattern = (fs::temp_directory_path() / "journald_input_test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    journal_dir_ = dir_ / "journal";
    fs::create_directories(journal_dir_);
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    loop_ready_ = true;
    OpenStore();
    queue_ = std::make_unique<buffer::MemoryQueue>(64 * 1024 * 1024);
  }

  void TearDown() override {
    input_.reset();
    queue_.reset();
    if (loop_ready_) {
      for (int turn = 0; turn < 4; ++turn) uv_run(&loop_, UV_RUN_NOWAIT);
      int rc = uv_loop_close(&loop_);
      EXPECT_EQ(rc, 0) << "a handle was leaked";
      if (rc != 0) base::CloseLoop(&loop_);
    }
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  void OpenStore() {
    auto store = buffer::CheckpointStore::Open((dir_ / "checkpoints").string());
    ASSERT_TRUE(store.has_value());
    store_ = std::make_unique<buffer::CheckpointStore>(std::move(store.value()));
  }

  // Writes `entries` into journal file `file` of the journal directory (appending when it
  // exists) with systemd-journal-remote.
  void WriteJournal(const std::vector<Entry>& entries, std::string_view file = "x.journal") {
    std::string data;
    for (const Entry& e : entries) {
      ++sequence_;
      AppendExportField(data, "__REALTIME_TIMESTAMP",
                        std::to_string(1'700'000'000'000'000 + sequence_ * 1000));
      AppendExportField(data, "__MONOTONIC_TIMESTAMP", std::to_string(sequence_ * 1000));
      AppendExportField(data, "_BOOT_ID", kBootId);
      AppendExportField(data, "MESSAGE", e.message);
      AppendExportField(data, "PRIORITY", std::to_string(e.priority));
      if (!e.unit.empty()) AppendExportField(data, "_SYSTEMD_UNIT", e.unit);
      AppendExportField(data, "_PID", "4242");
      AppendExportField(data, "_HOSTNAME", "web-1");
      data += '\n';
    }
    const fs::path input = dir_ / "entries.export";
    std::ofstream(input, std::ios::binary | std::ios::trunc) << data;
    const std::string command =
        base::StrCat(journal_remote_, " --output=", (journal_dir_ / file).string(), " ",
                     input.string(), " 2>/dev/null");
    int status = std::system(command.c_str());
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << command;
  }

  JournaldInputOptions Options() {
    JournaldInputOptions options;
    options.id = "journal";
    options.directory = journal_dir_.string();
    options.start_at_end = false;
    options.poll_interval = milliseconds(20);
    options.index = "logs-journal";
    options.shared_fields_json = R"("input.type":"journald")";
    return options;
  }

  void StartInput(JournaldInputOptions options) {
    input_ = std::make_unique<JournaldInput>(&loop_, *queue_, *store_, std::move(options), clock_);
    base::Status s = input_->Start();
    ASSERT_TRUE(s.ok()) << s.message();
  }

  // Stops the input (persisting the store), as the agent does at shutdown.
  void StopInput() {
    input_->Stop();
    input_.reset();
    for (int turn = 0; turn < 4; ++turn) uv_run(&loop_, UV_RUN_NOWAIT);
  }

  bool RunUntil(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + kWaitLimit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      uv_run(&loop_, UV_RUN_ONCE);
    }
    return true;
  }

  // Runs the loop a few poll intervals, for checks that nothing more comes.
  void RunFor(milliseconds duration) {
    const auto deadline = std::chrono::steady_clock::now() + duration;
    while (std::chrono::steady_clock::now() < deadline) uv_run(&loop_, UV_RUN_ONCE);
  }

  // Reads and acknowledges everything queued (acknowledging makes batches durable in the
  // memory queue, which advances the checkpoint).
  void Drain() {
    while (auto lease = queue_->Read()) {
      for (const buffer::Event& e : lease->batch->events) {
        delivered_.push_back(e);
        source_keys_.insert(lease->batch->source_key);
      }
      queue_->Ack(lease->id);
    }
  }

  bool DrainUntil(std::size_t events) {
    return RunUntil([&] {
      Drain();
      return delivered_.size() >= events;
    });
  }

  std::vector<std::string> Messages() const {
    std::vector<std::string> out;
    for (const buffer::Event& e : delivered_) out.push_back(e.message);
    return out;
  }

  std::string journal_remote_;
  fs::path dir_;
  fs::path journal_dir_;
  uv_loop_t loop_{};
  bool loop_ready_ = false;
  base::RealClock clock_;
  std::unique_ptr<buffer::CheckpointStore> store_;
  std::unique_ptr<buffer::MemoryQueue> queue_;
  std::unique_ptr<JournaldInput> input_;
  std::vector<buffer::Event> delivered_;
  std::set<std::string> source_keys_;
  uint64_t sequence_ = 0;
};

TEST_F(JournaldInputTest, ReadsEveryEntryFromTheBeginningWithItsFields) {
  WriteJournal(
      {{"one", "a.service", 3}, {"two", "b.service"}, {std::string("bin\xff\0x\ny", 9), ""}});
  StartInput(Options());
  ASSERT_TRUE(DrainUntil(3));
  RunFor(milliseconds(60));
  Drain();
  ASSERT_EQ(Messages(),
            (std::vector<std::string>{"one", "two", std::string("bin\xEF\xBF\xBD\0x\ny", 11)}));
  // The members come in the order the journal stores the fields.
  EXPECT_EQ(SortedMembers(delivered_[0].fields_json),
            (std::set<std::string>{R"("log.syslog.priority":3)", R"("log.level":"err")",
                                   R"("systemd.unit":"a.service")", R"("process.pid":4242)",
                                   R"("host.hostname":"web-1")",
                                   base::StrCat(R"("host.boot.id":")", kBootId, "\"")}));
  EXPECT_EQ(delivered_[0].time_unix_nanos, (1'700'000'000'000'000 + 1000) * 1000);
  EXPECT_EQ(delivered_[2].flags, buffer::kFlagInvalidUtf8);
  EXPECT_EQ(source_keys_, std::set<std::string>{"journald:journal"});
  std::set<uint64_t> offsets;
  for (const buffer::Event& e : delivered_) {
    offsets.insert(e.offset);
    EXPECT_LT(e.offset, uint64_t{1} << 63) << "log.offset is a signed long";
  }
  EXPECT_EQ(offsets.size(), 3u) << "every entry has its own id";
  EXPECT_EQ(input_->stats().events, 3u);
  EXPECT_EQ(input_->stats().errors, 0u);
}

TEST_F(JournaldInputTest, UnitsKeepOnlyThoseUnitsEntries) {
  WriteJournal({{"a1", "a.service"},
                {"b1", "b.service"},
                {"c1", "c.service"},
                {"a2", "a.service"},
                {"none", ""}});
  JournaldInputOptions options = Options();
  options.matches = BuildJournalMatches({"a", "c.service"}, {});
  StartInput(std::move(options));
  ASSERT_TRUE(DrainUntil(3));
  RunFor(milliseconds(60));
  Drain();
  EXPECT_EQ(Messages(), (std::vector<std::string>{"a1", "c1", "a2"}));
}

TEST_F(JournaldInputTest, MatchesOnDifferentFieldsAreAllRequired) {
  WriteJournal({{"a-err", "a.service", 3}, {"a-info", "a.service", 6}, {"b-err", "b.service", 3}});
  JournaldInputOptions options = Options();
  options.matches = BuildJournalMatches({"a"}, {"PRIORITY=3", "PRIORITY=2"});
  StartInput(std::move(options));
  ASSERT_TRUE(DrainUntil(1));
  RunFor(milliseconds(60));
  Drain();
  EXPECT_EQ(Messages(), (std::vector<std::string>{"a-err"}));
}

TEST_F(JournaldInputTest, ResumesAfterTheCheckpointedEntryAcrossARestart) {
  WriteJournal({{"one", "a.service"}, {"two", "a.service"}});
  StartInput(Options());
  ASSERT_TRUE(DrainUntil(2));
  StopInput();
  auto checkpoint = store_->Get(JournaldInput::CheckpointKey("journal"));
  ASSERT_TRUE(checkpoint.has_value());
  EXPECT_EQ(checkpoint->offset, delivered_[1].offset);
  EXPECT_EQ(JournaldInput::OffsetOfCursor(checkpoint->path), delivered_[1].offset)
      << "the checkpoint holds the last entry's cursor";

  // Entries appended while stopped, to the same file and to a new one.
  WriteJournal({{"three", "a.service"}});
  WriteJournal({{"four", "a.service"}}, "y.journal");
  OpenStore();  // what a restarted agent reads from disk
  StartInput(Options());
  ASSERT_TRUE(DrainUntil(4));
  RunFor(milliseconds(60));
  Drain();
  EXPECT_EQ(Messages(), (std::vector<std::string>{"one", "two", "three", "four"}));
  EXPECT_EQ(input_->counters().cursor_resumes, 1u);
}

TEST_F(JournaldInputTest, ReadingAgainGivesEveryEntryTheSameOffset) {
  WriteJournal({{"one", ""}, {"two", ""}, {"three", ""}});
  StartInput(Options());
  ASSERT_TRUE(DrainUntil(3));
  StopInput();
  std::vector<uint64_t> first;
  for (const buffer::Event& e : delivered_) first.push_back(e.offset);
  // A crash before the checkpoint was saved: the entries are read again.
  store_->Erase(JournaldInput::CheckpointKey("journal"));
  delivered_.clear();
  StartInput(Options());
  ASSERT_TRUE(DrainUntil(3));
  std::vector<uint64_t> second;
  for (const buffer::Event& e : delivered_) second.push_back(e.offset);
  EXPECT_EQ(first, second);
}

TEST_F(JournaldInputTest, StartAtEndReadsOnlyEntriesAppendedAfterTheStart) {
  WriteJournal({{"old-1", ""}, {"old-2", ""}});
  JournaldInputOptions options = Options();
  options.start_at_end = true;
  StartInput(options);
  RunFor(milliseconds(60));
  Drain();
  EXPECT_TRUE(delivered_.empty());
  WriteJournal({{"new-1", ""}});
  ASSERT_TRUE(DrainUntil(1));

  // Stopped before anything more: the restart resumes after new-1, not at a later end.
  StopInput();
  WriteJournal({{"while-stopped", ""}}, "y.journal");
  OpenStore();
  StartInput(options);
  ASSERT_TRUE(DrainUntil(2));
  RunFor(milliseconds(60));
  Drain();
  EXPECT_EQ(Messages(), (std::vector<std::string>{"new-1", "while-stopped"}));
}

TEST_F(JournaldInputTest, StartAtEndRemembersTheEndEvenIfNothingNewCame) {
  WriteJournal({{"old", ""}});
  JournaldInputOptions options = Options();
  options.start_at_end = true;
  StartInput(options);
  RunFor(milliseconds(40));
  StopInput();
  WriteJournal({{"while-stopped", ""}});
  OpenStore();
  StartInput(options);
  ASSERT_TRUE(DrainUntil(1));
  RunFor(milliseconds(60));
  Drain();
  EXPECT_EQ(Messages(), (std::vector<std::string>{"while-stopped"}));
}

TEST_F(JournaldInputTest, WaitsWhileTheBufferIsFullAndLosesNothing) {
  std::vector<Entry> entries;
  for (int i = 0; i < 300; ++i)
    entries.push_back({base::StrCat("entry ", i, " ", std::string(200, 'x')), ""});
  WriteJournal(entries);
  queue_ = std::make_unique<buffer::MemoryQueue>(8 * 1024);
  JournaldInputOptions options = Options();
  options.batch_bytes = 2 * 1024;
  StartInput(options);
  ASSERT_TRUE(RunUntil([&] { return queue_->Full(); }));
  RunFor(milliseconds(60));
  const uint64_t read_before_drain = input_->stats().events;
  EXPECT_LT(read_before_drain, 300u);
  RunFor(milliseconds(60));
  EXPECT_EQ(input_->stats().events, read_before_drain) << "nothing is read while Full()";
  ASSERT_TRUE(DrainUntil(300));
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(
        Messages()[static_cast<std::size_t>(i)].starts_with(base::StrCat("entry ", i, " ")));
  }
}

TEST_F(JournaldInputTest, ARefusedAppendIsReadAgainLater) {
  WriteJournal({{"one", ""}, {"two", ""}});
  RefusingBuffer refusing(*queue_);
  refusing.refuse = true;
  input_ = std::make_unique<JournaldInput>(&loop_, refusing, *store_, Options(), clock_);
  ASSERT_TRUE(input_->Start().ok());
  ASSERT_TRUE(RunUntil([&] { return refusing.refused >= 2; })) << "retried at the next tick";
  EXPECT_EQ(input_->counters().append_errors, static_cast<uint64_t>(refusing.refused));
  Drain();
  EXPECT_TRUE(delivered_.empty());
  refusing.refuse = false;
  WriteJournal({{"three", ""}});
  ASSERT_TRUE(DrainUntil(3));
  RunFor(milliseconds(60));
  Drain();
  EXPECT_EQ(Messages(), (std::vector<std::string>{"one", "two", "three"}));
  input_.reset();  // before `refusing`, which it borrows
}

TEST_F(JournaldInputTest, AnUnusableCheckpointCursorReadsFromTheOldestEntry) {
  WriteJournal({{"one", ""}, {"two", ""}});
  store_->Set(JournaldInput::CheckpointKey("journal"),
              buffer::Checkpoint{.offset = 1, .path = "not a cursor"});
  StartInput(Options());
  ASSERT_TRUE(DrainUntil(2));
  RunFor(milliseconds(60));
  Drain();
  EXPECT_EQ(Messages(), (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(input_->counters().cursor_misses, 1u);
}

TEST_F(JournaldInputTest, AVacuumedCheckpointEntryResumesAtTheNextOne) {
  WriteJournal({{"one", ""}, {"two", ""}});
  StartInput(Options());
  ASSERT_TRUE(DrainUntil(2));
  StopInput();
  // The journal is rotated away and replaced by one holding only newer entries.
  fs::remove(journal_dir_ / "x.journal");
  WriteJournal({{"three", ""}}, "y.journal");
  OpenStore();
  StartInput(Options());
  ASSERT_TRUE(DrainUntil(3));
  RunFor(milliseconds(60));
  Drain();
  EXPECT_EQ(Messages(), (std::vector<std::string>{"one", "two", "three"}));
  EXPECT_EQ(input_->counters().cursor_misses, 1u);
}

TEST_F(JournaldInputTest, FailsToStartOnAMissingDirectory) {
  JournaldInputOptions options = Options();
  options.directory = (dir_ / "missing").string();
  input_ = std::make_unique<JournaldInput>(&loop_, *queue_, *store_, std::move(options), clock_);
  base::Status s = input_->Start();
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("missing"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace agent
