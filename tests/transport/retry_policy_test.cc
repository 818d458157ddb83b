#include "transport/retry_policy.h"

#include <gtest/gtest.h>

namespace transport {
namespace {

class RetryPolicyTest : public ::testing::Test {};

TEST_F(RetryPolicyTest, DecidesWholeRequestsByStatus) {
  struct Row {
    int status;
    bool refreshed;
    RequestAction want;
  };
  const Row rows[] = {
      {200, false, RequestAction::kReadItems},       {201, false, RequestAction::kReadItems},
      {401, false, RequestAction::kRefreshAndRetry}, {401, true, RequestAction::kRetry},
      {403, false, RequestAction::kRetryForbidden},  {408, false, RequestAction::kRetry},
      {413, false, RequestAction::kSplit},           {429, false, RequestAction::kRetry},
      {500, false, RequestAction::kRetry},           {502, false, RequestAction::kRetry},
      {503, false, RequestAction::kRetry},           {504, false, RequestAction::kRetry},
      {501, false, RequestAction::kDeadLetter},      {400, false, RequestAction::kDeadLetter},
      {404, false, RequestAction::kDeadLetter},      {406, false, RequestAction::kDeadLetter},
      {302, false, RequestAction::kRetry},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(DecideRequest(r.status, r.refreshed), r.want)
        << r.status << " refreshed=" << r.refreshed << " got "
        << RequestActionName(DecideRequest(r.status, r.refreshed));
  }
}

TEST_F(RetryPolicyTest, RefreshesOnAwsExpiredCredentialForbiddens) {
  EXPECT_EQ(DecideRequest(403,
                          R"({"message":"The security token included in the request is expired"})",
                          false),
            RequestAction::kRefreshAndRetry);
  EXPECT_EQ(DecideRequest(403, R"({"message":"Signature expired: 20261122T100000Z is now earlier )"
                               R"(than 20261122T100500Z"})",
                          false),
            RequestAction::kRefreshAndRetry);
  EXPECT_EQ(DecideRequest(403, "<Error><Code>ExpiredToken</Code></Error>", true),
            RequestAction::kRetry);
  // A plain 403 (the role lacks a privilege) is not a credential problem.
  EXPECT_EQ(DecideRequest(403, R"({"error":{"type":"security_exception"}})", false),
            RequestAction::kRetryForbidden);
  EXPECT_EQ(DecideRequest(500, "Signature expired", false), RequestAction::kRetry);
}

TEST_F(RetryPolicyTest, RetriesEveryTransportError) {
  EXPECT_EQ(DecideTransportError(base::Unavailable("refused")), RequestAction::kRetry);
  EXPECT_EQ(DecideTransportError(base::DeadlineExceeded("slow")), RequestAction::kRetry);
  EXPECT_EQ(DecideTransportError(base::Corruption("garbage")), RequestAction::kRetry);
}

TEST_F(RetryPolicyTest, DecidesItemsByStatusAndFailureStore) {
  struct Row {
    int status;
    FailureStore store;
    ItemAction want;
  };
  const Row rows[] = {
      {201, FailureStore::kNone, ItemAction::kDelivered},
      {200, FailureStore::kNone, ItemAction::kDelivered},
      {201, FailureStore::kUsed, ItemAction::kFailureStore},
      {201, FailureStore::kNotEnabled, ItemAction::kDelivered},
      {409, FailureStore::kNone, ItemAction::kDuplicate},
      {429, FailureStore::kNone, ItemAction::kRetry},
      {500, FailureStore::kNone, ItemAction::kRetry},
      {503, FailureStore::kNone, ItemAction::kRetry},
      {0, FailureStore::kNone, ItemAction::kRetry},
      {400, FailureStore::kNone, ItemAction::kDeadLetter},
      {400, FailureStore::kFailed, ItemAction::kDeadLetter},
      {403, FailureStore::kNone, ItemAction::kDeadLetter},
      {404, FailureStore::kNone, ItemAction::kDeadLetter},
  };
  for (const Row& r : rows) {
    BulkItemResult item;
    item.status = r.status;
    item.failure_store = r.store;
    EXPECT_EQ(DecideItem(item), r.want) << r.status << " got " << ItemActionName(DecideItem(item));
  }
}

}  // namespace
}  // namespace transport
