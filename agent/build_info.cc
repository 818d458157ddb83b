#include "agent/build_info.h"

#include <flatbuffers/base.h>
#include <mbedtls/version.h>
#include <simdjson.h>
#include <toml++/impl/version.h>
#include <uv.h>
#include <xxhash.h>
#include <zlib.h>
#include <zstd.h>

#include <array>

#include "agent/version.h"
#include "platforms/base/json_writer.h"
#include "platforms/base/log.h"

namespace agent {
namespace {

std::string DottedVersion(unsigned major, unsigned minor, unsigned patch) {
  return base::StrCat(major, ".", minor, ".", patch);
}

std::string MbedTlsVersion() {
  // The running library's own answer (Debian builds it with MBEDTLS_VERSION_C).
  std::array<char, 18> text{};  // mbedtls_version_get_string writes at most 9 bytes
  mbedtls_version_get_string(text.data());
  return std::string(text.data());
}

bool IsStatic(std::string_view library) {
  std::string_view list = kStaticLibraries;
  while (!list.empty()) {
    size_t space = list.find(' ');
    if (list.substr(0, space) == library) return true;
    if (space == std::string_view::npos) break;
    list.remove_prefix(space + 1);
  }
  return false;
}

}  // namespace

BuildInfo CurrentBuildInfo() {
  BuildInfo info;
  info.version = kVersion;
  info.commit = kCommit;
  info.build_type = kBuildType;
  info.compiler = kCompiler;
  info.options = kBuildOptions;

  const std::string tls =
      base::StrCat("mbed TLS ", MbedTlsVersion(), IsStatic("mbedtls") ? " (static)" : "");
  info.features = {
      {"tls", true, tls},
      // platforms/systemd speaks the sd_notify protocol itself: no libsystemd needed.
      {"systemd_notify", true, "sd_notify protocol, watchdog"},
      {"journald", kWithJournald, kWithJournald ? "libsystemd" : "not in this build"},
      {"gzip", true, base::StrCat("zlib ", zlibVersion())},
      {"inotify", true, "file notifications with a polling fallback"},
  };
  auto tagged = [](std::string_view name, std::string version) {
    if (IsStatic(name)) version.append(" (static)");
    return BuildInfo::Library{name, std::move(version)};
  };
  info.libraries = {
      tagged("libuv", uv_version_string()),
      tagged("zstd", ZSTD_versionString()),
      tagged("mbedtls", MbedTlsVersion()),
      tagged("zlib", zlibVersion()),
      tagged("xxhash", DottedVersion(XXH_versionNumber() / 10000, XXH_versionNumber() / 100 % 100,
                                     XXH_versionNumber() % 100)),
      tagged("re2", ""),  // re2 reports no version; the build links Debian's
      tagged("simdjson",
             DottedVersion(simdjson::SIMDJSON_VERSION_MAJOR, simdjson::SIMDJSON_VERSION_MINOR,
                           simdjson::SIMDJSON_VERSION_REVISION)),
      tagged("flatbuffers", DottedVersion(FLATBUFFERS_VERSION_MAJOR, FLATBUFFERS_VERSION_MINOR,
                                          FLATBUFFERS_VERSION_REVISION)),
      tagged("tomlplusplus", DottedVersion(TOML_LIB_MAJOR, TOML_LIB_MINOR, TOML_LIB_PATCH)),
  };
  return info;
}

std::string FormatBuildInfoText(const BuildInfo& info) {
  std::string out = base::StrCat("skiff ", info.version, " (commit ", info.commit, ", ",
                                 info.build_type, " build, ", info.compiler, ")\n");
  out += base::StrCat("options:   ", info.options, "\n");
  for (const BuildInfo::Feature& f : info.features) {
    out += base::StrCat("feature:   ", f.name, " ", f.enabled ? "yes" : "no");
    if (!f.detail.empty()) out += base::StrCat(" (", f.detail, ")");
    out.push_back('\n');
  }
  for (const BuildInfo::Library& l : info.libraries) {
    out += base::StrCat("library:   ", l.name, " ", l.version.empty() ? "(no version)" : l.version,
                        "\n");
  }
  return out;
}

std::string FormatBuildInfoJson(const BuildInfo& info) {
  std::string out = "{\"version\":";
  base::AppendJsonString(out, info.version);
  out.append(",\"commit\":");
  base::AppendJsonString(out, info.commit);
  out.append(",\"build_type\":");
  base::AppendJsonString(out, info.build_type);
  out.append(",\"compiler\":");
  base::AppendJsonString(out, info.compiler);
  out.append(",\"options\":{");
  // "werror=ON sanitize=OFF" becomes {"werror":"ON","sanitize":"OFF"}.
  std::string_view options = info.options;
  bool first = true;
  while (!options.empty()) {
    size_t space = options.find(' ');
    std::string_view option = options.substr(0, space);
    options = space == std::string_view::npos ? std::string_view() : options.substr(space + 1);
    size_t eq = option.find('=');
    if (option.empty() || eq == std::string_view::npos) continue;
    if (!first) out.push_back(',');
    first = false;
    base::AppendJsonString(out, option.substr(0, eq));
    out.push_back(':');
    base::AppendJsonString(out, option.substr(eq + 1));
  }
  out.append("},\"features\":{");
  for (size_t i = 0; i < info.features.size(); ++i) {
    const BuildInfo::Feature& f = info.features[i];
    if (i > 0) out.push_back(',');
    base::AppendJsonString(out, f.name);
    out.append(f.enabled ? ":{\"enabled\":true,\"detail\":" : ":{\"enabled\":false,\"detail\":");
    base::AppendJsonString(out, f.detail);
    out.push_back('}');
  }
  out.append("},\"libraries\":{");
  for (size_t i = 0; i < info.libraries.size(); ++i) {
    if (i > 0) out.push_back(',');
    base::AppendJsonString(out, info.libraries[i].name);
    out.push_back(':');
    base::AppendJsonString(out, info.libraries[i].version);
  }
  out.append("}}\n");
  return out;
}

}  // namespace agent
