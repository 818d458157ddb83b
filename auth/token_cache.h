// TokenCache: the refresh engine every expiring credential shares (token_file, OIDC, GCP,
// Azure, AWS). It owns a TokenSource, fetches ahead of expiry in the background, and
// answers requests from the token it holds, so a request never waits on a refresh while
// the current token is valid.
//
// Schedule (spec auth.md §9): the next fetch is due at
//     obtained + max(min(80 % of lifetime, lifetime - 5 min), 50 % of lifetime)
// i.e. 48 min into a 1 h token, 19.2 h into a 24 h one, 5 min into a 10 min one; the 50 %
// floor keeps short-lived tokens (under 10 min) from refreshing in a loop. Each delay is shortened
// by up to `jitter_fraction` (drawn per refresh) so agents started together spread out; never
// lengthened. A token without expiry is re-fetched after `unknown_lifetime_refresh`;
// `max_refresh_interval` caps every delay (token files are re-read every minute, as client-go
// does).
//
// Failures: a failed fetch is retried with exponential backoff and full jitter
// (`retry_initial` doubling to `retry_max`, never less than kMinRetryDelay). The last
// valid token keeps being used until its expiry; after that WhenReady() answers
// kUnavailable, which the output treats as "pause and retry" (the ring keeps the data),
// and HasValidToken() turns false for /readyz. The next successful fetch resumes.
//
// Single flight: at most one fetch runs; Refresh() (on a 401) and waiters join it.
// Everything runs on the loop thread. Callbacks never run after the cache is destroyed.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "auth/refresh_timer.h"
#include "auth/token_source.h"
#include "platforms/base/clock.h"
#include "platforms/base/status.h"
#include "transport/backoff.h"

namespace auth {

struct TokenCacheOptions {
  std::chrono::milliseconds retry_initial{1'000};
  std::chrono::milliseconds retry_max{60'000};
  // Upper bound on the wait between fetches whatever the lifetime; zero: none.
  std::chrono::milliseconds max_refresh_interval{0};
  // When the issuer gives no expiry (an opaque token, a JWE, a static AWS key).
  std::chrono::milliseconds unknown_lifetime_refresh{5 * 60 * 1'000};
  // Largest fraction a refresh delay is shortened by at random.
  double jitter_fraction = 0.1;
};

class TokenCache {
 public:
  using ReadyCallback = std::function<void(base::Status)>;

  // A retry sooner than this would only hammer a failing endpoint.
  static constexpr std::chrono::milliseconds kMinRetryDelay{250};
  // A refresh sooner than this after a fetch would loop on tokens that live for seconds.
  static constexpr std::chrono::milliseconds kMinRefreshDelay{1'000};
  // The margin before expiry the schedule aims for on long-lived tokens.
  static constexpr std::chrono::minutes kExpiryMargin{5};

  // `clock` must outlive the cache. `random` returns values in [0, 1) (pinned in tests).
  TokenCache(std::unique_ptr<TokenSource> source, const base::Clock& clock,
             std::unique_ptr<RefreshTimer> timer, transport::Backoff::RandomUnit random,
             TokenCacheOptions options = {});
  ~TokenCache();
  TokenCache(const TokenCache&) = delete;
  TokenCache& operator=(const TokenCache&) = delete;

  // Starts the first fetch (also started by the first WhenReady()).
  void Start();

  // `done(OK)` when a valid token is held: at once if one is; otherwise when the fetch in
  // flight ends (OK or its error). With no valid token and no fetch running (waiting out a
  // retry delay) it answers kUnavailable at once. May run `done` before returning.
  void WhenReady(ReadyCallback done);

  // The token held. Only meaningful right after WhenReady() answered OK.
  const Token& token() const { return *token_; }
  // The current token's JWT subject; empty without a token or for opaque tokens. Valid
  // until the next refresh replaces the token (loop thread).
  std::string_view subject() const {
    return token_.has_value() ? std::string_view(token_->subject) : std::string_view();
  }

  // Fetches now (a 401 said the token was refused), joining a fetch in flight. `done` gets
  // the fetch's outcome. The current token stays in use until a new one arrives.
  void Refresh(ReadyCallback done);

  bool HasValidToken() const;
  // Time left on the token held (negative once expired); nullopt with no token or no expiry.
  std::optional<std::chrono::milliseconds> TimeToExpiry() const;
  std::string_view Describe() const { return source_->Describe(); }

  // The delay from obtaining a token with `lifetime` to refreshing it, before jitter.
  static std::chrono::milliseconds RefreshDelay(std::chrono::milliseconds lifetime);

  struct Stats {
    uint64_t fetches_ok = 0;
    uint64_t fetches_failed = 0;
    int consecutive_failures = 0;
    std::optional<std::chrono::milliseconds> next_fetch_in;  // as last scheduled
  };
  const Stats& stats() const { return stats_; }

 private:
  void Fetch();
  void OnFetched(base::Result<Token> result);
  void OnFetchFailed(base::Status error);
  void Schedule(std::chrono::milliseconds delay);
  std::chrono::milliseconds NextRefreshDelay(const Token& token, WallTime now) const;
  void NotifyWaiters(const base::Status& ready, const base::Status& fetched);
  base::Status NoTokenStatus() const;

  std::unique_ptr<TokenSource> source_;
  const base::Clock& clock_;
  std::unique_ptr<RefreshTimer> timer_;
  transport::Backoff::RandomUnit random_;
  transport::Backoff backoff_;
  const TokenCacheOptions options_;

  std::optional<Token> token_;
  bool fetching_ = false;
  bool started_ = false;
  bool expiry_reported_ = false;  // "expired, pausing" is logged once per expiry
  base::Status last_error_;
  std::vector<ReadyCallback> waiters_;          // WhenReady(): get "is a token usable"
  std::vector<ReadyCallback> refresh_waiters_;  // Refresh(): get the fetch's own outcome
  Stats stats_;
  // Cleared in the destructor: a source completing synchronously during destruction
  // must not reach a half-destroyed cache.
  bool alive_ = true;
};

}  // namespace auth
