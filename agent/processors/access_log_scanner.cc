#include "agent/processors/access_log_scanner.h"

namespace agent {
namespace {

// RE2's \s: space, \t, \n, \f, \r.
bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ == text_.size(); }
  bool Take(char c) {
    if (pos_ >= text_.size() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  // \S+
  bool NonSpace(std::string_view* out) {
    std::size_t begin = pos_;
    while (pos_ < text_.size() && !IsSpace(text_[pos_])) ++pos_;
    *out = text_.substr(begin, pos_ - begin);
    return pos_ > begin;
  }
  // [^\]]+ up to the ']'
  bool UntilBracket(std::string_view* out) {
    std::size_t end = text_.find(']', pos_);
    if (end == std::string_view::npos || end == pos_) return false;
    *out = text_.substr(pos_, end - pos_);
    pos_ = end;
    return true;
  }
  // (?:[^"\\]|\\.)* up to the closing '"'; '.' is any character but '\n'.
  bool QuotedBody(std::string_view* out) {
    std::size_t begin = pos_;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '"') {
        *out = text_.substr(begin, pos_ - begin);
        return true;
      }
      if (c == '\\') {
        if (pos_ + 1 >= text_.size() || text_[pos_ + 1] == '\n') return false;
        pos_ += 2;
        continue;
      }
      ++pos_;
    }
    return false;
  }
  // \d{n}
  bool Digits(std::size_t n, std::string_view* out) {
    if (pos_ + n > text_.size()) return false;
    for (std::size_t i = 0; i < n; ++i) {
      if (!IsDigit(text_[pos_ + i])) return false;
    }
    *out = text_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  // \d+|-
  bool DigitsOrDash(std::string_view* out) {
    std::size_t begin = pos_;
    if (Take('-')) {
      *out = text_.substr(begin, 1);
      return true;
    }
    while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    *out = text_.substr(begin, pos_ - begin);
    return pos_ > begin;
  }
  // .*$ : the rest, which must hold no '\n'.
  bool RestWithoutNewline() const { return text_.find('\n', pos_) == std::string_view::npos; }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

re2::StringPiece Piece(std::string_view s) { return re2::StringPiece(s.data(), s.size()); }

}  // namespace

bool ScanAccessLog(std::string_view line, std::span<re2::StringPiece> groups) {
  Cursor c(line);
  std::string_view address, ident, user, time, request, status, bytes, referrer, agent;
  if (!c.NonSpace(&address) || !c.Take(' ') || !c.NonSpace(&ident) || !c.Take(' ') ||
      !c.NonSpace(&user) || !c.Take(' ') || !c.Take('[') || !c.UntilBracket(&time) ||
      !c.Take(']') || !c.Take(' ') || !c.Take('"') || !c.QuotedBody(&request) || !c.Take('"') ||
      !c.Take(' ') || !c.Digits(3, &status) || !c.Take(' ') || !c.DigitsOrDash(&bytes)) {
    return false;
  }
  bool has_agent = false;
  if (!c.AtEnd()) {
    // (?: "referrer" "agent".*)? then $: with anything after the bytes, the group must match.
    if (!c.Take(' ') || !c.Take('"') || !c.QuotedBody(&referrer) || !c.Take('"') || !c.Take(' ') ||
        !c.Take('"') || !c.QuotedBody(&agent) || !c.Take('"') || !c.RestWithoutNewline()) {
      return false;
    }
    has_agent = true;
  }
  for (re2::StringPiece& g : groups) g = re2::StringPiece();
  groups[0] = Piece(line);
  groups[kAccessSourceAddress] = Piece(address);
  groups[kAccessUserName] = Piece(user);
  groups[kAccessTime] = Piece(time);
  groups[kAccessRequest] = Piece(request);
  groups[kAccessStatus] = Piece(status);
  groups[kAccessBytes] = Piece(bytes);
  if (has_agent) {
    groups[kAccessReferrer] = Piece(referrer);
    groups[kAccessUserAgent] = Piece(agent);
  }
  return true;
}

}  // namespace agent
