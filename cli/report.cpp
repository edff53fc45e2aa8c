// `cistern report`: every collector in one document (health, slow statements, index advice,
// caching advice, tables, partitions, settings, maintenance), rendered as text, JSON or self-contained HTML.
#include "collect.hpp"
#include "health.hpp"

#include <cistern/report/section_of.hpp>

#ifdef CISTERN_CLI_POSTGRES
#include <cistern/inspect/postgres_statements.hpp>
#include <cistern/inspect/postgres_tables.hpp>
#endif

#include <memory>

namespace cistern::cli {

namespace {
struct report_args {
    std::string schema = "public";
    bool index_advice = true;
};

/// Runs one collector; a failure becomes a failed section instead of ending the report.
template <class F>
void guarded(report::document& d, const char* id, const char* title, F&& f) {
    try {
        f();
    } catch (const cistern::error& e) {
        d.add(failed_section(id, title, e.what()));
    }
}
} // namespace

/// Every collector of the report into `d` (dry runs only); `serve` refreshes the same.
void collect_report(const target& t, report::document& d, const std::string& schema, bool index_advice) {
    const auto o = inspect_options();
    collect_health(t, d, o);
#ifdef CISTERN_CLI_POSTGRES
    if (t.kind == backend::postgres) {
        guarded(d, "slow_queries", "statements by total time", [&] {
            auto c = open_postgres(t);
            auto st = inspect::postgres_statements(c, inspect::statements_filter{0, 0, 20}, o);
            d.add(report::section_of("slow_queries", "statements by total time (pg_stat_statements)", st));
        });
        guarded(d, "table_stats", "tables", [&] {
            auto c = open_postgres(t);
            auto s = report::section_of("table_stats", "tables (rows, dead tuples, vacuum, analyze, size, bloat)",
                                        inspect::postgres_tables(c, o));
            s.findings.clear(); // the health section "tables" already reports them
            s.status = health_status::healthy;
            d.add(std::move(s));
        });
    }
#endif
    if (index_advice) {
        guarded(d, "missing_indexes", "index advice", [&] {
            inspect::index_advice_options io;
            io.schema = schema;
            io.hypothetical_only = true; // a report never builds trial indexes on live tables
            report::document part;
            collect_index_advice(t, part, io, std::nullopt, false, false);
            for (auto& s : part.sections)
                if (s.id == "missing_indexes" || s.id == "plan") {
                    if (s.id == "plan") {
                        s.id = "index_plan";
                        s.title = "index plan (dry run: cistern optimize indexes --apply runs it)";
                    }
                    d.add(std::move(s));
                }
        });
    }
    guarded(d, "caching_advice", "caching advice", [&] {
        if (t.kind == backend::sqlite) {
            report::section s;
            s.id = "caching_advice";
            s.title = "caching advice";
            s.state = "not_available";
            s.notes.push_back("SQLite keeps no statement statistics: run `cistern optimize cache --workload FILE` to replay the "
                              "statements to weigh and get the advice");
            d.add(std::move(s));
            return;
        }
        // a short measurement: the calls and writes of the next second
        collect_caching_advice(t, d, 1.0, "");
    });
    guarded(d, "partitions", "partitions", [&] { collect_partitions(t, d, schema, ""); });
    guarded(d, "settings", "settings", [&] {
        report::document part;
        collect_config(t, part, inspect::machine_facts{}, {}, false);
        d.add(std::move(part.sections.front()));
    });
    guarded(d, "maintenance", "maintenance", [&] {
        report::document part;
        collect_maintenance(t, part, schema, false);
        for (auto& s : part.sections) {
            if (s.id == "plan") {
                s.id = "maintenance_plan";
                s.title = "maintenance plan (dry run: cistern optimize maintenance --apply runs it)";
            }
            d.add(std::move(s));
        }
    });
}

void setup_report(CLI::App& app, int& rc) {
    auto a = std::make_shared<report_args>();
    auto* r = app.add_subcommand(
        "report",
        "Everything in one document: health checks, slow statements, index advice, caching advice (PostgreSQL:\n"
        "one second of pg_stat_statements), tables, partitions, server\n"
        "settings and the maintenance plan (dry runs: nothing is changed). --format html writes one self-contained\n"
        "page (no script, no external URL) to --output.\n"
        "Example: cistern report --url postgresql://app@db/app --format html -o report.html");
    r->add_option("-o,--output", globals().output, "write the report to this file instead of stdout");
    r->add_option("--schema", a->schema, "PostgreSQL schema for index advice, maintenance and partitions");
    r->add_flag("!--no-index-advice", a->index_advice, "skip the missing-index advice (it EXPLAINs the top statements)");
    add_threshold_options(r);
    r->callback([a, &rc] {
        const auto t = resolve_target();
        auto d = make_document("report", t);
        collect_report(t, d, a->schema, a->index_advice);
        rc = emit(d);
    });
}

} // namespace cistern::cli
