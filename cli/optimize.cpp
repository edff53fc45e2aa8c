// `cistern optimize indexes|maintenance|config`: advice with its plan; nothing changes
// without --apply (dexter's --create convention), and a re-run after --apply has nothing to do.
#include "collect.hpp"
#include "health.hpp"

#include <cistern/inspect/advice_findings.hpp>
#include <cistern/inspect/sqlite_index_advice.hpp>
#include <cistern/inspect/sqlite_settings.hpp>
#include <cistern/report/section_of.hpp>
#include <cistern/strategy/maintenance/sqlite_maintenance.hpp>

#ifdef CISTERN_CLI_POSTGRES
#include <cistern/inspect/postgres_index_advice.hpp>
#include <cistern/inspect/postgres_settings.hpp>
#include <cistern/strategy/maintenance/postgres_maintenance.hpp>
#endif

#include <cctype>
#include <fstream>
#include <memory>
#include <sstream>

namespace cistern::cli {

namespace {

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
    std::string s;
    for (auto& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

report::section missing_section(const strategy::index::advice& a, const std::string& source, std::size_t statements) {
    report::section s;
    s.id = "missing_indexes";
    s.title = "missing indexes for the workload";
    report::table t;
    t.columns = {"index", "table", "columns", "cost_before", "cost_after", "statements", "sql"};
    for (auto& r : a.items) {
        t.rows.push_back({r.index_name, r.table, join(r.columns), r.cost_before ? value(*r.cost_before) : value(null_t{}),
                          r.cost_after ? value(*r.cost_after) : value(null_t{}), join(r.statements, " | "), r.sql});
        s.findings.push_back({health_status::degraded, "missing_index", "table " + r.table + ": " + r.reason, r.sql});
        s.status = health_status::degraded;
    }
    s.data = std::move(t);
    s.notes.push_back(source.empty() ? std::string("no workload was analysed")
                                     : std::to_string(statements) + " statement(s) from " + source + " analysed");
    s.notes.insert(s.notes.end(), a.notes.begin(), a.notes.end());
    return s;
}

/// Every index the advice looked at and did not propose, with why: the advisors' `kept`
/// lists (indexes kept on purpose, e.g. an unused one that enforces a constraint) and the
/// candidates they set aside in their notes (an existing index already serves them, or
/// the candidate could not be tried).
report::section not_proposed_section(const inspect::index_advice_report& r) {
    report::section s;
    s.id = "not_proposed";
    s.title = "indexes considered and not proposed";
    report::table t;
    t.columns = {"index", "table", "columns", "outcome", "reason"};
    for (auto* a : {&r.missing, &r.duplicate, &r.unused})
        for (auto& k : a->kept)
            t.rows.push_back({k.index_name, k.table, join(k.columns), std::string(a == &r.missing ? "kept" : "kept (not dropped)"), k.reason});
    // "not proposing t(a, b): <why>" and "candidate t(a, b) not tried: <why>"
    auto from_note = [&](const std::string& n, const std::string& prefix, const std::string& after, const char* outcome) {
        if (n.rfind(prefix, 0) != 0) return;
        const auto open = n.find('(', prefix.size()), close = n.find(')' + after, prefix.size());
        if (open == std::string::npos || close == std::string::npos || close < open) return;
        t.rows.push_back({value(null_t{}), n.substr(prefix.size(), open - prefix.size()), n.substr(open + 1, close - open - 1),
                          std::string(outcome), n.substr(close + 1 + after.size())});
    };
    for (auto& n : r.missing.notes) {
        from_note(n, "not proposing ", ": ", "covered");
        from_note(n, "candidate ", " not tried: ", "not tried");
    }
    if (t.rows.empty()) s.notes.push_back("every index considered was proposed (or nothing was considered)");
    s.data = std::move(t);
    return s;
}

[[maybe_unused]] [[noreturn]] void no_postgres() {
    throw usage_error("this cistern was built without PostgreSQL support (libpq); only sqlite: targets work");
}

} // namespace

std::int64_t parse_bytes(const std::string& text, const char* option) {
    std::size_t i = 0;
    std::int64_t n = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) n = n * 10 + (text[i++] - '0');
    if (i == 0) throw usage_error(std::string(option) + ": '" + text + "' is not a size (e.g. 16GB, 512MB)");
    std::string unit;
    for (; i < text.size(); ++i) unit += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i])));
    if (unit.empty() || unit == "b") return n;
    if (unit == "k" || unit == "kb") return n << 10;
    if (unit == "m" || unit == "mb") return n << 20;
    if (unit == "g" || unit == "gb") return n << 30;
    if (unit == "t" || unit == "tb") return n << 40;
    throw usage_error(std::string(option) + ": unknown unit in '" + text + "' (use kB, MB, GB or TB)");
}

void mark_applied(report::section& s) {
    for (auto& f : s.findings) s.notes.push_back("applied: " + f.reason);
    s.findings.clear();
    s.status = health_status::healthy;
}

std::vector<report::section> index_sections(const inspect::index_advice_report& r, bool unused_findings) {
    std::vector<report::section> out;
    out.push_back(missing_section(r.missing, r.workload_source, r.workload.size()));
    out.back().notes.insert(out.back().notes.end(), r.notes.begin(), r.notes.end());
    out.push_back(report::section_of("duplicate_indexes", "duplicate indexes", inspect::advice_findings(r.duplicate, "duplicate_index")));
    auto unused = report::section_of("unused_indexes", "unused indexes (since the statistics reset)",
                                     inspect::advice_findings(r.unused, "unused_index"));
    if (!unused_findings) {
        unused.findings.clear();
        unused.status = health_status::healthy;
        if (!r.unused.items.empty()) unused.notes.push_back("listed only: --drop-unused adds them to the plan (a young statistics reset, "
                                                            "a replica's reads or a rare report may still need them)");
    }
    out.push_back(std::move(unused));
    out.push_back(not_proposed_section(r));
    return out;
}

void collect_index_advice(const target& t, report::document& d, const inspect::index_advice_options& o,
                          const std::optional<std::string>& workload_file, bool drop_unused, bool apply) {
    std::optional<std::vector<std::string>> workload;
    if (workload_file) {
        std::ifstream f(*workload_file);
        if (!f) throw usage_error("--workload: cannot read " + *workload_file);
        std::stringstream ss;
        ss << f.rdbuf();
        workload = inspect::split_statements(ss.str(), t.kind == backend::sqlite ? sql::dialect::sqlite : sql::dialect::postgres);
    }
    auto finish = [&](auto& c, const inspect::index_advice_report& r) {
        auto secs = index_sections(r, drop_unused);
        auto plan = run_plan(c, r.plan(drop_unused), apply, "plan", "plan: create the missing indexes, drop the duplicates");
        for (auto& s : secs) {
            if (apply) mark_applied(s);
            d.add(std::move(s));
        }
        d.add(std::move(plan));
    };
    if (t.kind == backend::sqlite) {
        auto c = open_sqlite(t);
        finish(c, inspect::sqlite_index_advice(c, workload.value_or(std::vector<std::string>{}), o));
        return;
    }
#ifdef CISTERN_CLI_POSTGRES
    auto c = open_postgres(t);
    finish(c, inspect::postgres_index_advice(c, workload, o, inspect_options()));
#else
    no_postgres();
#endif
}

void collect_maintenance(const target& t, report::document& d, const std::string& schema, bool apply) {
    auto add_plan = [&](auto& c, const strategy::plan& p, report::section stats) {
        for (auto& st : p.statements()) stats.findings.push_back({health_status::degraded, "maintenance_due", st.reason, st.sql});
        if (!stats.findings.empty()) stats.status = health_status::degraded;
        auto plan = run_plan(c, p, apply, "plan", "plan: maintenance");
        if (apply) mark_applied(stats);
        d.add(std::move(stats));
        d.add(std::move(plan));
    };
    if (t.kind == backend::sqlite) {
        auto c = open_sqlite(t);
        strategy::maintenance::sqlite_maintenance m;
        const auto st = m.stats(c);
        report::section s;
        s.id = "maintenance";
        s.title = "file figures (pages, free pages, planner statistics)";
        report::table tb;
        tb.columns = {"figure", "value"};
        tb.rows = {{std::string("page_size"), st.page_size},
                   {std::string("pages"), st.page_count},
                   {std::string("free_pages"), st.freelist_count},
                   {std::string("free_ratio"), st.free_ratio()},
                   {std::string("analyzed"), std::string(st.has_stat1 ? "yes" : "never")},
                   {std::string("tables_without_stats"), join(st.without_stats)}};
        s.data = std::move(tb);
        add_plan(c, m.plan_for(c), std::move(s));
        return;
    }
#ifdef CISTERN_CLI_POSTGRES
    auto c = open_postgres(t);
    strategy::maintenance::postgres_maintenance_options mo;
    mo.schema = schema;
    strategy::maintenance::postgres_maintenance m(mo);
    report::section s;
    s.id = "maintenance";
    s.title = "table statistics (dead tuples, vacuum, analyze, scans, cache hits)";
    report::table tb;
    tb.columns = {"table", "live", "dead", "dead_ratio", "modified_since_analyze", "last_vacuum", "last_analyze", "seq_scans",
                  "index_scans", "cache_hit_rate"};
    for (auto& x : m.stats(c))
        tb.rows.push_back({x.table, x.live, x.dead, x.dead_ratio(), x.modified_since_analyze,
                           x.last_vacuum.empty() ? std::string("never") : x.last_vacuum.substr(0, 19),
                           x.last_analyze.empty() ? std::string("never") : x.last_analyze.substr(0, 19), x.seq_scans, x.index_scans,
                           x.cache_hit_rate ? value(*x.cache_hit_rate) : value(null_t{})});
    s.data = std::move(tb);
    s.notes.push_back("schema " + schema + "; figures are cumulative statistics since the last reset (row counts are estimates)");
    add_plan(c, m.plan_for(c), std::move(s));
#else
    (void)schema;
    no_postgres();
#endif
}

void collect_config(const target& t, report::document& d, const inspect::machine_facts& facts, const std::vector<std::string>& only,
                    bool apply) {
    auto finish = [&](auto& c, const auto& r, const strategy::plan& p) {
        auto s = report::section_of("settings", "settings: current, recommended, why", r);
        auto plan = run_plan(c, p, apply, "plan", "plan: apply the recommended settings");
        if (apply) {
            // only what the plan changed is resolved; other findings stay
            std::vector<health_finding> kept;
            for (auto& f : s.findings) {
                bool ran = false;
                for (auto& st : p.statements()) ran |= f.recommendation.rfind(st.sql, 0) == 0;
                if (ran) s.notes.push_back("applied: " + f.reason);
                else kept.push_back(f);
            }
            s.findings = std::move(kept);
            s.status = health_status::healthy;
            for (auto& f : s.findings) s.status = std::max(s.status, f.severity);
        }
        d.add(std::move(s));
        d.add(std::move(plan));
    };
    if (t.kind == backend::sqlite) {
        // Per-connection settings are read as a new connection sees them: no cistern defaults applied.
        sqlite::options so;
        so.create = false;
        so.journal_mode = "";
        so.foreign_keys = false;
        so.busy_timeout = std::chrono::milliseconds(0);
        sqlite::connection c(t.conn, so);
        const auto r = inspect::sqlite_settings(c, inspect_options());
        finish(c, r, inspect::sqlite_settings_plan(r, only));
        return;
    }
#ifdef CISTERN_CLI_POSTGRES
    auto c = open_postgres(t);
    const auto r = inspect::postgres_settings(c, facts, inspect_options());
    finish(c, r, inspect::postgres_settings_plan(r, only));
#else
    (void)facts;
    no_postgres();
#endif
}

void setup_optimize(CLI::App& app, int& rc) {
    auto* opt = app.add_subcommand("optimize", "Advice with a plan: indexes, maintenance, server settings, caching. Changes nothing "
                                               "without --apply.\nExample: cistern optimize indexes --min-calls 10");
    opt->require_subcommand(1);
    setup_optimize_cache(opt, rc);

    struct index_args {
        inspect::index_advice_options o;
        std::string workload;
        bool drop_unused = false, apply = false, no_concurrently = false;
    };
    auto ia = std::make_shared<index_args>();
    auto* idx = opt->add_subcommand(
        "indexes",
        "Index advice: indexes the workload lacks (from pg_stat_statements, or --workload FILE; candidates costed\n"
        "by EXPLAIN with HypoPG or inside rolled-back transactions), duplicate indexes, unused indexes.\n"
        "Prints each index with the statements it serves and the estimated cost before/after, and the plan;\n"
        "--apply creates the missing indexes (CONCURRENTLY) and drops the duplicates (--drop-unused: the unused too).\n"
        "Example: cistern optimize indexes --url postgresql://app@db/app --min-calls 100 --exclude audit_log --apply");
    idx->add_option("--workload", ia->workload, "a file of SQL statements to serve (instead of pg_stat_statements)")->check(CLI::ExistingFile);
    idx->add_option("--min-calls", ia->o.min_calls, "skip statements called fewer times")->check(CLI::NonNegativeNumber);
    idx->add_option("--min-time", ia->o.min_total_ms, "skip statements with less total time (ms)")->check(CLI::NonNegativeNumber);
    idx->add_option("--limit", ia->o.top, "analyse at most this many statements, most total time first")->check(CLI::Range(1, 10000));
    idx->add_option("--include", ia->o.include_tables, "only advise these tables")->delimiter(',');
    idx->add_option("--exclude", ia->o.exclude_tables, "never advise these tables")->delimiter(',');
    idx->add_option("--min-cost-reduction", ia->o.min_cost_reduction, "keep an index that cuts the estimated cost by this share")
        ->check(CLI::Range(0.01, 0.99));
    idx->add_option("--schema", ia->o.schema, "PostgreSQL schema");
    idx->add_option("--unused-max-scans", ia->o.unused_max_scans, "an index scanned at most this often is unused")->check(CLI::NonNegativeNumber);
    idx->add_flag("--drop-unused", ia->drop_unused, "also drop unused indexes (with --apply)");
    idx->add_flag("--no-concurrently", ia->no_concurrently, "plain CREATE/DROP INDEX (locks the table)");
    idx->add_flag("--apply", ia->apply, "run the plan");
    idx->callback([ia, &rc] {
        const auto t = resolve_target();
        auto d = make_document("optimize indexes", t);
        auto o = ia->o;
        o.concurrently = !ia->no_concurrently;
        collect_index_advice(t, d, o, ia->workload.empty() ? std::nullopt : std::optional<std::string>(ia->workload), ia->drop_unused,
                             ia->apply);
        rc = emit(d);
    });

    struct maint_args {
        std::string schema = "public";
        bool apply = false;
    };
    auto ma = std::make_shared<maint_args>();
    auto* mt = opt->add_subcommand("maintenance",
                                   "Maintenance plan: PostgreSQL VACUUM (ANALYZE) for dead tuples, ANALYZE for stale or missing\n"
                                   "statistics, REINDEX CONCURRENTLY for invalid indexes; SQLite ANALYZE, VACUUM for free pages,\n"
                                   "PRAGMA optimize when SQLite says it would act. Exit 1 when something is due.\n"
                                   "Example: cistern optimize maintenance --url sqlite:app.db --apply");
    mt->add_option("--schema", ma->schema, "PostgreSQL schema");
    mt->add_flag("--apply", ma->apply, "run the plan");
    mt->callback([ma, &rc] {
        const auto t = resolve_target();
        auto d = make_document("optimize maintenance", t);
        collect_maintenance(t, d, ma->schema, ma->apply);
        rc = emit(d);
    });

    struct config_args {
        std::string memory, storage = "unknown";
        std::int64_t pool_connections = 0, cores = 0;
        std::vector<std::string> only;
        bool apply = false;
    };
    auto ca = std::make_shared<config_args>();
    auto* cf = opt->add_subcommand(
        "config",
        "Server settings against recommendations, each with the current value, the recommended one and why.\n"
        "PostgreSQL: shared_buffers, effective_cache_size, work_mem, maintenance_work_mem (from the server's RAM),\n"
        "random_page_cost and effective_io_concurrency (--storage), max_connections (against --pool-connections),\n"
        "autovacuum, track_counts, pg_stat_statements, track_io_timing, checkpoint_completion_target.\n"
        "SQLite: journal_mode, synchronous, cache_size, mmap_size, foreign_keys, busy_timeout.\n"
        "--apply runs ALTER SYSTEM (then pg_reload_conf) or PRAGMA journal_mode = WAL; --setting limits it.\n"
        "Example: cistern optimize config --memory 16GB --storage ssd --pool-connections 120");
    cf->add_option("--memory", ca->memory, "the database server's RAM (default: read from the server when allowed)");
    cf->add_option("--storage", ca->storage, "what the data directory is on")->check(CLI::IsMember({"ssd", "hdd", "unknown"}, CLI::ignore_case));
    cf->add_option("--pool-connections", ca->pool_connections, "connections all application pools together may open")
        ->check(CLI::PositiveNumber);
    cf->add_option("--server-cores", ca->cores, "CPU cores of the database server")->check(CLI::PositiveNumber);
    cf->add_option("--setting", ca->only, "apply only these settings (repeatable)");
    cf->add_flag("--apply", ca->apply, "run the plan");
    cf->callback([ca, &rc] {
        const auto t = resolve_target();
        inspect::machine_facts f;
        if (!ca->memory.empty()) f.memory_bytes = parse_bytes(ca->memory, "--memory");
        std::string st = ca->storage;
        for (auto& ch : st) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        f.storage = st == "ssd" ? inspect::storage_kind::ssd : st == "hdd" ? inspect::storage_kind::hdd : inspect::storage_kind::unknown;
        if (ca->pool_connections) f.pool_connections = ca->pool_connections;
        if (ca->cores) f.server_cores = ca->cores;
        auto d = make_document("optimize config", t);
        collect_config(t, d, f, ca->only, ca->apply);
        rc = emit(d);
    });
}

} // namespace cistern::cli
