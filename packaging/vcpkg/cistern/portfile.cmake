# vcpkg overlay port for cistern. Use: vcpkg install cistern --overlay-ports=<repo>/packaging/vcpkg
# SOURCE_PATH: the repository this port file lives in (an overlay of a local checkout).
get_filename_component(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
vcpkg_cmake_configure(
  SOURCE_PATH "${SOURCE_PATH}"
  OPTIONS -DCISTERN_BUILD_TESTS=OFF -DCISTERN_BUILD_EXAMPLES=OFF -DCISTERN_BUILD_BENCHMARKS=OFF -DCISTERN_INSTALL=ON)
vcpkg_cmake_install()
vcpkg_cmake_config_fixup(PACKAGE_NAME cistern CONFIG_PATH share/cmake/cistern)
file(REMOVE_RECURSE "${CURRENT_PACKAGES_DIR}/debug")
file(WRITE "${CURRENT_PACKAGES_DIR}/share/${PORT}/copyright" "See the cistern repository for its license.\n")
