#include "agent/line_splitter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <new>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

// The counting operator new below is malloc-based and its delete frees: GCC flags the
// pairing once both are inlined into callers, though it is the documented way to
// replace them.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace {

// Counts heap allocations so a test can prove the steady state allocates nothing.
std::size_t g_allocations = 0;

}  // namespace

void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace agent {
namespace {

// Small enough that the goldens show truncation with short, readable inputs.
constexpr std::size_t kGoldenMaxLineBytes = 16;

std::string Escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u >= 0x7F) {
      char hex[5];
      std::snprintf(hex, sizeof(hex), "\\x%02x", u);
      out += hex;
    } else {
      out += c;
    }
  }
  return out;
}

// Feeds `input` in the chunks that `cuts` (ascending positions) make; renders the result
// in the .out format.
std::string Render(std::string_view input, const std::vector<std::size_t>& cuts,
                   std::size_t max_line_bytes = kGoldenMaxLineBytes) {
  LineSplitter splitter(max_line_bytes);
  std::ostringstream out;
  auto on_line = [&](const LineSplitter::Line& line) {
    out << line.offset << ' ' << (line.truncated ? "truncated" : "full") << " |"
        << Escape(line.text) << "|\n";
  };
  std::size_t begin = 0;
  for (std::size_t cut : cuts) {
    splitter.Feed(input.substr(begin, cut - begin), on_line);
    begin = cut;
  }
  splitter.Feed(input.substr(begin), on_line);
  out << "consumed=" << splitter.consumed_offset() << " fed=" << splitter.fed_offset()
      << " pending=" << splitter.pending_bytes() << "\n";
  return out.str();
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::filesystem::path> GoldenInputs() {
  std::vector<std::filesystem::path> inputs;
  for (const auto& entry : std::filesystem::directory_iterator(SKIFF_GOLDEN_DIR)) {
    if (entry.path().extension() == ".in") inputs.push_back(entry.path());
  }
  std::sort(inputs.begin(), inputs.end());
  return inputs;
}

class LineSplitterTest : public ::testing::Test {};

TEST_F(LineSplitterTest, GoldenFilesMatchWhateverTheChunking) {
  const bool update = std::getenv("SKIFF_UPDATE_GOLDEN") != nullptr;
  std::vector<std::filesystem::path> inputs = GoldenInputs();
  ASSERT_GE(inputs.size(), 5u) << "goldens missing from " << SKIFF_GOLDEN_DIR;
  for (const auto& in_path : inputs) {
    SCOPED_TRACE(in_path.filename().string());
    const std::string input = ReadFile(in_path);
    std::filesystem::path out_path = in_path;
    out_path.replace_extension(".out");
    const std::string whole = Render(input, {});
    if (update) {
      std::ofstream(out_path, std::ios::binary) << whole;
      continue;
    }
    ASSERT_TRUE(std::filesystem::exists(out_path)) << "run with SKIFF_UPDATE_GOLDEN=1";
    const std::string expected = ReadFile(out_path);
    EXPECT_EQ(whole, expected);
    for (std::size_t a = 0; a <= input.size(); ++a) {
      ASSERT_EQ(Render(input, {a}), expected) << "split at " << a;
      for (std::size_t b = a; b <= input.size(); ++b) {
        ASSERT_EQ(Render(input, {a, b}), expected) << "split at " << a << " and " << b;
      }
    }
    std::vector<std::size_t> every_byte;
    for (std::size_t i = 1; i < input.size(); ++i) every_byte.push_back(i);
    EXPECT_EQ(Render(input, every_byte), expected) << "byte by byte";
  }
}

TEST_F(LineSplitterTest, LinesInsideOneChunkAreViewsIntoIt) {
  LineSplitter splitter(64);
  const std::string chunk = "alpha\nbeta\n";
  std::vector<const char*> starts;
  splitter.Feed(chunk, [&](const LineSplitter::Line& line) { starts.push_back(line.text.data()); });
  ASSERT_EQ(starts.size(), 2u);
  EXPECT_EQ(starts[0], chunk.data());
  EXPECT_EQ(starts[1], chunk.data() + 6);
}

TEST_F(LineSplitterTest, StartOffsetShiftsEveryLineOffset) {
  LineSplitter splitter(64, 1000);
  std::vector<uint64_t> offsets;
  splitter.Feed("a\nbc\n", [&](const LineSplitter::Line& line) { offsets.push_back(line.offset); });
  EXPECT_EQ(offsets, (std::vector<uint64_t>{1000, 1002}));
  EXPECT_EQ(splitter.consumed_offset(), 1005u);
}

TEST_F(LineSplitterTest, HugeLineIsEmittedOnceAndNeverBuffered) {
  constexpr std::size_t kMaxLineBytes = 1024;
  constexpr std::size_t kChunkBytes = 64 * 1024;
  constexpr std::size_t kHugeLineBytes = 100 * 1024 * 1024;
  LineSplitter splitter(kMaxLineBytes);
  std::string chunk(kChunkBytes, 'x');
  std::size_t lines = 0;
  std::size_t truncated = 0;
  std::size_t max_pending = 0;
  auto on_line = [&](const LineSplitter::Line& line) {
    ++lines;
    truncated += line.truncated ? 1 : 0;
    EXPECT_LE(line.text.size(), kMaxLineBytes);
  };
  for (std::size_t fed = 0; fed < kHugeLineBytes; fed += kChunkBytes) {
    splitter.Feed(chunk, on_line);
    max_pending = std::max(max_pending, splitter.pending_bytes());
  }
  splitter.Feed("\nnext\n", on_line);
  EXPECT_EQ(lines, 2u);
  EXPECT_EQ(truncated, 1u);
  EXPECT_LE(max_pending, kMaxLineBytes + 1);
  EXPECT_EQ(splitter.consumed_offset(), kHugeLineBytes + 6);
}

TEST_F(LineSplitterTest, ConsumedOffsetStaysBeforeAnOverLongLineUntilItsNewline) {
  LineSplitter splitter(4);
  splitter.Feed("ok\n0123456789", [](const LineSplitter::Line&) {});
  EXPECT_EQ(splitter.consumed_offset(), 3u) << "a restart re-reads (and re-truncates) the line";
  EXPECT_TRUE(splitter.skipping());
  splitter.Feed("abc\n", [](const LineSplitter::Line&) {});
  EXPECT_EQ(splitter.consumed_offset(), 17u);
  EXPECT_FALSE(splitter.skipping());
}

TEST_F(LineSplitterTest, ResetDropsThePartialLineAndRestartsAtTheOffset) {
  LineSplitter splitter(64);
  splitter.Feed("half a li", [](const LineSplitter::Line&) {});
  splitter.Reset(0);
  std::vector<std::string> lines;
  splitter.Feed("new\n", [&](const LineSplitter::Line& line) { lines.emplace_back(line.text); });
  EXPECT_EQ(lines, (std::vector<std::string>{"new"}));
  EXPECT_EQ(splitter.pending_bytes(), 0u);
}

TEST_F(LineSplitterTest, CutNeverSplitsAUtf8Character) {
  // "é" is C3 A9, "€" is E2 82 AC, "😀" is F0 9F 98 80.
  EXPECT_EQ(CutAtCharBoundary("ab\xC3\xA9", 3), "ab");
  EXPECT_EQ(CutAtCharBoundary("ab\xC3\xA9", 4), "ab\xC3\xA9");
  EXPECT_EQ(CutAtCharBoundary("a\xE2\x82\xAC", 3), "a");
  EXPECT_EQ(CutAtCharBoundary("a\xF0\x9F\x98\x80z", 4), "a");
  EXPECT_EQ(CutAtCharBoundary("a\xF0\x9F\x98\x80z", 5), "a\xF0\x9F\x98\x80");
  EXPECT_EQ(CutAtCharBoundary("\x80\x80\x80\x80\x80\x80", 5), "\x80\x80\x80\x80\x80")
      << "text that is not UTF-8 is cut at the limit";
}

TEST_F(LineSplitterTest, SteadyStateAllocatesNothing) {
  LineSplitter splitter(256);
  std::string chunk;
  for (int i = 0; i < 1000; ++i) chunk += "2026-11-22T09:12:03Z INFO request served in 12 ms\n";
  // Cut inside a line so every chunk also carries a partial line over.
  const std::size_t cut = chunk.size() / 2 + 7;
  std::size_t lines = 0;
  auto on_line = [&](const LineSplitter::Line&) { ++lines; };
  for (int warm = 0; warm < 3; ++warm) {
    splitter.Feed(std::string_view(chunk).substr(0, cut), on_line);
    splitter.Feed(std::string_view(chunk).substr(cut), on_line);
  }
  const std::size_t before = g_allocations;
  for (int round = 0; round < 100; ++round) {
    splitter.Feed(std::string_view(chunk).substr(0, cut), on_line);
    splitter.Feed(std::string_view(chunk).substr(cut), on_line);
  }
  EXPECT_EQ(g_allocations - before, 0u);
  EXPECT_EQ(lines, 103'000u);
}

TEST_F(LineSplitterTest, FlushPartialEmitsTheUnfinishedLineAndTheRestStartsANewOne) {
  LineSplitter splitter(64);
  std::vector<std::pair<uint64_t, std::string>> lines;
  auto on_line = [&](const LineSplitter::Line& line) {
    lines.emplace_back(line.offset, std::string(line.text));
  };
  splitter.Feed("one\ntw", on_line);
  EXPECT_TRUE(splitter.FlushPartial(on_line));
  EXPECT_EQ(splitter.consumed_offset(), 6u);
  EXPECT_EQ(splitter.pending_bytes(), 0u);
  EXPECT_FALSE(splitter.FlushPartial(on_line)) << "nothing held any more";
  splitter.Feed("o\r", on_line);
  EXPECT_TRUE(splitter.FlushPartial(on_line)) << "a held '\\r' is not part of the text";
  splitter.Feed("\nthree\n", on_line);
  EXPECT_EQ(lines, (std::vector<std::pair<uint64_t, std::string>>{
                       {0, "one"}, {4, "tw"}, {6, "o"}, {8, ""}, {9, "three"}}));
  EXPECT_EQ(splitter.consumed_offset(), 15u);
}

TEST_F(LineSplitterTest, FlushPartialAfterACutLineStopsSkippingItsRest) {
  LineSplitter splitter(4);
  std::vector<std::string> lines;
  auto on_line = [&](const LineSplitter::Line& line) { lines.emplace_back(line.text); };
  splitter.Feed("abcdefgh", on_line);  // over-long: emitted cut, the rest skipped
  EXPECT_TRUE(splitter.skipping());
  EXPECT_FALSE(splitter.FlushPartial(on_line));
  EXPECT_FALSE(splitter.skipping());
  EXPECT_EQ(splitter.consumed_offset(), 8u);
  splitter.Feed("ij\n", on_line);
  EXPECT_EQ(lines, (std::vector<std::string>{"abcd", "ij"}));
}

}  // namespace
}  // namespace agent
