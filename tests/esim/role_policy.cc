#include "tests/esim/role_policy.h"

#include <algorithm>

#include "platforms/base/log.h"

namespace esim {
namespace {

constexpr std::string_view kClusterPrivileges[] = {"all",
                                                   "monitor",
                                                   "manage",
                                                   "manage_index_templates",
                                                   "manage_ilm",
                                                   "manage_pipeline",
                                                   "read_ilm",
                                                   "manage_own_api_key",
                                                   "manage_api_key",
                                                   "manage_security",
                                                   "none"};
constexpr std::string_view kIndexPrivileges[] = {"all",
                                                 "auto_configure",
                                                 "create",
                                                 "create_doc",
                                                 "create_index",
                                                 "delete",
                                                 "delete_index",
                                                 "index",
                                                 "maintenance",
                                                 "manage",
                                                 "monitor",
                                                 "read",
                                                 "view_index_metadata",
                                                 "write",
                                                 "none"};

template <std::size_t N>
bool Known(const std::string_view (&list)[N], std::string_view name) {
  return std::find(std::begin(list), std::end(list), name) != std::end(list);
}

std::string Joined(std::initializer_list<std::string_view> names) {
  std::string out;
  for (std::string_view name : names) {
    if (!out.empty()) out += ',';
    out += name;
  }
  return out;
}

}  // namespace

bool MatchesPattern(std::string_view pattern, std::string_view name) {
  // Iterative glob with backtracking to the last '*'.
  std::size_t p = 0, n = 0, star = std::string_view::npos, resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (p < pattern.size() && pattern[p] == name[n]) {
      ++p;
      ++n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

base::Result<RolePolicy> RolePolicy::Create(RoleOptions options) {
  for (const std::string& name : options.cluster_privileges) {
    if (!Known(kClusterPrivileges, name)) {
      return base::InvalidArgument(
          base::StrCat("--role-cluster: unknown cluster privilege [", name, "]"));
    }
  }
  for (const std::string& name : options.index_privileges) {
    if (!Known(kIndexPrivileges, name)) {
      return base::InvalidArgument(
          base::StrCat("--role-privileges: unknown index privilege [", name, "]"));
    }
  }
  if (options.index_patterns.empty()) options.index_patterns.push_back("*");
  RolePolicy policy;
  policy.options_ = std::move(options);
  return policy;
}

bool RolePolicy::HasCluster(std::initializer_list<std::string_view> granting) const {
  for (const std::string& have : options_.cluster_privileges) {
    if (std::find(granting.begin(), granting.end(), have) != granting.end()) return true;
  }
  return false;
}

bool RolePolicy::HasIndexPrivilege(std::string_view index, std::string_view privilege) const {
  if (privilege == "create_doc") {
    return HasIndex(index, {"create_doc", "create", "index", "write", "all"});
  }
  if (privilege == "create") return HasIndex(index, {"create", "index", "write", "all"});
  if (privilege == "index") return HasIndex(index, {"index", "write", "all"});
  if (privilege == "auto_configure") {
    return HasIndex(index, {"auto_configure", "create_index", "manage", "all"});
  }
  if (privilege == "create_index") return HasIndex(index, {"create_index", "manage", "all"});
  bool covered = false;
  for (const std::string& pattern : options_.index_patterns) {
    covered |= MatchesPattern(pattern, index);
  }
  if (!covered) return false;
  for (const std::string& have : options_.index_privileges) {
    if (have == privilege || have == "all") return true;
  }
  return false;
}

bool RolePolicy::HasIndex(std::string_view index,
                          std::initializer_list<std::string_view> granting) const {
  bool covered = false;
  for (const std::string& pattern : options_.index_patterns) {
    covered |= MatchesPattern(pattern, index);
  }
  if (!covered) return false;
  for (const std::string& have : options_.index_privileges) {
    if (std::find(granting.begin(), granting.end(), have) != granting.end()) return true;
  }
  return false;
}

RolePolicy::Denial RolePolicy::Deny(std::string_view action, std::string_view principal,
                                    std::string_view index, std::string_view kind,
                                    std::initializer_list<std::string_view> granting) const {
  std::string reason = base::StrCat("action [", action, "] is unauthorized for user [", principal,
                                    "] with effective roles [", options_.name, "]");
  if (!index.empty()) reason += base::StrCat(" on indices [", index, "]");
  reason += base::StrCat(", this action is granted by the ", kind, " privileges [",
                         Joined(granting), "]");
  return {std::string(action), EsError(403, "security_exception", std::move(reason))};
}

std::optional<RolePolicy::Denial> RolePolicy::CheckRequest(const HttpRequest& request,
                                                           std::string_view principal) const {
  const auto& seg = request.path_segments;
  const std::string_view method = request.method;
  const bool read = method == "GET" || method == "HEAD";
  auto cluster = [&](std::string_view action,
                     std::initializer_list<std::string_view> granting) -> std::optional<Denial> {
    if (HasCluster(granting)) return std::nullopt;
    return Deny(action, principal, "", "cluster", granting);
  };
  auto indices = [&](std::string_view action, std::string_view index,
                     std::initializer_list<std::string_view> granting) -> std::optional<Denial> {
    if (HasIndex(index, granting)) return std::nullopt;
    return Deny(action, principal, index, "index", granting);
  };
  if (seg.empty()) return cluster("cluster:monitor/main", {"monitor", "manage", "all"});
  const std::string_view first = seg[0];
  const std::string_view last = seg.back();
  if (seg.size() <= 2 && last == "_bulk") return std::nullopt;  // per item
  if (first == "_cluster" && seg.size() == 2 && seg[1] == "health") {
    return cluster("cluster:monitor/health", {"monitor", "manage", "all"});
  }
  if (first == "_index_template" || first == "_component_template" || first == "_template") {
    return cluster(read ? "indices:admin/index_template/get" : "indices:admin/index_template/put",
                   {"manage_index_templates", "manage", "all"});
  }
  if (first == "_security" && last == "_has_privileges") return std::nullopt;  // one's own
  if (first == "_nodes") {
    return cluster("cluster:monitor/nodes/info", {"monitor", "manage", "all"});
  }
  if (first.starts_with('_')) {
    // _search, _security, _ingest, _nodes, _cat, ...: nothing a shipper needs.
    if (last == "_search" || last == "_count") {
      return indices("indices:data/read/search", "*", {"read", "all"});
    }
    return cluster(base::StrCat("cluster:admin/", first.substr(1)), {"manage", "all"});
  }
  if (seg.size() == 1) {
    if (method == "PUT")
      return indices("indices:admin/create", first, {"create_index", "manage", "all"});
    if (method == "DELETE") {
      return indices("indices:admin/delete", first, {"delete_index", "manage", "all"});
    }
    return indices("indices:admin/get", first, {"view_index_metadata", "manage", "all"});
  }
  const std::string_view api = seg[1];
  if (api == "_doc" && seg.size() == 3 && read) {
    return indices("indices:data/read/get", first, {"read", "all"});
  }
  if (api == "_count" || api == "_search") {
    return indices("indices:data/read/search", first, {"read", "all"});
  }
  if (api == "_refresh")
    return indices("indices:admin/refresh", first, {"maintenance", "manage", "all"});
  if (api == "_doc" || api == "_create") return std::nullopt;  // a bulk of one: per item
  return indices(base::StrCat("indices:admin/", api.substr(1)), first, {"manage", "all"});
}

std::optional<RolePolicy::Denial> RolePolicy::CheckItem(ItemOp op, std::string_view index,
                                                        bool index_exists,
                                                        std::string_view principal) const {
  switch (op) {
    case ItemOp::kCreate:
      if (!HasIndex(index, {"create_doc", "create", "index", "write", "all"})) {
        return Deny("indices:data/write/index:op_type/create", principal, index, "index",
                    {"create_doc", "create", "index", "write", "all"});
      }
      break;
    case ItemOp::kIndex:
      if (!HasIndex(index, {"create", "index", "write", "all"})) {
        return Deny("indices:data/write/index:op_type/index", principal, index, "index",
                    {"create", "index", "write", "all"});
      }
      break;
    case ItemOp::kUpdate:
      if (!HasIndex(index, {"index", "write", "all"})) {
        return Deny("indices:data/write/update", principal, index, "index",
                    {"index", "write", "all"});
      }
      break;
    case ItemOp::kDelete:
      if (!HasIndex(index, {"delete", "write", "all"})) {
        return Deny("indices:data/write/delete", principal, index, "index",
                    {"delete", "write", "all"});
      }
      return std::nullopt;
  }
  if (!index_exists && !HasIndex(index, {"auto_configure", "create_index", "manage", "all"})) {
    return Deny("indices:admin/auto_create", principal, index, "index",
                {"auto_configure", "create_index", "manage", "all"});
  }
  return std::nullopt;
}

}  // namespace esim
