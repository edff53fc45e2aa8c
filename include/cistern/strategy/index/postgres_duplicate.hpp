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

/// Proposes dropping a non-unique, non-constraint index whose key columns are a prefix of
/// (or equal to) another valid index's on the same table with the same access method and
/// the same partial predicate. Of two identical ones the greater name goes.
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
        for (std::size_t a = 0; a < all.size(); ++a) {
            const auto& x = all[a];
            if (x.unique || x.primary || x.constraint || !x.valid || x.attached) continue; // attached: see its parent
            if (std::find(x.columns.begin(), x.columns.end(), "<expression>") != x.columns.end()) continue;
            for (std::size_t b = 0; b < all.size(); ++b) {
                const auto& y = all[b];
                if (a == b || gone[b] || !y.valid || y.table != x.table || y.method != x.method || y.predicate != x.predicate) continue;
                if (x.columns.size() > y.columns.size() || !std::equal(x.columns.begin(), x.columns.end(), y.columns.begin())) continue;
                const bool identical = x.columns.size() == y.columns.size();
                if (identical && !y.unique && !y.primary && !y.constraint && x.name < y.name) continue;
                recommendation r;
                r.what = recommendation::action::drop;
                r.table = x.table;
                r.columns = x.columns;
                r.index_name = x.name;
                r.size_bytes = x.size_bytes;
                // PostgreSQL cannot drop a partitioned index CONCURRENTLY.
                r.sql = std::string("DROP INDEX ") + (concurrently_ && !x.partitioned ? "CONCURRENTLY " : "") + "IF EXISTS " +
                        quote_postgres_identifier(c.native(), schema_) + "." + quote_postgres_identifier(c.native(), x.name);
                r.reason = (identical ? "same columns (" + list(x.columns) + ") as " + y.name
                                      : "its columns (" + list(x.columns) + ") lead " + y.name + " (" + list(y.columns) + ")") +
                           ", same method " + x.method + (x.predicate.empty() ? std::string{} : " and predicate") +
                           "; frees " + std::to_string(x.size_bytes) + " bytes";
                out.items.push_back(std::move(r));
                gone[a] = true;
                break;
            }
        }
        return out;
    }

private:
    std::string schema_;
    bool concurrently_;
};

} // namespace cistern::strategy::index
