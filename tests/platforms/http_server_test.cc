#include "platforms/metrics/http_server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "platforms/metrics/metrics_routes.h"
#include "platforms/metrics/registry.h"
#include "tests/platforms/raw_http_client.h"

namespace metrics {
namespace {

using testing::RawHttpClient;
using testing::RunUntil;

constexpr std::string_view kGetMetrics =
    "GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    char dir[] = "/tmp/skiff-metrics-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    socket_path_ = dir_ + "/skiff.sock";
    registry_.AddCounter("skiff_test_total", "A test counter.").Increment(3);
  }

  void TearDown() override {
    clients_.clear();
    servers_.clear();
    // Closing handles finishes within a few iterations; a leaked handle fails below.
    for (int i = 0; i < 100 && uv_run(&loop_, UV_RUN_NOWAIT) != 0; ++i) {
    }
    int rc = uv_loop_close(&loop_);
    EXPECT_EQ(rc, 0) << "handles left open on the loop";
    if (rc != 0) base::CloseLoop(&loop_);
    std::filesystem::remove_all(dir_);
  }

  HttpServer& StartServer(HttpServerOptions options = {}) {
    servers_.push_back(std::make_unique<HttpServer>(&loop_, options));
    HttpServer& server = *servers_.back();
    AddMetricsRoutes(server, registry_, [this] { return readiness_; });
    return server;
  }

  HttpServer& StartTcpServer(HttpServerOptions options = {}) {
    HttpServer& server = StartServer(options);
    base::Status status = server.ListenTcp("127.0.0.1:0");
    EXPECT_TRUE(status.ok()) << status.ToString();
    return server;
  }

  RawHttpClient& Connect(const HttpServer& server) {
    clients_.push_back(RawHttpClient::ConnectTcp(&loop_, server.tcp_port()));
    return *clients_.back();
  }

  RawHttpClient& ConnectUnix() {
    clients_.push_back(RawHttpClient::ConnectUnix(&loop_, socket_path_));
    return *clients_.back();
  }

  // Sends `request` and waits until the server closes the connection.
  std::string Exchange(RawHttpClient& client, std::string_view request) {
    client.Send(request);
    EXPECT_TRUE(RunUntil(&loop_, [&] { return client.closed(); }));
    return client.received();
  }

  testing::ParsedResponse OneResponse(RawHttpClient& client, std::string_view request) {
    Exchange(client, request);
    auto responses = client.responses();
    EXPECT_EQ(responses.size(), 1u) << client.received();
    return responses.empty() ? testing::ParsedResponse{} : responses[0];
  }

  uv_loop_t loop_{};
  std::string dir_;
  std::string socket_path_;
  Registry registry_;
  base::Status readiness_;
  std::vector<std::unique_ptr<HttpServer>> servers_;
  std::vector<std::unique_ptr<RawHttpClient>> clients_;
};

TEST_F(HttpServerTest, ServesMetricsOverTcpInTextFormat) {
  HttpServer& server = StartTcpServer();
  ASSERT_NE(server.tcp_port(), 0);
  testing::ParsedResponse r = OneResponse(Connect(server), kGetMetrics);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r.Header("Connection"), "close");
  EXPECT_EQ(r.body,
            "# HELP skiff_test_total A test counter.\n"
            "# TYPE skiff_test_total counter\n"
            "skiff_test_total 3\n");
}

TEST_F(HttpServerTest, HealthzAnswersOk) {
  HttpServer& server = StartTcpServer();
  testing::ParsedResponse r =
      OneResponse(Connect(server), "GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
}

TEST_F(HttpServerTest, ReadyzFollowsTheReadinessCheck) {
  HttpServer& server = StartTcpServer();
  constexpr std::string_view kGetReadyz = "GET /readyz HTTP/1.0\r\n\r\n";
  testing::ParsedResponse ready = OneResponse(Connect(server), kGetReadyz);
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "ready\n");

  readiness_ = base::PermissionDenied("output: 403 from Elasticsearch; check the role");
  testing::ParsedResponse not_ready = OneResponse(Connect(server), kGetReadyz);
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_EQ(not_ready.body, "not ready: output: 403 from Elasticsearch; check the role\n");

  readiness_ = base::Status::Ok();
  EXPECT_EQ(OneResponse(Connect(server), kGetReadyz).status, 200);
}

TEST_F(HttpServerTest, UnknownPathGets404) {
  HttpServer& server = StartTcpServer();
  testing::ParsedResponse r =
      OneResponse(Connect(server), "GET /nope HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(r.status, 404);
}

TEST_F(HttpServerTest, OtherMethodOnAKnownPathGets405WithAllow) {
  HttpServer& server = StartTcpServer();
  testing::ParsedResponse r = OneResponse(
      Connect(server), "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.Header("Allow"), "GET, HEAD");
}

TEST_F(HttpServerTest, HeadAnswersHeadersWithoutBody) {
  HttpServer& server = StartTcpServer();
  std::string bytes =
      Exchange(Connect(server), "HEAD /healthz HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(bytes.starts_with("HTTP/1.1 200 OK\r\n")) << bytes;
  EXPECT_NE(bytes.find("Content-Length: 3\r\n"), std::string::npos) << bytes;
  EXPECT_TRUE(bytes.ends_with("\r\n\r\n")) << bytes;
}

TEST_F(HttpServerTest, CustomRouteReceivesTheBody) {
  HttpServer& server = StartTcpServer();
  server.AddRoute("POST", "/reload", [](const HttpRequest& request) {
    HttpResponse response;
    response.status = 202;
    response.body = std::string("reloading: ") + std::string(request.body);
    return response;
  });
  testing::ParsedResponse r = OneResponse(
      Connect(server),
      "POST /reload?force=1 HTTP/1.1\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(r.body, "reloading: hello");
}

TEST_F(HttpServerTest, OversizedHeadGets431AndTheConnectionCloses) {
  HttpServer& server = StartTcpServer();
  std::string request = "GET /metrics HTTP/1.1\r\nX-Pad: " + std::string(9000, 'a') + "\r\n\r\n";
  RawHttpClient& client = Connect(server);
  testing::ParsedResponse r = OneResponse(client, request);
  EXPECT_EQ(r.status, 431);
  EXPECT_TRUE(client.closed());
}

TEST_F(HttpServerTest, HeadThatNeverEndsGets431OnceOverTheLimit) {
  HttpServer& server = StartTcpServer(HttpServerOptions{.max_head_bytes = 1024});
  RawHttpClient& client = Connect(server);
  client.Send("GET /metrics HTTP/1.1\r\nX-Pad: ");
  client.Send(std::string(2048, 'a'));  // no end of head in sight
  ASSERT_TRUE(RunUntil(&loop_, [&] { return client.closed(); }));
  ASSERT_EQ(client.responses().size(), 1u);
  EXPECT_EQ(client.responses()[0].status, 431);
}

TEST_F(HttpServerTest, OversizedBodyGets413) {
  HttpServer& server = StartTcpServer(HttpServerOptions{.max_body_bytes = 16});
  testing::ParsedResponse r =
      OneResponse(Connect(server), "POST /reload HTTP/1.1\r\nContent-Length: 17\r\n\r\n");
  EXPECT_EQ(r.status, 413);
}

TEST_F(HttpServerTest, MalformedRequestGets400AndTheConnectionCloses) {
  HttpServer& server = StartTcpServer();
  RawHttpClient& client = Connect(server);
  testing::ParsedResponse r = OneResponse(client, "GET metrics\r\n\r\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_TRUE(client.closed());
}

TEST_F(HttpServerTest, ServesPipelinedRequestsInOrderOnOneConnection) {
  HttpServer& server = StartTcpServer();
  RawHttpClient& client = Connect(server);
  Exchange(client,
           "\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
           "GET /nope HTTP/1.1\r\n\r\n" +
               std::string(kGetMetrics));
  auto responses = client.responses();
  ASSERT_EQ(responses.size(), 3u) << client.received();
  EXPECT_EQ(responses[0].body, "ok\n");
  EXPECT_EQ(responses[0].Header("Connection"), "");
  EXPECT_EQ(responses[1].status, 404);
  EXPECT_EQ(responses[2].status, 200);
  EXPECT_EQ(responses[2].Header("Connection"), "close");
}

TEST_F(HttpServerTest, KeepAliveConnectionStaysOpenBetweenRequests) {
  HttpServer& server = StartTcpServer();
  RawHttpClient& client = Connect(server);
  client.Send("GET /healthz HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(RunUntil(&loop_, [&] { return client.responses().size() == 1; }));
  EXPECT_FALSE(client.closed());
  EXPECT_EQ(server.connection_count(), 1u);
  client.Send("GET /readyz HTTP/1.1\r\n\r\n");
  ASSERT_TRUE(RunUntil(&loop_, [&] { return client.responses().size() == 2; }));
  EXPECT_EQ(client.responses()[1].body, "ready\n");
  EXPECT_FALSE(client.closed());
}

TEST_F(HttpServerTest, SlowClientDoesNotBlockOthers) {
  HttpServer& server = StartTcpServer();
  RawHttpClient& slow = Connect(server);
  slow.Send("GET /metrics HTTP/1.1\r\nHost: x\r\n");  // head not finished
  ASSERT_TRUE(RunUntil(&loop_, [&] { return server.connection_count() == 1; }));

  RawHttpClient& fast = Connect(server);
  testing::ParsedResponse r = OneResponse(fast, kGetMetrics);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(slow.received().empty());
  EXPECT_FALSE(slow.closed());

  slow.Send("Connection: close\r\n\r\n");
  ASSERT_TRUE(RunUntil(&loop_, [&] { return slow.closed(); }));
  ASSERT_EQ(slow.responses().size(), 1u);
  EXPECT_EQ(slow.responses()[0].status, 200);
}

TEST_F(HttpServerTest, IdleConnectionClosesAfterTheIdleTimeout) {
  HttpServer& server =
      StartTcpServer(HttpServerOptions{.idle_timeout = std::chrono::milliseconds(50)});
  RawHttpClient& client = Connect(server);
  ASSERT_TRUE(RunUntil(&loop_, [&] { return client.closed(); }));
  EXPECT_TRUE(client.received().empty());
  EXPECT_TRUE(RunUntil(&loop_, [&] { return server.connection_count() == 0; }));
}

TEST_F(HttpServerTest, RequestNotCompletedInTimeGets408) {
  HttpServer& server =
      StartTcpServer(HttpServerOptions{.request_timeout = std::chrono::milliseconds(50)});
  RawHttpClient& client = Connect(server);
  client.Send("GET /metrics HTTP/1.1\r\n");
  ASSERT_TRUE(RunUntil(&loop_, [&] { return client.closed(); }));
  ASSERT_EQ(client.responses().size(), 1u);
  EXPECT_EQ(client.responses()[0].status, 408);
}

TEST_F(HttpServerTest, ConnectionsBeyondTheLimitAreClosed) {
  HttpServer& server = StartTcpServer(HttpServerOptions{.max_connections = 2});
  RawHttpClient& a = Connect(server);
  RawHttpClient& b = Connect(server);
  ASSERT_TRUE(RunUntil(&loop_, [&] { return server.connection_count() == 2; }));
  RawHttpClient& c = Connect(server);
  ASSERT_TRUE(RunUntil(&loop_, [&] { return c.closed(); }));
  EXPECT_FALSE(a.closed());
  EXPECT_FALSE(b.closed());
  EXPECT_EQ(OneResponse(a, kGetMetrics).status, 200);
}

TEST_F(HttpServerTest, SecondListenerOnABusyPortFails) {
  HttpServer& first = StartTcpServer();
  HttpServer& second = StartServer();
  base::Status status = second.ListenTcp("127.0.0.1:" + std::to_string(first.tcp_port()));
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.message().find("listen on 127.0.0.1:"), std::string_view::npos)
      << status.ToString();
}

TEST_F(HttpServerTest, BadListenAddressIsInvalidArgument) {
  HttpServer& server = StartServer();
  base::Status status = server.ListenTcp("127.0.0.1");
  EXPECT_EQ(status.code(), base::StatusCode::kInvalidArgument) << status.ToString();
}

TEST_F(HttpServerTest, ColonPortListensOnEveryInterface) {
  HttpServer& server = StartServer();
  base::Status status = server.ListenTcp(":0");
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(OneResponse(Connect(server), kGetMetrics).status, 200);  // reached via 127.0.0.1
}

TEST_F(HttpServerTest, ServesOverAUnixSocketWithOwnerOnlyMode) {
  HttpServer& server = StartServer();
  base::Status status = server.ListenUnix(socket_path_);
  ASSERT_TRUE(status.ok()) << status.ToString();
  struct stat st {};
  ASSERT_EQ(::stat(socket_path_.c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  testing::ParsedResponse r = OneResponse(ConnectUnix(), kGetMetrics);
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("skiff_test_total 3\n"), std::string::npos);
}

TEST_F(HttpServerTest, CloseRemovesTheSocketFile) {
  HttpServer& server = StartServer();
  ASSERT_TRUE(server.ListenUnix(socket_path_).ok());
  ASSERT_TRUE(std::filesystem::exists(socket_path_));
  server.Close();
  EXPECT_FALSE(std::filesystem::exists(socket_path_));
}

TEST_F(HttpServerTest, ReplacesAStaleSocketLeftByACrashedRun) {
  // A socket file nobody listens on, as a killed process leaves it.
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, socket_path_.c_str(), socket_path_.size());
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0);
  ::close(fd);
  ASSERT_TRUE(std::filesystem::exists(socket_path_));

  HttpServer& server = StartServer();
  base::Status status = server.ListenUnix(socket_path_);
  ASSERT_TRUE(status.ok()) << status.ToString();
  EXPECT_EQ(OneResponse(ConnectUnix(), kGetMetrics).status, 200);
}

TEST_F(HttpServerTest, RefusesASocketPathWhereSomeoneListens) {
  HttpServer& first = StartServer();
  ASSERT_TRUE(first.ListenUnix(socket_path_).ok());
  HttpServer& second = StartServer();
  base::Status status = second.ListenUnix(socket_path_);
  EXPECT_EQ(status.code(), base::StatusCode::kAlreadyExists) << status.ToString();
  EXPECT_NE(status.message().find("another process is listening"), std::string_view::npos);
  // The first server still owns and serves the path.
  EXPECT_EQ(OneResponse(ConnectUnix(), kGetMetrics).status, 200);
}

TEST_F(HttpServerTest, RefusesToReplaceAFileThatIsNotASocket) {
  { std::ofstream(socket_path_) << "precious"; }
  HttpServer& server = StartServer();
  base::Status status = server.ListenUnix(socket_path_);
  EXPECT_EQ(status.code(), base::StatusCode::kAlreadyExists) << status.ToString();
  std::ifstream in(socket_path_);
  std::string content;
  in >> content;
  EXPECT_EQ(content, "precious");
}

TEST_F(HttpServerTest, RefusesASocketPathTooLongForTheKernel) {
  HttpServer& server = StartServer();
  base::Status status = server.ListenUnix(dir_ + "/" + std::string(200, 'x'));
  EXPECT_EQ(status.code(), base::StatusCode::kInvalidArgument) << status.ToString();
}

}  // namespace
}  // namespace metrics
