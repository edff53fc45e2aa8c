#pragma once
/// \file
/// Running the PostgreSQL index advisors' trials without touching the caller's transaction:
/// inside an open transaction everything happens in a SAVEPOINT that is rolled back;
/// outside one, in a transaction of the advisor's own that is rolled back.

#include <cistern/error.hpp>
#include <cistern/strategy/detail/postgres_explain.hpp>

#include <libpq-fe.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace cistern::strategy::index::detail {

/// True when the session is inside a transaction block (also a failed one).
template <class C>
bool postgres_in_transaction(C& c) {
    const auto s = PQtransactionStatus(c.native());
    return s == PQTRANS_INTRANS || s == PQTRANS_INERROR;
}

/// Throws query_error when the caller's transaction has already failed: nothing can run in
/// it until the caller rolls back, and the advisor will not do that for them.
template <class C>
void require_usable_transaction(C& c, std::string_view who) {
    if (PQtransactionStatus(c.native()) == PQTRANS_INERROR)
        throw query_error(std::string(who) + ": the caller's transaction has already failed (ROLLBACK or ROLLBACK TO SAVEPOINT first); "
                          "the advisor never ends a transaction it did not open");
}

/// Runs `f()` inside SAVEPOINT `name` when a transaction is open, else inside BEGIN; either
/// is rolled back afterwards, also when `f` throws (then the exception propagates). Locks and
/// settings (SET LOCAL) taken by `f` end with it; work the caller did before stays.
template <class C, class F>
auto run_rolled_back(C& c, std::string_view name, F&& f) -> decltype(f()) {
    const bool outer = postgres_in_transaction(c);
    const std::string sp(name);
    c.execute(outer ? "SAVEPOINT " + sp : std::string("BEGIN"));
    auto undo = [&] {
        if (outer) {
            c.execute("ROLLBACK TO SAVEPOINT " + sp);
            c.execute("RELEASE SAVEPOINT " + sp);
        } else {
            c.execute(std::string_view("ROLLBACK"));
        }
    };
    try {
        if constexpr (std::is_void_v<decltype(f())>) {
            f();
            undo();
        } else {
            auto r = f();
            undo();
            return r;
        }
    } catch (...) {
        try {
            undo();
        } catch (...) {
        }
        throw;
    }
}

/// Runs `f()` so that its failure cannot abort an open transaction: inside a rolled-back
/// SAVEPOINT `name` when a transaction is open, directly otherwise (autocommit: a failed
/// statement ends only itself). For read-only work and non-transactional state (HypoPG).
template <class C, class F>
auto run_isolated(C& c, std::string_view name, F&& f) -> decltype(f()) {
    if (!postgres_in_transaction(c)) return f();
    return run_rolled_back(c, name, std::forward<F>(f));
}

/// EXPLAIN of `sql` (strategy::detail::postgres_explain) that, inside an open transaction,
/// cannot abort it: a statement that fails to plan throws query_error and leaves the
/// transaction as it was (its prepared statement deallocated), so later statements still run.
template <class C>
std::string postgres_explain_isolated(C& c, const std::string& sql) {
    if (!postgres_in_transaction(c)) return cistern::strategy::detail::postgres_explain(c, sql);
    try {
        return run_rolled_back(c, "cistern_explain", [&] { return cistern::strategy::detail::postgres_explain(c, sql); });
    } catch (...) {
        // PREPARE is not transactional: a prepared statement left by a failed EXPLAIN
        // EXECUTE survives the rollback and would make the next PREPARE fail.
        try {
            if (c.query("SELECT count(*) FROM pg_prepared_statements WHERE name = 'cistern_explain'").template scalar<std::int64_t>() != 0)
                c.execute(std::string_view("DEALLOCATE cistern_explain"));
        } catch (...) {
        }
        throw;
    }
}

} // namespace cistern::strategy::index::detail
