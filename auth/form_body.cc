#include "auth/form_body.h"

namespace auth {

void FormBody::AppendEncoded(std::string& out, std::string_view text) {
  constexpr std::string_view kHex = "0123456789ABCDEF";
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '.' || c == '_' || c == '~';
    if (plain) {
      out.push_back(ch);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0F]);
    }
  }
}

FormBody& FormBody::Add(std::string_view name, std::string_view value) {
  if (!text_.empty()) text_.push_back('&');
  AppendEncoded(text_, name);
  text_.push_back('=');
  AppendEncoded(text_, value);
  return *this;
}

}  // namespace auth
