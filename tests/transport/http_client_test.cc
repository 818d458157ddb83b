#include "transport/http_client.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/transport/loopback_server.h"

namespace transport {
namespace {

using std::chrono::milliseconds;
using testing::HttpResponseText;
using testing::LoopbackServer;
using testing::ReceivedRequest;
using testing::Reply;
using testing::RunUntil;

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(uv_loop_init(&loop_), 0);
    server_ = std::make_unique<LoopbackServer>(&loop_, [](const ReceivedRequest& r) {
      return Reply{HttpResponseText(200, "echo:" + r.body)};
    });
    endpoint_ = HttpEndpoint::Parse(server_->url()).value();
    MakeClient(milliseconds(2'000), milliseconds(2'000));
  }

  void TearDown() override {
    client_.reset();
    server_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);  // runs the close callbacks
    EXPECT_EQ(uv_loop_close(&loop_), 0) << "a handle leaked";
  }

  void MakeClient(milliseconds connect_timeout, milliseconds request_timeout) {
    HttpClient::Options options;
    options.connection.connect_timeout = connect_timeout;
    options.connection.request_timeout = request_timeout;
    client_ = std::make_unique<HttpClient>(&loop_, options);
  }

  // Sends and waits for the outcome.
  base::Result<HttpResponse> Fetch(HttpRequest request, const HttpEndpoint* endpoint = nullptr) {
    std::optional<base::Result<HttpResponse>> out;
    base::Status s =
        client_->Send(endpoint ? *endpoint : endpoint_, std::move(request),
                      [&out](base::Result<HttpResponse> r) { out.emplace(std::move(r)); });
    if (!s.ok()) return s;
    if (!RunUntil(&loop_, [&] { return out.has_value(); })) return base::Internal("no callback");
    return std::move(*out);
  }

  static HttpRequest Post(std::string body) {
    HttpRequest r;
    r.method = "POST";
    r.target = "/_bulk?x=1";
    r.headers = {{"Content-Type", "application/x-ndjson"}};
    r.body = std::move(body);
    return r;
  }

  uv_loop_t loop_{};
  std::unique_ptr<LoopbackServer> server_;
  std::unique_ptr<HttpClient> client_;
  HttpEndpoint endpoint_;
};

TEST_F(HttpClientTest, SendsTheRequestAndReturnsTheResponse) {
  base::Result<HttpResponse> r = Fetch(Post("hello"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "echo:hello");
  ASSERT_EQ(server_->requests().size(), 1u);
  const ReceivedRequest& got = server_->requests()[0];
  EXPECT_EQ(got.method, "POST");
  EXPECT_EQ(got.target, "/_bulk?x=1");
  EXPECT_EQ(FindHeader(got.headers, "Host").value_or(""),
            "127.0.0.1:" + std::to_string(server_->port()));
  EXPECT_EQ(FindHeader(got.headers, "Content-Length").value_or(""), "5");
  EXPECT_EQ(FindHeader(got.headers, "Content-Type").value_or(""), "application/x-ndjson");
}

TEST_F(HttpClientTest, ReusesAKeepAliveConnection) {
  for (int i = 0; i < 3; ++i) {
    base::Result<HttpResponse> r = Fetch(Post("x"));
    ASSERT_TRUE(r.has_value());
  }
  EXPECT_EQ(client_->connections_opened(), 1u);
  EXPECT_EQ(server_->connections_accepted(), 1u);
  EXPECT_EQ(client_->idle_connections(), 1u);
}

TEST_F(HttpClientTest, OpensANewConnectionAfterConnectionClose) {
  server_->set_handler([](const ReceivedRequest&) {
    return Reply{HttpResponseText(200, "bye", {}, /*close=*/true), /*close_after=*/true};
  });
  ASSERT_TRUE(Fetch(Post("1")).has_value());
  EXPECT_EQ(client_->open_connections(), 0u);
  ASSERT_TRUE(Fetch(Post("2")).has_value());
  EXPECT_EQ(server_->connections_accepted(), 2u);
}

TEST_F(HttpClientTest, NoticesWhenTheServerClosesAnIdleConnection) {
  ASSERT_TRUE(Fetch(Post("1")).has_value());
  ASSERT_EQ(client_->idle_connections(), 1u);
  server_->CloseConnections();
  ASSERT_TRUE(RunUntil(&loop_, [&] { return client_->open_connections() == 0; }));
  base::Result<HttpResponse> r = Fetch(Post("2"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->body, "echo:2");
  EXPECT_EQ(client_->connections_opened(), 2u);
}

TEST_F(HttpClientTest, AGarbageResponseIsCorruption) {
  server_->set_handler([](const ReceivedRequest&) { return Reply{"<html>oops</html>\r\n\r\n"}; });
  base::Result<HttpResponse> r = Fetch(Post("x"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), base::StatusCode::kCorruption);
  EXPECT_EQ(client_->open_connections(), 0u);
}

TEST_F(HttpClientTest, AServerClosingWithoutAnswerIsUnavailable) {
  server_->set_handler([](const ReceivedRequest&) { return Reply{}; });
  base::Result<HttpResponse> r = Fetch(Post("x"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), base::StatusCode::kUnavailable) << r.error().ToString();
}

TEST_F(HttpClientTest, AServerClosingMidBodyIsATruncatedResponse) {
  server_->set_handler([](const ReceivedRequest&) {
    return Reply{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial", /*close_after=*/true};
  });
  base::Result<HttpResponse> r = Fetch(Post("x"));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("truncated"), std::string_view::npos) << r.error().ToString();
}

TEST_F(HttpClientTest, ASilentServerTimesOut) {
  MakeClient(milliseconds(2'000), milliseconds(100));
  server_->set_handler([](const ReceivedRequest&) { return Reply{"", false, /*hang=*/true}; });
  base::Result<HttpResponse> r = Fetch(Post("x"));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), base::StatusCode::kDeadlineExceeded) << r.error().ToString();
  EXPECT_EQ(client_->open_connections(), 0u);
}

TEST_F(HttpClientTest, ARefusedConnectionIsUnavailable) {
  int port = server_->port();
  server_->Close();
  uv_run(&loop_, UV_RUN_NOWAIT);
  HttpEndpoint closed = HttpEndpoint::Parse("127.0.0.1:" + std::to_string(port)).value();
  base::Result<HttpResponse> r = Fetch(Post("x"), &closed);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), base::StatusCode::kUnavailable) << r.error().ToString();
}

TEST_F(HttpClientTest, AnUnknownHostIsUnavailable) {
  HttpEndpoint nowhere = HttpEndpoint::Parse("http://no-such-host.invalid:9200").value();
  base::Result<HttpResponse> r = Fetch(Post("x"), &nowhere);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), base::StatusCode::kUnavailable) << r.error().ToString();
}

TEST_F(HttpClientTest, HttpsWithUnusableTlsFilesIsRefusedBeforeConnecting) {
  HttpClient::Options options;
  options.tls.ca_file = "/nonexistent/ca.pem";
  client_ = std::make_unique<HttpClient>(&loop_, options);
  HttpEndpoint tls = HttpEndpoint::Parse("https://127.0.0.1:9200").value();
  base::Status s = client_->Send(tls, Post("x"), [](base::Result<HttpResponse>) { FAIL(); });
  EXPECT_EQ(s.code(), base::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("tls.ca_file /nonexistent/ca.pem"), std::string_view::npos)
      << s.message();
  std::vector<HttpEndpoint> endpoints = {tls};
  EXPECT_EQ(client_->Prepare(endpoints).code(), base::StatusCode::kInvalidArgument);
}

TEST_F(HttpClientTest, AHandshakeWithoutAnswerTimesOutAndSendsNothing) {
  HttpClient::Options options;
  options.tls.verify = false;
  options.connection.connect_timeout = milliseconds(300);
  client_ = std::make_unique<HttpClient>(&loop_, options);
  // The loopback server waits for an HTTP request that a ClientHello never completes.
  HttpEndpoint tls =
      HttpEndpoint::Parse("https://127.0.0.1:" + std::to_string(server_->port())).value();
  base::Result<HttpResponse> r = Fetch(Post("secret body"), &tls);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), base::StatusCode::kDeadlineExceeded);
  EXPECT_NE(r.error().message().find("TLS handshake with https://127.0.0.1:"),
            std::string_view::npos)
      << r.error().message();
  for (const ReceivedRequest& req : server_->requests()) {
    EXPECT_EQ(req.body.find("secret body"), std::string::npos);
  }
  // Counted once, as a failure of no certificate kind.
  const TlsStats& stats = client_->tls_context()->stats();
  ASSERT_EQ(stats.peers.count(tls.ToString()), 1u);
  const TlsPeerStats& peer = stats.peers.find(tls.ToString())->second;
  EXPECT_EQ(peer.handshakes[static_cast<std::size_t>(HandshakeOutcome::kOther)], 1u);
  EXPECT_EQ(peer.handshakes[static_cast<std::size_t>(HandshakeOutcome::kOk)], 0u);
}

TEST_F(HttpClientTest, ThroughAProxyHttpRequestsUseAbsoluteTargetsAndProxyCredentials) {
  HttpClient::Options options;
  options.proxy = "http://user:pw@127.0.0.1:" + std::to_string(server_->port());
  client_ = std::make_unique<HttpClient>(&loop_, options);
  // The name is never resolved: the proxy connects to it.
  HttpEndpoint far = HttpEndpoint::Parse("http://es.invalid:9200").value();
  base::Result<HttpResponse> r = Fetch(Post("hello"), &far);
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(r->body, "echo:hello");
  ASSERT_EQ(server_->requests().size(), 1u);
  const ReceivedRequest& req = server_->requests()[0];
  EXPECT_EQ(req.target, "http://es.invalid:9200/_bulk?x=1");
  auto header = [&req](std::string_view name) -> std::string {
    for (const HttpHeader& h : req.headers) {
      if (h.name == name) return h.value;
    }
    return "";
  };
  EXPECT_EQ(header("Host"), "es.invalid:9200");
  EXPECT_EQ(header("Proxy-Authorization"), "Basic dXNlcjpwdw==");  // user:pw
}

TEST_F(HttpClientTest, AProxyRefusingTheTunnelFailsWithItsAnswer) {
  HttpClient::Options options;
  options.proxy = "http://127.0.0.1:" + std::to_string(server_->port());
  client_ = std::make_unique<HttpClient>(&loop_, options);
  server_->set_handler(
      [](const ReceivedRequest&) { return Reply{HttpResponseText(407, "credentials?")}; });
  HttpEndpoint far = HttpEndpoint::Parse("https://es.invalid:9200").value();
  base::Result<HttpResponse> r = Fetch(Post("x"), &far);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code(), base::StatusCode::kUnavailable);
  std::string message(r.error().message());
  EXPECT_NE(message.find("refused CONNECT to es.invalid:9200: 407"), std::string::npos) << message;
  EXPECT_NE(message.find("put them in the proxy URL"), std::string::npos) << message;
  ASSERT_EQ(server_->requests().size(), 1u);
  EXPECT_EQ(server_->requests()[0].method, "CONNECT");
  EXPECT_EQ(server_->requests()[0].target, "es.invalid:9200");
}

TEST_F(HttpClientTest, NoProxyHostsAreReachedDirectly) {
  HttpClient::Options options;
  options.proxy_env = [](std::string_view name) -> std::optional<std::string> {
    if (name == "HTTP_PROXY") return "http://127.0.0.1:1";  // nothing listens there
    if (name == "NO_PROXY") return "localhost,127.0.0.1";
    return std::nullopt;
  };
  client_ = std::make_unique<HttpClient>(&loop_, options);
  base::Result<HttpResponse> r = Fetch(Post("direct"));
  ASSERT_TRUE(r.has_value()) << r.error().ToString();
  EXPECT_EQ(server_->requests().at(0).target, "/_bulk?x=1");
}

TEST_F(HttpClientTest, DestroyingTheClientWithARequestInFlightCallsNothingAndLeaksNothing) {
  server_->set_handler([](const ReceivedRequest&) { return Reply{"", false, /*hang=*/true}; });
  bool called = false;
  ASSERT_TRUE(
      client_->Send(endpoint_, Post("x"), [&](base::Result<HttpResponse>) { called = true; }).ok());
  ASSERT_TRUE(RunUntil(&loop_, [&] { return server_->requests().size() == 1; }));
  client_.reset();
  uv_run(&loop_, UV_RUN_NOWAIT);
  EXPECT_FALSE(called);
}

TEST_F(HttpClientTest, ParsesEndpoints) {
  HttpEndpoint a = HttpEndpoint::Parse("http://es-1:9201/prefix/").value();
  EXPECT_EQ(a.host, "es-1");
  EXPECT_EQ(a.port, 9201);
  EXPECT_EQ(a.path_prefix, "/prefix");
  EXPECT_EQ(a.ToString(), "http://es-1:9201/prefix");
  HttpEndpoint b = HttpEndpoint::Parse("es-2").value();
  EXPECT_EQ(b.port, kDefaultElasticsearchPort);
  HttpEndpoint c = HttpEndpoint::Parse("http://[::1]:9200").value();
  EXPECT_EQ(c.host, "::1");
  EXPECT_EQ(c.HostHeader(), "[::1]:9200");
  EXPECT_FALSE(HttpEndpoint::Parse("ftp://x").has_value());
  EXPECT_FALSE(HttpEndpoint::Parse("http://x:99999").has_value());
  EXPECT_FALSE(HttpEndpoint::Parse("http://user:secret@x:9200").has_value());
  EXPECT_EQ(HttpEndpoint::Parse("http://user:secret@x:9200").error().message().find("secret"),
            std::string_view::npos);
}

}  // namespace
}  // namespace transport
