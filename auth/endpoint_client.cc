#include "auth/endpoint_client.h"

#include <utility>

#include "platforms/base/log.h"

namespace auth {
namespace {

constexpr uint16_t kHttpPort = 80;
constexpr uint16_t kHttpsPort = 443;

}  // namespace

base::Result<SplitUrl> SplitUrl::Parse(std::string_view url) {
  std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) {
    return base::InvalidArgument(base::StrCat("\"", url, "\" is not an http(s) URL"));
  }
  std::size_t path_start = url.find_first_of("/?", scheme_end + 3);
  std::string_view base_url = url.substr(0, path_start);
  auto endpoint = transport::HttpEndpoint::Parse(base_url);
  if (!endpoint.has_value()) return std::move(endpoint).error();
  // HttpEndpoint defaults to Elasticsearch's port; a URL without one means the scheme's.
  std::string_view authority = base_url.substr(scheme_end + 3);
  bool has_port = authority.rfind(':') != std::string_view::npos &&
                  (authority.front() != '[' || authority.find("]:") != std::string_view::npos);
  if (!has_port) endpoint->port = endpoint->tls ? kHttpsPort : kHttpPort;
  SplitUrl out{std::move(endpoint.value()), "/"};
  if (path_start != std::string_view::npos) {
    std::string_view rest = url.substr(path_start);
    out.target = rest.front() == '?' ? base::StrCat("/", rest) : std::string(rest);
  }
  return out;
}

EndpointClient::EndpointClient(uv_loop_t* loop, Options options, const transport::EnvLookup& env)
    : client_(loop, [&] {
        transport::HttpClient::Options o;
        o.connection.connect_timeout = options.connect_timeout;
        o.connection.request_timeout = options.request_timeout;
        o.max_idle_per_endpoint = 1;
        if (env) {
          if (std::optional<std::string> ca = env("SSL_CERT_FILE")) o.tls.system_ca_file = *ca;
        }
        // Token endpoints have no tls.* keys of their own.
        o.tls.trust_hint = "point SSL_CERT_FILE at a CA bundle that holds the CA that issued it";
        o.proxy_env = env;
        return o;
      }()) {}

void EndpointClient::Send(std::string_view url, std::string_view method,
                          std::vector<transport::HttpHeader> headers, std::string body,
                          Callback done) {
  auto split = SplitUrl::Parse(url);
  if (!split.has_value()) {
    done(std::move(split).error());
    return;
  }
  transport::HttpRequest request;
  request.method = std::string(method);
  request.target = std::move(split->target);
  request.headers = std::move(headers);
  request.body = std::move(body);
  // Send() refuses only before taking the request; `done` is copied so it can still run.
  base::Status s = client_.Send(split->endpoint, std::move(request), done);
  if (!s.ok()) done(std::move(s));
}

std::string ErrorBodyExcerpt(std::string_view body, std::size_t max_bytes) {
  std::string out(body.substr(0, max_bytes));
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = ' ';
  }
  if (body.size() > max_bytes) out += "...";
  return out;
}

}  // namespace auth
