#include "tests/esim/es_error.h"

#include "platforms/base/log.h"
#include "tests/esim/json_text.h"

namespace esim {
namespace {

void AppendTypeReasonExtra(std::string& out, const EsError& error) {
  AppendJsonKey(out, "type");
  AppendJsonText(out, error.type);
  out += ',';
  AppendJsonKey(out, "reason");
  AppendJsonText(out, error.reason);
  for (const auto& [name, value] : error.extra) {
    out += ',';
    AppendJsonText(out, name);
    out += ':';
    out += value;
  }
}

}  // namespace

EsError& EsError::WithString(std::string name, std::string_view text) {
  std::string value;
  AppendJsonText(value, text);
  return With(std::move(name), std::move(value));
}

void AppendErrorObject(std::string& out, const EsError& error) {
  out += '{';
  AppendTypeReasonExtra(out, error);
  if (!error.caused_by_type.empty()) {
    out += ",\"caused_by\":{\"type\":";
    AppendJsonText(out, error.caused_by_type);
    out += ",\"reason\":";
    AppendJsonText(out, error.caused_by_reason);
    out += '}';
  }
  out += '}';
}

void RenderErrorResponse(const EsError& error, HttpResponse& response) {
  response.status = error.status;
  std::string& out = response.body;
  out.clear();
  out += "{\"error\":{\"root_cause\":[{";
  AppendTypeReasonExtra(out, error);
  out += "}],";
  std::size_t object_start = out.size();
  AppendErrorObject(out, error);
  // Splice: drop the '{' of the nested object, we are already inside "error":{...
  out.erase(object_start, 1);
  out += ",\"status\":";
  AppendJsonInt(out, error.status);
  out += '}';
}

void RenderStringErrorResponse(int status, std::string_view message, HttpResponse& response) {
  response.status = status;
  response.body.clear();
  response.body += "{\"error\":";
  AppendJsonText(response.body, message);
  response.body += ",\"status\":";
  AppendJsonInt(response.body, status);
  response.body += '}';
}

EsError IllegalArgument(std::string reason) {
  return EsError(400, "illegal_argument_exception", std::move(reason));
}

EsError IndexNotFound(std::string_view index) {
  EsError error(404, "index_not_found_exception", base::StrCat("no such index [", index, "]"));
  error.WithString("resource.type", "index_or_alias")
      .WithString("resource.id", index)
      .WithString("index_uuid", "_na_")
      .WithString("index", index);
  return error;
}

EsError ActionRequestValidation(std::string_view numbered_errors) {
  return EsError(400, "action_request_validation_exception",
                 base::StrCat("Validation Failed: ", numbered_errors));
}

}  // namespace esim
