// FormBody: an application/x-www-form-urlencoded request body (the OAuth 2.0 token
// request, STS queries), built pair by pair with the WHATWG/RFC 6749 encoding.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace auth {

class FormBody {
 public:
  FormBody& Add(std::string_view name, std::string_view value);
  const std::string& text() const { return text_; }
  std::string Take() { return std::move(text_); }

  static constexpr std::string_view kContentType = "application/x-www-form-urlencoded";

  // Appends `text` form-encoded: unreserved characters as they are, space as '+', the rest
  // as %XX (RFC 6749 Appendix B).
  static void AppendEncoded(std::string& out, std::string_view text);

 private:
  std::string text_;
};

}  // namespace auth
