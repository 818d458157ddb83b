// RedactProcessor: masks secrets in the message or named fields before the event reaches
// the ring, so the secret is never on disk (`type = "redact"`). Each match becomes a fixed
// token ("[REDACTED]" by default) or, in hash mode, "[REDACTED:<16 hex digits>]", the
// start of HMAC-SHA256(hash_key, secret): equal secrets still correlate across events and
// machines sharing the key, while the key keeps short secrets (card numbers) from being
// recovered by hashing every candidate.
//
// Patterns are built in (BuiltinRedactPatterns) or custom RE2; when a pattern has a
// capture group, only group 1 is masked ("bearer (…)" keeps the word "bearer").
// Credit-card candidates are masked only when their digits pass the Luhn check. The
// patterns run one after another over the text; the first match of each is searched in
// place, so an event without secrets costs one scan per pattern and no allocation.
#pragma once

#include <re2/re2.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agent/processors/processor.h"
#include "config/processors_config.h"
#include "platforms/base/result.h"

namespace agent {

enum class RedactCheck { kNone, kLuhn };

struct BuiltinRedactPattern {
  std::string_view name;
  std::string_view regex;
  RedactCheck check;
  // Text every match contains: a text without it is skipped with one memchr-speed search
  // instead of a regex scan. Empty: none.
  std::string_view required;
};

std::span<const BuiltinRedactPattern> BuiltinRedactPatterns();
// True when the digits of `text` (other characters ignored) are 13 to 19 long and pass the
// Luhn checksum, as every payment card number does.
bool PassesLuhn(std::string_view text);

class RedactProcessor final : public Processor {
 public:
  static base::Result<std::unique_ptr<RedactProcessor>> Make(const config::ProcessorConfig& config);

  Verdict Process(EventView& event) override;

  struct Pattern {
    std::unique_ptr<re2::RE2> regex;
    RedactCheck check;
    std::string_view required;
  };
  // Only through Make().
  RedactProcessor(std::string name, std::vector<Pattern> patterns, std::vector<std::string> fields,
                  config::RedactMode mode, std::string token, std::string hash_key);

 private:
  // Writes `text` with the matches of `pattern` masked into `out` and returns true, or
  // returns false (and leaves `out` alone) when nothing was masked.
  bool RedactOne(const Pattern& pattern, std::string_view text, std::string& out);
  // All patterns over `text`; the result is in buffers_[*result] when true.
  bool RedactAll(std::string_view text, int* result);
  void AppendToken(std::string_view secret, std::string& out);

  std::vector<Pattern> patterns_;
  std::vector<std::string> fields_;
  config::RedactMode mode_;
  std::string token_;
  std::string hash_key_;
  std::vector<re2::StringPiece> groups_;
  std::string buffers_[2];  // alternate as pattern after pattern rewrites the text
};

}  // namespace agent
