#include "auth/aws_sigv4_credentials.h"

#include <ctime>
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
  std::string amz_date = AmzDate(ToUnixSeconds(WallNow(clock_)) + clock_correction_.count());
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

std::optional<int64_t> ParseHttpDate(std::string_view text) {
  // "Sun, 06 Nov 1994 08:49:37 GMT": fixed width, 29 characters.
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  if (text.size() != 29 || text[3] != ',' || text.substr(26) != "GMT") return std::nullopt;
  auto number = [&](std::size_t at, std::size_t n) -> int {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  const std::size_t month = kMonths.find(text.substr(8, 3));
  if (month == std::string_view::npos || month % 3 != 0) return std::nullopt;
  std::tm tm{};
  tm.tm_mday = number(5, 2);
  tm.tm_mon = static_cast<int>(month / 3);
  tm.tm_year = number(12, 4) - 1900;
  tm.tm_hour = number(17, 2);
  tm.tm_min = number(20, 2);
  tm.tm_sec = number(23, 2);
  if (tm.tm_mday < 1 || tm.tm_year < 70 || tm.tm_hour < 0 || tm.tm_min < 0 || tm.tm_sec < 0) {
    return std::nullopt;
  }
  return static_cast<int64_t>(timegm(&tm));
}

void AwsSigV4Credentials::ObserveServerDate(std::string_view http_date) {
  std::optional<int64_t> server = ParseHttpDate(http_date);
  if (!server) return;
  const std::chrono::seconds skew(*server - ToUnixSeconds(WallNow(clock_)));
  const bool large = skew > kSkewThreshold || skew < -kSkewThreshold;
  if (large) {
    // Re-warn only when the correction moves by more than the threshold again.
    const std::chrono::seconds change = skew - clock_correction_;
    if (change > kSkewThreshold || change < -kSkewThreshold) {
      base::LogWarn("auth", base::StrCat("clock skew: Elasticsearch's Date is ", skew.count(),
                                         " s ", skew.count() > 0 ? "ahead of" : "behind",
                                         " the local clock; signing with the corrected time "
                                         "(synchronize this host's clock)"));
      clock_correction_ = skew;
    }
  } else if (clock_correction_.count() != 0) {
    base::LogInfo("auth", "clock skew corrected: signing with the local clock again");
    clock_correction_ = std::chrono::seconds(0);
  }
}

}  // namespace auth
