#pragma once
/// \file
/// `cistern::strategy::partition::sqlite_table_per_period`: time partitioning for SQLite,
/// which has no native partitioning. One table per period (`<table>_p<suffix>`, each with a
/// CHECK on its range), a `UNION ALL` view named `<table>` over them, and an
/// `INSTEAD OF INSERT` trigger on the view that routes each row to its period table.
/// Retention drops whole period tables; the view and trigger are rebuilt in the same
/// transaction, so readers never see a view naming a dropped table.

#include <cistern/error.hpp>
#include <cistern/row_set.hpp>
#include <cistern/strategy/concepts.hpp>
#include <cistern/strategy/detail/quote.hpp>
#include <cistern/strategy/partition/column_def.hpp>
#include <cistern/strategy/partition/partition_info.hpp>
#include <cistern/strategy/partition/period.hpp>
#include <cistern/strategy/plan.hpp>
#include <cistern/value.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace cistern::strategy::partition {

/// How the time column stores time.
enum class time_storage {
    iso_text,    ///< 'YYYY-MM-DD HH:MM:SS' text (SQLite's date functions' format), UTC
    unix_seconds ///< integer seconds since 1970-01-01 UTC
};

/// Configuration of sqlite_table_per_period (validated by its constructor).
struct table_per_period_options {
    std::string table;               ///< the view's name; period tables are `<table>_p<suffix>`
    std::string time_column;         ///< must be one of `columns`
    std::vector<column_def> columns; ///< every column, in order
    /// The length of one period table.
    period every = period::monthly;
    int premake = 4;                 ///< future periods kept ready besides the current one
    std::chrono::seconds retention{0}; ///< drop periods entirely older than now - retention; 0 keeps all
    /// How the time column stores time (which decides the bounds the view and checks compare with).
    time_storage storage = time_storage::iso_text;
    std::vector<std::vector<std::string>> indexes; ///< column lists indexed on every period table
};

/// Time partitioning for SQLite (see file comment). Holds only its options; every call
/// takes the connection it works on.
class sqlite_table_per_period {
public:
    /// The type of a position in the partitioned range: a UTC time in seconds.
    using position_type = std::chrono::sys_seconds;

    /// Throws config_error for an empty table name, no columns, an unknown time column or
    /// index column, or a negative premake.
    explicit sqlite_table_per_period(table_per_period_options o) : o_(std::move(o)) {
        if (o_.table.empty()) throw config_error("table_per_period_options::table", "\"\"", "empty table name");
        if (o_.columns.empty()) throw config_error("table_per_period_options::columns", "{}", "no columns");
        if (o_.premake < 0 || o_.premake > 1000)
            throw config_error("table_per_period_options::premake", std::to_string(o_.premake), "must be 0..1000");
        if (o_.retention.count() < 0)
            throw config_error("table_per_period_options::retention", std::to_string(o_.retention.count()) + "s",
                               "must not be negative");
        if (!has_column(o_.time_column))
            throw config_error("table_per_period_options::time_column", o_.time_column, "not one of the columns");
        for (auto& cols : o_.indexes) {
            if (cols.empty()) throw config_error("table_per_period_options::indexes", "{}", "empty column list");
            for (auto& c : cols)
                if (!has_column(c)) throw config_error("table_per_period_options::indexes", c, "not one of the columns");
        }
    }

    /// The validated options.
    const table_per_period_options& options() const noexcept { return o_; }

    /// Unquoted name of the table for the period starting at `start`.
    std::string partition_name(std::chrono::sys_days start) const {
        return o_.table + "_p" + period_suffix(start, o_.every);
    }

    /// Period starts of the period tables that exist, oldest first.
    template <StrategyConnection C>
    std::vector<std::chrono::sys_days> existing(C& c) const {
        const std::string prefix = o_.table + "_p";
        std::vector<std::chrono::sys_days> out;
        auto rs = c.query("SELECT name FROM sqlite_master WHERE type = 'table'");
        for (auto r : rs) {
            auto name = r.template get<std::string>(0);
            if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
            if (auto start = parse_period_suffix(std::string_view(name).substr(prefix.size()), o_.every))
                out.push_back(*start);
        }
        std::sort(out.begin(), out.end());
        return out;
    }

    /// Plan that creates the period tables for the period holding `now` and `premake`
    /// periods after it, the view and the routing trigger. An existing empty table named
    /// `<table>` is dropped and replaced by the view; a non-empty one makes this throw
    /// query_error (moving rows is left to the user).
    template <StrategyConnection C>
    plan create(C& c, const position_type& now) const {
        plan p;
        const auto kind = object_type(c, o_.table);
        if (kind == "table") {
            const auto rows = c.query("SELECT count(*) FROM " + q(o_.table)).template scalar<std::int64_t>();
            if (rows != 0)
                throw query_error("table_per_period: table " + o_.table + " holds " + std::to_string(rows) +
                                  " rows; only an empty table is converted");
            p.add("DROP TABLE " + q(o_.table), "convert: the empty table " + o_.table + " becomes a view over period tables");
        } else if (!kind.empty() && kind != "view") {
            throw query_error("table_per_period: " + o_.table + " exists as a " + kind);
        }
        return with_due(c, now, std::move(p), true);
    }

    /// Plan that creates the period tables that are due at `now` (current + premake) and
    /// rebuilds the view and trigger; empty when nothing is due and the view exists.
    template <StrategyConnection C>
    plan maintain(C& c, const position_type& now) const {
        return with_due(c, now, plan{}, object_type(c, o_.table) != "view");
    }

    /// Plan that drops every period table lying entirely before `now - retention` and
    /// rebuilds the view and trigger without them, in one transaction. A table that holds
    /// a row at or after the cutoff (or a NULL time) is kept and reported as an alert.
    template <StrategyConnection C>
    plan retention(C& c, const position_type& now) const {
        plan p;
        if (o_.retention.count() == 0) return p;
        const auto cutoff = now - o_.retention;
        auto parts = existing(c);
        std::vector<std::chrono::sys_days> keep;
        for (auto start : parts) {
            const auto upper = period_add(start, o_.every, 1);
            if (std::chrono::sys_seconds{upper} > cutoff) {
                keep.push_back(start);
                continue;
            }
            const std::string name = partition_name(start);
            const auto late = c.query("SELECT EXISTS (SELECT 1 FROM " + q(name) + " WHERE " + q(o_.time_column) + " >= " +
                                      bound(cutoff) + ") OR EXISTS (SELECT 1 FROM " + q(name) + " WHERE " +
                                      q(o_.time_column) + " IS NULL)")
                                  .template scalar<std::int64_t>();
            if (late != 0) {
                p.alert("retention: " + name + " holds rows at or after the cutoff " + format_timestamp(cutoff) +
                        " (or with a NULL time); kept");
                keep.push_back(start);
                continue;
            }
            p.add("DROP TABLE " + q(name), "retention: " + name + " covers [" + format_timestamp(std::chrono::sys_seconds{start}) +
                                               ", " + format_timestamp(std::chrono::sys_seconds{upper}) +
                                               "), entirely before the cutoff " + format_timestamp(cutoff));
        }
        if (p.empty()) return p;
        rebuild(p, keep);
        return p;
    }

    /// Every period table with its bounds, row count and size (size when SQLite was built
    /// with the dbstat virtual table).
    template <StrategyConnection C>
    std::vector<partition_info> analyze(C& c) const {
        std::vector<partition_info> out;
        for (auto start : existing(c)) {
            partition_info info;
            info.name = partition_name(start);
            info.lower = format_timestamp(std::chrono::sys_seconds{start});
            info.upper = format_timestamp(std::chrono::sys_seconds{period_add(start, o_.every, 1)});
            info.rows = c.query("SELECT count(*) FROM " + q(info.name)).template scalar<std::int64_t>();
            try {
                std::array<value, 1> arg{value{info.name}};
                auto rs = c.query("SELECT sum(pgsize) FROM dbstat WHERE name = ?", std::span<const value>(arg));
                if (rs.size() == 1 && !is_null(rs[0][0])) info.bytes = rs.template scalar<std::int64_t>();
            } catch (const query_error&) {
                // dbstat not compiled in: size unknown.
            }
            out.push_back(std::move(info));
        }
        return out;
    }

private:
    bool has_column(const std::string& name) const {
        return std::any_of(o_.columns.begin(), o_.columns.end(), [&](auto& c) { return c.name == name; });
    }

    static std::string q(const std::string& name) { return cistern::strategy::detail::quote_sqlite_identifier(name); }

    std::string bound(std::chrono::sys_seconds t) const {
        if (o_.storage == time_storage::unix_seconds) return std::to_string(t.time_since_epoch().count());
        return cistern::strategy::detail::quote_literal(format_timestamp(t));
    }

    /// The condition "`t` holds a time in the declared storage" (true for NULL, which the
    /// column's NOT NULL and the routing trigger decide): for iso_text a real date-time
    /// written exactly as SQLite writes it. The value goes through julianday() and back, so
    /// '2025-13-45 99:99:99' (no julian day), '2026-02-30 00:00:00' (comes back as
    /// 2026-03-02) and '2025-12-31 24:00:00' fail; datetime(t) alone returns the last two
    /// unchanged. For unix_seconds an integer. A range comparison alone compares text.
    std::string well_formed(const std::string& t) const {
        if (o_.storage == time_storage::unix_seconds) return "(" + t + " IS NULL OR typeof(" + t + ") = 'integer')";
        return "datetime(julianday(" + t + ")) IS " + t;
    }

    template <class C>
    static std::string object_type(C& c, const std::string& name) {
        std::array<value, 1> arg{value{name}};
        auto rs = c.query("SELECT type FROM sqlite_master WHERE name = ?", std::span<const value>(arg));
        return rs.size() == 0 ? std::string{} : rs.template scalar<std::string>();
    }

    template <class C>
    plan with_due(C& c, const position_type& now, plan p, bool force_rebuild) const {
        const auto have = existing(c);
        std::set<std::chrono::sys_days> all(have.begin(), have.end());
        const auto first = period_floor(now, o_.every);
        bool created = false;
        for (int i = 0; i <= o_.premake; ++i) {
            const auto start = period_add(first, o_.every, i);
            if (all.contains(start)) continue;
            all.insert(start);
            add_period_table(p, start, i == 0 ? "the current period" : "premade future period " + std::to_string(i));
            created = true;
        }
        if (created || force_rebuild) rebuild(p, std::vector<std::chrono::sys_days>(all.begin(), all.end()));
        return p;
    }

    void add_period_table(plan& p, std::chrono::sys_days start, const std::string& why) const {
        const auto upper = period_add(start, o_.every, 1);
        const std::string name = partition_name(start);
        const std::string t = q(o_.time_column);
        std::string sql = "CREATE TABLE " + q(name) + " (";
        for (auto& col : o_.columns) sql += q(col.name) + (col.type.empty() ? "" : " " + col.type) + ", ";
        sql += "CHECK (" + well_formed(t) + " AND " + t + " >= " + bound(std::chrono::sys_seconds{start}) + " AND " + t + " < " +
               bound(std::chrono::sys_seconds{upper}) + "))";
        p.add(std::move(sql), "period table for " + why + ": [" + format_timestamp(std::chrono::sys_seconds{start}) +
                                  ", " + format_timestamp(std::chrono::sys_seconds{upper}) + ")");
        for (std::size_t i = 0; i < o_.indexes.size(); ++i) {
            std::string cols;
            for (auto& col : o_.indexes[i]) cols += (cols.empty() ? "" : ", ") + q(col);
            p.add("CREATE INDEX " + q(name + "_i" + std::to_string(i)) + " ON " + q(name) + " (" + cols + ")",
                  "index " + std::to_string(i) + " of the options on the new period table");
        }
    }

    /// Drop and recreate the view and its routing trigger over `parts` (oldest first).
    void rebuild(plan& p, const std::vector<std::chrono::sys_days>& parts) const {
        if (parts.empty()) {
            p.add("DROP VIEW IF EXISTS " + q(o_.table), "no period table is left: the view goes too");
            return;
        }
        std::string cols, new_cols;
        for (auto& col : o_.columns) {
            cols += (cols.empty() ? "" : ", ") + q(col.name);
            new_cols += (new_cols.empty() ? "" : ", ") + std::string("NEW.") + q(col.name);
        }
        p.add("DROP VIEW IF EXISTS " + q(o_.table), "the view is rebuilt over the current set of period tables");
        std::string view = "CREATE VIEW " + q(o_.table) + " (" + cols + ") AS ";
        for (std::size_t i = 0; i < parts.size(); ++i)
            view += (i ? " UNION ALL " : "") + std::string("SELECT ") + cols + " FROM " + q(partition_name(parts[i]));
        p.add(std::move(view), "UNION ALL view over " + std::to_string(parts.size()) + " period tables");

        const std::string t = "NEW." + q(o_.time_column);
        std::string any;
        std::string body;
        for (auto start : parts) {
            const std::string cond = t + " >= " + bound(std::chrono::sys_seconds{start}) + " AND " + t + " < " +
                                     bound(std::chrono::sys_seconds{period_add(start, o_.every, 1)});
            any += (any.empty() ? "" : " OR ") + std::string("(") + cond + ")";
            body += " INSERT INTO " + q(partition_name(start)) + " (" + cols + ") SELECT " + new_cols + " WHERE " + cond + ";";
        }
        const std::string message = "cistern: no partition of " + o_.table + " holds this " + o_.time_column;
        const std::string malformed = "cistern: " + o_.time_column + " of " + o_.table + " is not " +
                                      (o_.storage == time_storage::unix_seconds ? std::string("an integer (unix seconds)")
                                                                                : std::string("a 'YYYY-MM-DD HH:MM:SS' date-time"));
        p.add("CREATE TRIGGER " + q(o_.table + "_route") + " INSTEAD OF INSERT ON " + q(o_.table) + " BEGIN SELECT RAISE(ABORT, " +
                  cistern::strategy::detail::quote_literal(malformed) + ") WHERE " + t + " IS NOT NULL AND NOT (" + well_formed(t) +
                  "); SELECT RAISE(ABORT, " + cistern::strategy::detail::quote_literal(message) + ") WHERE " + t +
                  " IS NULL OR NOT (" + any + ");" + body + " END",
              "routes INSERTs on the view to the period table of the row's " + o_.time_column +
                  "; a malformed time or one outside every period aborts the statement");
    }

    table_per_period_options o_;
};

} // namespace cistern::strategy::partition
