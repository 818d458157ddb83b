// `skiff [-c FILE] test-output`: checks the Elasticsearch output as configured, and ships
// nothing (DESIGN: "connects, authenticates, sends nothing, reports"). For each host in
// [output.elasticsearch] it connects (TCP, TLS as configured, through the proxy), obtains
// the [auth] credential with the same provider `run` uses, asks `GET /` for the product
// and version, and asks `_has_privileges` whether the credential may create documents
// (create_doc) and data streams (auto_configure) in the configured index. It prints one
// report per host.
//
// Exit codes: 0 every host would accept a bulk request, 1 some host would not (down, TLS
// refused, credential refused, create_doc missing), 2 bad configuration or usage.
#pragma once

#include <string>
#include <vector>

namespace agent {

int TestOutputCommand(const std::string& config_path, const std::vector<std::string>& args);

}  // namespace agent
