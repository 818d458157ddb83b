// The AWS credential chain (spec auth.md §4.1-4.4): where aws_sigv4 gets its keys, as the
// AWS SDKs look for them, first configured source wins:
//   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
//   2. web identity (EKS IRSA): AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, exchanged with
//      STS AssumeRoleWithWebIdentity (the JWT file is re-read on every call);
//   3. container credentials (ECS, EKS Pod Identity): AWS_CONTAINER_CREDENTIALS_RELATIVE_URI
//      or _FULL_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE];
//   4. EC2 instance metadata, IMDSv2 (token PUT, then the role's credentials).
// Each is a TokenSource (Token.access_key_id / secret / session_token / expires_at), so the
// TokenCache refreshes them ahead of expiry. Endpoints can be moved for tests and special
// networks: AWS_EC2_METADATA_SERVICE_ENDPOINT, AWS_ENDPOINT_URL_STS (as the SDKs honour),
// and AwsChainOptions.
#pragma once

#include <uv.h>

#include <memory>
#include <string>

#include "auth/endpoint_client.h"
#include "auth/environment.h"
#include "auth/token_source.h"
#include "platforms/base/clock.h"

namespace auth {

struct AwsChainOptions {
  std::string region;        // for the regional STS endpoint
  std::string sts_endpoint;  // empty: AWS_ENDPOINT_URL_STS, else https://sts.<region>.amazonaws.com
  std::string imds_endpoint;  // empty: AWS_EC2_METADATA_SERVICE_ENDPOINT, else 169.254.169.254
  EndpointClient::Options http{std::chrono::milliseconds(1'000), std::chrono::milliseconds(5'000)};
};

// Picks the first configured source of the chain. `loop`, `clock` outlive the result.
std::unique_ptr<TokenSource> MakeAwsCredentialSource(uv_loop_t* loop, const base::Clock& clock,
                                                     Environment env, AwsChainOptions options);

// Parses "2026-01-01T06:00:00Z" (ISO 8601 UTC, fractional seconds allowed) as AWS sends
// Expiration; nullopt when malformed.
std::optional<WallTime> ParseIso8601Utc(std::string_view text);

}  // namespace auth
