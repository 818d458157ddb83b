#include "agent/processors/redact_processor.h"

#include <mbedtls/md.h>

#include <algorithm>
#include <array>
#include <utility>

#include "agent/processors/compiled_regex.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

constexpr std::string_view kMessage = "message";
constexpr std::size_t kMinCardDigits = 13;
constexpr std::size_t kMaxCardDigits = 19;
// 64 bits of the HMAC: enough to keep distinct secrets apart in one index.
constexpr std::size_t kHashTokenBytes = 8;
constexpr std::size_t kSha256Bytes = 32;

constexpr std::array<BuiltinRedactPattern, 8> kBuiltins = {{
    // "Authorization: Bearer <token>" (RFC 6750 b64token).
    {"bearer_token", R"re((?i)\bbearer\s+([A-Za-z0-9\-._~+/]+=*))re", RedactCheck::kNone, ""},
    // Header and payload are base64url JSON, so both start with "eyJ" ('{"').
    {"jwt", R"re(\beyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)re", RedactCheck::kNone,
     "eyJ"},
    // AWS access key ids by their documented prefixes.
    {"aws_access_key",
     R"re(\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|AKPA|ANPA|ANVA|APKA|AROA)[A-Z0-9]{16}\b)re",
     RedactCheck::kNone, ""},
    // The 40-character secret next to its usual names.
    {"aws_secret_key",
     R"re((?i)aws_?secret_?(?:access_?)?key["']?\s*[=:]\s*["']?([A-Za-z0-9/+=]{40}))re",
     RedactCheck::kNone, ""},
    // 13 to 19 digits, optionally grouped by spaces or dashes, starting like a card of a
    // major network (2-6: Mastercard, Amex, Visa, Discover...), so that epoch
    // milliseconds and most ids (a 1 in 10 chance to pass Luhn) stay; Luhn-checked.
    {"credit_card", R"re(\b[2-6](?:[ -]?\d){12,18}\b)re", RedactCheck::kLuhn, ""},
    {"email", R"re(\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b)re",
     RedactCheck::kNone, "@"},
    {"ipv4",
     R"re(\b(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\b)re",
     RedactCheck::kNone, ""},
    // password=..., "api_key": "...", secret: ...; the value is masked, the name kept.
    {"password",
     R"re((?i)\b(?:password|passwd|pwd|secret|api[_-]?key|access[_-]?token)["']?\s*[=:]\s*["']?([^\s"',;&]+))re",
     RedactCheck::kNone, ""},
}};

const BuiltinRedactPattern* FindBuiltin(std::string_view name) {
  for (const BuiltinRedactPattern& b : kBuiltins) {
    if (b.name == name) return &b;
  }
  return nullptr;
}

void AppendHex(std::string& out, std::span<const unsigned char> bytes) {
  constexpr std::string_view kHex = "0123456789abcdef";
  for (unsigned char b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 0xF];
  }
}

}  // namespace

std::span<const BuiltinRedactPattern> BuiltinRedactPatterns() { return kBuiltins; }

bool PassesLuhn(std::string_view text) {
  std::size_t digits = 0;
  for (char c : text) digits += (c >= '0' && c <= '9') ? 1 : 0;
  if (digits < kMinCardDigits || digits > kMaxCardDigits) return false;
  int sum = 0;
  bool double_it = false;
  for (auto it = text.rbegin(); it != text.rend(); ++it) {
    if (*it < '0' || *it > '9') continue;
    int d = *it - '0';
    if (double_it) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double_it = !double_it;
  }
  return sum % 10 == 0;
}

base::Result<std::unique_ptr<RedactProcessor>> RedactProcessor::Make(
    const config::ProcessorConfig& config) {
  std::vector<Pattern> patterns;
  for (const std::string& name : config.builtin_patterns) {
    const BuiltinRedactPattern* builtin = FindBuiltin(name);
    if (builtin == nullptr) {
      return base::InvalidArgument(
          base::StrCat(config.name, ": unknown built-in pattern \"", name, "\""));
    }
    auto re = CompileRegex(builtin->regex, base::StrCat(config.name, ".patterns ", name));
    if (!re.has_value()) return std::move(re).error();
    patterns.push_back(Pattern{std::move(re.value()), builtin->check, builtin->required});
  }
  for (std::size_t i = 0; i < config.custom_patterns.size(); ++i) {
    auto re =
        CompileRegex(config.custom_patterns[i], base::StrCat(config.name, ".custom[", i, "]"));
    if (!re.has_value()) return std::move(re).error();
    patterns.push_back(Pattern{std::move(re.value()), RedactCheck::kNone, {}});
  }
  if (patterns.empty()) {
    return base::InvalidArgument(base::StrCat(config.name, ": no patterns to redact"));
  }
  if (config.mode == config::RedactMode::kHash && config.hash_key.empty()) {
    return base::InvalidArgument(base::StrCat(config.name, ": mode \"hash\" needs a hash_key"));
  }
  std::vector<std::string> fields = config.redact_fields;
  if (fields.empty()) fields.emplace_back(kMessage);
  return std::make_unique<RedactProcessor>(config.name, std::move(patterns), std::move(fields),
                                           config.mode, config.token, config.hash_key);
}

RedactProcessor::RedactProcessor(std::string name, std::vector<Pattern> patterns,
                                 std::vector<std::string> fields, config::RedactMode mode,
                                 std::string token, std::string hash_key)
    : Processor(std::move(name)),
      patterns_(std::move(patterns)),
      fields_(std::move(fields)),
      mode_(mode),
      token_(std::move(token)),
      hash_key_(std::move(hash_key)) {
  int max_groups = 0;
  for (const Pattern& p : patterns_) {
    max_groups = std::max(max_groups, p.regex->NumberOfCapturingGroups());
  }
  groups_.resize(static_cast<std::size_t>(max_groups) + 1);
}

void RedactProcessor::AppendToken(std::string_view secret, std::string& out) {
  if (mode_ == config::RedactMode::kMask) {
    out += token_;
    return;
  }
  std::array<unsigned char, kSha256Bytes> mac{};
  int rc = mbedtls_md_hmac(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256),
                           reinterpret_cast<const unsigned char*>(hash_key_.data()),
                           hash_key_.size(), reinterpret_cast<const unsigned char*>(secret.data()),
                           secret.size(), mac.data());
  if (rc != 0) {
    out += token_;  // never the secret: fall back to the plain token
    return;
  }
  std::string_view token = token_;
  // "[REDACTED]" becomes "[REDACTED:<hex>]"; another token gets ":<hex>" appended.
  bool bracketed = token.size() >= 2 && token.back() == ']';
  out += bracketed ? token.substr(0, token.size() - 1) : token;
  out += ':';
  AppendHex(out, std::span<const unsigned char>(mac.data(), kHashTokenBytes));
  if (bracketed) out += ']';
}

bool RedactProcessor::RedactOne(const Pattern& pattern, std::string_view text, std::string& out) {
  if (!pattern.required.empty() && text.find(pattern.required) == std::string_view::npos) {
    return false;
  }
  const re2::RE2& re = *pattern.regex;
  int ngroups = std::min(re.NumberOfCapturingGroups(), 1) + 1;
  re2::StringPiece input(text.data(), text.size());
  std::size_t pos = 0;
  std::size_t copied = 0;  // text[0, copied) is already in `out`
  bool any = false;
  while (pos <= text.size() &&
         re.Match(input, pos, text.size(), re2::RE2::UNANCHORED, groups_.data(), ngroups)) {
    const re2::StringPiece& whole = groups_[0];
    re2::StringPiece secret = ngroups > 1 && groups_[1].data() != nullptr ? groups_[1] : whole;
    auto match_end = static_cast<std::size_t>(whole.data() - text.data()) + whole.size();
    // An empty match must still move on.
    std::size_t next = whole.empty() ? match_end + 1 : match_end;
    if (secret.empty() || (pattern.check == RedactCheck::kLuhn &&
                           !PassesLuhn(std::string_view(secret.data(), secret.size())))) {
      pos = next;
      continue;
    }
    if (!any) {
      out.clear();
      any = true;
    }
    auto secret_begin = static_cast<std::size_t>(secret.data() - text.data());
    out.append(text.substr(copied, secret_begin - copied));
    AppendToken(std::string_view(secret.data(), secret.size()), out);
    copied = secret_begin + secret.size();
    pos = next;
  }
  if (!any) return false;
  out.append(text.substr(copied));
  return true;
}

bool RedactProcessor::RedactAll(std::string_view text, int* result) {
  int current = -1;  // -1: still the original text
  for (const Pattern& pattern : patterns_) {
    int target = current == 0 ? 1 : 0;
    std::string_view in = current < 0 ? text : std::string_view(buffers_[current]);
    if (RedactOne(pattern, in, buffers_[target])) current = target;
  }
  *result = current;
  return current >= 0;
}

Verdict RedactProcessor::Process(EventView& event) {
  ++stats_.events;
  bool changed = false;
  for (const std::string& field : fields_) {
    std::optional<FieldValue> value = event.Get(field);
    if (!value.has_value()) continue;
    int result = -1;
    if (!RedactAll(value->text, &result)) continue;
    changed = true;
    if (field == kMessage) {
      event.SwapMessage(&buffers_[result]);
    } else {
      event.Set(field, buffers_[result], ValueKind::kString);
    }
  }
  if (changed) ++stats_.modified;
  return Verdict::kKeep;
}

}  // namespace agent
