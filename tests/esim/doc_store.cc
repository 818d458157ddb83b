#include "tests/esim/doc_store.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "platforms/base/log.h"
#include "tests/esim/huge_page_allocator.h"
#include "tests/esim/json_text.h"

namespace esim {

struct DocStore::Index {
  std::string name;
  std::string reported_name;  // a data stream reports its backing index
  std::string uuid;
  Arena arena;
  DocTable docs;
  int64_t next_seq_no = 0;
};

namespace {

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A 22-character URL-safe id, shaped like ES's index UUIDs.
std::string MakeUuid(uint64_t seed) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint64_t a = SplitMix64(seed);
  uint64_t b = SplitMix64(a);
  for (int i = 0; i < 22; ++i) {
    uint64_t& source = i < 11 ? a : b;
    out += kAlphabet[source & 63];
    source >>= 6;
  }
  return out;
}

// ".ds-<stream>-<yyyy.MM.dd>-000001", as ES names a data stream's first backing index.
std::string BackingIndexName(std::string_view stream) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char date[16];
  std::strftime(date, sizeof(date), "%Y.%m.%d", &tm);
  std::string out = ".ds-";
  out += stream;
  out += '-';
  out += date;
  out += "-000001";
  return out;
}

}  // namespace

Arena::~Arena() {
  for (const Chunk& chunk : chunks_) FreeBlock(chunk.data, chunk.bytes);
}

std::string_view Arena::Copy(std::string_view bytes) {
  if (bytes.empty()) return {};
  if (bytes.size() > left_) {
    std::size_t size = std::max(next_chunk_bytes_, bytes.size());
    void* chunk = AllocateBlock(size, &size);
    chunks_.push_back(Chunk{chunk, size});
    next_ = static_cast<char*>(chunk);
    left_ = size;
    next_chunk_bytes_ = std::min(next_chunk_bytes_ * 2, kMaxChunkBytes);
  }
  std::memcpy(next_, bytes.data(), bytes.size());
  std::string_view view(next_, bytes.size());
  next_ += bytes.size();
  left_ -= bytes.size();
  used_ += bytes.size();
  return view;
}

bool GlobMatch(std::string_view pattern, std::string_view name) {
  // Iterative glob with single-star backtracking: linear enough for index names.
  std::size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool DocStore::IsDataStreamName(std::string_view name) {
  return GlobMatch("logs-*-*", name) || GlobMatch("metrics-*-*", name) ||
         GlobMatch("synthetics-*-*", name);
}

// ES rejects longer index names.
constexpr std::size_t kMaxIndexNameBytes = 255;

// ES's MetadataCreateIndexService.validateIndexOrAliasName, in its order.
std::optional<std::string> DocStore::InvalidIndexNameReason(std::string_view name) {
  if (name.find('#') != std::string_view::npos) return "must not contain '#'";
  if (name.find(':') != std::string_view::npos) return "must not contain ':'";
  if (name.starts_with('_') || name.starts_with('-') || name.starts_with('+')) {
    return "must not start with '_', '-', or '+'";
  }
  for (char c : name) {
    if (c == ' ' || c == '"' || c == '*' || c == ',' || c == '/' || c == '<' || c == '>' ||
        c == '?' || c == '\\' || c == '|') {
      return "must not contain the following characters [ , \", *, \\, <, |, ,, >, /, ?]";
    }
  }
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') return "must be lowercase";
  }
  if (name == "." || name == "..") return "must not be '.' or '..'";
  if (name.size() > kMaxIndexNameBytes) {
    return base::StrCat("index name is too long, (", name.size(), " > ", kMaxIndexNameBytes, ")");
  }
  return std::nullopt;
}

DocStore::DocStore(bool keep_source) : keep_source_(keep_source) {}
DocStore::~DocStore() = default;

DocStore::Index& DocStore::GetOrCreateLocked(std::string_view name) {
  auto it = indices_.find(name);
  if (it != indices_.end()) return *it->second;
  auto index = std::make_unique<Index>();
  index->name = std::string(name);
  index->reported_name = IsDataStreamName(name) ? BackingIndexName(name) : index->name;
  index->uuid = MakeUuid(++uuid_counter_ ^ static_cast<uint64_t>(std::time(nullptr)));
  Index& ref = *index;
  indices_.emplace(std::string(name), std::move(index));
  return ref;
}

DocStore::Writer::Writer(DocStore& store) : store_(store), lock_(store.mu_) {}

void DocStore::Writer::EnsureIndex(std::string_view index_name) {
  if (last_index_ == nullptr || last_index_->name != index_name) {
    last_index_ = &store_.GetOrCreateLocked(index_name);
  }
}

void DocStore::Writer::Prefetch(std::string_view index_name, uint64_t id_hash) const {
  if (last_index_ != nullptr && last_index_->name == index_name) {
    last_index_->docs.Prefetch(id_hash);
  }
}

WriteOutcome DocStore::Writer::Write(WriteOp op, std::string_view index_name, std::string_view id,
                                     uint64_t id_hash, std::string_view source, int64_t if_seq_no) {
  if (last_index_ == nullptr || last_index_->name != index_name) {
    last_index_ = &store_.GetOrCreateLocked(index_name);
  }
  Index& index = *last_index_;
  WriteOutcome outcome;
  outcome.reported_index = index.reported_name;
  outcome.index_uuid = index.uuid;

  const uint64_t hash = id_hash;
  StoredDoc* existing = index.docs.Find(id, hash);
  const bool exists = existing != nullptr;
  auto conflict = [&] {
    outcome.result = WriteResult::kConflict;
    outcome.current_version = exists ? existing->version : -1;
    outcome.current_seq_no = exists ? existing->seq_no : -2;
    return outcome;
  };
  if (if_seq_no >= 0 && (!exists || existing->seq_no != if_seq_no)) return conflict();

  switch (op) {
    case WriteOp::kDelete:
      if (!exists) {
        outcome.result = WriteResult::kNotFound;
        outcome.seq_no = index.next_seq_no++;
        return outcome;
      }
      outcome.result = WriteResult::kDeleted;
      outcome.version = existing->version + 1;
      outcome.seq_no = index.next_seq_no++;
      index.docs.Erase(id, hash);
      store_.documents_.fetch_sub(1, std::memory_order_relaxed);
      return outcome;
    case WriteOp::kCreate:
      if (exists) return conflict();
      break;
    case WriteOp::kIndex:
      if (exists) {
        StoredDoc& doc = *existing;
        doc.source = store_.keep_source_ ? index.arena.Copy(source) : std::string_view();
        doc.version += 1;
        doc.seq_no = index.next_seq_no++;
        outcome.result = WriteResult::kUpdated;
        outcome.version = doc.version;
        outcome.seq_no = doc.seq_no;
        return outcome;
      }
      break;
  }
  StoredDoc doc;
  doc.source = store_.keep_source_ ? index.arena.Copy(source) : std::string_view();
  doc.seq_no = index.next_seq_no++;
  doc.version = 1;
  index.docs.Insert(index.arena.Copy(id), hash, doc);
  store_.documents_.fetch_add(1, std::memory_order_relaxed);
  outcome.result = WriteResult::kCreated;
  outcome.seq_no = doc.seq_no;
  outcome.version = 1;
  return outcome;
}

bool DocStore::CreateIndex(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (indices_.find(name) != indices_.end()) return false;
  GetOrCreateLocked(name);
  return true;
}

void DocStore::PutAlias(std::string_view index, std::string_view alias, bool is_write_index) {
  std::lock_guard<std::mutex> lock(mu_);
  Alias& entry = aliases_[std::string(alias)];
  if (std::find(entry.indices.begin(), entry.indices.end(), index) == entry.indices.end()) {
    entry.indices.emplace_back(index);
  }
  if (is_write_index) entry.write_index = std::string(index);
  has_aliases_.store(true, std::memory_order_relaxed);
}

bool DocStore::IsAlias(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return aliases_.find(name) != aliases_.end();
}

std::optional<std::string> DocStore::ResolveWriteIndex(std::string_view name,
                                                       std::string* error) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = aliases_.find(name);
  if (it == aliases_.end()) return std::string(name);
  const Alias& alias = it->second;
  if (!alias.write_index.empty()) return alias.write_index;
  if (alias.indices.size() == 1) return alias.indices.front();
  *error = base::StrCat("no write index is defined for alias [", name,
                        "]. The write index may be explicitly disabled using "
                        "is_write_index=false or the alias points to multiple indices without "
                        "one being designated as a write index");
  return std::nullopt;
}

std::vector<std::string> DocStore::AliasesOf(std::string_view index) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [name, alias] : aliases_) {
    if (std::find(alias.indices.begin(), alias.indices.end(), index) != alias.indices.end()) {
      out.push_back(name);
    }
  }
  return out;
}

bool DocStore::DeleteIndex(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = indices_.find(name);
  if (it == indices_.end()) return false;
  for (auto alias = aliases_.begin(); alias != aliases_.end();) {
    auto& indices = alias->second.indices;
    indices.erase(std::remove(indices.begin(), indices.end(), name), indices.end());
    if (alias->second.write_index == name) alias->second.write_index.clear();
    alias = indices.empty() ? aliases_.erase(alias) : std::next(alias);
  }
  documents_.fetch_sub(it->second->docs.size(), std::memory_order_relaxed);
  indices_.erase(it);
  return true;
}

bool DocStore::IndexExists(std::string_view name) const {
  std::lock_guard<std::mutex> lock(mu_);
  return indices_.find(name) != indices_.end();
}

std::optional<uint64_t> DocStore::Count(std::string_view expression, std::string* missing) const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t total = 0;
  if (expression.empty() || expression == "_all") expression = "*";
  while (!expression.empty()) {
    std::size_t comma = expression.find(',');
    std::string_view part = expression.substr(0, comma);
    if (part.find('*') != std::string_view::npos) {
      for (const auto& [name, index] : indices_) {
        // As in ES, wildcards skip hidden (dot-prefixed) indices unless they ask for them.
        if (name.starts_with('.') && !part.starts_with('.')) continue;
        if (GlobMatch(part, name)) total += index->docs.size();
      }
    } else if (auto alias = aliases_.find(part); alias != aliases_.end()) {
      for (const std::string& index : alias->second.indices) {
        auto it = indices_.find(index);
        if (it != indices_.end()) total += it->second->docs.size();
      }
    } else if (!part.empty()) {
      auto it = indices_.find(part);
      if (it == indices_.end()) {
        if (missing != nullptr) *missing = std::string(part);
        return std::nullopt;
      }
      total += it->second->docs.size();
    }
    if (comma == std::string_view::npos) break;
    expression.remove_prefix(comma + 1);
  }
  return total;
}

std::optional<DocSnapshot> DocStore::Get(std::string_view index_name, std::string_view id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto index = indices_.find(index_name);
  if (index == indices_.end()) return std::nullopt;
  const StoredDoc* doc = index->second->docs.Find(id);
  if (doc == nullptr) return std::nullopt;
  return DocSnapshot{.index_name = index->second->reported_name,
                     .source = std::string(doc->source),
                     .seq_no = doc->seq_no,
                     .version = doc->version};
}

void DocStore::DumpIndexLocked(const Index& index, std::string& out) const {
  std::vector<std::pair<std::string_view, const StoredDoc*>> docs;
  docs.reserve(index.docs.size());
  index.docs.ForEach(
      [&docs](std::string_view id, const StoredDoc& doc) { docs.emplace_back(id, &doc); });
  std::sort(docs.begin(), docs.end(),
            [](const auto& a, const auto& b) { return a.second->seq_no < b.second->seq_no; });
  for (const auto& [id, doc] : docs) {
    out += "{\"_index\":";
    AppendJsonText(out, index.name);
    out += ",\"_id\":";
    AppendJsonText(out, id);
    if (keep_source_) {
      out += ",\"_source\":";
      out += doc->source;
    }
    out += "}\n";
  }
}

bool DocStore::Dump(std::string_view index_name, std::string& out) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!index_name.empty()) {
    auto it = indices_.find(index_name);
    if (it == indices_.end()) return false;
    DumpIndexLocked(*it->second, out);
    return true;
  }
  for (const auto& [name, index] : indices_) DumpIndexLocked(*index, out);
  return true;
}

std::vector<std::pair<std::string, uint64_t>> DocStore::ListIndices() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::pair<std::string, uint64_t>> out;
  for (const auto& [name, index] : indices_) out.emplace_back(name, index->docs.size());
  return out;
}

void DocStore::Reset() {
  std::lock_guard<std::mutex> lock(mu_);
  indices_.clear();
  aliases_.clear();
  has_aliases_.store(false, std::memory_order_relaxed);
  documents_.store(0, std::memory_order_relaxed);
}

}  // namespace esim
