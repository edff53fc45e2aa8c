#pragma once
/// \file
/// `cistern::strategy::index::postgres_unused`: indexes PostgreSQL has (almost) never scanned.

#include <cistern/error.hpp>
#include <cistern/strategy/concepts.hpp>
#include <cistern/strategy/detail/postgres_quote.hpp>
#include <cistern/strategy/index/advice.hpp>
#include <cistern/strategy/index/detail/postgres_catalog.hpp>

#include <cstdint>
#include <string>
#include <utility>

namespace cistern::strategy::index {

/// Options of postgres_unused.
struct postgres_unused_options {
    /// The schema whose indexes are considered.
    std::string schema = "public";
    std::int64_t max_scans = 0;      ///< an index scanned at most this often counts as unused
    std::int64_t min_size_bytes = 0; ///< ignore smaller indexes
    bool concurrently = true;        ///< recommend DROP INDEX CONCURRENTLY
};

/// Proposes dropping non-unique, non-constraint indexes whose idx_scan (since the
/// statistics were last reset; see the note in the advice) is at most max_scans, largest
/// first. Statistics are per server: an index used only on a replica looks unused here.
class postgres_unused {
public:
    /// Throws config_error (naming the field and value) when max_scans or min_size_bytes is negative.
    explicit postgres_unused(postgres_unused_options o = {}) : o_(std::move(o)) {
        if (o_.max_scans < 0) throw config_error("postgres_unused_options::max_scans", std::to_string(o_.max_scans), "must not be negative");
        if (o_.min_size_bytes < 0)
            throw config_error("postgres_unused_options::min_size_bytes", std::to_string(o_.min_size_bytes), "must not be negative");
    }

    /// The unused indexes of the schema, largest first, as drop recommendations (with a note
    /// saying since when the statistics count). Reads the catalog only: changes nothing.
    /// Throws query_error when a catalog query fails.
    template <StrategyConnection C>
        requires cistern::strategy::detail::postgres_native<C>
    index::advice advise(C& c) const {
        using cistern::strategy::detail::quote_postgres_identifier;
        index::advice out;
        auto all = detail::postgres_indexes(c, o_.schema);
        std::stable_sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.size_bytes > b.size_bytes; });
        for (auto& e : all) {
            if (e.unique || e.primary || e.constraint || e.scans > o_.max_scans || e.size_bytes < o_.min_size_bytes) continue;
            if (e.attached) continue; // judged, and dropped, through its partitioned parent index
            recommendation r;
            r.what = recommendation::action::drop;
            r.table = e.table;
            r.columns = e.columns;
            r.index_name = e.name;
            r.size_bytes = e.size_bytes;
            r.scans = e.scans;
            // PostgreSQL cannot drop a partitioned index CONCURRENTLY.
            r.sql = std::string("DROP INDEX ") + (o_.concurrently && !e.partitioned ? "CONCURRENTLY " : "") + "IF EXISTS " +
                    quote_postgres_identifier(c.native(), o_.schema) + "." + quote_postgres_identifier(c.native(), e.name);
            r.reason = "index " + e.name + " on " + e.table + " was scanned " + std::to_string(e.scans) +
                       " time(s) since the statistics reset and takes " + std::to_string(e.size_bytes) + " bytes";
            out.items.push_back(std::move(r));
        }
        auto reset = c.query("SELECT coalesce(stats_reset::text, 'never') FROM pg_stat_database WHERE datname = current_database()");
        out.notes.push_back("index scan counts are since the statistics reset (" +
                            (reset.size() == 1 ? reset.template scalar<std::string>() : std::string("unknown")) +
                            ") and cover this server only, not replicas");
        return out;
    }

private:
    postgres_unused_options o_;
};

} // namespace cistern::strategy::index
