#pragma once
/// \file
/// `cistern::strategy::index::postgres_duplicate`: PostgreSQL indexes made redundant by another.

#include <cistern/strategy/concepts.hpp>
#include <cistern/strategy/detail/postgres_quote.hpp>
#include <cistern/strategy/index/advice.hpp>
#include <cistern/strategy/index/detail/postgres_catalog.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace cistern::strategy::index {

/// Proposes dropping an index that another valid index of the same table serves entirely:
/// same access method and partial predicate, the same key columns or expressions with the
/// same operator classes, collations and orderings — as a leading prefix for B-trees,
/// identical for other methods — and every INCLUDE column of the dropped one present in the
/// other (so a covering index is never dropped for a plain one). Of two identical indexes the
/// one that backs a constraint stays, then the older one (lower OID). An index that enforces
/// a primary key, unique or exclusion constraint, or is unique, is never proposed.
class postgres_duplicate {
public:
    /// Looks in `schema`; recommends `DROP INDEX CONCURRENTLY` when `concurrently` is true.
    explicit postgres_duplicate(std::string schema = "public", bool concurrently = true)
        : schema_(std::move(schema)), concurrently_(concurrently) {}

    /// The duplicate indexes of the schema, as drop recommendations. Reads the catalog only:
    /// changes nothing. Throws query_error when a catalog query fails.
    template <StrategyConnection C>
        requires cistern::strategy::detail::postgres_native<C>
    index::advice advise(C& c) const {
        using cistern::strategy::detail::quote_postgres_identifier;
        index::advice out;
        const auto all = detail::postgres_indexes(c, schema_);
        std::vector<bool> gone(all.size(), false);
        auto list = [](const std::vector<std::string>& v) {
            std::string s;
            for (auto& col : v) s += (s.empty() ? "" : ", ") + col;
            return s;
        };
        auto keeps = [](const detail::postgres_index& i) { return i.unique || i.primary || i.constraint; };
        for (std::size_t a = 0; a < all.size(); ++a) {
            const auto& x = all[a];
            if (keeps(x) || !x.valid || x.attached) continue; // attached: judged through its parent
            for (std::size_t b = 0; b < all.size(); ++b) {
                const auto& y = all[b];
                if (a == b || gone[b] || !y.valid || y.attached || !serves(y, x)) continue;
                const bool identical = serves(x, y);
                // Of two identical ones, keep the one backing a constraint, then the older.
                if (identical && !keeps(y) && x.oid < y.oid) continue;
                recommendation r;
                r.what = recommendation::action::drop;
                r.table = x.table;
                r.columns = x.columns;
                r.index_name = x.name;
                r.size_bytes = x.size_bytes;
                // PostgreSQL cannot drop a partitioned index CONCURRENTLY.
                r.sql = std::string("DROP INDEX ") + (concurrently_ && !x.partitioned ? "CONCURRENTLY " : "") + "IF EXISTS " +
                        quote_postgres_identifier(c.native(), schema_) + "." + quote_postgres_identifier(c.native(), x.name);
                std::string why = identical ? "same key (" + list(x.columns) + ") as " + y.name
                                            : "its key (" + list(x.columns) + ") leads " + y.name + " (" + list(y.columns) + ")";
                why += " with the same operator classes, collations and orderings, method " + x.method;
                if (!x.predicate.empty()) why += ", predicate " + x.predicate;
                if (!x.include.empty()) why += ", and " + y.name + " holds its INCLUDE columns (" + list(x.include) + ")";
                if (identical)
                    why += keeps(y) ? "; " + y.name + " stays because it backs " + (y.constraints.empty() ? std::string("uniqueness") : list(y.constraints))
                                    : "; " + y.name + " stays because it is older (lower OID)";
                if (!x.foreign_keys.empty()) why += "; " + y.name + " serves its foreign key(s) " + list(x.foreign_keys) + " too";
                why += "; frees " + std::to_string(x.size_bytes) + " bytes (" + y.definition + ")";
                r.reason = std::move(why);
                out.items.push_back(std::move(r));
                gone[a] = true;
                break;
            }
        }
        return out;
    }

    /// True when index `y` serves every lookup index `x` serves (see the class comment).
    static bool serves(const detail::postgres_index& y, const detail::postgres_index& x) {
        if (y.table != x.table || y.method != x.method || y.predicate != x.predicate) return false;
        const std::size_t n = x.columns.size();
        if (n == 0 || n > y.columns.size() || (x.method != "btree" && n != y.columns.size())) return false;
        if (x.key_options.size() < n || y.key_options.size() < n) return false;
        for (std::size_t i = 0; i < n; ++i)
            if (x.columns[i] != y.columns[i] || x.key_options[i] != y.key_options[i]) return false;
        for (auto& inc : x.include)
            if (std::find(y.columns.begin(), y.columns.end(), inc) == y.columns.end() &&
                std::find(y.include.begin(), y.include.end(), inc) == y.include.end())
                return false;
        return true;
    }

private:
    std::string schema_;
    bool concurrently_;
};

} // namespace cistern::strategy::index
