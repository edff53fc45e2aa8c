#pragma once
/// \file
/// `cistern::http::dashboard`: an embeddable HTTP server for an application's monitor,
/// pool and cache: live page, JSON API with actions, static report, /metrics, probes.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cistern/error.hpp>
#include <cistern/http/dashboard_options.hpp>
#include <cistern/http/detail/constant_time.hpp>
#include <cistern/http/detail/token_bucket.hpp>
#include <cistern/http/performance_json.hpp>
#include <cistern/inspect/caching_advice.hpp>
#include <cistern/inspect/table_write_rates.hpp>
#include <cistern/monitor/cache_figures.hpp>
#include <cistern/monitor/html_report.hpp>
#include <cistern/monitor/monitor.hpp>
#include <cistern/monitor/sinks/prometheus_sink.hpp>

namespace cistern::http {

/// Serves, on `bind_address:port` (loopback by default):
///  - `GET /` the live dashboard (one self-contained page; its script refreshes it from
///    the JSON API every refresh_interval), `GET /report` the static report (no script);
///  - `GET /api/performance[?window=5m]` snapshot + history + health as JSON (schema in
///    docs/dashboard.md); `POST /api/performance` with `{"action": "health_check" |
///    "clear_cache" | "generate_report" | "reset_stats"}` and `Authorization: Bearer
///    <action_token>` (403 when no token is configured, 401 without the right one);
///  - `GET /metrics` the Prometheus text (the attached monitor's prometheus_sink's latest
///    text, a copy; rendered from a snapshot if it has none);
///  - `GET /database` a page the application provides (serve_database_page), e.g. the
///    database inspections `cistern serve` refreshes;
///  - `GET /healthz` liveness (200 while serving); `GET /readyz` 200 when healthy or
///    degraded, 503 when unhealthy or when the monitor is gone.
///
/// The JSON and both pages carry the caching advice (cistern::inspect::caching_advice) of
/// the statements the monitor saw since the monitor was attached (or its statistics were
/// last reset through the dashboard), with write rates from the monitor's own write
/// statements (table_write_rates::seen_by_monitor): JSON `caching_advice`, page section
/// `id="caching_advice"` (docs/dashboard.md). Advice needs at least a second of statements.
///
/// Requests are rate limited (429), bodies size limited (413); no CORS header is ever
/// sent. Snapshots are taken on the server's threads, never on a recording thread.
/// Producers are held by weak_ptr: one that is gone makes its routes answer 503.
///
/// Not copyable or movable. The constructor binds and starts serving; a bad address or
/// a port in use throws config_error. stop() (idempotent; also the destructor) stops
/// serving and joins the threads. Every member function may be called from any thread.
class dashboard {
public:
    /// Validates `o` (throws config_error), binds and starts serving.
    explicit dashboard(dashboard_options o = {}) : opts_((o.validate(), std::move(o))),
          requests_(opts_.requests_per_second, opts_.request_burst), actions_(opts_.actions_per_second, opts_.action_burst) {
        server_.set_payload_max_length(opts_.max_request_bytes);
        // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let a second
        // listener share (and take requests from) our port without an error.
        server_.set_socket_options([](socket_t sock) {
            int yes = 1;
            ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const char*>(&yes), sizeof yes);
        });
        server_.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                                     {"Cache-Control", "no-store"},
                                     {"Referrer-Policy", "no-referrer"},
                                     {"X-Frame-Options", "DENY"}});
        routes();
        const int bound = opts_.port == 0 ? server_.bind_to_any_port(opts_.bind_address)
                                          : (server_.bind_to_port(opts_.bind_address, opts_.port) ? opts_.port : -1);
        if (bound <= 0)
            throw config_error("dashboard_options::bind_address", opts_.bind_address + ":" + std::to_string(opts_.port),
                               "cannot listen there (not a local address, or the port is in use)");
        port_ = static_cast<std::uint16_t>(bound);
        listener_ = std::thread([this] { server_.listen_after_bind(); });
        // stop() must not race the listener's start (a stop before it runs would be lost)
        for (int i = 0; i < 5000 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        sampler_ = std::thread([this] { sample_loop(); });
    }
    dashboard(const dashboard&) = delete;
    dashboard& operator=(const dashboard&) = delete;
    dashboard(dashboard&&) = delete;
    dashboard& operator=(dashboard&&) = delete;
    ~dashboard() { stop(); }

    /// Serves `m` (replaces a previous monitor).
    template <class... Sinks>
    void attach(std::weak_ptr<monitor<Sinks...>> m) {
        source s;
        s.alive = [m] { return !m.expired(); };
        s.snapshot = [m]() -> std::optional<monitor_snapshot> {
            if (auto p = m.lock()) return p->snapshot();
            return std::nullopt;
        };
        s.history = [m](std::chrono::nanoseconds w) -> monitor_history {
            if (auto p = m.lock()) return p->history(w);
            return {};
        };
        s.reset = [m] {
            if (auto p = m.lock()) p->reset_statistics();
        };
        s.observe_pool = [m](const pool_stats& st) {
            if (auto p = m.lock()) p->observe_pool(st);
        };
        s.observe_cache = [m](const cache_figures& f) {
            if (auto p = m.lock()) p->observe_cache(f);
        };
        if constexpr ((std::is_same_v<Sinks, prometheus_sink> || ...)) {
            std::optional<prometheus_sink> copy;
            if (auto p = m.lock()) copy.emplace(p->template sink<prometheus_sink>()); // shares the latest text
            s.metrics = [m, copy]() -> std::optional<std::string> {
                auto p = m.lock();
                if (!p) return std::nullopt;
                std::string t = copy ? copy->text() : std::string();
                if (t.empty()) t = prometheus_sink::render(p->snapshot());
                return t;
            };
        } else {
            s.metrics = [m]() -> std::optional<std::string> {
                if (auto p = m.lock()) return prometheus_sink::render(p->snapshot());
                return std::nullopt;
            };
        }
        std::optional<advice_base> base;
        if (auto p = m.lock()) base = advice_base{p->snapshot(), std::chrono::steady_clock::now()};
        std::lock_guard lk(mu_);
        source_ = std::move(s);
        advice_base_ = std::move(base);
    }

    /// Samples `p->stats()` into the monitor every sample_interval and uses `p` for the
    /// readiness probe (a connection within probe_timeout, pinged).
    template <class Pool>
    void watch_pool(std::weak_ptr<Pool> p) {
        pool_hooks h;
        h.stats = [p]() -> std::optional<pool_stats> {
            if (auto x = p.lock()) return x->stats();
            return std::nullopt;
        };
        h.probe = [p, t = opts_.probe_timeout]() -> std::optional<std::string> {
            auto x = p.lock();
            if (!x) return std::string("the pool is gone");
            try {
                auto l = x->try_acquire_for(t);
                if (!l) {
                    if (x->stats().size == 0)
                        return "no connection within " + std::to_string(t.count()) + " ms and none is open";
                    return std::nullopt; // busy, not down
                }
                bool ok = false;
                try { ok = (*l)->is_open() && static_cast<bool>((*l)->ping()); } catch (...) {}
                if (!ok) return std::string("a pooled connection did not answer ping");
                return std::nullopt;
            } catch (const std::exception& e) {
                return std::string("acquire failed: ") + e.what();
            }
        };
        std::lock_guard lk(mu_);
        pool_ = std::move(h);
    }

    /// Samples `c->stats()` into the monitor every sample_interval; `clear_cache` clears it.
    template <class Cache>
    void watch_cache(std::weak_ptr<Cache> c) {
        cache_hooks h;
        h.stats = [c]() -> std::optional<cache_figures> {
            if (auto x = c.lock()) return cache_figures::from(x->stats());
            return std::nullopt;
        };
        h.size = [c]() -> std::optional<std::size_t> {
            if (auto x = c.lock()) return x->size();
            return std::nullopt;
        };
        h.clear = [c]() -> std::optional<std::size_t> {
            if (auto x = c.lock()) {
                const std::size_t n = x->size();
                x->clear();
                return n;
            }
            return std::nullopt;
        };
        std::lock_guard lk(mu_);
        cache_ = std::move(h);
    }

    /// Serves `GET /database` from `page` (a complete HTML document, e.g. a
    /// report::html_renderer over database inspections that the caller refreshes on its
    /// own schedule); `page` is called on a server thread and must be cheap and thread-safe
    /// (return a prepared copy). Until set, and when `page` returns nullopt, the route
    /// answers 503. Replaces a previous page.
    void serve_database_page(std::function<std::optional<std::string>()> page) {
        std::lock_guard lk(mu_);
        database_page_ = std::move(page);
    }

    /// The bound port (the one chosen when options.port was 0).
    std::uint16_t port() const noexcept { return port_; }

    /// Requests answered so far (any status).
    std::uint64_t requests() const noexcept { return served_.load(std::memory_order_relaxed); }

    /// Stops serving and joins the server's and the sampler's threads. Idempotent.
    void stop() {
        std::call_once(stopped_, [this] {
            server_.stop();
            if (listener_.joinable()) listener_.join();
            {
                std::lock_guard lk(stop_mu_);
                stop_ = true;
            }
            stop_cv_.notify_all();
            if (sampler_.joinable()) sampler_.join();
        });
    }

    /// Parses a window such as "90s", "5m", "1h" or "300" (seconds); nullopt if invalid.
    static std::optional<std::chrono::nanoseconds> parse_window(std::string_view w) {
        if (w.empty() || w.size() > 12) return std::nullopt;
        std::int64_t mult = 1;
        const char unit = w.back();
        if (unit == 's' || unit == 'm' || unit == 'h') {
            mult = unit == 's' ? 1 : unit == 'm' ? 60 : 3600;
            w.remove_suffix(1);
        }
        if (w.empty()) return std::nullopt;
        std::int64_t n = 0;
        for (char ch : w) {
            if (ch < '0' || ch > '9') return std::nullopt;
            n = n * 10 + (ch - '0');
        }
        if (n == 0) return std::nullopt;
        return std::chrono::seconds(n * mult);
    }

private:
    struct source {
        std::function<bool()> alive;
        std::function<std::optional<monitor_snapshot>()> snapshot;
        std::function<monitor_history(std::chrono::nanoseconds)> history;
        std::function<void()> reset;
        std::function<void(const pool_stats&)> observe_pool;
        std::function<void(const cache_figures&)> observe_cache;
        std::function<std::optional<std::string>()> metrics;
    };
    struct pool_hooks {
        std::function<std::optional<pool_stats>()> stats;
        std::function<std::optional<std::string>()> probe; // failure reason, or nullopt when fine
    };
    struct cache_hooks {
        std::function<std::optional<cache_figures>()> stats;
        std::function<std::optional<std::size_t>()> size;
        std::function<std::optional<std::size_t>()> clear; // entries cleared
    };
    struct advice_base {
        monitor_snapshot snap;
        std::chrono::steady_clock::time_point at;
    };
    struct view {
        std::optional<source> src;
        std::optional<pool_hooks> pool;
        std::optional<cache_hooks> cache;
    };
    view current() const {
        std::lock_guard lk(mu_);
        return {source_, pool_, cache_};
    }

    static void send_json(httplib::Response& res, int status, const nlohmann::json& j) {
        res.status = status;
        res.set_content(j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
    }
    static void send_error(httplib::Response& res, int status, const std::string& msg) {
        send_json(res, status, {{"error", msg}});
    }

    // Samples the watched pool and cache into the monitor now.
    void sample(const view& v) {
        if (!v.src) return;
        if (v.pool)
            if (auto st = v.pool->stats()) v.src->observe_pool(*st);
        if (v.cache)
            if (auto f = v.cache->stats()) v.src->observe_cache(*f);
    }
    void sample_loop() {
        std::unique_lock lk(stop_mu_);
        while (!stop_) {
            lk.unlock();
            try { sample(current()); } catch (...) {}
            lk.lock();
            stop_cv_.wait_for(lk, opts_.sample_interval, [this] { return stop_; });
        }
    }

    // The snapshot's health, plus the readiness probe's finding when it fails.
    health_report health_with_probe(const view& v, const monitor_snapshot& s) const {
        health_report h = s.health;
        if (v.pool && v.pool->probe) {
            if (auto why = v.pool->probe())
                h.add({health_status::unhealthy, "database_unreachable", "readiness probe: " + *why,
                       "check that the database is up and reachable from this host, and the pool's connect errors"});
        }
        return h;
    }

    struct page_data {
        monitor_snapshot snap;
        monitor_history hist;
        health_report health;
        nlohmann::json json;
        std::optional<std::size_t> cache_entries;
        std::optional<inspect::check_result<inspect::caching_advice_row>> advice;
        double advice_window_s = 0;
    };

    // The caching advice over the statements since the baseline (nullopt: under a second of
    // them, or the monitor's counts went down and the baseline restarts now).
    std::optional<inspect::check_result<inspect::caching_advice_row>> advise(const monitor_snapshot& now_snap, double& window_s) {
        const auto now = std::chrono::steady_clock::now();
        std::optional<advice_base> base;
        {
            std::lock_guard lk(mu_);
            if (!advice_base_) advice_base_ = advice_base{now_snap, now};
            base = advice_base_;
        }
        window_s = std::chrono::duration<double>(now - base->at).count();
        if (window_s < 1.0) return std::nullopt;
        std::map<std::string, const statement_summary*> before;
        for (const auto& st : base->snap.statements) before[st.fingerprint] = &st;
        monitor_snapshot diff;
        diff.db_system = now_snap.db_system;
        for (const auto& st : now_snap.statements) {
            statement_summary x = st;
            if (auto b = before.find(st.fingerprint); b != before.end()) {
                if (b->second->calls > st.calls) { // statistics reset elsewhere: start again
                    std::lock_guard lk(mu_);
                    advice_base_ = advice_base{now_snap, now};
                    return std::nullopt;
                }
                x.calls -= b->second->calls;
                x.rows -= std::min(x.rows, b->second->rows);
                x.total -= std::min(x.total, b->second->total);
            }
            if (x.calls > 0) diff.statements.push_back(std::move(x));
        }
        inspect::caching_advice_options o;
        o.window = std::chrono::duration<double>(window_s);
        return inspect::caching_advice(diff, inspect::table_write_rates::seen_by_monitor(diff, window_s), o);
    }

    static nlohmann::json advice_json(const std::optional<inspect::check_result<inspect::caching_advice_row>>& a, double window_s) {
        nlohmann::json j{{"window_s", window_s}, {"rows", nlohmann::json::array()}, {"notes", nlohmann::json::array()}};
        if (!a) {
            j["notes"].push_back("measuring: advice after a second of statements since the dashboard attached the monitor");
            return j;
        }
        for (const auto& r : a->rows)
            j["rows"].push_back({{"rank", r.rank},
                                 {"advice", r.recommend ? "cache" : "skip"},
                                 {"fingerprint", r.fingerprint},
                                 {"calls_s", r.calls_per_second},
                                 {"mean_ms", std::chrono::duration<double, std::milli>(r.mean_latency).count()},
                                 {"hit_ratio", r.hit_ratio},
                                 {"saved_ms_s", r.saved_seconds_per_second * 1000.0},
                                 {"memory", r.memory_bytes},
                                 {"ttl_s", std::chrono::duration<double>(r.ttl).count()},
                                 {"reason", r.reason_text},
                                 {"reason_code", inspect::to_string(r.reason)}});
        for (const auto& n : a->notes) j["notes"].push_back(n);
        return j;
    }

    static std::string advice_html(const nlohmann::json& j) {
        using cistern::detail::html_escape;
        std::string h = "<h2>Caching advice</h2><p class=\"mute\">Read statements worth caching (TTL, memory), ranked by the "
                        "database time they would save, and why the others are not; over the statements since the dashboard "
                        "attached the monitor (fingerprints: parameter values are never kept).</p><table id=\"caching_advice\">"
                        "<thead><tr><th>rank</th><th>advice</th><th>fingerprint</th><th>calls/s</th><th>mean ms</th>"
                        "<th>hit ratio</th><th>TTL s</th><th>memory</th><th>reason</th></tr></thead><tbody>";
        char buf[64];
        for (const auto& r : j["rows"]) {
            auto num = [&](const char* k, const char* f) {
                std::snprintf(buf, sizeof buf, f, r[k].get<double>());
                return std::string(buf);
            };
            h += "<tr><td>" + std::to_string(r["rank"].get<std::size_t>()) + "</td><td>" + r["advice"].get<std::string>() +
                 "</td><td class=\"sql\">" + html_escape(r["fingerprint"].get<std::string>()) + "</td><td>" + num("calls_s", "%.2f") +
                 "</td><td>" + num("mean_ms", "%.3f") + "</td><td>" + num("hit_ratio", "%.2f") + "</td><td>" + num("ttl_s", "%.0f") +
                 "</td><td>" + std::to_string(r["memory"].get<std::size_t>()) + "</td><td>" + html_escape(r["reason_code"].get<std::string>()) +
                 ": " + html_escape(r["reason"].get<std::string>()) + "</td></tr>";
        }
        if (j["rows"].empty()) h += "<tr><td colspan=\"9\">no statement yet</td></tr>";
        h += "</tbody></table>";
        for (const auto& n : j["notes"]) h += "<p class=\"mute\">" + html_escape(n.get<std::string>()) + "</p>";
        return h;
    }
    std::optional<page_data> gather(const view& v, std::chrono::nanoseconds window, bool probe) {
        if (!v.src || !v.src->alive()) return std::nullopt;
        sample(v);
        auto snap = v.src->snapshot();
        if (!snap) return std::nullopt;
        page_data d{std::move(*snap), v.src->history(window), {}, {}, std::nullopt, std::nullopt, 0.0};
        d.health = probe ? health_with_probe(v, d.snap) : d.snap.health;
        if (v.cache) d.cache_entries = v.cache->size();
        d.json = performance_json(d.snap, d.hist, d.health);
        d.advice = advise(d.snap, d.advice_window_s);
        d.json["caching_advice"] = advice_json(d.advice, d.advice_window_s);
        if (d.cache_entries && d.json["cache"].is_object()) d.json["cache"]["entries"] = *d.cache_entries;
        nlohmann::json acts = nlohmann::json::array();
        {
            std::lock_guard lk(mu_);
            for (const auto& a : actions_log_) acts.push_back(a);
        }
        d.json["actions"] = std::move(acts);
        return d;
    }

    std::string page(const page_data& d, bool live) const {
        html_report_options o;
        o.title = opts_.title;
        o.live = live;
        o.refresh = opts_.refresh_interval;
        o.cache_entries = d.cache_entries;
        o.extra_html = advice_html(d.json["caching_advice"]);
        return render_html_report(d.snap, d.hist, d.health, o);
    }

    void log_action(const std::string& action, const std::string& result) {
        std::lock_guard lk(mu_);
        if (actions_log_.size() == 20) actions_log_.pop_front();
        actions_log_.push_back({{"action", action}, {"at", iso8601(std::chrono::system_clock::now())}, {"result", result}});
    }

    bool authorized(const httplib::Request& req, httplib::Response& res) const {
        if (!opts_.action_token || opts_.action_token->empty()) {
            send_error(res, 403, "actions are disabled: no action token is configured");
            return false;
        }
        const std::string auth = req.get_header_value("Authorization");
        constexpr std::string_view prefix = "Bearer ";
        const bool ok = auth.size() > prefix.size() && std::string_view(auth).substr(0, prefix.size()) == prefix &&
                        detail::constant_time_equal(std::string_view(auth).substr(prefix.size()), *opts_.action_token);
        if (!ok) {
            res.set_header("WWW-Authenticate", "Bearer");
            send_error(res, 401, "a valid bearer token is required for actions");
        }
        return ok;
    }

    static constexpr const char* page_csp =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
        "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    void routes() {
        server_.set_pre_routing_handler([this](const httplib::Request&, httplib::Response& res) {
            served_.fetch_add(1, std::memory_order_relaxed);
            if (!requests_.try_take()) {
                res.set_header("Retry-After", "1");
                send_error(res, 429, "too many requests");
                return httplib::Server::HandlerResponse::Handled;
            }
            return httplib::Server::HandlerResponse::Unhandled;
        });
        auto html = [this](bool live) {
            return [this, live](const httplib::Request&, httplib::Response& res) {
                auto d = gather(current(), std::chrono::nanoseconds::max(), false);
                if (!d) return send_error(res, 503, "no monitor is attached");
                res.set_header("Content-Security-Policy", page_csp);
                res.set_content(page(*d, live), "text/html; charset=utf-8");
            };
        };
        server_.Get("/", html(true));
        server_.Get("/report", html(false));
        server_.Get("/database", [this](const httplib::Request&, httplib::Response& res) {
            std::function<std::optional<std::string>()> page;
            {
                std::lock_guard lk(mu_);
                page = database_page_;
            }
            std::optional<std::string> doc;
            if (page) doc = page();
            if (!doc) return send_error(res, 503, "no database page yet");
            res.set_header("Content-Security-Policy", page_csp);
            res.set_content(*doc, "text/html; charset=utf-8");
        });
        server_.Get("/api/performance", [this](const httplib::Request& req, httplib::Response& res) {
            auto window = std::chrono::nanoseconds::max();
            if (req.has_param("window")) {
                auto w = parse_window(req.get_param_value("window"));
                if (!w) return send_error(res, 400, "window must look like 90s, 5m, 1h or 300");
                window = *w;
            }
            auto d = gather(current(), window, true);
            if (!d) return send_error(res, 503, "no monitor is attached");
            send_json(res, 200, d->json);
        });
        server_.Post("/api/performance", [this](const httplib::Request& req, httplib::Response& res) {
            if (!authorized(req, res)) return;
            if (!actions_.try_take()) {
                res.set_header("Retry-After", "1");
                return send_error(res, 429, "too many actions");
            }
            if (req.get_header_value("Content-Type").rfind("application/json", 0) != 0)
                return send_error(res, 415, "the body must be application/json");
            const auto body = nlohmann::json::parse(req.body, nullptr, false);
            if (body.is_discarded() || !body.is_object() || !body.contains("action") || !body["action"].is_string())
                return send_error(res, 400, "expected {\"action\": \"health_check\" | \"clear_cache\" | \"generate_report\" | \"reset_stats\"}");
            const std::string action = body["action"].get<std::string>();
            const view v = current();
            if (!v.src || !v.src->alive()) return send_error(res, 503, "no monitor is attached");
            if (action == "health_check") {
                auto d = gather(v, std::chrono::nanoseconds::max(), true);
                if (!d) return send_error(res, 503, "no monitor is attached");
                log_action(action, to_string(d->health.status));
                return send_json(res, 200, {{"action", action}, {"ok", true}, {"health", health_json(d->health)}});
            }
            if (action == "clear_cache") {
                if (!v.cache) return send_error(res, 409, "no cache is watched by this dashboard");
                const auto n = v.cache->clear();
                if (!n) return send_error(res, 503, "the cache is gone");
                sample(v);
                log_action(action, "cleared " + std::to_string(*n) + " entries");
                return send_json(res, 200, {{"action", action}, {"ok", true}, {"cleared_entries", *n}});
            }
            if (action == "reset_stats") {
                v.src->reset();
                if (auto snap = v.src->snapshot()) {
                    std::lock_guard lk(mu_);
                    advice_base_ = advice_base{std::move(*snap), std::chrono::steady_clock::now()};
                }
                log_action(action, "statistics reset");
                return send_json(res, 200, {{"action", action}, {"ok", true}});
            }
            if (action == "generate_report") {
                auto d = gather(v, std::chrono::nanoseconds::max(), true);
                if (!d) return send_error(res, 503, "no monitor is attached");
                log_action(action, "report rendered");
                res.set_header("Content-Security-Policy", page_csp);
                res.set_header("Content-Disposition", "attachment; filename=\"cistern-report.html\"");
                res.set_content(page(*d, false), "text/html; charset=utf-8");
                return;
            }
            send_error(res, 400, "unknown action (expected health_check, clear_cache, generate_report or reset_stats)");
        });
        server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
            const view v = current();
            std::optional<std::string> t;
            if (v.src) t = v.src->metrics();
            if (!t) return send_error(res, 503, "no monitor is attached");
            res.set_content(*t, "text/plain; version=0.0.4; charset=utf-8");
        });
        server_.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
        server_.Get("/readyz", [this](const httplib::Request&, httplib::Response& res) {
            const view v = current();
            if (!v.src || !v.src->alive()) return send_error(res, 503, "no monitor is attached");
            sample(v);
            auto snap = v.src->snapshot();
            if (!snap) return send_error(res, 503, "no monitor is attached");
            const auto h = health_with_probe(v, *snap);
            send_json(res, h.status == health_status::unhealthy ? 503 : 200, health_json(h));
        });
    }

    dashboard_options opts_;
    detail::token_bucket requests_, actions_;
    httplib::Server server_;
    std::uint16_t port_ = 0;
    std::atomic<std::uint64_t> served_{0};

    mutable std::mutex mu_;
    std::optional<source> source_;
    std::optional<pool_hooks> pool_;
    std::optional<cache_hooks> cache_;
    std::function<std::optional<std::string>()> database_page_;
    std::optional<advice_base> advice_base_; ///< the caching advice counts from here
    std::deque<nlohmann::json> actions_log_;

    std::mutex stop_mu_;
    std::condition_variable stop_cv_;
    bool stop_ = false;
    std::once_flag stopped_;
    std::thread listener_, sampler_;
};

} // namespace cistern::http
