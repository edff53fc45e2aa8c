#pragma once
/// \file
/// `cistern::sqlite::factory`: creates SQLite connections from a path or a `sqlite:` URL.

#include <cistern/adapter/sqlite/connection.hpp>
#include <cistern/adapter/sqlite/detail/write_feed.hpp>
#include <cistern/adapter/sqlite/options.hpp>
#include <cistern/concepts.hpp>
#include <cistern/error.hpp>

#include <charconv>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace cistern::sqlite {

/// Creates connections to one SQLite database. Models cistern::ConnectionFactory.
///
/// Accepted targets:
///  - a plain path: `app.db`, `/var/lib/app/app.db`, `:memory:`;
///  - a URL: `sqlite:app.db`, `sqlite:/abs/app.db`, `sqlite:///abs/app.db`,
///    `sqlite::memory:`, with optional query parameters that override `opts`:
///    `journal_mode=WAL|DELETE|...`, `busy_timeout=<ms>`, `statement_cache=<n>`,
///    `mode=ro|rw|rwc`, `foreign_keys=0|1`.
///
/// Copies of a factory (the one a pool holds, say) share one write feed: the connections
/// any of them creates report their writes to the sqlite::change_watcher made from any
/// of them (see docs/invalidation.md).
///
/// Caveat: each connection to `:memory:` opens its own, separate database. To share one
/// in-memory database between pooled connections use a shared-cache URI such as
/// `file:name?mode=memory&cache=shared` (and keep one connection open), or use a file.
class factory {
public:
    /// Parses `target` (its query parameters override `opts`) and keeps the result for every
    /// connection it creates. Throws config_error naming the field and value for an empty path,
    /// a malformed or unknown parameter or a bad value. Opens nothing.
    explicit factory(std::string target, options opts = {}) : opts_(std::move(opts)) {
        parse(std::move(target));
        validate(opts_);
    }

    /// Opens a new connection; throws connect_error when SQLite cannot.
    connection create() { return connection(path_, opts_, feed_); }

    /// The target for diagnostics (SQLite has no passwords to redact).
    std::string describe() const { return "sqlite:" + path_; }

    /// The database path (or URI) connections open, without the query parameters cistern read.
    const std::string& path() const noexcept { return path_; }
    /// The options every connection is opened with (after the target's overrides).
    const options& opts() const noexcept { return opts_; }
    /// The write feed this factory's connections report to (for sqlite::change_watcher).
    const std::shared_ptr<detail::write_feed>& write_feed() const noexcept { return feed_; }

private:
    void parse(std::string target) {
        std::string_view t = target;
        if (t.empty()) throw config_error("sqlite::factory target", "\"\"", "empty path");
        const bool url = t.starts_with("sqlite:");
        if (!url) {
            path_ = std::move(target);
            return;
        }
        t.remove_prefix(7);
        if (t.starts_with("//")) t.remove_prefix(2); // sqlite:///abs -> /abs, sqlite://rel -> rel
        std::string_view query;
        if (auto q = t.find('?'); q != std::string_view::npos) {
            query = t.substr(q + 1);
            t = t.substr(0, q);
        }
        if (t.empty()) throw config_error("sqlite::factory target", target, "URL has no path");
        path_ = std::string(t);
        while (!query.empty()) {
            auto amp = query.find('&');
            auto kv = query.substr(0, amp);
            query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
            auto eq = kv.find('=');
            if (eq == std::string_view::npos)
                throw config_error("sqlite::factory URL parameter", std::string(kv), "expected key=value");
            apply(kv.substr(0, eq), kv.substr(eq + 1));
        }
    }

    static std::size_t number(std::string_view key, std::string_view v) {
        std::size_t n = 0;
        auto r = std::from_chars(v.data(), v.data() + v.size(), n);
        if (r.ec != std::errc{} || r.ptr != v.data() + v.size())
            throw config_error("sqlite::factory URL parameter " + std::string(key), std::string(v),
                               "not a non-negative integer");
        return n;
    }

    void apply(std::string_view k, std::string_view v) {
        if (k == "journal_mode") {
            opts_.journal_mode = std::string(v);
        } else if (k == "busy_timeout") {
            opts_.busy_timeout = std::chrono::milliseconds(number(k, v));
        } else if (k == "statement_cache") {
            opts_.statement_cache_size = number(k, v);
        } else if (k == "foreign_keys") {
            opts_.foreign_keys = number(k, v) != 0;
        } else if (k == "mode") {
            if (v == "ro") { opts_.read_only = true; }
            else if (v == "rw") { opts_.read_only = false; opts_.create = false; }
            else if (v == "rwc") { opts_.read_only = false; opts_.create = true; }
            else throw config_error("sqlite::factory URL parameter mode", std::string(v), "expected ro, rw or rwc");
        } else {
            throw config_error("sqlite::factory URL parameter", std::string(k), "unknown parameter");
        }
    }

    options opts_;
    std::string path_;
    std::shared_ptr<detail::write_feed> feed_ = std::make_shared<detail::write_feed>();
};

static_assert(cistern::detail::check_connection_factory<factory>());

} // namespace cistern::sqlite
