#pragma once
/// \file
/// The machinery range_by_time and range_by_id share: PostgreSQL declarative range
/// partitioning (catalog reads, create/convert, due partitions, retention, analyze, pruning).

#include <cistern/error.hpp>
#include <cistern/strategy/concepts.hpp>
#include <cistern/strategy/detail/postgres_explain.hpp>
#include <cistern/strategy/detail/postgres_quote.hpp>
#include <cistern/strategy/partition/column_def.hpp>
#include <cistern/strategy/partition/partition_info.hpp>
#include <cistern/strategy/partition/pruning_report.hpp>
#include <cistern/strategy/plan.hpp>
#include <cistern/value.hpp>

#include <array>
#include <cstdint>
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

    void validate(const char* who) const {
        if (table.empty()) throw config_error(std::string(who) + "::table", "\"\"", "empty table name");
        if (schema.empty()) throw config_error(std::string(who) + "::schema", "\"\"", "empty schema name");
        if (column.empty()) throw config_error(std::string(who) + "::column", "\"\"", "empty partition column");
        bool found = columns.empty();
        for (auto& c : columns) found = found || c.name == column;
        if (!found) throw config_error(std::string(who) + "::column", column, "not one of the columns");
        for (auto& ix : indexes)
            if (ix.empty()) throw config_error(std::string(who) + "::indexes", "{}", "empty column list");
    }
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
                    *default_name + " holds " + std::to_string(stuck) + " rows in that range; move them yourself, then maintain again");
            return;
        }
    }
    p.add("CREATE TABLE " + qualified(c, o, r.name) + " PARTITION OF " + qualified(c, o, o.table) + " FOR VALUES FROM (" +
              lit(c, r.lower) + ") TO (" + lit(c, r.upper) + ")",
          r.why + ": [" + r.lower + ", " + r.upper + ")");
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
                              " rows; only an empty table is converted");
        const std::string tmp = o.table.size() > 50 ? o.table.substr(0, 50) + "_cistern_new" : o.table + "_cistern_new";
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
    std::optional<std::string> default_name;
    for (auto& h : have)
        if (h.is_default) default_name = h.name;
    for (auto& r : wanted) add_partition(c, o, have, default_name, r, p);
    if (o.default_partition && !default_name)
        p.add("CREATE TABLE " + qualified(c, o, o.table + "_default") + " PARTITION OF " + parent + " DEFAULT",
              "default partition: catches rows no range covers (maintain() reports them)");
    for (std::size_t i = 0; i < o.indexes.size(); ++i) {
        std::string cols;
        for (auto& col : o.indexes[i]) cols += (cols.empty() ? "" : ", ") + q(c, col);
        std::string name = o.table.substr(0, 50) + "_i" + std::to_string(i);
        p.add("CREATE INDEX IF NOT EXISTS " + q(c, name) + " ON " + parent + " (" + cols + ")",
              "index declared on the parent: PostgreSQL creates it on every partition, present and future");
    }
    return p;
}

/// Due partitions plus the default-partition alert.
template <class C>
plan maintain(C& c, const postgres_range_common& o, const std::vector<range_spec>& wanted) {
    if (relkind(c, o, o.table) != "p") throw query_error("range partitioning: " + o.table + " is not partitioned; apply create() first");
    plan p;
    const auto have = list_partitions(c, o);
    std::optional<std::string> default_name;
    for (auto& h : have)
        if (h.is_default) default_name = h.name;
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
    /// partition holds rows (they are never moved).
    template <StrategyConnection C>
    plan maintain(C& c, const position_type& at) const {
        return detail::maintain(c, self().common(), self().due(at));
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
