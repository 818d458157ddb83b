// StaticCredentials: a fixed secret from the config ([auth] type = "basic" or "api_key"),
// sent as an Authorization header on every request (auth.md; transport/credentials.h).
//
//   basic:   Authorization: Basic base64(username ":" password)      (RFC 7617)
//   api_key: Authorization: ApiKey <encoded>, where <encoded> is the key as Elasticsearch's
//            create-API-key response gives it ("encoded"), or base64("id:api_key") when the
//            config holds "id:api_key".
//
// The header value is built once. Refresh() has nothing to fetch and succeeds at once (the
// output then backs off, DESIGN: one retry after a refresh). The secret never reaches a
// log line, a Status or Describe().
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "platforms/base/result.h"
#include "transport/credentials.h"

namespace auth {

class StaticCredentials final : public transport::Credentials {
 public:
  static base::Result<std::unique_ptr<StaticCredentials>> Basic(std::string_view username,
                                                                std::string_view password);
  static base::Result<std::unique_ptr<StaticCredentials>> ApiKey(std::string_view api_key);

  // Only through the factories above (the tag keeps the constructor out of reach).
  struct ConstructorTag {
    explicit ConstructorTag() = default;
  };
  StaticCredentials(ConstructorTag, std::string authorization, std::string description);

  void GetHeaders(const transport::CredentialRequest& request, HeadersCallback done) override;
  void Refresh(RefreshCallback done) override;
  std::string_view Describe() const override { return description_; }

  // How many times a 401 asked for a refresh (for status output and tests).
  int refreshes() const { return refreshes_; }
  // No expiry and nothing fetched: only the provider label.
  transport::CredentialStats Stats() const override {
    transport::CredentialStats stats;
    stats.provider = provider_;
    return stats;
  }

 private:
  const std::string authorization_;  // the whole header value; secret
  const std::string description_;    // e.g. "basic user shipper"; not secret
  // "basic" or "api_key": the description starts with it.
  const std::string_view provider_ =
      description_.starts_with("basic") ? std::string_view("basic") : std::string_view("api_key");
  int refreshes_ = 0;
};

}  // namespace auth
