#include "tests/esim/security_api.h"

#include <string>

#include "platforms/base/log.h"
#include "tests/esim/es_error.h"
#include "tests/esim/json_text.h"

namespace esim {

void SecurityApi::HasPrivileges(std::string_view principal, std::string_view body,
                                HttpResponse& response) {
  simdjson::padded_string padded(body);
  simdjson::dom::element root;
  simdjson::dom::array index_checks;
  if (parser_.parse(padded).get(root) != simdjson::SUCCESS ||
      root["index"].get_array().get(index_checks) != simdjson::SUCCESS) {
    RenderErrorResponse(EsError(400, "parse_exception",
                                "has_privileges request needs an \"index\" array of "
                                "{\"names\":[...],\"privileges\":[...]}"),
                        response);
    return;
  }
  const std::optional<RolePolicy>& role = cluster_.options().role;
  bool all = true;
  std::string indices;
  for (simdjson::dom::element check : index_checks) {
    simdjson::dom::array names;
    simdjson::dom::array privileges;
    if (check["names"].get_array().get(names) != simdjson::SUCCESS ||
        check["privileges"].get_array().get(privileges) != simdjson::SUCCESS) {
      continue;
    }
    for (simdjson::dom::element name_element : names) {
      std::string_view name;
      if (name_element.get_string().get(name) != simdjson::SUCCESS) continue;
      if (!indices.empty()) indices += ',';
      AppendJsonText(indices, name);
      indices += ":{";
      bool first = true;
      for (simdjson::dom::element privilege_element : privileges) {
        std::string_view privilege;
        if (privilege_element.get_string().get(privilege) != simdjson::SUCCESS) continue;
        const bool granted = !role || role->HasIndexPrivilege(name, privilege);
        all = all && granted;
        if (!first) indices += ',';
        first = false;
        AppendJsonText(indices, privilege);
        indices += granted ? ":true" : ":false";
      }
      indices += '}';
    }
  }
  std::string& out = response.body;
  out = "{\"username\":";
  AppendJsonText(out, principal);
  out += base::StrCat(",\"has_all_requested\":", all ? "true" : "false",
                      ",\"cluster\":{},\"index\":{", indices, "},\"application\":{}}");
}

}  // namespace esim
