// `cistern health`: one line per check with status and recommendation; exit code from the worst.
#include "health.hpp"

#include <cistern/inspect/advice_findings.hpp>
#include <cistern/inspect/sqlite_storage.hpp>
#include <cistern/report/section_of.hpp>
#include <cistern/strategy/index/sqlite_duplicate.hpp>

#ifdef CISTERN_CLI_POSTGRES
#include <cistern/inspect/postgres_activity.hpp>
#include <cistern/inspect/postgres_cache_hit.hpp>
#include <cistern/inspect/postgres_connections.hpp>
#include <cistern/inspect/postgres_default_partitions.hpp>
#include <cistern/inspect/postgres_invalid_indexes.hpp>
#include <cistern/inspect/postgres_replication.hpp>
#include <cistern/inspect/postgres_sequences.hpp>
#include <cistern/inspect/postgres_statements.hpp>
#include <cistern/inspect/postgres_tables.hpp>
#include <cistern/inspect/postgres_wraparound.hpp>
#include <cistern/strategy/index/postgres_duplicate.hpp>
#include <cistern/strategy/index/postgres_unused.hpp>
#endif

#include <memory>

namespace cistern::cli {

namespace {
struct health_args {
    int long_query_s = 60;
    int idle_s = 60;
    double sequence_warning = 0.9;
};
std::shared_ptr<health_args> g_health = std::make_shared<health_args>();

template <class R>
void add_advice(report::document& d, const char* id, const char* title, const R& advise_fn, const char* rule) {
    try {
        d.add(report::section_of(id, title, inspect::advice_findings(advise_fn(), rule), false));
    } catch (const query_error& e) {
        d.add(failed_section(id, title, e.what()));
    }
}
} // namespace

report::section failed_section(std::string id, std::string title, std::string message) {
    report::section s;
    s.id = std::move(id);
    s.title = std::move(title);
    s.state = "failed";
    s.notes.push_back(std::move(message));
    return s;
}

inspect::options inspect_options() {
    inspect::options o;
    o.statement_timeout = std::chrono::milliseconds(globals().statement_timeout_ms);
    o.long_query_warning = std::chrono::seconds(g_health->long_query_s);
    o.long_query_critical = std::max(o.long_query_warning, o.long_query_critical);
    o.idle_in_transaction_warning = std::chrono::seconds(g_health->idle_s);
    o.idle_in_transaction_critical = std::max(o.idle_in_transaction_warning, o.idle_in_transaction_critical);
    o.sequence_warning = g_health->sequence_warning;
    o.sequence_critical = std::max(o.sequence_warning, o.sequence_critical);
    o.validate();
    return o;
}

void collect_health(const target& t, report::document& d, const inspect::options& o) {
    if (t.kind == backend::sqlite) {
        auto c = open_sqlite(t);
        d.add(report::section_of("storage", "integrity, free pages, WAL, statistics", inspect::sqlite_storage(c, o), false));
        add_advice(d, "duplicate_indexes", "duplicate indexes", [&] { return strategy::index::sqlite_duplicate().advise(c); },
                   "duplicate_index");
        return;
    }
#ifdef CISTERN_CLI_POSTGRES
    auto c = open_postgres(t);
    using namespace inspect;
    d.add(report::section_of("connections", "connections vs max_connections", postgres_connections(c, o), false));
    d.add(report::section_of("activity", "long-running, idle-in-transaction and blocked queries", postgres_activity(c, o), false));
    d.add(report::section_of("wraparound", "transaction-ID wraparound", postgres_wraparound(c, o), false));
    d.add(report::section_of("sequences", "sequences near their maximum", postgres_sequences(c, o), false));
    d.add(report::section_of("invalid_indexes", "invalid indexes", postgres_invalid_indexes(c, o), false));
    add_advice(d, "duplicate_indexes", "duplicate indexes", [&] { return strategy::index::postgres_duplicate().advise(c); },
               "duplicate_index");
    strategy::index::postgres_unused_options uo;
    uo.max_scans = o.unused_max_scans;
    add_advice(d, "unused_indexes", "unused indexes", [&] { return strategy::index::postgres_unused(uo).advise(c); },
               "unused_index");
    d.add(report::section_of("tables", "vacuum, analyze, dead tuples, estimated bloat", postgres_tables(c, o), false));
    d.add(report::section_of("cache_hit", "buffer cache hit rate", postgres_cache_hit(c, o), false));
    d.add(report::section_of("default_partitions", "rows in default partitions", postgres_default_partitions(c, o), false));
    d.add(report::section_of("replication", "replication lag", postgres_replication(c, o), false));
    auto st = postgres_statements(c, statements_filter{0, 0, 1}, o);
    st.rows.clear();
    d.add(report::section_of("pg_stat_statements", "pg_stat_statements", st, false));
#else
    throw usage_error("this cistern was built without PostgreSQL support (libpq); only sqlite: targets work");
#endif
}

void add_threshold_options(CLI::App* sub) {
    auto a = g_health;
    sub->add_option("--long-query-seconds", a->long_query_s, "an active statement this old is long-running")->check(CLI::Range(0, 86400));
    sub->add_option("--idle-seconds", a->idle_s, "idle in transaction this long is a finding")->check(CLI::Range(0, 86400));
}

void setup_health(CLI::App& app, int& rc) {
    auto* sub = app.add_subcommand("health",
                                   "Run every health check: one line per check with status and recommendation.\n"
                                   "PostgreSQL: connections, long-running / idle-in-transaction / blocked queries, XID "
                                   "wraparound, sequences, invalid / duplicate / unused indexes, vacuum / analyze / dead "
                                   "tuples / bloat, cache hit rate, default partitions, replication lag.\n"
                                   "SQLite: quick_check, free pages, WAL size, missing ANALYZE, duplicate indexes.\n"
                                   "Example: cistern health --url postgresql://app@127.0.0.1/app --fail-on critical");
    auto a = g_health;
    add_threshold_options(sub);
    sub->add_option("--sequence-warning", a->sequence_warning, "share of a sequence's maximum")->check(CLI::Range(0.01, 1.0));
    sub->callback([&rc] {
        const auto t = resolve_target();
        auto d = make_document("health", t);
        collect_health(t, d, inspect_options());
        rc = emit(d, false);
    });
}

} // namespace cistern::cli
