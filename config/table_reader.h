// TableReader: reads the keys of one TOML table into typed values, and reports every
// problem (wrong type, bad value, unknown key) to an ErrorList with the key's path and its
// line and column. Internal to config/: the only header besides the loader that sees toml++.
//
// Each read marks its key as known; ReportUnknownKeys(), called after all reads, reports
// the rest with a "did you mean" suggestion. Every string value goes through
// ExpandEnvReferences first. Values of secret keys are never quoted in a message.
// Key names given to the reads are kept as views until the reader is destroyed: pass
// string literals.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "config/config_error.h"
#include "config/toml_include.h"

namespace config {

template <class E>
struct EnumName {
  std::string_view name;
  E value;
};

class TableReader {
 public:
  enum class Outcome { kAbsent, kSet, kInvalid };

  // Borrows `table` and `errors`, which must outlive the reader. `path` is the table's key
  // path ("" for the root, "inputs.file[0]"); `fallback` is the position used for the
  // table itself when toml++ has none (the root, implicit tables).
  TableReader(const toml::table& table, std::string path, ErrorList& errors, Position fallback);

  TableReader(const TableReader&) = delete;
  TableReader& operator=(const TableReader&) = delete;

  // On kSet the value is written to `*out`; on kAbsent and kInvalid `*out` keeps its
  // default. kInvalid has been reported.
  Outcome String(std::string_view key, std::string* out);
  // A password or key: `${ENV}` references and, after their expansion, "file:/path".
  Outcome SecretValue(std::string_view key, Secret* out);
  // A size string ("5MiB") or a non-negative integer number of bytes, within [min, max].
  Outcome Size(std::string_view key, uint64_t min, uint64_t max, uint64_t* out);
  // A duration string ("500ms"); at least `min`.
  Outcome Duration(std::string_view key, std::chrono::milliseconds min,
                   std::chrono::milliseconds* out);
  Outcome Integer(std::string_view key, int64_t min, int64_t max, int64_t* out);
  Outcome Bool(std::string_view key, bool* out);
  // An array of strings; each element is expanded and checked on its own.
  Outcome StringArray(std::string_view key, std::vector<std::string>* out);
  // A table of string, integer, float or boolean values, rendered as JSON.
  Outcome Fields(std::string_view key, std::vector<Field>* out);
  // One of `names`; the message lists them all.
  Outcome Choice(std::string_view key, std::span<const std::string_view> names, std::size_t* index);

  template <class E, std::size_t N>
  Outcome Enum(std::string_view key, const std::array<EnumName<E>, N>& names, E* out) {
    std::array<std::string_view, N> texts;
    for (std::size_t i = 0; i < N; ++i) texts[i] = names[i].name;
    std::size_t index = 0;
    Outcome outcome = Choice(key, texts, &index);
    if (outcome == Outcome::kSet) *out = names[index].value;
    return outcome;
  }

  // A sub-table (a [section] or an inline table); nullptr when absent or, reported, when
  // the value is not a table.
  const toml::table* Table(std::string_view key);
  // An array of tables ([[section]]); nullptr when absent or, reported, when it is not.
  const toml::array* ArrayOfTables(std::string_view key);
  // Marks a key as known without reading it: its value is checked by someone else.
  void Skip(std::string_view key);
  // A key from the design that this version does not implement yet: if present, it is
  // reported as "`what` is not available in this version yet".
  void NotYetAvailable(std::string_view key, std::string_view what);

  // Reports every key that no read above asked for.
  void ReportUnknownKeys();

  bool Has(std::string_view key) const { return table_.contains(key); }
  // "output.elasticsearch.hosts"
  std::string PathOf(std::string_view key) const;
  const std::string& path() const { return path_; }
  // The position of `key`'s value, or of the table when the key is absent.
  Position PositionOf(std::string_view key) const;
  Position TablePosition() const;
  // Reports `message` for `key` at PositionOf(key).
  void Error(std::string_view key, std::string_view message);
  // Reports `message` for element `index` of the array at `key` ("hosts[1]"), at the element.
  void ElementError(std::string_view key, std::size_t index, std::string_view message);

 private:
  void MarkKnown(std::string_view key);
  const toml::node* Find(std::string_view key);
  // Reads a string value and expands its references; reports and returns false on error.
  bool ExpandString(const toml::node& node, const std::string& path, std::string* out,
                    std::string* raw);

  const toml::table& table_;
  std::string path_;
  ErrorList& errors_;
  Position fallback_;
  std::vector<std::string_view> known_;    // views of string literals in the loader
  std::vector<std::string_view> not_yet_;  // likewise
};

// Position of a node, or `fallback` when toml++ recorded none.
Position PositionOf(const toml::node& node, Position fallback);

// "a string", "an integer", ... for "expected X, got Y" messages.
std::string_view TypeName(toml::node_type type);

// `text` quoted for a message, shortened to a few dozen characters.
std::string QuoteForMessage(std::string_view text);

}  // namespace config
