#pragma once
/// \file
/// PostgreSQL's identifier length limit (NAMEDATALEN - 1 = 63 bytes) for names a strategy
/// derives from a user's name: validation up front, and derived names (partitions, indexes,
/// helper tables) that always fit and never collide. Pure functions, no database.

#include <cistern/error.hpp>
#include <cistern/sql/fingerprint.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace cistern::strategy::detail {

/// The longest identifier PostgreSQL keeps (a longer one is silently truncated to this many
/// bytes, which is how two derived names end up equal).
inline constexpr std::size_t postgres_max_identifier = 63;

/// Bytes of the longest prefix of `s` that fits in `limit` bytes without cutting a UTF-8
/// sequence (the cut lands before a lead byte, never on a continuation byte).
inline std::size_t utf8_prefix_bytes(std::string_view s, std::size_t limit) noexcept {
    if (s.size() <= limit) return s.size();
    std::size_t n = limit;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return n;
}

/// Throws config_error (naming `field`) when `name` cannot be a PostgreSQL identifier as
/// given: empty, longer than 63 bytes (PostgreSQL would truncate it and then address a
/// different relation than the one configured) or containing a NUL byte.
inline void check_postgres_identifier(const std::string& field, std::string_view name) {
    if (name.empty()) throw config_error(field, "\"\"", "empty identifier");
    if (name.find('\0') != std::string_view::npos)
        throw config_error(field, std::string(name.substr(0, name.find('\0'))), "contains a NUL byte");
    if (name.size() > postgres_max_identifier)
        throw config_error(field, std::string(name),
                           std::to_string(name.size()) + " bytes; PostgreSQL identifiers are at most 63 bytes "
                           "(a longer name is truncated by the server)");
}

/// `base + suffix` when it fits in 63 bytes; otherwise `base` cut at a character boundary,
/// `_`, 8 hex digits of a hash of the whole `base`, then `suffix`, in exactly as many bytes
/// as fit. Distinct suffixes give distinct names for one base (the suffix is never cut), and
/// two long bases sharing their first bytes still differ by their hash. Throws config_error
/// when `suffix` leaves fewer than 8 bytes of `base` (the caller's suffix is too long).
inline std::string postgres_derived_name(std::string_view base, std::string_view suffix) {
    if (base.size() + suffix.size() <= postgres_max_identifier) return std::string(base) + std::string(suffix);
    constexpr std::size_t hash_bytes = 9; // '_' + 8 hex digits
    if (suffix.size() + hash_bytes + 8 > postgres_max_identifier)
        throw config_error("derived identifier suffix", std::string(suffix), "too long to fit a 63-byte name");
    const std::size_t keep = utf8_prefix_bytes(base, postgres_max_identifier - suffix.size() - hash_bytes);
    return std::string(base.substr(0, keep)) + "_" + sql::fingerprint_id(sql::detail::fnv1a(base)).substr(0, 8) +
           std::string(suffix);
}

} // namespace cistern::strategy::detail
