#!/usr/bin/env python3
"""Static checks of the Conan and vcpkg recipes (neither tool installs on Debian's archive).

Checks what can be checked without the tools: the files parse, the fields each ecosystem
requires are present, the version is the CMake project version (Conan reads it, vcpkg
states it), every CISTERN_* CMake option a recipe passes exists, and the Conan options,
vcpkg features and CMake components name the same set. Prints one line per problem and
exits 1 if there is any; prints "recipes: N checks passed" otherwise.

Usage: python3 scripts/check_recipes.py [repository root]
"""
import ast
import json
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
problems = []
checks = 0


def check(ok, what):
    global checks
    checks += 1
    if not ok:
        problems.append(what)


def read(rel):
    p = root / rel
    if not p.exists():
        problems.append(f"{rel}: missing")
        return ""
    return p.read_text(encoding="utf-8")


# --- CMake: version, options, components ------------------------------------------------
cmake = read("CMakeLists.txt")
m = re.search(r"project\(cistern VERSION ([0-9]+\.[0-9]+\.[0-9]+)", cmake)
check(m is not None, "CMakeLists.txt: no `project(cistern VERSION x.y.z)`")
version = m.group(1) if m else None
cmake_options = set(re.findall(r"option\((CISTERN_[A-Z0-9_]+)", cmake))
all_components = [c.lower() for c in re.findall(r"cistern_component_option\(([A-Z0-9_]+)", cmake)]
cmake_options |= {"CISTERN_WITH_" + c.upper() for c in all_components}
# The recipes package the library; the `cistern` command-line tool (component cli) is not
# part of them, and both recipes must switch it off explicitly.
components = [c for c in all_components if c != "cli"]
check(len(components) > 0, "CMakeLists.txt: no cistern_component_option(...)")

# --- Conan ------------------------------------------------------------------------------
conan_rel = "packaging/conan/conanfile.py"
for rel in (conan_rel, "packaging/conan/test_package/conanfile.py"):
    try:  # what `python3 -m py_compile` does, without writing a .pyc
        compile((root / rel).read_text(encoding="utf-8"), rel, "exec")
        check(True, "")
    except (SyntaxError, FileNotFoundError) as e:
        problems.append(f"{rel}: does not compile: {e}")
conan = read(conan_rel)
tree = ast.parse(conan) if conan else ast.Module(body=[], type_ignores=[])
cls = next((n for n in tree.body if isinstance(n, ast.ClassDef)), None)
check(cls is not None, f"{conan_rel}: no ConanFile class")
attrs, methods = {}, {}
if cls:
    for n in cls.body:
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name):
            try:
                attrs[n.targets[0].id] = ast.literal_eval(n.value)
            except ValueError:
                attrs[n.targets[0].id] = None
        elif isinstance(n, ast.FunctionDef):
            methods[n.name] = ast.get_source_segment(conan, n) or ""
for field in ("name", "license", "description", "topics", "package_type", "settings", "options",
              "default_options", "no_copy_source"):
    check(field in attrs, f"{conan_rel}: missing attribute `{field}`")
check(attrs.get("name") == "cistern", f"{conan_rel}: name is not 'cistern'")
check(attrs.get("license") == "MIT", f"{conan_rel}: license is not 'MIT'")
check(attrs.get("package_type") == "header-library", f"{conan_rel}: package_type is not 'header-library'")
check(attrs.get("no_copy_source") is True, f"{conan_rel}: no_copy_source is not True")
check("version" not in attrs, f"{conan_rel}: version is typed in the recipe; read it in set_version()")
check("set_version" in methods and "CMakeLists.txt" in methods.get("set_version", ""),
      f"{conan_rel}: set_version() does not read the CMake project version")
check("check_min_cppstd(self, 20)" in methods.get("validate", ""),
      f"{conan_rel}: validate() does not call check_min_cppstd(self, 20)")
check("basic_layout(" in methods.get("layout", ""), f"{conan_rel}: layout() does not use basic_layout")
check(re.search(r'copy\(self, "LICENSE".*"licenses"', methods.get("package", "")) is not None,
      f"{conan_rel}: package() does not copy LICENSE to licenses/")
check("components[" in methods.get("package_info", ""), f"{conan_rel}: package_info() declares no components")
check((root / "packaging/conan/test_package/CMakeLists.txt").exists(), "packaging/conan/test_package: no CMakeLists.txt")
conan_opts = {k[len("with_"):] for k in (attrs.get("options") or {}) if k.startswith("with_")}
check(conan_opts == set(components),
      f"{conan_rel}: options with_* {sorted(conan_opts)} differ from the CMake components {sorted(components)}")
for c in conan_opts:
    check(f'components["{c}"]' in methods.get("package_info", ""),
          f"{conan_rel}: package_info() has no component '{c}'")
check('"CISTERN_WITH_CLI"] = "OFF"' in conan or "cli" not in all_components,
      f"{conan_rel}: does not switch off the CLI (CISTERN_WITH_CLI=OFF)")
for opt in set(re.findall(r"CISTERN_[A-Z0-9_]+", conan)):
    check(opt in cmake_options, f"{conan_rel}: passes {opt}, which CMakeLists.txt does not define")

# --- vcpkg ------------------------------------------------------------------------------
port = "packaging/vcpkg/cistern"
manifest_text = read(f"{port}/vcpkg.json")
try:
    manifest = json.loads(manifest_text) if manifest_text else {}
    check(True, "")
except json.JSONDecodeError as e:
    problems.append(f"{port}/vcpkg.json: not valid JSON: {e}")
    manifest = {}
for field in ("name", "version", "description", "license", "dependencies", "features"):
    check(field in manifest, f"{port}/vcpkg.json: missing `{field}`")
check(manifest.get("license") == "MIT", f"{port}/vcpkg.json: license is not 'MIT'")
check(manifest.get("version") == version,
      f"{port}/vcpkg.json: version {manifest.get('version')} differs from CMake's {version}")
features = set((manifest.get("features") or {}).keys())
check(features == set(components),
      f"{port}/vcpkg.json: features {sorted(features)} differ from the CMake components {sorted(components)}")
portfile = read(f"{port}/portfile.cmake")
for needle in ("set(VCPKG_BUILD_TYPE release)", "vcpkg_check_features(", "vcpkg_cmake_configure(",
               "vcpkg_cmake_install()", "vcpkg_cmake_config_fixup(", "vcpkg_install_copyright(", "usage"):
    check(needle in portfile, f"{port}/portfile.cmake: no `{needle}`")
check((root / port / "usage").exists(), f"{port}/usage: missing")
fc = re.search(r"vcpkg_check_features\((.*?)\)", portfile, re.S)
mapped = dict(re.findall(r"^\s*([a-z0-9-]+)\s+(CISTERN_[A-Z0-9_]+)\s*$", fc.group(1), re.M)) if fc else {}
check(set(mapped) == features, f"{port}/portfile.cmake: vcpkg_check_features maps {sorted(mapped)}, "
                               f"vcpkg.json has features {sorted(features)}")
check("-DCISTERN_WITH_CLI=OFF" in portfile or "cli" not in all_components,
      f"{port}/portfile.cmake: does not pass -DCISTERN_WITH_CLI=OFF")
for opt in set(re.findall(r"CISTERN_[A-Z0-9_]+", portfile)):
    check(opt in cmake_options, f"{port}/portfile.cmake: passes {opt}, which CMakeLists.txt does not define")

# --- the license itself -------------------------------------------------------------------
check(read("LICENSE").startswith("MIT License"), "LICENSE: not the MIT license text")

for p in problems:
    print("recipes:", p)
if problems:
    print(f"recipes: {len(problems)} problem(s) in {checks} checks")
    sys.exit(1)
print(f"recipes: {checks} checks passed")
