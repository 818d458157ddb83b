# -DSKIFF_MINIMAL=ON: the smallest skiff, for edge nodes. Included by the top-level
# CMakeLists after the libraries are found.
#
# - Nothing optional: no tests, benchmarks or test server (SKIFF_BUILD_TESTS off) and no
#   journald input (SKIFF_WITH_JOURNALD off). systemd notify stays: platforms/systemd
#   speaks the sd_notify protocol itself, without libsystemd, and is a no-op outside
#   systemd.
# - The libraries Debian ships as static archives are linked from them: libuv (libuv_a.a),
#   zstd, mbed TLS, re2, xxhash, zlib, flatbuffers (always static), toml++ (header-only).
#   simdjson has no archive in Debian 12 and stays a shared library; so does glibc (a
#   static glibc cannot load the NSS modules getaddrinfo needs to resolve host names).
# - Compiled for size with link-time optimization (-Os, LTO when the compiler supports
#   it): on this build's idle RSS, which is mostly code mapped from the binary, that took
#   4.65 to 2.75 MiB stripped and 7.4 to 6.0 MiB idle, with no loss of shipping speed
#   (docs/footprint.md). Unused code and data are dropped (-ffunction-sections
#   -fdata-sections --gc-sections) and the binary is stripped. libstdc++ and libgcc stay
#   shared: libsimdjson.so needs libstdc++.so, and one copy of the C++ runtime in a
#   process is the safe number.
#
# `skiff version` lists what was linked statically (agent/build_info.h).
if(NOT SKIFF_MINIMAL)
  return()
endif()

set(SKIFF_BUILD_TESTS OFF)
set(SKIFF_WITH_JOURNALD OFF)
add_compile_options(-ffunction-sections -fdata-sections)
# After the build type's -O2/-O3 on the command line, so it wins.
add_compile_options(-Os)
include(CheckIPOSupported)
check_ipo_supported(RESULT skiff_ipo_supported OUTPUT skiff_ipo_error LANGUAGES C CXX)
if(skiff_ipo_supported)
  set(CMAKE_INTERPROCEDURAL_OPTIMIZATION ON)
else()
  message(STATUS "skiff minimal: no link-time optimization: ${skiff_ipo_error}")
endif()
# GCC 12 at -O2 warns falsely about std::string copies (-Wrestrict, GCC bug 105329).
add_compile_options(-Wno-error=restrict)
add_link_options(-Wl,--gc-sections -Wl,--as-needed -s)

set(skiff_archive_dir /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE})
set(SKIFF_STATIC_LIBRARIES "")

# Points an imported target at the static archive `archive` (plus `extra` link items).
function(skiff_link_static target name archive)
  set(path ${skiff_archive_dir}/${archive})
  if(NOT EXISTS ${path})
    message(STATUS "skiff minimal: no ${path}; ${name} stays shared")
    return()
  endif()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "INTERFACE_LIBRARY")
    set_property(TARGET ${target} PROPERTY INTERFACE_LINK_LIBRARIES ${path} ${ARGN})
  else()
    get_target_property(configs ${target} IMPORTED_CONFIGURATIONS)
    set_property(TARGET ${target} PROPERTY IMPORTED_LOCATION ${path})
    foreach(config IN LISTS configs)
      set_property(TARGET ${target} PROPERTY IMPORTED_LOCATION_${config} ${path})
    endforeach()
    set_property(TARGET ${target} PROPERTY IMPORTED_NO_SONAME TRUE)
    if(ARGN)
      set_property(TARGET ${target} APPEND PROPERTY INTERFACE_LINK_LIBRARIES ${ARGN})
    endif()
  endif()
  set(SKIFF_STATIC_LIBRARIES "${SKIFF_STATIC_LIBRARIES} ${name}" PARENT_SCOPE)
endfunction()

skiff_link_static(PkgConfig::LIBUV libuv libuv_a.a Threads::Threads ${CMAKE_DL_LIBS})
skiff_link_static(PkgConfig::XXHASH xxhash libxxhash.a)
skiff_link_static(PkgConfig::RE2 re2 libre2.a Threads::Threads)
skiff_link_static(zstd::libzstd_shared zstd libzstd.a)
skiff_link_static(ZLIB::ZLIB zlib libz.a)
# transport/ and agent/processors/ find mbed TLS with find_library; a cache entry set
# first is what they then use.
if(EXISTS ${skiff_archive_dir}/libmbedtls.a)
  set(MBEDTLS ${skiff_archive_dir}/libmbedtls.a CACHE FILEPATH "mbed TLS (static)" FORCE)
  set(MBEDX509 ${skiff_archive_dir}/libmbedx509.a CACHE FILEPATH "mbed X.509 (static)" FORCE)
  set(MBEDCRYPTO ${skiff_archive_dir}/libmbedcrypto.a CACHE FILEPATH "mbed crypto (static)" FORCE)
  set(SKIFF_MBEDCRYPTO ${skiff_archive_dir}/libmbedcrypto.a CACHE FILEPATH "mbed crypto (static)"
      FORCE)
  string(APPEND SKIFF_STATIC_LIBRARIES " mbedtls")
endif()
string(APPEND SKIFF_STATIC_LIBRARIES " flatbuffers")
string(STRIP "${SKIFF_STATIC_LIBRARIES}" SKIFF_STATIC_LIBRARIES)
message(STATUS "skiff minimal: static ${SKIFF_STATIC_LIBRARIES}")
