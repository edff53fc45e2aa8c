#pragma once
/// \file
/// `cistern::strategy::index::workload_from`: the statements a cistern::monitor recorded,
/// as the workload of the missing-index advisors.

#include <cistern/monitor/snapshot.hpp>

#include <range/v3/range/conversion.hpp>
#include <range/v3/view/filter.hpp>
#include <range/v3/view/take.hpp>
#include <range/v3/view/transform.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <ranges>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cistern::strategy::index {

/// One statement of a workload with what is known of how often it runs. A statement given
/// as plain text counts as run once (`calls` 1) with unknown time (`total` 0).
/// Converts implicitly from text, so `{"SELECT ...", "SELECT ..."}` is a workload.
struct workload_statement {
    std::string sql;                 ///< the statement (or its fingerprint)
    std::uint64_t calls = 1;         ///< executions observed; weighs the cost saved
    std::chrono::nanoseconds total{}; ///< time spent in it, summed over executions (0: unknown)

    /// An empty statement run once.
    workload_statement() = default;
    /// `text` run `n` times for `time` in all.
    workload_statement(std::string text, std::uint64_t n = 1, std::chrono::nanoseconds time = {})
        : sql(std::move(text)), calls(n), total(time) {}
    /// `text` run once.
    workload_statement(const char* text) : sql(text) {}
};

/// What workload_from() takes from a snapshot.
struct workload_options {
    std::size_t top = 20;            ///< at most this many statements, most total time first
    std::uint64_t min_calls = 1;     ///< skip statements run fewer times than this
    /// Rewrite the fingerprint's `?` placeholders as `$1, $2, ...`, which PostgreSQL's
    /// EXPLAIN needs (postgres_missing_from_workload costs them by their generic plan).
    /// SQLite takes `?` as it is.
    bool numbered_parameters = false;
};

namespace detail {

/// `sql` with each `?` outside quoted identifiers and string literals replaced by `$n`,
/// numbered from 1 in order.
inline std::string number_parameters(std::string_view sql) {
    std::string out;
    out.reserve(sql.size() + 8);
    int n = 0;
    char quote = 0;
    for (char ch : sql) {
        if (quote) {
            out += ch;
            if (ch == quote) quote = 0; // a doubled quote closes and reopens: same result
        } else if (ch == '"' || ch == '\'') {
            quote = ch;
            out += ch;
        } else if (ch == '?') {
            out += '$';
            out += std::to_string(++n);
        } else {
            out += ch;
        }
    }
    return out;
}

/// True for statements whose plan an index can change: SELECT, UPDATE, DELETE and WITH
/// queries (not INSERT ... VALUES, DDL or transaction control).
inline bool indexable_statement(std::string_view sql) {
    std::size_t i = 0;
    while (i < sql.size() && (std::isspace(static_cast<unsigned char>(sql[i])) || sql[i] == '(')) ++i;
    std::string word;
    for (; i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i])); ++i)
        word += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i])));
    return word == "SELECT" || word == "UPDATE" || word == "DELETE" || word == "WITH";
}

} // namespace detail

/// The statements of `snapshot` worth index advice, most total time first: indexable
/// statements (SELECT, UPDATE, DELETE, WITH) run at least `min_calls` times, at most
/// `top` of them, as their fingerprints (literals already replaced by placeholders), with
/// `$n` placeholders when `numbered_parameters`. The "(other)" bucket is skipped.
///
/// Each comes with its calls and total time, which the advisors' thresholds
/// (min_calls, min_total_time) and cost-saved figures use.
///
/// Typical use: `sqlite_missing_from_workload(workload_from(mon.snapshot())).advise(conn)`.
/// A fingerprint the database cannot explain (e.g. a parameter whose type PostgreSQL cannot
/// infer) is skipped by the advisors with a note.
inline std::vector<workload_statement> workload_from(const monitor_snapshot& snapshot, workload_options o = {}) {
    auto picked = snapshot.statements
                | ranges::views::filter([&](const statement_summary& s) {
                      return s.fingerprint != "(other)" && s.calls >= o.min_calls &&
                             detail::indexable_statement(s.fingerprint);
                  })
                | ranges::views::transform([](const statement_summary& s) { return &s; })
                | ranges::to<std::vector>();
    std::ranges::stable_sort(picked, std::ranges::greater{}, &statement_summary::total);
    return picked
         | ranges::views::take(o.top)
         | ranges::views::transform([&](const statement_summary* s) {
               return workload_statement{o.numbered_parameters ? detail::number_parameters(s->fingerprint) : s->fingerprint,
                                         s->calls, s->total};
           })
         | ranges::to<std::vector<workload_statement>>();
}

/// Plain statements as a workload: each counts as run once, with unknown time. `R` is a
/// range of text (std::string, std::string_view, const char*); anything else is rejected
/// with a static_assert that says so.
template <std::ranges::input_range R>
std::vector<workload_statement> as_workload(const R& statements) {
    constexpr bool text = std::convertible_to<std::ranges::range_reference_t<const R&>, std::string> ||
                          std::constructible_from<std::string, std::ranges::range_reference_t<const R&>>;
    static_assert(text, "cistern::strategy::index: the workload must be SQL statements (std::string or workload_statement)");
    std::vector<workload_statement> out;
    if constexpr (text)
        for (auto&& s : statements) out.push_back(workload_statement{std::string(s)});
    return out;
}

} // namespace cistern::strategy::index
