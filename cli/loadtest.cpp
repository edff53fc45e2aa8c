// `cistern loadtest` and `cistern demo`: a graded load test through cistern's pool, query
// cache and monitor, on SQLite or PostgreSQL. The demo builds its own SQLite file and needs
// no --apply; loadtest on a user's database creates its tables only with --apply (or reuses
// them with --keep); on PostgreSQL they live in their own schema (--schema, default
// cistern_loadtest), never among the application's tables.
#include "health.hpp"
#include "progress.hpp"

#include <cistern/adapter/sqlite/factory.hpp>
#include <cistern/cache/query_admission.hpp>
#include <cistern/cache/query_cache.hpp>
#include <cistern/inspect/advice_findings.hpp>
#include <cistern/inspect/sqlite_storage.hpp>
#include <cistern/monitor/histogram.hpp>
#include <cistern/monitor/monitor.hpp>
#include <cistern/monitor/monitored_factory.hpp>
#include <cistern/monitor/sinks/null_sink.hpp>
#include <cistern/pool/policies.hpp>
#include <cistern/pool/pool.hpp>
#include <cistern/report/section_of.hpp>
#include <cistern/strategy/index/sqlite_missing_from_workload.hpp>
#include <cistern/strategy/index/workload.hpp>
#include <cistern/strategy/partition/sqlite_table_per_period.hpp>
#include <cistern/report/html_renderer.hpp>
#include <cistern/report/plan_section.hpp>

#ifdef CISTERN_CLI_POSTGRES
#include <cistern/adapter/postgres/factory.hpp>
#include <cistern/inspect/postgres_cache_hit.hpp>
#include <cistern/inspect/postgres_connections.hpp>
#include <cistern/strategy/detail/postgres_quote.hpp>
#include <cistern/strategy/index/postgres_missing_from_workload.hpp>
#endif

#include <algorithm>
#include <array>
#include <cctype>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <thread>
#include <unistd.h>
#include <vector>

namespace cistern::cli {

namespace {

struct load_args {
    std::int64_t rows = 100000;
    int users = 50;
    double duration_s = 10;
    bool keep = false, apply = false, compare = false;
    double search_p95_ms = 2000;
    std::size_t pool_size = 8;
    std::string demo_file;
    std::string schema = "cistern_loadtest"; ///< PostgreSQL: where the test tables live
    std::vector<std::string> cache_modes;     ///< --cache: off, all, auto (one more phase each)
};

/// Sampled cached results checked against the database (--cache).
struct stale_check {
    std::atomic<std::uint64_t> sampled{0}, stale{0};
};

bool same_rows(const row_set& a, const row_set& b) {
    if (a.size() != b.size() || a.columns() != b.columns()) return false;
    for (std::size_t r = 0; r < a.size(); ++r)
        for (std::size_t c = 0; c < a.column_count(); ++c)
            if (!(a.cell(r, c) == b.cell(r, c))) return false;
    return true;
}

constexpr int op_count = 5;
constexpr std::array<const char*, op_count> op_names{"pk_lookup", "search", "range_scan", "aggregate", "write"};
constexpr std::array<const char*, op_count> op_sql{
    "SELECT id, actor_id, resource, action, created_at, amount FROM events WHERE id = ?",
    "SELECT id, resource, amount FROM events WHERE actor_id = ? AND action = ? ORDER BY created_at DESC LIMIT 20",
    "SELECT id, actor_id, amount FROM events WHERE created_at >= ? ORDER BY created_at LIMIT 50",
    "SELECT action, count(*), sum(amount) FROM events WHERE resource = ? GROUP BY action",
    "INSERT INTO notes (event_id, body) VALUES (?, ?)"};

/// The operations' statements for a backend: SQLite as above; PostgreSQL with `$n`
/// placeholders and the tables qualified by the test schema.
std::array<std::string, op_count> statements_for(backend b, const std::string& schema) {
    std::array<std::string, op_count> out;
    for (int i = 0; i < op_count; ++i) {
        std::string q = op_sql[i];
        if (b == backend::postgres) {
            std::string r;
            int n = 0;
            for (char ch : q) r += ch == '?' ? "$" + std::to_string(++n) : std::string(1, ch);
            q = r;
            for (const char* t : {"events", "notes"}) {
                const std::string from = std::string(" ") + t + " ", to = " " + schema + "." + t + " ";
                for (auto p = q.find(from); p != std::string::npos; p = q.find(from, p + to.size())) q.replace(p, from.size(), to);
            }
        }
        out[i] = q;
    }
    return out;
}
constexpr std::array<int, op_count> op_weight{30, 30, 15, 15, 10};
constexpr std::int64_t base_time = 1767225600; // 2026-01-01T00:00:00Z
constexpr int actions = 8, resources = 500;

struct phase_result {
    std::string name;
    std::array<std::unique_ptr<histogram>, op_count> lat;
    std::array<std::uint64_t, op_count> errors{};
    double seconds = 0;
    phase_result() {
        for (auto& h : lat) h = std::make_unique<histogram>();
    }
    double p(int op, double pct) const { return static_cast<double>(lat[op]->percentile(pct)) / 1e6; }
    std::uint64_t calls() const {
        std::uint64_t n = 0;
        for (auto& h : lat) n += h->count();
        return n;
    }
};

using monitor_t = monitor<null_sink>;
template <class Factory>
using pool_of = pool<monitored_factory<Factory>, with_listener<cistern::pool_listener>>;

bool tables_exist(sqlite::connection& c) {
    return c.query("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('actors', 'events', 'notes')")
               .scalar<std::int64_t>() == 3;
}

void create_schema(sqlite::connection& c, std::int64_t rows) {
    c.execute_script("DROP TABLE IF EXISTS notes; DROP TABLE IF EXISTS events; DROP TABLE IF EXISTS actors;"
                     "CREATE TABLE actors (id INTEGER PRIMARY KEY, name TEXT NOT NULL, region TEXT NOT NULL);"
                     "CREATE TABLE events (id INTEGER PRIMARY KEY, actor_id INTEGER NOT NULL, resource TEXT NOT NULL,"
                     " action TEXT NOT NULL, created_at INTEGER NOT NULL, amount REAL NOT NULL);"
                     "CREATE TABLE notes (id INTEGER PRIMARY KEY, event_id INTEGER NOT NULL, body TEXT NOT NULL);");
    const std::int64_t n_actors = std::max<std::int64_t>(1, rows / 100);
    std::mt19937_64 rng(42);
    progress_bar bar("generating rows", static_cast<double>(rows));
    c.execute("BEGIN");
    for (std::int64_t a = 1; a <= n_actors; ++a)
        c.execute("INSERT INTO actors (id, name, region) VALUES (?, ?, ?)", a, "actor-" + std::to_string(a),
                  "region-" + std::to_string(a % 12));
    for (std::int64_t i = 1; i <= rows; ++i) {
        c.execute("INSERT INTO events (id, actor_id, resource, action, created_at, amount) VALUES (?, ?, ?, ?, ?, ?)", i,
                  static_cast<std::int64_t>(rng() % n_actors) + 1, "res-" + std::to_string(rng() % resources),
                  "act-" + std::to_string(rng() % actions), base_time + i * 30, static_cast<double>(rng() % 100000) / 100.0);
        if (i % 1000 == 0) bar.update(static_cast<double>(i));
    }
    c.execute("COMMIT");
    bar.finish();
}

/// Runs the mix for `seconds` with `users` threads; `cached` sends reads through the query
/// cache. With `check`, one cached read in 64 is run again on the database, unmonitored and
/// untimed, and compared.
template <class Pool, class Writer, class QC>
phase_result run_phase(const std::string& name, Pool& p, Writer& writer, QC& qc, bool cached, const load_args& a, std::int64_t rows,
                       const std::array<std::string, op_count>& sql, stale_check* check = nullptr) {
    phase_result r;
    r.name = name;
    std::atomic<bool> stop{false};
    const std::int64_t n_actors = std::max<std::int64_t>(1, rows / 100);
    std::vector<std::thread> users;
    std::atomic<std::uint64_t> errs[op_count] = {};
    const auto t0 = std::chrono::steady_clock::now();
    for (int u = 0; u < a.users; ++u) {
        users.emplace_back([&, u] {
            std::mt19937_64 rng(1000 + static_cast<unsigned>(u));
            std::discrete_distribution<int> pick(op_weight.begin(), op_weight.end());
            // hot keys: most requests go to 2 % of the actors / resources / ids, like real traffic
            auto hot = [&](std::int64_t n) { return (rng() % 10 < 8) ? static_cast<std::int64_t>(rng() % std::max<std::int64_t>(1, n / 50)) + 1
                                                                   : static_cast<std::int64_t>(rng() % n) + 1; };
            while (!stop.load(std::memory_order_relaxed)) {
                const int op = pick(rng);
                std::vector<value> params;
                switch (op) {
                case 0: params = {hot(rows)}; break;
                case 1: params = {hot(n_actors), "act-" + std::to_string(rng() % actions)}; break;
                case 2: params = {base_time + hot(rows) * 30}; break;
                case 3: params = {"res-" + std::to_string(hot(resources) - 1)}; break;
                default: params = {hot(rows), std::string("note")}; break;
                }
                const auto s = std::chrono::steady_clock::now();
                try {
                    typename QC::rows_ptr got;
                    if (op == 4) {
                        auto l = writer.acquire();
                        l->execute(sql[op], std::span<const value>(params));
                    } else if (cached) {
                        got = qc.query(sql[op], params);
                    } else {
                        auto l = p.acquire();
                        l->query(sql[op], std::span<const value>(params));
                    }
                    r.lat[op]->record(std::chrono::steady_clock::now() - s);
                    if (got && check && rng() % 64 == 0) {
                        auto l = p.acquire();
                        const row_set now = l->base().query(sql[op], std::span<const value>(params));
                        check->sampled.fetch_add(1, std::memory_order_relaxed);
                        if (!same_rows(*got, now)) check->stale.fetch_add(1, std::memory_order_relaxed);
                    }
                } catch (const cistern::error&) {
                    errs[op].fetch_add(1, std::memory_order_relaxed);
                }
            }
        });
    }
    const auto total = std::chrono::duration<double>(a.duration_s);
    progress_bar bar(name, a.duration_s);
    while (std::chrono::steady_clock::now() - t0 < total) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        bar.update(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    bar.finish();
    stop = true;
    for (auto& t : users) t.join();
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (int i = 0; i < op_count; ++i) r.errors[i] = errs[i].load();
    return r;
}

report::section operations_section(const phase_result& r, const load_args& a, health_status& grade) {
    report::section s;
    s.id = "operations";
    s.title = "operations (" + r.name + "): throughput and latency, graded";
    report::table t;
    t.columns = {"operation", "calls", "ops_per_s", "errors", "p50_ms", "p95_ms", "p99_ms", "target_p95_ms", "grade"};
    for (int i = 0; i < op_count; ++i) {
        const bool graded = i == 1;
        const bool pass = !graded || r.p(i, 95) < a.search_p95_ms;
        t.rows.push_back({std::string(op_names[i]), static_cast<std::int64_t>(r.lat[i]->count()),
                          static_cast<double>(r.lat[i]->count()) / r.seconds, static_cast<std::int64_t>(r.errors[i]),
                          r.p(i, 50), r.p(i, 95), r.p(i, 99), graded ? value(a.search_p95_ms) : value(null_t{}),
                          std::string(graded ? (pass ? "pass" : "FAIL") : "")});
        if (!pass) {
            s.findings.push_back({health_status::degraded, "search_p95",
                                  "search p95 " + std::to_string(r.p(i, 95)) + " ms is over the target " + std::to_string(a.search_p95_ms) + " ms",
                                  "apply the index advice below (`--compare` measures it), cache repeated searches, or raise the pool size"});
            s.status = grade = health_status::degraded;
        }
        if (r.errors[i]) s.notes.push_back(std::to_string(r.errors[i]) + " " + op_names[i] + " operation(s) failed");
    }
    s.data = std::move(t);
    s.notes.push_back(std::to_string(a.users) + " users for " + std::to_string(r.seconds).substr(0, 4) + " s, " +
                      std::to_string(r.calls()) + " operations; latency measured by the client around each call");
    return s;
}

/// SQLite: the tables in the file.
struct sqlite_backend {
    using factory_type = sqlite::factory;
    const target& t;
    const load_args& a;
    static constexpr const char* db_system = "sqlite";
    static constexpr bool single_writer = true;
    backend kind() const { return backend::sqlite; }
    auto open() const { return open_sqlite(t, true); }
    bool exist(sqlite::connection& c) const { return tables_exist(c); }
    std::int64_t rows(sqlite::connection& c) const { return c.query("SELECT count(*) FROM events").scalar<std::int64_t>(); }
    void create(sqlite::connection& c) const { create_schema(c, a.rows); }
    factory_type factory() const {
        sqlite::options so;
        so.busy_timeout = std::chrono::milliseconds(10000);
        return sqlite::factory(t.conn, so);
    }
    std::string where() const { return t.shown; }
    strategy::index::advice advise(sqlite::connection& c, const monitor_snapshot& snap) const {
        return strategy::index::sqlite_missing_from_workload(strategy::index::workload_from(snap)).advise(c);
    }
    void health(report::document& d) const {
        auto c = open_sqlite(t);
        d.add(report::section_of("storage", "database health", inspect::sqlite_storage(c, inspect_options()), false));
    }
};

#ifdef CISTERN_CLI_POSTGRES
/// PostgreSQL: the tables in their own schema, loaded with generate_series in batches.
struct postgres_backend {
    using factory_type = postgres::factory;
    const target& t;
    const load_args& a;
    static constexpr const char* db_system = "postgresql";
    static constexpr bool single_writer = false;
    backend kind() const { return backend::postgres; }
    auto open() const { return open_postgres(t); }
    std::string q(postgres::connection& c, const std::string& table) const {
        return strategy::detail::quote_postgres_identifier(c.native(), a.schema) + "." + table;
    }
    bool exist(postgres::connection& c) const {
        std::int64_t n = 0;
        for (const char* table : {"actors", "events", "notes"})
            n += c.query("SELECT count(*) FROM pg_class WHERE oid = to_regclass($1)", q(c, table)).scalar<std::int64_t>();
        return n == 3;
    }
    std::int64_t rows(postgres::connection& c) const { return c.query("SELECT count(*) FROM " + q(c, "events")).scalar<std::int64_t>(); }
    void create(postgres::connection& c) const {
        const std::string schema = strategy::detail::quote_postgres_identifier(c.native(), a.schema);
        const std::int64_t n_actors = std::max<std::int64_t>(1, a.rows / 100);
        c.execute_script("CREATE SCHEMA IF NOT EXISTS " + schema + ";" + "DROP TABLE IF EXISTS " + q(c, "notes") + ", " + q(c, "events") + ", " +
                         q(c, "actors") + ";" + "CREATE TABLE " + q(c, "actors") +
                         " (id bigint PRIMARY KEY, name text NOT NULL, region text NOT NULL);" + "CREATE TABLE " + q(c, "events") +
                         " (id bigint PRIMARY KEY, actor_id bigint NOT NULL, resource text NOT NULL, action text NOT NULL,"
                         " created_at bigint NOT NULL, amount double precision NOT NULL);" +
                         "CREATE TABLE " + q(c, "notes") + " (id bigserial PRIMARY KEY, event_id bigint NOT NULL, body text NOT NULL);" +
                         "INSERT INTO " + q(c, "actors") + " SELECT g, 'actor-' || g, 'region-' || (g % 12) FROM generate_series(1, " +
                         std::to_string(n_actors) + ") g;");
        c.query("SELECT setseed(0.42)");
        const std::int64_t batch = 10000;
        progress_bar bar("generating rows", static_cast<double>(a.rows));
        for (std::int64_t lo = 1; lo <= a.rows; lo += batch) {
            const std::int64_t hi = std::min(a.rows, lo + batch - 1);
            c.execute("INSERT INTO " + q(c, "events") + " SELECT g, 1 + floor(random() * " + std::to_string(n_actors) +
                      ")::bigint, 'res-' || floor(random() * " + std::to_string(resources) + ")::int, 'act-' || floor(random() * " +
                      std::to_string(actions) + ")::int, " + std::to_string(base_time) + " + g * 30, floor(random() * 100000) / 100.0 " +
                      "FROM generate_series(" + std::to_string(lo) + ", " + std::to_string(hi) + ") g");
            bar.update(static_cast<double>(hi));
        }
        bar.finish();
        c.execute("ANALYZE " + q(c, "actors"));
        c.execute("ANALYZE " + q(c, "events"));
    }
    factory_type factory() const {
        postgres::options o;
        o.connect_timeout = std::chrono::seconds(globals().connect_timeout);
        o.application_name = "cistern-loadtest";
        return postgres::factory(t.conn, o);
    }
    std::string where() const { return t.shown + ", schema " + a.schema; }
    strategy::index::advice advise(postgres::connection& c, const monitor_snapshot& snap) const {
        strategy::index::workload_options wo;
        wo.numbered_parameters = true;
        strategy::index::postgres_missing_options mo;
        mo.schema = a.schema;
        const bool hypo = c.query("SELECT count(*) FROM pg_extension WHERE extname = 'hypopg'").scalar<std::int64_t>() != 0;
        mo.mode = hypo ? strategy::index::hypothetical::hypopg : strategy::index::hypothetical::real_index;
        return strategy::index::postgres_missing_from_workload(strategy::index::workload_from(snap, wo), mo).advise(c);
    }
    void health(report::document& d) const {
        auto c = open_postgres(t);
        const auto o = inspect_options();
        d.add(report::section_of("connections", "connections vs max_connections", inspect::postgres_connections(c, o), false));
        d.add(report::section_of("cache_hit", "buffer cache hit rate", inspect::postgres_cache_hit(c, o), false));
    }
};
#endif

template <class B>
const target& t_of(const B& be) {
    return be.t;
}

/// The demo's partition plan (a dry run): the audit log kept as one SQLite table per month
/// with two months premade and a year of retention, as `cistern partition create` prints it.
report::section demo_partition_plan(const target& t) {
    namespace sp = strategy::partition;
    sp::table_per_period_options o;
    o.table = "events_by_month";
    o.time_column = "created_at";
    o.columns = {{"id", "INTEGER NOT NULL"}, {"actor_id", "INTEGER NOT NULL"}, {"resource", "TEXT NOT NULL"},
                 {"action", "TEXT NOT NULL"}, {"created_at", "INTEGER NOT NULL"}, {"amount", "REAL NOT NULL"}};
    o.every = sp::period::monthly;
    o.premake = 2;
    o.retention = std::chrono::days(365);
    o.storage = sp::time_storage::unix_seconds;
    const sp::sqlite_table_per_period strategy(o);
    auto c = open_sqlite(t);
    auto s = report::plan_section("partition_plan", "partition plan: the audit log as one table per month (dry run)",
                                  strategy.create(c, std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now())),
                                  report::plan_outcome::dry_run);
    s.notes.push_back("the same plan from the command line: cistern partition create events_by_month --column created_at "
                      "--time-format unix --interval monthly --premake 2 --retention 365d --columns \"...\" --url " + t.shown);
    return s;
}

/// --cache: one phase per mode (off: reads on leases; all: every read through the query
/// cache; auto: through the query cache with a query_admission evaluating every tenth of
/// the phase), each from an empty cache, and a table of what each mode saved and cost.
template <class Phase, class QC>
report::section cache_modes_section(const load_args& a, Phase&& phase, QC& qc, monitor_t& mon) {
    report::section s;
    s.id = "cache_modes";
    s.title = "query cache modes: queries saved, read p95, memory, stale reads";
    report::table tb;
    tb.columns = {"mode", "reads", "db_queries_saved", "saved_ratio", "read_p95_ms", "memory_bytes", "sampled", "stale_reads", "admitted"};
    std::vector<std::string> decisions;
    for (const std::string& mode : a.cache_modes) {
        qc.clear();
        const auto before = qc.stats();
        stale_check check;
        std::optional<query_admission> adm;
        if (mode == "auto") {
            query_admission_options o;
            o.interval = std::chrono::milliseconds(std::max<std::int64_t>(50, static_cast<std::int64_t>(a.duration_s * 100)));
            adm.emplace(mon, o);
            qc.set_admission(&*adm);
        }
        const phase_result r = phase("cache " + mode, mode != "off", &check);
        const auto after = qc.stats();
        const std::uint64_t memory = qc.weight();
        std::int64_t admitted = 0;
        if (adm) {
            admitted = static_cast<std::int64_t>(adm->stats().admitted);
            qc.set_admission(nullptr);
            std::size_t shown = 0;
            for (const auto& dn : adm->decisions()) {
                if (shown++ == 6) break;
                decisions.push_back("auto: " + dn.fingerprint.substr(0, 60) + (dn.fingerprint.size() > 60 ? "...: " : ": ") +
                                    (dn.admitted ? "admitted; " : "not admitted; ") + dn.reason_text);
            }
        }
        histogram reads;
        for (int i = 0; i < op_count; ++i)
            if (i != 4) reads.merge_from(*r.lat[i]);
        const std::uint64_t saved = mode == "off" ? 0 : after.hits - before.hits;
        tb.rows.push_back({mode, static_cast<std::int64_t>(reads.count()), static_cast<std::int64_t>(saved),
                           reads.count() ? static_cast<double>(saved) / static_cast<double>(reads.count()) : 0.0,
                           static_cast<double>(reads.percentile(95)) / 1e6, static_cast<std::int64_t>(memory),
                           static_cast<std::int64_t>(check.sampled.load()), static_cast<std::int64_t>(check.stale.load()),
                           admitted});
    }
    qc.clear();
    s.data = std::move(tb);
    s.notes.push_back("each mode one phase of " + std::to_string(a.duration_s).substr(0, 4) +
                      " s from an empty cache; db_queries_saved = cache hits; memory = bytes the cache holds at the end; "
                      "one read in 64 through the query cache is run again on the database and compared (stale_reads)");
    s.notes.push_back("auto: cistern::query_admission (caching advice from the monitor, default thresholds, admit after 2 "
                      "evaluations); admitted = statements admitted at the end");
    for (auto& n : decisions) s.notes.push_back(std::move(n));
    return s;
}

template <class B>
int run_load_on(const B& be, const load_args& a, bool demo) {
    std::int64_t rows = a.rows;
    {
        auto c = be.open();
        const bool exist = be.exist(c);
        if (a.keep && exist) {
            rows = be.rows(c);
        } else if (!demo && !a.apply) {
            std::cout << "plan: create tables actors, events, notes in " << be.where() << " (dropping any of that name) and load "
                      << a.rows << " rows; nothing was changed. Add --apply to run it, or --keep to reuse existing tables.\n";
            return 0;
        } else {
            be.create(c);
        }
    }
    const auto sql = statements_for(be.kind(), a.schema);
    using pool_t = pool_of<typename B::factory_type>;
    monitor_options mo;
    mo.db_system = B::db_system;
    monitor_t mon(mo, null_sink{});
    pool_options po;
    po.name = "loadtest";
    po.max_size = a.pool_size;
    po.min_idle = 1;
    po.acquire_timeout = std::chrono::seconds(30);
    pool_t p(monitored_factory(be.factory(), mon), po, mon.pool_listener());
    cache_options co;
    co.max_weight = 64u << 20;
    query_cache<pool_t> qc(p, co);
    // SQLite has one writer at a time. Writes go through a one-connection pool (FIFO wait)
    // instead of letting every pooled connection race for the lock in SQLite's busy handler,
    // whose back-off sleeps are unfair and starved single INSERTs for over a second.
    using writer_t = pool<monitored_factory<typename B::factory_type>>;
    std::unique_ptr<writer_t> writer_pool;
    if constexpr (B::single_writer) {
        pool_options wo = po;
        wo.name = "loadtest-writer";
        wo.max_size = 1;
        writer_pool = std::make_unique<writer_t>(monitored_factory(be.factory(), mon), wo);
    }
    auto phase = [&](const std::string& name, bool cached, const load_args& pa, stale_check* check = nullptr) {
        if constexpr (B::single_writer) return run_phase(name, p, *writer_pool, qc, cached, pa, rows, sql, check);
        else return run_phase(name, p, p, qc, cached, pa, rows, sql, check);
    };

    report::document d;
    d.command = demo ? "demo" : "loadtest";
    d.target = be.where();
    health_status grade = health_status::healthy;
    load_args phase_args = a;
    if (a.compare) phase_args.duration_s = a.duration_s / 3;

    auto before = phase(a.compare ? "before index advice" : "workload", false, phase_args);
    // index advice from what the monitor saw
    strategy::index::advice adv;
    {
        auto l = p.acquire();
        auto& raw = l->base();
        adv = be.advise(raw, mon.snapshot());
    }
    // With --compare the first phase runs without the advised indexes on purpose: its health
    // is shown, and the graded health is that of the phases after the advice.
    std::optional<monitor_snapshot> before_snap;
    if (a.compare) {
        before_snap = mon.snapshot();
        mon.reset_statistics();
    }
    std::vector<phase_result> phases;
    if (a.compare) {
        {
            auto l = p.acquire();
            adv.to_plan().apply(l->base());
            l->base().execute("ANALYZE");
        }
        phases.push_back(phase("after index advice", false, phase_args));
        phases.push_back(phase("after index advice, query cache on", true, phase_args));
    }
    const phase_result& last = phases.empty() ? before : phases.back();
    mon.observe_pool(p.stats());
    mon.observe_cache(qc.stats());
    d.add(operations_section(last, a, grade));
    if (!a.cache_modes.empty()) d.add(cache_modes_section(a, [&](const std::string& name, bool cached, stale_check* check) {
        return phase(name, cached, a, check);
    }, qc, mon));
    if (a.compare) {
        report::section s;
        s.id = "comparison";
        s.title = "comparison: p95 per operation (ms) and ratios";
        report::table tb;
        tb.columns = {"operation", "before_p95_ms", "indexed_p95_ms", "indexed_cached_p95_ms", "index_speedup", "cache_speedup",
                      "before_ops_s", "indexed_cached_ops_s"};
        for (int i = 0; i < op_count; ++i) {
            const double b = before.p(i, 95), x = phases[0].p(i, 95), y = phases[1].p(i, 95);
            tb.rows.push_back({std::string(op_names[i]), b, x, y, x > 0 ? b / x : 0.0, y > 0 ? x / y : 0.0,
                               static_cast<double>(before.lat[i]->count()) / before.seconds,
                               static_cast<double>(phases[1].lat[i]->count()) / phases[1].seconds});
        }
        s.data = std::move(tb);
        s.notes.push_back("index_speedup = before / indexed p95; cache_speedup = indexed / indexed+cached p95; each phase " +
                          std::to_string(phase_args.duration_s).substr(0, 4) + " s");
        d.add(std::move(s));
    }
    // statements by total time, from the monitor
    const auto snap = mon.snapshot();
    {
        report::section s;
        s.id = "statements";
        s.title = a.compare ? "statements by total time (cistern monitor, after the index advice)"
                            : "statements by total time (cistern monitor)";
        report::table tb;
        tb.columns = {"total_ms", "calls", "p50_ms", "p99_ms", "statement"};
        for (auto& st : snap.statements)
            tb.rows.push_back({static_cast<double>(st.total.count()) / 1e6, static_cast<std::int64_t>(st.calls),
                               static_cast<double>(st.latency.p50.count()) / 1e6, static_cast<double>(st.latency.p99.count()) / 1e6,
                               st.fingerprint});
        s.data = std::move(tb);
        d.add(std::move(s));
    }
    {
        const auto ps = p.stats();
        const auto cs = qc.stats();
        report::section s;
        s.id = "pool_cache";
        s.title = "pool and query cache";
        report::table tb;
        tb.columns = {"figure", "value"};
        tb.rows = {{std::string("pool max_size"), static_cast<std::int64_t>(ps.max_size)},
                   {std::string("pool acquired"), static_cast<std::int64_t>(ps.acquired)},
                   {std::string("pool waited"), static_cast<std::int64_t>(ps.waited)},
                   {std::string("pool timed out"), static_cast<std::int64_t>(ps.timed_out)},
                   {std::string("pool max wait ms"), static_cast<double>(ps.max_wait.count()) / 1e6},
                   {std::string("acquire wait p99 ms"), static_cast<double>(snap.pool.acquire_wait.p99.count()) / 1e6},
                   {std::string("cache hits"), static_cast<std::int64_t>(cs.hits)},
                   {std::string("cache misses"), static_cast<std::int64_t>(cs.misses)},
                   {std::string("cache hit ratio"), cs.hit_ratio()}};
        if (writer_pool) {
            const auto ws = writer_pool->stats();
            tb.rows.push_back({std::string("writer pool waited"), static_cast<std::int64_t>(ws.waited)});
            tb.rows.push_back({std::string("writer pool max wait ms"), static_cast<double>(ws.max_wait.count()) / 1e6});
        }
        s.data = std::move(tb);
        if (writer_pool) s.notes.push_back("SQLite: writes go through a one-connection writer pool (one writer at a time, FIFO)");
        if (!a.compare) s.notes.push_back("the query cache is used only by --compare's last phase");
        d.add(std::move(s));
    }
    {
        if (before_snap) {
            report::section b;
            b.id = "monitor_health_before";
            b.title = "health before the index advice (not graded: that phase lacks the advised indexes on purpose)";
            for (auto& f : before_snap->health.findings)
                b.notes.push_back(std::string(report::level_name(f.severity)) + " " + f.rule + ": " + f.reason);
            if (b.notes.empty()) b.notes.push_back("no finding");
            d.add(std::move(b));
        }
        report::section s;
        s.id = "monitor_health";
        s.title = a.compare ? "health (cistern monitor, after the index advice)" : "health (cistern monitor)";
        s.findings = snap.health.findings;
        s.status = snap.health.status;
        d.add(std::move(s));
        be.health(d);
    }
    auto idx = inspect::advice_findings(adv, "missing_index", health_status::healthy);
    idx.findings.clear();
    auto sec = report::section_of("index_advice", a.compare ? "index advice (applied between the phases)" : "index advice (not applied)", idx);
    for (auto& r : adv.items)
        if (!r.plan_before.empty()) {
            auto flat = [](std::string x) {
                while (!x.empty() && x.back() == '\n') x.pop_back();
                for (std::size_t k = 0; (k = x.find('\n', k)) != std::string::npos;) x.replace(k, 1, "; ");
                return x;
            };
            sec.notes.push_back(r.index_name + ": plan before: " + flat(r.plan_before) + " | after: " + flat(r.plan_after));
        }
    d.add(std::move(sec));
    d.status = std::max(d.status, grade);
    if (demo) {
        d.add(demo_partition_plan(t_of(be)));
        // the same document as one self-contained HTML page beside the database file
        const std::string html = a.demo_file + ".html";
        d.sections.back().notes.push_back("this report as HTML: " + html);
        d.generated_at = now_iso();
        std::ofstream f(html, std::ios::binary | std::ios::trunc);
        report::html_options ho;
        ho.title = "cistern demo";
        if (f) report::html_renderer(ho).render(d, f);
        if (!f) throw cistern::error("demo: cannot write " + html);
    }
    return emit(d);
}

int run_load(const load_args& a, bool demo) {
    target t;
    if (demo) {
        t.kind = backend::sqlite;
        t.conn = a.demo_file;
        t.shown = "sqlite:" + a.demo_file;
        std::error_code ec;
        for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(a.demo_file + ext, ec);
    } else {
        t = resolve_target();
    }
    if (t.kind == backend::sqlite) return run_load_on(sqlite_backend{t, a}, a, demo);
#ifdef CISTERN_CLI_POSTGRES
    if (a.schema.empty() || !std::all_of(a.schema.begin(), a.schema.end(), [](unsigned char ch) {
            return std::islower(ch) || std::isdigit(ch) || ch == '_';
        }) || std::isdigit(static_cast<unsigned char>(a.schema[0])))
        throw usage_error("--schema: '" + a.schema + "' must be a plain lower-case name (letters, digits, _)");
    return run_load_on(postgres_backend{t, a}, a, demo);
#else
    throw usage_error("this cistern was built without PostgreSQL support (libpq); only sqlite: targets work");
#endif
}

void add_load_options(CLI::App* s, const std::shared_ptr<load_args>& a) {
    s->add_option("--rows", a->rows, "rows of the events table")->check(CLI::Range(std::int64_t{100}, std::int64_t{100000000}));
    s->add_option("--users", a->users, "concurrent clients")->check(CLI::Range(1, 1000));
    s->add_option("--duration", a->duration_s, "seconds of load (split in three with --compare)")->check(CLI::Range(0.3, 86400.0));
    s->add_option("--search-p95-ms", a->search_p95_ms, "target: search p95 below this")->check(CLI::PositiveNumber);
    s->add_option("--pool-size", a->pool_size, "pool max_size")->check(CLI::Range(1, 256));
}

} // namespace

void setup_loadtest(CLI::App& app, int& rc) {
    auto a = std::make_shared<load_args>();
    auto* lt = app.add_subcommand("loadtest",
                                  "Graded load test through cistern's pool, query cache and monitor (SQLite or PostgreSQL): an audit log\n"
                                  "(actors, events, notes) with --rows rows, --users clients mixing primary-key lookups,\n"
                                  "filtered searches, range scans with ORDER BY ... LIMIT, aggregations and writes.\n"
                                  "Creates its tables only with --apply (or reuses them with --keep). --compare runs the\n"
                                  "workload before and after applying the index advice, and with the query cache on.\n"
                                  "On PostgreSQL the tables live in --schema (default cistern_loadtest).\n"
                                  "Example: cistern loadtest --url sqlite:load.db --apply --compare --duration 15\n"
                                  "         cistern loadtest --url postgresql://app@db/app --apply --users 50 --rows 100000");
    add_load_options(lt, a);
    lt->add_flag("--keep", a->keep, "reuse the tables of an earlier run");
    lt->add_option("--schema", a->schema, "PostgreSQL: the schema of the test tables (created with --apply)");
    lt->add_flag("--apply", a->apply, "create (drop and recreate) the test tables");
    lt->add_flag("--compare", a->compare, "before/after index advice, query cache off/on, with ratios");
    lt->add_option("--cache", a->cache_modes,
                   "one more phase per mode (off, all, auto; e.g. --cache off,all,auto): queries saved, p95, memory, stale reads")
        ->delimiter(',')
        ->check(CLI::IsMember({"off", "all", "auto"}));
    lt->callback([a, &rc] { rc = run_load(*a, false); });

    auto d = std::make_shared<load_args>();
    d->compare = true;
    d->demo_file = "cistern-demo.db";
    auto* demo = app.add_subcommand("demo",
                                    "Builds its own SQLite demo database (100,000 rows), runs the load test for about 10 s\n"
                                    "with 50 users (before/after index advice, query cache off/on) and prints the report.\n"
                                    "Example: cistern demo --file /tmp/cistern-demo.db");
    add_load_options(demo, d);
    demo->add_option("--file", d->demo_file, "the demo database file (replaced)");
    demo->callback([d, &rc] { rc = run_load(*d, true); });
}

} // namespace cistern::cli
