#include "agent/processors/kubernetes_processor.h"

#include "agent/processors/event_view.h"
#include "platforms/base/json_writer.h"

namespace agent {
namespace {

constexpr std::string_view kContainersDir = "/var/log/containers/";
constexpr std::string_view kPodsDir = "/var/log/pods/";
constexpr std::string_view kLogSuffix = ".log";
constexpr std::string_view kQuotedPathKey = "\"log.file.path\"";

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// <pod>_<namespace>_<container>-<id>.log
std::optional<KubernetesMetadata> ParseContainersPath(std::string_view name) {
  if (!name.ends_with(kLogSuffix) || name.find('/') != std::string_view::npos) return std::nullopt;
  name.remove_suffix(kLogSuffix.size());
  std::size_t first = name.find('_');
  if (first == std::string_view::npos) return std::nullopt;
  std::size_t second = name.find('_', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  std::string_view rest = name.substr(second + 1);
  std::size_t dash = rest.rfind('-');
  if (first == 0 || second == first + 1 || dash == std::string_view::npos || dash == 0 ||
      dash + 1 == rest.size()) {
    return std::nullopt;
  }
  KubernetesMetadata m;
  m.pod_name = name.substr(0, first);
  m.namespace_name = name.substr(first + 1, second - first - 1);
  m.container_name = rest.substr(0, dash);
  m.container_id = rest.substr(dash + 1);
  return m;
}

// <namespace>_<pod>_<uid>/<container>/<n>.log
std::optional<KubernetesMetadata> ParsePodsPath(std::string_view rest) {
  std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::string_view pod_dir = rest.substr(0, slash);
  std::string_view after = rest.substr(slash + 1);
  std::size_t slash2 = after.find('/');
  if (slash2 == std::string_view::npos || slash2 == 0) return std::nullopt;
  std::string_view container = after.substr(0, slash2);
  std::string_view file = after.substr(slash2 + 1);
  if (!file.ends_with(kLogSuffix) || !IsDigits(file.substr(0, file.size() - kLogSuffix.size()))) {
    return std::nullopt;
  }
  std::size_t first = pod_dir.find('_');
  std::size_t last = pod_dir.rfind('_');
  if (first == std::string_view::npos || first == last || first == 0 || last == first + 1 ||
      last + 1 == pod_dir.size()) {
    return std::nullopt;
  }
  KubernetesMetadata m;
  m.namespace_name = pod_dir.substr(0, first);
  m.pod_name = pod_dir.substr(first + 1, last - first - 1);
  m.pod_uid = pod_dir.substr(last + 1);
  m.container_name = container;
  return m;
}

void AppendMember(std::string& out, std::string_view key, std::string_view value) {
  if (value.empty()) return;
  out += ',';
  base::AppendJsonString(out, key);
  out += ':';
  base::AppendJsonString(out, value);
}

}  // namespace

std::optional<KubernetesMetadata> ParseKubernetesLogPath(std::string_view path) {
  if (path.starts_with(kContainersDir))
    return ParseContainersPath(path.substr(kContainersDir.size()));
  if (path.starts_with(kPodsDir)) return ParsePodsPath(path.substr(kPodsDir.size()));
  return std::nullopt;
}

std::optional<std::string_view> FindSharedStringRaw(std::string_view members,
                                                    std::string_view quoted_key) {
  std::size_t at = 0;
  while ((at = members.find(quoted_key, at)) != std::string_view::npos) {
    // A member starts the text or follows a comma; anything else is inside a value.
    std::size_t colon = at + quoted_key.size();
    if ((at == 0 || members[at - 1] == ',') && colon + 1 < members.size() &&
        members[colon] == ':' && members[colon + 1] == '"') {
      break;
    }
    at += quoted_key.size();
  }
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t begin = at + quoted_key.size() + 2;
  std::size_t end = begin;
  while (end < members.size() && members[end] != '"') end += members[end] == '\\' ? 2u : 1u;
  if (end >= members.size()) return std::nullopt;
  return members.substr(begin, end - begin);
}

std::optional<std::string> FindSharedString(std::string_view members, std::string_view key) {
  std::string quoted;
  base::AppendJsonString(quoted, key);
  std::optional<std::string_view> raw = FindSharedStringRaw(members, quoted);
  if (!raw.has_value()) return std::nullopt;
  std::string out;
  if (!AppendUnescapedJson(*raw, out)) return std::nullopt;
  return out;
}

void KubernetesProcessor::BeginBatch(buffer::EventBatch& batch) {
  batch_matched_ = false;
  std::optional<std::string_view> raw =
      FindSharedStringRaw(batch.shared_fields_json, kQuotedPathKey);
  if (!raw.has_value()) return;
  // Compared escaped, so the common case (the same file as the last batch) costs a compare.
  if (*raw != cached_raw_path_) {
    cached_raw_path_.assign(*raw);
    cached_members_.clear();
    std::string path;
    if (AppendUnescapedJson(*raw, path)) {
      if (std::optional<KubernetesMetadata> m = ParseKubernetesLogPath(path)) {
        AppendMember(cached_members_, "kubernetes.namespace", m->namespace_name);
        AppendMember(cached_members_, "kubernetes.pod.name", m->pod_name);
        AppendMember(cached_members_, "kubernetes.pod.uid", m->pod_uid);
        AppendMember(cached_members_, "kubernetes.container.name", m->container_name);
        AppendMember(cached_members_, "container.id", m->container_id);
        AppendMember(cached_members_, "kubernetes.node.name", node_name_);
      }
    }
  }
  if (cached_members_.empty()) return;
  batch_matched_ = true;
  if (batch.shared_fields_json.empty()) {
    batch.shared_fields_json.append(std::string_view(cached_members_).substr(1));
  } else {
    batch.shared_fields_json.append(cached_members_);
  }
}

}  // namespace agent
