#include "agent/shared_fields.h"

#include <unistd.h>

#include <array>

#include "platforms/base/json_writer.h"

namespace agent {
namespace {

// A user field with the same name replaces ours: two equal keys in one document would make
// Elasticsearch reject it.
bool UserSets(const std::vector<config::Field>& fields, std::string_view key) {
  for (const config::Field& f : fields) {
    if (f.key == key) return true;
  }
  return false;
}

void AppendMember(std::string& out, const std::vector<config::Field>& fields, std::string_view key,
                  std::string_view string_value) {
  if (UserSets(fields, key)) return;
  if (!out.empty()) out += ',';
  base::AppendJsonString(out, key);
  out += ':';
  base::AppendJsonString(out, string_value);
}

}  // namespace

std::string HostName(const config::Config& config) {
  if (!config.host_name.empty()) return config.host_name;
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) return "unknown";
  return std::string(name.data());
}

std::string RenderSharedFields(const AgentIdentity& identity, std::string_view input_type,
                               std::string_view dataset, const std::vector<config::Field>& fields) {
  std::string out;
  AppendMember(out, fields, "host.name", identity.host_name);
  AppendMember(out, fields, "agent.type", "skiff");
  AppendMember(out, fields, "agent.name", identity.host_name);
  AppendMember(out, fields, "agent.id", identity.agent_id);
  AppendMember(out, fields, "agent.version", identity.version);
  AppendMember(out, fields, "ecs.version", kEcsVersion);
  AppendMember(out, fields, "input.type", input_type);
  AppendMember(out, fields, "event.dataset", dataset);
  for (const config::Field& field : fields) {
    if (!out.empty()) out += ',';
    base::AppendJsonString(out, field.key);
    out += ':';
    out += field.json_value;
  }
  return out;
}

}  // namespace agent
