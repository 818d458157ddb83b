// Tests for DocTable, the id -> document map of one esim index.
#include "tests/esim/doc_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace esim {
namespace {

class DocTableTest : public ::testing::Test {
 protected:
  // Keys must outlive the table: keep them here.
  std::string_view Key(int n) {
    keys_.push_back(std::make_unique<std::string>("id-" + std::to_string(n)));
    return *keys_.back();
  }
  std::vector<std::unique_ptr<std::string>> keys_;
};

TEST_F(DocTableTest, FindsWhatWasInsertedAcrossGrowth) {
  DocTable table;
  constexpr int kDocs = 200'000;  // several rehashes and more than one entry chunk
  for (int n = 0; n < kDocs; ++n) {
    std::string_view key = Key(n);
    uint64_t hash = DocTable::Hash(key);
    ASSERT_EQ(table.Find(key, hash), nullptr);
    table.Insert(key, hash, StoredDoc{.source = {}, .seq_no = n, .version = 1});
  }
  EXPECT_EQ(table.size(), static_cast<std::size_t>(kDocs));
  for (int n = 0; n < kDocs; n += 997) {
    const StoredDoc* doc = table.Find("id-" + std::to_string(n));
    ASSERT_NE(doc, nullptr) << n;
    EXPECT_EQ(doc->seq_no, n);
  }
  EXPECT_EQ(table.Find("id-missing"), nullptr);
}

TEST_F(DocTableTest, ErasedKeysAreGoneAndCanComeBack) {
  DocTable table;
  for (int n = 0; n < 100; ++n) {
    std::string_view key = Key(n);
    table.Insert(key, DocTable::Hash(key), StoredDoc{});
  }
  std::string_view five = keys_[5]->c_str();
  EXPECT_TRUE(table.Erase(five, DocTable::Hash(five)));
  EXPECT_FALSE(table.Erase(five, DocTable::Hash(five)));
  EXPECT_EQ(table.Find(five), nullptr);
  EXPECT_EQ(table.size(), 99u);
  table.Insert(five, DocTable::Hash(five), StoredDoc{.source = {}, .seq_no = 7, .version = 2});
  ASSERT_NE(table.Find(five), nullptr);
  EXPECT_EQ(table.Find(five)->version, 2);

  int visited = 0;
  table.ForEach([&visited](std::string_view, const StoredDoc&) { ++visited; });
  EXPECT_EQ(visited, 100);
}

TEST_F(DocTableTest, IdsDifferingOnlyInTheirLastCharactersSpreadOut) {
  // Counter-like ids: a weak hash would pile them into one probe chain.
  std::vector<uint64_t> buckets(1024, 0);
  for (int n = 0; n < 100'000; ++n) {
    char id[21];
    std::snprintf(id, sizeof(id), "%020d", n);
    ++buckets[DocTable::Hash(id) & 1023];
  }
  for (uint64_t count : buckets) EXPECT_LT(count, 200u) << "expected about 98 per bucket";
}

}  // namespace
}  // namespace esim
