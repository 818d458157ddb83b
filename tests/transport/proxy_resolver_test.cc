// ProxyResolver: proxy URLs, the environment's precedence, and NO_PROXY matching.
#include "transport/proxy_resolver.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace transport {
namespace {

EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end() || it->second.empty()) return std::nullopt;
    return it->second;
  };
}

HttpEndpoint Endpoint(std::string_view url) {
  base::Result<HttpEndpoint> ep = HttpEndpoint::Parse(url);
  EXPECT_TRUE(ep.has_value());
  return *ep;
}

TEST(ProxyServerTest, ParsesHostPortAndLeavesCredentialsOutOfTheDisplayName) {
  base::Result<ProxyServer> p = ProxyServer::Parse("http://user:p%40ss@proxy.example:3128/");
  ASSERT_TRUE(p.has_value()) << p.error().ToString();
  EXPECT_EQ(p->host, "proxy.example");
  EXPECT_EQ(p->port, 3128);
  EXPECT_EQ(p->display, "http://proxy.example:3128");
  // base64("user:p@ss")
  EXPECT_EQ(p->authorization, "Basic dXNlcjpwQHNz");
}

TEST(ProxyServerTest, DefaultsToPort80AndAcceptsABareHostAndIpv6) {
  base::Result<ProxyServer> p = ProxyServer::Parse("proxy.example");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->port, 80);
  EXPECT_TRUE(p->authorization.empty());
  p = ProxyServer::Parse("http://[fd00::1]:8080");
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->host, "fd00::1");
  EXPECT_EQ(p->display, "http://[fd00::1]:8080");
}

TEST(ProxyServerTest, RefusesWhatItCannotUseWithoutQuotingCredentials) {
  for (std::string_view bad : {"https://proxy:3128", "socks5://proxy:1080", "http://:3128",
                               "http://proxy:0", "http://proxy:99999", "http://proxy:3128/path",
                               "http://proxy:", "http://u:p%zz@proxy:3128"}) {
    base::Result<ProxyServer> p = ProxyServer::Parse(bad);
    EXPECT_FALSE(p.has_value()) << bad;
  }
  base::Result<ProxyServer> p = ProxyServer::Parse("https://user:secret@proxy:3128");
  ASSERT_FALSE(p.has_value());
  EXPECT_EQ(p.error().message().find("secret"), std::string_view::npos);
}

TEST(NoProxyTest, StarBypassesEverything) {
  EXPECT_TRUE(NoProxyMatches("*", "es.example", 9200));
  EXPECT_TRUE(NoProxyMatches("foo, *", "10.0.0.1", 9200));
}

TEST(NoProxyTest, DomainsMatchThemselvesAndTheirSubdomainsOnly) {
  EXPECT_TRUE(NoProxyMatches("example.com", "example.com", 443));
  EXPECT_TRUE(NoProxyMatches("example.com", "es.example.com", 443));
  EXPECT_TRUE(NoProxyMatches(".example.com", "es.example.com", 443));
  EXPECT_TRUE(NoProxyMatches(".example.com", "example.com", 443));
  EXPECT_TRUE(NoProxyMatches("*.example.com", "a.b.example.com", 443));
  EXPECT_FALSE(NoProxyMatches("example.com", "badexample.com", 443));
  EXPECT_FALSE(NoProxyMatches("example.com", "example.com.evil", 443));
  EXPECT_FALSE(NoProxyMatches("es.example.com", "example.com", 443));
}

TEST(NoProxyTest, IsCaseInsensitiveAndIgnoresTrailingDotsAndBlanks) {
  EXPECT_TRUE(NoProxyMatches(" Example.COM. ", "ES.example.com.", 443));
  EXPECT_TRUE(NoProxyMatches("a.test,,  b.test", "b.test", 443));
  EXPECT_TRUE(NoProxyMatches("a.test b.test", "b.test", 443));
  EXPECT_FALSE(NoProxyMatches("", "b.test", 443));
  EXPECT_FALSE(NoProxyMatches(" , ", "b.test", 443));
}

TEST(NoProxyTest, EntriesWithAPortMatchOnlyThatPort) {
  EXPECT_TRUE(NoProxyMatches("localhost:9200", "localhost", 9200));
  EXPECT_FALSE(NoProxyMatches("localhost:9200", "localhost", 9201));
  EXPECT_TRUE(NoProxyMatches("127.0.0.1:9200", "127.0.0.1", 9200));
  EXPECT_FALSE(NoProxyMatches("127.0.0.1:9200", "127.0.0.1", 80));
  EXPECT_TRUE(NoProxyMatches("[::1]:9200", "::1", 9200));
  EXPECT_FALSE(NoProxyMatches("[::1]:9200", "::1", 9300));
  EXPECT_FALSE(NoProxyMatches("localhost:notaport", "localhost", 9200));
}

TEST(NoProxyTest, AddressesMatchExactlyInAnySpelling) {
  EXPECT_TRUE(NoProxyMatches("127.0.0.1", "127.0.0.1", 1));
  EXPECT_FALSE(NoProxyMatches("127.0.0.1", "127.0.0.2", 1));
  EXPECT_TRUE(NoProxyMatches("::1", "0:0:0:0:0:0:0:1", 1));
  EXPECT_TRUE(NoProxyMatches("[::1]", "::1", 1));
  EXPECT_TRUE(NoProxyMatches("::1", "[::1]", 1));
  // An address entry is not a domain suffix.
  EXPECT_FALSE(NoProxyMatches("0.0.1", "10.0.0.1", 1));
  // Loopback is not bypassed unless listed.
  EXPECT_FALSE(NoProxyMatches("example.com", "127.0.0.1", 9200));
  EXPECT_FALSE(NoProxyMatches("localhost", "127.0.0.1", 9200));
}

TEST(NoProxyTest, CidrBlocksMatchTheAddressesInside) {
  EXPECT_TRUE(NoProxyMatches("10.0.0.0/8", "10.200.3.4", 1));
  EXPECT_FALSE(NoProxyMatches("10.0.0.0/8", "11.0.0.1", 1));
  EXPECT_TRUE(NoProxyMatches("192.168.1.0/25", "192.168.1.127", 1));
  EXPECT_FALSE(NoProxyMatches("192.168.1.0/25", "192.168.1.128", 1));
  EXPECT_TRUE(NoProxyMatches("0.0.0.0/0", "8.8.8.8", 1));
  EXPECT_TRUE(NoProxyMatches("fd00::/8", "fd12::1", 1));
  EXPECT_FALSE(NoProxyMatches("fd00::/8", "fe80::1", 1));
  EXPECT_FALSE(NoProxyMatches("10.0.0.0/8", "fd00::1", 1));    // families differ
  EXPECT_FALSE(NoProxyMatches("10.0.0.0/33", "10.0.0.1", 1));  // no such prefix
  EXPECT_FALSE(NoProxyMatches("10.0.0.0/8", "ten.example", 1));
}

TEST(ProxyResolverTest, WithoutSettingsEverythingIsDirect) {
  base::Result<ProxyResolver> r = ProxyResolver::Create("", FakeEnv({}));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->For(Endpoint("https://es:9200")), nullptr);
  EXPECT_EQ(r->For(Endpoint("http://es:9200")), nullptr);
  r = ProxyResolver::Create("", EnvLookup());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->For(Endpoint("http://es:9200")), nullptr);
}

TEST(ProxyResolverTest, TheEnvironmentPicksTheProxyBySchemeLowerCaseFirst) {
  base::Result<ProxyResolver> r =
      ProxyResolver::Create("", FakeEnv({{"HTTPS_PROXY", "http://upper:1"},
                                         {"https_proxy", "http://lower:2"},
                                         {"HTTP_PROXY", "http://plain:3"}}));
  ASSERT_TRUE(r.has_value());
  const ProxyServer* https = r->For(Endpoint("https://es:9200"));
  ASSERT_NE(https, nullptr);
  EXPECT_EQ(https->display, "http://lower:2");
  const ProxyServer* http = r->For(Endpoint("http://es:9200"));
  ASSERT_NE(http, nullptr);
  EXPECT_EQ(http->display, "http://plain:3");
}

TEST(ProxyResolverTest, AnHttpsProxyVariableDoesNotApplyToHttpHosts) {
  base::Result<ProxyResolver> r = ProxyResolver::Create("", FakeEnv({{"HTTPS_PROXY", "p:1"}}));
  ASSERT_TRUE(r.has_value());
  EXPECT_NE(r->For(Endpoint("https://es:9200")), nullptr);
  EXPECT_EQ(r->For(Endpoint("http://es:9200")), nullptr);
}

TEST(ProxyResolverTest, TheSettingWinsOverTheEnvironmentForBothSchemes) {
  base::Result<ProxyResolver> r =
      ProxyResolver::Create("http://configured:3128", FakeEnv({{"HTTPS_PROXY", "http://env:1"}}));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->For(Endpoint("https://es:9200"))->display, "http://configured:3128");
  EXPECT_EQ(r->For(Endpoint("http://es:9200"))->display, "http://configured:3128");
}

TEST(ProxyResolverTest, NoProxyAppliesToTheSettingAndTheEnvironment) {
  base::Result<ProxyResolver> r = ProxyResolver::Create(
      "http://configured:3128", FakeEnv({{"no_proxy", "internal.example,127.0.0.1:9200"}}));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->For(Endpoint("https://es.internal.example:9200")), nullptr);
  EXPECT_EQ(r->For(Endpoint("http://127.0.0.1:9200")), nullptr);
  EXPECT_NE(r->For(Endpoint("http://127.0.0.1:9300")), nullptr);
  EXPECT_NE(r->For(Endpoint("https://es.example:9200")), nullptr);

  r = ProxyResolver::Create("", FakeEnv({{"HTTP_PROXY", "http://env:1"}, {"NO_PROXY", "*"}}));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->For(Endpoint("http://es:9200")), nullptr);
}

TEST(ProxyResolverTest, ABadVariableIsAnErrorNamingIt) {
  base::Result<ProxyResolver> r =
      ProxyResolver::Create("", FakeEnv({{"HTTPS_PROXY", "socks5://p:1"}}));
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().message().starts_with("HTTPS_PROXY: ")) << r.error().message();
  r = ProxyResolver::Create("ftp://x", FakeEnv({}));
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().message().starts_with("proxy: ")) << r.error().message();
}

}  // namespace
}  // namespace transport
