#pragma once
/// \file
/// `cistern::inspect::index_advice_report`: the three kinds of index advice (missing from
/// the workload, duplicate, unused) for one database, what `optimize indexes` and the
/// report show; and the helpers both databases share (workload files, table filters).

#include <cistern/error.hpp>
#include <cistern/sql/lexer.hpp>
#include <cistern/strategy/index/advice.hpp>
#include <cistern/strategy/plan.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::inspect {

/// Knobs of the index advice (dexter's, where they exist there).
struct index_advice_options {
    std::string schema = "public";      ///< PostgreSQL: the schema whose tables are advised
    std::int64_t min_calls = 0;         ///< pg_stat_statements workload: skip statements called fewer times
    double min_total_ms = 0;            ///< ... or with less total execution time
    std::size_t top = 50;               ///< ... at most this many, most total time first
    std::vector<std::string> include_tables; ///< only advise these tables (empty: all)
    std::vector<std::string> exclude_tables; ///< never advise these tables
    double min_cost_reduction = 0.5;    ///< PostgreSQL: keep a candidate that cuts the estimated cost by this share
    std::int64_t unused_max_scans = 0;  ///< PostgreSQL: an index scanned at most this often is unused
    bool concurrently = true;           ///< PostgreSQL: CREATE / DROP INDEX CONCURRENTLY
    /// PostgreSQL: cost candidates only with HypoPG; without it (not created in the
    /// database) skip the missing-index advice with a note instead of building real
    /// indexes in rolled-back transactions (which block writes while they build). For
    /// reports that must not touch a busy table.
    bool hypothetical_only = false;
};

/// The advice for one database. `plan()` is what --apply runs.
struct index_advice_report {
    /// The statements the missing-index advice was computed from, in order.
    std::vector<std::string> workload;
    /// Where the workload came from: "pg_stat_statements", "the workload file", or "" (none).
    std::string workload_source;
    strategy::index::advice missing;   ///< create recommendations
    strategy::index::advice duplicate; ///< drop recommendations: covered by another index
    strategy::index::advice unused;    ///< drop recommendations: never scanned (PostgreSQL only)
    std::vector<std::string> notes;    ///< what could not be seen and why

    /// Create the missing indexes and drop the duplicates; unused indexes only when
    /// `drop_unused` (their statistics may be young, or the index may serve a replica).
    /// An index that is both duplicate and unused is dropped once.
    strategy::plan plan(bool drop_unused = false) const {
        strategy::index::advice all = missing;
        for (auto* a : {&duplicate, &unused}) {
            if (a == &unused && !drop_unused) continue;
            for (auto& r : a->items)
                if (std::none_of(all.items.begin(), all.items.end(), [&](auto& x) { return x.sql == r.sql; })) all.items.push_back(r);
        }
        all.notes.clear(); // the notes are shown with the advice; they are not alerts of the plan
        return all.to_plan();
    }
};

namespace detail {

/// True when `table` passes the include / exclude lists of `o` (exact names, as unquoted).
inline bool table_wanted(const index_advice_options& o, const std::string& table) {
    if (!o.include_tables.empty() && std::find(o.include_tables.begin(), o.include_tables.end(), table) == o.include_tables.end())
        return false;
    return std::find(o.exclude_tables.begin(), o.exclude_tables.end(), table) == o.exclude_tables.end();
}

/// `a` without the recommendations for tables `o` filters out (noted).
inline strategy::index::advice filter_tables(strategy::index::advice a, const index_advice_options& o) {
    const auto n = a.items.size();
    std::erase_if(a.items, [&](const auto& r) { return !table_wanted(o, r.table); });
    if (a.items.size() != n)
        a.notes.push_back(std::to_string(n - a.items.size()) + " recommendation(s) left out by --include/--exclude");
    return a;
}

/// `f()` (an advisor's advise call) filtered by `o`'s tables; a query_error becomes a note
/// ("<what> advice failed: ...") and empty advice.
template <class F>
strategy::index::advice guarded_advice(std::vector<std::string>& notes, const char* what, const index_advice_options& o, F&& f) {
    try {
        return filter_tables(f(), o);
    } catch (const query_error& e) {
        notes.push_back(std::string(what) + " advice failed: " + e.what());
        return {};
    }
}

} // namespace detail

/// The statements of a workload file: split at top-level semicolons (quotes, dollar quotes
/// and comments respected, by the one SQL lexer), trimmed, empty ones dropped.
inline std::vector<std::string> split_statements(std::string_view text, sql::dialect d = sql::dialect::generic) {
    std::vector<std::string> out;
    std::size_t start = 0;
    auto push = [&](std::size_t end) {
        auto s = text.substr(start, end - start);
        while (!s.empty() && std::string_view(" \t\r\n").find(s.front()) != std::string_view::npos) s.remove_prefix(1);
        while (!s.empty() && std::string_view(" \t\r\n").find(s.back()) != std::string_view::npos) s.remove_suffix(1);
        bool has_token = false;
        for (auto& t : sql::tokenize(s, d)) {
            (void)t;
            has_token = true;
            break;
        }
        if (has_token) out.emplace_back(s);
    };
    for (auto& t : sql::tokenize(text, d)) {
        if (t.kind != sql::token_kind::semicolon || t.depth != 0) continue;
        const auto at = static_cast<std::size_t>(t.text.data() - text.data());
        push(at);
        start = at + 1;
    }
    push(text.size());
    return out;
}

} // namespace cistern::inspect
