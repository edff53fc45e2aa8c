#pragma once
/// \file
/// `cistern::strategy::index::postgres_missing_from_workload`: index advice for PostgreSQL
/// from a workload. Each candidate (candidates_for) is tried as a HypoPG hypothetical index
/// when the extension is available, otherwise created for real inside a transaction that is
/// rolled back; it is kept only when EXPLAIN's estimated total cost falls by at least
/// min_cost_reduction (default half). Parameterized statements are costed by their generic plan.

#include <cistern/error.hpp>
#include <cistern/strategy/concepts.hpp>
#include <cistern/strategy/detail/postgres_explain.hpp>
#include <cistern/strategy/detail/postgres_quote.hpp>
#include <cistern/strategy/index/advice.hpp>
#include <cistern/strategy/index/candidate.hpp>
#include <cistern/strategy/index/detail/pick_merging.hpp>
#include <cistern/strategy/index/detail/postgres_catalog.hpp>
#include <cistern/value.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace cistern::strategy::index {

/// How postgres_missing_from_workload tries a candidate.
enum class hypothetical {
    automatic, ///< HypoPG when `CREATE EXTENSION IF NOT EXISTS hypopg` works, else a rolled-back real index
    hypopg,    ///< HypoPG or throw query_error
    real_index ///< always a real index inside a rolled-back transaction
};

/// Options of postgres_missing_from_workload.
struct postgres_missing_options {
    /// The schema whose tables are considered (unqualified names in the workload resolve here).
    std::string schema = "public";
    double min_cost_reduction = 0.5; ///< keep a candidate when cost_after <= cost_before * (1 - this)
    /// How a candidate index is tried (see hypothetical).
    hypothetical mode = hypothetical::automatic;
    bool concurrently = true;        ///< recommend CREATE INDEX CONCURRENTLY (plain tables only)
};

/// Finds the indexes a PostgreSQL workload lacks. Never proposes an index whose columns
/// lead an existing valid B-tree index. advise() leaves no index behind; in automatic mode
/// it may create the hypopg extension (said in the advice notes).
class postgres_missing_from_workload {
public:
    /// Throws config_error when min_cost_reduction is not in (0, 1).
    postgres_missing_from_workload(std::vector<std::string> workload, postgres_missing_options o = {})
        : workload_(std::move(workload)), o_(std::move(o)) {
        if (!(o_.min_cost_reduction > 0.0 && o_.min_cost_reduction < 1.0))
            throw config_error("postgres_missing_options::min_cost_reduction", std::to_string(o_.min_cost_reduction),
                               "must be in (0, 1)");
    }

    /// The indexes that would make the workload cheaper by at least min_cost_reduction, as
    /// create recommendations, with notes for statements it could not plan. Leaves no index
    /// behind (a real-index trial runs in its own transaction, rolled back). Throws
    /// query_error when a catalog query fails, or in hypopg mode when HypoPG is unavailable.
    template <StrategyConnection C>
        requires cistern::strategy::detail::postgres_native<C>
    index::advice advise(C& c) const {
        index::advice out;
        const bool hypo = use_hypopg(c, out);
        std::vector<existing_index> existing;
        for (auto& e : detail::postgres_indexes(c, o_.schema))
            if (e.valid) existing.push_back(e);
        struct chosen {
            candidate cand;
            std::vector<std::size_t> stmts;
            double before = 0, after = 0;
        };
        std::vector<chosen> picks;
        std::vector<double> base(workload_.size());
        for (std::size_t s = 0; s < workload_.size(); ++s) {
            const auto& sql = workload_[s];
            try {
                base[s] = cistern::strategy::detail::postgres_plan_cost(cistern::strategy::detail::postgres_explain(c, sql));
            } catch (const query_error& e) {
                out.notes.push_back("not analysed (EXPLAIN failed): " + sql + ": " + e.what());
                continue;
            }
            std::optional<chosen> best;
            for (auto& cand : candidates_for(sql)) {
                if (!table_exists(c, cand.table)) continue;
                if (auto cover = covered_by(cand, existing)) {
                    out.notes.push_back("not proposing " + cand.table + "(" + join(cand.columns) + "): index " + *cover +
                                        " already leads with these columns");
                    continue;
                }
                const auto after = cost_with(c, cand, sql, hypo);
                if (!after || *after > base[s] * (1.0 - o_.min_cost_reduction)) continue;
                if (!best || *after < best->after - 1e-9 ||
                    (*after <= best->after + 1e-9 && cand.columns.size() < best->cand.columns.size()))
                    best = chosen{cand, {s}, base[s], *after};
            }
            if (!best) continue;
            cistern::strategy::detail::add_pick(picks, std::move(*best), s);
        }
        // A pick that leads a longer pick on the same table goes when the longer one also
        // halves its statements' cost.
        const std::vector<bool> dropped = cistern::strategy::detail::drop_led_picks(picks, [&](const candidate& longer, std::size_t s) {
            const auto cost = cost_with(c, longer, workload_[s], hypo);
            return cost && *cost <= base[s] * (1.0 - o_.min_cost_reduction);
        });
        for (std::size_t i = 0; i < picks.size(); ++i) {
            if (dropped[i]) continue;
            auto& p = picks[i];
            recommendation r;
            r.table = p.cand.table;
            r.columns = p.cand.columns;
            r.index_name = candidate_index_name(p.cand);
            const bool partitioned = relkind(c, p.cand.table) == "p";
            r.sql = std::string("CREATE INDEX ") + (o_.concurrently && !partitioned ? "CONCURRENTLY " : "") + "IF NOT EXISTS " +
                    cistern::strategy::detail::quote_postgres_identifier(c.native(), r.index_name) + " ON " +
                    qualified(c, p.cand.table) + " (" + quoted_columns(c, p.cand.columns) + ")";
            r.cost_before = p.before;
            r.cost_after = p.after;
            for (auto s : p.stmts) r.statements.push_back(workload_[s]);
            char buf[160];
            std::snprintf(buf, sizeof buf, ": estimated cost %.2f -> %.2f (%s) for %zu statement(s)", p.before, p.after,
                          hypo ? "HypoPG" : "real index, rolled back", p.stmts.size());
            r.reason = p.cand.why + buf;
            out.items.push_back(std::move(r));
        }
        return out;
    }

    /// The statements the advisor was given.
    const std::vector<std::string>& workload() const noexcept { return workload_; }

private:
    static std::string join(const std::vector<std::string>& v) {
        std::string s;
        for (auto& x : v) s += (s.empty() ? "" : ", ") + x;
        return s;
    }

    template <class C>
    std::string qualified(C& c, const std::string& table) const {
        using cistern::strategy::detail::quote_postgres_identifier;
        return quote_postgres_identifier(c.native(), o_.schema) + "." + quote_postgres_identifier(c.native(), table);
    }

    template <class C>
    static std::string quoted_columns(C& c, const std::vector<std::string>& cols) {
        std::string s;
        for (auto& col : cols) s += (s.empty() ? "" : ", ") + cistern::strategy::detail::quote_postgres_identifier(c.native(), col);
        return s;
    }

    template <class C>
    std::string relkind(C& c, const std::string& table) const {
        std::array<value, 1> arg{value{qualified(c, table)}};
        auto rs = c.query("SELECT relkind::text FROM pg_class WHERE oid = to_regclass($1)", std::span<const value>(arg));
        return rs.size() == 0 ? std::string{} : rs.template scalar<std::string>();
    }

    template <class C>
    bool table_exists(C& c, const std::string& table) const {
        const auto k = relkind(c, table);
        return k == "r" || k == "p" || k == "m";
    }

    template <class C>
    bool use_hypopg(C& c, index::advice& out) const {
        if (o_.mode == hypothetical::real_index) return false;
        auto present = [&] {
            return c.query("SELECT count(*) FROM pg_extension WHERE extname = 'hypopg'").template scalar<std::int64_t>() != 0;
        };
        if (present()) return true;
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

    /// Estimated cost of `sql` with the candidate, or nullopt when the plan does not use it.
    template <class C>
    std::optional<double> cost_with(C& c, const candidate& cand, const std::string& sql, bool hypo) const {
        using cistern::strategy::detail::postgres_explain;
        using cistern::strategy::detail::postgres_plan_cost;
        const std::string ddl = "CREATE INDEX " + std::string(hypo ? "" : "cistern_candidate_index ") + "ON " +
                                qualified(c, cand.table) + " (" + quoted_columns(c, cand.columns) + ")";
        if (hypo) {
            std::array<value, 1> arg{value{ddl}};
            const auto name = c.query("SELECT indexname::text FROM hypopg_create_index($1)", std::span<const value>(arg))
                                  .template scalar<std::string>();
            std::string plan;
            try {
                plan = postgres_explain(c, sql);
            } catch (...) {
                c.query("SELECT hypopg_reset()");
                throw;
            }
            c.query("SELECT hypopg_reset()");
            if (plan.find(name) == std::string::npos) return std::nullopt;
            return postgres_plan_cost(plan);
        }
        c.execute("BEGIN");
        std::string plan;
        try {
            c.execute(ddl);
            plan = postgres_explain(c, sql);
        } catch (...) {
            try {
                c.execute("ROLLBACK");
            } catch (...) {
            }
            throw;
        }
        c.execute("ROLLBACK");
        if (plan.find("cistern_candidate_index") == std::string::npos) return std::nullopt;
        return postgres_plan_cost(plan);
    }

    std::vector<std::string> workload_;
    postgres_missing_options o_;
};

} // namespace cistern::strategy::index
