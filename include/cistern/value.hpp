#pragma once
/// \file
/// `cistern::value`: one SQL value (NULL, integer, real, text or blob), the unit that
/// statement parameters and result cells share across adapters, caches and monitors.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace cistern {

/// Binary data (SQLite BLOB, PostgreSQL bytea).
using blob = std::vector<std::byte>;

/// SQL NULL.
struct null_t {
    friend constexpr bool operator==(null_t, null_t) noexcept { return true; }
    friend constexpr auto operator<=>(null_t, null_t) noexcept = default;
};
/// The SQL NULL value (`value v = cistern::null;`).
inline constexpr null_t null{};

/// One SQL value. Booleans are stored as integers 0/1; timestamps as ISO-8601 text.
using value = std::variant<null_t, std::int64_t, double, std::string, blob>;

/// True when `v` holds SQL NULL.
inline bool is_null(const value& v) noexcept { return std::holds_alternative<null_t>(v); }

namespace detail {
template <class T> struct is_optional : std::false_type {};
template <class T> struct is_optional<std::optional<T>> : std::true_type {};
} // namespace detail

/// Converts a C++ argument to a cistern::value: integers (and bool), floating point,
/// strings, blobs, std::nullopt / cistern::null, and std::optional of these.
template <class T>
value to_value(T&& x) {
    using U = std::remove_cvref_t<T>;
    if constexpr (std::is_same_v<U, value>) {
        return std::forward<T>(x);
    } else if constexpr (std::is_same_v<U, null_t> || std::is_same_v<U, std::nullopt_t>) {
        return null;
    } else if constexpr (detail::is_optional<U>::value) {
        if (!x) return null;
        return to_value(*std::forward<T>(x));
    } else if constexpr (std::is_same_v<U, bool>) {
        return std::int64_t{x ? 1 : 0};
    } else if constexpr (std::is_integral_v<U>) {
        return static_cast<std::int64_t>(x);
    } else if constexpr (std::is_floating_point_v<U>) {
        return static_cast<double>(x);
    } else if constexpr (std::is_same_v<U, blob>) {
        return std::forward<T>(x);
    } else if constexpr (std::is_convertible_v<T, std::string_view>) {
        return std::string(std::string_view(x));
    } else {
        static_assert(sizeof(U) == 0,
                      "cistern::to_value: unsupported parameter type (use an integer, floating point, "
                      "string, cistern::blob, std::optional or cistern::null)");
    }
}

/// A short, human-readable rendering of a value, for diagnostics and reports.
inline std::string to_display_string(const value& v) {
    struct visitor {
        std::string operator()(null_t) const { return "NULL"; }
        std::string operator()(std::int64_t i) const { return std::to_string(i); }
        std::string operator()(double d) const { return std::to_string(d); }
        std::string operator()(const std::string& s) const { return "'" + s + "'"; }
        std::string operator()(const blob& b) const { return "<blob " + std::to_string(b.size()) + " bytes>"; }
    };
    return std::visit(visitor{}, v);
}

} // namespace cistern
