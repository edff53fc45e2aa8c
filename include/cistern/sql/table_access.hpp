#pragma once
/// \file
/// `cistern::sql::table_access`: which tables one statement reads and writes, and whether
/// that answer is certain, as a database adapter (or the scanner fallback) reports it.

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace cistern::sql {

/// Where a table_access came from (the "source of truth" of the answer).
enum class table_source {
    parser,     ///< the database's own grammar (libpg_query) plus its catalog (PostgreSQL)
    authorizer, ///< the database's statement compiler (SQLite's authorizer callback)
    scanner     ///< cistern's lexer and a clause scanner (no database asked; see scan_tables)
};

/// The tables one statement reads and writes.
///
/// Names are qualified where the source knows the schema ("public.users", "main.users"),
/// spelled as the database stores them (PostgreSQL: exact case, quotes removed; SQLite:
/// lower case, since SQLite compares table names without regard to ASCII case). A name
/// without a schema means "whichever table this name resolves to".
struct table_access {
    std::vector<std::string> read;    ///< base tables read (views expanded where the source can)
    std::vector<std::string> written; ///< tables written: INSERT, UPDATE, DELETE, MERGE, TRUNCATE, DDL
    /// False when the lists may miss a table (a function that may read anything, a
    /// statement the source could not read, ...); `reason` says why.
    bool certain = true;
    /// True for a read that locks rows (SELECT ... FOR UPDATE / FOR SHARE): never cached.
    bool locks_rows = false;
    /// True when the result depends on more than the tables (a volatile function such as
    /// random()): never cached.
    bool volatile_result = false;
    std::string reason;               ///< why the answer is uncertain or not cacheable ("" when neither)
    table_source source = table_source::scanner; ///< what found the tables

    /// True when the statement writes nothing and the source knows of no write.
    bool read_only() const noexcept { return written.empty(); }

    /// Why a cache must not keep this statement's result, or nothing when it may (a
    /// certain, read-only, non-locking read of at least one table, whose result depends
    /// only on those tables).
    std::optional<std::string> refusal() const {
        if (locks_rows) return reason.empty() ? std::string("the statement locks rows (FOR UPDATE / FOR SHARE)") : reason;
        if (volatile_result) return reason.empty() ? std::string("the result depends on a volatile function") : reason;
        if (!certain) return reason.empty() ? std::string("its tables cannot be determined") : reason;
        if (!written.empty()) return std::string("the statement writes (") + written.front() + ")";
        if (read.empty()) return std::string("the statement reads no table");
        return std::nullopt;
    }

    /// Adds `name` to `list` unless it is there already.
    static void add(std::vector<std::string>& list, std::string name) {
        if (std::find(list.begin(), list.end(), name) == list.end()) list.push_back(std::move(name));
    }
    /// Marks the answer uncertain with `why` (the first reason is kept).
    void uncertain(std::string why) {
        if (certain && !locks_rows && !volatile_result) reason = std::move(why);
        certain = false;
    }
};

} // namespace cistern::sql
