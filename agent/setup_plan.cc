#include "agent/setup_plan.h"

#include <algorithm>

#include "platforms/base/json_writer.h"
#include "platforms/base/log.h"
#include "transport/index_template.h"

namespace agent {
namespace {

// ECS mappings of the fields skiff itself writes (transport/bulk_request.h,
// agent/shared_fields.h, agent/inputs/task_output.h); other string fields are keywords.
constexpr std::string_view kPropertiesJson =
    R"("@timestamp":{"type":"date"},)"
    R"("message":{"type":"match_only_text"},)"
    R"("log":{"properties":{"offset":{"type":"long"},"flags":{"type":"keyword"},)"
    R"("level":{"type":"keyword"},"stream":{"type":"keyword"},)"
    R"("file":{"properties":{"path":{"type":"keyword"}}}}},)"
    R"("host":{"properties":{"name":{"type":"keyword"}}},)"
    R"("agent":{"properties":{"type":{"type":"keyword"},"name":{"type":"keyword"},)"
    R"("id":{"type":"keyword"},"version":{"type":"keyword"},"identity":{"type":"keyword"}}},)"
    R"("ecs":{"properties":{"version":{"type":"keyword"}}},)"
    R"("input":{"properties":{"type":{"type":"keyword"}}},)"
    R"("event":{"properties":{"dataset":{"type":"keyword"},"action":{"type":"keyword"},)"
    R"("outcome":{"type":"keyword"},"start":{"type":"date"},"end":{"type":"date"},)"
    R"("duration":{"type":"long"}}},)"
    R"("process":{"properties":{"exit_code":{"type":"long"}}})";
// The built-in `logs` template maps these as constant keywords, which must match the data
// stream's name; skiff's documents carry them (transport/bulk_request.h).
constexpr std::string_view kDataStreamPropertiesJson =
    R"(,"data_stream":{"properties":{"type":{"type":"constant_keyword"},)"
    R"("dataset":{"type":"constant_keyword"},"namespace":{"type":"constant_keyword"}}})";
constexpr std::string_view kDynamicTemplatesJson =
    R"("dynamic_templates":[{"strings_as_keyword":{"match_mapping_type":"string",)"
    R"("mapping":{"type":"keyword","ignore_above":1024}}}])";

bool IsDataStream(const config::Config& config, std::string_view pattern) {
  transport::DataStreamName name;
  if (!transport::SplitDataStreamName(pattern, &name)) return false;
  return config.elasticsearch.data_stream || name.type == "logs";
}

void AddPattern(std::vector<std::string>& patterns, std::string_view index) {
  if (index.empty()) return;
  // The loader validated every index template, so a parse error cannot happen here; a
  // name that somehow does not parse is still listed as written.
  base::Result<transport::IndexTemplate> parsed = transport::IndexTemplate::Parse(index);
  std::string pattern = parsed.has_value() ? parsed.value().WildcardPattern() : std::string(index);
  if (std::find(patterns.begin(), patterns.end(), pattern) == patterns.end()) {
    patterns.push_back(std::move(pattern));
  }
}

void AppendStringArray(std::string& out, const std::vector<std::string>& values) {
  out.push_back('[');
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    base::AppendJsonString(out, values[i]);
  }
  out.push_back(']');
}

std::string TemplateBody(const std::vector<std::string>& patterns, bool data_streams,
                         const SetupOptions& options) {
  std::string body = R"({"index_patterns":)";
  AppendStringArray(body, patterns);
  if (data_streams) body.append(R"(,"data_stream":{})");
  body += base::StrCat(R"(,"priority":)", options.template_priority);
  body.append(R"(,"template":{"mappings":{)");
  body.append(kDynamicTemplatesJson);
  body.append(R"(,"properties":{)");
  body.append(kPropertiesJson);
  if (data_streams) body.append(kDataStreamPropertiesJson);
  body.append(R"(}}},"_meta":{"managed_by":"skiff","description":)");
  base::AppendJsonString(body, data_streams ? "data streams skiff ships to (skiff setup --print)"
                                            : "indices skiff ships to (skiff setup --print)");
  body.append("}}");
  return body;
}

// The role descriptor: create_doc and auto_configure on `patterns`, no cluster privilege.
std::string RoleDescriptor(const std::vector<std::string>& patterns) {
  std::string body = R"({"cluster":[],"indices":[{"names":)";
  AppendStringArray(body, patterns);
  body.append(R"(,"privileges":["create_doc","auto_configure"]}]})");
  return body;
}

// Where the container opening at `open` closes, when it holds no nested container and
// fits kOneLineBytes; npos otherwise.
size_t FlatContainerEnd(std::string_view json, size_t open) {
  constexpr size_t kOneLineBytes = 64;
  bool in_string = false;
  for (size_t i = open + 1; i < json.size() && i - open <= kOneLineBytes; ++i) {
    char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      return std::string_view::npos;
    } else if (c == '}' || c == ']') {
      return i;
    }
  }
  return std::string_view::npos;
}

// `flat` (a container without nested ones) with a space after each ':' and ','.
void AppendOneLine(std::string& out, std::string_view flat) {
  bool in_string = false;
  for (size_t i = 0; i < flat.size(); ++i) {
    char c = flat[i];
    out.push_back(c);
    if (in_string) {
      if (c == '\\' && i + 1 < flat.size()) {
        out.push_back(flat[++i]);
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == ':' || c == ',') {
      out.push_back(' ');
    }
  }
}

}  // namespace

SetupPlan BuildSetupPlan(const config::Config& config, const SetupOptions& options) {
  std::vector<std::string> all;
  AddPattern(all, config.elasticsearch.index);
  for (const config::FileInputConfig& input : config.file_inputs) AddPattern(all, input.index);
  AddPattern(all, config.exec.index);
  AddPattern(all, config.elasticsearch.index_fallback);

  SetupPlan plan;
  for (const std::string& pattern : all) {
    (IsDataStream(config, pattern) ? plan.data_stream_patterns : plan.index_patterns)
        .push_back(pattern);
  }
  if (!plan.data_stream_patterns.empty()) {
    plan.requests.push_back({"Index template for the data streams skiff ships to", "PUT",
                             "/_index_template/skiff-logs",
                             PrettyJson(TemplateBody(plan.data_stream_patterns, true, options))});
  }
  if (!plan.index_patterns.empty()) {
    plan.requests.push_back({"Index template for the indices skiff ships to", "PUT",
                             "/_index_template/skiff-indices",
                             PrettyJson(TemplateBody(plan.index_patterns, false, options))});
  }
  const std::string role = RoleDescriptor(all);
  plan.requests.push_back(
      {"The minimal role: create_doc and auto_configure on these indices, nothing else", "POST",
       base::StrCat("/_security/role/", options.role_name), PrettyJson(role)});

  std::string key = R"({"name":)";
  base::AppendJsonString(key, options.api_key_name);
  key.append(R"(,"expiration":)");
  base::AppendJsonString(key, options.api_key_expiration);
  key.append(R"(,"role_descriptors":{)");
  base::AppendJsonString(key, options.role_name);
  key += base::StrCat(":", role, R"(},"metadata":{"application":"skiff"}})");
  plan.requests.push_back(
      {"An API key limited to the same privileges (its `encoded` value goes "
       "in the file [auth] api_key names)",
       "POST", "/_security/api_key", PrettyJson(key)});
  return plan;
}

std::string PrettyJson(std::string_view json) {
  std::string out;
  out.reserve(json.size() * 2);
  int depth = 0;
  bool in_string = false;
  auto newline = [&out](int level) {
    out.push_back('\n');
    out.append(static_cast<size_t>(level) * 2, ' ');
  };
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      out.push_back(c);
      if (c == '\\' && i + 1 < json.size()) {
        out.push_back(json[++i]);
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        out.push_back(c);
        break;
      case '{':
      case '[': {
        size_t end = FlatContainerEnd(json, i);
        if (end != std::string_view::npos) {
          // A short container without nested ones stays on one line: {"type": "long"}.
          AppendOneLine(out, json.substr(i, end - i + 1));
          i = end;
          break;
        }
        out.push_back(c);
        newline(++depth);
        break;
      }
      case '}':
      case ']':
        newline(--depth);
        out.push_back(c);
        break;
      case ',':
        out.push_back(c);
        newline(depth);
        break;
      case ':':
        out.append(": ");
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace agent
