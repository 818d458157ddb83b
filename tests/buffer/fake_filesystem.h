// FakeFilesystem: an in-memory buffer::Filesystem for ring tests. It remembers what each
// file held at its last Sync(), so Crash() can lose unsynced bytes (all of them, or a
// random prefix survives, as after a real power cut), and it can fail on demand: a byte
// capacity for "disk full" (writes fill up to it, then fail with kResourceExhausted, like
// ENOSPC), an injected status (EIO, EROFS) for every write, sync and creation, and
// failing truncations (a partly written frame that cannot be taken back).
//
// Simplification: directory operations (create, rename, unlink) are durable at once.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "buffer/filesystem.h"

namespace buffer {

class FakeFilesystem final : public Filesystem {
 public:
  struct Node {
    std::vector<std::byte> data;
    std::vector<std::byte> durable;  // contents as of the last Sync()
  };

  base::Result<std::unique_ptr<File>> Open(const std::string& path, OpenMode mode) override {
    auto it = files_.find(path);
    if (mode == OpenMode::kCreateOrTruncate) {
      if (failure_) return Fail(*failure_);
      if (it == files_.end()) it = files_.emplace(path, std::make_shared<Node>()).first;
      it->second->data.clear();
    } else if (it == files_.end()) {
      return base::NotFound("open " + path + ": no such file");
    }
    return std::unique_ptr<File>(std::make_unique<FakeFile>(this, it->second));
  }

  base::Status Rename(const std::string& from, const std::string& to) override {
    if (failure_) return Fail(*failure_);
    auto it = files_.find(from);
    if (it == files_.end()) return base::NotFound("rename " + from);
    files_[to] = it->second;
    files_.erase(from);
    return base::Status::Ok();
  }

  base::Status Unlink(const std::string& path) override {
    if (files_.erase(path) == 0) return base::NotFound("unlink " + path);
    return base::Status::Ok();
  }

  base::Result<std::vector<std::string>> List(const std::string& dir) override {
    if (dirs_.count(dir) == 0) return base::NotFound("list " + dir);
    std::vector<std::string> names;
    const std::string prefix = dir + "/";
    for (const auto& [path, node] : files_) {
      if (path.starts_with(prefix) && path.find('/', prefix.size()) == std::string::npos) {
        names.push_back(path.substr(prefix.size()));
      }
    }
    return names;
  }

  base::Status CreateDir(const std::string& dir) override {
    dirs_[dir] = true;
    return base::Status::Ok();
  }
  base::Status SyncDir(const std::string&) override {
    if (failure_) return Fail(*failure_);
    return base::Status::Ok();
  }

  // --- Test controls ---

  // Drops unsynced bytes. With `rng`, a random prefix of each file's unsynced appended
  // bytes survives (a torn write); without, exactly the synced contents remain.
  void Crash(std::mt19937_64* rng = nullptr) {
    for (auto& [path, node] : files_) {
      const auto& d = node->durable;
      bool extends =
          node->data.size() >= d.size() && std::equal(d.begin(), d.end(), node->data.begin());
      std::size_t keep = d.size();
      if (rng != nullptr && extends && node->data.size() > d.size()) {
        keep += static_cast<std::size_t>((*rng)() % (node->data.size() - d.size() + 1));
        node->data.resize(keep);
      } else {
        node->data = d;
      }
      node->durable = node->data;
    }
  }

  // Total bytes the files may hold; writes beyond it fail like ENOSPC.
  void SetCapacity(uint64_t bytes) { capacity_ = bytes; }
  void ClearCapacity() { capacity_ = std::numeric_limits<uint64_t>::max(); }
  uint64_t UsedBytes() const {
    uint64_t n = 0;
    for (const auto& [path, node] : files_) n += node->data.size();
    return n;
  }
  // Every write, sync, rename and creation fails with `status` until ClearFailure().
  void FailWith(base::Status status) { failure_ = std::move(status); }
  void ClearFailure() { failure_.reset(); }
  // Truncate() fails with kIoError while set.
  void FailTruncate(bool fail) { fail_truncate_ = fail; }
  // Write, sync and creation calls that failed so far (injected or for lack of space).
  uint64_t FailedCalls() const { return failed_calls_; }

  bool Exists(const std::string& path) const { return files_.count(path) != 0; }
  // Direct access to a file's bytes, for tests that damage them (also marked durable).
  std::vector<std::byte>& Bytes(const std::string& path) { return files_.at(path)->data; }
  void MakeDurable(const std::string& path) { files_.at(path)->durable = files_.at(path)->data; }
  void WriteRaw(const std::string& path, std::vector<std::byte> bytes) {
    auto node = std::make_shared<Node>();
    node->data = bytes;
    node->durable = std::move(bytes);
    files_[path] = std::move(node);
  }
  std::vector<std::string> Paths() const {
    std::vector<std::string> out;
    for (const auto& [path, node] : files_) out.push_back(path);
    return out;
  }

 private:
  class FakeFile final : public File {
   public:
    FakeFile(FakeFilesystem* fs, std::shared_ptr<Node> node) : fs_(fs), node_(std::move(node)) {}

    base::Status Append(std::span<const std::byte> data) override {
      return WriteAt(node_->data.size(), data);
    }
    base::Status WriteAt(uint64_t offset, std::span<const std::byte> data) override {
      if (fs_->failure_) return fs_->Fail(*fs_->failure_);
      auto& d = node_->data;
      const uint64_t end = offset + data.size();
      const uint64_t growth = end > d.size() ? end - d.size() : 0;
      const uint64_t used = fs_->UsedBytes();
      const uint64_t room = fs_->capacity_ > used ? fs_->capacity_ - used : 0;
      if (growth > room) {
        // Fill what fits, then fail, as a real disk does.
        std::size_t fit = static_cast<std::size_t>(d.size() + room - offset);
        if (offset <= d.size() && fit > 0) Write(offset, data.first(std::min(fit, data.size())));
        return fs_->Fail(base::ResourceExhausted("write: no space left on device"));
      }
      Write(offset, data);
      return base::Status::Ok();
    }
    base::Result<std::size_t> ReadAt(uint64_t offset, std::span<std::byte> out) override {
      const auto& d = node_->data;
      if (offset >= d.size()) return std::size_t{0};
      std::size_t n = std::min<std::size_t>(out.size(), d.size() - offset);
      std::memcpy(out.data(), d.data() + offset, n);
      return n;
    }
    base::Status Sync() override {
      if (fs_->failure_) return fs_->Fail(*fs_->failure_);
      node_->durable = node_->data;
      return base::Status::Ok();
    }
    base::Status Truncate(uint64_t size) override {
      if (fs_->fail_truncate_) return fs_->Fail(base::IoError("truncate: input/output error"));
      node_->data.resize(static_cast<std::size_t>(size));
      return base::Status::Ok();
    }
    base::Result<uint64_t> Size() override { return uint64_t{node_->data.size()}; }

   private:
    void Write(uint64_t offset, std::span<const std::byte> data) {
      auto& d = node_->data;
      if (d.size() < offset + data.size()) d.resize(offset + data.size());
      std::memcpy(d.data() + offset, data.data(), data.size());
    }

    FakeFilesystem* fs_;
    std::shared_ptr<Node> node_;  // shared: an open file outlives its unlink, as in POSIX
  };

  base::Status Fail(base::Status status) {
    ++failed_calls_;
    return status;
  }

  std::map<std::string, std::shared_ptr<Node>> files_;
  std::map<std::string, bool> dirs_;
  bool fail_truncate_ = false;
  uint64_t failed_calls_ = 0;
  uint64_t capacity_ = std::numeric_limits<uint64_t>::max();
  std::optional<base::Status> failure_;
};

}  // namespace buffer
