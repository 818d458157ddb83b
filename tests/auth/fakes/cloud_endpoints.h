// Fakes of the endpoints workload-identity providers talk to, each following its public
// protocol (spec auth.md): required headers, error shapes, token lifetimes. They are
// LoopbackServer handlers (tests/transport/loopback_server.h) on 127.0.0.1, port 0, run on
// the test's loop. Each fake counts what it answered and can be switched to "down" (503 or
// closed connections) to test retries.
//
//   FakeAwsImds        EC2 IMDSv2: PUT /latest/api/token, GET .../security-credentials/[role]
//   FakeEcsCredentials ECS / EKS Pod Identity container endpoint (Authorization checked)
//   FakeSts            STS AssumeRoleWithWebIdentity (form POST, XML answer and errors)
//   FakeGcpMetadata    GCE metadata identity tokens (Metadata-Flavor: Google)
//   FakeAzureImds      Azure IMDS managed identity (Metadata: true, numbers as strings)
//   FakeOAuthServer    RFC 6749 client-credentials token endpoint (also AAD's v2.0 one)
#pragma once

#include <uv.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "tests/transport/loopback_server.h"

namespace auth::testing {

// Parses "a=1&b=x%20y" (query strings and form bodies; '+' is a space).
std::map<std::string, std::string> ParseForm(std::string_view text);
// The query part of a request target, after '?'.
std::string_view QueryOf(std::string_view target);
// The path part of a request target, before '?'.
std::string_view PathOf(std::string_view target);
// An unsigned JWT (alg none) with the given claims JSON, for fakes that issue tokens.
std::string UnsignedJwt(std::string_view claims_json);
// Wall-clock seconds now (fakes issue tokens against the real clock).
int64_t UnixNow();
// "2026-01-01T06:00:00Z"
std::string Iso8601(int64_t unix_seconds);

// The common part: a server, a down switch and counters.
class FakeEndpoint {
 public:
  explicit FakeEndpoint(uv_loop_t* loop);
  virtual ~FakeEndpoint() = default;
  FakeEndpoint(const FakeEndpoint&) = delete;
  FakeEndpoint& operator=(const FakeEndpoint&) = delete;

  std::string url() const { return server_.url(); }
  transport::testing::LoopbackServer& server() { return server_; }
  // While down, every request is answered 503 (the endpoint is "restarting").
  void set_down(bool down) { down_ = down; }
  int tokens_issued() const { return tokens_issued_; }
  // Lifetime of the tokens issued from now on.
  void set_lifetime(std::chrono::seconds lifetime) { lifetime_ = lifetime; }

 protected:
  virtual transport::testing::Reply Handle(const transport::testing::ReceivedRequest& r) = 0;
  static transport::testing::Reply Json(int status, std::string_view body);
  static transport::testing::Reply Text(int status, std::string_view body,
                                        const std::vector<transport::HttpHeader>& headers = {});

  int tokens_issued_ = 0;
  std::chrono::seconds lifetime_{3600};

 private:
  bool down_ = false;
  transport::testing::LoopbackServer server_;
};

class FakeAwsImds final : public FakeEndpoint {
 public:
  FakeAwsImds(uv_loop_t* loop, std::string role, std::string access_key_id, std::string secret,
              std::string session_token);

 private:
  transport::testing::Reply Handle(const transport::testing::ReceivedRequest& r) override;
  std::string role_, access_key_id_, secret_, session_token_;
  std::map<std::string, int64_t> sessions_;  // IMDSv2 token -> expiry
  int next_session_ = 1;
};

class FakeEcsCredentials final : public FakeEndpoint {
 public:
  // `authorization`: the token the endpoint demands (empty: none, as with RELATIVE_URI).
  FakeEcsCredentials(uv_loop_t* loop, std::string path, std::string authorization,
                     std::string access_key_id, std::string secret, std::string session_token);

 private:
  transport::testing::Reply Handle(const transport::testing::ReceivedRequest& r) override;
  std::string path_, authorization_, access_key_id_, secret_, session_token_;
};

class FakeSts final : public FakeEndpoint {
 public:
  FakeSts(uv_loop_t* loop, std::string accepted_jwt, std::string role_arn,
          std::string access_key_id, std::string secret, std::string session_token);
  void set_accepted_jwt(std::string jwt) { accepted_jwt_ = std::move(jwt); }

 private:
  transport::testing::Reply Handle(const transport::testing::ReceivedRequest& r) override;
  std::string accepted_jwt_, role_arn_, access_key_id_, secret_, session_token_;
};

class FakeGcpMetadata final : public FakeEndpoint {
 public:
  explicit FakeGcpMetadata(uv_loop_t* loop);
  // The last token issued (tests compare it with what the provider sends).
  const std::string& last_token() const { return last_token_; }

 private:
  transport::testing::Reply Handle(const transport::testing::ReceivedRequest& r) override;
  std::string last_token_;
};

class FakeAzureImds final : public FakeEndpoint {
 public:
  explicit FakeAzureImds(uv_loop_t* loop);
  const std::string& last_token() const { return last_token_; }

 private:
  transport::testing::Reply Handle(const transport::testing::ReceivedRequest& r) override;
  std::string last_token_;
};

class FakeOAuthServer final : public FakeEndpoint {
 public:
  // Accepts `client_id` with `client_secret` (Basic header or form), or with a
  // client_assertion equal to `assertion` (federated identity) when that is not empty.
  FakeOAuthServer(uv_loop_t* loop, std::string path, std::string client_id,
                  std::string client_secret, std::string assertion);
  const std::string& last_token() const { return last_token_; }
  const std::map<std::string, std::string>& last_form() const { return last_form_; }
  void set_omit_expires_in(bool omit) { omit_expires_in_ = omit; }

 private:
  transport::testing::Reply Handle(const transport::testing::ReceivedRequest& r) override;
  std::string path_, client_id_, client_secret_, assertion_;
  std::string last_token_;
  std::map<std::string, std::string> last_form_;
  bool omit_expires_in_ = false;
};

}  // namespace auth::testing
