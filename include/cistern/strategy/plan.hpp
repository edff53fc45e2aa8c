#pragma once
/// \file
/// `cistern::strategy::plan`: what a strategy wants done, as a list of statements each with
/// the reason it exists, plus alerts for a human. Show it (dry run) or apply it.

#include <cistern/error.hpp>

#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cistern::strategy {

/// One statement of a plan.
struct planned_statement {
    std::string sql;           ///< exactly what apply() runs (identifiers already quoted)
    std::string reason;        ///< why the statement is in the plan
    bool transactional = true; ///< false: must run outside a transaction (VACUUM, ... CONCURRENTLY)
    /// True: apply() commits the transaction open before this statement and starts a new
    /// one for it (a batch boundary; see plan::new_transaction()).
    bool starts_transaction = false;
};

namespace detail {
template <class C>
concept plan_executor = requires(C& c, std::string_view sql) { c.execute(sql); };
template <class C>
concept knows_transaction = requires(const C& c) { { c.in_transaction() } -> std::convertible_to<bool>; };
} // namespace detail

/// An ordered list of statements with reasons, and alerts (things found that no statement
/// fixes, e.g. rows in a default partition). Copyable value type.
///
/// apply() runs consecutive transactional statements inside one BEGIN ... COMMIT (rolled
/// back on the first failure) and non-transactional ones on their own; new_transaction()
/// splits a run into several transactions (batches), each committed before the next starts.
/// When the connection is already inside a transaction (the caller's), transactional
/// statements simply join it (batch boundaries included: nothing is committed) and a
/// non-transactional statement throws query_error before anything runs.
class plan {
public:
    /// Appends a statement that runs inside the plan's transaction.
    plan& add(std::string sql, std::string reason) {
        statements_.push_back({std::move(sql), std::move(reason), true, split_next_});
        split_next_ = false;
        return *this;
    }
    /// Appends a statement that PostgreSQL/SQLite refuse to run inside a transaction.
    plan& add_outside_transaction(std::string sql, std::string reason) {
        statements_.push_back({std::move(sql), std::move(reason), false, false});
        return *this;
    }
    /// Ends the current transaction group: the next transactional statement added runs in a
    /// transaction of its own, after apply() has committed the statements before it (a
    /// failure then rolls back only the batch it happened in). The mark travels with the
    /// statement, so it holds when this plan is append()ed to another.
    plan& new_transaction() {
        split_next_ = true;
        return *this;
    }
    /// Records something a human must look at; apply() does not act on alerts.
    plan& alert(std::string message) {
        alerts_.push_back(std::move(message));
        return *this;
    }
    /// Appends another plan's statements and alerts.
    plan& append(const plan& other) {
        statements_.insert(statements_.end(), other.statements_.begin(), other.statements_.end());
        alerts_.insert(alerts_.end(), other.alerts_.begin(), other.alerts_.end());
        return *this;
    }

    /// The planned statements, in the order they must run.
    const std::vector<planned_statement>& statements() const noexcept { return statements_; }
    /// Warnings for the operator that no statement addresses (shown by show(), never run).
    const std::vector<std::string>& alerts() const noexcept { return alerts_; }
    /// True when the plan has no statement (alerts do not count): nothing to apply.
    bool empty() const noexcept { return statements_.empty(); }
    /// The number of planned statements.
    std::size_t size() const noexcept { return statements_.size(); }

    /// The dry run: every statement preceded by its reason as an SQL comment, then alerts.
    std::string show() const {
        std::string out;
        for (auto& s : statements_) {
            if (s.starts_transaction && &s != &statements_.front())
                out += "-- (new transaction: the statements above are committed first)\n";
            out += "-- " + s.reason;
            if (!s.transactional) out += " (outside a transaction)";
            out += "\n" + s.sql + ";\n";
        }
        for (auto& a : alerts_) out += "-- ALERT: " + a + "\n";
        if (out.empty()) out = "-- nothing to do\n";
        return out;
    }

    /// Runs the plan on `conn` (which the plan does not keep). Returns the number of
    /// statements run. On failure rethrows the backend's error after rolling back the
    /// open group; groups committed earlier stay committed.
    template <detail::plan_executor C>
    std::size_t apply(C& conn) const {
        bool outer = false;
        if constexpr (detail::knows_transaction<C>) outer = conn.in_transaction();
        if (outer)
            for (auto& s : statements_)
                if (!s.transactional)
                    throw query_error("plan: '" + s.sql + "' cannot run inside the caller's open transaction");
        std::size_t done = 0;
        std::size_t i = 0;
        while (i < statements_.size()) {
            if (!statements_[i].transactional || outer) {
                conn.execute(statements_[i].sql);
                ++done;
                ++i;
                continue;
            }
            conn.execute(std::string_view("BEGIN"));
            try {
                for (std::size_t first = i; i < statements_.size() && statements_[i].transactional &&
                                            (i == first || !statements_[i].starts_transaction);
                     ++i, ++done)
                    conn.execute(statements_[i].sql);
                conn.execute(std::string_view("COMMIT"));
            } catch (...) {
                try {
                    conn.execute(std::string_view("ROLLBACK"));
                } catch (...) {
                }
                throw;
            }
        }
        return done;
    }

private:
    std::vector<planned_statement> statements_;
    std::vector<std::string> alerts_;
    bool split_next_ = false;
};

} // namespace cistern::strategy
