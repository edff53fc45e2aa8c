#pragma once
/// \file
/// `cistern::strategy::index::postgres_unused`: indexes PostgreSQL has (almost) never scanned.

#include <cistern/error.hpp>
#include <cistern/strategy/concepts.hpp>
#include <cistern/strategy/detail/postgres_quote.hpp>
#include <cistern/strategy/index/advice.hpp>
#include <cistern/strategy/index/detail/postgres_catalog.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cistern::strategy::index {

/// Options of postgres_unused.
struct postgres_unused_options {
    /// The schema whose indexes are considered.
    std::string schema = "public";
    std::int64_t max_scans = 0;      ///< an index scanned at most this often counts as unused
    std::int64_t min_size_bytes = 0; ///< ignore smaller indexes
    bool concurrently = true;        ///< recommend DROP INDEX CONCURRENTLY
};

/// Proposes dropping indexes whose idx_scan (since the statistics were last reset: the time
/// is in every reason and in the notes) is at most max_scans, largest first. An unused index
/// that enforces a constraint (primary key, unique, exclusion) or is unique, or that serves a
/// foreign key's referencing side (its checks and the referenced table's ON DELETE/UPDATE
/// scan it, however rarely they run), is listed in advice::kept with why, never as droppable.
/// Statistics are per server: an index used only on a replica looks unused here.
class postgres_unused {
public:
    /// Throws config_error (naming the field and value) when max_scans or min_size_bytes is negative.
    explicit postgres_unused(postgres_unused_options o = {}) : o_(std::move(o)) {
        if (o_.max_scans < 0) throw config_error("postgres_unused_options::max_scans", std::to_string(o_.max_scans), "must not be negative");
        if (o_.min_size_bytes < 0)
            throw config_error("postgres_unused_options::min_size_bytes", std::to_string(o_.min_size_bytes), "must not be negative");
    }

    /// The unused indexes of the schema, largest first, as drop recommendations, the unused
    /// ones kept on purpose in `kept`, and a note saying since when the statistics count.
    /// Reads the catalog only: changes nothing. Throws query_error when a catalog query fails.
    template <StrategyConnection C>
        requires cistern::strategy::detail::postgres_native<C>
    index::advice advise(C& c) const {
        using cistern::strategy::detail::quote_postgres_identifier;
        index::advice out;
        auto reset = c.query("SELECT d.stats_reset::text, date_trunc('second', now() - d.stats_reset)::text, "
                             "pg_postmaster_start_time()::text FROM pg_stat_database d WHERE d.datname = current_database()");
        std::string since = "an unknown time";
        if (reset.size() == 1) {
            since = reset[0].is_null(0) ? "statistics began (never reset; server started " + reset[0].template get<std::string>(2) + ")"
                                        : reset[0].template get<std::string>(0) + " (" + reset[0].template get<std::string>(1) + " ago)";
        }
        auto list = [](const std::vector<std::string>& v) {
            std::string s;
            for (auto& x : v) s += (s.empty() ? "" : ", ") + x;
            return s;
        };
        auto all = detail::postgres_indexes(c, o_.schema);
        std::stable_sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.size_bytes > b.size_bytes; });
        for (auto& e : all) {
            if (e.scans > o_.max_scans || e.size_bytes < o_.min_size_bytes) continue;
            if (e.attached) continue; // judged, and dropped, through its partitioned parent index
            recommendation r;
            r.what = recommendation::action::drop;
            r.table = e.table;
            r.columns = e.columns;
            r.index_name = e.name;
            r.size_bytes = e.size_bytes;
            r.scans = e.scans;
            const std::string seen = "index " + e.name + " on " + e.table + " was scanned " + std::to_string(e.scans) +
                                     " time(s) since " + since + " and takes " + std::to_string(e.size_bytes) + " bytes";
            if (e.unique || e.primary || e.constraint) {
                r.backs = e.constraints;
                r.reason = seen + ", but it enforces " + (e.constraints.empty() ? std::string("uniqueness") : "constraint " + list(e.constraints)) +
                           ": not droppable";
                out.kept.push_back(std::move(r));
                continue;
            }
            if (!e.foreign_keys.empty()) {
                r.backs = e.foreign_keys;
                r.reason = seen + ", but it serves foreign key " + list(e.foreign_keys) +
                           ": the key's checks and ON DELETE/UPDATE of the referenced rows use it whenever they run "
                           "(without it each is a sequential scan of " + e.table + ")";
                out.kept.push_back(std::move(r));
                continue;
            }
            // PostgreSQL cannot drop a partitioned index CONCURRENTLY.
            r.sql = std::string("DROP INDEX ") + (o_.concurrently && !e.partitioned ? "CONCURRENTLY " : "") + "IF EXISTS " +
                    quote_postgres_identifier(c.native(), o_.schema) + "." + quote_postgres_identifier(c.native(), e.name);
            r.reason = seen;
            out.items.push_back(std::move(r));
        }
        out.notes.push_back("index scan counts are since " + since + " and cover this server only, not replicas");
        return out;
    }

private:
    postgres_unused_options o_;
};

} // namespace cistern::strategy::index
