#include "buffer/filesystem.h"

namespace buffer {

base::Status ReadWholeFile(Filesystem& fs, const std::string& path, std::vector<std::byte>& out) {
  out.clear();
  auto file = fs.Open(path, Filesystem::OpenMode::kRead);
  if (!file) return file.error();
  auto size = (*file)->Size();
  if (!size) return size.error();
  out.resize(static_cast<std::size_t>(*size));
  std::size_t done = 0;
  while (done < out.size()) {
    auto n = (*file)->ReadAt(done, std::span<std::byte>(out).subspan(done));
    if (!n) return n.error();
    if (*n == 0) break;  // shrank under us: keep what was read
    done += *n;
  }
  out.resize(done);
  return base::Status::Ok();
}

base::Status WriteFileAtomically(Filesystem& fs, const std::string& dir, const std::string& path,
                                 std::span<const std::byte> contents) {
  std::string tmp = path + ".tmp";
  {
    auto file = fs.Open(tmp, Filesystem::OpenMode::kCreateOrTruncate);
    if (!file) return file.error();
    if (base::Status s = (*file)->Append(contents); !s.ok()) return s;
    if (base::Status s = (*file)->Sync(); !s.ok()) return s;
  }
  if (base::Status s = fs.Rename(tmp, path); !s.ok()) return s;
  return fs.SyncDir(dir);
}

}  // namespace buffer
