# CPack: one Debian package per role (see packaging/CMakeLists.txt and docs/DEPLOY.md).
# `cpack -G DEB` in a build configured with -DCMAKE_INSTALL_PREFIX=/usr (scripts/package).
if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  message(STATUS "packaging: CMAKE_INSTALL_PREFIX is ${CMAKE_INSTALL_PREFIX}; the .deb files need "
                 "/usr (scripts/package configures its own build that way)")
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME otc)
set(CPACK_PACKAGE_VENDOR "otc")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "${OTC_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_DIRECTORY "${PROJECT_BINARY_DIR}/packages")

set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL ${OTC_COMPONENTS})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${OTC_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_RELEASE "")

set(CPACK_DEBIAN_CLIENT_PACKAGE_NAME otc-client)
set(CPACK_DEBIAN_CLIENT_DESCRIPTION "One Time Chat client (otc)
otc is a chat whose secrecy rests on one-time pads. This package holds the
chat client `otc` for the laptop. It never reads pad: it asks the owner's pad
device (package otc-device, usually on a separate small computer) to encrypt
and decrypt each message, and passes the results through an untrusted relay
(package otc-relay).")

set(CPACK_DEBIAN_DEVICE_PACKAGE_NAME otc-device)
set(CPACK_DEBIAN_DEVICE_DESCRIPTION "One Time Chat pad device (otc-device, padstore)
otc is a chat whose secrecy rests on one-time pads. This package is for the
small computer that holds its owner's pads: the daemon `otc-device`, the only
program that touches pad bytes, with the systemd unit otc-device@.service
(one instance per store, asking the owner to confirm each use of pad on a
virtual console), `otc-device pair` to connect a laptop, and `padstore` to
inspect and check a store.")

set(CPACK_DEBIAN_RELAY_PACKAGE_NAME otc-relay)
set(CPACK_DEBIAN_RELAY_PACKAGE_SECTION net)
set(CPACK_DEBIAN_RELAY_DESCRIPTION "One Time Chat relay (otc-relay)
otc is a chat whose secrecy rests on one-time pads. This package is for the
server: the relay `otc-relay` stores opaque, already encrypted messages until
their recipients fetch them. It never sees pad or plaintext. It comes with
the systemd unit otc-relay.service (a dynamic user, read-only system) and
its settings in /etc/otc/relay.conf.")
# /etc/otc/relay.conf is the administrator's: a conffile, kept on upgrade.
file(WRITE "${CMAKE_CURRENT_BINARY_DIR}/debian/relay/conffiles" "/etc/otc/relay.conf\n")
set(CPACK_DEBIAN_RELAY_PACKAGE_CONTROL_EXTRA "${CMAKE_CURRENT_BINARY_DIR}/debian/relay/conffiles")

set(CPACK_DEBIAN_PADGEN_PACKAGE_NAME otc-padgen)
set(CPACK_DEBIAN_PADGEN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PADGEN_DESCRIPTION "One Time Chat pad generator (padgen, otc-entropy)
otc is a chat whose secrecy rests on one-time pads. This package is for the
meeting where two people make their shared pad: `padgen` writes the same
random bytes into each person's pad store at the speed of the disks (from the
kernel's CSPRNG or a hardware generator, with health tests, extraction and
verification), and `otc-entropy` estimates a hardware source's min-entropy
first.")

include(CPack)
