#pragma once
/// \file
/// `cistern::postgres::connection`: one PostgreSQL session (libpq) modelling cistern::Connection.

#include <cistern/adapter/postgres/detail/classify.hpp>
#include <cistern/adapter/postgres/options.hpp>
#include <cistern/concepts.hpp>
#include <cistern/error.hpp>
#include <cistern/row_set.hpp>
#include <cistern/value.hpp>

#include <libpq-fe.h>
#include <poll.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
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
/// → text. Failures become cistern::query_error carrying the SQLSTATE.
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

    connection(connection&&) noexcept = default;
    connection& operator=(connection&&) noexcept = default;
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection() = default;

    /// Local check, no I/O: libpq still considers the session usable.
    bool is_open() const noexcept { return conn_ && !broken_ && PQstatus(conn_.get()) == CONNECTION_OK; }

    /// A round trip (`SELECT 1`) bounded by options::ping_timeout. Never throws.
    bool ping() noexcept {
        if (!is_open()) return false;
        try {
            if (!PQsendQueryParams(conn_.get(), "SELECT 1", 0, nullptr, nullptr, nullptr, nullptr, 0)) {
                broken_ = true;
                return false;
            }
            auto r = wait_result(opts_.ping_timeout, true);
            return r && PQresultStatus(r.get()) == PGRES_TUPLES_OK;
        } catch (...) {
            return false;
        }
    }

    /// Back to a clean session: cancels a running statement, rolls back an open or failed
    /// transaction, sends deferred DEALLOCATEs, and with options::discard_all_on_reset
    /// runs DISCARD ALL. Throws query_error when the session cannot be cleaned.
    void reset() {
        if (!is_open()) throw query_error("postgres: reset on a broken connection");
        const auto ts = PQtransactionStatus(conn_.get());
        if (ts == PQTRANS_ACTIVE) {
            cancel();
            wait_result(std::chrono::milliseconds(0), false);
        }
        if (in_transaction()) execute_script("ROLLBACK");
        flush_deallocations();
        if (opts_.discard_all_on_reset) {
            execute_script("DISCARD ALL");
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

    template <class A0, class... A>
        requires(!detail::value_range<std::remove_cvref_t<A0>> || sizeof...(A) > 0)
    std::int64_t execute(std::string_view sql, A0&& a0, A&&... args) {
        std::array<value, 1 + sizeof...(A)> p{to_value(std::forward<A0>(a0)), to_value(std::forward<A>(args))...};
        return execute(sql, std::span<const value>(p));
    }

    /// Runs several `;`-separated statements without parameters (simple query protocol).
    void execute_script(std::string_view sql) {
        require_open();
        const std::string text(sql);
        if (!PQsendQuery(conn_.get(), text.c_str())) throw_send_failure();
        check(wait_result(opts_.query_timeout, false));
    }

    /// The server's backend process id (for pg_stat_activity, pg_terminate_backend).
    int backend_pid() const noexcept { return conn_ ? PQbackendPID(conn_.get()) : 0; }
    /// The server's version as an integer, e.g. 150018.
    int server_version() const noexcept { return conn_ ? PQserverVersion(conn_.get()) : 0; }

    /// The libpq handle, for anything the adapter does not wrap.
    PGconn* native() const {
        require_open();
        return conn_.get();
    }

    /// Prepared statements currently cached on this connection.
    std::size_t cached_statements() const noexcept { return statements_.size(); }

private:
    struct prepared {
        std::string sql;
        std::string name;
    };

    void open(const std::string& target) {
        // Let the target's own settings win: add ours only where it has none.
        std::string secret;
        bool has_timeout = false, has_app = false;
        {
            char* err = nullptr;
            PQconninfoOption* parsed = PQconninfoParse(target.c_str(), &err);
            if (!parsed) {
                std::string msg = err ? detail::trim(err) : "invalid connection string";
                if (err) PQfreemem(err);
                throw connect_error("invalid connection target: " + msg, connect_failure::bad_target);
            }
            for (auto* o = parsed; o->keyword; ++o) {
                if (!o->val) continue;
                const std::string_view k = o->keyword;
                if (k == "password") secret = o->val;
                else if (k == "connect_timeout") has_timeout = true;
                else if (k == "application_name") has_app = true;
            }
            PQconninfoFree(parsed);
        }
        std::vector<const char*> keys{"dbname"}, vals{target.c_str()};
        const std::string timeout = std::to_string(opts_.connect_timeout.count());
        if (!has_timeout && opts_.connect_timeout.count() > 0) {
            keys.push_back("connect_timeout");
            vals.push_back(timeout.c_str());
        }
        if (!has_app && !opts_.application_name.empty()) {
            keys.push_back("application_name");
            vals.push_back(opts_.application_name.c_str());
        }
        keys.push_back(nullptr);
        vals.push_back(nullptr);
        secret_ = secret;
        conn_.reset(PQconnectdbParams(keys.data(), vals.data(), 1));
        if (!conn_) throw connect_error("out of memory creating a libpq connection");
        if (PQstatus(conn_.get()) != CONNECTION_OK) {
            std::string msg = detail::scrub(detail::trim(PQerrorMessage(conn_.get())), secret_);
            conn_.reset();
            std::string sqlstate;
            const auto kind = detail::classify_connect_message(msg, sqlstate);
            throw connect_error(msg, kind, sqlstate);
        }
        PQsetNoticeProcessor(conn_.get(), [](void*, const char*) {}, nullptr);
        if (opts_.statement_timeout.count() > 0)
            execute_script("SET statement_timeout = " + std::to_string(opts_.statement_timeout.count()));
    }

    void require_open() const {
        if (!conn_) throw query_error("postgres: connection is closed (moved from)");
        if (broken_ || PQstatus(conn_.get()) != CONNECTION_OK)
            throw query_error("postgres: connection is broken: " + detail::scrub(detail::trim(PQerrorMessage(conn_.get())), secret_), 0, "08006");
    }

    [[noreturn]] void throw_send_failure() {
        std::string msg = detail::scrub(detail::trim(PQerrorMessage(conn_.get())), secret_);
        if (PQstatus(conn_.get()) != CONNECTION_OK) broken_ = true;
        throw query_error("postgres: " + msg, 0, "08006");
    }

    void cancel() noexcept {
        if (PGcancel* c = PQgetCancel(conn_.get())) {
            char buf[256];
            PQcancel(c, buf, sizeof buf);
            PQfreeCancel(c);
        }
    }

    /// Waits for the results of the statement sent last, up to `limit` (0: no limit;
    /// past it: cancel, then wait for the server to stop). Returns the last result (or
    /// the first error). `quiet_timeout`: return nullptr instead of throwing on timeout.
    detail::result_ptr wait_result(std::chrono::milliseconds limit, bool quiet_timeout) {
        using clock = std::chrono::steady_clock;
        PGconn* c = conn_.get();
        const bool limited = limit.count() > 0;
        auto deadline = clock::now() + limit;
        bool canceled = false;
        for (;;) {
            if (!PQconsumeInput(c)) {
                broken_ = true;
                break;
            }
            if (!PQisBusy(c)) break;
            int wait_ms = -1;
            if (limited && !canceled) {
                auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count();
                if (left <= 0) {
                    cancel();
                    canceled = true;
                    continue;
                }
                wait_ms = static_cast<int>(left) + 1;
            }
            pollfd p{PQsocket(c), POLLIN, 0};
            const int rc = ::poll(&p, 1, wait_ms);
            if (rc < 0 && errno != EINTR) {
                broken_ = true;
                break;
            }
        }
        detail::result_ptr last, error;
        while (PGresult* r = PQgetResult(c)) {
            const auto st = PQresultStatus(r);
            if ((st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR) && !error) error.reset(r);
            else last.reset(r);
        }
        if (PQstatus(c) != CONNECTION_OK) broken_ = true;
        if (canceled) {
            if (quiet_timeout) return nullptr;
            throw query_error("postgres: statement canceled after the client-side timeout of " +
                                  std::to_string(limit.count()) + " ms",
                              0, "57014");
        }
        if (error) return error;
        if (!last && broken_)
            throw query_error("postgres: connection lost: " + detail::scrub(detail::trim(PQerrorMessage(c)), secret_), 0,
                              "08006");
        return last;
    }

    /// Throws query_error for an error result; returns the result otherwise.
    detail::result_ptr check(detail::result_ptr r) {
        if (!r) throw query_error("postgres: no result", 0, "08006");
        const auto st = PQresultStatus(r.get());
        if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) return r;
        const char* state = PQresultErrorField(r.get(), PG_DIAG_SQLSTATE);
        std::string msg = detail::scrub(detail::trim(PQresultErrorMessage(r.get())), secret_);
        throw query_error("postgres: " + msg, 0, state ? state : "");
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
        execute_script("DEALLOCATE " + name);
    }

    void flush_deallocations() {
        if (pending_deallocate_.empty() || PQtransactionStatus(conn_.get()) == PQTRANS_INERROR) return;
        auto names = std::move(pending_deallocate_);
        pending_deallocate_.clear();
        for (auto& n : names) execute_script("DEALLOCATE " + n);
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
    bool broken_ = false;
    std::list<prepared> statements_;
    std::unordered_map<std::string, std::list<prepared>::iterator> index_;
    std::vector<std::string> pending_deallocate_;
    std::uint64_t statement_counter_ = 0;
};

static_assert(cistern::detail::check_connection<connection>());

} // namespace cistern::postgres
