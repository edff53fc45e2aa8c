#pragma once
/// \file
/// The machinery range_by_time and range_by_id share: PostgreSQL declarative range
/// partitioning (catalog reads, create/convert, due partitions, retention, analyze, pruning).

#include <cistern/error.hpp>
#include <cistern/strategy/concepts.hpp>
#include <cistern/strategy/detail/postgres_explain.hpp>
#include <cistern/strategy/detail/postgres_identifier.hpp>
#include <cistern/strategy/detail/postgres_quote.hpp>
#include <cistern/strategy/partition/column_def.hpp>
#include <cistern/strategy/partition/move_options.hpp>
#include <cistern/strategy/partition/on_expiry.hpp>
#include <cistern/strategy/partition/partition_info.hpp>
#include <cistern/strategy/partition/pruning_report.hpp>
#include <cistern/strategy/plan.hpp>
#include <cistern/row_set.hpp>
#include <cistern/value.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cistern::strategy::partition::detail {

/// Options every PostgreSQL range strategy has.
struct postgres_range_common {
    std::string schema = "public";
    std::string table;
    std::string column;                 ///< partition key
    std::vector<column_def> columns;    ///< for creating the parent; empty: convert the existing (empty) table
    bool default_partition = false;
    std::vector<std::vector<std::string>> indexes; ///< declared on the parent (PostgreSQL cascades them)

    /// Throws config_error for an empty or over-long (> 63 bytes) name, a partition column
    /// not among `columns`, or an empty index column list.
    void validate(const char* who) const {
        const std::string w(who);
        if (table.empty()) throw config_error(w + "::table", "\"\"", "empty table name");
        if (schema.empty()) throw config_error(w + "::schema", "\"\"", "empty schema name");
        if (column.empty()) throw config_error(w + "::column", "\"\"", "empty partition column");
        using cistern::strategy::detail::check_postgres_identifier;
        check_postgres_identifier(w + "::schema", schema);
        check_postgres_identifier(w + "::table", table);
        check_postgres_identifier(w + "::column", column);
        bool found = columns.empty();
        for (auto& c : columns) {
            check_postgres_identifier(w + "::columns", c.name);
            found = found || c.name == column;
        }
        if (!found) throw config_error(w + "::column", column, "not one of the columns");
        for (auto& ix : indexes) {
            if (ix.empty()) throw config_error(w + "::indexes", "{}", "empty column list");
            for (auto& col : ix) check_postgres_identifier(w + "::indexes", col);
        }
    }

    /// `<table><suffix>` in at most 63 bytes (see postgres_derived_name).
    std::string derived(std::string_view suffix) const {
        return cistern::strategy::detail::postgres_derived_name(table, suffix);
    }
    /// The partition named by `suffix` (`<table>_p<suffix>`, shortened to fit).
    std::string partition_name(std::string_view suffix) const { return derived("_p" + std::string(suffix)); }
    /// The default partition's name.
    std::string default_name() const { return derived("_default"); }
};

/// A partition the strategy wants, with its bounds as text literals (unquoted).
struct range_spec {
    std::string name;
    std::string lower;
    std::string upper;
    std::string why;
};

/// An existing partition, read from the catalog.
struct pg_partition {
    std::string name;
    std::string bound;                ///< pg_get_expr(relpartbound)
    bool is_default = false;
    std::optional<std::string> lower; ///< text inside FROM ('...'), nullopt for MINVALUE
    std::optional<std::string> upper; ///< text inside TO ('...'), nullopt for MAXVALUE
};

template <class C>
std::string q(C& c, std::string_view name) {
    return cistern::strategy::detail::quote_postgres_identifier(c.native(), name);
}
template <class C>
std::string qualified(C& c, const postgres_range_common& o, std::string_view name) {
    return q(c, o.schema) + "." + q(c, name);
}
template <class C>
std::string lit(C& c, std::string_view text) {
    return cistern::strategy::detail::quote_postgres_literal(c.native(), text);
}

/// One value of a bound expression: 'text', a bare number, MINVALUE/MAXVALUE (nullopt).
inline std::optional<std::string> bound_value(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    if (s.starts_with("'")) {
        std::string out;
        for (std::size_t i = 1; i < s.size(); ++i) {
            if (s[i] == '\'') {
                if (i + 1 < s.size() && s[i + 1] == '\'') {
                    out += '\'';
                    ++i;
                    continue;
                }
                break;
            }
            out += s[i];
        }
        return out;
    }
    std::size_t e = 0;
    while (e < s.size() && s[e] != ')' && s[e] != ',') ++e;
    std::string v(s.substr(0, e));
    if (v == "MINVALUE" || v == "MAXVALUE") return std::nullopt;
    return v;
}

/// "r" plain table, "p" partitioned table, "" missing (or another kind of relation: its letter).
template <class C>
std::string relkind(C& c, const postgres_range_common& o, std::string_view name) {
    std::array<value, 1> arg{value{qualified(c, o, name)}};
    auto rs = c.query("SELECT relkind::text FROM pg_class WHERE oid = to_regclass($1)", std::span<const value>(arg));
    return rs.size() == 0 ? std::string{} : rs.template scalar<std::string>();
}

template <class C>
std::vector<pg_partition> list_partitions(C& c, const postgres_range_common& o) {
    std::array<value, 1> arg{value{qualified(c, o, o.table)}};
    auto rs = c.query("SELECT ch.relname::text, pg_get_expr(ch.relpartbound, ch.oid) FROM pg_inherits i "
                      "JOIN pg_class ch ON ch.oid = i.inhrelid WHERE i.inhparent = to_regclass($1) ORDER BY 2",
                      std::span<const value>(arg));
    std::vector<pg_partition> out;
    for (auto r : rs) {
        pg_partition p;
        p.name = r.template get<std::string>(0);
        p.bound = r.template get<std::string>(1);
        p.is_default = p.bound == "DEFAULT";
        if (!p.is_default) {
            auto f = p.bound.find("FROM (");
            auto t = p.bound.find(") TO (");
            if (f != std::string::npos) p.lower = bound_value(std::string_view(p.bound).substr(f + 6));
            if (t != std::string::npos) p.upper = bound_value(std::string_view(p.bound).substr(t + 6));
        }
        out.push_back(std::move(p));
    }
    return out;
}

/// The name of the default partition among `parts`, if there is one.
inline std::optional<std::string> default_of(const std::vector<pg_partition>& parts) {
    for (auto& h : parts)
        if (h.is_default) return h.name;
    return std::nullopt;
}

template <class C>
std::int64_t count_rows(C& c, const std::string& sql_from_where) {
    return c.query("SELECT count(*) FROM " + sql_from_where).template scalar<std::int64_t>();
}

/// The statements that create partition `r` (and nothing when it exists). When a default
/// partition holds rows in its range, nothing is created and an alert is raised instead:
/// PostgreSQL would refuse, and rows are never moved silently.
template <class C>
void add_partition(C& c, const postgres_range_common& o, const std::vector<pg_partition>& have,
                   const std::optional<std::string>& default_name, const range_spec& r, plan& p) {
    for (auto& h : have)
        if (h.name == r.name) return;
    if (default_name) {
        const auto stuck = count_rows(c, qualified(c, o, *default_name) + " WHERE " + q(c, o.column) + " >= " + lit(c, r.lower) +
                                             " AND " + q(c, o.column) + " < " + lit(c, r.upper));
        if (stuck > 0) {
            p.alert("partition " + r.name + " [" + r.lower + ", " + r.upper + ") not created: the default partition " +
                    *default_name + " holds " + std::to_string(stuck) +
                    " rows in that range; partition_default() moves them into it");
            return;
        }
    }
    p.add("CREATE TABLE " + qualified(c, o, r.name) + " PARTITION OF " + qualified(c, o, o.table) + " FOR VALUES FROM (" +
              lit(c, r.lower) + ") TO (" + lit(c, r.upper) + ")",
          r.why + ": [" + r.lower + ", " + r.upper + ")");
}

/// `CREATE INDEX IF NOT EXISTS` on the parent for every index of the options.
template <class C>
void add_parent_indexes(C& c, const postgres_range_common& o, plan& p) {
    for (std::size_t i = 0; i < o.indexes.size(); ++i) {
        std::string cols;
        for (auto& col : o.indexes[i]) cols += (cols.empty() ? "" : ", ") + q(c, col);
        p.add("CREATE INDEX IF NOT EXISTS " + q(c, o.derived("_i" + std::to_string(i))) + " ON " + qualified(c, o, o.table) + " (" +
                  cols + ")",
              "index declared on the parent: PostgreSQL creates it on every partition, present and future");
    }
}

/// Parent creation or conversion, then the wanted partitions, then indexes on the parent.
template <class C>
plan create(C& c, const postgres_range_common& o, const std::vector<range_spec>& wanted) {
    plan p;
    const auto kind = relkind(c, o, o.table);
    const std::string parent = qualified(c, o, o.table);
    const std::string key = " PARTITION BY RANGE (" + q(c, o.column) + ")";
    if (kind == "r") {
        const auto rows = count_rows(c, parent);
        if (rows != 0)
            throw query_error("range partitioning: table " + o.table + " holds " + std::to_string(rows) +
                              " rows; create() converts only an empty table (partition_existing() moves the rows in batches)");
        const std::string tmp = o.derived("_cistern_new");
        p.add("CREATE TABLE " + qualified(c, o, tmp) + " (LIKE " + parent +
                  " INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING COMMENTS)" + key,
              "convert: a partitioned copy of the empty table " + o.table + " (same columns, defaults, checks)");
        p.add("DROP TABLE " + parent, "convert: the plain table is replaced by the partitioned one");
        p.add("ALTER TABLE " + qualified(c, o, tmp) + " RENAME TO " + q(c, o.table), "convert: the partitioned table takes the name");
    } else if (kind.empty()) {
        if (o.columns.empty())
            throw config_error("columns", "{}", "table " + o.table + " does not exist and no columns are given to create it");
        std::string cols;
        for (auto& col : o.columns) cols += (cols.empty() ? "" : ", ") + q(c, col.name) + (col.type.empty() ? "" : " " + col.type);
        p.add("CREATE TABLE " + parent + " (" + cols + ")" + key, "partitioned parent, range on " + o.column);
    } else if (kind != "p") {
        throw query_error("range partitioning: " + o.table + " exists and is not a table (relkind " + kind + ")");
    }
    const auto have = kind == "p" ? list_partitions(c, o) : std::vector<pg_partition>{};
    const std::optional<std::string> default_name = default_of(have);
    for (auto& r : wanted) add_partition(c, o, have, default_name, r, p);
    if (o.default_partition && !default_name)
        p.add("CREATE TABLE " + qualified(c, o, o.default_name()) + " PARTITION OF " + parent + " DEFAULT",
              "default partition: catches rows no range covers (maintain() reports them)");
    add_parent_indexes(c, o, p);
    return p;
}

/// Due partitions plus the default-partition alert.
template <class C>
plan maintain(C& c, const postgres_range_common& o, const std::vector<range_spec>& wanted) {
    if (relkind(c, o, o.table) != "p") throw query_error("range partitioning: " + o.table + " is not partitioned; apply create() first");
    plan p;
    const auto have = list_partitions(c, o);
    const std::optional<std::string> default_name = default_of(have);
    if (default_name) {
        const auto rows = count_rows(c, qualified(c, o, *default_name));
        if (rows > 0)
            p.alert("default partition " + *default_name + " holds " + std::to_string(rows) +
                    " rows that no range partition covers; they are left where they are");
    }
    for (auto& r : wanted) add_partition(c, o, have, default_name, r, p);
    return p;
}

template <class C>
std::vector<partition_info> analyze(C& c, const postgres_range_common& o) {
    std::vector<partition_info> out;
    for (auto& h : list_partitions(c, o)) {
        partition_info info;
        info.name = h.name;
        info.is_default = h.is_default;
        info.lower = h.lower.value_or(h.is_default ? "" : "MINVALUE");
        info.upper = h.upper.value_or(h.is_default ? "" : "MAXVALUE");
        info.rows = count_rows(c, qualified(c, o, h.name));
        std::array<value, 1> arg{value{qualified(c, o, h.name)}};
        info.bytes = c.query("SELECT pg_total_relation_size(to_regclass($1))", std::span<const value>(arg)).template scalar<std::int64_t>();
        out.push_back(std::move(info));
    }
    return out;
}

template <class C>
pruning_report explain_pruning(C& c, const postgres_range_common& o, std::string_view sql) {
    pruning_report r;
    r.plan = cistern::strategy::detail::postgres_explain(c, sql);
    const auto parts = list_partitions(c, o);
    r.partitions = static_cast<int>(parts.size());
    for (auto& p : parts) {
        const std::string quoted = q(c, p.name);
        for (const std::string& form : {" on " + p.name + " ", " on " + p.name + "\n", " on " + quoted + " ", " on " + quoted + "\n",
                                        "." + p.name + " ", "." + quoted + " "})
            if (r.plan.find(form) != std::string::npos) {
                r.scanned.push_back(p.name);
                break;
            }
    }
    for (auto pos = r.plan.find("Subplans Removed: "); pos != std::string::npos; pos = r.plan.find("Subplans Removed: ", pos + 1))
        r.subplans_removed += std::atoi(r.plan.c_str() + pos + 18);
    return r;
}

/// How a strategy reads the partition key of a row as a 64-bit number: a time column as
/// UNIX seconds (UTC; a `timestamp` without time zone by its nominal value), or an integer.
enum class key_kind { time, integer };

/// What a strategy supplies to the move and retention machinery.
struct range_keys {
    key_kind kind = key_kind::integer;
    /// The range holding key `k` (name, bounds as literals, reason).
    std::function<range_spec(std::int64_t)> bucket;
};

/// The condition "the key is a value a range partition can hold" (not NULL, not ±infinity).
template <class C>
std::string movable(C& c, const postgres_range_common& o, key_kind k) {
    return k == key_kind::time ? "isfinite(" + q(c, o.column) + ")" : q(c, o.column) + " IS NOT NULL";
}

template <class C>
std::string in_range(C& c, const postgres_range_common& o, const range_spec& r) {
    return q(c, o.column) + " >= " + lit(c, r.lower) + " AND " + q(c, o.column) + " < " + lit(c, r.upper);
}

/// Names of the foreign keys that reference `relation` (a table, or a partitioned table and
/// its partitions), comma-separated; "" when none.
template <class C>
std::string referencing_foreign_keys(C& c, const std::string& relation) {
    std::array<value, 1> arg{value{relation}};
    auto rs = c.query("SELECT coalesce(string_agg(DISTINCT conname::text || ' on ' || conrelid::regclass::text, ', '), '') "
                      "FROM pg_constraint WHERE contype = 'f' AND confrelid IN (SELECT to_regclass($1) UNION ALL "
                      "SELECT inhrelid FROM pg_inherits WHERE inhparent = to_regclass($1))",
                      std::span<const value>(arg));
    return rs.template scalar<std::string>();
}

/// The non-generated columns of `relation`, quoted, comma-separated, in column order.
template <class C>
std::string insertable_columns(C& c, const std::string& relation) {
    std::array<value, 1> arg{value{relation}};
    std::string cols;
    for (auto r : c.query("SELECT attname::text FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 "
                          "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum",
                          std::span<const value>(arg)))
        cols += (cols.empty() ? "" : ", ") + q(c, r.template get<std::string>(0));
    return cols;
}

/// The plan's batches that move the rows of `source` (the default partition, or the table
/// that becomes it) into the range partitions they belong to, one range per transaction:
/// create a plain table like the parent, move the range's rows into it (DELETE ... RETURNING
/// feeding the INSERT: one statement, so other sessions see the rows in the default or in
/// the partition, never in neither), prove the range with a CHECK so ATTACH need not scan
/// the new table, attach it, drop the CHECK, ANALYZE. `source` is read now (which ranges hold
/// rows, how many); `default_name` is the default partition when the plan runs.
template <class C>
void add_move_batches(C& c, const postgres_range_common& o, const range_keys& keys, const std::string& source,
                      const std::string& default_name, const std::vector<pg_partition>& have, const move_options& m,
                      plan& p) {
    m.validate();
    const std::string col = q(c, o.column);
    const std::string parent = qualified(c, o, o.table);
    const std::string def = qualified(c, o, default_name);
    const std::string ok = movable(c, o, keys.kind);
    const std::string key_expr =
        keys.kind == key_kind::time ? "floor(extract(epoch FROM min(" + col + ")))::bigint" : "min(" + col + ")::bigint";
    const std::string cols = insertable_columns(c, source);
    if (auto fks = referencing_foreign_keys(c, source); !fks.empty())
        throw query_error("range partitioning: rows of " + o.table + " are referenced by foreign keys (" + fks +
                          "); moving rows (DELETE + INSERT) would fire their ON DELETE actions or fail their checks; "
                          "drop them for the move and add them back after");
    {
        std::array<value, 1> arg{value{source}};
        const auto triggers = c.query("SELECT coalesce(string_agg(tgname::text, ', '), '') FROM pg_trigger WHERE "
                                      "tgrelid = to_regclass($1) AND NOT tgisinternal",
                                      std::span<const value>(arg))
                                  .template scalar<std::string>();
        if (!triggers.empty())
            p.alert("triggers on " + default_name + " (" + triggers + ") fire for every row moved out of it (DELETE)");
    }
    std::optional<std::string> after;
    int batches = 0;
    std::int64_t moved = 0;
    for (;;) {
        const std::string where = ok + (after ? " AND " + col + " >= " + lit(c, *after) : std::string{});
        auto rs = c.query("SELECT " + key_expr + " FROM " + source + " WHERE " + where);
        if (rs.size() == 0 || is_null(rs[0][0])) break;
        const range_spec r = keys.bucket(rs.template scalar<std::int64_t>());
        after = r.upper;
        if (m.max_batches != 0 && batches == m.max_batches) {
            const auto left = count_rows(c, source + " WHERE " + where);
            p.alert(std::to_string(left) + " rows from " + r.lower + " on are left in " + default_name + " (max_batches = " +
                    std::to_string(m.max_batches) + "); apply the next plan to move them");
            break;
        }
        bool exists = false;
        for (auto& h : have) exists = exists || h.name == r.name;
        if (exists) {
            p.alert("rows of [" + r.lower + ", " + r.upper + ") in " + default_name + " not moved: a relation named " + r.name +
                    " already exists and is not a partition of that range");
            continue;
        }
        const auto rows = count_rows(c, source + " WHERE " + in_range(c, o, r));
        if (m.max_rows != 0 && batches > 0 && moved + rows > m.max_rows) {
            const auto left = count_rows(c, source + " WHERE " + where);
            p.alert(std::to_string(left) + " rows from " + r.lower + " on are left in " + default_name + " (max_rows = " +
                    std::to_string(m.max_rows) + "); apply the next plan to move them");
            break;
        }
        moved += rows;
        const std::string part = qualified(c, o, r.name);
        const std::string range = "[" + r.lower + ", " + r.upper + ")";
        const std::string batch = "batch " + std::to_string(++batches) + " (" + r.name + "): ";
        p.new_transaction();
        if (m.lock_timeout.count() > 0)
            p.add("SET LOCAL lock_timeout = '" + std::to_string(m.lock_timeout.count()) + "ms'",
                  batch + "one transaction; it gives up and rolls back if a lock is not granted within " +
                      std::to_string(m.lock_timeout.count()) + " ms");
        p.add("LOCK TABLE " + def + " IN EXCLUSIVE MODE",
              batch + "writes routed to the default partition wait until this batch commits; reads go on");
        p.add("CREATE TABLE " + part + " (LIKE " + parent +
                  " INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING INDEXES INCLUDING COMMENTS)",
              batch + "the partition for " + range + " as a plain table, with the parent's columns and indexes");
        p.add("WITH moved AS (DELETE FROM " + def + " WHERE " + in_range(c, o, r) + " RETURNING " + cols + ") INSERT INTO " + part +
                  " (" + cols + ") SELECT " + cols + " FROM moved",
              batch + "move the " + std::to_string(rows) + " rows of " + range + " (counted when planned) in one statement");
        p.add("ALTER TABLE " + part + " ADD CONSTRAINT cistern_partition_bound CHECK (" + col + " IS NOT NULL AND " + in_range(c, o, r) + ")",
              batch + "proves the range, so ATTACH does not scan the new partition");
        p.add("ALTER TABLE " + parent + " ATTACH PARTITION " + part + " FOR VALUES FROM (" + lit(c, r.lower) + ") TO (" +
                  lit(c, r.upper) + ")",
              batch + "SHARE UPDATE EXCLUSIVE on the parent (its reads and writes go on), ACCESS EXCLUSIVE on " + default_name +
                  " until commit while PostgreSQL checks it holds no row of " + range + " (one scan of what is left in it)");
        p.add("ALTER TABLE " + part + " DROP CONSTRAINT cistern_partition_bound", batch + "the partition bound enforces the range now");
        p.add("ANALYZE " + part, batch + "planner statistics for the new partition");
    }
    const auto stuck = count_rows(c, source + " WHERE NOT coalesce(" + ok + ", false)");
    if (stuck > 0)
        p.alert(std::to_string(stuck) + " rows in " + default_name + " have a NULL" +
                (keys.kind == key_kind::time ? " or infinite " : " ") + o.column + " that no range partition can hold; they stay");
}

/// partition_default: the batches that empty the default partition into range partitions.
template <class C>
plan partition_default(C& c, const postgres_range_common& o, const range_keys& keys, const move_options& m) {
    if (relkind(c, o, o.table) != "p") throw query_error("range partitioning: " + o.table + " is not partitioned; apply create() first");
    plan p;
    const auto have = list_partitions(c, o);
    const std::optional<std::string> default_name = default_of(have);
    if (!default_name) {
        m.validate();
        return p;
    }
    add_move_batches(c, o, keys, qualified(c, o, *default_name), *default_name, have, m, p);
    return p;
}

/// partition_existing: a plain table holding rows becomes the default partition of a new
/// partitioned parent of the same name (one short transaction, metadata only), the declared
/// indexes are built, the rows move out in batches, and the due partitions that received no
/// rows are created last (when the default is small).
template <class C>
plan partition_existing(C& c, const postgres_range_common& o, const std::vector<range_spec>& wanted, const range_keys& keys,
                        const move_options& m) {
    m.validate();
    const auto kind = relkind(c, o, o.table);
    if (kind == "p") throw query_error("range partitioning: " + o.table + " is already partitioned; partition_default() moves rows");
    if (kind != "r") throw query_error("range partitioning: " + o.table + (kind.empty() ? " does not exist" : " is not a plain table"));
    const std::string def_name = o.default_name();
    if (!relkind(c, o, def_name).empty())
        throw query_error("range partitioning: " + def_name + " exists already; it would be the name of the default partition");
    const std::string table = qualified(c, o, o.table);
    {
        std::array<value, 1> arg{value{table}};
        if (c.query("SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped "
                    "AND attidentity <> ''",
                    std::span<const value>(arg))
                .template scalar<std::int64_t>() != 0)
            throw query_error("range partitioning: " + o.table + " has an identity column; the new parent cannot share its "
                              "sequence (use a DEFAULT nextval(...) column, which is kept)");
    }
    plan p;
    const std::string def = qualified(c, o, def_name);
    if (m.lock_timeout.count() > 0)
        p.add("SET LOCAL lock_timeout = '" + std::to_string(m.lock_timeout.count()) + "ms'",
              "convert: one short transaction (catalog changes only); gives up if " + o.table + " is not free within " +
                  std::to_string(m.lock_timeout.count()) + " ms");
    p.add("ALTER TABLE " + table + " RENAME TO " + q(c, def_name),
          "convert: the table with its rows, indexes and constraints becomes the default partition (ACCESS EXCLUSIVE until commit)");
    p.add("CREATE TABLE " + table + " (LIKE " + def + " INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING COMMENTS)" +
              " PARTITION BY RANGE (" + q(c, o.column) + ")",
          "convert: the partitioned parent under the table's name (same columns, defaults, checks)");
    p.add("ALTER TABLE " + table + " ATTACH PARTITION " + def + " DEFAULT",
          "convert: attach the old table as the default partition (no other partition yet: nothing to scan)");
    {
        std::array<value, 1> arg{value{table}};
        const auto acl = c.query("SELECT relacl IS NOT NULL FROM pg_class WHERE oid = to_regclass($1)", std::span<const value>(arg))
                             .template scalar<bool>();
        if (acl) p.alert("privileges granted on " + o.table + " stay on " + def_name + "; grant them on the new parent too");
        const auto fks = c.query("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND conrelid = to_regclass($1)",
                                 std::span<const value>(arg))
                             .template scalar<std::int64_t>();
        if (fks > 0)
            p.alert(std::to_string(fks) + " foreign keys of " + o.table + " stay on " + def_name +
                    "; declare them on the parent to have them on every partition");
    }
    if (!o.indexes.empty()) {
        p.new_transaction();
        add_parent_indexes(c, o, p);
    }
    add_move_batches(c, o, keys, table, def_name, {}, m, p);
    // Due ranges that hold no row: created after the batches, when the default is small.
    std::vector<range_spec> empty_due;
    for (auto& r : wanted)
        if (count_rows(c, table + " WHERE " + in_range(c, o, r)) == 0) empty_due.push_back(r);
    if (!empty_due.empty()) {
        p.new_transaction();
        for (auto& r : empty_due)
            p.add("CREATE TABLE " + qualified(c, o, r.name) + " PARTITION OF " + table + " FOR VALUES FROM (" + lit(c, r.lower) +
                      ") TO (" + lit(c, r.upper) + ")",
                  r.why + ": [" + r.lower + ", " + r.upper + ")");
    }
    return p;
}

/// Retention: detach (and for on_expiry::drop, drop) every partition whose upper bound
/// `expired` says lies at or before the cutoff; alert for rows in the default partition
/// below the cutoff (retention never deletes rows from the default).
template <class C>
plan retention(C& c, const postgres_range_common& o, on_expiry expiry, bool detach_concurrently,
               const std::function<bool(const std::string& upper)>& expired, const std::string& cutoff_literal,
               const std::string& cutoff_text) {
    plan p;
    const auto parts = list_partitions(c, o);
    const std::optional<std::string> default_name = default_of(parts);
    const bool concurrently = detach_concurrently && !default_name;
    const std::string col = q(c, o.column);
    for (auto& h : parts) {
        if (h.is_default || !h.upper || !expired(*h.upper)) continue;
        const std::string part = qualified(c, o, h.name);
        const auto late = c.query("SELECT EXISTS (SELECT 1 FROM " + part + " WHERE " + col + " >= " + lit(c, cutoff_literal) + ")")
                              .template scalar<bool>();
        if (late) {
            p.alert("retention: " + h.name + " holds rows at or after the cutoff " + cutoff_text + "; kept");
            continue;
        }
        const std::string why = h.name + " ends at " + *h.upper + ", at or before the cutoff " + cutoff_text;
        const std::string detach = "ALTER TABLE " + qualified(c, o, o.table) + " DETACH PARTITION " + part;
        if (concurrently)
            p.add_outside_transaction(detach + " CONCURRENTLY",
                                      "retention: " + why + " (CONCURRENTLY: readers and writers of the parent are not blocked)");
        else
            p.add(detach, "retention: " + why +
                              (detach_concurrently ? " (plain DETACH: CONCURRENTLY is not allowed with a default partition)" : ""));
        if (expiry == on_expiry::drop) p.add("DROP TABLE " + part, "retention: drop the detached " + h.name);
    }
    if (default_name) {
        const auto old = count_rows(c, qualified(c, o, *default_name) + " WHERE " + col + " < " + lit(c, cutoff_literal));
        if (old > 0)
            p.alert("retention: the default partition " + *default_name + " holds " + std::to_string(old) + " rows older than the cutoff " +
                    cutoff_text + "; retention does not delete rows from it: partition_default() moves them into range "
                    "partitions (which the next retention expires), or delete them");
    }
    return p;
}

/// The members range_by_id and range_by_time share: `Derived` supplies `common()` (its
/// table, column and partition settings) and `due(position)` (the partitions that should
/// exist at `position`), and befriends this base.
template <class Derived, class Position>
class postgres_range_strategy {
public:
    using position_type = Position;

    /// Plan: the parent (created, or converted from an empty table), the partition holding
    /// `at` and the premade ones after it, the default partition if asked, indexes on the
    /// parent.
    template <StrategyConnection C>
    plan create(C& c, const position_type& at) const {
        return detail::create(c, self().common(), self().due(at));
    }

    /// Plan: the partitions due at `at` that do not exist yet; alert when the default
    /// partition holds rows (maintain() never moves them: partition_default() does).
    template <StrategyConnection C>
    plan maintain(C& c, const position_type& at) const {
        return detail::maintain(c, self().common(), self().due(at));
    }

    /// Plan (pg_partman's partition_data): move the rows of the default partition into the
    /// range partitions they belong to, creating each, in batches of one range per
    /// transaction (see move_options and docs/partitioning.md for the locks). Rows with a
    /// NULL (or infinite) key stay and are reported. Nothing to move: an empty plan.
    /// Throws query_error when the table is not partitioned or foreign keys reference it.
    template <StrategyConnection C>
    plan partition_default(C& c, const move_options& m = {}) const {
        return detail::partition_default(c, self().common(), self().keys(), m);
    }

    /// Plan: partition a plain table that holds rows. It is renamed to the default partition
    /// of a new partitioned parent of its name (one short transaction, no data copied), the
    /// declared indexes are built, its rows move out in batches as in partition_default(),
    /// and the due partitions for `at` that got no rows are created. Throws query_error when
    /// the table is missing or partitioned already, has an identity column, or foreign keys
    /// reference it.
    template <StrategyConnection C>
    plan partition_existing(C& c, const position_type& at, const move_options& m = {}) const {
        return detail::partition_existing(c, self().common(), self().due(at), self().keys(), m);
    }

    /// Every partition with bounds, exact row count and total size.
    template <StrategyConnection C>
    std::vector<partition_info> analyze(C& c) const {
        return detail::analyze(c, self().common());
    }

    /// Which partitions EXPLAIN says `sql` reads (parameterized statements: generic plan,
    /// whose run-time pruning shows as "Subplans Removed").
    template <StrategyConnection C>
    pruning_report explain_pruning(C& c, std::string_view sql) const {
        return detail::explain_pruning(c, self().common(), sql);
    }

private:
    const Derived& self() const noexcept { return static_cast<const Derived&>(*this); }
};

} // namespace cistern::strategy::partition::detail
