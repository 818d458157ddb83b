#include "tests/esim/router.h"

#include <ctime>

#include "platforms/base/json_writer.h"
#include "platforms/base/log.h"
#include "tests/esim/auth_policy.h"
#include "tests/esim/es_error.h"
#include "tests/esim/filter_path.h"
#include "tests/esim/flavour.h"

namespace esim {
namespace {

bool IsAdmin(const HttpRequest& request) {
  return !request.path_segments.empty() && request.path_segments[0] == "_esim";
}

void MethodNotAllowed(const HttpRequest& request, std::string_view allowed,
                      HttpResponse& response) {
  RenderStringErrorResponse(
      405,
      base::StrCat("Incorrect HTTP method for uri [", request.target, "] and method [",
                   request.method, "], allowed: [", allowed, "]"),
      response);
}

void NoHandler(const HttpRequest& request, HttpResponse& response) {
  RenderStringErrorResponse(400,
                            base::StrCat("no handler found for uri [", request.target,
                                         "] and method [", request.method, "]"),
                            response);
}

// The media type without parameters, lower-cased, and its compatible-with version (0 when
// absent).
std::string_view MediaType(std::string_view header, int* compatible_with) {
  *compatible_with = 0;
  std::size_t semicolon = header.find(';');
  std::string_view type = header.substr(0, semicolon);
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  std::size_t at = header.find("compatible-with=");
  if (at != std::string_view::npos) {
    std::string_view version = header.substr(at + std::string_view("compatible-with=").size());
    *compatible_with = 0;
    for (char c : version) {
      if (c < '0' || c > '9') break;
      *compatible_with = *compatible_with * 10 + (c - '0');
    }
  }
  return type;
}

}  // namespace

Router::Router(Cluster& cluster)
    : cluster_(cluster),
      bulk_(cluster),
      index_api_(cluster),
      admin_api_(cluster),
      security_api_(cluster) {
  cluster_.stats().CountConnection();  // one Router per accepted connection
}

std::size_t Router::MaxBodyBytes(const HttpRequest& head) const {
  // The size fault never locks the admin API out.
  if (IsAdmin(head)) return static_cast<std::size_t>(cluster_.options().max_request_bytes);
  return cluster_.MaxBodyBytes();
}

void Router::HandleProtocolError(int status, std::string_view reason, HttpResponse& response) {
  RenderErrorResponse(EsError(status, "illegal_argument_exception", std::string(reason)), response);
  response.close_connection = true;
  cluster_.stats().CountResponse(status);
}

bool Router::CheckContentType(const HttpRequest& request, HttpResponse& response) {
  const FlavourTraits& traits = TraitsOf(cluster_.options().flavour);
  int compatible_with = 0;
  int accept_compatible_with = 0;
  MediaType(request.Header("accept"), &accept_compatible_with);
  if (accept_compatible_with != 0 && !traits.opensearch &&
      !traits.AcceptsCompatibleWith(accept_compatible_with)) {
    // Elasticsearch: 400 media_type_header_exception for a version it cannot speak.
    RenderErrorResponse(
        EsError(400, "media_type_header_exception",
                base::StrCat("Invalid media-type value on headers [Accept]: Accept version "
                             "must be either version ",
                             traits.max_compatible, " or ", traits.min_compatible, ", but found ",
                             accept_compatible_with, ". Accept=", request.Header("accept"))),
        response);
    return false;
  }
  if (!request.body.empty()) {
    std::string_view header = request.Header("content-type");
    if (!request.HasHeader("content-type")) {
      RenderStringErrorResponse(406, "Content-Type header is missing", response);
      return false;
    }
    std::string_view type = MediaType(header, &compatible_with);
    const bool plain = EqualsIgnoreCase(type, "application/json") ||
                       EqualsIgnoreCase(type, "application/x-ndjson");
    const bool versioned = EqualsIgnoreCase(type, "application/vnd.elasticsearch+json") ||
                           EqualsIgnoreCase(type, "application/vnd.elasticsearch+x-ndjson");
    if (!(plain || (versioned && traits.AcceptsCompatibleWith(compatible_with)))) {
      RenderStringErrorResponse(
          406, base::StrCat("Content-Type header [", header, "] is not supported"), response);
      return false;
    }
  }
  int version = compatible_with != 0 ? compatible_with : accept_compatible_with;
  if (traits.AcceptsCompatibleWith(version)) {
    response.content_type =
        base::StrCat("application/vnd.elasticsearch+json;compatible-with=", version);
  }
  return true;
}

void Router::Handle(const HttpRequest& request, HttpResponse& response) {
  std::optional<FilterPath> filter;
  if (std::optional<std::string_view> spec = request.Query("filter_path")) filter.emplace(*spec);
  if (filter && filter->empty()) filter.reset();
  bool filtered = false;
  response.product_header = TraitsOf(cluster_.options().flavour).product_header;
  if (request.body_too_large) {
    // As ES's http.max_content_length: 413 with an empty body.
    response.status = 413;
    response.content_type.clear();
  } else if (IsAdmin(request)) {
    admin_api_.Handle(request, response);
  } else if (std::optional<EsError> denied = AuthPolicy::Check(
                 cluster_.RequiredNow(), request.Header("authorization"), request.target)) {
    cluster_.stats().CountAuthFailure(request.Header("authorization").empty()
                                          ? AuthFailure::kMissing
                                          : AuthFailure::kInvalid);
    RenderUnauthenticated(*denied, response);
  } else if (Authorize(request, response) && CheckContentType(request, response)) {
    Dispatch(request, filter ? &*filter : nullptr, &filtered, response);
  }
  if (filter && !filtered) ApplyFilterPath(*filter, response);
  if (SendsDateHeader()) AddDateHeader(response);
  cluster_.stats().CountResponse(response.status);
}

bool Router::SendsDateHeader() const {
  // ES itself sends no Date; Amazon OpenSearch Service (sigv4) does, and a shifted clock
  // is only visible through it.
  const Authenticator* authenticator = cluster_.options().authenticator.get();
  return cluster_.options().clock_offset_s != 0 ||
         (authenticator != nullptr && authenticator->mode() == AuthMode::kSigV4);
}

void Router::AddDateHeader(HttpResponse& response) const {
  const auto now = static_cast<std::time_t>(cluster_.NowUnixSeconds());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[64];
  const std::size_t n = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  response.AddHeader("Date", std::string_view(text, n));
}

void Router::RenderUnauthenticated(const EsError& error, HttpResponse& response) {
  RenderErrorResponse(error, response);
  for (std::string_view value : AuthPolicy::kWwwAuthenticate) {
    response.AddHeader("WWW-Authenticate", value);
  }
}

bool Router::Authorize(const HttpRequest& request, HttpResponse& response) {
  std::string principal = "_anonymous";
  if (const Authenticator* authenticator = cluster_.options().authenticator.get()) {
    Authenticator::Outcome outcome = authenticator->Authenticate(request, cluster_.NowUnixSeconds());
    if (outcome.failure != AuthFailure::kNone) {
      cluster_.stats().CountAuthFailure(outcome.failure);
      if (outcome.error) {
        RenderUnauthenticated(*outcome.error, response);
      } else {
        // Amazon OpenSearch Service's shape for SigV4 refusals.
        response.status = outcome.status;
        response.body.clear();
        response.body += "{\"message\":";
        base::AppendJsonString(response.body, outcome.aws_message);
        response.body += '}';
      }
      return false;
    }
    principal = std::move(outcome.principal);
  }
  if (const std::optional<RolePolicy>& role = cluster_.options().role) {
    if (std::optional<RolePolicy::Denial> denied = role->CheckRequest(request, principal)) {
      cluster_.stats().CountAuthorizationFailure(denied->action);
      RenderErrorResponse(denied->error, response);
      return false;
    }
  }
  principal_ = principal;
  bulk_.set_principal(std::move(principal));
  return true;
}

void Router::ApplyFilterPath(const FilterPath& filter, HttpResponse& response) {
  if (response.body.empty() || response.content_type.find("json") == std::string::npos) return;
  response.body.reserve(response.body.size() + simdjson::SIMDJSON_PADDING);
  // Bulk responses grow a little with every request (longer _seq_no values): allocate with
  // headroom, or the parser would reallocate (and fault in fresh pages) every time.
  if (filter_parser_.capacity() < response.body.size()) {
    if (filter_parser_.allocate(response.body.size() * 2) != simdjson::SUCCESS) return;
  }
  if (filter.Apply(response.body, filter_parser_, filtered_)) response.body.swap(filtered_);
}

void Router::Dispatch(const HttpRequest& request, const FilterPath* filter, bool* filtered,
                      HttpResponse& response) {
  const auto& seg = request.path_segments;
  for (const std::string& segment : seg) {
    // Names and ids are echoed into JSON, which must stay valid UTF-8.
    if (!simdjson::validate_utf8(segment.data(), segment.size())) {
      return NoHandler(request, response);
    }
  }
  std::string_view method = request.method;
  const bool get = method == "GET" || method == "HEAD";
  const bool write = method == "POST" || method == "PUT";

  if (seg.empty()) {
    if (get) return index_api_.Info(response);
    return MethodNotAllowed(request, "GET, HEAD", response);
  }
  const std::string_view first = seg[0];
  const std::string_view last = seg.back();
  if (seg.size() <= 2 && last == "_bulk") {
    if (!write) return MethodNotAllowed(request, "POST, PUT", response);
    const bool render_filtered = filter == nullptr || !filter->has_excludes();
    *filtered = render_filtered;
    return bulk_.HandleBulk(request, seg.size() == 2 ? first : std::string_view(),
                            render_filtered ? filter : nullptr, response);
  }
  if (seg.size() <= 2 && last == "_count") {
    if (!(get || method == "POST")) return MethodNotAllowed(request, "GET, POST", response);
    return index_api_.Count(seg.size() == 2 ? first : std::string_view(), response);
  }
  if (seg.size() <= 2 && last == "_refresh") {
    if (!(get || method == "POST")) return MethodNotAllowed(request, "GET, POST", response);
    return index_api_.Refresh(seg.size() == 2 ? first : std::string_view(), response);
  }
  if (seg.size() == 3 && first == "_security" && seg[1] == "user" && last == "_has_privileges") {
    if (!(get || method == "POST")) return MethodNotAllowed(request, "GET, POST", response);
    return security_api_.HasPrivileges(principal_, request.body, response);
  }
  if (seg.size() == 2 && first == "_nodes" && last == "http" && get) {
    return index_api_.NodesHttp(request.Header("host"), response);
  }
  if (seg.size() == 2 && first == "_cluster" && last == "health" && get) {
    return index_api_.ClusterHealth(response);
  }
  if (first.starts_with('_')) return NoHandler(request, response);
  if (seg.size() == 1) {
    if (method == "HEAD") return index_api_.IndexExists(first, response);
    if (method == "GET") return index_api_.GetIndex(first, response);
    if (method == "PUT") return index_api_.CreateIndex(first, request.body, response);
    if (method == "DELETE") return index_api_.DeleteIndex(first, response);
    return MethodNotAllowed(request, "DELETE, GET, HEAD, PUT", response);
  }
  if (seg[1] == "_doc" && seg.size() == 3) {
    if (get) return index_api_.GetDocument(first, seg[2], response);
    if (write) return bulk_.HandleSingle(request, first, seg[2], false, response);
    return MethodNotAllowed(request, "GET, HEAD, POST, PUT", response);
  }
  if (seg[1] == "_doc" && seg.size() == 2 && method == "POST") {
    return bulk_.HandleSingle(request, first, "", false, response);
  }
  if ((seg[1] == "_alias" || seg[1] == "_aliases") && seg.size() == 3 && write) {
    return index_api_.PutAlias(first, seg[2], request.body, response);
  }
  if (seg[1] == "_create" && seg.size() == 3) {
    if (write) return bulk_.HandleSingle(request, first, seg[2], true, response);
    return MethodNotAllowed(request, "POST, PUT", response);
  }
  return NoHandler(request, response);
}

}  // namespace esim
