# Conan 2 recipe for cistern, in conan-center style for a header-only library.
# From the repository root:
#   conan create packaging/conan --build=missing -o "cistern/*:with_postgres=False"
import os
import re

from conan import ConanFile
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain
from conan.tools.files import copy, load, rmdir
from conan.tools.layout import basic_layout

required_conan_version = ">=2.0"


class CisternConan(ConanFile):
    name = "cistern"
    license = "MIT"
    description = "Policy-based connection pools, caches and monitors for databases (C++20, header-only)"
    topics = ("database", "connection-pool", "cache", "postgresql", "sqlite", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    # One option per optional library component; with_sqlite maps to the CMake option
    # CISTERN_WITH_SQLITE, and so on. The `cistern` command-line tool is not packaged here.
    options = {"with_sqlite": [True, False], "with_postgres": [True, False], "with_redis": [True, False],
               "with_http": [True, False]}
    default_options = {"with_sqlite": True, "with_postgres": True, "with_redis": False, "with_http": False}
    no_copy_source = True

    @property
    def _root(self):
        return os.path.join(self.recipe_folder, "..", "..")

    def set_version(self):
        # One source of truth: project(cistern VERSION x.y.z) in the top-level CMakeLists.txt.
        text = load(self, os.path.join(self._root, "CMakeLists.txt"))
        self.version = re.search(r"project\(cistern VERSION ([0-9]+\.[0-9]+\.[0-9]+)", text).group(1)

    def export_sources(self):
        for pattern in ("CMakeLists.txt", "LICENSE", "README.md", "cmake/*", "include/*"):
            copy(self, pattern, self._root, self.export_sources_folder)

    def layout(self):
        basic_layout(self, src_folder=".")

    def requirements(self):
        self.requires("range-v3/0.12.0", transitive_headers=True)
        if self.options.with_sqlite:
            self.requires("sqlitecpp/3.3.1", transitive_headers=True, transitive_libs=True)
        if self.options.with_postgres:
            self.requires("libpq/15.5", transitive_headers=True, transitive_libs=True)
            # PostgreSQL's parser as a library (postgres::connection::tables_of, sql/pg_query.hpp)
            self.requires("libpg_query/15-4.2.3", transitive_headers=True, transitive_libs=True)
        if self.options.with_redis:  # the Redis second cache tier (cistern::redis)
            self.requires("hiredis/1.2.0", transitive_headers=True, transitive_libs=True)
        if self.options.with_http:
            self.requires("cpp-httplib/0.11.4", transitive_headers=True, transitive_libs=True)
            self.requires("nlohmann_json/3.11.2", transitive_headers=True)

    def package_id(self):
        # Header-only: no setting changes the package; the options still select components.
        self.info.settings.clear()

    def validate(self):
        check_min_cppstd(self, 20)

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["CISTERN_BUILD_TESTS"] = False
        tc.cache_variables["CISTERN_BUILD_EXAMPLES"] = False
        tc.cache_variables["CISTERN_BUILD_BENCHMARKS"] = False
        tc.cache_variables["CISTERN_INSTALL"] = True
        tc.cache_variables["CISTERN_WITH_SQLITE"] = "ON" if self.options.with_sqlite else "OFF"
        tc.cache_variables["CISTERN_WITH_POSTGRES"] = "ON" if self.options.with_postgres else "OFF"
        tc.cache_variables["CISTERN_WITH_REDIS"] = "ON" if self.options.with_redis else "OFF"
        tc.cache_variables["CISTERN_WITH_CLI"] = "OFF"  # a library package: no command-line tool
        tc.cache_variables["CISTERN_WITH_HTTP"] = "ON" if self.options.with_http else "OFF"
        tc.generate()
        CMakeDeps(self).generate()

    def build(self):
        pass  # header-only: nothing to compile; package() runs the project's install rules

    def package(self):
        copy(self, "LICENSE", self.source_folder, os.path.join(self.package_folder, "licenses"))
        cmake = CMake(self)
        cmake.configure()  # generates include/cistern/version.hpp from the project version
        cmake.install()
        # Conan generates its own CMake config and pkg-config files from package_info().
        rmdir(self, os.path.join(self.package_folder, "share", "cmake"))
        rmdir(self, os.path.join(self.package_folder, "share", "pkgconfig"))
        rmdir(self, os.path.join(self.package_folder, "share", "doc"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "cistern")
        self.cpp_info.set_property("cmake_target_name", "cistern::cistern")
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []

        core = self.cpp_info.components["core"]
        core.set_property("cmake_target_name", "cistern::core")
        core.set_property("pkg_config_name", "cistern")
        core.requires = ["range-v3::range-v3"]
        core.bindirs = []
        core.libdirs = []
        if self.settings.os in ("Linux", "FreeBSD"):
            core.system_libs = ["pthread"]
        if self.options.with_sqlite:
            c = self.cpp_info.components["sqlite"]
            c.set_property("cmake_target_name", "cistern::sqlite")
            c.set_property("pkg_config_name", "cistern-sqlite")
            c.requires = ["core", "sqlitecpp::sqlitecpp"]
            c.bindirs = []
            c.libdirs = []
        if self.options.with_postgres:
            c = self.cpp_info.components["postgres"]
            c.set_property("cmake_target_name", "cistern::postgres")
            c.set_property("pkg_config_name", "cistern-postgres")
            c.requires = ["core", "libpq::libpq", "libpg_query::libpg_query"]
            c.bindirs = []
            c.libdirs = []
        if self.options.with_redis:
            c = self.cpp_info.components["redis"]
            c.set_property("cmake_target_name", "cistern::redis")
            c.set_property("pkg_config_name", "cistern-redis")
            c.requires = ["core", "hiredis::hiredis"]
            c.bindirs = []
            c.libdirs = []
        if self.options.with_http:
            c = self.cpp_info.components["http"]
            c.set_property("cmake_target_name", "cistern::http")
            c.set_property("pkg_config_name", "cistern-http")
            c.requires = ["core", "cpp-httplib::cpp-httplib", "nlohmann_json::nlohmann_json"]
            c.bindirs = []
            c.libdirs = []
