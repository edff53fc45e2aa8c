#pragma once
/// \file
/// `cistern::strategy::index::postgres_missing_from_workload`: index advice for PostgreSQL
/// from a workload. Candidates (candidates_from) are tried as HypoPG hypothetical indexes
/// when the extension is available, otherwise built for real inside a rolled-back
/// transaction or savepoint; the indexes to propose are chosen across the whole workload by
/// the estimated cost EXPLAIN gives with each. Parameterized statements are costed by their
/// generic plan.

#include <cistern/error.hpp>
#include <cistern/strategy/concepts.hpp>
#include <cistern/strategy/detail/postgres_quote.hpp>
#include <cistern/strategy/index/advice.hpp>
#include <cistern/strategy/index/candidate.hpp>
#include <cistern/strategy/index/detail/postgres_catalog.hpp>
#include <cistern/strategy/index/detail/postgres_rolled_back.hpp>
#include <cistern/strategy/index/detail/workload_selection.hpp>
#include <cistern/strategy/index/thresholds.hpp>
#include <cistern/strategy/index/workload.hpp>
#include <cistern/value.hpp>

#include <algorithm>
#include <concepts>
#include <ranges>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace cistern::strategy::index {

/// How postgres_missing_from_workload tries a candidate.
enum class hypothetical {
    automatic, ///< HypoPG when present (or creatable outside a transaction), else real indexes
    hypopg,    ///< HypoPG or throw query_error
    real_index ///< always a real index inside a rolled-back transaction or savepoint (takes locks)
};

/// Options of postgres_missing_from_workload.
struct postgres_missing_options {
    /// The schema whose tables are considered (unqualified names in the workload resolve here).
    std::string schema = "public";
    /// A candidate counts for a statement when it lowers the statement's estimated cost by at
    /// least this fraction (0.3: cost_after <= 0.7 * cost_before, a 1.43x win). In (0, 1).
    double min_cost_reduction = 0.3;
    /// How a candidate index is tried (see hypothetical).
    hypothetical mode = hypothetical::automatic;
    /// Recommend CREATE INDEX CONCURRENTLY (plain tables) and, on a partitioned table, the
    /// non-blocking form (ON ONLY the parent, CONCURRENTLY per partition, ATTACH PARTITION).
    bool concurrently = true;
    /// Real-index mode: how long each trial's CREATE INDEX may wait for its SHARE lock (SET
    /// LOCAL lock_timeout) before that candidate is skipped with a note. Positive.
    std::chrono::milliseconds lock_timeout{1000};
    /// Which statements and tables are considered, and the candidate bounds.
    advice_thresholds thresholds;
};

/// Finds the indexes a PostgreSQL workload lacks, chosen across the whole workload: one
/// index serving several statements wins over several serving one each, and an index whose
/// columns lead an existing valid B-tree index is never proposed. advise() leaves nothing
/// behind and never commits, rolls back or aborts a transaction it did not open; in
/// automatic mode, outside a transaction, it may create the hypopg extension (said in the
/// notes).
class postgres_missing_from_workload {
public:
    /// Throws config_error (naming the field and the value) when min_cost_reduction is not in
    /// (0, 1), lock_timeout is not positive, or the thresholds cannot work.
    postgres_missing_from_workload(std::vector<workload_statement> workload, postgres_missing_options o = {})
        : workload_(std::move(workload)), o_(std::move(o)) {
        if (!(o_.min_cost_reduction > 0.0 && o_.min_cost_reduction < 1.0))
            throw config_error("postgres_missing_options::min_cost_reduction", std::to_string(o_.min_cost_reduction),
                               "must be in (0, 1)");
        if (o_.lock_timeout.count() <= 0)
            throw config_error("postgres_missing_options::lock_timeout", std::to_string(o_.lock_timeout.count()) + "ms",
                               "must be positive");
        if (o_.schema.empty()) throw config_error("postgres_missing_options::schema", "\"\"", "must not be empty");
        o_.thresholds.validate("postgres_missing_options");
    }
    /// The same for statements given as plain text (e.g. a std::vector<std::string>; each
    /// counts as run once). A range of anything else is rejected by a static_assert.
    template <std::ranges::input_range R>
        requires(!std::convertible_to<const R&, std::string> && !std::convertible_to<const R&, std::vector<workload_statement>>)
    postgres_missing_from_workload(const R& workload, postgres_missing_options o = {})
        : postgres_missing_from_workload(as_workload(workload), std::move(o)) {}

    /// The indexes that would make the workload cheaper, as create recommendations with the
    /// statements each serves, their summed cost before/after and the total estimated cost
    /// saved (times calls), plus notes (statements not analysed and why, what an existing
    /// index already serves, and in real-index mode the locks it took). Inside the caller's
    /// open transaction everything runs in savepoints that are rolled back: the caller's work
    /// stays, and a statement that cannot be explained aborts nothing. Throws query_error when
    /// a catalog query fails, when the caller's transaction has already failed, or in hypopg
    /// mode when HypoPG is unavailable.
    template <StrategyConnection C>
        requires cistern::strategy::detail::postgres_native<C>
    index::advice advise(C& c) const {
        detail::require_usable_transaction(c, "postgres_missing_from_workload");
        if (detail::postgres_in_transaction(c))
            return detail::run_rolled_back(c, "cistern_index_advice", [&] { return advise_here(c, true); });
        return advise_here(c, false);
    }

    /// The statements the advisor was given.
    const std::vector<workload_statement>& workload() const noexcept { return workload_; }

private:
    static std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
        std::string s;
        for (auto& x : v) s += (s.empty() ? "" : sep) + x;
        return s;
    }

    template <class C>
    static std::string quoted(C& c, const std::string& name) {
        return cistern::strategy::detail::quote_postgres_identifier(c.native(), name);
    }

    template <class C>
    std::string qualified(C& c, const std::string& table) const {
        return quoted(c, o_.schema) + "." + quoted(c, table);
    }

    template <class C>
    static std::string quoted_columns(C& c, const std::vector<std::string>& cols) {
        std::string s;
        for (auto& col : cols) s += (s.empty() ? "" : ", ") + quoted(c, col);
        return s;
    }

    template <class C>
    std::string relkind(C& c, const std::string& table) const {
        std::array<value, 1> arg{value{qualified(c, table)}};
        auto rs = c.query("SELECT relkind::text FROM pg_class WHERE oid = to_regclass($1)", std::span<const value>(arg));
        return rs.size() == 0 ? std::string{} : rs.template scalar<std::string>();
    }

    /// Distinct values per column of `table` (pg_stats; negative n_distinct is a fraction of
    /// the rows), for ranking candidate columns: more distinct is more selective.
    template <class C>
    std::map<std::string, double> distinct_values(C& c, const std::string& table) const {
        std::array<value, 3> args{value{o_.schema}, value{table}, value{qualified(c, table)}};
        auto rs = c.query("SELECT s.attname::text, max(CASE WHEN s.n_distinct >= 0 THEN s.n_distinct "
                          "  ELSE -s.n_distinct * greatest(coalesce((SELECT reltuples FROM pg_class WHERE oid = to_regclass($3)), 0), 1) END)::float8 "
                          "FROM pg_stats s WHERE s.schemaname = $1 AND s.tablename = $2 GROUP BY 1",
                          std::span<const value>(args));
        std::map<std::string, double> out;
        for (auto r : rs) out[r.template get<std::string>(0)] = r.template get<double>(1);
        return out;
    }

    template <class C>
    bool use_hypopg(C& c, index::advice& out, bool outer) const {
        if (o_.mode == hypothetical::real_index) return false;
        if (c.query("SELECT count(*) FROM pg_extension WHERE extname = 'hypopg'").template scalar<std::int64_t>() != 0) return true;
        if (outer) {
            // CREATE EXTENSION would join the caller's transaction and commit with it.
            if (o_.mode == hypothetical::hypopg)
                throw query_error("postgres_missing_from_workload: the hypopg extension is not installed and is not created inside "
                                  "the caller's open transaction (it would commit with it); run CREATE EXTENSION hypopg first or "
                                  "advise outside a transaction");
            out.notes.push_back("HypoPG is not installed and is not created inside the caller's transaction; candidates were "
                                "tried as real indexes inside rolled-back savepoints");
            return false;
        }
        try {
            c.execute("CREATE EXTENSION IF NOT EXISTS hypopg");
        } catch (const query_error& e) {
            if (o_.mode == hypothetical::hypopg) throw;
            out.notes.push_back(std::string("HypoPG is not available (") + e.what() +
                                "); candidates were tried as real indexes inside rolled-back transactions");
            return false;
        }
        out.notes.push_back("created the hypopg extension to cost hypothetical indexes");
        return true;
    }

    /// Tries `cand` once and explains each of `stmts` with it: the costs of the statements
    /// whose plan uses it. HypoPG: one hypothetical index, dropped afterwards (hypopg_drop_index:
    /// the caller's own hypothetical indexes stay). Real index: CREATE INDEX under lock_timeout
    /// in a rolled-back transaction or savepoint. Throws query_error when the index cannot be
    /// made (e.g. lock_timeout).
    template <class C>
    std::vector<std::pair<std::size_t, double>> try_candidate(C& c, const candidate& cand, const std::vector<std::size_t>& stmts,
                                                              bool hypo) const {
        using cistern::strategy::detail::postgres_plan_cost;
        std::vector<std::pair<std::size_t, double>> costs;
        const std::string ddl = "CREATE INDEX " + std::string(hypo ? "" : "cistern_candidate_index ") + "ON " +
                                qualified(c, cand.table) + " (" + quoted_columns(c, cand.columns) + ")";
        auto explain_all = [&](const std::string& name) {
            for (auto s : stmts) {
                std::string plan;
                try {
                    plan = detail::postgres_explain_isolated(c, workload_[s].sql);
                } catch (const query_error&) {
                    continue; // explained without the candidate; a failure with it only means no gain
                }
                if (plan.find(name) != std::string::npos) costs.emplace_back(s, postgres_plan_cost(plan));
            }
        };
        if (hypo) {
            std::array<value, 1> arg{value{ddl}};
            auto made = detail::run_isolated(c, "cistern_hypopg", [&] {
                auto rs = c.query("SELECT indexrelid::bigint, indexname::text FROM hypopg_create_index($1)", std::span<const value>(arg));
                return std::pair{rs[0].template get<std::int64_t>(0), rs[0].template get<std::string>(1)};
            });
            std::array<value, 1> oid{value{made.first}};
            auto drop = [&] {
                detail::run_isolated(c, "cistern_hypopg", [&] { c.query("SELECT hypopg_drop_index($1::oid)", std::span<const value>(oid)); });
            };
            try {
                explain_all(made.second);
            } catch (...) {
                try {
                    drop();
                } catch (...) {
                }
                throw;
            }
            drop();
            return costs;
        }
        detail::run_rolled_back(c, "cistern_index_trial", [&] {
            c.execute("SET LOCAL lock_timeout = '" + std::to_string(o_.lock_timeout.count()) + "ms'");
            c.execute(ddl);
            explain_all("cistern_candidate_index");
        });
        return costs;
    }

    /// The non-blocking form on partitioned table `schema.table` (relkind `kind`): CREATE INDEX
    /// ON ONLY the parent, then per partition CREATE INDEX CONCURRENTLY (recursively the same
    /// form for a sub-partitioned one) and ALTER INDEX ... ATTACH PARTITION; the parent's index
    /// becomes valid when the last partition is attached.
    template <class C>
    void create_steps(C& c, const std::string& schema, const std::string& table, const std::vector<std::string>& cols,
                      const std::string& name, const std::string& kind, std::vector<std::string>& steps) const {
        const std::string target = quoted(c, schema) + "." + quoted(c, table);
        const std::string list = " (" + quoted_columns(c, cols) + ")";
        if (kind != "p") { // a leaf partition
            steps.push_back("CREATE INDEX CONCURRENTLY IF NOT EXISTS " + quoted(c, name) + " ON " + target + list);
            return;
        }
        steps.push_back("CREATE INDEX IF NOT EXISTS " + quoted(c, name) + " ON ONLY " + target + list);
        std::array<value, 1> arg{value{target}};
        auto parts = c.query("SELECT n.nspname::text, k.relname::text, k.relkind::text FROM pg_inherits i "
                             "JOIN pg_class k ON k.oid = i.inhrelid JOIN pg_namespace n ON n.oid = k.relnamespace "
                             "WHERE i.inhparent = to_regclass($1) ORDER BY 2",
                             std::span<const value>(arg));
        for (auto r : parts) {
            const auto ps = r.template get<std::string>(0);
            const auto pt = r.template get<std::string>(1);
            const auto pk = r.template get<std::string>(2);
            const auto pname = candidate_index_name(candidate{pt, cols, {}});
            create_steps(c, ps, pt, cols, pname, pk, steps);
            steps.push_back("ALTER INDEX " + quoted(c, schema) + "." + quoted(c, name) + " ATTACH PARTITION " + quoted(c, ps) + "." +
                            quoted(c, pname));
        }
    }

    template <class C>
    index::advice advise_here(C& c, bool outer) const {
        index::advice out;
        const bool hypo = use_hypopg(c, out, outer);
        std::vector<existing_index> existing;
        for (auto& e : detail::postgres_indexes(c, o_.schema))
            if (e.valid) existing.push_back(e);

        // The statements worth costing, with their base cost and their column uses.
        const std::size_t n = workload_.size();
        std::vector<double> base(n, 0), weight(n, 0);
        detail::workload_uses uses(n);
        std::vector<std::size_t> live;
        for (std::size_t s = 0; s < n; ++s) {
            const auto& w = workload_[s];
            if (auto why = o_.thresholds.skip_reason(w)) {
                out.notes.push_back("not analysed (" + *why + "): " + w.sql);
                continue;
            }
            try {
                base[s] = cistern::strategy::detail::postgres_plan_cost(detail::postgres_explain_isolated(c, w.sql));
            } catch (const query_error& e) {
                out.notes.push_back("not analysed (EXPLAIN failed): " + w.sql + ": " + e.what());
                continue;
            }
            weight[s] = static_cast<double>(w.calls);
            uses[s] = column_uses_of(w.sql, sql::dialect::postgres);
            live.push_back(s);
        }

        // Candidates of every statement, once each, ranked by the columns' distinct values.
        std::map<std::string, std::string> kinds;                 // table -> relkind ("" = none)
        std::map<std::string, std::map<std::string, double>> nd;  // table -> column -> distinct values
        auto kind_of = [&](const std::string& table) -> const std::string& {
            auto it = kinds.find(table);
            if (it == kinds.end()) it = kinds.emplace(table, relkind(c, table)).first;
            return it->second;
        };
        const column_rank rank = [&](const std::string& table, const std::string& column) {
            auto t = nd.find(table);
            if (t == nd.end()) return 0.0;
            auto v = t->second.find(column);
            return v == t->second.end() ? 0.0 : v->second;
        };
        auto is_table = [&](const std::string& table) {
            const auto& k = kind_of(table);
            return k == "r" || k == "p" || k == "m";
        };
        for (auto s : live)
            for (auto& [table, u] : uses[s])
                if (is_table(table) && !nd.count(table)) nd[table] = distinct_values(c, table);
        const auto pool = detail::gather_candidates(live, uses, o_.thresholds, rank, existing, out.notes, is_table);
        const auto& cands = pool.kept();

        // Each candidate, tried once, against every statement that uses its leading column.
        std::vector<detail::trial_result> trials;
        std::vector<std::size_t> width;
        std::set<std::string> locked;
        std::size_t built = 0;
        for (std::size_t i = 0; i < cands.size(); ++i) {
            const auto& cand = cands[i];
            width.push_back(cand.columns.size());
            const auto stmts = detail::statements_using(cand, live, uses);
            try {
                for (auto& [s, cost] : try_candidate(c, cand, stmts, hypo)) trials.push_back({i, s, cost});
                if (!hypo) {
                    ++built;
                    locked.insert(cand.table);
                }
            } catch (const query_error& e) {
                out.notes.push_back("candidate " + cand.table + "(" + join(cand.columns) + ") not tried: " + e.what());
            }
        }
        // A candidate counts for a statement when it saves at least min_cost_reduction of the
        // statement's cost without advice beyond what the indexes chosen before it give.
        const double r = o_.min_cost_reduction;
        const auto chosen = detail::select_for_workload(base, weight, width, trials, [&](double base_cost, double current, double with) {
            return with < current && with <= current - r * base_cost;
        });

        for (auto& pick : chosen) {
            const auto& cand = cands[pick.cand];
            recommendation r;
            r.table = cand.table;
            r.columns = cand.columns;
            r.index_name = candidate_index_name(cand);
            const auto& k = kind_of(cand.table);
            if (k == "p" && o_.concurrently) {
                create_steps(c, o_.schema, cand.table, cand.columns, r.index_name, k, r.steps);
                r.sql = join(r.steps, ";\n");
            } else {
                r.sql = std::string("CREATE INDEX ") + (o_.concurrently && k != "p" ? "CONCURRENTLY " : "") + "IF NOT EXISTS " +
                        quoted(c, r.index_name) + " ON " + qualified(c, cand.table) + " (" + quoted_columns(c, cand.columns) + ")";
            }
            r.cost_before = pick.before;
            r.cost_after = pick.after;
            r.cost_saved = pick.saved;
            for (auto s : pick.stmts) r.statements.push_back(workload_[s].sql);
            char buf[240];
            std::snprintf(buf, sizeof buf, ": serves %zu statement(s), estimated cost %.2f -> %.2f, total estimated cost saved %.2f (cost x calls; %s)",
                          pick.stmts.size(), pick.before, pick.after, pick.saved, hypo ? "HypoPG" : "real index, rolled back");
            r.reason = pool.why(pick.cand, pick.stmts.front()) + buf;
            if (!r.steps.empty()) r.reason += "; partitioned table: built per partition without blocking writers, then attached";
            out.items.push_back(std::move(r));
        }
        if (built > 0)
            out.notes.push_back("real-index mode built " + std::to_string(built) + " candidate index(es) with CREATE INDEX on " +
                                join(std::vector<std::string>(locked.begin(), locked.end())) +
                                ": each build held a SHARE lock that blocked writers to the table until it was rolled back "
                                "(lock_timeout " + std::to_string(o_.lock_timeout.count()) + " ms); use HypoPG to avoid locks");
        return out;
    }

    std::vector<workload_statement> workload_;
    postgres_missing_options o_;
};

} // namespace cistern::strategy::index
