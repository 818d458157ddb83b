// RolePolicy: `esim --role-privileges ... --role-indices ...` authorizes every request as
// Elasticsearch does for a user whose only role grants those index privileges on those
// index patterns (and `--role-cluster` cluster privileges, none by default). It exists to
// prove skiff needs nothing beyond the documented minimal role (create_doc and
// auto_configure on its indices; docs/auth.md).
//
// Request-level APIs are mapped to ES's action names and the privileges that grant them
// (GET / needs cluster `monitor`; anything esim does not know needs `manage` or `all`);
// a refusal is ES's 403 security_exception. Bulk items are authorized one by one
// (CheckItem): an `index` op needs `index`, not `create_doc`; creating a missing index
// needs `auto_configure`. Immutable after Create().
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platforms/base/result.h"
#include "tests/esim/es_error.h"
#include "tests/esim/http_message.h"

namespace esim {

struct RoleOptions {
  std::string name = "skiff_writer";
  std::vector<std::string> cluster_privileges;
  std::vector<std::string> index_privileges;
  std::vector<std::string> index_patterns;  // "logs-*"; '*' matches any run of characters
};

class RolePolicy {
 public:
  enum class ItemOp { kCreate, kIndex, kUpdate, kDelete };
  // A refusal: ES's 403 and the action it names (for esim's stats).
  struct Denial {
    std::string action;
    EsError error;
  };

  // Checks the privilege names against ES's lists. Errors name the flag.
  static base::Result<RolePolicy> Create(RoleOptions options);

  // The 403 for a request outside the role, or nullopt. Bulk requests pass here (their
  // items are checked one by one); the admin API is never checked.
  std::optional<Denial> CheckRequest(const HttpRequest& request, std::string_view principal) const;
  // The item-level 403 for a bulk operation on `index`, or nullopt.
  std::optional<Denial> CheckItem(ItemOp op, std::string_view index, bool index_exists,
                                  std::string_view principal) const;

  // Whether the role grants `privilege` on `index`, directly or through a broader one
  // (create_doc through create, index, write or all; auto_configure through create_index,
  // manage or all). For _has_privileges.
  bool HasIndexPrivilege(std::string_view index, std::string_view privilege) const;

  const RoleOptions& options() const { return options_; }

 private:
  bool HasCluster(std::initializer_list<std::string_view> granting) const;
  bool HasIndex(std::string_view index, std::initializer_list<std::string_view> granting) const;
  Denial Deny(std::string_view action, std::string_view principal, std::string_view index,
              std::string_view kind, std::initializer_list<std::string_view> granting) const;

  RoleOptions options_;
};

// Shell-style '*' match, as ES's index patterns.
bool MatchesPattern(std::string_view pattern, std::string_view name);

}  // namespace esim
