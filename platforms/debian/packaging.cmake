# Installation (`make install`: cmake --install with PREFIX and DESTDIR) and the Debian
# package (`make deb`: CPack's DEB generator). Included last by the top-level CMakeLists.
#
# Installed: bin/skiff (agent/CMakeLists.txt), the systemd unit and the default
# /etc/skiff/skiff.toml (install_system_files.cmake: their paths follow the prefix), the
# documentation in share/doc/skiff. The package adds the `skiff` system user and
# /var/lib/skiff (postinst), stops the agent on removal (prerm) and deletes both on purge
# (postrm). Its Depends line is computed by dpkg-shlibdeps from the binary, plus adduser.
include(GNUInstallDirs)
# Installing (and cpack) stages what is built, without building every test first: the
# Makefile's install and deb targets build skiff themselves.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

install(CODE "set(SKIFF_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
set(SKIFF_BINARY_DIR \"${PROJECT_BINARY_DIR}\")")
install(SCRIPT ${CMAKE_CURRENT_LIST_DIR}/install_system_files.cmake)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/CHANGELOG.md
              ${CMAKE_CURRENT_LIST_DIR}/copyright
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/skiff)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/skiff/docs
        FILES_MATCHING PATTERN "*.md")
install(FILES ${PROJECT_SOURCE_DIR}/examples/skiff.toml
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/doc/skiff/examples)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME skiff)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "skiff maintainers")
set(CPACK_PACKAGE_CONTACT "skiff maintainers <maintainers@skiff.invalid>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "small, fast log shipper for Elasticsearch")
# The package always installs under /usr (binary in /usr/bin, unit in /lib/systemd/system,
# config in /etc/skiff), whatever CMAKE_INSTALL_PREFIX `make install` uses.
set(CPACK_SET_DESTDIR ON)
set(CPACK_INSTALL_PREFIX /usr)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "skiff maintainers <maintainers@skiff.invalid>")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "small, fast log shipper for Elasticsearch
 skiff tails log files and the output of tasks, buffers the events in a
 zstd-compressed ring on local disk, and bulk-ships them to Elasticsearch or
 OpenSearch with backpressure and retry, at least once and without duplicates.
 It authenticates with short-lived workload-identity credentials where the
 platform offers them and needs only the create_doc index privilege.")
# conffiles: dpkg keeps an administrator's edits of /etc/skiff/skiff.toml on upgrade.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_LIST_DIR}/postinst ${CMAKE_CURRENT_LIST_DIR}/prerm
    ${CMAKE_CURRENT_LIST_DIR}/postrm ${CMAKE_CURRENT_LIST_DIR}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
