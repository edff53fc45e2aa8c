#pragma once
/// \file
/// `cistern::inspect::postgres_index_advice`: dexter-class index advice for PostgreSQL:
/// missing indexes for the workload (pg_stat_statements or given statements, costed by
/// their generic plans), duplicate and unused indexes.

#include <cistern/error.hpp>
#include <cistern/inspect/index_advice.hpp>
#include <cistern/inspect/options.hpp>
#include <cistern/inspect/postgres_statements.hpp>
#include <cistern/strategy/index/postgres_duplicate.hpp>
#include <cistern/strategy/index/postgres_missing_from_workload.hpp>
#include <cistern/strategy/index/postgres_unused.hpp>
#include <cistern/strategy/index/workload.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::inspect {

/// The advice for schema `a.schema`. `workload`: the statements to serve; nullopt reads
/// the top statements of pg_stat_statements (a.min_calls, a.min_total_ms, a.top; only
/// SELECT, UPDATE, DELETE and WITH), and says what is missing when it cannot. Candidates
/// are costed with HypoPG when the extension is already created in the database, otherwise
/// as real indexes inside rolled-back transactions (noted: each trial builds the index and
/// blocks writes to its table while it does) unless a.hypothetical_only; nothing outlives
/// the call and no extension is created. A failing advisor becomes a note, never an exception.
template <class C>
index_advice_report postgres_index_advice(C& c, std::optional<std::vector<std::string>> workload, const index_advice_options& a = {},
                                          const options& o = {}) {
    index_advice_report r;
    if (workload) {
        r.workload = std::move(*workload);
        r.workload_source = "the workload file";
    } else {
        auto st = postgres_statements(c, statements_filter{a.min_calls, a.min_total_ms, a.top}, o);
        r.notes.insert(r.notes.end(), st.notes.begin(), st.notes.end());
        if (st.state == availability::ok) {
            r.workload_source = "pg_stat_statements";
            for (auto& s : st.rows)
                if (strategy::index::detail::indexable_statement(s.query)) r.workload.push_back(s.query);
        } else {
            r.notes.push_back(std::string("no workload: pg_stat_statements is ") + to_string(st.state) +
                              "; missing-index advice needs it, or a workload file (--workload)");
        }
    }
    auto guarded = [&](const char* what, auto&& f) { return detail::guarded_advice(r.notes, what, a, f); };
    if (!r.workload.empty()) {
        strategy::index::postgres_missing_options mo;
        mo.schema = a.schema;
        mo.min_cost_reduction = a.min_cost_reduction;
        mo.concurrently = a.concurrently;
        bool hypo = false;
        try {
            hypo = c.query(std::string_view("SELECT count(*) FROM pg_extension WHERE extname = 'hypopg'")).template scalar<std::int64_t>() != 0;
        } catch (const query_error&) {
        }
        mo.mode = hypo ? strategy::index::hypothetical::hypopg : strategy::index::hypothetical::real_index;
        if (!hypo && a.hypothetical_only)
            r.notes.push_back("missing-index advice skipped: HypoPG is not created in this database and real trial indexes "
                              "would block writes while they build; CREATE EXTENSION hypopg, or run cistern optimize indexes");
        else if (!hypo)
            r.notes.push_back("HypoPG is not created in this database: candidates were built as real indexes inside rolled-back "
                              "transactions (each blocks writes to its table while it builds); CREATE EXTENSION hypopg makes trials free");
        if (hypo || !a.hypothetical_only)
            r.missing = guarded("missing-index", [&] { return strategy::index::postgres_missing_from_workload(r.workload, mo).advise(c); });
    }
    r.duplicate = guarded("duplicate-index", [&] { return strategy::index::postgres_duplicate(a.schema, a.concurrently).advise(c); });
    strategy::index::postgres_unused_options uo;
    uo.schema = a.schema;
    uo.max_scans = a.unused_max_scans;
    uo.concurrently = a.concurrently;
    r.unused = guarded("unused-index", [&] { return strategy::index::postgres_unused(uo).advise(c); });
    return r;
}

} // namespace cistern::inspect
