#pragma once
/// \file
/// The state of a monitor, independent of its sinks: statements, slow log, rolling
/// window, pool and cache numbers, snapshots and health.

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include <cistern/monitor/health.hpp>
#include <cistern/monitor/histogram.hpp>
#include <cistern/monitor/monitor_options.hpp>
#include <cistern/monitor/rolling_window.hpp>
#include <cistern/monitor/slow_query_log.hpp>
#include <cistern/monitor/snapshot.hpp>
#include <cistern/monitor/statement_registry.hpp>
#include <cistern/pool/events.hpp>
#include <cistern/pool/stats.hpp>

namespace cistern {

/// The monitor's recording and reporting core. Thread-safe: record() and the pool
/// event methods may be called from any threads at once; record() takes no lock for a
/// statement text seen before (slow statements also append to the slow log under its
/// mutex). monitor<Sinks...> owns one and adds sinks and the push thread.
class monitor_core {
public:
    using clock = std::chrono::steady_clock;

    explicit monitor_core(monitor_options o)
        : opts_((o.validate(), std::move(o))), registry_(opts_.max_fingerprints, opts_.max_statement_texts),
          window_(opts_.window_size), slow_(opts_.slow_log_capacity) {}
    monitor_core(const monitor_core&) = delete;
    monitor_core& operator=(const monitor_core&) = delete;

    const monitor_options& options() const noexcept { return opts_; }

    /// Records one statement: its text (fingerprinted once per distinct text), how long it
    /// took, the rows it returned or changed, and whether it succeeded.
    void record(std::string_view sql, std::chrono::nanoseconds took, std::uint64_t rows = 0, bool ok = true) {
        auto& st = registry_.find(sql);
        st.record(took, rows, ok);
        window_.record(&st, took, ok);
        if (took >= opts_.slow_warning) [[unlikely]] {
            slow_.add({st.fingerprint, st.parameters, took,
                       took >= opts_.slow_critical ? slow_level::critical : slow_level::warning, ok,
                       std::chrono::system_clock::now()});
        }
    }

    // ---- pool events (called by monitor_listener) ----
    void pool_acquired(std::chrono::nanoseconds waited) noexcept { acquire_wait_.record(waited); }
    void pool_released(std::chrono::nanoseconds held) noexcept { usage_.record(held); }
    void pool_connected(std::chrono::nanoseconds took) noexcept { creation_.record(took); }
    void pool_connect_failed() noexcept { connect_failures_.fetch_add(1, std::memory_order_relaxed); }
    void pool_timed_out() noexcept { timeouts_.fetch_add(1, std::memory_order_relaxed); }
    void pool_closed(close_reason r) noexcept {
        closed_[static_cast<std::size_t>(r)].fetch_add(1, std::memory_order_relaxed);
    }
    void pool_leak(const leak_report& r) {
        leaks_.fetch_add(1, std::memory_order_relaxed);
        std::lock_guard lk(mu_);
        leak_reports_.push_front(r);
        while (leak_reports_.size() > opts_.leak_reports_kept) leak_reports_.pop_back();
    }

    /// Feeds one utilization sample (a pool's stats()) taken at `now`. The alert level
    /// becomes warning/critical once utilization has stayed at or above the threshold
    /// for monitor_options::utilization_sustain, over at least two samples; a sample
    /// below the threshold ends the run.
    void sample_pool(const pool_stats& s, clock::time_point now = clock::now()) {
        std::lock_guard lk(mu_);
        pool_sampled_ = true;
        pool_last_ = s;
        const double u = s.utilization();
        auto track = [&](double threshold, std::optional<clock::time_point>& since, std::size_t& samples) {
            if (u >= threshold) {
                if (!since) { since = now; samples = 0; }
                ++samples;
            } else {
                since.reset();
                samples = 0;
            }
        };
        track(opts_.utilization_warning, warn_since_, warn_samples_);
        track(opts_.utilization_critical, crit_since_, crit_samples_);
        alert_level lvl = alert_level::none;
        if (crit_since_ && crit_samples_ >= 2 && now - *crit_since_ >= opts_.utilization_sustain) {
            lvl = alert_level::critical;
            alert_for_ = now - *crit_since_;
        } else if (warn_since_ && warn_samples_ >= 2 && now - *warn_since_ >= opts_.utilization_sustain) {
            lvl = alert_level::warning;
            alert_for_ = now - *warn_since_;
        } else {
            alert_for_ = {};
        }
        if (lvl != alert_level::none && lvl != alert_) ++alerts_raised_;
        alert_ = lvl;
    }

    /// Watches a pool: its stats are sampled every monitor_options::sample_interval by
    /// the push thread (if any) and on every snapshot. `stats` must stay callable while
    /// the monitor lives (call unwatch_pool() before the pool goes away).
    template <class Pool>
    void watch_pool(Pool& p) {
        std::lock_guard lk(watch_mu_);
        watched_ = [&p] { return p.stats(); };
    }
    void unwatch_pool() {
        std::lock_guard lk(watch_mu_);
        watched_ = nullptr;
    }
    /// Samples the watched pool now, if there is one.
    void sample_watched() {
        std::optional<pool_stats> s;
        {
            std::lock_guard lk(watch_mu_);
            if (watched_) s = watched_();
        }
        if (s) sample_pool(*s);
    }

    /// Plain cache numbers (running totals, e.g. from cache.stats()).
    void record_cache(std::uint64_t hits, std::uint64_t misses, std::uint64_t loads, std::uint64_t evictions) {
        std::lock_guard lk(mu_);
        cache_ = {true, hits, misses, loads, evictions};
    }

    /// The current state. `take_slow`: hand out the pending slow statements (each is
    /// handed out once; the push path does this), otherwise copy them.
    monitor_snapshot snapshot(bool take_slow = false) {
        sample_watched();
        monitor_snapshot s;
        s.taken = std::chrono::system_clock::now();
        s.db_system_name = opts_.db_system_name;
        s.pool_name = opts_.pool_name;
        for (const auto* st : registry_.all()) {
            statement_summary ss;
            ss.fingerprint = st->fingerprint;
            ss.parameters = st->parameters;
            ss.calls = st->calls.load(std::memory_order_relaxed);
            ss.errors = st->errors.load(std::memory_order_relaxed);
            ss.rows = st->rows.load(std::memory_order_relaxed);
            ss.total_ns = st->total_ns.load(std::memory_order_relaxed);
            if (ss.calls == 0) continue;
            ss.latency = latency_summary::of(st->latency);
            s.calls += ss.calls;
            s.errors += ss.errors;
            s.statements.push_back(std::move(ss));
        }
        std::sort(s.statements.begin(), s.statements.end(),
                  [](const auto& a, const auto& b) { return a.total_ns > b.total_ns; });
        {
            const auto entries = window_.entries();
            std::vector<std::uint64_t> d;
            d.reserve(entries.size());
            for (const auto& e : entries) {
                d.push_back(static_cast<std::uint64_t>(e.duration.count()));
                if (!e.ok) ++s.window.errors;
            }
            std::sort(d.begin(), d.end());
            s.window.statements = d.size();
            if (!d.empty()) {
                s.window.p50_ns = d[(d.size() - 1) / 2];
                s.window.p99_ns = d[std::min(d.size() - 1, (d.size() * 99 + 99) / 100 - 1)];
                s.window.max_ns = d.back();
            }
        }
        s.slow = take_slow ? slow_.take() : slow_.peek();
        s.slow_warnings = slow_.warnings();
        s.slow_criticals = slow_.criticals();
        s.slow_dropped = slow_.dropped();
        auto& p = s.pool;
        p.acquire_wait = latency_summary::of(acquire_wait_);
        p.usage = latency_summary::of(usage_);
        p.creation = latency_summary::of(creation_);
        p.timeouts = timeouts_.load(std::memory_order_relaxed);
        p.connect_failures = connect_failures_.load(std::memory_order_relaxed);
        p.leaks = leaks_.load(std::memory_order_relaxed);
        for (std::size_t i = 0; i < close_reason_count; ++i) p.closed[i] = closed_[i].load(std::memory_order_relaxed);
        {
            std::lock_guard lk(mu_);
            p.sampled = pool_sampled_;
            p.last = pool_last_;
            p.utilization = pool_last_.utilization();
            p.alert = alert_;
            p.alert_for = alert_for_;
            p.alerts_raised = alerts_raised_;
            p.recent_leaks.assign(leak_reports_.begin(), leak_reports_.end());
            s.cache = cache_;
        }
        s.sink_failures = sink_failures_.load(std::memory_order_relaxed);
        s.health = evaluate_health(s, opts_);
        return s;
    }

    /// health() of the current state.
    health_report health() { return snapshot().health; }

    /// Sink publish() calls that threw.
    std::uint64_t sink_failures() const noexcept { return sink_failures_.load(std::memory_order_relaxed); }
    /// Statement texts beyond max_statement_texts (fingerprinted on every call).
    std::uint64_t uncached_statements() const noexcept { return registry_.uncached(); }

protected:
    void count_sink_failure() noexcept { sink_failures_.fetch_add(1, std::memory_order_relaxed); }

private:
    monitor_options opts_;
    statement_registry registry_;
    rolling_window window_;
    slow_query_log slow_;
    histogram acquire_wait_, usage_, creation_;
    std::atomic<std::uint64_t> timeouts_{0}, connect_failures_{0}, leaks_{0};
    std::array<std::atomic<std::uint64_t>, close_reason_count> closed_{};
    std::atomic<std::uint64_t> sink_failures_{0};

    mutable std::mutex mu_; // pool samples, leak reports, cache numbers
    bool pool_sampled_ = false;
    pool_stats pool_last_{};
    std::optional<clock::time_point> warn_since_, crit_since_;
    std::size_t warn_samples_ = 0, crit_samples_ = 0;
    alert_level alert_ = alert_level::none;
    std::chrono::nanoseconds alert_for_{};
    std::uint64_t alerts_raised_ = 0;
    std::deque<leak_report> leak_reports_;
    cache_summary cache_{};

    std::mutex watch_mu_;
    std::function<pool_stats()> watched_;
};

} // namespace cistern
