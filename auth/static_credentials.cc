#include "auth/static_credentials.h"

#include <utility>
#include <vector>

#include "platforms/base/log.h"
#include "transport/base64.h"

namespace auth {
namespace {

// Header values cannot carry control characters (RFC 9110 §5.5); a secret pasted with a
// trailing newline must be rejected, not sent broken.
bool HasControlChars(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) return true;
  }
  return false;
}

}  // namespace

StaticCredentials::StaticCredentials(ConstructorTag, std::string authorization,
                                     std::string description)
    : authorization_(std::move(authorization)), description_(std::move(description)) {}

base::Result<std::unique_ptr<StaticCredentials>> StaticCredentials::Basic(
    std::string_view username, std::string_view password) {
  if (username.empty()) return base::InvalidArgument("auth basic: username is empty");
  if (username.find(':') != std::string_view::npos) {
    return base::InvalidArgument("auth basic: username must not contain ':' (RFC 7617)");
  }
  if (HasControlChars(username) || HasControlChars(password)) {
    return base::InvalidArgument("auth basic: username or password contains control characters");
  }
  std::string plain;
  plain.reserve(username.size() + 1 + password.size());
  plain.append(username).append(":").append(password);
  std::string header = "Basic ";
  transport::AppendBase64(header, transport::AsBytes(plain));
  return std::make_unique<StaticCredentials>(ConstructorTag(), std::move(header),
                                             base::StrCat("basic user ", username));
}

base::Result<std::unique_ptr<StaticCredentials>> StaticCredentials::ApiKey(
    std::string_view api_key) {
  if (api_key.empty()) return base::InvalidArgument("auth api_key: key is empty");
  if (HasControlChars(api_key) || api_key.find(' ') != std::string_view::npos) {
    return base::InvalidArgument("auth api_key: key contains spaces or control characters");
  }
  std::string header = "ApiKey ";
  std::string description = "api_key";
  std::size_t colon = api_key.find(':');
  if (colon != std::string_view::npos) {
    // "id:api_key": the id is not secret and names the key in logs.
    transport::AppendBase64(header, transport::AsBytes(api_key));
    description = base::StrCat("api_key id ", api_key.substr(0, colon));
  } else {
    header.append(api_key);
  }
  return std::make_unique<StaticCredentials>(ConstructorTag(), std::move(header),
                                             std::move(description));
}

void StaticCredentials::GetHeaders(const transport::CredentialRequest& /*request*/,
                                   HeadersCallback done) {
  done(std::vector<transport::HttpHeader>{{"Authorization", authorization_}});
}

void StaticCredentials::Refresh(RefreshCallback done) {
  ++refreshes_;
  done(base::Status::Ok());
}

}  // namespace auth
