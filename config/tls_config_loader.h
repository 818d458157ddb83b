// Loading of the transport-security keys of [output.elasticsearch]: `tls` (an inline
// table or [output.elasticsearch.tls]), `proxy`, and the rule that [auth] credentials do
// not travel over plain http:// to another machine unless `allow_plaintext_credentials`.
// Internal to config/: used by config_loader.cc, sees toml++ through table_reader.h.
#pragma once

#include <string_view>

#include "config/config.h"
#include "config/config_error.h"
#include "config/table_reader.h"
#include "config/toml_include.h"

namespace config {

// Reads `tls` from the [output.elasticsearch] table. Files must exist and be readable now
// (a missing certificate is a config error, not a runtime surprise); their content is
// checked when skiff starts.
void LoadTlsConfig(TableReader& output, ErrorList& errors, TlsConfig* tls);

// Reads `proxy`: "http://[user:password@]host[:port]". Messages never quote the value.
void LoadProxy(TableReader& output, Secret* proxy);

// With credentials configured in [auth], reports every plain http:// host that is not
// loopback, unless allow_plaintext_credentials. Runs after the whole file is read; points
// at the offending element of `hosts` in `root`.
void CheckPlaintextCredentials(const toml::table& root, const Config& config, ErrorList& errors);

}  // namespace config
