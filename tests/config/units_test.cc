#include "config/units.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace config {
namespace {

using std::chrono::milliseconds;

class UnitsTest : public ::testing::Test {
 protected:
  static uint64_t Size(std::string_view text) {
    base::Result<uint64_t> r = ParseByteSize(text);
    EXPECT_TRUE(r.has_value()) << text << ": " << (r ? "" : r.error().message());
    return r ? r.value() : 0;
  }
  static std::string SizeError(std::string_view text) {
    base::Result<uint64_t> r = ParseByteSize(text);
    EXPECT_FALSE(r.has_value()) << text << " parsed as " << (r ? r.value() : 0);
    return r ? "" : std::string(r.error().message());
  }
  static int64_t Millis(std::string_view text) {
    base::Result<milliseconds> r = ParseDuration(text);
    EXPECT_TRUE(r.has_value()) << text << ": " << (r ? "" : r.error().message());
    return r ? r.value().count() : -1;
  }
  static std::string DurationError(std::string_view text) {
    base::Result<milliseconds> r = ParseDuration(text);
    EXPECT_FALSE(r.has_value()) << text << " parsed as " << (r ? r.value().count() : 0) << "ms";
    return r ? "" : std::string(r.error().message());
  }
};

TEST_F(UnitsTest, SizesUseBinaryUnitsForIecNames) {
  EXPECT_EQ(Size("100B"), 100u);
  EXPECT_EQ(Size("512KiB"), 512u * 1024);
  EXPECT_EQ(Size("5MiB"), 5u * 1024 * 1024);
  EXPECT_EQ(Size("2GiB"), 2ull * 1024 * 1024 * 1024);
  EXPECT_EQ(Size("3TiB"), 3ull << 40);
  EXPECT_EQ(Size("1PiB"), 1ull << 50);
}

TEST_F(UnitsTest, SizesUseDecimalUnitsForSiNames) {
  EXPECT_EQ(Size("10MB"), 10'000'000u);
  EXPECT_EQ(Size("1KB"), 1'000u);
  EXPECT_EQ(Size("1kB"), 1'000u);
  EXPECT_EQ(Size("4GB"), 4'000'000'000u);
  EXPECT_EQ(Size("2TB"), 2'000'000'000'000u);
}

TEST_F(UnitsTest, SizeWithoutUnitIsBytes) {
  EXPECT_EQ(Size("4096"), 4096u);
  EXPECT_EQ(Size("0"), 0u);
}

TEST_F(UnitsTest, SizeAcceptsSpacesAroundAndBetweenNumberAndUnit) {
  EXPECT_EQ(Size(" 5 MiB "), 5u * 1024 * 1024);
}

TEST_F(UnitsTest, SizeFractionsRoundDownToWholeBytes) {
  EXPECT_EQ(Size("1.5GiB"), 1536ull * 1024 * 1024);
  EXPECT_EQ(Size("0.5KiB"), 512u);
  EXPECT_EQ(Size("1.3MiB"), 1363148u);  // 1363148.8
}

TEST_F(UnitsTest, SizeAtTheTopOfTheRangeParsesAndOneMoreOverflows) {
  EXPECT_EQ(Size("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(SizeError("18446744073709551616"), "too large; sizes must be below 16EiB (2^64 bytes)");
  EXPECT_EQ(Size("16383PiB"), 16383ull << 50);
  EXPECT_EQ(SizeError("16384PiB"), "too large; sizes must be below 16EiB (2^64 bytes)");
  EXPECT_EQ(SizeError("99999999999999999999999TiB"),
            "too large; sizes must be below 16EiB (2^64 bytes)");
}

TEST_F(UnitsTest, SizeGarbageIsRejectedWithAnExample) {
  const std::string kNotANumber =
      "expected a number and a unit; write a size like \"5MiB\", \"512KiB\" or \"10MB\"";
  EXPECT_EQ(SizeError("MiB"), kNotANumber);
  EXPECT_EQ(SizeError("-5MiB"), kNotANumber);
  EXPECT_EQ(SizeError("five"), kNotANumber);
  EXPECT_EQ(SizeError(".5MiB"), kNotANumber);
  EXPECT_EQ(SizeError("5.MiB"), kNotANumber);
  EXPECT_EQ(SizeError(""), "empty; write a size like \"5MiB\", \"512KiB\" or \"10MB\"");
  EXPECT_EQ(SizeError("   "), "empty; write a size like \"5MiB\", \"512KiB\" or \"10MB\"");
}

TEST_F(UnitsTest, SizeWithUnknownUnitNamesTheUnitAndTheValidOnes) {
  const std::string kUnits =
      "; use B, KiB, MiB, GiB, TiB, PiB (powers of 1024) or KB, MB, GB, TB, PB (powers of 1000)";
  EXPECT_EQ(SizeError("5Mb"), "unknown unit \"Mb\"" + kUnits);
  EXPECT_EQ(SizeError("5mib"), "unknown unit \"mib\"" + kUnits);
  EXPECT_EQ(SizeError("5M"), "unknown unit \"M\"" + kUnits);
  EXPECT_EQ(SizeError("5MiB 3"), "unknown unit \"MiB 3\"" + kUnits);
}

TEST_F(UnitsTest, SizeFractionOfABytesIsRejected) {
  EXPECT_EQ(SizeError("1.5B"), "a fraction needs a unit above B, like \"1.5MiB\"");
  EXPECT_EQ(SizeError("1.5"), "a fraction needs a unit above B, like \"1.5MiB\"");
  EXPECT_EQ(SizeError("1.1234567890GiB"), "at most 9 digits after the decimal point");
}

TEST_F(UnitsTest, DurationsAddUpTheirParts) {
  EXPECT_EQ(Millis("500ms"), 500);
  EXPECT_EQ(Millis("1s"), 1'000);
  EXPECT_EQ(Millis("5m"), 300'000);
  EXPECT_EQ(Millis("1h"), 3'600'000);
  EXPECT_EQ(Millis("2d"), 172'800'000);
  EXPECT_EQ(Millis("1m30s"), 90'000);
  EXPECT_EQ(Millis("1h 15m"), 4'500'000);
  EXPECT_EQ(Millis("1.5s"), 1'500);
  EXPECT_EQ(Millis("0"), 0);
  EXPECT_EQ(Millis("0s"), 0);
  EXPECT_EQ(Millis("2000us"), 2);
  EXPECT_EQ(Millis("3000\xC2\xB5s"), 3);
}

TEST_F(UnitsTest, DurationBelowOneMillisecondIsRejectedNotRounded) {
  const std::string kResolution =
      "not a whole number of milliseconds; durations have a resolution of 1ms";
  EXPECT_EQ(DurationError("250us"), kResolution);
  EXPECT_EQ(DurationError("1.0005s"), kResolution);
  EXPECT_EQ(DurationError("1s500us"), kResolution);
}

TEST_F(UnitsTest, DurationNumberWithoutUnitIsRejected) {
  EXPECT_EQ(DurationError("10"),
            "a number needs a unit (us, ms, s, m, h or d); write a duration like \"500ms\", "
            "\"1s\", \"5m\" or \"1m30s\"");
  EXPECT_EQ(DurationError("1m30"),
            "a number needs a unit (us, ms, s, m, h or d); write a duration like \"500ms\", "
            "\"1s\", \"5m\" or \"1m30s\"");
}

TEST_F(UnitsTest, DurationGarbageIsRejectedWithAnExample) {
  const std::string kExample = "write a duration like \"500ms\", \"1s\", \"5m\" or \"1m30s\"";
  EXPECT_EQ(DurationError(""), "empty; " + kExample);
  EXPECT_EQ(DurationError("s"), "expected a number and a unit; " + kExample);
  EXPECT_EQ(DurationError("-1s"), "expected a number and a unit; " + kExample);
  EXPECT_EQ(DurationError("1s-"), "unknown unit \"s-\"; use us, ms, s, m, h or d");
  EXPECT_EQ(DurationError("5 sec"), "unknown unit \"sec\"; use us, ms, s, m, h or d");
  EXPECT_EQ(DurationError("1M"), "unknown unit \"M\"; use us, ms, s, m, h or d");
}

TEST_F(UnitsTest, DurationOverflowIsAnErrorNotAWrap) {
  EXPECT_EQ(Millis("106751d"), 106751LL * 86'400'000);
  EXPECT_EQ(DurationError("106752d"), "too large; at most 292 years");
  EXPECT_EQ(DurationError("99999999999999999999s"), "too large");
  EXPECT_EQ(DurationError("18446744073709551615d"), "too large; at most 292 years");
  EXPECT_EQ(DurationError("100000d100000d"), "too large; at most 292 years");
}

TEST_F(UnitsTest, FormatsSizesInTheLargestExactUnit) {
  EXPECT_EQ(FormatByteSize(1ull << 30), "1GiB");
  EXPECT_EQ(FormatByteSize(100 * 1024 * 1024), "100MiB");
  EXPECT_EQ(FormatByteSize(10'000'000), "10MB");
  EXPECT_EQ(FormatByteSize(1536), "1536B");
  EXPECT_EQ(FormatByteSize(0), "0B");
}

TEST_F(UnitsTest, FormatsDurationsAsTheirParts) {
  EXPECT_EQ(FormatDuration(milliseconds{90'000}), "1m30s");
  EXPECT_EQ(FormatDuration(milliseconds{500}), "500ms");
  EXPECT_EQ(FormatDuration(milliseconds{0}), "0ms");
  EXPECT_EQ(FormatDuration(milliseconds{86'400'001}), "1d1ms");
}

TEST_F(UnitsTest, FormattedValuesParseBackToTheSameValue) {
  for (uint64_t bytes : {1ull, 1000ull, 1024ull, 1536ull, 5ull << 20, 7'000'000ull, 3ull << 40}) {
    EXPECT_EQ(Size(FormatByteSize(bytes)), bytes);
  }
  for (int64_t ms : {1, 999, 1000, 61'001, 3'600'000, 90'061'001}) {
    EXPECT_EQ(Millis(FormatDuration(milliseconds{ms})), ms);
  }
}

}  // namespace
}  // namespace config
