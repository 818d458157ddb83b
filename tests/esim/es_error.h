// EsError: an Elasticsearch error as it appears on the wire, either inside a bulk item
// ({"type","reason",...}) or as a whole-request error body
// ({"error":{"root_cause":[...],"type","reason",...},"status":N}).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/esim/http_message.h"

namespace esim {

struct EsError {
  EsError(int status_code, std::string type_name, std::string reason_text)
      : status(status_code), type(std::move(type_name)), reason(std::move(reason_text)) {}

  int status = 400;
  std::string type;
  std::string reason;
  // Fields after "reason", in order; each value is raw JSON (already encoded).
  std::vector<std::pair<std::string, std::string>> extra;
  // Optional nested cause.
  std::string caused_by_type;
  std::string caused_by_reason;

  EsError& With(std::string name, std::string raw_json_value) {
    extra.emplace_back(std::move(name), std::move(raw_json_value));
    return *this;
  }
  EsError& WithString(std::string name, std::string_view text);
  EsError& CausedBy(std::string type_name, std::string reason_text) {
    caused_by_type = std::move(type_name);
    caused_by_reason = std::move(reason_text);
    return *this;
  }
};

// {"type":..,"reason":..,<extra>,"caused_by":{..}}
void AppendErrorObject(std::string& out, const EsError& error);
// The whole-request error body, with root_cause, and the status.
void RenderErrorResponse(const EsError& error, HttpResponse& response);
// ES's bare-string form: {"error":"message","status":N} (406, 405, unknown endpoints).
void RenderStringErrorResponse(int status, std::string_view message, HttpResponse& response);

// Common ES errors.
EsError IllegalArgument(std::string reason);
EsError IndexNotFound(std::string_view index);
EsError ActionRequestValidation(std::string_view numbered_errors);

}  // namespace esim
