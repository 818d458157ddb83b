#include "auth/token_cache.h"

#include <algorithm>
#include <utility>

#include "platforms/base/log.h"

namespace auth {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr std::string_view kComponent = "auth";

// "2592 s", or "0.25 s" below ten seconds, for log lines.
std::string Seconds(milliseconds d) {
  if (d >= std::chrono::seconds(10)) return base::StrCat(d.count() / 1000, " s");
  return base::StrCat(static_cast<double>(d.count()) / 1000.0, " s");
}

}  // namespace

TokenCache::TokenCache(std::unique_ptr<TokenSource> source, const base::Clock& clock,
                       std::unique_ptr<RefreshTimer> timer, transport::Backoff::RandomUnit random,
                       TokenCacheOptions options)
    : source_(std::move(source)),
      clock_(clock),
      timer_(std::move(timer)),
      random_(random),
      backoff_(options.retry_initial, options.retry_max, std::move(random)),
      options_(options) {}

TokenCache::~TokenCache() {
  alive_ = false;
  timer_->Stop();
}

milliseconds TokenCache::RefreshDelay(milliseconds lifetime) {
  milliseconds eighty = lifetime * 4 / 5;
  milliseconds before_margin = lifetime - duration_cast<milliseconds>(kExpiryMargin);
  milliseconds half = lifetime / 2;
  return std::max(std::min(eighty, before_margin), half);
}

std::optional<milliseconds> TokenCache::TimeToExpiry() const {
  if (!token_ || !token_->expires_at) return std::nullopt;
  return duration_cast<milliseconds>(*token_->expires_at - WallNow(clock_));
}

bool TokenCache::HasValidToken() const {
  if (!token_) return false;
  return !token_->expires_at || WallNow(clock_) < *token_->expires_at;
}

void TokenCache::Start() {
  if (started_) return;
  started_ = true;
  Fetch();
}

void TokenCache::WhenReady(ReadyCallback done) {
  if (HasValidToken()) {
    done(base::Status::Ok());
    return;
  }
  if (token_ && !expiry_reported_) {
    expiry_reported_ = true;
    base::LogError(
        kComponent,
        base::StrCat(Describe(), ": credential expired at ", ToUnixSeconds(*token_->expires_at),
                     " and no new one could be fetched; shipping paused until one is"));
  }
  if (!started_) {
    waiters_.push_back(std::move(done));
    Start();
    return;
  }
  if (fetching_) {
    waiters_.push_back(std::move(done));
    return;
  }
  done(NoTokenStatus());
}

void TokenCache::Refresh(ReadyCallback done) {
  refresh_waiters_.push_back(std::move(done));
  started_ = true;
  if (!fetching_) Fetch();
}

base::Status TokenCache::NoTokenStatus() const {
  std::string why = last_error_.ok() ? std::string("no credential yet") : last_error_.ToString();
  return base::Unavailable(base::StrCat(Describe(), ": no valid credential (", why, ")"));
}

void TokenCache::Fetch() {
  timer_->Stop();
  stats_.next_fetch_in.reset();
  fetching_ = true;
  source_->Fetch([this](base::Result<Token> result) {
    if (!alive_) return;
    OnFetched(std::move(result));
  });
}

milliseconds TokenCache::NextRefreshDelay(const Token& token, WallTime now) const {
  milliseconds delay = options_.unknown_lifetime_refresh;
  if (token.expires_at) {
    auto lifetime = duration_cast<milliseconds>(*token.expires_at - token.obtained_at);
    auto elapsed = duration_cast<milliseconds>(now - token.obtained_at);
    delay = RefreshDelay(lifetime) - elapsed;
  }
  double jitter = std::clamp(random_(), 0.0, 1.0) * options_.jitter_fraction;
  delay -= milliseconds(static_cast<int64_t>(static_cast<double>(delay.count()) * jitter));
  if (options_.max_refresh_interval.count() > 0) {
    delay = std::min(delay, options_.max_refresh_interval);
  }
  return std::max(delay, kMinRefreshDelay);
}

void TokenCache::OnFetched(base::Result<Token> result) {
  fetching_ = false;
  WallTime now = WallNow(clock_);
  if (!result.has_value()) {
    OnFetchFailed(std::move(result).error());
    return;
  }
  Token& fresh = result.value();
  if (fresh.obtained_at == WallTime{}) fresh.obtained_at = now;
  if (fresh.expires_at && *fresh.expires_at <= now) {
    OnFetchFailed(base::Unavailable(base::StrCat("the credential received had already expired at ",
                                                 ToUnixSeconds(*fresh.expires_at))));
    return;
  }
  bool first = !token_.has_value() || expiry_reported_ || stats_.consecutive_failures > 0;
  token_ = std::move(result.value());
  ++stats_.fetches_ok;
  stats_.consecutive_failures = 0;
  last_error_ = base::Status::Ok();
  expiry_reported_ = false;
  milliseconds delay = NextRefreshDelay(*token_, now);
  std::string about = token_->identity;
  if (!about.empty()) about += ", ";
  about += token_->expires_at ? base::StrCat("expires at ", ToUnixSeconds(*token_->expires_at))
                              : std::string("no expiry given");
  std::string line = base::StrCat(Describe(), ": credential obtained (", about,
                                  "); next refresh in ", Seconds(delay));
  if (first) {
    base::LogInfo(kComponent, line);
  } else {
    base::LogDebug(kComponent, line);
  }
  Schedule(delay);
  NotifyWaiters(base::Status::Ok(), base::Status::Ok());
}

void TokenCache::OnFetchFailed(base::Status error) {
  ++stats_.fetches_failed;
  ++stats_.consecutive_failures;
  last_error_ = std::move(error);
  milliseconds delay = std::max(backoff_.Delay(stats_.consecutive_failures), kMinRetryDelay);
  bool valid = HasValidToken();
  base::LogWarn(
      kComponent,
      base::StrCat(Describe(), ": credential refresh failed (attempt ", stats_.consecutive_failures,
                   "): ", last_error_.ToString(), "; ",
                   valid ? base::StrCat("the current credential stays in use until ",
                                        token_->expires_at
                                            ? std::to_string(ToUnixSeconds(*token_->expires_at))
                                            : std::string("replaced"))
                         : std::string("no valid credential, shipping paused"),
                   "; retrying in ", Seconds(delay)));
  Schedule(delay);
  NotifyWaiters(valid ? base::Status::Ok() : NoTokenStatus(), last_error_.WithContext(Describe()));
}

void TokenCache::Schedule(milliseconds delay) {
  stats_.next_fetch_in = delay;
  timer_->Start(delay, [this] {
    if (!fetching_) Fetch();
  });
}

void TokenCache::NotifyWaiters(const base::Status& ready, const base::Status& fetched) {
  std::vector<ReadyCallback> waiters = std::move(waiters_);
  std::vector<ReadyCallback> refreshers = std::move(refresh_waiters_);
  waiters_.clear();
  refresh_waiters_.clear();
  for (ReadyCallback& w : waiters) w(ready);
  for (ReadyCallback& w : refreshers) w(fetched);
}

}  // namespace auth
