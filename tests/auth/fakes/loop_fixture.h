// LoopFixture: a libuv loop for provider tests against the fake endpoints, with a helper
// that fetches once from a TokenSource and waits (bounded) for the answer. TearDown closes
// every handle and checks that nothing leaked.
#pragma once

#include <gtest/gtest.h>
#include <uv.h>

#include <map>
#include <optional>
#include <string>

#include "auth/environment.h"
#include "auth/token_source.h"
#include "platforms/base/clock.h"
#include "platforms/base/uv_handle.h"
#include "tests/transport/loopback_server.h"

namespace auth::testing {

class LoopFixture : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(uv_loop_init(&loop_), 0); }
  void TearDown() override {
    Release();
    EXPECT_EQ(base::CloseLoop(&loop_), 0);
  }
  // Destroys what holds handles on the loop (servers, sources) before it closes.
  virtual void Release() {}

  base::Result<Token> FetchOnce(TokenSource& source) {
    std::optional<base::Result<Token>> got;
    source.Fetch([&](base::Result<Token> r) { got = std::move(r); });
    bool done = transport::testing::RunUntil(&loop_, [&] { return got.has_value(); });
    if (!done) return base::DeadlineExceeded("the source did not answer in time");
    return std::move(*got);
  }

  // Runs the loop until `done` (bounded).
  bool RunUntil(const std::function<bool()>& done) {
    return transport::testing::RunUntil(&loop_, done);
  }

  uv_loop_t loop_{};
  base::RealClock clock_;
};

// An Environment backed by a map the test fills.
inline Environment MapEnvironment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    auto it = values.find(std::string(name));
    if (it == values.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

}  // namespace auth::testing
