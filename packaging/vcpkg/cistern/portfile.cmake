# vcpkg overlay port for cistern (header-only). Use from a checkout:
#   vcpkg install cistern[sqlite,postgres] --overlay-ports=<repo>/packaging/vcpkg
# SOURCE_PATH is the repository this port file lives in (an overlay of a local checkout);
# a registry port would use vcpkg_from_github with the release tag instead.
get_filename_component(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)

set(VCPKG_BUILD_TYPE release) # header-only: one configuration is enough

# Each feature maps to the CMake option of the component it enables (ON or OFF).
vcpkg_check_features(OUT_FEATURE_OPTIONS FEATURE_OPTIONS
  FEATURES
    sqlite   CISTERN_WITH_SQLITE
    postgres CISTERN_WITH_POSTGRES
    redis    CISTERN_WITH_REDIS
    http     CISTERN_WITH_HTTP
)

vcpkg_cmake_configure(
  SOURCE_PATH "${SOURCE_PATH}"
  OPTIONS
    ${FEATURE_OPTIONS}
    -DCISTERN_BUILD_TESTS=OFF
    -DCISTERN_BUILD_EXAMPLES=OFF
    -DCISTERN_BUILD_BENCHMARKS=OFF
    -DCISTERN_WITH_CLI=OFF
    -DCISTERN_INSTALL=ON
)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(PACKAGE_NAME cistern CONFIG_PATH share/cmake/cistern)
vcpkg_fixup_pkgconfig()
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/share/doc")

file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
