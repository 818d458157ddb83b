#include "transport/http_client.h"

#include <algorithm>
#include <utility>

#include "platforms/base/log.h"

namespace transport {

HttpClient::HttpClient(uv_loop_t* loop, Options options) : loop_(loop), options_(options) {}

HttpClient::~HttpClient() { CloseAll(); }

void HttpClient::CloseAll() {
  // Move out first: a connection's destructor never calls back, but keep the vector stable.
  std::vector<std::unique_ptr<HttpConnection>> doomed = std::move(connections_);
  connections_.clear();
  doomed.clear();
}

void HttpClient::CloseIdle(const HttpEndpoint& endpoint) {
  const std::string key = endpoint.ToString();
  std::erase_if(connections_, [&key](const std::unique_ptr<HttpConnection>& c) {
    return c->reusable() && c->key() == key;
  });
}

std::size_t HttpClient::idle_connections() const {
  return static_cast<std::size_t>(std::count_if(connections_.begin(), connections_.end(),
                                                [](const auto& c) { return c->reusable(); }));
}

base::Status HttpClient::EnsureProxies() {
  if (proxies_.has_value()) return base::Status::Ok();
  base::Result<ProxyResolver> resolver = ProxyResolver::Create(options_.proxy, options_.proxy_env);
  if (!resolver.has_value()) return std::move(resolver).error();
  proxies_ = std::move(resolver).value();
  return base::Status::Ok();
}

base::Status HttpClient::EnsureTls() {
  if (tls_ != nullptr) return base::Status::Ok();
  base::Result<std::unique_ptr<TlsContext>> context = TlsContext::Create(options_.tls);
  if (!context.has_value()) return std::move(context).error();
  tls_ = std::move(context).value();
  return base::Status::Ok();
}

base::Status HttpClient::Prepare(std::span<const HttpEndpoint> endpoints) {
  if (base::Status s = EnsureProxies(); !s.ok()) return s;
  for (const HttpEndpoint& endpoint : endpoints) {
    if (endpoint.tls) {
      if (base::Status s = EnsureTls(); !s.ok()) return s;
    }
    if (const ProxyServer* proxy = proxies_->For(endpoint)) {
      base::LogInfo("transport", base::StrCat(endpoint.ToString(), " is reached through proxy ",
                                              proxy->display));
    }
  }
  return base::Status::Ok();
}

base::Status HttpClient::Send(const HttpEndpoint& endpoint, HttpRequest request, Callback done) {
  if (base::Status s = EnsureProxies(); !s.ok()) return s;
  if (endpoint.tls) {
    if (base::Status s = EnsureTls(); !s.ok()) return s;
  }
  std::string key = endpoint.ToString();
  HttpConnection* connection = nullptr;
  for (const auto& c : connections_) {
    if (c->reusable() && c->key() == key) {
      connection = c.get();
      break;
    }
  }
  if (connection == nullptr) {
    connections_.push_back(std::make_unique<HttpConnection>(loop_, endpoint, options_.connection,
                                                            tls_.get(), proxies_->For(endpoint)));
    ++connections_opened_;
    connection = connections_.back().get();
    connection->set_on_idle_close([this, connection] { Remove(connection); });
  }
  connection->Exchange(std::move(request), [this, connection, done = std::move(done)](
                                               base::Result<HttpResponse> result) mutable {
    OnDone(connection, std::move(result), std::move(done));
  });
  return base::Status::Ok();
}

void HttpClient::OnDone(HttpConnection* connection, base::Result<HttpResponse> result,
                        Callback done) {
  if (!connection->reusable()) {
    Remove(connection);
  } else {
    std::size_t idle_here = static_cast<std::size_t>(std::count_if(
        connections_.begin(), connections_.end(),
        [&](const auto& c) { return c->reusable() && c->key() == connection->key(); }));
    if (idle_here > options_.max_idle_per_endpoint) Remove(connection);
  }
  done(std::move(result));
}

void HttpClient::Remove(HttpConnection* connection) {
  auto it = std::find_if(connections_.begin(), connections_.end(),
                         [connection](const auto& c) { return c.get() == connection; });
  if (it != connections_.end()) connections_.erase(it);
}

}  // namespace transport
