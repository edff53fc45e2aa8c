// `cistern optimize cache`: which statements are worth caching, for how long and at what
// memory cost, and why the others are not (include/cistern/inspect/caching_advice.hpp).
// PostgreSQL: pg_stat_statements and pg_stat_user_tables read twice, --interval seconds
// apart, give the calls, latencies and write rates of the application's own workload.
// SQLite keeps no statement statistics: the statements of --workload FILE are replayed for
// --interval seconds through a monitored connection inside a transaction that is rolled
// back (writes included, so their rates count; nothing stays written).
#include "collect.hpp"
#include "health.hpp"
#include "progress.hpp"

#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/inspect/caching_advice.hpp>
#include <cistern/inspect/table_write_rates.hpp>
#include <cistern/monitor/fingerprint.hpp>
#include <cistern/monitor/monitor.hpp>
#include <cistern/monitor/monitored_factory.hpp>
#include <cistern/monitor/query_summary.hpp>
#include <cistern/monitor/sinks/null_sink.hpp>
#include <cistern/pool/pool.hpp>
#include <cistern/report/caching_advice_section.hpp>

#ifdef CISTERN_CLI_POSTGRES
#include <cistern/inspect/postgres_statements.hpp>
#endif

#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <thread>

namespace cistern::cli {

namespace {

struct cache_args {
    double interval_s = 5;
    std::string workload;
    double min_calls_per_second = 1.0, min_latency_ms = 1.0, min_hit_ratio = 0.5;
    std::string memory = "64MB";
    double min_ttl_s = 1, max_ttl_s = 3600;
    std::size_t assumed_distinct = 100;
};

inspect::caching_advice_options advice_options(const cache_args& a, double window_s) {
    inspect::caching_advice_options o;
    o.window = std::chrono::duration<double>(window_s);
    o.min_calls_per_second = a.min_calls_per_second;
    o.min_mean_latency = std::chrono::nanoseconds(static_cast<std::int64_t>(a.min_latency_ms * 1e6));
    o.min_hit_ratio = a.min_hit_ratio;
    o.memory_budget = static_cast<std::size_t>(parse_bytes(a.memory, "--memory"));
    o.min_ttl = std::chrono::nanoseconds(static_cast<std::int64_t>(a.min_ttl_s * 1e9));
    o.max_ttl = std::chrono::nanoseconds(static_cast<std::int64_t>(a.max_ttl_s * 1e9));
    o.assumed_distinct_entries = a.assumed_distinct;
    return o;
}

/// Waits `seconds` with a progress bar.
void wait_with_progress(const char* label, double seconds) {
    progress_bar bar(label, seconds);
    const auto t0 = std::chrono::steady_clock::now();
    const auto total = std::chrono::duration<double>(seconds);
    while (std::chrono::steady_clock::now() - t0 < total) {
        const std::chrono::duration<double> left = total - (std::chrono::steady_clock::now() - t0);
        std::this_thread::sleep_for(std::min(std::chrono::duration<double>(0.1), left));
        bar.update(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    bar.finish();
}

report::section sqlite_advice(const target& t, const cache_args& a) {
    if (a.workload.empty())
        throw usage_error("optimize cache on SQLite needs --workload FILE: SQLite keeps no statement statistics (no "
                          "pg_stat_statements) and no write counters, so cistern replays the statements of the file for "
                          "--interval seconds and advises from what its monitor saw");
    std::ifstream f(a.workload);
    if (!f) throw usage_error("--workload: cannot read " + a.workload);
    std::stringstream ss;
    ss << f.rdbuf();
    const auto statements = inspect::split_statements(ss.str(), sql::dialect::sqlite);
    if (statements.empty()) throw usage_error("--workload: " + a.workload + " has no statement");
    // distinct statement texts per fingerprint: the distinct results each can have
    std::map<std::string, std::set<std::string>> texts;
    for (auto& s : statements) texts[cistern::fingerprint(s).text].insert(s);

    monitor_options mo;
    mo.db_system = "sqlite";
    mo.flush_on_shutdown = false;
    mo.history_ticker = false;
    monitor<null_sink> mon(mo, null_sink{});
    sqlite::options so;
    so.create = false;
    so.busy_timeout = std::chrono::milliseconds(5000);
    pool_options po;
    po.name = "optimize-cache";
    po.max_size = 1;
    pool<monitored_factory<sqlite::factory>> p(monitored_factory(sqlite::factory(t.conn, so), mon), po);
    double elapsed = 0;
    std::size_t runs = 0;
    {
        auto l = p.acquire();
        l->base().execute("BEGIN"); // not recorded: the workload's writes are rolled back below
        progress_bar bar("replaying the workload", a.interval_s);
        const auto t0 = std::chrono::steady_clock::now();
        try {
            while (std::chrono::steady_clock::now() - t0 < std::chrono::duration<double>(a.interval_s)) {
                for (auto& s : statements) {
                    const auto op = summarize_query(cistern::fingerprint(s).text).operation;
                    if (op == "SELECT" || op == "VALUES" || op == "WITH") l->query(s);
                    else l->execute(s);
                }
                ++runs;
                bar.update(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
            }
        } catch (const query_error& e) {
            l->base().execute("ROLLBACK");
            throw usage_error("--workload: a statement failed: " + std::string(e.what()));
        }
        elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        bar.finish();
        l->base().execute("ROLLBACK");
    }
    const auto snap = mon.snapshot();
    auto o = advice_options(a, elapsed);
    for (auto& [fp, set] : texts) o.distinct_entries[fp] = set.size();
    const auto rates = inspect::table_write_rates::seen_by_monitor(snap, elapsed);
    auto s = report::caching_advice_section(inspect::caching_advice(snap, rates, o));
    char buf[160];
    std::snprintf(buf, sizeof buf, "SQLite: %zu statement(s) of %s replayed %zu time(s) over %.1f s in one transaction, rolled back",
                  statements.size(), a.workload.c_str(), runs, elapsed);
    s.notes.insert(s.notes.begin(), buf);
    return s;
}

#ifdef CISTERN_CLI_POSTGRES
/// pg_stat_statements and pg_stat_user_tables read twice, `interval` apart; the advice over
/// the calls and writes in between.
report::section postgres_advice(const target& t, const cache_args& a) {
    auto c = open_postgres(t);
    const auto o = inspect_options();
    const inspect::statements_filter all{0, 0, 5000};
    auto first = inspect::postgres_statements(c, all, o);
    if (first.state != inspect::availability::ok) {
        report::section s = report::caching_advice_section({});
        s.state = inspect::to_string(first.state);
        s.notes = first.notes;
        s.notes.push_back("optimize cache reads the calls and latencies of pg_stat_statements: without it there is no workload to advise on");
        return s;
    }
    auto writes_before = inspect::read_postgres_table_writes(c, std::chrono::milliseconds(globals().statement_timeout_ms));
    const auto t0 = std::chrono::steady_clock::now();
    wait_with_progress("measuring the workload", a.interval_s);
    auto second = inspect::postgres_statements(c, all, o);
    auto writes_after = inspect::read_postgres_table_writes(c, std::chrono::milliseconds(globals().statement_timeout_ms));
    const double window = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

    std::map<std::string, const inspect::statement_stat*> before;
    for (auto& r : first.rows) before[r.query] = &r;
    monitor_snapshot snap;
    snap.db_system = "postgresql";
    std::size_t utility = 0;
    for (auto& r : second.rows) {
        // cistern's own reading of the statistics is not the application's workload
        if (r.query.find("pg_stat_statements") != std::string::npos || r.query.find("pg_stat_user_tables") != std::string::npos ||
            r.query.find("pg_available_extensions") != std::string::npos)
            continue;
        std::int64_t calls = r.calls, rows = r.rows;
        double ms = r.total_ms;
        if (auto b = before.find(r.query); b != before.end()) {
            calls -= b->second->calls;
            rows -= b->second->rows;
            ms -= b->second->total_ms;
        }
        if (calls <= 0) continue;
        statement_summary st;
        st.fingerprint = cistern::fingerprint(r.query, sql::dialect::postgres).text;
        st.summary = summarize_query(st.fingerprint);
        // BEGIN, SET, ROLLBACK, ... (cistern's own read-only transactions among them) are never cacheable
        const auto& op = st.summary.operation;
        if (op != "SELECT" && op != "WITH" && op != "VALUES" && op != "TABLE" && op != "INSERT" && op != "UPDATE" && op != "DELETE" &&
            op != "MERGE") {
            ++utility;
            continue;
        }
        st.calls = static_cast<std::uint64_t>(calls);
        st.rows = static_cast<std::uint64_t>(std::max<std::int64_t>(0, rows));
        st.total = std::chrono::nanoseconds(static_cast<std::int64_t>(std::max(0.0, ms) * 1e6));
        snap.statements.push_back(std::move(st));
    }
    std::optional<inspect::table_write_rates> rates;
    if (writes_before.state == inspect::availability::ok && writes_after.state == inspect::availability::ok)
        rates = inspect::table_write_rates::between(writes_before, writes_after);
    auto s = report::caching_advice_section(inspect::caching_advice(snap, rates, advice_options(a, window)));
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "PostgreSQL: pg_stat_statements and pg_stat_user_tables read twice, %.1f s apart; %zu statement(s) ran in between",
                  window, snap.statements.size());
    s.notes.insert(s.notes.begin(), buf);
    if (utility > 0)
        s.notes.push_back(std::to_string(utility) + " utility statement(s) (BEGIN, SET, ROLLBACK, ...) left out: never cacheable");
    if (second.rows.size() >= all.limit) s.notes.push_back("only the " + std::to_string(all.limit) + " statements with the most total time were read");
    return s;
}
#endif

report::section advice_for(const target& t, const cache_args& a) {
    if (t.kind == backend::sqlite) return sqlite_advice(t, a);
#ifdef CISTERN_CLI_POSTGRES
    return postgres_advice(t, a);
#else
    throw usage_error("this cistern was built without PostgreSQL support (libpq); only sqlite: targets work");
#endif
}

} // namespace

void collect_caching_advice(const target& t, report::document& d, double interval_s, const std::string& workload) {
    cache_args a;
    a.interval_s = interval_s;
    a.workload = workload;
    d.add(advice_for(t, a));
}

void setup_optimize_cache(CLI::App* opt, int& rc) {
    auto a = std::make_shared<cache_args>();
    auto* s = opt->add_subcommand(
        "cache",
        "Caching advice: which read statements are worth caching in cistern's query cache, with the TTL and the memory\n"
        "each needs, ranked by the database time they would save, and for every other statement why not (its tables\n"
        "change too often, it is already fast, its results are large or rarely repeated, it reads a volatile function,\n"
        "...). PostgreSQL: measures the application's workload from pg_stat_statements and the write counters of\n"
        "pg_stat_user_tables over --interval seconds. SQLite (no statistics): replays --workload FILE for --interval\n"
        "seconds inside a transaction that is rolled back. Changes nothing.\n"
        "Example: cistern optimize cache --url postgresql://app@db/app --interval 30\n"
        "         cistern optimize cache --url sqlite:app.db --workload hot.sql --interval 5 --format json");
    s->add_option("--interval", a->interval_s, "seconds between the two readings (PostgreSQL) or of replay (SQLite)")
        ->check(CLI::Range(0.2, 3600.0));
    s->add_option("--workload", a->workload, "SQLite: the statements to replay, separated by ';'")->check(CLI::ExistingFile);
    s->add_option("--min-calls-per-second", a->min_calls_per_second, "fewer calls per second: too_few_calls")->check(CLI::NonNegativeNumber);
    s->add_option("--min-latency-ms", a->min_latency_ms, "a lower mean latency: already_fast")->check(CLI::NonNegativeNumber);
    s->add_option("--min-hit-ratio", a->min_hit_ratio, "a lower achievable hit ratio: not worth caching")->check(CLI::Range(0.0, 1.0));
    s->add_option("--memory", a->memory, "the memory all recommendations together may use (e.g. 64MB)");
    s->add_option("--min-ttl", a->min_ttl_s, "shortest TTL recommended, seconds")->check(CLI::PositiveNumber);
    s->add_option("--max-ttl", a->max_ttl_s, "longest TTL (for tables not written), seconds")->check(CLI::PositiveNumber);
    s->add_option("--assumed-distinct", a->assumed_distinct, "distinct results assumed for a statement with parameters")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30));
    s->callback([a, &rc] {
        if (a->max_ttl_s < a->min_ttl_s) throw usage_error("--max-ttl must not be below --min-ttl");
        const auto t = resolve_target();
        auto d = make_document("optimize cache", t);
        d.add(advice_for(t, *a));
        rc = emit(d);
    });
}

} // namespace cistern::cli
