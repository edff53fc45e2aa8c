#pragma once
/// \file
/// `cistern::postgres::connection`: one PostgreSQL session (libpq) modelling cistern::Connection.

#include <cistern/adapter/postgres/detail/async_cancel.hpp>
#include <cistern/adapter/postgres/detail/classify.hpp>
#include <cistern/adapter/postgres/detail/redact.hpp>
#include <cistern/adapter/postgres/detail/table_catalog.hpp>
#include <cistern/adapter/postgres/options.hpp>
#include <cistern/concepts.hpp>
#include <cistern/error.hpp>
#include <cistern/row_set.hpp>
#include <cistern/sql/pg_query.hpp>
#include <cistern/sql/table_access.hpp>
#include <cistern/sql/table_aware_connection.hpp>
#include <cistern/value.hpp>

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <list>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cistern::postgres {

namespace detail {
template <class T>
concept value_range = requires(const T& t) { std::span<const value>(t); };

/// PQfinish, which never blocks here: the adapter puts every connection in libpq's
/// nonblocking mode, so the Terminate message is written only if the socket takes it at
/// once, and the socket is closed without lingering (also on a hung server).
struct pgconn_deleter {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
};
struct pgresult_deleter {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using result_ptr = std::unique_ptr<PGresult, pgresult_deleter>;

// Type OIDs from pg_type.h (stable across releases).
inline constexpr Oid bool_oid = 16, bytea_oid = 17, int8_oid = 20, int2_oid = 21, int4_oid = 23, oid_oid = 26,
                     float4_oid = 700, float8_oid = 701;
} // namespace detail

/// One PostgreSQL session. Movable, not copyable; used by one thread at a time.
///
/// Statements with parameters are prepared once per connection and kept in a bounded LRU
/// (options::statement_cache_size); an evicted statement is DEALLOCATEd (deferred to the
/// next idle moment when the session is inside a failed transaction). Results are
/// materialized as cistern::row_set: int2/int4/int8/oid → integer, float4/float8 → real,
/// bool → integer 0/1, bytea → blob, everything else (numeric, text, timestamps, json…)
/// → text. Failures become cistern::query_error carrying the SQLSTATE and the class of
/// failure (statement, client-side timeout, connection lost).
///
/// Time bounds, whatever the server or network does (hung server, black hole): the
/// constructor returns or throws within options::connect_timeout; ping() within
/// options::ping_timeout; query()/execute()/execute_script() within
/// options::query_timeout (when set); reset() within options::cancel_wait plus the
/// round trips it needs; the destructor never blocks. Each bound may be overrun by the
/// scheduling delay of the calling thread (a few milliseconds on an idle machine).
class connection {
public:
    /// The database system, as OpenTelemetry's db.system.name spells it (the monitor's
    /// `db_system_name` label).
    static constexpr std::string_view db_system_name = "postgresql";
    /// Connects to `target` (a conninfo string or a postgresql:// URL). Throws
    /// connect_error (with the failure class and, where known, SQLSTATE) on failure.
    explicit connection(const std::string& target, const options& opts = {}) : opts_(opts) {
        opts_.validate();
        open(target);
    }

    /// Takes over `other`'s session; `other` is left without one (only destroy or assign it).
    connection(connection&&) noexcept = default;
    /// Closes this connection's session, if any, and takes over `other`'s; `other` is left
    /// without one.
    connection& operator=(connection&&) noexcept = default;
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection() = default;

    /// Local check, no I/O: libpq still considers the session usable, and no ping or
    /// cancel has timed out on it.
    bool is_open() const noexcept { return conn_ && !broken_ && PQstatus(conn_.get()) == CONNECTION_OK; }

    /// A round trip (`SELECT 1`) bounded by options::ping_timeout. Never throws. False when
    /// the server did not answer in time; the connection is then broken (is_open() false).
    bool ping() noexcept { return ping(opts_.ping_timeout); }

    /// ping() bounded by the smaller of `limit` and options::ping_timeout (a pool passes
    /// the time its caller has left). `limit` <= 0: false at once, connection untouched.
    bool ping(std::chrono::milliseconds limit) noexcept {
        if (!is_open() || limit.count() <= 0) return false;
        try {
            limit = std::min(limit, opts_.ping_timeout);
            const auto deadline = clock::now() + limit;
            if (cancel_ && !settle(std::min(limit, opts_.cancel_wait))) return false;
            if (!PQsendQueryParams(conn_.get(), "SELECT 1", 0, nullptr, nullptr, nullptr, nullptr, 0)) {
                broken_ = true;
                return false;
            }
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
            auto r = wait_result(std::max(left, std::chrono::milliseconds(1)), true);
            return r && PQresultStatus(r.get()) == PGRES_TUPLES_OK && is_open();
        } catch (...) {
            return false;
        }
    }

    /// Back to a clean session: cancels a running statement, rolls back an open or failed
    /// transaction, sends deferred DEALLOCATEs, and with options::discard_all_on_reset
    /// runs DISCARD ALL. Throws query_error when the session cannot be cleaned.
    void reset() {
        if (!is_open()) throw query_error("postgres: reset on a broken connection", 0, "08006", query_failure::connection_lost);
        if (!cancel_ && PQtransactionStatus(conn_.get()) == PQTRANS_ACTIVE) start_cancel(); // sent through native()
        if (cancel_ && !settle(opts_.cancel_wait))
            throw query_error("postgres: the server did not end a cancelled statement within cancel_wait (" +
                                  std::to_string(opts_.cancel_wait.count()) + " ms): connection given up",
                              0, "08006", query_failure::connection_lost);
        if (in_transaction()) execute_script_within("ROLLBACK", reset_timeout());
        flush_deallocations();
        if (opts_.discard_all_on_reset) {
            execute_script_within("DISCARD ALL", reset_timeout());
            statements_.clear();
            index_.clear();
            pending_deallocate_.clear();
        }
    }

    /// True inside a transaction block (also a failed one) or while a statement runs.
    bool in_transaction() const noexcept {
        if (!conn_) return false;
        const auto ts = PQtransactionStatus(conn_.get());
        return ts == PQTRANS_INTRANS || ts == PQTRANS_INERROR || ts == PQTRANS_ACTIVE;
    }

    /// Runs one statement with parameters `$1, $2, …` and returns its rows.
    row_set query(std::string_view sql, std::span<const value> params = {}) {
        auto r = run(sql, params);
        return to_row_set(r.get());
    }

    /// Convenience: `query(sql, 42, "x", std::nullopt)`; each argument goes through to_value.
    template <class A0, class... A>
        requires(!detail::value_range<std::remove_cvref_t<A0>> || sizeof...(A) > 0)
    row_set query(std::string_view sql, A0&& a0, A&&... args) {
        std::array<value, 1 + sizeof...(A)> p{to_value(std::forward<A0>(a0)), to_value(std::forward<A>(args))...};
        return query(sql, std::span<const value>(p));
    }

    /// Runs one statement with parameters; returns the rows it affected (0 for DDL).
    std::int64_t execute(std::string_view sql, std::span<const value> params = {}) {
        auto r = run(sql, params);
        const char* n = PQcmdTuples(r.get());
        return (n && *n) ? std::stoll(n) : 0;
    }

    /// Runs one statement with the arguments as its parameters (each converted to a value);
    /// returns the rows it affected (0 for DDL). Throws query_error as the span overload does.
    template <class A0, class... A>
        requires(!detail::value_range<std::remove_cvref_t<A0>> || sizeof...(A) > 0)
    std::int64_t execute(std::string_view sql, A0&& a0, A&&... args) {
        std::array<value, 1 + sizeof...(A)> p{to_value(std::forward<A0>(a0)), to_value(std::forward<A>(args))...};
        return execute(sql, std::span<const value>(p));
    }

    /// Runs several `;`-separated statements without parameters (simple query protocol).
    void execute_script(std::string_view sql) { execute_script_within(sql, opts_.query_timeout); }

    /// The server's backend process id (for pg_stat_activity, pg_terminate_backend).
    int backend_pid() const noexcept { return conn_ ? PQbackendPID(conn_.get()) : 0; }
    /// The server's version as an integer, e.g. 150018.
    int server_version() const noexcept { return conn_ ? PQserverVersion(conn_.get()) : 0; }

    /// The libpq handle, for anything the adapter does not wrap. It is in libpq's
    /// nonblocking mode (PQsetnonblocking): PQsend* may leave data to PQflush.
    /// Throws query_error (connection_lost) when the connection is broken.
    PGconn* native() const {
        if (!conn_) throw query_error("postgres: connection is closed (moved from)");
        if (broken_ || PQstatus(conn_.get()) != CONNECTION_OK)
            throw query_error("postgres: connection is broken", 0, "08006", query_failure::connection_lost);
        return conn_.get();
    }

    /// The base tables `sql` reads and writes, as this session's PostgreSQL understands it
    /// now (cistern::TableAwareConnection); source = sql::table_source::parser.
    ///
    /// `sql` is parsed with PostgreSQL's own grammar (libpg_query, sql::pg_parse) and is
    /// never run. One catalog round trip (a prepared statement, kept in the statement
    /// cache) then resolves every relation through the session's search_path exactly as
    /// the statement would (to_regclass of the quoted name, so `public."Users"` is not
    /// `users`), reports it as `schema.relname` in its exact case, expands views to their
    /// base tables through their rewrite rules' dependencies (recursively; a materialized
    /// view is a table of its own), and looks up each function called (and each function a
    /// view calls) in pg_proc. CTE names are not tables (within their WITH's scope).
    ///  - writes (INSERT/UPDATE/DELETE/MERGE/TRUNCATE/COPY FROM) fill `written` with the
    ///    base tables they change (through an updatable view: its base tables); DDL fills
    ///    `written` with its target as named (a relation it creates need not exist yet);
    ///  - SELECT ... FOR UPDATE/SHARE: locks_rows;
    ///  - a volatile function (random(), clock_timestamp(), nextval(), any volatile user
    ///    function), CURRENT_TIMESTAMP/CURRENT_DATE/CURRENT_USER & co, and stable
    ///    pg_catalog built-ins that read the clock, the session or the catalog (now(),
    ///    current_setting(), pg_*, has_*_privilege, to_reg*): volatile_result;
    ///  - a function outside pg_catalog that is not immutable (it may read any table), a
    ///    function or relation that does not resolve, a text the parser rejects (its message
    ///    and position are in `reason`), a session inside a failed transaction: certain =
    ///    false with the reason. Immutable functions and the other stable pg_catalog
    ///    built-ins (lower(), to_char(), date_trunc(), ...) leave the answer cacheable:
    ///    they read no table (results that depend on TimeZone or DateStyle assume every
    ///    session of the cache's pool runs with the same settings).
    /// Throws query_error only when the connection fails (lost, timed out).
    sql::table_access tables_of(std::string_view sql) {
        const sql::pg_parse_result parsed = sql::pg_parse(sql);
        if (!parsed.ok()) {
            sql::table_access a;
            a.source = sql::table_source::parser;
            a.uncertain("PostgreSQL's parser rejects the statement: " + parsed.error->message + " (at character " +
                        std::to_string(parsed.error->cursor) + ")");
            return a;
        }
        const detail::table_question q(parsed);
        if (!q.needs_catalog()) return q.answer(nullptr);
        if (conn_ && PQtransactionStatus(conn_.get()) == PQTRANS_INERROR) {
            sql::table_access a;
            a.source = sql::table_source::parser;
            a.uncertain("the session is inside a failed transaction: the catalog cannot be asked");
            return a;
        }
        const auto params = q.parameters();
        const row_set rows = query(detail::catalog_query, std::span<const value>(params));
        return q.answer(&rows);
    }

    /// Prepared statements currently cached on this connection.
    std::size_t cached_statements() const noexcept { return statements_.size(); }

private:
    struct prepared {
        std::string sql;
        std::string name;
    };

    using clock = std::chrono::steady_clock;

    void open(const std::string& target) {
        // Let the target's own settings win: add ours only where it has none.
        std::string secret;
        std::vector<std::string> present;
        {
            char* err = nullptr;
            PQconninfoOption* parsed = PQconninfoParse(target.c_str(), &err);
            if (!parsed) {
                std::string msg = err ? detail::trim(err) : "invalid connection string";
                if (err) PQfreemem(err);
                throw connect_error("invalid connection target: " + detail::redact_message(msg, target),
                                    connect_failure::bad_target);
            }
            for (auto* o = parsed; o->keyword; ++o) {
                if (!o->val) continue;
                const std::string_view k = o->keyword;
                if (k == "password") secret = o->val;
                present.emplace_back(k);
            }
            PQconninfoFree(parsed);
        }
        auto has = [&](std::string_view k) { return std::find(present.begin(), present.end(), k) != present.end(); };
        std::vector<std::pair<const char*, std::string>> extra;
        auto add = [&](const char* k, std::string v) {
            if (!has(k)) extra.emplace_back(k, std::move(v));
        };
        if (opts_.connect_timeout.count() > 0)
            add("connect_timeout", std::to_string(std::max<std::int64_t>(2, opts_.connect_timeout.count())));
        if (!opts_.application_name.empty()) add("application_name", opts_.application_name);
        add("keepalives", opts_.keepalives ? "1" : "0");
        if (opts_.keepalives) {
            if (opts_.keepalives_idle.count() > 0) add("keepalives_idle", std::to_string(opts_.keepalives_idle.count()));
            if (opts_.keepalives_interval.count() > 0)
                add("keepalives_interval", std::to_string(opts_.keepalives_interval.count()));
            if (opts_.keepalives_count > 0) add("keepalives_count", std::to_string(opts_.keepalives_count));
        }
        if (opts_.tcp_user_timeout.count() > 0) add("tcp_user_timeout", std::to_string(opts_.tcp_user_timeout.count()));
        std::vector<const char*> keys{"dbname"}, vals{target.c_str()};
        for (auto& [k, v] : extra) {
            keys.push_back(k);
            vals.push_back(v.c_str());
        }
        keys.push_back(nullptr);
        vals.push_back(nullptr);
        secret_ = secret;
        target_ = target;
        // Asynchronous connect, so that connect_timeout holds with a monotonic clock over
        // the whole attempt, whatever the server does (libpq's own connect_timeout is
        // whole seconds per host and only applies to its blocking connect).
        conn_.reset(PQconnectStartParams(keys.data(), vals.data(), 1));
        if (!conn_) throw connect_error("out of memory creating a libpq connection");
        const bool limited = opts_.connect_timeout.count() > 0;
        const auto deadline = clock::now() + opts_.connect_timeout;
        PostgresPollingStatusType st = PGRES_POLLING_WRITING;
        while (PQstatus(conn_.get()) != CONNECTION_BAD && st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
            int wait_ms = -1;
            if (limited) {
                const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now()).count();
                if (left <= 0) {
                    conn_.reset();
                    throw connect_error("timeout expired: no answer from the server within connect_timeout (" +
                                            std::to_string(opts_.connect_timeout.count()) + " s)",
                                        connect_failure::timed_out, "08001");
                }
                wait_ms = static_cast<int>(std::min<std::int64_t>(left, std::numeric_limits<int>::max()));
            }
            pollfd p{PQsocket(conn_.get()), static_cast<short>(st == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
            const int rc = ::poll(&p, 1, wait_ms);
            if (rc < 0 && errno != EINTR) break;
            if (rc == 0) continue; // re-check the deadline
            st = PQconnectPoll(conn_.get());
        }
        if (PQstatus(conn_.get()) != CONNECTION_OK) {
            std::string msg = scrubbed(PQerrorMessage(conn_.get()));
            conn_.reset();
            std::string sqlstate;
            const auto kind = detail::classify_connect_message(msg, sqlstate);
            throw connect_error(msg, kind, sqlstate);
        }
        PQsetnonblocking(conn_.get(), 1); // never blocks writing, not even in PQfinish
        PQsetNoticeProcessor(conn_.get(), [](void*, const char*) {}, nullptr);
        if (opts_.statement_timeout.count() > 0) {
            auto left = std::chrono::milliseconds(0); // within what is left of connect_timeout
            if (limited) left = std::max(std::chrono::milliseconds(1), std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now()));
            try {
                execute_script_within("SET statement_timeout = " + std::to_string(opts_.statement_timeout.count()), left);
            } catch (const query_error& e) {
                conn_.reset();
                throw connect_error("setting statement_timeout failed: " + std::string(e.what()),
                                    e.timed_out() ? connect_failure::timed_out : connect_failure::unknown);
            }
        }
    }

    /// The bound of reset()'s own statements (ROLLBACK, DISCARD ALL): query_timeout, or
    /// ping_timeout when there is no query_timeout, so a hung server cannot stall a release.
    std::chrono::milliseconds reset_timeout() const noexcept {
        return opts_.query_timeout.count() > 0 ? opts_.query_timeout : opts_.ping_timeout;
    }

    void execute_script_within(std::string_view sql, std::chrono::milliseconds limit) {
        require_open();
        const std::string text(sql);
        if (!PQsendQuery(conn_.get(), text.c_str())) throw_send_failure();
        check(wait_result(limit, false));
    }

    /// A libpq message with the password and the raw target removed, trimmed.
    std::string scrubbed(const char* m) const {
        return detail::redact_message(detail::scrub(detail::trim(m ? m : ""), secret_), target_);
    }

    void require_open() {
        if (!conn_) throw query_error("postgres: connection is closed (moved from)");
        if (cancel_ && !broken_ && !settle(opts_.cancel_wait))
            throw query_error("postgres: connection given up: the server did not end a cancelled statement within "
                              "cancel_wait (" + std::to_string(opts_.cancel_wait.count()) + " ms)",
                              0, "08006", query_failure::connection_lost);
        if (broken_ || PQstatus(conn_.get()) != CONNECTION_OK)
            throw query_error("postgres: connection is broken: " + scrubbed(PQerrorMessage(conn_.get())), 0, "08006",
                              query_failure::connection_lost);
    }

    [[noreturn]] void throw_send_failure() {
        std::string msg = scrubbed(PQerrorMessage(conn_.get()));
        broken_ = true; // nothing is known to have been sent: the stream state is unknown
        throw query_error("postgres: " + msg, 0, "08006", query_failure::connection_lost);
    }

    /// A client-side timeout passed while a statement runs: ask the server to cancel it,
    /// from a background thread (PQcancel blocks without bound on a hung server).
    void start_cancel() noexcept {
        cancel_ = detail::async_cancel::start(conn_.get());
        if (!cancel_) broken_ = true; // no cancel possible: the connection cannot be reused
    }

    /// After start_cancel(): waits up to `limit` for the cancelled statement's results
    /// and drops them. True when the session is idle and usable again; otherwise the
    /// connection is broken from now on.
    bool settle(std::chrono::milliseconds limit) noexcept {
        cancel_.reset();
        if (broken_) return false;
        if (pump(clock::now() + limit, true) != wait_end::done) {
            broken_ = true;
            return false;
        }
        while (PGresult* r = PQgetResult(conn_.get())) PQclear(r);
        if (PQstatus(conn_.get()) != CONNECTION_OK) broken_ = true;
        return !broken_;
    }

    enum class wait_end { done, timed_out, broken };

    /// Sends what libpq still holds and reads until the results of the statement sent
    /// last are all in (PQisBusy false), or until `deadline` when `limited`.
    wait_end pump(clock::time_point deadline, bool limited) noexcept {
        PGconn* c = conn_.get();
        for (;;) {
            const int f = PQflush(c);
            if (f < 0 || !PQconsumeInput(c)) {
                broken_ = true;
                return wait_end::broken;
            }
            if (f == 0 && !PQisBusy(c)) return wait_end::done;
            int wait_ms = -1;
            if (limited) {
                const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - clock::now()).count();
                if (left <= 0) return wait_end::timed_out;
                wait_ms = static_cast<int>(std::min<std::int64_t>(left, std::numeric_limits<int>::max()));
            }
            pollfd p{PQsocket(c), static_cast<short>(POLLIN | (f == 1 ? POLLOUT : 0)), 0};
            const int rc = ::poll(&p, 1, wait_ms);
            if (rc < 0 && errno != EINTR) {
                broken_ = true;
                return wait_end::broken;
            }
        }
    }

    /// Waits for the results of the statement sent last, up to `limit` (0: no limit).
    /// Returns the last result (or the first error). Past the limit: for a ping
    /// (`is_ping`), returns nullptr and leaves the connection broken; for a statement,
    /// starts a cancel in the background and throws query_error (57014, timed_out).
    detail::result_ptr wait_result(std::chrono::milliseconds limit, bool is_ping) {
        PGconn* c = conn_.get();
        const auto end = pump(clock::now() + limit, limit.count() > 0);
        if (end == wait_end::timed_out) {
            if (is_ping) {
                broken_ = true;
                return nullptr;
            }
            start_cancel();
            throw query_error("postgres: statement canceled after the client-side timeout of " +
                                  std::to_string(limit.count()) + " ms",
                              0, "57014", query_failure::timed_out);
        }
        detail::result_ptr last, error;
        // After a poll() failure libpq may still think the socket is fine and would block
        // in PQgetResult: only collect once libpq is not busy or knows the connection died.
        if (end == wait_end::done || PQstatus(c) != CONNECTION_OK) {
            while (PGresult* r = PQgetResult(c)) {
                const auto st = PQresultStatus(r);
                if ((st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR) && !error) error.reset(r);
                else last.reset(r);
            }
        }
        if (PQstatus(c) != CONNECTION_OK) broken_ = true;
        if (error) return error;
        if (!last && broken_)
            throw query_error("postgres: connection lost: " + scrubbed(PQerrorMessage(c)), 0, "08006",
                              query_failure::connection_lost);
        return last;
    }

    /// Throws query_error for an error result; returns the result otherwise. An error
    /// that ended the session (FATAL, connection class 08, admin shutdown 57P01..03)
    /// breaks the connection and is reported as query_failure::connection_lost.
    detail::result_ptr check(detail::result_ptr r) {
        if (!r) throw query_error("postgres: no result", 0, "08006", query_failure::connection_lost);
        const auto st = PQresultStatus(r.get());
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) return r;
        const char* state = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
        const char* severity = PQresultErrorField(r.get(), PG_DIAG_SEVERITY_NONLOCALIZED);
        const std::string_view code = state ? state : "";
        const std::string_view sev = severity ? severity : "";
        if (sev == "FATAL" || sev == "PANIC" || code.starts_with("08") || code == "57P01" || code == "57P02" ||
            code == "57P03" || PQstatus(conn_.get()) != CONNECTION_OK)
            broken_ = true;
        std::string msg = scrubbed(PQresultErrorMessage(r.get()));
        throw query_error("postgres: " + msg, 0, std::string(code),
                          broken_ ? query_failure::connection_lost : query_failure::statement);
    }

    struct bound_params {
        std::vector<std::string> text;
        std::vector<const char*> values;
        std::vector<int> lengths, formats;
        std::vector<Oid> types;
    };

    static bound_params bind(std::span<const value> params) {
        bound_params b;
        b.text.resize(params.size());
        b.values.resize(params.size());
        b.lengths.resize(params.size());
        b.formats.resize(params.size());
        b.types.resize(params.size());
        for (std::size_t i = 0; i < params.size(); ++i) {
            const value& v = params[i];
            if (std::holds_alternative<null_t>(v)) {
                b.values[i] = nullptr;
            } else if (auto* n = std::get_if<std::int64_t>(&v)) {
                b.text[i] = std::to_string(*n);
            } else if (auto* d = std::get_if<double>(&v)) {
                char buf[32];
                std::snprintf(buf, sizeof buf, "%.17g", *d);
                b.text[i] = buf;
            } else if (auto* s = std::get_if<std::string>(&v)) {
                b.text[i] = *s;
            } else if (auto* bl = std::get_if<blob>(&v)) {
                b.values[i] = reinterpret_cast<const char*>(bl->data());
                b.lengths[i] = static_cast<int>(bl->size());
                b.formats[i] = 1; // binary
                b.types[i] = detail::bytea_oid;
                continue;
            }
            if (!std::holds_alternative<null_t>(v)) b.values[i] = b.text[i].c_str();
        }
        return b;
    }

    detail::result_ptr run(std::string_view sql, std::span<const value> params) {
        require_open();
        flush_deallocations();
        const std::string text(sql);
        auto b = bind(params);
        const int n = static_cast<int>(params.size());
        if (params.empty() || opts_.statement_cache_size == 0) {
            if (!PQsendQueryParams(conn_.get(), text.c_str(), n, n ? b.types.data() : nullptr,
                                   n ? b.values.data() : nullptr, n ? b.lengths.data() : nullptr,
                                   n ? b.formats.data() : nullptr, 0))
                throw_send_failure();
            return check(wait_result(opts_.query_timeout, false));
        }
        const std::string& name = prepare(text, b.types);
        if (!PQsendQueryPrepared(conn_.get(), name.c_str(), n, b.values.data(), b.lengths.data(), b.formats.data(), 0))
            throw_send_failure();
        return check(wait_result(opts_.query_timeout, false));
    }

    const std::string& prepare(const std::string& sql, const std::vector<Oid>& types) {
        if (auto it = index_.find(sql); it != index_.end()) {
            statements_.splice(statements_.begin(), statements_, it->second);
            return it->second->name;
        }
        std::string name = "cistern_" + std::to_string(++statement_counter_);
        if (!PQsendPrepare(conn_.get(), name.c_str(), sql.c_str(), static_cast<int>(types.size()), types.data()))
            throw_send_failure();
        check(wait_result(opts_.query_timeout, false));
        if (statements_.size() >= opts_.statement_cache_size) {
            prepared& victim = statements_.back();
            deallocate(victim.name);
            index_.erase(victim.sql);
            statements_.pop_back();
        }
        statements_.push_front(prepared{sql, std::move(name)});
        index_.emplace(sql, statements_.begin());
        return statements_.front().name;
    }

    void deallocate(const std::string& name) {
        if (PQtransactionStatus(conn_.get()) == PQTRANS_INERROR) {
            pending_deallocate_.push_back(name); // nothing but ROLLBACK runs in a failed transaction
            return;
        }
        execute_script_within("DEALLOCATE " + name, reset_timeout());
    }

    void flush_deallocations() {
        if (pending_deallocate_.empty() || PQtransactionStatus(conn_.get()) == PQTRANS_INERROR) return;
        auto names = std::move(pending_deallocate_);
        pending_deallocate_.clear();
        for (auto& n : names) execute_script_within("DEALLOCATE " + n, reset_timeout());
    }

    static value cell(const PGresult* r, int row, int col) {
        if (PQgetisnull(r, row, col)) return null;
        const char* v = PQgetvalue(r, row, col);
        const int len = PQgetlength(r, row, col);
        switch (PQftype(r, col)) {
        case detail::int2_oid:
        case detail::int4_oid:
        case detail::int8_oid:
        case detail::oid_oid: return static_cast<std::int64_t>(std::stoll(v));
        case detail::float4_oid:
        case detail::float8_oid: return std::stod(v);
        case detail::bool_oid: return std::int64_t{v[0] == 't' ? 1 : 0};
        case detail::bytea_oid: {
            std::size_t n = 0;
            unsigned char* raw = PQunescapeBytea(reinterpret_cast<const unsigned char*>(v), &n);
            if (!raw) throw query_error("postgres: cannot decode bytea");
            blob out(reinterpret_cast<std::byte*>(raw), reinterpret_cast<std::byte*>(raw) + n);
            PQfreemem(raw);
            return out;
        }
        default: return std::string(v, static_cast<std::size_t>(len));
        }
    }

    static row_set to_row_set(const PGresult* r) {
        const int nf = PQnfields(r), nt = PQntuples(r);
        std::vector<std::string> names;
        names.reserve(static_cast<std::size_t>(nf));
        for (int f = 0; f < nf; ++f) names.emplace_back(PQfname(r, f));
        row_set rs(std::move(names));
        rs.reserve(static_cast<std::size_t>(nt));
        for (int t = 0; t < nt; ++t) {
            for (int f = 0; f < nf; ++f) rs.push_cell(cell(r, t, f));
            rs.end_row();
        }
        return rs;
    }

    options opts_;
    std::unique_ptr<PGconn, detail::pgconn_deleter> conn_;
    std::string secret_;
    std::string target_; // only to scrub it out of libpq's messages; never shown
    bool broken_ = false;
    std::shared_ptr<std::atomic<int>> cancel_; // set while a cancelled statement has not ended
    std::list<prepared> statements_;
    std::unordered_map<std::string, std::list<prepared>::iterator> index_;
    std::vector<std::string> pending_deallocate_;
    std::uint64_t statement_counter_ = 0;
};

static_assert(cistern::detail::check_connection<connection>());
static_assert(cistern::detail::check_table_aware_connection<connection>());

} // namespace cistern::postgres
