# Runs at install time (`cmake --install`, `make install`, cpack): installs the systemd unit
# and the default configuration with paths that follow the install prefix. Prefix /usr (the
# Debian package) puts them in /lib/systemd/system and /etc/skiff, as platforms/systemd/
# skiff.service names them; another prefix (/usr/local) gets PREFIX/lib/systemd/system
# (systemd reads /usr/local/lib/systemd/system too) and PREFIX/etc/skiff, and the unit's
# paths are rewritten to match. An existing skiff.toml is never overwritten.
#
# Set before this script runs (platforms/debian/packaging.cmake): SKIFF_SOURCE_DIR,
# SKIFF_BINARY_DIR.
if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  set(skiff_sysconf_dir "/etc/skiff")
  set(skiff_unit_dir "/lib/systemd/system")
else()
  set(skiff_sysconf_dir "${CMAKE_INSTALL_PREFIX}/etc/skiff")
  set(skiff_unit_dir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
endif()

file(READ "${SKIFF_SOURCE_DIR}/platforms/systemd/skiff.service" skiff_unit)
string(REPLACE "/usr/bin/skiff " "${CMAKE_INSTALL_PREFIX}/bin/skiff " skiff_unit "${skiff_unit}")
string(REPLACE "/etc/skiff/skiff.toml" "${skiff_sysconf_dir}/skiff.toml" skiff_unit
       "${skiff_unit}")
file(WRITE "${SKIFF_BINARY_DIR}/install-staging/skiff.service" "${skiff_unit}")
file(INSTALL "${SKIFF_BINARY_DIR}/install-staging/skiff.service"
     DESTINATION "${skiff_unit_dir}"
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

if(EXISTS "$ENV{DESTDIR}${skiff_sysconf_dir}/skiff.toml")
  message(STATUS "Keeping: $ENV{DESTDIR}${skiff_sysconf_dir}/skiff.toml")
else()
  file(INSTALL "${SKIFF_SOURCE_DIR}/platforms/debian/skiff.toml"
       DESTINATION "${skiff_sysconf_dir}"
       FILE_PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
endif()
