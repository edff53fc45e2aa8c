// `cistern partition create|list|analyze|maintain|cleanup|move-default`: the strategies of
// strategy/partition (PostgreSQL range by time or by id; SQLite one table per period)
// with pg_partman's verbs. Plans are printed; only --apply runs them.
#include "collect.hpp"
#include "health.hpp"

#include <cistern/report/section_of.hpp>
#include <cistern/strategy/partition/sqlite_table_per_period.hpp>

#ifdef CISTERN_CLI_POSTGRES
#include <cistern/inspect/postgres_partitioned_tables.hpp>
#include <cistern/strategy/partition/postgres_range_by_id.hpp>
#include <cistern/strategy/partition/postgres_range_by_time.hpp>
#endif

#include <cctype>
#include <chrono>
#include <cstdio>
#include <memory>
#include <variant>

namespace cistern::cli {

namespace {

namespace sp = strategy::partition;

struct part_args {
    std::string table, column, interval = "monthly", schema = "public", columns, retention, time_format = "iso";
    int premake = 4;
    bool default_partition = false, keep_detached = false, apply = false;
    std::int64_t batch_rows = 0; ///< move-default: the most rows one run moves (whole ranges)
    int max_batches = 0;         ///< move-default: the most ranges one run moves
    int lock_timeout_ms = 5000;  ///< move-default: each batch's lock_timeout
    std::vector<std::string> queries;
};

std::chrono::sys_seconds now() { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); }

bool all_digits(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

sp::period parse_period(const std::string& s) {
    if (s == "daily" || s == "day") return sp::period::daily;
    if (s == "weekly" || s == "week") return sp::period::weekly;
    if (s == "monthly" || s == "month") return sp::period::monthly;
    if (s == "yearly" || s == "year") return sp::period::yearly;
    throw usage_error("--interval: '" + s + "' is not daily, weekly, monthly, yearly or a number of keys");
}

std::chrono::seconds parse_retention(const std::string& s) {
    if (s.empty()) return std::chrono::seconds(0);
    std::size_t i = 0;
    std::int64_t n = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) n = n * 10 + (s[i++] - '0');
    const std::string unit = s.substr(i);
    if (i == 0) throw usage_error("--retention: '" + s + "' is not a duration (e.g. 90d, 12w, 48h)");
    if (unit == "h") return std::chrono::hours(n);
    if (unit == "d" || unit.empty()) return std::chrono::days(n);
    if (unit == "w") return std::chrono::weeks(n);
    throw usage_error("--retention: unit '" + unit + "' unknown: use h, d or w (e.g. 365d; months differ in length)");
}

/// "id bigint NOT NULL, amount numeric(10,2)" -> column_defs (commas inside parentheses kept).
std::vector<sp::column_def> parse_columns(const std::string& text) {
    std::vector<sp::column_def> out;
    int depth = 0;
    std::string cur;
    auto flush = [&] {
        auto b = cur.find_first_not_of(" \t\n");
        if (b == std::string::npos) return;
        auto e = cur.find_last_not_of(" \t\n");
        const std::string part = cur.substr(b, e - b + 1);
        const auto sp = part.find_first_of(" \t");
        out.push_back({part.substr(0, sp), sp == std::string::npos ? std::string{} : part.substr(part.find_first_not_of(" \t", sp))});
        cur.clear();
    };
    for (char ch : text) {
        if (ch == '(') ++depth;
        if (ch == ')') --depth;
        if (ch == ',' && depth == 0) flush();
        else cur += ch;
    }
    flush();
    return out;
}

/// Partitions as a table; default-partition rows and a missing future partition are findings.
report::section partitions_section(const std::string& table, const std::vector<sp::partition_info>& parts, bool time_key) {
    report::section s;
    s.id = "partitions";
    s.title = "partitions of " + table;
    report::table t;
    t.columns = {"partition", "lower", "upper", "rows", "bytes", "default"};
    std::int64_t rows = 0;
    bool ahead = false;
    const auto now_text = sp::format_timestamp(now());
    for (auto& p : parts) {
        t.rows.push_back({p.name, p.lower, p.upper, p.rows, p.bytes ? value(*p.bytes) : value(null_t{}), std::string(p.is_default ? "yes" : "")});
        rows += p.rows;
        if (p.is_default && p.rows > 0) {
            s.findings.push_back({health_status::degraded, "default_partition_rows",
                                  "default partition " + p.name + " of " + table + " holds " + std::to_string(p.rows) +
                                      " row(s) that no range partition covers",
                                  "create the partitions for their range, move the rows out of the default partition, then maintain again"});
        }
        if (!p.is_default && p.upper.substr(0, 19) > now_text) ahead = true;
    }
    if (time_key && !parts.empty() && !ahead)
        s.findings.push_back({health_status::degraded, "no_future_partition",
                              "no partition of " + table + " covers the time after " + now_text + " UTC: new rows will fail or go to the default partition",
                              "cistern partition maintain " + table + " --apply (from cron)"});
    for (auto& f : s.findings) s.status = std::max(s.status, f.severity);
    s.data = std::move(t);
    s.notes.push_back(std::to_string(parts.size()) + " partition(s), " + std::to_string(rows) + " row(s) (exact counts)");
    return s;
}

// ---- SQLite -------------------------------------------------------------------------

sp::sqlite_table_per_period sqlite_strategy(sqlite::connection& c, const part_args& a) {
    if (a.table.empty()) throw usage_error("SQLite has no catalog of partitioned tables: name the table");
    if (a.column.empty()) throw usage_error("--column: the time column is needed on SQLite");
    if (all_digits(a.interval)) throw usage_error("--interval: SQLite partitions by time only (daily, weekly, monthly, yearly)");
    sp::table_per_period_options o;
    o.table = a.table;
    o.time_column = a.column;
    o.every = parse_period(a.interval);
    o.premake = a.premake;
    o.retention = parse_retention(a.retention);
    o.storage = a.time_format == "unix" ? sp::time_storage::unix_seconds : sp::time_storage::iso_text;
    if (!a.columns.empty()) {
        o.columns = parse_columns(a.columns);
    } else {
        // the view (or plain table) of that name, else its newest period table
        std::string source = a.table;
        const std::string prefix = a.table + "_p";
        for (auto r : c.query("SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, ?) = ? ORDER BY name",
                              static_cast<std::int64_t>(prefix.size()), prefix))
            if (c.query("SELECT count(*) FROM sqlite_master WHERE name = ?", a.table).scalar<std::int64_t>() == 0)
                source = r.get<std::string>(0);
        for (auto r : c.query("SELECT name, type, \"notnull\" FROM pragma_table_info(?)", source))
            o.columns.push_back({r.get<std::string>(0), r.get<std::string>(1) + (r.get<std::int64_t>(2) ? " NOT NULL" : "")});
        if (o.columns.empty()) throw usage_error("table " + a.table + " does not exist: give --columns \"name type, ...\" to create it");
    }
    return sp::sqlite_table_per_period(std::move(o));
}

int run_sqlite(const std::string& verb, const part_args& a, const target& t) {
    if (verb == "move-default")
        throw usage_error("partition move-default has no meaning on SQLite: SQLite has no declarative partitioning and so no "
                          "default partition; cistern's SQLite partitioning is one table per period behind a view, and each "
                          "row is inserted into its period's table directly, so no row waits in a catch-all table to be moved");
    auto c = open_sqlite(t);
    auto d = make_document("partition " + verb, t);
    auto s = sqlite_strategy(c, a);
    const auto at = now();
    if (verb == "list" || verb == "analyze") {
        d.add(partitions_section(a.table, s.analyze(c), true));
        if (verb == "analyze" && !a.queries.empty()) {
            report::section q;
            q.id = "pruning";
            q.title = "partition pruning";
            q.notes.push_back("SQLite reads a UNION ALL view: each period table's CHECK lets the planner skip it; "
                              "EXPLAIN QUERY PLAN shows which are read");
            report::table tb;
            tb.columns = {"query", "plan"};
            for (auto& sql : a.queries) {
                std::string plan;
                for (auto r : c.query("EXPLAIN QUERY PLAN " + sql)) plan += (plan.empty() ? "" : "; ") + r.get<std::string>(3);
                tb.rows.push_back({sql, plan});
            }
            q.data = std::move(tb);
            d.add(std::move(q));
        }
        return emit(d);
    }
    strategy::plan p;
    const bool view = c.query("SELECT count(*) FROM sqlite_master WHERE type = 'view' AND name = ?", a.table).scalar<std::int64_t>() != 0;
    if (verb == "create") p = view ? s.maintain(c, at) : s.create(c, at); // already partitioned: only what is due
    else if (verb == "maintain") p = s.maintain(c, at).append(s.retention(c, at));
    else if (verb == "cleanup") {
        if (a.retention.empty()) throw usage_error("cleanup needs --retention (e.g. 90d)");
        p = s.retention(c, at);
    }
    d.add(run_plan(c, p, a.apply, "plan", "plan: " + verb + " " + a.table, "partition_alert"));
    return emit(d);
}

// ---- PostgreSQL ---------------------------------------------------------------------

#ifdef CISTERN_CLI_POSTGRES
using pg_strategy = std::variant<sp::range_by_time, sp::range_by_id>;

std::optional<inspect::partitioned_table> find_parent(postgres::connection& c, const part_args& a) {
    auto r = inspect::postgres_partitioned_tables(c, a.schema, inspect_options());
    if (r.state != inspect::availability::ok) throw cistern::error("cannot read the partitioned tables: " + (r.notes.empty() ? "" : r.notes[0]));
    for (auto& p : r.rows)
        if (p.table == a.table) return p;
    return std::nullopt;
}

pg_strategy pg_make(const part_args& a, const std::optional<inspect::partitioned_table>& parent) {
    std::string column = a.column.empty() && parent ? parent->column : a.column;
    if (column.empty()) throw usage_error("--column: name the partition key column");
    if (parent && !a.column.empty() && parent->column != a.column)
        throw usage_error(a.table + " is partitioned by " + parent->key + ", not by " + a.column);
    const bool by_id = all_digits(a.interval);
    if (parent && parent->integer_key() && !all_digits(a.interval))
        throw usage_error(a.table + " is partitioned by an integer key: --interval must be a number of keys, e.g. 1000000");
    if (by_id) {
        sp::range_by_id_options o;
        o.schema = a.schema;
        o.table = a.table;
        o.column = column;
        o.columns = parse_columns(a.columns);
        o.interval = std::stoll(a.interval);
        o.premake = a.premake;
        o.default_partition = a.default_partition;
        return sp::range_by_id(std::move(o));
    }
    sp::range_by_time_options o;
    o.schema = a.schema;
    o.table = a.table;
    o.column = column;
    o.columns = parse_columns(a.columns);
    o.every = parse_period(a.interval);
    o.premake = a.premake;
    o.default_partition = a.default_partition;
    o.retention = parse_retention(a.retention);
    o.expiry = a.keep_detached ? sp::on_expiry::keep_detached : sp::on_expiry::drop;
    return sp::range_by_time(std::move(o));
}

/// The batches of a partition_default() plan, read back from its statements: one row per
/// batch (partition, bounds, the rows counted when planned).
report::section batches_section(const strategy::plan& p, const std::string& table, std::int64_t& rows_total) {
    report::section s;
    s.id = "move_default";
    s.title = "rows to move out of the default partition of " + table;
    report::table t;
    t.columns = {"batch", "partition", "lower", "upper", "rows"};
    rows_total = 0;
    std::int64_t n = 0;
    for (auto& st : p.statements()) {
        if (st.sql.rfind("WITH moved AS (DELETE FROM", 0) != 0) continue;
        // "batch N (name): move the R rows of [lower, upper) (counted when planned) ..."
        const auto& r = st.reason;
        const auto open = r.find(" ("), close = r.find("): "), rows_at = r.find("move the "), lb = r.find("rows of ["),
                   comma = r.find(", ", lb == std::string::npos ? 0 : lb), ub = r.find(") (counted");
        if (open == std::string::npos || close == std::string::npos || rows_at == std::string::npos || lb == std::string::npos ||
            comma == std::string::npos || ub == std::string::npos)
            continue;
        const std::int64_t rows = std::stoll(r.substr(rows_at + 9));
        rows_total += rows;
        t.rows.push_back({++n, r.substr(open + 2, close - open - 2), r.substr(lb + 9, comma - lb - 9), r.substr(comma + 2, ub - comma - 2),
                          rows});
    }
    s.notes.push_back(std::to_string(n) + " batch(es), " + std::to_string(rows_total) +
                      " row(s) (counted when planned); each batch is one partition range moved and attached in one transaction");
    s.data = std::move(t); // always: the JSON form has "rows": [] when there is nothing to move
    return s;
}

/// `partition move-default`: the batches of partition_default(), run only with --apply.
int move_default(postgres::connection& c, report::document& d, const part_args& a, const std::optional<inspect::partitioned_table>& parent) {
    if (!parent) throw usage_error("table " + a.schema + "." + a.table + " is not partitioned: move-default moves rows out of the DEFAULT "
                                   "partition of a range-partitioned table");
    part_args one = a;
    if (parent->integer_key() && !all_digits(one.interval))
        throw usage_error(a.table + " is partitioned by an integer key: --interval must be the keys per partition, e.g. 1000000");
    const auto strat = pg_make(one, parent);
    sp::move_options m;
    m.max_rows = a.batch_rows;
    m.max_batches = a.max_batches;
    m.lock_timeout = std::chrono::milliseconds(a.lock_timeout_ms);
    auto in_default = [&] {
        std::optional<std::pair<std::string, std::int64_t>> out;
        std::visit([&](auto& s) {
            for (auto& p : s.analyze(c))
                if (p.is_default) out = std::pair{p.name, p.rows};
        }, strat);
        return out;
    };
    const auto before = in_default();
    strategy::plan p;
    std::visit([&](auto& s) { p = s.partition_default(c, m); }, strat);
    std::int64_t rows = 0;
    auto batches = batches_section(p, a.table, rows);
    if (!before) batches.notes.push_back(a.table + " has no default partition: nothing to do");
    else batches.notes.push_back(before->first + " holds " + std::to_string(before->second) + " row(s) before this run");
    d.add(std::move(batches));
    const auto t0 = std::chrono::steady_clock::now();
    d.add(run_plan(c, p, a.apply, "plan", "plan: move-default " + a.table, "partition_alert"));
    if (a.apply && !p.empty()) {
        const auto after = in_default();
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        char took[32];
        std::snprintf(took, sizeof took, "%.2f", s);
        d.sections.front().notes.push_back("moved " + std::to_string(rows) + " row(s) in " + took + " s; " +
                                           (after ? after->first + " now holds " + std::to_string(after->second) + " row(s)" : std::string()));
    }
    return emit(d);
}

int run_postgres(const std::string& verb, const part_args& a, const target& t) {
    auto c = open_postgres(t);
    auto d = make_document("partition " + verb, t);
    if (verb == "list" || verb == "analyze") {
        auto all = inspect::postgres_partitioned_tables(c, a.schema, inspect_options());
        if (!a.table.empty()) std::erase_if(all.rows, [&](auto& p) { return p.table != a.table; });
        if (!a.table.empty() && all.rows.empty() && all.state == inspect::availability::ok)
            throw usage_error("table " + a.schema + "." + a.table + " is not partitioned");
        d.add(report::section_of("partitioned_tables", "partitioned tables in schema " + a.schema, all));
        for (auto& p : all.rows) {
            if (p.method != "range" || p.column.empty()) {
                report::section s;
                s.id = "partitions";
                s.title = "partitions of " + p.table;
                s.notes.push_back(p.table + " is " + p.key + ": cistern's strategies handle range partitioning on one column; "
                                  "partition count " + std::to_string(p.partitions));
                d.add(std::move(s));
                continue;
            }
            part_args one = a;
            one.table = p.table;
            one.column = p.column;
            if (p.integer_key() && !all_digits(one.interval)) one.interval = "1";
            const auto strat = pg_make(one, p);
            std::visit([&](auto& s) { d.add(partitions_section(p.table, s.analyze(c), p.time_key())); }, strat);
            if (verb == "analyze" && !a.queries.empty()) {
                report::section q;
                q.id = "pruning";
                q.title = "partition pruning on " + p.table;
                report::table tb;
                tb.columns = {"query", "partitions", "scanned", "subplans_removed", "pruned"};
                for (auto& sql : a.queries) {
                    sp::pruning_report pr;
                    try {
                        pr = std::visit([&](auto& s) { return s.explain_pruning(c, sql); }, strat);
                    } catch (const query_error& e) {
                        q.notes.push_back("not explained: " + sql + ": " + e.what());
                        continue;
                    }
                    std::string scanned;
                    for (auto& n : pr.scanned) scanned += (scanned.empty() ? "" : ", ") + n;
                    tb.rows.push_back({sql, static_cast<std::int64_t>(pr.partitions), scanned,
                                       static_cast<std::int64_t>(pr.subplans_removed), std::string(pr.pruned() ? "yes" : "no")});
                    if (!pr.pruned() && pr.partitions > 1)
                        q.findings.push_back({health_status::degraded, "no_pruning",
                                              "the plan of '" + sql + "' reads all " + std::to_string(pr.partitions) + " partitions of " + p.table,
                                              "filter on the partition key " + p.column + " (a constant or a parameter, not an expression over it)"});
                }
                for (auto& f : q.findings) q.status = std::max(q.status, f.severity);
                q.data = std::move(tb);
                d.add(std::move(q));
            }
        }
        return emit(d);
    }
    if (a.table.empty()) throw usage_error("name the table");
    const auto parent = find_parent(c, a);
    if (verb == "move-default") return move_default(c, d, a, parent);
    const auto strat = pg_make(a, parent);
    strategy::plan p;
    const auto at = now();
    std::visit(
        [&](auto& s) {
            using S = std::decay_t<decltype(s)>;
            if constexpr (std::is_same_v<S, sp::range_by_id>) {
                if (verb == "cleanup") throw usage_error("cleanup drops partitions by time: " + a.table + " is partitioned by an integer key");
                if (verb == "create") p = parent ? s.maintain(c) : s.create(c, 0);
                else p = s.maintain(c);
            } else {
                if (verb == "create") p = s.create(c, at);
                else if (verb == "maintain") p = s.maintain(c, at).append(s.retention(c, at));
                else {
                    if (a.retention.empty()) throw usage_error("cleanup needs --retention (e.g. 90d)");
                    p = s.retention(c, at);
                }
            }
        },
        strat);
    if (verb == "create" && parent && p.empty()) p.alert(a.table + " is already partitioned; every due partition exists");
    d.add(run_plan(c, p, a.apply, "plan", "plan: " + verb + " " + a.table, "partition_alert"));
    if (verb == "create" && parent) {
        // already partitioned and nothing missing is not a finding
        auto& s = d.sections.back();
        std::erase_if(s.findings, [&](auto& f) { return f.reason.find("is already partitioned") != std::string::npos; });
        s.status = health_status::healthy;
        for (auto& f : s.findings) s.status = std::max(s.status, f.severity);
        d.status = s.status;
    }
    return emit(d);
}
#endif

int run_partition(const std::string& verb, const part_args& a) {
    const auto t = resolve_target();
    if (t.kind == backend::sqlite) return run_sqlite(verb, a, t);
#ifdef CISTERN_CLI_POSTGRES
    return run_postgres(verb, a, t);
#else
    throw usage_error("this cistern was built without PostgreSQL support (libpq); only sqlite: targets work");
#endif
}

} // namespace

void collect_partitions(const target& t, report::document& d, const std::string& schema, const std::string& table) {
#ifdef CISTERN_CLI_POSTGRES
    if (t.kind == backend::postgres) {
        auto c = open_postgres(t);
        auto all = inspect::postgres_partitioned_tables(c, schema, inspect_options());
        if (!table.empty()) std::erase_if(all.rows, [&](auto& p) { return p.table != table; });
        for (auto& p : all.rows) {
            if (p.method != "range" || p.column.empty()) continue;
            part_args one;
            one.schema = schema;
            one.table = p.table;
            one.column = p.column;
            one.interval = p.integer_key() ? "1" : "monthly";
            const auto strat = pg_make(one, p);
            std::visit([&](auto& s) { d.add(partitions_section(p.table, s.analyze(c), p.time_key())); }, strat);
        }
        if (all.rows.empty()) {
            report::section s;
            s.id = "partitions";
            s.title = "partitions";
            s.notes.push_back("no partitioned table in schema " + schema);
            d.add(std::move(s));
        }
        return;
    }
#endif
    (void)t;
    (void)table;
    (void)schema;
    report::section s;
    s.id = "partitions";
    s.title = "partitions";
    s.notes.push_back("SQLite has no catalog of partitioned tables: run `cistern partition list TABLE --column C` for a table "
                      "partitioned by cistern's sqlite_table_per_period");
    d.add(std::move(s));
}

void setup_partition(CLI::App& app, int& rc) {
    auto* part = app.add_subcommand("partition", "Range partitioning in pg_partman's verbs (PostgreSQL by time or integer key; "
                                                 "SQLite one table per period).\nExample: cistern partition list");
    part->require_subcommand(1);
    auto add = [&](const char* verb, const char* help, bool table_required, bool plans) -> std::pair<CLI::App*, std::shared_ptr<part_args>> {
        auto a = std::make_shared<part_args>();
        auto* s = part->add_subcommand(verb, help);
        auto* tbl = s->add_option("table", a->table, "the partitioned table (unqualified; see --schema)");
        if (table_required) tbl->required();
        s->add_option("--column", a->column, "the partition key column (PostgreSQL: read from the table when it is partitioned)");
        s->add_option("--interval", a->interval, "daily, weekly, monthly, yearly, or a number of keys per partition (integer key)");
        s->add_option("--schema", a->schema, "PostgreSQL schema");
        s->add_option("--time-format", a->time_format, "SQLite: how the time column is stored")->check(CLI::IsMember({"iso", "unix"}));
        s->add_option("--premake", a->premake, "future partitions kept ready besides the current one")->check(CLI::Range(0, 1000));
        if (plans && std::string_view(verb) == "move-default") {
            s->add_flag("--apply", a->apply, "run the plan");
        } else if (plans) {
            s->add_option("--columns", a->columns, "columns to create the table with: \"id bigint NOT NULL, at timestamptz NOT NULL\"");
            s->add_flag("--default", a->default_partition, "PostgreSQL: also keep a DEFAULT partition");
            s->add_option("--retention", a->retention, "expire partitions entirely older than this (90d, 12w, 48h)");
            s->add_flag("--keep-detached", a->keep_detached, "retention detaches but does not drop (the rows stay in a plain table)");
            s->add_flag("--apply", a->apply, "run the plan");
        } else {
            s->add_option("--query", a->queries, "analyze: explain this statement's partition pruning (repeatable)");
        }
        const std::string v = verb;
        s->callback([a, v, &rc] { rc = run_partition(v, *a); });
        return {s, a};
    };
    add("create",
        "Create (or convert an empty table into) a range-partitioned table with the current and --premake future partitions.\n"
        "Example: cistern partition create events --column created_at --interval monthly --premake 3 "
        "--columns \"id bigint NOT NULL, created_at timestamptz NOT NULL\" --apply",
        true, true);
    add("list", "Partitioned tables and their partitions with bounds, exact row counts and sizes.\nExample: cistern partition list events",
        false, false);
    add("analyze",
        "As list, plus default-partition rows (pg_partman's check_default), a missing future partition, and the partition\n"
        "pruning of statements given with --query. Exit 1 when a finding is raised.\n"
        "Example: cistern partition analyze events --query \"SELECT count(*) FROM events WHERE created_at >= now() - interval '1 day'\"",
        false, false);
    add("maintain",
        "What cron runs (pg_partman's run_maintenance): create the partitions now due, apply --retention; exit 1 when rows sit\n"
        "in a default partition.\nExample: cistern partition maintain events --interval monthly --premake 3 --retention 365d --apply",
        true, true);
    add("cleanup", "Retention: detach and drop (or --keep-detached) partitions entirely older than --retention.\n"
                   "Example: cistern partition cleanup events --retention 90d --keep-detached --apply",
        true, true);
    auto [mv, ma] = add("move-default",
                        "PostgreSQL: move the rows of the DEFAULT partition into the range partitions they belong to, creating\n"
                        "each (pg_partman's partition_data): one batch per partition range, each its own transaction (create\n"
                        "a plain table, move the rows in one DELETE ... RETURNING, prove the range, ATTACH). Prints the batches\n"
                        "(partitions, rows) and the plan; only --apply runs it; a re-run prints \"nothing to do\". On SQLite: exit 3\n"
                        "(no default partition there).\n"
                        "Example: cistern partition move-default events --interval monthly --batch-rows 500000 --apply",
                        true, true);
    mv->add_option("--batch-rows", ma->batch_rows,
                   "the most rows one run moves: whole ranges are added while they fit (the first always; a range is never split), "
                   "the rest is left for the next run")
        ->check(CLI::NonNegativeNumber);
    mv->add_option("--max-batches", ma->max_batches, "the most ranges (batches) one run moves; 0: all")->check(CLI::NonNegativeNumber);
    mv->add_option("--lock-timeout", ma->lock_timeout_ms, "ms each batch waits for its locks before it rolls back; 0: no bound")
        ->check(CLI::Range(0, 3600000));
}

} // namespace cistern::cli
