#pragma once
/// \file
/// `cistern::strategy::postgres_notify_triggers`: the plan that makes PostgreSQL tell a
/// postgres::table_change_listener which tables changed, whoever changed them (another
/// service, psql, a migration): a trigger function and one statement-level trigger per
/// table that `pg_notify`s the table's name when a transaction that wrote it commits.

#include <cistern/error.hpp>
#include <cistern/strategy/detail/postgres_quote.hpp>
#include <cistern/strategy/plan.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::strategy {

/// Where the trigger function lives and which channel it notifies.
struct notify_trigger_options {
    /// Schema of the trigger function (created if missing).
    std::string schema = "cistern";
    /// Channel notified (table_change_listener_options::channel).
    std::string channel = "cistern_table_changes";
    /// Name of the trigger on each table.
    std::string trigger = "cistern_notify_change";
};

namespace detail {
struct notify_target {
    std::string schema, name; // as stored (exact case)
    char relkind = 'r';
    std::vector<std::string> ancestors; // qualified SQL names of partitioned ancestors, nearest first
};

template <class C>
notify_target resolve_notify_target(C& c, std::string_view table) {
    auto rs = c.query(std::string_view("SELECT n.nspname::text, k.relname::text, k.relkind::text FROM pg_class k "
                                       "JOIN pg_namespace n ON n.oid = k.relnamespace WHERE k.oid = to_regclass($1)"),
                      std::string(table));
    if (rs.empty())
        throw config_error("strategy::postgres_notify_triggers table", "\"" + std::string(table) + "\"",
                           "no such table (names follow SQL rules: quote mixed case, e.g. '\"Users\"')");
    notify_target t{rs[0].template get<std::string>(0), rs[0].template get<std::string>(1),
                    rs[0].template get<std::string>(2).front(), {}};
    if (t.relkind != 'r' && t.relkind != 'p')
        throw config_error("strategy::postgres_notify_triggers table", "\"" + std::string(table) + "\"",
                           "is not a table (views and materialized views have no write triggers; list their base tables)");
    auto anc = c.query(std::string_view("SELECT quote_ident(n.nspname) || '.' || quote_ident(k.relname) FROM pg_partition_ancestors(to_regclass($1)) a "
                                        "JOIN pg_class k ON k.oid = a.relid JOIN pg_namespace n ON n.oid = k.relnamespace "
                                        "WHERE a.relid <> to_regclass($1)"),
                       std::string(table));
    for (auto r : anc) t.ancestors.push_back(r.template get<std::string>(0));
    return t;
}
} // namespace detail

/// The plan that installs (idempotently: only what is missing or different) the trigger
/// function `<schema>.notify_table_change()` and, on each of `tables` (names as SQL reads
/// them: `users`, `public.users`, `"Users"`; resolved with the connection's search_path)
/// and on every partition below a partitioned one, an `AFTER INSERT OR UPDATE OR DELETE OR
/// TRUNCATE ... FOR EACH STATEMENT` trigger that notifies the table's qualified SQL name
/// (`quote_ident(schema) || '.' || quote_ident(table)`: `public.users`, `public."Users"`,
/// what query_cache::invalidate() reads exactly) and, on a partition, each partitioned
/// ancestor's name too. PostgreSQL delivers a
/// notification when the writing transaction commits, never for one that rolled back, and
/// folds identical notifications of one transaction into one.
///
/// Cost for writers: one pg_notify per statement (not per row) per table. Creating a
/// trigger takes a SHARE ROW EXCLUSIVE lock on the table (writers wait for it, readers do
/// not). Throws config_error for an unknown table or a view.
template <class C>
    requires detail::postgres_native<C>
plan postgres_notify_triggers(C& c, const std::vector<std::string>& tables, const notify_trigger_options& o = {}) {
    using detail::quote_postgres_identifier;
    using detail::quote_postgres_literal;
    PGconn* pg = c.native();
    const std::string fn = quote_postgres_identifier(pg, o.schema) + ".notify_table_change";
    plan p;
    const std::string body =
        "BEGIN PERFORM pg_notify(TG_ARGV[0], quote_ident(TG_TABLE_SCHEMA) || '.' || quote_ident(TG_TABLE_NAME)); "
        "FOR i IN 1 .. TG_NARGS - 1 LOOP PERFORM pg_notify(TG_ARGV[0], TG_ARGV[i]); END LOOP; RETURN NULL; END";
    auto have_fn = c.query(std::string_view("SELECT p.prosrc FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                                            "WHERE n.nspname = $1 AND p.proname = 'notify_table_change' AND p.pronargs = 0"),
                           o.schema);
    if (have_fn.empty() || have_fn[0].template get<std::string>(0) != body) {
        p.add("CREATE SCHEMA IF NOT EXISTS " + quote_postgres_identifier(pg, o.schema),
              "the schema of cistern's trigger function");
        p.add("CREATE OR REPLACE FUNCTION " + fn + "() RETURNS trigger LANGUAGE plpgsql AS $cistern$" + body + "$cistern$",
              "notifies channel TG_ARGV[0] with the changed table's name (and its partitioned ancestors')");
    }
    std::vector<detail::notify_target> targets;
    for (const auto& t : tables) {
        auto target = detail::resolve_notify_target(c, t);
        if (target.relkind == 'p') {
            auto parts = c.query(std::string_view("SELECT quote_ident(n.nspname) || '.' || quote_ident(k.relname) FROM pg_partition_tree(to_regclass($1)) a "
                                                  "JOIN pg_class k ON k.oid = a.relid JOIN pg_namespace n ON n.oid = k.relnamespace "
                                                  "WHERE a.relid <> to_regclass($1)"),
                                 t);
            targets.push_back(std::move(target));
            for (auto r : parts) targets.push_back(detail::resolve_notify_target(c, r.template get<std::string>(0)));
        } else {
            targets.push_back(std::move(target));
        }
    }
    for (const auto& t : targets) {
        const std::string qt = quote_postgres_identifier(pg, t.schema) + "." + quote_postgres_identifier(pg, t.name);
        std::string args = quote_postgres_literal(pg, o.channel);
        for (const auto& a : t.ancestors) args += ", " + quote_postgres_literal(pg, a);
        // pg_get_triggerdef shows the trigger as PostgreSQL stores it; compare arguments by tgargs
        auto have = c.query(std::string_view("SELECT encode(tgargs, 'escape') FROM pg_trigger WHERE tgrelid = to_regclass($1) AND tgname = $2"),
                            qt, o.trigger);
        std::string want_args = o.channel + "\\000";
        for (const auto& a : t.ancestors) want_args += a + "\\000";
        if (!have.empty() && have[0].template get<std::string>(0) == want_args) continue;
        if (!have.empty())
            p.add("DROP TRIGGER " + quote_postgres_identifier(pg, o.trigger) + " ON " + qt,
                  "the trigger on " + t.schema + "." + t.name + " notifies other arguments than wanted");
        p.add("CREATE TRIGGER " + quote_postgres_identifier(pg, o.trigger) + " AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON " + qt +
                  " FOR EACH STATEMENT EXECUTE FUNCTION " + fn + "(" + args + ")",
              "notify " + o.channel + " when a transaction that wrote " + t.schema + "." + t.name +
                  " commits (takes a SHARE ROW EXCLUSIVE lock on it: writers wait while it is created)");
    }
    return p;
}

/// The plan that removes the triggers postgres_notify_triggers installed on `tables` (and
/// their partitions); the function stays (other tables may use it). Empty when none is there.
template <class C>
    requires detail::postgres_native<C>
plan postgres_drop_notify_triggers(C& c, const std::vector<std::string>& tables, const notify_trigger_options& o = {}) {
    using detail::quote_postgres_identifier;
    PGconn* pg = c.native();
    plan p;
    for (const auto& t : tables) {
        (void)detail::resolve_notify_target(c, t);
        auto rels = c.query(std::string_view("SELECT n.nspname::text, k.relname::text FROM (SELECT to_regclass($1) AS relid UNION "
                                             "SELECT relid FROM pg_partition_tree(to_regclass($1))) a "
                                             "JOIN pg_class k ON k.oid = a.relid JOIN pg_namespace n ON n.oid = k.relnamespace "
                                             "JOIN pg_trigger g ON g.tgrelid = k.oid AND g.tgname = $2"),
                            t, o.trigger);
        for (auto r : rels)
            p.add("DROP TRIGGER " + quote_postgres_identifier(pg, o.trigger) + " ON " +
                      quote_postgres_identifier(pg, r.template get<std::string>(0)) + "." +
                      quote_postgres_identifier(pg, r.template get<std::string>(1)),
                  "stop notifying " + o.channel + " of changes to " + r.template get<std::string>(0) + "." +
                      r.template get<std::string>(1));
    }
    return p;
}

} // namespace cistern::strategy
