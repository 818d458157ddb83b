// ScriptedTokenSource: a TokenSource whose fetches the test answers by hand, so the refresh
// engine can be driven through success, failure and recovery step by step.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "auth/token_source.h"

namespace auth::testing {

class ScriptedTokenSource final : public TokenSource {
 public:
  void Fetch(Callback done) override {
    ++fetches_;
    pending_ = std::move(done);
  }
  std::string_view Describe() const override { return "scripted"; }

  int fetches() const { return fetches_; }
  bool pending() const { return pending_ != nullptr; }

  // Answers the fetch in flight.
  void Complete(base::Result<Token> result) {
    Callback done = std::move(pending_);
    pending_ = nullptr;
    done(std::move(result));
  }

 private:
  int fetches_ = 0;
  Callback pending_;
};

// A bearer token valid for `lifetime` from `now`.
inline Token TokenFor(std::string secret, WallTime now, std::chrono::seconds lifetime) {
  Token t;
  t.secret = std::move(secret);
  t.obtained_at = now;
  t.expires_at = now + lifetime;
  t.identity = "test identity";
  return t;
}

}  // namespace auth::testing
