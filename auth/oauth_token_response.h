// OAuth 2.0 token endpoint answers (RFC 6749 §5.1 success, §5.2 errors) as the OIDC
// client-credentials, Azure IMDS and Azure AD providers receive them: `access_token`,
// `token_type` ("Bearer", any case), `expires_in` (a number, or a numeric string as Azure
// IMDS sends), Azure's `expires_on`. Without either, a JWT's `exp` is used; an opaque token
// then has no known expiry.
#pragma once

#include <string_view>

#include "auth/token_source.h"
#include "platforms/base/result.h"
#include "transport/http_response.h"

namespace auth {

// Turns a token endpoint's HTTP answer into a Token (or a Status that says what to do:
// kUnauthenticated for invalid_client / invalid_grant, kInvalidArgument for a request the
// endpoint calls malformed, kUnavailable for 429 / 5xx). `what` names the endpoint in
// messages; `now` stamps obtained_at. Error descriptions are quoted, tokens never.
base::Result<Token> ParseOAuthTokenResponse(std::string_view what,
                                            const transport::HttpResponse& response, WallTime now);

}  // namespace auth
