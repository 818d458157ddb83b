// Tests auth/token_cache: the refresh schedule, retries with backoff, keeping the last valid
// token, pausing after expiry and recovery, all on a manual clock.
#include "auth/token_cache.h"

#include <gtest/gtest.h>

#include "tests/auth/fakes/manual_time.h"
#include "tests/auth/fakes/scripted_token_source.h"

namespace auth {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using testing::ManualTime;
using testing::ScriptedTokenSource;
using testing::TokenFor;

class TokenCacheTest : public ::testing::Test {
 protected:
  void Make(TokenCacheOptions options = {}) {
    auto source = std::make_unique<ScriptedTokenSource>();
    source_ = source.get();
    cache_ = std::make_unique<TokenCache>(
        std::move(source), time_, time_.MakeTimer(), [this] { return unit_; }, options);
  }

  WallTime Now() const { return WallNow(time_); }

  // WhenReady's answer, which must come at once.
  base::Status ReadyNow() {
    std::optional<base::Status> got;
    cache_->WhenReady([&](base::Status s) { got = std::move(s); });
    EXPECT_TRUE(got.has_value()) << "WhenReady did not answer at once";
    return got.value_or(base::Internal("no answer"));
  }

  // Starts the cache and answers its first fetch with a 1 h token "t1".
  void StartWithOneHourToken() {
    cache_->Start();
    ASSERT_TRUE(source_->pending());
    source_->Complete(TokenFor("t1", Now(), hours(1)));
  }

  ManualTime time_;
  double unit_ = 0.0;  // the pinned "random" value
  ScriptedTokenSource* source_ = nullptr;
  std::unique_ptr<TokenCache> cache_;
};

TEST_F(TokenCacheTest, RefreshDelayFollowsEightyPercentOrFiveMinutesBeforeExpiry) {
  EXPECT_EQ(TokenCache::RefreshDelay(hours(1)), minutes(48));
  EXPECT_EQ(TokenCache::RefreshDelay(hours(24)), minutes(24 * 60 * 4 / 5));
  EXPECT_EQ(TokenCache::RefreshDelay(minutes(20)), minutes(15));  // exp - 5 min comes first
  EXPECT_EQ(TokenCache::RefreshDelay(minutes(10)), minutes(5));
  EXPECT_EQ(TokenCache::RefreshDelay(minutes(6)), minutes(3));  // the 50 % floor
  EXPECT_EQ(TokenCache::RefreshDelay(minutes(2)), minutes(1));
}

TEST_F(TokenCacheTest, OneHourTokenIsRefreshedAtFortyEightMinutes) {
  Make();
  StartWithOneHourToken();
  EXPECT_EQ(source_->fetches(), 1);
  time_.Advance(minutes(48) - milliseconds(1));
  EXPECT_EQ(source_->fetches(), 1);
  time_.Advance(milliseconds(1));
  EXPECT_EQ(source_->fetches(), 2);
}

TEST_F(TokenCacheTest, JitterOnlyEverMakesTheRefreshEarlier) {
  unit_ = 0.999;
  Make();
  StartWithOneHourToken();
  time_.Advance(seconds(48 * 60) * 9 / 10 - seconds(1));
  EXPECT_EQ(source_->fetches(), 1);
  time_.Advance(seconds(2));
  EXPECT_EQ(source_->fetches(), 2);
}

TEST_F(TokenCacheTest, RequestsUseTheCurrentTokenWhileARefreshIsInFlight) {
  Make();
  StartWithOneHourToken();
  time_.Advance(minutes(48));
  ASSERT_TRUE(source_->pending());
  ASSERT_TRUE(ReadyNow().ok());
  EXPECT_EQ(cache_->token().secret, "t1");
  source_->Complete(TokenFor("t2", Now(), hours(1)));
  ASSERT_TRUE(ReadyNow().ok());
  EXPECT_EQ(cache_->token().secret, "t2");
}

TEST_F(TokenCacheTest, FirstRequestWaitsForTheFirstFetch) {
  Make();
  std::optional<base::Status> got;
  cache_->WhenReady([&](base::Status s) { got = std::move(s); });
  EXPECT_FALSE(got.has_value());
  ASSERT_TRUE(source_->pending());
  source_->Complete(TokenFor("t1", Now(), hours(1)));
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(got->ok());
}

TEST_F(TokenCacheTest, EndpointDownAtRefreshRetriesWithBackoffThenPausesAtExpiryThenRecovers) {
  unit_ = 0.5;  // refresh at 48 min less 5 %, retries at half of each backoff ceiling
  Make();
  StartWithOneHourToken();
  time_.Advance(seconds(48 * 60) * 95 / 100);
  ASSERT_TRUE(source_->pending());

  // Failures: retry delays are 0.5 s, 1 s, 2 s, ... (half the ceiling 1 s .. 60 s).
  std::vector<milliseconds> delays;
  for (int i = 0; i < 8; ++i) {
    source_->Complete(base::Unavailable("connect to 127.0.0.1:1: connection refused"));
    ASSERT_TRUE(cache_->HasValidToken());
    ASSERT_TRUE(ReadyNow().ok()) << "the old token must stay in use";
    EXPECT_EQ(cache_->token().secret, "t1");
    auto due = time_.NextDue();
    ASSERT_TRUE(due.has_value());
    delays.push_back(std::chrono::duration_cast<milliseconds>(*due));
    time_.Advance(*due);
    ASSERT_TRUE(source_->pending());
  }
  EXPECT_EQ(delays,
            (std::vector<milliseconds>{milliseconds(500), seconds(1), seconds(2), seconds(4),
                                       seconds(8), seconds(16), seconds(30), seconds(30)}));
  EXPECT_EQ(cache_->stats().consecutive_failures, 8);

  // Keep failing until the token expires: then requests are refused (the output pauses).
  while (cache_->HasValidToken()) {
    source_->Complete(base::Unavailable("still down"));
    time_.Advance(*time_.NextDue());
  }
  source_->Complete(base::Unavailable("still down"));
  base::Status paused = ReadyNow();
  EXPECT_EQ(paused.code(), base::StatusCode::kUnavailable);
  EXPECT_NE(paused.message().find("still down"), std::string_view::npos);

  // Recovery: the next retry succeeds and requests flow again with the new token.
  time_.Advance(*time_.NextDue());
  ASSERT_TRUE(source_->pending());
  source_->Complete(TokenFor("t2", Now(), hours(1)));
  ASSERT_TRUE(ReadyNow().ok());
  EXPECT_EQ(cache_->token().secret, "t2");
  EXPECT_TRUE(cache_->HasValidToken());
  EXPECT_EQ(cache_->stats().consecutive_failures, 0);
}

TEST_F(TokenCacheTest, RequestDuringAFailedFirstFetchGetsTheErrorAndTheNextRetryIsScheduled) {
  Make();
  std::optional<base::Status> got;
  cache_->WhenReady([&](base::Status s) { got = std::move(s); });
  source_->Complete(base::Unavailable("metadata server down"));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->code(), base::StatusCode::kUnavailable);
  EXPECT_TRUE(time_.NextDue().has_value());
  // Waiting out the retry delay: no fetch in flight, so requests are refused at once.
  EXPECT_EQ(ReadyNow().code(), base::StatusCode::kUnavailable);
  EXPECT_EQ(source_->fetches(), 1);
}

TEST_F(TokenCacheTest, RefreshFetchesAtOnceAndReportsTheFetchOutcome) {
  Make();
  StartWithOneHourToken();
  std::optional<base::Status> first;
  std::optional<base::Status> second;
  cache_->Refresh([&](base::Status s) { first = std::move(s); });
  cache_->Refresh([&](base::Status s) { second = std::move(s); });  // joins, single flight
  EXPECT_EQ(source_->fetches(), 2);
  source_->Complete(base::Unauthenticated("invalid_client"));
  ASSERT_TRUE(first.has_value() && second.has_value());
  EXPECT_EQ(first->code(), base::StatusCode::kUnauthenticated);
  EXPECT_EQ(second->code(), base::StatusCode::kUnauthenticated);
  ASSERT_TRUE(ReadyNow().ok()) << "a failed forced refresh keeps the valid token";
}

TEST_F(TokenCacheTest, ATokenThatArrivesAlreadyExpiredCountsAsAFailure) {
  Make();
  cache_->Start();
  source_->Complete(TokenFor("old", Now() - hours(2), hours(1)));
  EXPECT_FALSE(cache_->HasValidToken());
  EXPECT_EQ(cache_->stats().fetches_failed, 1u);
}

TEST_F(TokenCacheTest, TokenWithoutExpiryIsRefetchedAfterTheConfiguredInterval) {
  TokenCacheOptions options;
  options.unknown_lifetime_refresh = minutes(5);
  Make(options);
  cache_->Start();
  Token t;
  t.secret = "opaque";
  source_->Complete(std::move(t));
  EXPECT_TRUE(cache_->HasValidToken());
  EXPECT_EQ(time_.NextDue(), minutes(5));
}

TEST_F(TokenCacheTest, MaxRefreshIntervalCapsTheDelay) {
  TokenCacheOptions options;
  options.max_refresh_interval = minutes(1);
  Make(options);
  StartWithOneHourToken();
  EXPECT_EQ(time_.NextDue(), minutes(1));
}

TEST_F(TokenCacheTest, DestroyingTheCacheDropsAPendingFetchAndStopsItsTimer) {
  Make();
  StartWithOneHourToken();
  EXPECT_TRUE(time_.NextDue().has_value());
  cache_.reset();
  EXPECT_FALSE(time_.NextDue().has_value());
}

}  // namespace
}  // namespace auth
