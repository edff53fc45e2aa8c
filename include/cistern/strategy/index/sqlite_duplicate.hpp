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

/// Proposes dropping a non-unique index whose key is a leading prefix of (or equal to)
/// another index's on the same table: the same columns or expressions with the same
/// collations and orderings, and the same partial predicate (compared normalized). Of two
/// identical indexes the one that enforces a constraint stays, then the older one (created
/// first). Unique and primary-key indexes are never proposed. (SQLite has one index method,
/// the B-tree.)
class sqlite_duplicate {
public:
    /// The duplicate indexes of the database, as drop recommendations. Reads the schema only:
    /// changes nothing. Throws query_error when reading it fails.
    index::advice advise(cistern::sqlite::connection& c) const {
        index::advice out;
        const auto all = detail::sqlite_indexes(c);
        std::vector<bool> gone(all.size(), false);
        auto list = [](const std::vector<std::string>& v) {
            std::string s;
            for (auto& col : v) s += (s.empty() ? "" : ", ") + col;
            return s;
        };
        auto keeps = [](const detail::sqlite_index& i) { return i.unique || i.primary || i.constraint; };
        for (std::size_t a = 0; a < all.size(); ++a) {
            const auto& x = all[a];
            if (keeps(x)) continue;
            for (std::size_t b = 0; b < all.size(); ++b) {
                const auto& y = all[b];
                if (a == b || gone[b] || !serves(y, x)) continue;
                const bool identical = serves(x, y);
                if (identical && !keeps(y) && x.age < y.age) continue; // the older one stays
                recommendation r;
                r.what = recommendation::action::drop;
                r.table = x.table;
                r.columns = x.columns;
                r.index_name = x.name;
                r.sql = "DROP INDEX " + cistern::strategy::detail::quote_sqlite_identifier(x.name);
                r.size_bytes = detail::sqlite_object_size(c, x.name);
                r.reason = (identical ? "same key (" + list(x.columns) + ") as " + y.name
                                      : "its key (" + list(x.columns) + ") leads " + y.name + " (" + list(y.columns) + ")") +
                           " with the same collations and orderings" +
                           (x.predicate.empty() ? std::string{} : " and the same predicate") + ", which serves every lookup it serves" +
                           (identical ? (keeps(y) ? "; " + y.name + " stays because it enforces a constraint"
                                                  : "; " + y.name + " stays because it is older")
                                      : std::string{});
                out.items.push_back(std::move(r));
                gone[a] = true;
                break;
            }
        }
        return out;
    }

    /// True when index `y` serves every lookup index `x` serves (see the class comment).
    static bool serves(const detail::sqlite_index& y, const detail::sqlite_index& x) {
        if (y.table != x.table || y.predicate != x.predicate) return false;
        const std::size_t n = x.columns.size();
        if (n == 0 || n > y.columns.size() || x.key_options.size() < n || y.key_options.size() < n) return false;
        for (std::size_t i = 0; i < n; ++i)
            if (x.columns[i] != y.columns[i] || x.key_options[i] != y.key_options[i]) return false;
        return true;
    }
};

} // namespace cistern::strategy::index
