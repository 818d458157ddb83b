#include "auth/token_file_source.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <utility>

#include "auth/jwt_claims.h"
#include "platforms/base/log.h"

namespace auth {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

TokenFileSource::TokenFileSource(std::string path, const base::Clock& clock)
    : path_(std::move(path)), clock_(clock), description_("token_file " + path_) {}

void TokenFileSource::Fetch(Callback done) { done(Read()); }

base::Result<std::string> ReadTokenFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return base::ErrnoStatus(errno, base::StrCat("open ", path));
  std::string text;
  std::array<char, 4096> chunk{};
  while (true) {
    ssize_t n = ::read(fd, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int e = errno;
      ::close(fd);
      return base::ErrnoStatus(e, base::StrCat("read ", path));
    }
    if (n == 0) break;
    text.append(chunk.data(), static_cast<std::size_t>(n));
    if (text.size() > kMaxTokenFileBytes) {
      ::close(fd);
      return base::InvalidArgument(
          base::StrCat(path, ": larger than ", kMaxTokenFileBytes, " bytes; not a token file"));
    }
  }
  ::close(fd);
  std::string_view token = text;
  while (!token.empty() && IsSpace(token.front())) token.remove_prefix(1);
  while (!token.empty() && IsSpace(token.back())) token.remove_suffix(1);
  if (token.empty()) return base::Unavailable(base::StrCat(path, ": the token file is empty"));
  for (char c : token) {
    // A header value cannot carry these (RFC 9110 §5.5); the message never shows the bytes.
    if (static_cast<unsigned char>(c) < 0x21 || c == 0x7F) {
      return base::InvalidArgument(
          base::StrCat(path, ": the token contains spaces or control characters"));
    }
  }
  return std::string(token);
}

base::Result<Token> TokenFileSource::Read() const {
  auto text = ReadTokenFile(path_);
  if (!text.has_value()) return std::move(text).error();
  std::string_view token = *text;
  Token out;
  out.obtained_at = WallNow(clock_);
  // Tokens that look like JWTs (two dots) must parse; anything else is an opaque token.
  if (std::count(token.begin(), token.end(), '.') >= 2) {
    auto claims = ParseJwtClaims(token);
    if (!claims.has_value()) return std::move(claims).error().WithContext(path_);
    if (claims->expires_at_unix_s) out.expires_at = FromUnixSeconds(*claims->expires_at_unix_s);
    out.identity = claims->Describe();
    out.subject = claims->subject;
  } else {
    out.identity = "opaque token";
  }
  out.secret = std::move(text.value());  // last: `token` views it until here
  return out;
}

}  // namespace auth
