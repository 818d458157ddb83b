#include "transport/backoff.h"

#include <algorithm>
#include <memory>
#include <random>

namespace transport {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                 RandomUnit random)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      max_(std::max(max, initial_)),
      random_(std::move(random)) {}

std::chrono::milliseconds Backoff::Ceiling(int attempt) const {
  int64_t ceiling = initial_.count();
  for (int i = 1; i < attempt && ceiling < max_.count(); ++i) ceiling *= 2;
  return std::chrono::milliseconds(std::min(ceiling, max_.count()));
}

std::chrono::milliseconds Backoff::Delay(
    int attempt, std::optional<std::chrono::milliseconds> retry_after) const {
  double unit = std::clamp(random_(), 0.0, 1.0);
  auto jittered = std::chrono::milliseconds(
      static_cast<int64_t>(unit * static_cast<double>(Ceiling(attempt).count())));
  if (retry_after.has_value()) {
    jittered = std::max(jittered, std::min(*retry_after, kMaxRetryAfter));
  }
  return jittered;
}

std::optional<std::chrono::milliseconds> Backoff::ParseRetryAfter(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty() || value.size() > 9) return std::nullopt;
  int64_t seconds = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    seconds = seconds * 10 + (c - '0');
  }
  return std::chrono::milliseconds(seconds * 1000);
}

Backoff::RandomUnit Backoff::DefaultRandom() {
  // shared_ptr: the std::function must be copyable and the engine is its state.
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

}  // namespace transport
