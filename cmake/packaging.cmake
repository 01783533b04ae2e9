# Installation layout and the Debian package (CPack DEB): binary, hardened systemd unit,
# example configuration at /etc/pve-exporter/config.yml (0640 root:pve-exporter, set by the
# postinst), man page generated from --help, docs and examples. `make deb` drives it.
set(PVEX_PKG_DIR ${CMAKE_SOURCE_DIR}/packaging)

install(FILES ${PVEX_PKG_DIR}/systemd/pve-exporter.service DESTINATION /lib/systemd/system
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${PVEX_PKG_DIR}/config.yml DESTINATION /etc/pve-exporter
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES ${PVEX_PKG_DIR}/deb/default DESTINATION /etc/default RENAME pve-exporter
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
install(FILES ${PVEX_PKG_DIR}/config.yml ${PVEX_PKG_DIR}/web-config.yml
        DESTINATION share/doc/pve-exporter/examples)
if(EXISTS ${CMAKE_SOURCE_DIR}/docs/deployment.md)
  install(FILES ${CMAKE_SOURCE_DIR}/docs/deployment.md DESTINATION share/doc/pve-exporter)
endif()

# The man page: written at install time from the template plus `pve-exporter --help`.
if(CMAKE_CROSSCOMPILING AND NOT CMAKE_CROSSCOMPILING_EMULATOR)
  set(PVEX_MAN_CAN_RUN OFF)
else()
  set(PVEX_MAN_CAN_RUN ON)
endif()
string(REPLACE ";" "\\;" PVEX_MAN_EMULATOR "${CMAKE_CROSSCOMPILING_EMULATOR}")
install(CODE "
  execute_process(COMMAND \${CMAKE_COMMAND}
      \"-DPVEX_BINARY=$<TARGET_FILE:pve-exporter>\"
      \"-DPVEX_TEMPLATE=${PVEX_PKG_DIR}/pve-exporter.1.in\"
      \"-DPVEX_VERSION=${PVEX_VERSION}\"
      \"-DPVEX_CAN_RUN=${PVEX_MAN_CAN_RUN}\"
      \"-DPVEX_EMULATOR=${PVEX_MAN_EMULATOR}\"
      \"-DPVEX_OUTPUT=\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/share/man/man1/pve-exporter.1.gz\"
      -P ${CMAKE_SOURCE_DIR}/cmake/manpage.cmake
    RESULT_VARIABLE pvex_man_rc)
  if(NOT pvex_man_rc EQUAL 0)
    message(FATAL_ERROR \"generating the man page failed\")
  endif()
")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME pve-exporter)
set(CPACK_PACKAGE_VENDOR "pve-exporter")
set(CPACK_PACKAGE_CONTACT "pve-exporter maintainers <pve-exporter@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Prometheus exporter for Proxmox VE")
# CPack writes the summary as the synopsis line and indents each line of this text below it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "Answers Prometheus scrapes with fresh data from the Proxmox VE API (nodes,
guests, storage, cluster, HA, backups) and the local ZFS kernel statistics.
Runs as a hardened systemd service; TLS and basic auth via an exporter-toolkit
web config.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_VERSION ${PVEX_VERSION_NUMERIC})
# Untagged trees get an ordered, honest version: 0.0.0~git<revision>.
if(NOT PVEX_VERSION MATCHES "^[0-9]+\\.[0-9]+\\.[0-9]+$")
  string(SUBSTRING "${PVEX_REVISION}" 0 10 pvex_short_rev)
  set(CPACK_DEBIAN_PACKAGE_VERSION "${PVEX_VERSION_NUMERIC}~git${pvex_short_rev}")
endif()
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus, apache2-utils")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PVEX_PKG_DIR}/deb/postinst ${PVEX_PKG_DIR}/deb/prerm ${PVEX_PKG_DIR}/deb/postrm
    ${PVEX_PKG_DIR}/deb/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
set(CPACK_STRIP_FILES TRUE)
set(CPACK_OUTPUT_FILE_PREFIX ${CMAKE_BINARY_DIR}/packages)
include(CPack)
