#pragma once
/// \file
/// Internal: runs an inspection's catalog queries in a read-only transaction (or a
/// savepoint inside the caller's) bounded by statement_timeout, and turns the failures a
/// catalog read can meet into an availability plus a note, never an exception.

#include <cistern/error.hpp>
#include <cistern/inspect/check_result.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::inspect::detail {

template <class C>
concept knows_transaction = requires(const C& c) { { c.in_transaction() } -> std::convertible_to<bool>; };

/// The availability a PostgreSQL error means, by SQLSTATE.
inline availability classify_postgres(const query_error& e) {
    const auto& st = e.sqlstate();
    const std::string_view what = e.what();
    if (st == "57014") return availability::timed_out;
    if (st == "42501") return availability::not_readable;
    if (st == "42P01" || st == "42883") return availability::not_installed;
    if (st == "55000" && what.find("shared_preload_libraries") != std::string_view::npos) return availability::not_preloaded;
    return availability::failed;
}

/// Runs `f()` inside BEGIN READ ONLY ... ROLLBACK (or SAVEPOINT ... ROLLBACK TO when the
/// connection is already in a transaction) with `SET LOCAL statement_timeout`. A
/// query_error becomes the returned availability and a note (`what` names the check);
/// the transaction is always rolled back.
template <class C, class F>
availability postgres_bounded(C& c, std::chrono::milliseconds timeout, std::vector<std::string>& notes,
                              std::string_view what, F&& f) {
    bool outer = false;
    if constexpr (knows_transaction<C>) outer = c.in_transaction();
    auto undo = [&] {
        try {
            c.execute(std::string_view(outer ? "ROLLBACK TO SAVEPOINT cistern_inspect" : "ROLLBACK"));
            if (outer) c.execute(std::string_view("RELEASE SAVEPOINT cistern_inspect"));
        } catch (...) {
        }
    };
    try {
        c.execute(std::string_view(outer ? "SAVEPOINT cistern_inspect" : "BEGIN READ ONLY"));
    } catch (const query_error& e) {
        notes.push_back(std::string(what) + ": could not start a read-only transaction: " + e.what());
        return availability::failed;
    }
    try {
        c.execute("SET LOCAL statement_timeout = " + std::to_string(timeout.count()));
        f();
        undo();
        return availability::ok;
    } catch (const query_error& e) {
        undo();
        const auto a = classify_postgres(e);
        std::string note = std::string(what) + ": ";
        if (a == availability::timed_out)
            note += "cancelled by statement_timeout (" + std::to_string(timeout.count()) + " ms); raise --statement-timeout";
        else
            note += std::string(e.what()) + (e.sqlstate().empty() ? "" : " (SQLSTATE " + e.sqlstate() + ")");
        notes.push_back(std::move(note));
        return a;
    }
}

/// Seconds as "12 s", "3.5 min", "2.0 h".
inline std::string seconds_text(double s) {
    auto fixed = [](double v) {
        std::string t = std::to_string(static_cast<long long>(v * 10 + 0.5));
        if (t.size() < 2) t.insert(0, "0");
        return t.substr(0, t.size() - 1) + "." + t.substr(t.size() - 1);
    };
    if (s < 120) return std::to_string(static_cast<long long>(s)) + " s";
    if (s < 7200) return fixed(s / 60) + " min";
    return fixed(s / 3600) + " h";
}

/// `v` (a share in [0, 1]) as "87.5 %".
inline std::string percent_text(double v) {
    const long long t = static_cast<long long>(v * 1000 + 0.5);
    return std::to_string(t / 10) + "." + std::to_string(t % 10) + " %";
}

} // namespace cistern::inspect::detail
