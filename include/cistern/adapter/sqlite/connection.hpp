#pragma once
/// \file
/// `cistern::sqlite::connection`: one SQLite session (SQLiteCpp) modelling cistern::Connection.

#include <cistern/adapter/sqlite/detail/statement_cache.hpp>
#include <cistern/adapter/sqlite/detail/table_finder.hpp>
#include <cistern/adapter/sqlite/options.hpp>
#include <cistern/concepts.hpp>
#include <cistern/error.hpp>
#include <cistern/row_set.hpp>
#include <cistern/sql/table_access.hpp>
#include <cistern/sql/table_aware_connection.hpp>
#include <cistern/value.hpp>

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace cistern::sqlite {

namespace detail {
template <class T>
concept value_range = requires(const T& t) { std::span<const value>(t); };
} // namespace detail

/// One SQLite session. Movable, not copyable; not safe to use from two threads at once
/// (a pool hands each connection to one thread at a time).
///
/// Statements are prepared once and kept in a bounded per-connection cache
/// (options::statement_cache_size). Every failure of SQLite becomes a
/// cistern::query_error whose code() is SQLite's extended result code.
class connection {
public:
    /// The database system, as OpenTelemetry's db.system.name spells it (the monitor's
    /// `db_system_name` label).
    static constexpr std::string_view db_system_name = "sqlite";
    /// Opens `path` (a file name, ":memory:", or a SQLite "file:" URI) with `opts`.
    /// Throws connect_error when SQLite cannot open it.
    connection(const std::string& path, const options& opts) : cache_(opts.statement_cache_size) {
        int flags = opts.read_only ? SQLite::OPEN_READONLY
                                   : (SQLite::OPEN_READWRITE | (opts.create ? SQLite::OPEN_CREATE : 0));
        flags |= SQLite::OPEN_URI | SQLite::OPEN_NOMUTEX;
        try {
            db_ = std::make_unique<SQLite::Database>(path, flags, static_cast<int>(opts.busy_timeout.count()));
            const bool in_memory = path == ":memory:" || path.empty() || path.find("mode=memory") != std::string::npos;
            if (!opts.journal_mode.empty() && !in_memory && !opts.read_only)
                db_->exec("PRAGMA journal_mode=" + opts.journal_mode);
            if (opts.foreign_keys) db_->exec("PRAGMA foreign_keys=ON");
        } catch (const SQLite::Exception& e) {
            throw connect_error(e.what(), classify(e.getErrorCode()));
        }
    }

    /// Takes over `other`'s database handle; `other` is left without one (only destroy or assign it).
    connection(connection&&) noexcept = default;
    /// Closes this connection's database, if open, and takes over `other`'s handle; `other` is
    /// left without one.
    connection& operator=(connection&&) noexcept = default;
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection() = default;

    /// Local check, no I/O: the handle is open and no fatal error was seen on it.
    bool is_open() const noexcept { return db_ != nullptr && !broken_; }

    /// Runs `SELECT 1`. Returns false (never throws) when SQLite fails.
    bool ping() noexcept {
        if (!is_open()) return false;
        try {
            auto& st = cache_.get(*db_, "SELECT 1");
            statement_guard g{st};
            return st.executeStep() && st.getColumn(0).getInt() == 1;
        } catch (...) {
            return false;
        }
    }

    /// Back to a clean session: rolls back an open transaction. (Cached statements are
    /// reset after every use, so none holds a read lock.) Throws query_error when the
    /// rollback fails.
    void reset() {
        if (!db_) throw query_error("sqlite: reset on a closed connection");
        if (in_transaction()) execute_script("ROLLBACK");
    }

    /// True while a transaction is open (BEGIN without COMMIT/ROLLBACK).
    bool in_transaction() const noexcept { return db_ && sqlite3_get_autocommit(db_->getHandle()) == 0; }

    /// Runs one statement with bound parameters (`?`, `?NNN`, `:name` in order) and
    /// returns all its rows.
    row_set query(std::string_view sql, std::span<const value> params = {}) {
        return run(sql, params, [](SQLite::Statement& st) {
            const int n = st.getColumnCount();
            std::vector<std::string> names;
            names.reserve(static_cast<std::size_t>(n));
            for (int i = 0; i < n; ++i) names.emplace_back(st.getColumnName(i));
            row_set rs(std::move(names));
            while (st.executeStep()) {
                for (int i = 0; i < n; ++i) rs.push_cell(read_column(st, i));
                rs.end_row();
            }
            return rs;
        });
    }

    /// Convenience: `query(sql, 42, "x", std::nullopt)`; each argument goes through to_value.
    template <class A0, class... A>
        requires(!detail::value_range<std::remove_cvref_t<A0>> || sizeof...(A) > 0)
    row_set query(std::string_view sql, A0&& a0, A&&... args) {
        std::array<value, 1 + sizeof...(A)> p{to_value(std::forward<A0>(a0)), to_value(std::forward<A>(args))...};
        return query(sql, std::span<const value>(p));
    }

    /// Runs one statement with bound parameters; returns the number of rows it changed.
    std::int64_t execute(std::string_view sql, std::span<const value> params = {}) {
        return run(sql, params, [this](SQLite::Statement& st) {
            while (st.executeStep()) {
            }
            return static_cast<std::int64_t>(sqlite3_changes64(db_->getHandle()));
        });
    }

    /// Runs one statement with the arguments as its parameters (each converted to a value);
    /// returns the rows it changed. Throws query_error as the span overload does.
    template <class A0, class... A>
        requires(!detail::value_range<std::remove_cvref_t<A0>> || sizeof...(A) > 0)
    std::int64_t execute(std::string_view sql, A0&& a0, A&&... args) {
        std::array<value, 1 + sizeof...(A)> p{to_value(std::forward<A0>(a0)), to_value(std::forward<A>(args))...};
        return execute(sql, std::span<const value>(p));
    }

    /// Runs several `;`-separated statements without parameters (DDL, scripts).
    void execute_script(std::string_view sql) {
        require_open();
        try {
            db_->exec(std::string(sql));
        } catch (const SQLite::Exception& e) {
            throw translate(e);
        }
    }

    /// The base tables `sql` reads and writes, as SQLite's statement compiler resolves them
    /// on this connection now (cistern::TableAwareConnection). The statement is prepared
    /// (never stepped) with an authorizer that records every table column read
    /// (SQLITE_READ), every INSERT/UPDATE/DELETE target and every function called:
    ///  - names are "database.table" in lower case ("main.users", "temp.scratch",
    ///    "aux.users" for an attached database): SQLite compares names without regard to
    ///    ASCII case, so "Users", users and \"USERS\" are one table;
    ///  - a view is reported as the base tables SQLite reads through it (views over views
    ///    too), a trigger's writes as written tables; names defined by WITH are not tables;
    ///  - DDL reports the object it changes and `main.sqlite_master` as written;
    ///  - volatile_result for random(), randomblob(), changes(), total_changes(),
    ///    last_insert_rowid(), CURRENT_TIMESTAMP/DATE/TIME, and date/time functions called
    ///    with no argument, 'now' or a bound parameter;
    ///  - certain == false, with the reason, for a text SQLite rejects (its message), more
    ///    than one statement, PRAGMA, ATTACH/DETACH, an application-defined function, and a
    ///    virtual table that stores no rows (dbstat, pragma_* functions; json_each/json_tree
    ///    are functions of their arguments and are not reported).
    /// An authorizer installed with set_authorizer() is asked too (its denial makes the
    /// prepare fail: certain == false) and is in place again when this returns, also when
    /// it throws. Throws query_error on a closed connection, std::bad_alloc.
    sql::table_access tables_of(std::string_view sql) {
        require_open();
        return detail::find_tables(db_->getHandle(), sql, authorizer_, authorizer_data_);
    }

    /// Installs `fn` (nullptr: none) as this connection's SQLite authorizer, with
    /// `user_data` (sqlite3_set_authorizer). Use this rather than calling
    /// sqlite3_set_authorizer on native(): tables_of() installs its own authorizer for one
    /// prepare and restores the one set here (SQLite has no way to read the current one).
    /// `fn` must not throw (it is called from C).
    void set_authorizer(authorizer_fn fn, void* user_data = nullptr) {
        require_open();
        sqlite3_set_authorizer(db_->getHandle(), fn, user_data);
        authorizer_ = fn;
        authorizer_data_ = user_data;
    }

    /// rowid of the last successful INSERT on this connection.
    std::int64_t last_insert_rowid() const noexcept { return db_ ? db_->getLastInsertRowid() : 0; }

    /// The underlying SQLiteCpp database, for anything the adapter does not wrap.
    SQLite::Database& native() {
        require_open();
        return *db_;
    }

    /// Prepared-statement cache figures (hits, misses, evictions, size).
    const cistern::sqlite::detail::statement_cache& statement_cache() const noexcept { return cache_; }

private:
    struct statement_guard {
        SQLite::Statement& st;
        ~statement_guard() {
            try {
                st.reset();
                st.clearBindings();
            } catch (...) {
            }
        }
    };

    static connect_failure classify(int code) noexcept {
        switch (code & 0xff) {
        case SQLITE_CANTOPEN: return connect_failure::unreachable;
        case SQLITE_AUTH:
        case SQLITE_PERM: return connect_failure::authentication;
        case SQLITE_NOTADB:
        case SQLITE_CORRUPT: return connect_failure::bad_target;
        default: return connect_failure::unknown;
        }
    }

    query_error translate(const SQLite::Exception& e) {
        const int code = e.getExtendedErrorCode();
        // Errors after which the handle cannot be trusted any more.
        switch (e.getErrorCode()) {
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
        case SQLITE_IOERR:
        case SQLITE_CANTOPEN:
        case SQLITE_NOMEM: broken_ = true; break;
        default: break;
        }
        return query_error(std::string("sqlite: ") + e.what(), code);
    }

    void require_open() const {
        if (!db_) throw query_error("sqlite: connection is closed (moved from)");
    }

    static void bind(SQLite::Statement& st, int index, const value& v) {
        struct visitor {
            SQLite::Statement& st;
            int i;
            void operator()(null_t) const { st.bind(i); }
            void operator()(std::int64_t x) const { st.bind(i, static_cast<int64_t>(x)); }
            void operator()(double x) const { st.bind(i, x); }
            void operator()(const std::string& s) const { st.bindNoCopy(i, s); }
            void operator()(const blob& b) const { st.bindNoCopy(i, b.data(), static_cast<int>(b.size())); }
        };
        std::visit(visitor{st, index}, v);
    }

    static value read_column(SQLite::Statement& st, int i) {
        const SQLite::Column c = st.getColumn(i);
        switch (c.getType()) {
        case SQLITE_INTEGER: return std::int64_t{c.getInt64()};
        case SQLITE_FLOAT: return c.getDouble();
        case SQLITE_TEXT: return std::string(c.getText(), static_cast<std::size_t>(c.getBytes()));
        case SQLITE_BLOB: {
            auto* p = static_cast<const std::byte*>(c.getBlob());
            return blob(p, p + c.getBytes());
        }
        default: return null;
        }
    }

    template <class F>
    std::invoke_result_t<F&, SQLite::Statement&> run(std::string_view sql, std::span<const value> params, F&& body) {
        require_open();
        try {
            auto& st = cache_.get(*db_, sql);
            statement_guard g{st};
            const int expected = st.getBindParameterCount();
            if (static_cast<int>(params.size()) != expected)
                throw query_error("sqlite: statement takes " + std::to_string(expected) + " parameter(s), " +
                                      std::to_string(params.size()) + " given",
                                  SQLITE_RANGE);
            for (std::size_t k = 0; k < params.size(); ++k) bind(st, static_cast<int>(k + 1), params[k]);
            return body(st);
        } catch (const SQLite::Exception& e) {
            throw translate(e);
        }
    }

    std::unique_ptr<SQLite::Database> db_;
    cistern::sqlite::detail::statement_cache cache_;
    bool broken_ = false;
    authorizer_fn authorizer_ = nullptr;
    void* authorizer_data_ = nullptr;
};

static_assert(cistern::detail::check_connection<connection>());
static_assert(cistern::detail::check_table_aware_connection<connection>());

} // namespace cistern::sqlite
