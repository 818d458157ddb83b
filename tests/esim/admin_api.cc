#include "tests/esim/admin_api.h"

#include "platforms/base/log.h"
#include "tests/esim/es_error.h"
#include "tests/esim/json_text.h"

namespace esim {

void AdminApi::Handle(const HttpRequest& request, HttpResponse& response) {
  const auto& segments = request.path_segments;
  std::string_view what = segments.size() == 2 ? std::string_view(segments[1]) : "";
  std::string_view method = request.method;
  const bool read = method == "GET" || method == "HEAD";
  if (what == "stats" && read) {
    Stats(response);
  } else if (what == "dump" && read) {
    Dump(request, response);
  } else if (what == "reset" && method == "POST") {
    cluster_.Reset();
    response.body = "{\"acknowledged\":true}";
  } else if (what == "faults" && read) {
    response.body = cluster_.faults().ToJson();
  } else if (what == "faults" && (method == "PUT" || method == "POST")) {
    base::Status status = cluster_.faults().Set(request.body);
    if (!status.ok()) {
      RenderStringErrorResponse(400, status.message(), response);
      return;
    }
    response.body =
        base::StrCat("{\"acknowledged\":true,\"faults\":", cluster_.faults().ToJson(), "}");
  } else if (what == "faults" && method == "DELETE") {
    cluster_.faults().Clear();
    response.body = "{\"acknowledged\":true}";
  } else {
    RenderStringErrorResponse(
        400,
        base::StrCat("no handler found for uri [", request.target, "] and method [", method, "]"),
        response);
  }
}

void AdminApi::Stats(HttpResponse& response) {
  std::string& out = response.body;
  out += '{';
  cluster_.stats().AppendJsonFields(out);
  out += ",\"documents_stored\":";
  AppendJsonInt(out, static_cast<int64_t>(cluster_.store().documents()));
  out += ",\"indices\":{";
  bool first = true;
  for (const auto& [name, count] : cluster_.store().ListIndices()) {
    if (!first) out += ',';
    first = false;
    AppendJsonText(out, name);
    out += ':';
    AppendJsonInt(out, static_cast<int64_t>(count));
  }
  out += "}}";
}

void AdminApi::Dump(const HttpRequest& request, HttpResponse& response) {
  std::string_view index = request.Query("index").value_or("");
  if (!cluster_.store().Dump(index, response.body)) {
    RenderErrorResponse(IndexNotFound(index), response);
    return;
  }
  response.content_type = "application/x-ndjson";
}

}  // namespace esim
