#pragma once
/// \file
/// `cistern::inspect::caching_advice`: which statements a monitor saw are worth caching,
/// for how long and at what memory cost, and why the others are not — a pure function of a
/// cistern::monitor_snapshot and the write rates of the tables
/// (cistern::inspect::table_write_rates).
///
/// The model, per read statement (all figures over the window the snapshot covers):
///  - λ = calls / window, the statement's calls per second; m = its mean latency.
///  - k = the distinct results it has (one per parameter and literal combination): 1 when
///    its fingerprint has no placeholder, else the caller's measured count, else
///    caching_advice_options::assumed_distinct_entries (marked as assumed).
///  - w = the sum of the write rates of the tables it reads: a write to any of them
///    invalidates all its entries (the query cache tags entries with the tables they read).
///  - TTL = 1 / w bounded by [min_ttl, max_ttl] (max_ttl when the tables are not written).
///  - An entry is dropped by a write (rate w) or by its TTL (treated as rate 1 / TTL); its
///    key is asked for at r = λ / k. Between two drops one call misses and r / (w + 1/TTL)
///    calls hit on average, so the achievable hit ratio is h = r / (r + w + 1/TTL).
///  - Saving: λ · m · h seconds of database time per second (and λ · h queries per second).
///  - Cost: bytes per result (measured, else mean rows per call × estimated_row_bytes, at
///    least one row) × the entries held at once, min(k, max(1, λ · TTL)).
/// Statements are ranked by saving; recommended greedily in that order while the memory
/// budget lasts. The model assumes independent (Poisson) calls and writes: bursts of calls
/// after a write do better, keys with skewed popularity do better than uniform ones.

#include <cistern/error.hpp>
#include <cistern/inspect/check_result.hpp>
#include <cistern/inspect/table_write_rates.hpp>
#include <cistern/monitor/snapshot.hpp>
#include <cistern/sql/scan_tables.hpp>
#include <cistern/sql/table_access.hpp>
#include <cistern/value.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::inspect {

/// Why a statement is, or is not, recommended for caching.
enum class caching_reason : std::uint8_t {
    recommended,           ///< worth caching: recommend it
    not_a_read,            ///< it writes, or is not a query (BEGIN, SET, DDL, ...)
    locks_rows,            ///< SELECT ... FOR UPDATE / FOR SHARE
    volatile_result,       ///< reads a volatile function (random(), now(), nextval(), ...)
    unknown_tables,        ///< the tables it reads cannot be determined with certainty
    no_tables,             ///< reads no table (nothing to invalidate it by, nothing to save)
    unknown_write_rate,    ///< a table it reads has no write rate in the input
    too_few_calls,         ///< fewer calls per second than min_calls_per_second
    already_fast,          ///< mean latency below min_mean_latency
    results_too_large,     ///< one result is larger than max_result_bytes
    tables_change_too_often, ///< writes to its tables keep the hit ratio below min_hit_ratio
    rarely_repeated,       ///< too many distinct results for each to repeat before it expires
    over_memory_budget     ///< would be worth it, but the statements ranked above use the budget
};

/// Stable lower-case name of a reason ("recommended", "tables_change_too_often", ...).
inline const char* to_string(caching_reason r) noexcept {
    switch (r) {
    case caching_reason::recommended: return "recommended";
    case caching_reason::not_a_read: return "not_a_read";
    case caching_reason::locks_rows: return "locks_rows";
    case caching_reason::volatile_result: return "volatile_result";
    case caching_reason::unknown_tables: return "unknown_tables";
    case caching_reason::no_tables: return "no_tables";
    case caching_reason::unknown_write_rate: return "unknown_write_rate";
    case caching_reason::too_few_calls: return "too_few_calls";
    case caching_reason::already_fast: return "already_fast";
    case caching_reason::results_too_large: return "results_too_large";
    case caching_reason::tables_change_too_often: return "tables_change_too_often";
    case caching_reason::rarely_repeated: return "rarely_repeated";
    case caching_reason::over_memory_budget: return "over_memory_budget";
    }
    return "unknown";
}

/// The numbers caching_advice() weighs statements by. Validated by validate() (called by
/// caching_advice()): a bad value throws config_error naming the field.
struct caching_advice_options {
    /// The time the snapshot's counts accumulated over (e.g. since the monitor started, or
    /// between two snapshots whose difference is passed). Required: must be > 0.
    std::chrono::duration<double> window{};
    /// Fewer calls per second than this: too_few_calls.
    double min_calls_per_second = 1.0;
    /// A mean latency below this: already_fast.
    std::chrono::nanoseconds min_mean_latency = std::chrono::milliseconds(1);
    /// An achievable hit ratio below this (in [0, 1]): tables_change_too_often or rarely_repeated.
    double min_hit_ratio = 0.5;
    /// One result larger than this: results_too_large.
    std::size_t max_result_bytes = std::size_t(1) << 20;
    /// The memory all recommendations together may use, in bytes.
    std::size_t memory_budget = std::size_t(64) << 20;
    ///@{
    /// Bounds of the TTL derived from the write interval of a statement's tables.
    std::chrono::nanoseconds min_ttl = std::chrono::seconds(1), max_ttl = std::chrono::hours(1);
    ///@}
    /// Bytes assumed per result row when a statement's result size is not measured.
    std::size_t estimated_row_bytes = 256;
    /// Distinct results assumed for a statement with parameters or literals when
    /// distinct_entries has no count for it.
    std::size_t assumed_distinct_entries = 100;
    /// Measured distinct results (parameter combinations) by fingerprint.
    std::map<std::string, std::size_t> distinct_entries;
    /// Measured bytes of one result by fingerprint (e.g. from the query cache's weigher).
    std::map<std::string, std::size_t> result_bytes;
    /// The tables a fingerprint reads, when the caller can ask the database (e.g. a
    /// connection's own table_access); empty function or std::nullopt: sql::scan_tables on
    /// the fingerprint.
    std::function<std::optional<sql::table_access>(std::string_view fingerprint)> tables;

    /// Throws config_error when a field is out of range.
    void validate() const {
        if (!(window.count() > 0.0)) throw config_error("caching_advice_options.window", std::to_string(window.count()) + " s", "must be > 0");
        if (!(min_calls_per_second >= 0.0))
            throw config_error("caching_advice_options.min_calls_per_second", std::to_string(min_calls_per_second), "must be >= 0");
        if (min_mean_latency.count() < 0)
            throw config_error("caching_advice_options.min_mean_latency", std::to_string(min_mean_latency.count()) + " ns", "must be >= 0");
        if (!(min_hit_ratio >= 0.0 && min_hit_ratio <= 1.0))
            throw config_error("caching_advice_options.min_hit_ratio", std::to_string(min_hit_ratio), "must be in [0, 1]");
        if (min_ttl.count() <= 0)
            throw config_error("caching_advice_options.min_ttl", std::to_string(min_ttl.count()) + " ns", "must be > 0");
        if (max_ttl < min_ttl)
            throw config_error("caching_advice_options.max_ttl", std::to_string(max_ttl.count()) + " ns", "must be >= min_ttl");
        if (estimated_row_bytes == 0) throw config_error("caching_advice_options.estimated_row_bytes", "0", "must be > 0");
        if (assumed_distinct_entries == 0) throw config_error("caching_advice_options.assumed_distinct_entries", "0", "must be > 0");
    }
};

/// One statement's advice.
struct caching_advice_row {
    std::size_t rank = 0;          ///< 1 = the largest estimated saving
    std::string fingerprint;       ///< the statement's fingerprint (never literal values)
    std::string operation;         ///< its operation (SELECT, INSERT, ...)
    std::vector<std::string> tables; ///< the tables it reads, as found
    bool recommend = false;        ///< cache it
    caching_reason reason = caching_reason::recommended; ///< why (not)
    std::string reason_text;       ///< the reason with its numbers
    double calls_per_second = 0.0; ///< λ
    std::chrono::nanoseconds mean_latency{}; ///< m
    double mean_rows = 0.0;        ///< rows returned per call
    std::size_t distinct_entries = 1; ///< k
    bool distinct_assumed = false; ///< k is caching_advice_options::assumed_distinct_entries
    /// w: writes per second over the tables it reads (-1: unknown).
    double write_rate = 0.0;
    double hit_ratio = 0.0;        ///< h, the achievable hit ratio (0 for a statement not weighed)
    /// λ · m · h: seconds of database time saved per second.
    double saved_seconds_per_second = 0.0;
    double queries_saved_per_second = 0.0; ///< λ · h
    std::size_t result_bytes = 0;  ///< bytes of one result
    bool result_bytes_measured = false; ///< result_bytes came from caching_advice_options::result_bytes
    std::size_t memory_bytes = 0;  ///< result_bytes × entries held at once
    std::chrono::nanoseconds ttl{}; ///< the TTL to give its entries

    /// Table column names: rank, advice, fingerprint, calls_s, mean_ms, hit_ratio, saved_ms_s, memory, ttl_s, reason.
    static std::vector<std::string> columns() {
        return {"rank", "advice", "fingerprint", "calls_s", "mean_ms", "hit_ratio", "saved_ms_s", "memory", "ttl_s", "reason"};
    }
    /// This row's cells in columns() order: "cache"/"skip", the figures (mean latency and
    /// saving in milliseconds, memory in bytes, TTL in seconds) and reason_text.
    std::vector<value> cells() const {
        return {static_cast<std::int64_t>(rank),
                std::string(recommend ? "cache" : "skip"),
                fingerprint,
                calls_per_second,
                std::chrono::duration<double, std::milli>(mean_latency).count(),
                hit_ratio,
                saved_seconds_per_second * 1000.0,
                static_cast<std::int64_t>(memory_bytes),
                std::chrono::duration<double>(ttl).count(),
                reason_text};
    }
};

namespace detail {

inline std::string ca_fixed(double v, int decimals = 2) {
    if (!std::isfinite(v)) return "-";
    const double scale = std::pow(10.0, decimals);
    const long long t = std::llround(v * scale);
    std::string s = std::to_string(t < 0 ? -t : t);
    if (decimals > 0) {
        while (s.size() <= static_cast<std::size_t>(decimals)) s.insert(0, "0");
        s.insert(s.size() - static_cast<std::size_t>(decimals), ".");
    }
    return (t < 0 ? "-" : "") + s;
}

inline bool ca_is_query(std::string_view op) noexcept {
    return op == "SELECT" || op == "VALUES" || op == "TABLE";
}

/// Placeholders (`?`) in a fingerprint: literals and parameters.
inline bool ca_has_placeholder(std::string_view fingerprint) {
    for (const auto& t : sql::tokenize(fingerprint, sql::dialect::generic))
        if (t.kind == sql::token_kind::parameter || t.kind == sql::token_kind::string || t.kind == sql::token_kind::number) return true;
    return false;
}

} // namespace detail

/// Advice for every statement of `snap` (one row each, ranked by estimated saving, those
/// never weighed last), given the tables' write rates (std::nullopt: none known — every
/// table is then treated as never written, which the notes say) and `o`. Notes: the model's
/// assumptions, the totals, and the notes of `rates`. No findings: this is advice, not
/// health. Throws config_error for bad options; otherwise only std::bad_alloc.
inline check_result<caching_advice_row> caching_advice(const monitor_snapshot& snap,
                                                        const std::optional<table_write_rates>& rates,
                                                        const caching_advice_options& o) {
    o.validate();
    check_result<caching_advice_row> r;
    const double window = o.window.count();
    const double min_ttl_s = std::chrono::duration<double>(o.min_ttl).count();
    const double max_ttl_s = std::chrono::duration<double>(o.max_ttl).count();
    std::size_t assumed = 0;

    for (const auto& st : snap.statements) {
        caching_advice_row row;
        row.fingerprint = st.fingerprint;
        row.operation = st.summary.operation;
        row.calls_per_second = static_cast<double>(st.calls) / window;
        row.mean_latency = st.calls == 0 ? std::chrono::nanoseconds{} : st.total / static_cast<std::int64_t>(st.calls);
        row.mean_rows = st.calls == 0 ? 0.0 : static_cast<double>(st.rows) / static_cast<double>(st.calls);
        row.ttl = o.max_ttl;
        auto refuse = [&](caching_reason why, std::string text) {
            row.recommend = false;
            row.reason = why;
            row.reason_text = std::move(text);
        };

        std::optional<sql::table_access> access;
        if (o.tables) access = o.tables(st.fingerprint);
        if (!access) access = sql::scan_tables(st.fingerprint, sql::dialect::generic);
        row.tables = access->read;

        bool weighed = false;
        if (!detail::ca_is_query(st.summary.operation) || !access->written.empty()) {
            refuse(caching_reason::not_a_read,
                   access->written.empty() ? "not a query (" + (row.operation.empty() ? std::string("unrecognized") : row.operation) + ")"
                                           : "it writes " + access->written.front());
        } else if (access->locks_rows) {
            refuse(caching_reason::locks_rows, "it locks rows (FOR UPDATE / FOR SHARE)");
        } else if (access->volatile_result) {
            refuse(caching_reason::volatile_result,
                   access->reason.empty() ? std::string("its result depends on a volatile function") : access->reason);
        } else if (!access->certain) {
            refuse(caching_reason::unknown_tables,
                   "the tables it reads are not known for certain" + (access->reason.empty() ? std::string() : ": " + access->reason));
        } else if (access->read.empty()) {
            refuse(caching_reason::no_tables, "it reads no table");
        } else {
            // the write rate of its tables
            double w = 0.0;
            std::string unknown;
            if (rates)
                for (const auto& t : access->read) {
                    const double x = rates->rate_of(t);
                    if (x < 0.0) {
                        if (unknown.empty()) unknown = t;
                    } else {
                        w += x;
                    }
                }
            row.write_rate = unknown.empty() ? w : -1.0;
            if (!unknown.empty()) {
                refuse(caching_reason::unknown_write_rate, "no write rate is known for table " + unknown);
            } else {
                weighed = true;
                // distinct results
                if (const auto d = o.distinct_entries.find(st.fingerprint); d != o.distinct_entries.end()) {
                    row.distinct_entries = std::max<std::size_t>(1, d->second);
                } else if (detail::ca_has_placeholder(st.fingerprint)) {
                    row.distinct_entries = o.assumed_distinct_entries;
                    row.distinct_assumed = true;
                    ++assumed;
                }
                // TTL from the write interval
                const double ttl_s = w > 0.0 ? std::clamp(1.0 / w, min_ttl_s, max_ttl_s) : max_ttl_s;
                row.ttl = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(ttl_s));
                // achievable hit ratio
                const double per_key = row.calls_per_second / static_cast<double>(row.distinct_entries);
                const double drop = w + 1.0 / ttl_s;
                row.hit_ratio = per_key > 0.0 ? per_key / (per_key + drop) : 0.0;
                const double mean_s = std::chrono::duration<double>(row.mean_latency).count();
                row.saved_seconds_per_second = row.calls_per_second * mean_s * row.hit_ratio;
                row.queries_saved_per_second = row.calls_per_second * row.hit_ratio;
                // cost
                if (const auto b = o.result_bytes.find(st.fingerprint); b != o.result_bytes.end()) {
                    row.result_bytes = b->second;
                    row.result_bytes_measured = true;
                } else {
                    row.result_bytes = static_cast<std::size_t>(
                        std::ceil(std::max(1.0, row.mean_rows) * static_cast<double>(o.estimated_row_bytes)));
                }
                const double held = std::min(static_cast<double>(row.distinct_entries),
                                             std::max(1.0, std::ceil(row.calls_per_second * ttl_s)));
                row.memory_bytes = static_cast<std::size_t>(held) * row.result_bytes;

                const double hit_without_writes = per_key > 0.0 ? per_key / (per_key + 1.0 / ttl_s) : 0.0;
                if (row.calls_per_second < o.min_calls_per_second) {
                    refuse(caching_reason::too_few_calls, detail::ca_fixed(row.calls_per_second) + " calls/s, below " +
                                                              detail::ca_fixed(o.min_calls_per_second) + " calls/s");
                } else if (row.mean_latency < o.min_mean_latency) {
                    refuse(caching_reason::already_fast,
                           "mean latency " + detail::ca_fixed(std::chrono::duration<double, std::milli>(row.mean_latency).count(), 3) +
                               " ms, below " +
                               detail::ca_fixed(std::chrono::duration<double, std::milli>(o.min_mean_latency).count(), 3) + " ms");
                } else if (row.result_bytes > o.max_result_bytes) {
                    refuse(caching_reason::results_too_large, "one result is about " + std::to_string(row.result_bytes) +
                                                                  " bytes, above " + std::to_string(o.max_result_bytes));
                } else if (row.hit_ratio < o.min_hit_ratio && hit_without_writes >= o.min_hit_ratio) {
                    refuse(caching_reason::tables_change_too_often,
                           "its tables are written " + detail::ca_fixed(w) + " times/s against " + detail::ca_fixed(per_key) +
                               " calls/s per result: achievable hit ratio " + detail::ca_fixed(row.hit_ratio) + ", below " +
                               detail::ca_fixed(o.min_hit_ratio));
                } else if (row.hit_ratio < o.min_hit_ratio) {
                    refuse(caching_reason::rarely_repeated,
                           std::to_string(row.distinct_entries) + (row.distinct_assumed ? " (assumed)" : "") +
                               " distinct results at " + detail::ca_fixed(per_key) + " calls/s each: achievable hit ratio " +
                               detail::ca_fixed(row.hit_ratio) + ", below " + detail::ca_fixed(o.min_hit_ratio));
                } else {
                    row.recommend = true;
                    row.reason = caching_reason::recommended;
                }
            }
        }
        if (!weighed) row.hit_ratio = 0.0;
        r.rows.push_back(std::move(row));
    }

    std::stable_sort(r.rows.begin(), r.rows.end(), [](const caching_advice_row& a, const caching_advice_row& b) {
        return a.saved_seconds_per_second > b.saved_seconds_per_second;
    });
    std::size_t used = 0, recommended = 0;
    double saved = 0.0;
    for (std::size_t i = 0; i < r.rows.size(); ++i) {
        auto& row = r.rows[i];
        row.rank = i + 1;
        if (!row.recommend) continue;
        if (row.memory_bytes > o.memory_budget - used) {
            row.recommend = false;
            row.reason = caching_reason::over_memory_budget;
            row.reason_text = "needs " + std::to_string(row.memory_bytes) + " bytes; " + std::to_string(o.memory_budget - used) +
                              " of the " + std::to_string(o.memory_budget) + " byte budget are left";
            continue;
        }
        used += row.memory_bytes;
        ++recommended;
        saved += row.saved_seconds_per_second;
        row.reason_text = "saves " + detail::ca_fixed(row.saved_seconds_per_second * 1000.0) + " ms of database time per second (" +
                          detail::ca_fixed(row.queries_saved_per_second) + " queries/s at hit ratio " + detail::ca_fixed(row.hit_ratio) +
                          "); TTL " + detail::ca_fixed(std::chrono::duration<double>(row.ttl).count(), 1) + " s, " +
                          std::to_string(row.memory_bytes) + " bytes";
    }

    r.notes.push_back(std::to_string(recommended) + " of " + std::to_string(r.rows.size()) + " statements recommended: " +
                      detail::ca_fixed(saved * 1000.0) + " ms of database time saved per second, " + std::to_string(used) +
                      " bytes of the " + std::to_string(o.memory_budget) + " byte budget");
    r.notes.push_back("estimates over a " + detail::ca_fixed(window, 1) +
                      " s window: hit ratio = r / (r + w + 1/TTL) with r the calls per second per distinct result and w the "
                      "writes per second to the tables read; calls and writes assumed independent");
    if (assumed > 0)
        r.notes.push_back(std::to_string(assumed) + " statement(s) with parameters or literals were assumed to have " +
                          std::to_string(o.assumed_distinct_entries) + " distinct results (no measured count)");
    if (!rates)
        r.notes.push_back("no table write rates: every table is treated as never written, so hit ratios are upper bounds "
                          "(PostgreSQL: read_postgres_table_writes() twice; SQLite keeps no write counters: supply them)");
    else
        for (const auto& n : rates->notes) r.notes.push_back(n);
    return r;
}

} // namespace cistern::inspect
