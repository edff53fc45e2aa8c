// `cistern monitor slow-queries|indexes|tables|activity|summary`: listings with findings.
#include "health.hpp"

#include <cistern/inspect/advice_findings.hpp>
#include <cistern/inspect/sqlite_storage.hpp>
#include <cistern/report/section_of.hpp>
#include <cistern/strategy/index/sqlite_duplicate.hpp>

#ifdef CISTERN_CLI_POSTGRES
#include <cistern/inspect/postgres_activity.hpp>
#include <cistern/inspect/postgres_cache_hit.hpp>
#include <cistern/inspect/postgres_connections.hpp>
#include <cistern/inspect/postgres_invalid_indexes.hpp>
#include <cistern/inspect/postgres_statements.hpp>
#include <cistern/inspect/postgres_tables.hpp>
#include <cistern/strategy/index/postgres_duplicate.hpp>
#include <cistern/strategy/index/postgres_unused.hpp>
#endif

#include <iostream>
#include <memory>

namespace cistern::cli {

namespace {

struct slow_args {
    std::int64_t min_calls = 0;
    double min_time_ms = 0;
    std::size_t limit = 20;
};
struct activity_args {
    std::int64_t cancel = 0, terminate = 0;
    bool apply = false;
};

[[noreturn]] void sqlite_has_no(const char* what, const char* why) {
    throw usage_error(std::string("`monitor ") + what + "` has no meaning on SQLite: " + why);
}

#ifdef CISTERN_CLI_POSTGRES
report::section slow_section(postgres::connection& c, const slow_args& a, const inspect::options& o) {
    inspect::statements_filter f{a.min_calls, a.min_time_ms, a.limit};
    auto r = inspect::postgres_statements(c, f, o);
    auto s = report::section_of("slow_queries", "statements by total time (pg_stat_statements)", r);
    if (r.state != inspect::availability::ok) s.status = health_status::degraded; // the listing is missing: say so in the code
    return s;
}
#endif

int run_slow(const slow_args& a) {
    const auto t = resolve_target();
    if (t.kind == backend::sqlite)
        sqlite_has_no("slow-queries", "SQLite keeps no statement statistics; run your workload through cistern's monitor "
                                      "(cistern::monitor in the application, or monitored_factory around its pool) instead");
#ifdef CISTERN_CLI_POSTGRES
    auto c = open_postgres(t);
    auto d = make_document("monitor slow-queries", t);
    d.add(slow_section(c, a, inspect_options()));
    return emit(d);
#else
    return 3;
#endif
}

int run_activity(const activity_args& a) {
    const auto t = resolve_target();
    if (t.kind == backend::sqlite)
        sqlite_has_no("activity", "an embedded SQLite database has no server sessions to list");
#ifdef CISTERN_CLI_POSTGRES
    auto c = open_postgres(t);
    auto d = make_document("monitor activity", t);
    if (a.cancel || a.terminate) {
        const bool term = a.terminate != 0;
        const auto pid = term ? a.terminate : a.cancel;
        const std::string sql = std::string("SELECT ") + (term ? "pg_terminate_backend" : "pg_cancel_backend") + "(" +
                                std::to_string(pid) + ")";
        report::section s;
        s.id = "action";
        s.title = term ? "terminate session" : "cancel statement";
        if (!a.apply) {
            s.notes.push_back("plan: " + sql + "; dry run: add --apply to run it");
        } else {
            bool ok = false;
            try {
                ok = c.query(sql).scalar<bool>();
            } catch (const query_error& e) {
                throw usage_error(std::string("could not signal pid ") + std::to_string(pid) + ": " + e.what());
            }
            if (!ok) throw usage_error("pid " + std::to_string(pid) + " is not a session of this server (nothing was signalled)");
            s.notes.push_back(std::string(term ? "terminated" : "cancelled the statement of") + " pid " + std::to_string(pid));
        }
        d.add(std::move(s));
        return emit(d);
    }
    d.add(report::section_of("activity", "sessions (running, idle in transaction, blocked)",
                             inspect::postgres_activity(c, inspect_options())));
    return emit(d);
#else
    return 3;
#endif
}

int run_tables() {
    const auto t = resolve_target();
    auto d = make_document("monitor tables", t);
    if (t.kind == backend::sqlite) {
        auto c = open_sqlite(t);
        report::section s;
        s.id = "tables";
        s.title = "tables";
        report::table tb;
        tb.columns = {"table", "rows", "indexes"};
        for (auto r : c.query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")) {
            const auto name = r.get<std::string>(0);
            std::string q;
            for (char ch : name) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
            const auto rows = c.query("SELECT count(*) FROM \"" + q + "\"").scalar<std::int64_t>();
            const auto idx = c.query("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", name).scalar<std::int64_t>();
            tb.rows.push_back({name, rows, idx});
        }
        s.data = std::move(tb);
        d.add(std::move(s));
        return emit(d);
    }
#ifdef CISTERN_CLI_POSTGRES
    auto c = open_postgres(t);
    d.add(report::section_of("tables", "tables (vacuum, analyze, dead tuples, estimated bloat)", inspect::postgres_tables(c, inspect_options())));
#endif
    return emit(d);
}

int run_indexes() {
    const auto t = resolve_target();
    auto d = make_document("monitor indexes", t);
    if (t.kind == backend::sqlite) {
        auto c = open_sqlite(t);
        d.add(report::section_of("duplicate_indexes", "duplicate indexes",
                                 inspect::advice_findings(strategy::index::sqlite_duplicate().advise(c), "duplicate_index")));
        return emit(d);
    }
#ifdef CISTERN_CLI_POSTGRES
    auto c = open_postgres(t);
    const auto o = inspect_options();
    d.add(report::section_of("invalid_indexes", "invalid indexes", inspect::postgres_invalid_indexes(c, o)));
    d.add(report::section_of("duplicate_indexes", "duplicate indexes",
                             inspect::advice_findings(strategy::index::postgres_duplicate().advise(c), "duplicate_index")));
    strategy::index::postgres_unused_options uo;
    uo.max_scans = o.unused_max_scans;
    d.add(report::section_of("unused_indexes", "unused indexes (since the statistics reset)",
                             inspect::advice_findings(strategy::index::postgres_unused(uo).advise(c), "unused_index")));
#endif
    return emit(d);
}

int run_summary(const slow_args& a) {
    const auto t = resolve_target();
    auto d = make_document("monitor summary", t);
    if (t.kind == backend::sqlite) {
        auto c = open_sqlite(t);
        d.add(report::section_of("storage", "storage", inspect::sqlite_storage(c, inspect_options())));
        return emit(d);
    }
#ifdef CISTERN_CLI_POSTGRES
    auto c = open_postgres(t);
    const auto o = inspect_options();
    d.add(report::section_of("connections", "connections", inspect::postgres_connections(c, o)));
    d.add(report::section_of("cache_hit", "buffer cache hit rate", inspect::postgres_cache_hit(c, o)));
    slow_args top = a;
    top.limit = std::min<std::size_t>(a.limit, 5);
    d.add(slow_section(c, top, o));
#endif
    return emit(d);
}

} // namespace

void setup_monitor(CLI::App& app, int& rc) {
    auto* mon = app.add_subcommand("monitor", "Listings of what the database is doing (statements, sessions, tables, indexes).\n"
                                              "Example: cistern monitor slow-queries --min-calls 10 --limit 5");
    mon->require_subcommand(1);

    auto sa = std::make_shared<slow_args>();
    auto add_slow_opts = [sa](CLI::App* s) {
        s->add_option("--min-calls", sa->min_calls, "skip statements called fewer times")->check(CLI::NonNegativeNumber);
        s->add_option("--min-time", sa->min_time_ms, "skip statements with less total time (ms)")->check(CLI::NonNegativeNumber);
        s->add_option("--limit", sa->limit, "at most this many statements")->check(CLI::Range(1, 10000));
    };
    auto* slow = mon->add_subcommand("slow-queries",
                                     "Statements by total time from pg_stat_statements (calls, total/mean time, rows, share).\n"
                                     "Says what to do when the extension is missing, not preloaded, or not readable.\n"
                                     "Example: cistern monitor slow-queries --min-calls 5 --min-time 100 --limit 10");
    add_slow_opts(slow);
    slow->callback([sa, &rc] { rc = run_slow(*sa); });

    auto* sum = mon->add_subcommand("summary", "Connections, cache hit rate and the top statements.\nExample: cistern monitor summary");
    add_slow_opts(sum);
    sum->callback([sa, &rc] { rc = run_summary(*sa); });

    auto aa = std::make_shared<activity_args>();
    auto* act = mon->add_subcommand("activity",
                                    "Running, idle-in-transaction and blocked sessions (with their blockers).\n"
                                    "--cancel PID / --terminate PID print the action; --apply runs it.\n"
                                    "Example: cistern monitor activity --terminate 4242 --apply");
    act->add_option("--cancel", aa->cancel, "cancel this backend's running statement (pg_cancel_backend)")->check(CLI::PositiveNumber);
    act->add_option("--terminate", aa->terminate, "end this backend's session (pg_terminate_backend)")->check(CLI::PositiveNumber);
    act->add_flag("--apply", aa->apply, "really signal the backend");
    add_threshold_options(act);
    act->callback([aa, &rc] {
        if (aa->cancel && aa->terminate) throw usage_error("give --cancel or --terminate, not both");
        rc = run_activity(*aa);
    });

    mon->add_subcommand("tables", "Tables: rows, dead tuples, vacuum/analyze, estimated bloat.\nExample: cistern monitor tables")
        ->callback([&rc] { rc = run_tables(); });
    mon->add_subcommand("indexes", "Invalid, duplicate and unused indexes, each with the statement that fixes it.\n"
                                   "Example: cistern monitor indexes --format json")
        ->callback([&rc] { rc = run_indexes(); });
}

} // namespace cistern::cli
