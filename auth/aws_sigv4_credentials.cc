#include "auth/aws_sigv4_credentials.h"

#include <utility>
#include <vector>

#include "platforms/base/log.h"
#include "transport/base64.h"
#include "transport/http_endpoint.h"

namespace auth {

AwsSigV4Credentials::AwsSigV4Credentials(std::unique_ptr<TokenCache> cache, SigV4Signer signer,
                                         const base::Clock& clock)
    : cache_(std::move(cache)),
      signer_(std::move(signer)),
      clock_(clock),
      description_(base::StrCat("aws_sigv4 service ", signer_.service(), " region ",
                                signer_.region(), " (", cache_->Describe(), ")")) {
  cache_->Start();
}

base::Result<std::vector<transport::HttpHeader>> AwsSigV4Credentials::SignedHeaders(
    std::string_view method, std::string_view endpoint, std::string_view target,
    std::string_view payload_sha256_hex, const Token& keys) const {
  auto ep = transport::HttpEndpoint::Parse(endpoint);
  if (!ep.has_value()) return std::move(ep).error();
  std::string amz_date = AmzDate(ToUnixSeconds(WallNow(clock_)));
  // The wire path: the client puts the endpoint's prefix in front of the target.
  std::string path = base::StrCat(ep->path_prefix, target);
  std::vector<transport::HttpHeader> headers = {
      {"Host", ep->HostHeader()},
      {"X-Amz-Date", amz_date},
      {"X-Amz-Content-Sha256", std::string(payload_sha256_hex)},
  };
  if (!keys.session_token.empty()) headers.push_back({"X-Amz-Security-Token", keys.session_token});
  SigV4Signature signature = signer_.Sign(SigV4Request{method, path, headers, payload_sha256_hex},
                                          SigV4Keys{keys.access_key_id, keys.secret}, amz_date);
  headers.erase(headers.begin());  // the client writes Host itself, with the same value
  headers.push_back({"Authorization", std::move(signature.authorization)});
  return headers;
}

void AwsSigV4Credentials::GetHeaders(const transport::CredentialRequest& request,
                                     HeadersCallback done) {
  // The request's views die with this call: keep copies and the body's hash only.
  std::string payload_hash = Sha256Hex(request.body);
  cache_->WhenReady([this, method = std::string(request.method),
                     endpoint = std::string(request.endpoint), target = std::string(request.target),
                     payload_hash = std::move(payload_hash),
                     done = std::move(done)](base::Status status) {
    if (!status.ok()) {
      done(std::move(status));
      return;
    }
    done(SignedHeaders(method, endpoint, target, payload_hash, cache_->token()));
  });
}

void AwsSigV4Credentials::Refresh(RefreshCallback done) { cache_->Refresh(std::move(done)); }

}  // namespace auth
