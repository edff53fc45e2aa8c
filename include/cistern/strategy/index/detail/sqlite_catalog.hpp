#pragma once
/// \file
/// Reading SQLite's catalog and EXPLAIN QUERY PLAN for the index strategies.

#include <cistern/adapter/sqlite/connection.hpp>
#include <cistern/error.hpp>
#include <cistern/strategy/index/candidate.hpp>
#include <cistern/value.hpp>

#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>

#include <array>
#include <cctype>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::strategy::index::detail {

/// ASCII lower case: SQLite matches identifiers case-insensitively.
inline std::string fold(std::string_view s) {
    std::string r(s);
    for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return r;
}

/// Every index of the main schema with its key columns, uniqueness and partial predicate.
/// Names are folded to lower case so they compare with statement text.
inline std::vector<existing_index> sqlite_indexes(cistern::sqlite::connection& c) {
    std::vector<existing_index> out;
    auto list = c.query("SELECT m.tbl_name, il.name, il.\"unique\", il.origin, il.partial, m2.sql "
                        "FROM sqlite_master m, pragma_index_list(m.name) il "
                        "LEFT JOIN sqlite_master m2 ON m2.type = 'index' AND m2.name = il.name "
                        "WHERE m.type = 'table'");
    for (auto r : list) {
        existing_index e;
        e.table = fold(r.get<std::string>(0));
        e.name = r.get<std::string>(1);
        e.unique = r.get<std::int64_t>(2) != 0;
        e.primary = r.get<std::string>(3) == "pk";
        if (r.get<std::int64_t>(4) != 0 && !r.is_null(5)) {
            const auto sql = r.get<std::string>(5);
            // The predicate is what follows the last top-level WHERE of CREATE INDEX.
            const auto folded = fold(sql);
            const auto w = folded.rfind(" where ");
            e.predicate = w == std::string::npos ? sql : sql.substr(w + 7);
        }
        std::array<value, 1> arg{value{e.name}};
        auto cols = c.query("SELECT name FROM pragma_index_info(?) ORDER BY seqno", std::span<const value>(arg));
        for (auto col : cols) e.columns.push_back(col.is_null(0) ? std::string("<expression>") : fold(col.get<std::string>(0)));
        out.push_back(std::move(e));
    }
    return out;
}

/// The `detail` lines of EXPLAIN QUERY PLAN for `sql`, one per line. Parameters stay
/// unbound (the plan is the generic one SQLite makes before seeing values).
inline std::string explain_query_plan(cistern::sqlite::connection& c, std::string_view sql) {
    try {
        SQLite::Statement st(c.native(), "EXPLAIN QUERY PLAN " + std::string(sql));
        std::string out;
        while (st.executeStep()) {
            out += st.getColumn(3).getString();
            out += '\n';
        }
        return out;
    } catch (const SQLite::Exception& e) {
        throw query_error(std::string("sqlite: EXPLAIN QUERY PLAN failed: ") + e.what(), e.getExtendedErrorCode());
    }
}

/// Size in bytes of a table or index when SQLite has the dbstat virtual table.
inline std::optional<std::int64_t> sqlite_object_size(cistern::sqlite::connection& c, const std::string& name) {
    try {
        std::array<value, 1> arg{value{name}};
        auto rs = c.query("SELECT sum(pgsize) FROM dbstat WHERE name = ?", std::span<const value>(arg));
        if (rs.size() == 1 && !rs[0].is_null(0)) return rs.scalar<std::int64_t>();
    } catch (const query_error&) {
    }
    return std::nullopt;
}

} // namespace cistern::strategy::index::detail
