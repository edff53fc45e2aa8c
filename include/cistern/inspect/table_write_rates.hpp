#pragma once
/// \file
/// `cistern::inspect::table_write_rates`: how often each table is written, per second, as
/// the input of cistern::inspect::caching_advice. On PostgreSQL read from the row counters
/// of `pg_stat_user_tables` at two moments (read_postgres_table_writes(), then
/// table_write_rates::between()); SQLite keeps no such counters, so its rates come from the
/// caller (table_write_rates::per_second filled by hand, e.g. from the application's own
/// write counts or from the monitor's INSERT/UPDATE/DELETE statements).

#include <cistern/error.hpp>
#include <cistern/inspect/check_result.hpp>
#include <cistern/inspect/detail/bounded.hpp>
#include <cistern/monitor/snapshot.hpp>
#include <cistern/sql/scan_tables.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::inspect {

/// One reading of cumulative per-table write counters.
struct table_write_counters {
    /// When the counters were read (monotonic clock: only the difference of two readings matters).
    std::chrono::steady_clock::time_point taken{};
    /// Rows written since the statistics were last reset, by qualified table name
    /// ("schema.table", as the database spells it, unquoted).
    std::map<std::string, std::uint64_t> rows_written;
    /// Whether the counters could be read; anything but `ok` comes with a note.
    availability state = availability::ok;
    /// What the counters cover, what could not be read.
    std::vector<std::string> notes;
};

/// Writes per second per table over some period.
///
/// Names are matched against the tables a statement reads without regard to ASCII case,
/// and an unqualified name on either side matches any schema (see rate_of()).
struct table_write_rates {
    /// Rows written per second, by table name ("public.orders", "main.kv" or "kv").
    std::map<std::string, double> per_second;
    /// The length of the period the rates were measured over, in seconds (0: not measured,
    /// e.g. rates supplied by the caller).
    double period_seconds = 0.0;
    /// True when a table missing from per_second is known to be unwritten (rate 0), as when
    /// the rates come from everything a monitor saw; false (the default) when a missing
    /// table's rate is unknown, as for a view or catalog missing from pg_stat_user_tables.
    bool unlisted_unwritten = false;
    /// Where the rates come from and what they do not count.
    std::vector<std::string> notes;

    /// The rates between two readings of the same database: (after - before) / elapsed per
    /// table. A table only in `after` counts from zero (it was created in between); a
    /// counter that went down (statistics reset) counts `after` alone, a lower bound, and
    /// adds a note. Throws config_error when `after` was not taken after `before`.
    static table_write_rates between(const table_write_counters& before, const table_write_counters& after);

    /// The rates of the writes a monitor saw (its INSERT, UPDATE, DELETE, MERGE, REPLACE
    /// statements: rows affected, per table written, divided by `window_seconds`): what a
    /// database without write counters (SQLite) can offer. Writes made by other processes
    /// or connections the monitor does not observe are missing, which a note says; a
    /// statement whose tables are uncertain is skipped with a note. Throws config_error
    /// when `window_seconds` is not > 0.
    static table_write_rates seen_by_monitor(const monitor_snapshot& snap, double window_seconds);

    /// The write rate of `table` (a name as a statement spells it: "orders", "public.orders",
    /// "main.kv"), or -1 when no rate is known for it. Exact match first (ignoring ASCII
    /// case); otherwise a qualified name matches its unqualified entry and an unqualified
    /// name matches every schema's table of that name, taking the highest rate among them
    /// (the conservative choice for caching). No match: 0 when unlisted_unwritten, else -1.
    double rate_of(std::string_view table) const;
};

namespace detail {

inline bool twr_iequal(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        char x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

/// The part after the last '.' (the whole name when there is none).
inline std::string_view twr_unqualified(std::string_view n) noexcept {
    const auto dot = n.rfind('.');
    return dot == std::string_view::npos ? n : n.substr(dot + 1);
}

} // namespace detail

inline table_write_rates table_write_rates::between(const table_write_counters& before,
                                                    const table_write_counters& after) {
    const double elapsed = std::chrono::duration<double>(after.taken - before.taken).count();
    if (!(elapsed > 0.0))
        throw config_error("table_write_rates::between", std::to_string(elapsed) + " s",
                           "the second reading must be taken after the first");
    table_write_rates r;
    r.period_seconds = elapsed;
    for (const auto& n : before.notes) r.notes.push_back("first reading: " + n);
    for (const auto& n : after.notes) r.notes.push_back("second reading: " + n);
    for (const auto& [table, count] : after.rows_written) {
        const auto b = before.rows_written.find(table);
        std::uint64_t delta = count;
        if (b != before.rows_written.end()) {
            if (count >= b->second)
                delta = count - b->second;
            else
                r.notes.push_back(table + ": its counter went down between the readings (statistics reset); "
                                          "its rate counts only the writes since the reset");
        }
        r.per_second[table] = static_cast<double>(delta) / elapsed;
    }
    return r;
}

inline table_write_rates table_write_rates::seen_by_monitor(const monitor_snapshot& snap, double window_seconds) {
    if (!(window_seconds > 0.0))
        throw config_error("table_write_rates::seen_by_monitor", std::to_string(window_seconds) + " s", "must be > 0");
    table_write_rates r;
    r.period_seconds = window_seconds;
    r.unlisted_unwritten = true;
    std::size_t skipped = 0;
    for (const auto& st : snap.statements) {
        const std::string& op = st.summary.operation;
        if (op != "INSERT" && op != "UPDATE" && op != "DELETE" && op != "MERGE" && op != "REPLACE" && op != "UPSERT") continue;
        const sql::table_access a = sql::scan_tables(st.fingerprint, sql::dialect::generic);
        if (!a.certain || a.written.empty()) {
            ++skipped;
            continue;
        }
        for (const auto& t : a.written) r.per_second[t] += static_cast<double>(st.rows) / window_seconds;
    }
    r.notes.push_back("write rates from the monitor's own statements: writes by other connections or processes are not seen");
    if (skipped > 0)
        r.notes.push_back(std::to_string(skipped) + " write statement(s) whose tables could not be determined were not counted");
    return r;
}

inline double table_write_rates::rate_of(std::string_view table) const {
    for (const auto& [name, rate] : per_second)
        if (detail::twr_iequal(name, table)) return rate;
    const std::string_view bare = detail::twr_unqualified(table);
    const bool qualified = bare.size() != table.size();
    double best = -1.0;
    for (const auto& [name, rate] : per_second) {
        const std::string_view n = name;
        const bool name_qualified = detail::twr_unqualified(n).size() != n.size();
        // "public.t" matches an entry "t"; "t" matches "public.t" and "other.t"
        const bool match = qualified ? (!name_qualified && detail::twr_iequal(n, bare))
                                     : detail::twr_iequal(detail::twr_unqualified(n), bare);
        if (match && rate > best) best = rate;
    }
    return best < 0.0 && unlisted_unwritten ? 0.0 : best;
}

/// Reads the cumulative rows inserted, updated and deleted of every user table from
/// PostgreSQL's `pg_stat_user_tables` (n_tup_ins + n_tup_upd + n_tup_del), in a read-only
/// transaction bounded by `statement_timeout` (a savepoint when the connection is already
/// in one). Two readings give table_write_rates::between().
///
/// Limits, also added as a note: TRUNCATE is not counted; the counters include rolled-back
/// writes; a backend reports its counts after its transaction, at most once a second
/// (PostgreSQL 15: PGSTAT_MIN_INTERVAL), and one that went idle sooner reports about 10 s
/// later (PGSTAT_IDLE_INTERVAL), so a reading may lag the writes by about 10 s: take the
/// readings well apart, or have the writing sessions call pg_stat_force_next_flush(). Errors become `state` and a note, never an exception (except
/// std::bad_alloc).
template <class C>
table_write_counters read_postgres_table_writes(C& c, std::chrono::milliseconds statement_timeout = std::chrono::seconds(5)) {
    table_write_counters r;
    r.state = detail::postgres_bounded(c, statement_timeout, r.notes, "table write counters", [&] {
        auto rs = c.query(std::string_view(
            "SELECT schemaname::text, relname::text, (n_tup_ins + n_tup_upd + n_tup_del)::int8 FROM pg_stat_user_tables"));
        for (auto row : rs)
            r.rows_written[row.template get<std::string>(0) + "." + row.template get<std::string>(1)] =
                static_cast<std::uint64_t>(row.template get<std::int64_t>(2));
    });
    r.taken = std::chrono::steady_clock::now();
    r.notes.push_back("pg_stat_user_tables: rows inserted + updated + deleted; TRUNCATE is not counted, rolled-back "
                      "writes are, and a backend may report its counts up to about 10 s late");
    return r;
}

} // namespace cistern::inspect
