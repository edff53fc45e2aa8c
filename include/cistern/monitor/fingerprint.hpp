#pragma once
/// \file
/// `cistern::fingerprint`: the monitor's name for sql::fingerprint_of (one text per
/// statement shape, so that `WHERE id = 7` and `where id=8` are counted as one statement).
/// The lexer and the rules are those of the one SQL front-end, cistern/sql/.

#include <cistern/sql/dialect.hpp>
#include <cistern/sql/fingerprint.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cistern {

/// The result of fingerprinting one statement.
struct statement_fingerprint {
    std::string text;           ///< normalized text, literals and parameters as `?`
    std::uint64_t hash = 0;     ///< 64-bit hash of `text`
    std::size_t parameters = 0; ///< placeholders in the original text ($1, ?, :name)
};

/// Fingerprints one SQL statement with the rules of sql::fingerprint_of (generic dialect
/// unless `d` says otherwise). Never throws except std::bad_alloc; linear in `sql`.
inline statement_fingerprint fingerprint(std::string_view sql, sql::dialect d = sql::dialect::generic) {
    sql::fingerprint f = sql::fingerprint_of(sql, d);
    return statement_fingerprint{std::move(f.normalized), f.hash, f.parameters};
}

} // namespace cistern
