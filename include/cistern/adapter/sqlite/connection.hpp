#pragma once
/// \file
/// `cistern::sqlite::connection`: one SQLite session (SQLiteCpp) modelling cistern::Connection.

#include <cistern/adapter/sqlite/detail/statement_cache.hpp>
#include <cistern/adapter/sqlite/detail/table_finder.hpp>
#include <cistern/adapter/sqlite/detail/write_feed.hpp>
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
#include <vector>

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
///
/// A connection made by a sqlite::factory reports the tables its writes changed to the
/// factory's sqlite::change_watcher, if one is attached (docs/invalidation.md): an update
/// hook notes the tables of the rows written (also by triggers and foreign key actions),
/// and when a statement through query(), execute() or execute_script() has returned with
/// no transaction open (autocommit, or after COMMIT / ROLLBACK), or at reset(), they are
/// passed on. Changes the hook does not see (WITHOUT ROWID tables, DELETE without WHERE)
/// are found by comparing sqlite3_total_changes64() with the rows it saw; the statement's
/// written tables are then asked of tables_of() (a script: all tables may have changed).
/// Do not replace the update hook through native().
class connection {
public:
    /// The database system, as OpenTelemetry's db.system.name spells it (the monitor's
    /// `db_system_name` label).
    static constexpr std::string_view db_system_name = "sqlite";
    /// Opens `path` (a file name, ":memory:", or a SQLite "file:" URI) with `opts`.
    /// Throws connect_error when SQLite cannot open it. (`feed`: the factory's, see the
    /// class comment.)
    connection(const std::string& path, const options& opts, std::shared_ptr<detail::write_feed> feed = nullptr)
        : cache_(opts.statement_cache_size) {
        int flags = opts.read_only ? SQLite::OPEN_READONLY
                                   : (SQLite::OPEN_READWRITE | (opts.create ? SQLite::OPEN_CREATE : 0));
        flags |= SQLite::OPEN_URI | SQLite::OPEN_NOMUTEX;
        try {
            db_ = std::make_unique<SQLite::Database>(path, flags, static_cast<int>(opts.busy_timeout.count()));
            const bool in_memory = path == ":memory:" || path.empty() || path.find("mode=memory") != std::string::npos;
            if (!opts.journal_mode.empty() && !in_memory && !opts.read_only)
                db_->exec("PRAGMA journal_mode=" + opts.journal_mode);
            if (opts.foreign_keys) db_->exec("PRAGMA foreign_keys=ON");
            if (feed) {
                log_ = std::make_unique<write_log>();
                log_->feed = std::move(feed);
                sqlite3_update_hook(db_->getHandle(), &on_row_written, log_.get());
            }
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
        if (log_) pass_on_writes(); // writes made through native() since the last statement
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
        const write_watch watch(*this, sql, false);
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
    /// What the update hook noted since the last time writes were passed on.
    struct write_log {
        std::shared_ptr<detail::write_feed> feed;
        std::vector<std::pair<std::string, std::string>> raw; ///< (database, table) as SQLite named them
        std::vector<std::string> named;                        ///< "db.table" found by tables_of()
        std::uint64_t rows = 0;                                ///< rows the hook saw, ever
        bool unknown = false;                                  ///< tables changed that nobody could name
    };

    static void on_row_written(void* p, int, const char* db, const char* table, sqlite3_int64) noexcept {
        auto* log = static_cast<write_log*>(p);
        ++log->rows;
        try {
            const std::string_view d = db ? db : "main", t = table ? table : "";
            for (const auto& [ld, lt] : log->raw)
                if (lt == t && ld == d) return; // a table already noted: no allocation per row
            log->raw.emplace_back(std::string(d), std::string(t));
        } catch (...) {
            log->unknown = true;
        }
    }

    /// Around one call that may write: afterwards, finds changes the hook missed and, with
    /// no transaction open, passes the noted tables on.
    struct write_watch {
        connection& c;
        std::string_view sql;
        bool one_statement;
        sqlite3_int64 total = 0;
        std::uint64_t rows = 0;
        write_watch(connection& conn, std::string_view text, bool one) : c(conn), sql(text), one_statement(one) {
            if (c.log_) {
                total = sqlite3_total_changes64(c.db_->getHandle());
                rows = c.log_->rows;
            }
        }
        write_watch(const write_watch&) = delete;
        write_watch& operator=(const write_watch&) = delete;
        ~write_watch() {
            if (c.log_) c.after_write(*this);
        }
    };

    void after_write(const write_watch& w) noexcept {
        write_log& log = *log_;
        sqlite3* h = db_->getHandle();
        const auto counted = static_cast<std::uint64_t>(sqlite3_total_changes64(h) - w.total);
        if (counted > log.rows - w.rows) { // rows SQLite counted that the hook did not see
            if (!w.one_statement) log.unknown = true;
            else try {
                    const sql::table_access t = tables_of(w.sql);
                    if (!t.certain || t.written.empty()) log.unknown = true;
                    for (const auto& name : t.written) sql::table_access::add(log.named, name);
                } catch (...) {
                    log.unknown = true;
                }
        }
        if (sqlite3_get_autocommit(h) != 0) pass_on_writes();
    }

    /// Hands the noted tables to the feed (the transaction that wrote them has ended).
    void pass_on_writes() noexcept {
        write_log& log = *log_;
        if (log.raw.empty() && log.named.empty() && !log.unknown) return;
        if (log.feed->heard()) {
            try {
                for (const auto& [d, t] : log.raw)
                    sql::table_access::add(log.named, detail::lower_ascii(d) + "." + detail::lower_ascii(t));
                log.feed->changed(log.named);
            } catch (...) { // std::bad_alloc naming a table
                log.unknown = true;
            }
            if (log.unknown) log.feed->unknown();
        }
        log.raw.clear();
        log.named.clear();
        log.unknown = false;
    }

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
        const write_watch watch(*this, sql, true); // after the statement_guard below has reset it
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

    std::unique_ptr<write_log> log_; // before db_: the hook's target outlives the handle
    std::unique_ptr<SQLite::Database> db_;
    cistern::sqlite::detail::statement_cache cache_;
    bool broken_ = false;
    authorizer_fn authorizer_ = nullptr;
    void* authorizer_data_ = nullptr;
};

static_assert(cistern::detail::check_connection<connection>());
static_assert(cistern::detail::check_table_aware_connection<connection>());

} // namespace cistern::sqlite
