#pragma once
/// \file
/// `cistern::strategy::index::sqlite_duplicate`: SQLite indexes made redundant by another.

#include <cistern/adapter/sqlite/connection.hpp>
#include <cistern/strategy/detail/quote.hpp>
#include <cistern/strategy/index/advice.hpp>
#include <cistern/strategy/index/candidate.hpp>
#include <cistern/strategy/index/detail/sqlite_catalog.hpp>

#include <algorithm>
#include <string>
#include <vector>

namespace cistern::strategy::index {

/// Proposes dropping a non-unique index whose key columns are a prefix of (or equal to)
/// another index's on the same table with the same partial predicate. Of two identical
/// indexes the one with the greater name is dropped. Unique and primary-key indexes enforce
/// constraints and are never proposed. (SQLite has one index method, the B-tree.)
class sqlite_duplicate {
public:
    /// The duplicate indexes of the database, as drop recommendations. Reads the schema only:
    /// changes nothing. Throws query_error when reading it fails.
    index::advice advise(cistern::sqlite::connection& c) const {
        index::advice out;
        const auto all = detail::sqlite_indexes(c);
        std::vector<bool> gone(all.size(), false);
        for (std::size_t a = 0; a < all.size(); ++a) {
            const auto& x = all[a];
            if (x.unique || x.primary) continue;
            for (std::size_t b = 0; b < all.size(); ++b) {
                const auto& y = all[b];
                if (a == b || gone[b] || y.table != x.table || y.predicate != x.predicate) continue;
                if (x.columns.size() > y.columns.size() || !std::equal(x.columns.begin(), x.columns.end(), y.columns.begin()))
                    continue;
                const bool identical = x.columns.size() == y.columns.size();
                if (identical && !y.unique && !y.primary && x.name < y.name) continue; // drop the later-named one
                if (std::find(x.columns.begin(), x.columns.end(), "<expression>") != x.columns.end()) continue;
                recommendation r;
                r.what = recommendation::action::drop;
                r.table = x.table;
                r.columns = x.columns;
                r.index_name = x.name;
                r.sql = "DROP INDEX " + cistern::strategy::detail::quote_sqlite_identifier(x.name);
                r.size_bytes = detail::sqlite_object_size(c, x.name);
                auto list = [](const std::vector<std::string>& v) {
                    std::string s;
                    for (auto& col : v) s += (s.empty() ? "" : ", ") + col;
                    return s;
                };
                r.reason = (identical ? "same columns (" + list(x.columns) + ") as " + y.name
                                      : "its columns (" + list(x.columns) + ") lead " + y.name + " (" + list(y.columns) + ")") +
                           (x.predicate.empty() ? std::string{} : " with the same predicate") + ", which serves every lookup it serves";
                out.items.push_back(std::move(r));
                gone[a] = true;
                break;
            }
        }
        return out;
    }
};

} // namespace cistern::strategy::index
