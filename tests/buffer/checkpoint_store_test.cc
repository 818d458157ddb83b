#include "buffer/checkpoint_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "buffer/crc32c.h"

namespace buffer {
namespace {

namespace fs = std::filesystem;

class CheckpointStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "checkpoint_store_test.XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = (dir_ / "checkpoints").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  CheckpointStore OpenOrDie() {
    base::Result<CheckpointStore> store = CheckpointStore::Open(path_);
    EXPECT_TRUE(store.has_value()) << store.error().ToString();
    return std::move(store).value();
  }
  std::string ReadAll(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  void WriteAll(const std::string& path, std::string_view contents) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << contents;
  }
  // Files in the directory whose name starts with "checkpoints.corrupt-".
  int CorruptCopies() {
    int n = 0;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      if (entry.path().filename().string().starts_with("checkpoints.corrupt-")) ++n;
    }
    return n;
  }
  void WriteTwoEntries() {
    CheckpointStore store = OpenOrDie();
    store.Set("input/dev:1,ino:2",
              Checkpoint{1234, 3, "/var/log/a.log", 1'700'000'000'000'000'000});
    store.Set("input/dev:1,ino:9", Checkpoint{99, 0, "/var/log/b.log", 5});
    ASSERT_TRUE(store.Persist().ok());
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(CheckpointStoreTest, MissingFileIsAnEmptyFirstStart) {
  CheckpointStore store = OpenOrDie();
  EXPECT_TRUE(store.first_start());
  EXPECT_EQ(store.size(), 0u);
  EXPECT_FALSE(store.Get("anything").has_value());
}

TEST_F(CheckpointStoreTest, RoundTripKeepsEveryField) {
  WriteTwoEntries();
  CheckpointStore store = OpenOrDie();
  EXPECT_FALSE(store.first_start());
  ASSERT_EQ(store.size(), 2u);
  std::optional<Checkpoint> a = store.Get("input/dev:1,ino:2");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->offset, 1234u);
  EXPECT_EQ(a->generation, 3u);
  EXPECT_EQ(a->path, "/var/log/a.log");
  EXPECT_EQ(a->updated_unix_nanos, 1'700'000'000'000'000'000);
  EXPECT_EQ(store.Get("input/dev:1,ino:9")->offset, 99u);
}

TEST_F(CheckpointStoreTest, KeysAndPathsWithTabsNewlinesAndPercentSurvive) {
  const std::string key = "in\tput/100%\nkey";
  const std::string path = "/tmp/we\nird\t%41.log";
  {
    CheckpointStore store = OpenOrDie();
    store.Set(key, Checkpoint{7, 1, path, 2});
    ASSERT_TRUE(store.Persist().ok());
  }
  CheckpointStore store = OpenOrDie();
  ASSERT_TRUE(store.Get(key).has_value());
  EXPECT_EQ(store.Get(key)->path, path);
}

TEST_F(CheckpointStoreTest, EraseRemovesAnEntryFromTheFile) {
  WriteTwoEntries();
  {
    CheckpointStore store = OpenOrDie();
    store.Erase("input/dev:1,ino:2");
    ASSERT_TRUE(store.Persist().ok());
  }
  CheckpointStore store = OpenOrDie();
  EXPECT_FALSE(store.Get("input/dev:1,ino:2").has_value());
  EXPECT_TRUE(store.Get("input/dev:1,ino:9").has_value());
}

TEST_F(CheckpointStoreTest, PersistWritesOnlyWhenSomethingChanged) {
  WriteTwoEntries();
  CheckpointStore store = OpenOrDie();
  EXPECT_FALSE(store.dirty());
  fs::remove(path_);
  ASSERT_TRUE(store.Persist().ok());
  EXPECT_FALSE(fs::exists(path_)) << "a clean store does not rewrite the file";
  store.Set("k", Checkpoint{1, 0, "p", 0});
  EXPECT_TRUE(store.dirty());
  ASSERT_TRUE(store.Persist().ok());
  EXPECT_TRUE(fs::exists(path_));
  EXPECT_FALSE(store.dirty());
}

TEST_F(CheckpointStoreTest, TornFileIsRenamedAsideAndTreatedAsEmpty) {
  WriteTwoEntries();
  std::string contents = ReadAll(path_);
  WriteAll(path_, contents.substr(0, contents.size() - 12));
  CheckpointStore store = OpenOrDie();
  EXPECT_EQ(store.size(), 0u);
  EXPECT_FALSE(store.first_start()) << "damage must not let start_at=end skip data";
  EXPECT_EQ(CorruptCopies(), 1);
  EXPECT_FALSE(fs::exists(path_));
}

TEST_F(CheckpointStoreTest, EditedFileFailsItsCrc) {
  WriteTwoEntries();
  std::string contents = ReadAll(path_);
  std::size_t at = contents.find("1234");
  ASSERT_NE(at, std::string::npos);
  contents[at] = '9';
  WriteAll(path_, contents);
  CheckpointStore store = OpenOrDie();
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(CorruptCopies(), 1);
}

TEST_F(CheckpointStoreTest, GarbageFileIsReportedNotFatal) {
  WriteAll(path_, std::string("\x00\xFF garbage\n\n\t\t", 13));
  CheckpointStore store = OpenOrDie();
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(CorruptCopies(), 1);
  // The next Persist replaces the damage with a valid (empty) file.
  ASSERT_TRUE(store.Persist().ok());
  CheckpointStore reopened = OpenOrDie();
  EXPECT_EQ(reopened.size(), 0u);
  EXPECT_EQ(CorruptCopies(), 1);
}

TEST_F(CheckpointStoreTest, UnknownVersionIsTreatedAsCorrupt) {
  WriteAll(path_, "skiff-checkpoints 9\ncrc32c 00000000\n");
  CheckpointStore store = OpenOrDie();
  EXPECT_EQ(store.size(), 0u);
  EXPECT_EQ(CorruptCopies(), 1);
}

TEST_F(CheckpointStoreTest, TmpLeftByACrashBetweenWriteAndRenameIsIgnored) {
  WriteTwoEntries();
  // A crash after writing the new contents to the temporary file, before the rename.
  WriteAll(path_ + ".tmp", "skiff-checkpoints 1\nhalf-writ");
  CheckpointStore store = OpenOrDie();
  ASSERT_EQ(store.size(), 2u);
  EXPECT_EQ(store.Get("input/dev:1,ino:2")->offset, 1234u);
  EXPECT_EQ(CorruptCopies(), 0);
  store.Set("input/dev:1,ino:2", Checkpoint{2000, 3, "/var/log/a.log", 6});
  ASSERT_TRUE(store.Persist().ok());
  EXPECT_EQ(OpenOrDie().Get("input/dev:1,ino:2")->offset, 2000u);
}

TEST_F(CheckpointStoreTest, UnreadableFileIsAnError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads any file";
  WriteTwoEntries();
  fs::permissions(path_, fs::perms::none);
  base::Result<CheckpointStore> store = CheckpointStore::Open(path_);
  EXPECT_FALSE(store.has_value());
}

TEST_F(CheckpointStoreTest, FileFormatIsVersionedAndChecksummed) {
  CheckpointStore store = OpenOrDie();
  store.Set("k", Checkpoint{10, 2, "/p", 3, 0xabcdef, 1024});
  const std::string text = store.Serialize();
  EXPECT_TRUE(
      text.starts_with("skiff-checkpoints 2\nk\t10\t2\t3\t1024:0000000000abcdef\t/p\ncrc32c "))
      << text;
  EXPECT_EQ(text.size(), std::string("skiff-checkpoints 2\nk\t10\t2\t3\t1024:0000000000abcdef\t/p\n"
                                     "crc32c 01234567\n")
                             .size());
}

TEST_F(CheckpointStoreTest, FingerprintsSurviveAPersistAndReopen) {
  CheckpointStore store = OpenOrDie();
  store.Set("k", Checkpoint{10, 2, "/p", 3, 0xfedcba9876543210, 17});
  ASSERT_TRUE(store.Persist().ok());
  std::optional<Checkpoint> reopened = OpenOrDie().Get("k");
  ASSERT_TRUE(reopened.has_value());
  EXPECT_EQ(reopened->fingerprint, 0xfedcba9876543210u);
  EXPECT_EQ(reopened->fingerprint_bytes, 17u);
  EXPECT_EQ(reopened->path, "/p");
}

TEST_F(CheckpointStoreTest, VersionOneFilesAreReadWithoutFingerprints) {
  // Written by earlier versions: no fingerprint field.
  const std::string body = "skiff-checkpoints 1\nk\t10\t2\t3\t/var/log/a.log\n";
  char crc[9];
  std::snprintf(crc, sizeof(crc), "%08x",
                crc32c::Value(std::as_bytes(std::span(body.data(), body.size()))));
  WriteAll(path_, body + "crc32c " + crc + "\n");
  CheckpointStore store = OpenOrDie();
  std::optional<Checkpoint> cp = store.Get("k");
  ASSERT_TRUE(cp.has_value());
  EXPECT_EQ(cp->offset, 10u);
  EXPECT_EQ(cp->path, "/var/log/a.log");
  EXPECT_EQ(cp->fingerprint_bytes, 0u);
  EXPECT_EQ(CorruptCopies(), 0);
}

}  // namespace
}  // namespace buffer
