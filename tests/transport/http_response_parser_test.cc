#include "transport/http_response_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace transport {
namespace {

struct Parsed {
  base::Status status;
  HttpResponse response;
  bool keep_alive = false;
  std::size_t used = 0;
};

class HttpResponseParserTest : public ::testing::Test {
 protected:
  // Feeds `wire` in pieces of `step` bytes (0: all at once), then EOF when `eof`.
  static Parsed Parse(std::string_view wire, std::size_t step = 0, bool eof = false,
                      HttpResponseParser::Limits limits = {}) {
    HttpResponseParser parser(limits);
    Parsed out;
    std::size_t pos = 0;
    while (pos < wire.size() && !parser.done()) {
      std::size_t n = step == 0 ? wire.size() - pos : std::min(step, wire.size() - pos);
      base::Result<std::size_t> used = parser.Feed(wire.substr(pos, n));
      if (!used.has_value()) {
        out.status = used.error();
        return out;
      }
      out.used += *used;
      pos += n;
    }
    if (!parser.done() && eof) out.status = parser.FinishAtEof();
    if (out.status.ok() && !parser.done()) out.status = base::Internal("incomplete");
    if (parser.done()) {
      out.keep_alive = parser.keep_alive();
      out.response = parser.TakeResponse();
    }
    return out;
  }
};

constexpr std::string_view kContentLength =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"ok\":true}";
constexpr std::string_view kChunked =
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    "4;ext=1\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-Trailer: t\r\n\r\n";
constexpr std::string_view kUntilClose = "HTTP/1.1 200 OK\r\n\r\nbody until close";
constexpr std::string_view kInterim =
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok";
constexpr std::string_view kBareLf = "HTTP/1.1 200 OK\nContent-Length: 3\n\nabc";

TEST_F(HttpResponseParserTest, ParsesStatusHeadersAndContentLengthBody) {
  Parsed p = Parse(kContentLength);
  ASSERT_TRUE(p.status.ok()) << p.status.ToString();
  EXPECT_EQ(p.response.status, 200);
  EXPECT_EQ(p.response.body, "{\"ok\":true}");
  EXPECT_EQ(p.response.Header("content-type").value_or(""), "application/json");
  EXPECT_TRUE(p.keep_alive);
  EXPECT_EQ(p.used, kContentLength.size());
}

TEST_F(HttpResponseParserTest, DecodesChunkedBodyAndDropsTrailers) {
  Parsed p = Parse(kChunked);
  ASSERT_TRUE(p.status.ok()) << p.status.ToString();
  EXPECT_EQ(p.response.body, "Wikipedia in\r\n\r\nchunks.");
  EXPECT_TRUE(p.keep_alive);
}

TEST_F(HttpResponseParserTest, FeedingOneByteAtATimeGivesTheSameResponse) {
  for (std::string_view wire : {kContentLength, kChunked, kInterim, kBareLf}) {
    Parsed whole = Parse(wire);
    Parsed bytewise = Parse(wire, 1);
    ASSERT_TRUE(whole.status.ok()) << wire;
    ASSERT_TRUE(bytewise.status.ok()) << wire << bytewise.status.ToString();
    EXPECT_EQ(whole.response.status, bytewise.response.status);
    EXPECT_EQ(whole.response.body, bytewise.response.body);
    EXPECT_EQ(whole.response.headers.size(), bytewise.response.headers.size());
    EXPECT_EQ(whole.keep_alive, bytewise.keep_alive);
  }
  Parsed whole = Parse(kUntilClose, 0, true);
  Parsed bytewise = Parse(kUntilClose, 1, true);
  EXPECT_EQ(whole.response.body, "body until close");
  EXPECT_EQ(bytewise.response.body, "body until close");
}

TEST_F(HttpResponseParserTest, ReadsABodyWithoutLengthUntilTheConnectionCloses) {
  Parsed p = Parse(kUntilClose, 0, true);
  ASSERT_TRUE(p.status.ok());
  EXPECT_EQ(p.response.body, "body until close");
  EXPECT_FALSE(p.keep_alive);
}

TEST_F(HttpResponseParserTest, SkipsInterimResponses) {
  Parsed p = Parse(kInterim);
  ASSERT_TRUE(p.status.ok());
  EXPECT_EQ(p.response.status, 201);
  EXPECT_EQ(p.response.body, "ok");
}

TEST_F(HttpResponseParserTest, AcceptsBareLineFeeds) {
  Parsed p = Parse(kBareLf);
  ASSERT_TRUE(p.status.ok());
  EXPECT_EQ(p.response.body, "abc");
}

TEST_F(HttpResponseParserTest, ConnectionCloseAndHttp10DisableKeepAlive) {
  EXPECT_FALSE(
      Parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").keep_alive);
  EXPECT_FALSE(Parse("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").keep_alive);
  EXPECT_TRUE(
      Parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").keep_alive);
}

TEST_F(HttpResponseParserTest, NoContentStatusHasNoBody) {
  Parsed p = Parse("HTTP/1.1 204 No Content\r\n\r\n");
  ASSERT_TRUE(p.status.ok());
  EXPECT_EQ(p.response.status, 204);
  EXPECT_TRUE(p.response.body.empty());
}

TEST_F(HttpResponseParserTest, StopsAtTheEndOfTheResponseAndReportsExtraBytes) {
  std::string wire = std::string(kContentLength) + "HTTP/1.1 200";
  Parsed p = Parse(wire);
  ASSERT_TRUE(p.status.ok());
  EXPECT_EQ(p.used, kContentLength.size());
}

TEST_F(HttpResponseParserTest, RejectsAHeaderBlockOverTheLimit) {
  std::string wire = "HTTP/1.1 200 OK\r\nX-Big: " + std::string(200, 'a') + "\r\n\r\n";
  Parsed p = Parse(wire, 0, false, {.max_header_bytes = 100, .max_body_bytes = 1000});
  EXPECT_EQ(p.status.code(), base::StatusCode::kCorruption);
  EXPECT_NE(p.status.message().find("header block exceeds 100 bytes"), std::string_view::npos);
  Parsed bytewise = Parse(wire, 1, false, {.max_header_bytes = 100, .max_body_bytes = 1000});
  EXPECT_EQ(bytewise.status.code(), base::StatusCode::kCorruption);
}

TEST_F(HttpResponseParserTest, RejectsABodyOverTheLimit) {
  HttpResponseParser::Limits limits{.max_header_bytes = 1000, .max_body_bytes = 10};
  Parsed fixed =
      Parse("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n01234567890", 0, false, limits);
  EXPECT_NE(fixed.status.message().find("body exceeds 10 bytes"), std::string_view::npos);
  Parsed chunked = Parse(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
      "chunked\r\n\r\n6\r\n012345\r\n6\r\n012345\r\n0\r\n\r\n",
      1, false, limits);
  EXPECT_NE(chunked.status.message().find("body exceeds 10 bytes"), std::string_view::npos);
  Parsed until_close = Parse("HTTP/1.1 200 OK\r\n\r\n0123456789ab", 0, true, limits);
  EXPECT_EQ(until_close.status.code(), base::StatusCode::kCorruption);
}

TEST_F(HttpResponseParserTest, RejectsGarbage) {
  for (std::string_view wire : {
           std::string_view("<html>502 Bad Gateway</html>\r\n\r\n"),
           std::string_view("HTTP/1.1 2x0 OK\r\n\r\n"),
           std::string_view("HTTP/2 200 OK\r\n\r\n"),
           std::string_view("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"),
           std::string_view("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"),
           std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"),
           std::string_view("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"),
           std::string_view("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
           std::string_view("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY"),
       }) {
    Parsed p = Parse(wire);
    EXPECT_EQ(p.status.code(), base::StatusCode::kCorruption) << wire;
  }
}

TEST_F(HttpResponseParserTest, ReportsATruncatedResponseAtEof) {
  Parsed body = Parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0, true);
  EXPECT_EQ(body.status.code(), base::StatusCode::kCorruption);
  EXPECT_NE(body.status.message().find("truncated"), std::string_view::npos);
  Parsed head = Parse("HTTP/1.1 200 OK\r\nContent-Le", 0, true);
  EXPECT_EQ(head.status.code(), base::StatusCode::kCorruption);
}

TEST_F(HttpResponseParserTest, EofBeforeAnyByteIsUnavailable) {
  HttpResponseParser parser;
  EXPECT_FALSE(parser.started());
  EXPECT_EQ(parser.FinishAtEof().code(), base::StatusCode::kUnavailable);
}

TEST_F(HttpResponseParserTest, ResetAllowsTheNextResponseOnTheSameConnection) {
  HttpResponseParser parser;
  ASSERT_TRUE(parser.Feed(kContentLength).has_value());
  ASSERT_TRUE(parser.done());
  parser.Reset();
  ASSERT_TRUE(parser.Feed(kChunked).has_value());
  ASSERT_TRUE(parser.done());
  EXPECT_EQ(parser.TakeResponse().body, "Wikipedia in\r\n\r\nchunks.");
}

}  // namespace
}  // namespace transport
