// Backoff: exponential backoff with full jitter (AWS architecture blog "Exponential Backoff
// And Jitter"): the delay before retry n is uniform in [0, min(max, initial * 2^(n-1))).
// Full jitter spreads many agents retrying after the same outage. The random source is
// injected so tests pin it and check exact delays (as Envoy's backoff test does).
// A server's Retry-After wins when it asks for longer.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>

namespace transport {

class Backoff {
 public:
  // Returns a value uniform in [0, 1).
  using RandomUnit = std::function<double()>;

  // A Retry-After beyond this is capped: a misbehaving proxy must not park data for hours.
  static constexpr std::chrono::milliseconds kMaxRetryAfter{10 * 60 * 1000};

  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, RandomUnit random);

  // The delay before retry number `attempt` (1 = the first retry).
  std::chrono::milliseconds Delay(
      int attempt, std::optional<std::chrono::milliseconds> retry_after = std::nullopt) const;
  // The cap min(max, initial * 2^(attempt-1)) without jitter.
  std::chrono::milliseconds Ceiling(int attempt) const;

  // Parses a Retry-After value in delta-seconds ("120"). HTTP-dates are not used by
  // Elasticsearch and are ignored (nullopt), as is anything malformed.
  static std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value);

  // A source seeded from std::random_device.
  static RandomUnit DefaultRandom();

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  RandomUnit random_;
};

}  // namespace transport
