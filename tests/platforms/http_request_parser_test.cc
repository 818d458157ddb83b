#include "platforms/metrics/http_request_parser.h"

#include <gtest/gtest.h>

#include <string_view>

namespace metrics {
namespace {

class HttpRequestParserTest : public ::testing::Test {
 protected:
  bool Parse(std::string_view head) {
    return HttpRequestParser::ParseHead(head, request_, framing_, error_);
  }

  HttpRequest request_;
  RequestHead framing_;
  HeadParseError error_;
};

TEST_F(HttpRequestParserTest, ParsesRequestLineHeadersAndQuery) {
  ASSERT_TRUE(
      Parse("GET /metrics?name=x HTTP/1.1\r\nHost: 127.0.0.1:9464\r\n"
            "Accept:  text/plain \r\nContent-Length: 0"));
  EXPECT_EQ(request_.method, "GET");
  EXPECT_EQ(request_.target, "/metrics?name=x");
  EXPECT_EQ(request_.path, "/metrics");
  EXPECT_EQ(request_.query, "name=x");
  EXPECT_EQ(request_.Header("accept"), "text/plain");
  EXPECT_EQ(request_.Header("missing"), "");
  EXPECT_TRUE(request_.keep_alive);
  EXPECT_EQ(framing_.content_length, 0u);
}

TEST_F(HttpRequestParserTest, ParsesARequestWithoutHeaders) {
  ASSERT_TRUE(Parse("GET / HTTP/1.1"));
  EXPECT_EQ(request_.path, "/");
  EXPECT_TRUE(request_.headers.empty());
}

TEST_F(HttpRequestParserTest, ConnectionHeaderAndVersionDecideKeepAlive) {
  ASSERT_TRUE(Parse("GET / HTTP/1.1\r\nConnection: Keep-Alive, CLOSE"));
  EXPECT_FALSE(request_.keep_alive);
  ASSERT_TRUE(Parse("GET / HTTP/1.0"));
  EXPECT_FALSE(request_.keep_alive);
  ASSERT_TRUE(Parse("GET / HTTP/1.0\r\nConnection: keep-alive"));
  EXPECT_TRUE(request_.keep_alive);
}

TEST_F(HttpRequestParserTest, ReadsContentLength) {
  ASSERT_TRUE(Parse("POST /reload HTTP/1.1\r\nContent-Length: 12\r\ncontent-length: 12"));
  EXPECT_EQ(framing_.content_length, 12u);
}

TEST_F(HttpRequestParserTest, RejectsMalformedHeadsWith400) {
  for (std::string_view head : {
           "GET /metrics",                                              // no version
           "GET metrics HTTP/1.1",                                      // not origin-form
           "GET http://x/metrics HTTP/1.1",                             // absolute-form
           "G(T / HTTP/1.1",                                            // bad method token
           "GET / HTTP/1.1\r\nNo colon here",                           // header without ':'
           "GET / HTTP/1.1\r\nBad Name: x",                             // space in the name
           "GET / HTTP/1.1\r\nA: b\r\n folded",                         // obsolete folding
           "GET / HTTP/1.1\r\nContent-Length: -1",                      // not a number
           "GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2",  // conflicting
           "GET / HTTP/1.1\r\nA: x\001y",                               // control character
           "GET / FTP/1.0",
       }) {
    EXPECT_FALSE(Parse(head)) << head;
    EXPECT_EQ(error_.status, 400) << head;
    EXPECT_FALSE(error_.reason.empty());
  }
}

TEST_F(HttpRequestParserTest, RejectsChunkedBodiesWith501AndOtherVersionsWith505) {
  EXPECT_FALSE(Parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked"));
  EXPECT_EQ(error_.status, 501);
  EXPECT_FALSE(Parse("GET / HTTP/2.0"));
  EXPECT_EQ(error_.status, 505);
}

}  // namespace
}  // namespace metrics
