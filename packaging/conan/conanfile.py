# Conan 2 recipe for cistern (header-only). From the repository root:
#   conan create packaging/conan --build=missing -o "cistern/*:with_sqlite=True"
import os

from conan import ConanFile
from conan.tools.cmake import CMake, CMakeToolchain, cmake_layout
from conan.tools.files import copy


class CisternConan(ConanFile):
    name = "cistern"
    version = "0.1.0"
    license = "LicenseRef-unspecified"  # the project has not chosen a license yet
    description = "Policy-based connection pools, caches and monitors for databases (C++20, header-only)"
    topics = ("database", "connection-pool", "cache", "postgresql", "sqlite", "header-only")
    settings = "os", "arch", "compiler", "build_type"
    options = {"with_sqlite": [True, False], "with_postgres": [True, False], "with_redis": [True, False]}
    default_options = {"with_sqlite": True, "with_postgres": True, "with_redis": False}
    exports_sources = "../../CMakeLists.txt", "../../cmake/*", "../../include/*"
    no_copy_source = True

    def layout(self):
        cmake_layout(self, src_folder=".")

    def requirements(self):
        self.requires("range-v3/0.12.0", transitive_headers=True)
        if self.options.with_sqlite:
            self.requires("sqlitecpp/3.2.1", transitive_headers=True, transitive_libs=True)
        if self.options.with_postgres:
            self.requires("libpq/15.4", transitive_headers=True, transitive_libs=True)
        if self.options.with_redis:  # the Redis second cache tier (cistern::redis)
            self.requires("hiredis/1.2.0", transitive_headers=True, transitive_libs=True)

    def package_id(self):
        self.info.clear()

    def package(self):
        copy(self, "*.hpp", os.path.join(self.source_folder, "include"), os.path.join(self.package_folder, "include"))
        with open(os.path.join(self.source_folder, "cmake", "version.hpp.in")) as f:
            text = f.read()
        major, minor, patch = self.version.split(".")
        for k, v in {"PROJECT_VERSION_MAJOR": major, "PROJECT_VERSION_MINOR": minor,
                     "PROJECT_VERSION_PATCH": patch, "PROJECT_VERSION": self.version}.items():
            text = text.replace("@" + k + "@", v)
        os.makedirs(os.path.join(self.package_folder, "include", "cistern"), exist_ok=True)
        with open(os.path.join(self.package_folder, "include", "cistern", "version.hpp"), "w") as f:
            f.write(text)

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "cistern")
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        core = self.cpp_info.components["core"]
        core.set_property("cmake_target_name", "cistern::core")
        core.requires = ["range-v3::range-v3"]
        core.system_libs = ["pthread"] if self.settings.os == "Linux" else []
        if self.options.with_sqlite:
            c = self.cpp_info.components["sqlite"]
            c.set_property("cmake_target_name", "cistern::sqlite")
            c.requires = ["core", "sqlitecpp::sqlitecpp"]
        if self.options.with_postgres:
            c = self.cpp_info.components["postgres"]
            c.set_property("cmake_target_name", "cistern::postgres")
            c.requires = ["core", "libpq::libpq"]
        if self.options.with_redis:
            c = self.cpp_info.components["redis"]
            c.set_property("cmake_target_name", "cistern::redis")
            c.requires = ["core", "hiredis::hiredis"]
