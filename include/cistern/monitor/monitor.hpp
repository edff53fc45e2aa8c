#pragma once
/// \file
/// `cistern::monitor<Sinks...>`: per-statement latency, slow-query log, pool and cache
/// metrics, health with recommendations, pushed to metric sinks.

#include <algorithm>
#include <array>
#include <bit>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <cistern/coarse_clock.hpp>
#include <cistern/monitor/cache_figures.hpp>
#include <cistern/monitor/concepts.hpp>
#include <cistern/monitor/detail/health_rules.hpp>
#include <cistern/monitor/detail/history_ring.hpp>
#include <cistern/monitor/detail/statement_trends.hpp>
#include <cistern/monitor/detail/record_buffers.hpp>
#include <cistern/monitor/health.hpp>
#include <cistern/monitor/interval_histogram.hpp>
#include <cistern/monitor/monitor_history.hpp>
#include <cistern/monitor/options.hpp>
#include <cistern/monitor/pool_listener.hpp>
#include <cistern/monitor/pool_metrics.hpp>
#include <cistern/monitor/rolling_window.hpp>
#include <cistern/monitor/slow_query_log.hpp>
#include <cistern/monitor/snapshot.hpp>
#include <cistern/monitor/statement_registry.hpp>
#include <cistern/pool/stats.hpp>

namespace cistern {

/// Records statements, pool and cache events and pushes snapshots to `Sinks...`.
///
/// Hot path, record(): a lock-free lookup of the statement text (statement_registry) and
/// one push into the calling thread's own ring of pending records (plain stores, no
/// atomic read-modify-write, nothing shared with other recording threads). A thread
/// applies its ring to the statement's counters, histogram and the rolling window when
/// the ring is full (every 256 statements); snapshot(), flush(), health() and recent()
/// apply every thread's ring first, so they see every statement recorded before they
/// were called. Only a slow statement takes a mutex (to queue it for the slow log, at
/// once). The first call with a new text fingerprints it under a mutex; a thread's first
/// record into a monitor registers its ring under a mutex.
///
/// History (monitor_options::history_interval, non-zero by default): a fixed ring of
/// history_length closed intervals (history_interval). An interval is closed off the
/// recording path, from cumulative counters: the background ticker (or tick_history())
/// applies every thread's ring, sums the statements' histograms and counters, and stores
/// the difference from the previous reading; record() does nothing more with history on.
///
/// Snapshots go to every sink on the background thread every `push_interval` (when
/// non-zero) and on flush(). Sinks are called under one mutex, so a sink never runs
/// concurrently with itself. A sink that throws is skipped for that snapshot and
/// counted (sink_failures()); the others still get it.
///
/// Thread safety: every member function may be called from any thread.
template <class... Sinks>
class monitor {
    static_assert((detail::check_metric_sink<Sinks>() && ... && true), "cistern::monitor: every sink must be a MetricSink");

public:
    /// Times one statement from construction to finish() (or destruction) and records
    /// it. Counts as failed if fail() was called or an exception is propagating when it
    /// is destroyed. The statement text must outlive the timer.
    class scoped_timer {
    public:
        /// Starts timing `sql` now for monitor `m`; both must outlive the timer.
        scoped_timer(monitor& m, std::string_view sql) noexcept
            : m_(&m), sql_(sql), uncaught_(std::uncaught_exceptions()), start_(std::chrono::steady_clock::now()) {}
        scoped_timer(const scoped_timer&) = delete;
        scoped_timer& operator=(const scoped_timer&) = delete;
        ~scoped_timer() {
            if (m_) {
                if (std::uncaught_exceptions() > uncaught_) ok_ = false;
                finish();
            }
        }
        /// Rows returned or affected.
        void rows(std::uint64_t n) noexcept { rows_ = n; }
        /// Marks the statement as failed.
        void fail() noexcept { ok_ = false; }
        /// Records now (later calls and the destructor do nothing).
        void finish() noexcept {
            if (!m_) return;
            const auto end = std::chrono::steady_clock::now();
            try {
                m_->record(sql_, start_, end, rows_, ok_);
            } catch (...) {}
            m_ = nullptr;
        }

    private:
        monitor* m_;
        std::string_view sql_;
        int uncaught_;
        std::chrono::steady_clock::time_point start_;
        std::uint64_t rows_ = 0;
        bool ok_ = true;
    };

    /// Throws config_error for invalid options. Starts the push thread when
    /// options.push_interval is non-zero.
    explicit monitor(monitor_options options = {}, Sinks... sinks)
        : opts_((options.validate(), std::move(options))),
          registry_(opts_.max_fingerprints, opts_.max_texts),
          window_(opts_.window),
          slow_(opts_.slow_log_capacity),
          sinks_(std::move(sinks)...) {
        if (opts_.history_interval > std::chrono::milliseconds::zero()) {
            history_ = std::make_unique<history_state>(opts_.history_length,
                                                       std::min(opts_.statement_trend_length, opts_.history_length));
            if (opts_.history_ticker) {
                tick_history(); // the first interval starts now
                ticker_ = std::thread([this] { history_loop(); });
            }
        }
        if (opts_.push_interval > std::chrono::milliseconds::zero()) pusher_ = std::thread([this] { push_loop(); });
    }
    monitor(const monitor&) = delete;
    monitor& operator=(const monitor&) = delete;

    /// Stops the push thread, then, if options.flush_on_shutdown, pushes a last snapshot
    /// unless nothing was recorded or observed since the last flush (so a monitor flushed
    /// explicitly before it ends does not print the same report twice).
    ~monitor() {
        {
            std::lock_guard lk(stop_mu_);
            stop_ = true;
        }
        stop_cv_.notify_all();
        if (pusher_.joinable()) pusher_.join();
        if (ticker_.joinable()) ticker_.join();
        if (opts_.flush_on_shutdown) {
            try { flush_if_changed(); } catch (...) {}
        }
    }

    /// The options the monitor was constructed with.
    const monitor_options& options() const noexcept { return opts_; }

    /// The database system a connection type says it is (OpenTelemetry db.system.name,
    /// e.g. "sqlite", "postgresql"): `monitored<C>` calls it when it is created. When
    /// options.db_system is empty, the first name given becomes the `db_system_name` of
    /// every snapshot; an explicit options.db_system, or a name already taken, is kept
    /// (one monitor per database system). Snapshots before any name say "other_sql".
    void observe_db_system(std::string_view name) {
        if (!opts_.db_system.empty() || name.empty()) return;
        std::lock_guard lk(mu_);
        if (db_system_.empty()) db_system_ = std::string(name);
    }

    /// Records one executed statement. `rows`: returned or affected; `ok`: false if it failed.
    /// The statement's end time in the rolling window is read from coarse_steady_clock.
    void record(std::string_view sql, std::chrono::nanoseconds duration, std::uint64_t rows = 0, bool ok = true) {
        push(sql, duration, coarse_steady_clock::now().time_since_epoch().count(), rows, ok);
    }
    /// Records one statement that ran from `start` to `end` (the clock reads the caller
    /// made to time it; the window's end time needs no third read).
    void record(std::string_view sql, std::chrono::steady_clock::time_point start, std::chrono::steady_clock::time_point end,
                std::uint64_t rows = 0, bool ok = true) {
        push(sql, std::chrono::duration_cast<std::chrono::nanoseconds>(end - start),
             std::chrono::duration_cast<std::chrono::nanoseconds>(end.time_since_epoch()).count(), rows, ok);
    }

    /// A timer for one statement; see scoped_timer.
    [[nodiscard]] scoped_timer time(std::string_view sql) noexcept { return scoped_timer(*this, sql); }

    /// A listener for `pool<F, with_listener<cistern::pool_listener>>`.
    cistern::pool_listener pool_listener() noexcept { return cistern::pool_listener{&pool_}; }
    /// The monitor's pool event counters and histograms (what pool_listener() feeds).
    pool_metrics& pool_events() noexcept { return pool_; }

    /// One pool utilization sample (call it periodically with `pool.stats()`). An alert
    /// is raised when utilization stays at or above a threshold on every sample for
    /// options.utilization_period; a single high sample raises nothing. `now` is for tests.
    void observe_pool(const pool_stats& st,
                      std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) {
        std::lock_guard lk(mu_);
        pool_observed_ = true;
        last_pool_ = st;
        peak_in_use_ = std::max(peak_in_use_, st.in_use);
        const double u = st.utilization();
        auto track = [&](std::optional<std::chrono::steady_clock::time_point>& since, double threshold) {
            if (u >= threshold) {
                if (!since) since = now;
            } else {
                since.reset();
            }
        };
        track(warn_since_, opts_.utilization_warning);
        track(crit_since_, opts_.utilization_critical);
        auto level = utilization_level::normal;
        std::chrono::nanoseconds held{};
        if (crit_since_ && now - *crit_since_ >= opts_.utilization_period) {
            level = utilization_level::critical;
            held = now - *crit_since_;
        } else if (warn_since_ && now - *warn_since_ >= opts_.utilization_period) {
            level = utilization_level::warning;
            held = now - *warn_since_;
        }
        if (level > level_) {
            pending_alerts_.push_back({level, u,
                                       level == utilization_level::critical ? opts_.utilization_critical
                                                                            : opts_.utilization_warning,
                                       held});
            ++alerts_[static_cast<std::size_t>(level) - 1];
        }
        level_ = level;
    }

    /// The current sustained utilization level.
    utilization_level pool_level() const {
        std::lock_guard lk(mu_);
        return level_;
    }
    /// Alerts raised so far at `level` (warning or critical).
    std::uint64_t pool_alerts(utilization_level level) const {
        std::lock_guard lk(mu_);
        return level == utilization_level::normal ? 0 : alerts_[static_cast<std::size_t>(level) - 1];
    }

    /// The cache's cumulative counters (replaces the previous figures).
    void observe_cache(const cache_figures& f) {
        std::lock_guard lk(mu_);
        cache_ = f;
    }
    /// Anything with hits/misses/loads/evictions members, e.g. cistern::cache_stats.
    template <class S>
        requires requires(const S& s) { cache_figures::from(s); } && (!std::same_as<S, cache_figures>)
    void observe_cache(const S& s) { observe_cache(cache_figures::from(s)); }

    /// Takes the default partitions a database inspection found, with their rows (e.g.
    /// from inspect::postgres_default_partitions(), see inspect::default_partition_figures):
    /// the next snapshots carry them, the Prometheus sink exports
    /// `cistern_partition_default_rows`, and the health rule "default_partition_rows" is
    /// degraded while one holds rows. Replaces the previous observation.
    void observe_default_partitions(std::vector<default_partition_rows> parts) {
        std::lock_guard lk(mu_);
        default_partitions_ = std::move(parts);
    }

    /// Adds a source of findings that health() (and every snapshot) includes, e.g.
    /// `redis::tier::health_source()`. It is called on the thread that asks for health,
    /// without the monitor's locks held; it must stay callable for the monitor's life
    /// and not throw (a source that throws is skipped).
    void add_health_source(std::function<std::optional<health_finding>()> source) {
        std::lock_guard lk(mu_);
        health_sources_.push_back(std::move(source));
    }

    /// The figures now, without consuming the slow log or pending alerts.
    monitor_snapshot snapshot() const { return make_snapshot(false); }

    /// Evaluates the health rules over the recorded data.
    health_report health() const { return make_snapshot(false).health; }

    /// Builds a snapshot (consuming slow-log entries and alerts, so each is reported
    /// once) and hands it to every sink. Returns the snapshot.
    monitor_snapshot flush() {
        std::lock_guard flk(flush_mu_);
        auto snap = make_snapshot(true);
        publish_locked(snap);
        return snap;
    }

    /// Publishes that threw, over all sinks.
    std::uint64_t sink_failures() const noexcept { return sink_failures_.load(std::memory_order_relaxed); }
    /// Snapshots pushed (by flush() or the push thread).
    std::uint64_t flushes() const noexcept { return flushes_.load(std::memory_order_relaxed); }

    /// The sink of type S (call only while no flush runs, e.g. before or after use).
    template <class S> S& sink() noexcept { return std::get<S>(sinks_); }
    /// The sink at position I of Sinks (same precondition as sink<S>()).
    template <std::size_t I> auto& sink() noexcept { return std::get<I>(sinks_); }

    /// Closes the current history interval if it has lasted history_interval by `now`
    /// (steady clock; pass times for tests), storing what happened in it. The first call
    /// only starts an interval. Does nothing when history is off. Called by the ticker
    /// thread unless options.history_ticker is false. An interval closed late is longer
    /// (its length says so); the next starts when it closed.
    void tick_history(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) {
        if (!history_) return;
        apply_pending();
        std::lock_guard lk(history_->mu);
        history_state& h = *history_;
        if (!h.started) {
            read_counters(h.before);
            h.trends.rebase(registry_.all());
            h.begin = now;
            h.wall_begin = std::chrono::system_clock::now();
            h.started = true;
            return;
        }
        if (now - h.begin < opts_.history_interval) return;
        read_counters(h.now);
        const reading& a = h.before;
        const reading& b = h.now;
        auto d = [](std::uint64_t x, std::uint64_t y) { return y > x ? y - x : 0; };
        history_interval f;
        f.begin = h.wall_begin;
        f.length = now - h.begin;
        f.calls = d(a.calls, b.calls);
        f.errors = d(a.errors, b.errors);
        f.rows = d(a.rows, b.rows);
        f.slow = d(a.slow, b.slow);
        f.total = std::chrono::nanoseconds(static_cast<std::int64_t>(d(a.total_ns, b.total_ns)));
        h.latency.assign_difference(b.latency, a.latency);
        detail::history_ring::set_percentiles(f, h.latency);
        f.pool_observed = b.pool_observed;
        f.pool_size = b.pool.size;
        f.pool_in_use = b.pool.in_use;
        f.pool_in_use_peak = std::max(b.peak_in_use, b.pool.in_use);
        f.pool_idle = b.pool.idle;
        f.pool_waiting = b.pool.waiting;
        f.pool_pending = b.pool.pending;
        f.pool_max_size = b.pool.max_size;
        f.pool_acquired = d(a.pool.acquired, b.pool.acquired);
        f.pool_waited = d(a.pool.waited, b.pool.waited);
        f.pool_wait_total = std::chrono::nanoseconds(static_cast<std::int64_t>(
            d(static_cast<std::uint64_t>(a.pool.total_wait.count()), static_cast<std::uint64_t>(b.pool.total_wait.count()))));
        f.pool_timeouts = d(a.timeouts, b.timeouts);
        f.pool_connect_failures = d(a.connect_failures, b.connect_failures);
        f.cache_observed = b.cache.has_value();
        const cache_figures ca = a.cache.value_or(cache_figures{}), cb = b.cache.value_or(cache_figures{});
        f.cache_hits = d(ca.hits, cb.hits);
        f.cache_misses = d(ca.misses, cb.misses);
        f.cache_loads = d(ca.loads, cb.loads);
        f.cache_evictions = d(ca.evictions, cb.evictions);
        h.ring.push(f, h.latency, std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count());
        h.trends.tick(registry_.all());
        std::swap(h.before, h.now);
        h.begin = now;
        h.wall_begin = f.begin + f.length;
    }

    /// Sets the statement statistics (calls, errors, rows, latency), the slow-query log
    /// and the pool event counters back to zero, and clears pending alerts (the
    /// "reset_stats" action). Statements recorded before the call are applied first and
    /// then forgotten; a statement recorded concurrently counts before or after. Closed
    /// history intervals stay; the current one restarts from the reset. Cache figures
    /// and pool samples are the application's cumulative counters and are kept.
    void reset_statistics() {
        apply_pending();
        std::unique_lock<std::mutex> hl;
        if (history_) hl = std::unique_lock(history_->mu);
        for (const statement_stats* cs : registry_.all()) {
            auto* st = const_cast<statement_stats*>(cs); // the registry owns them mutable
            std::lock_guard wl(st->write_mu);
            st->latency.reset();
            st->errors.store(0, std::memory_order_relaxed);
            st->rows.store(0, std::memory_order_relaxed);
            st->slow.store(0, std::memory_order_relaxed);
        }
        slow_.reset();
        pool_.reset();
        {
            std::lock_guard lk(mu_);
            pending_alerts_.clear();
        }
        if (history_ && history_->started) {
            read_counters(history_->before);
            history_->trends.rebase(registry_.all());
        }
    }

    /// The closed history intervals that ended within `window` of the newest one (all by
    /// default), oldest first, and their merge; and per statement its trend over the
    /// newest of those intervals (at most monitor_options::statement_trend_length). Empty
    /// when history is off or no interval has closed yet.
    monitor_history history(std::chrono::nanoseconds window = std::chrono::nanoseconds::max()) const {
        if (!history_) return monitor_history{};
        std::lock_guard lk(history_->mu);
        monitor_history out = history_->ring.read(window, opts_.history_interval);
        out.statements = history_->trends.read(out.intervals.size());
        return out;
    }

    /// The rolling window's entries, oldest first.
    std::vector<window_entry> recent() const {
        apply_pending();
        return window_.entries();
    }

private:
    void push(std::string_view sql, std::chrono::nanoseconds duration, std::int64_t end_steady_ns, std::uint64_t rows,
              bool ok) {
        detail::record_ring& ring = buffers_.mine(applier_);
        statement_stats& s = ring.lookup(sql, registry_);
        if (duration >= opts_.slow_warning) [[unlikely]] record_slow(s, duration, ok);
        buffers_.push(ring, {&s, duration.count(), end_steady_ns, rows, ok}, applier_);
    }

    void record_slow(statement_stats& s, std::chrono::nanoseconds d, bool ok) {
        s.slow.fetch_add(1, std::memory_order_relaxed);
        slow_.add({s.fingerprint, s.parameters, d,
                   d >= opts_.slow_critical ? slow_level::critical : slow_level::warning, ok,
                   std::chrono::system_clock::now()});
    }

    template <class S>
    void publish_to(S& sink, const monitor_snapshot& snap) noexcept {
        try {
            sink.publish(snap);
        } catch (...) {
            sink_failures_.fetch_add(1, std::memory_order_relaxed);
        }
    }

    // Applies what every thread has recorded but not yet applied (see record_buffers).
    // Applies a batch of one thread's records. A batch touches few statements: the
    // distinct ones of a run of records (up to 8) are locked together, in address order
    // (every applier does so: no deadlock),
    // and then every record of the run is a plain increment of its bucket, its totals
    // summed locally and added once per statement.
    struct apply_record {
        rolling_window* window;
        static constexpr std::size_t ways = 8;
        /// Per-statement sums of one run of records, added once per statement.
        struct totals {
            ///@{
            /// Count, sum, smallest and largest duration (ns), rows and failures of the run.
            std::uint64_t n, sum, lo, hi, rows, errors;
            ///@}
        };
        void operator()(std::span<const detail::pending_record> batch) const noexcept {
            std::uint64_t position = window->claim(batch.size());
            // Records carry steady_clock times; the window keeps wall times.
            const std::int64_t to_wall = rolling_window::wall_now_ns() - std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                                             std::chrono::steady_clock::now().time_since_epoch()).count();
            while (!batch.empty()) {
                // Ways by statement number, direct-mapped on its low 6 bits; a run ends
                // at a 9th statement or at two statements sharing a table entry.
                std::array<statement_stats*, ways> seen{};
                std::array<std::uint32_t, 64> tag;
                tag.fill(UINT32_MAX);
                std::array<std::uint8_t, 64> way_of;
                std::array<std::uint8_t, detail::record_ring::capacity> way;
                std::size_t used = 0, run = 0;
                for (; run < batch.size(); ++run) {
                    statement_stats* s = batch[run].stats;
                    const std::size_t e = s->id & 63;
                    if (tag[e] == s->id) [[likely]] {
                        way[run] = way_of[e];
                        continue;
                    }
                    if (tag[e] != UINT32_MAX || used == ways) break;
                    tag[e] = s->id;
                    way_of[e] = static_cast<std::uint8_t>(used);
                    seen[used] = s;
                    way[run] = static_cast<std::uint8_t>(used++);
                }
                std::array<statement_stats*, ways> order = seen;
                for (std::size_t j = 1; j < used; ++j) // insertion sort of at most 8 pointers
                    for (std::size_t k = j; k > 0 && std::less<>{}(order[k], order[k - 1]); --k) std::swap(order[k], order[k - 1]);
                for (std::size_t j = 0; j < used; ++j) order[j]->write_mu.lock();
                std::array<totals, ways> t;
                t.fill(totals{0, 0, UINT64_MAX, 0, 0, 0});
                for (std::size_t i = 0; i < run; ++i) {
                    const detail::pending_record& r = batch[i];
                    window->fill(position++, r.stats, std::chrono::nanoseconds(r.ns), r.ok, r.finished + to_wall);
                    const std::uint64_t v = r.ns < 0 ? 0 : static_cast<std::uint64_t>(r.ns);
                    r.stats->latency.count_value_exclusive(v);
                    if (!r.ok) [[unlikely]] r.stats->count_failure_locked(v);
                    totals& x = t[way[i]];
                    ++x.n;
                    x.sum += v;
                    x.lo = std::min(x.lo, v);
                    x.hi = std::max(x.hi, v);
                    x.rows += r.rows;
                    x.errors += r.ok ? 0 : 1;
                }
                for (std::size_t j = 0; j < used; ++j)
                    seen[j]->add_batch_locked(t[j].n, t[j].sum, t[j].lo, t[j].hi, t[j].rows, t[j].errors);
                for (std::size_t j = 0; j < used; ++j) order[j]->write_mu.unlock();
                batch = batch.subspan(run);
            }
        }
    };
    void apply_pending() const { buffers_.drain_all(applier_); }

    monitor_snapshot make_snapshot(bool consume) const {
        apply_pending();
        monitor_snapshot s;
        s.taken = std::chrono::system_clock::now();
        for (const statement_stats* st : registry_.all()) {
            statement_summary x;
            x.fingerprint = st->fingerprint;
            x.id = st->id;
            x.summary = st->summary;
            x.parameters = st->parameters;
            x.calls = st->calls();
            if (x.calls == 0) continue;
            x.errors = st->errors.load(std::memory_order_relaxed);
            x.rows = st->rows.load(std::memory_order_relaxed);
            x.slow = st->slow.load(std::memory_order_relaxed);
            x.total = std::chrono::nanoseconds(static_cast<std::int64_t>(st->total_ns()));
            x.latency = latency_summary::of(st->latency);
            std::uint64_t failed = 0;
            for (std::size_t i = 0; i < x.failed.buckets.size(); ++i) {
                failed += st->failed_buckets[i].load(std::memory_order_relaxed);
                x.failed.buckets[i] = failed;
            }
            failed += st->failed_buckets.back().load(std::memory_order_relaxed);
            x.failed.count = std::max(x.errors, failed);
            x.failed.sum = std::chrono::nanoseconds(static_cast<std::int64_t>(st->failed_ns.load(std::memory_order_relaxed)));
            s.calls += x.calls;
            s.errors += x.errors;
            s.statements.push_back(std::move(x));
        }
        std::sort(s.statements.begin(), s.statements.end(),
                  [](const statement_summary& a, const statement_summary& b) { return a.total > b.total; });
        const auto recent = window_.entries();
        s.window.statements = recent.size();
        std::chrono::nanoseconds sum{};
        for (const auto& e : recent) {
            if (!e.ok) ++s.window.errors;
            sum += e.duration;
            s.window.max = std::max(s.window.max, e.duration);
        }
        if (!recent.empty()) s.window.mean = sum / static_cast<std::int64_t>(recent.size());
        s.slow = consume ? slow_.take() : slow_.peek();
        s.recent_slow = slow_.recent();
        s.slow_warnings = slow_.warnings();
        s.slow_criticals = slow_.criticals();
        s.slow_dropped = slow_.dropped();

        auto& p = s.pool;
        p.timeouts = pool_.timeouts();
        p.connect_failures = pool_.connect_failures();
        p.leaks = pool_.leaks();
        for (std::size_t i = 0; i < close_reason_count; ++i) p.closes[i] = pool_.closes(static_cast<close_reason>(i));
        p.acquire_wait = latency_summary::of(pool_.acquire_wait);
        p.usage = latency_summary::of(pool_.usage);
        p.creation = latency_summary::of(pool_.creation);
        p.leak_reports = pool_.leak_reports();
        p.last_connect_error = pool_.last_connect_error();
        {
            std::lock_guard lk(mu_);
            p.observed = pool_observed_;
            p.stats = last_pool_;
            p.level = level_;
            s.db_system = !opts_.db_system.empty() ? opts_.db_system : !db_system_.empty() ? db_system_ : "other_sql";
            s.cache = cache_;
            s.default_partitions = default_partitions_;
            s.pool_alerts = pending_alerts_;
            if (consume) pending_alerts_.clear();
        }
        s.sink_failures = sink_failures_.load(std::memory_order_relaxed);
        s.health = detail::evaluate_health(s, opts_);
        std::vector<std::function<std::optional<health_finding>()>> sources;
        {
            std::lock_guard lk(mu_);
            sources = health_sources_;
        }
        for (auto& src : sources) {
            try {
                if (auto f = src()) s.health.add(std::move(*f));
            } catch (...) {}
        }
        return s;
    }

    // The totals that change whenever something is recorded or observed; a snapshot
    // whose activity equals the last published one's has nothing new to report.
    static auto activity(const monitor_snapshot& s) {
        const cache_figures c = s.cache.value_or(cache_figures{});
        return std::array<std::uint64_t, 13>{
            s.calls, s.errors, s.slow_warnings, s.slow_criticals, s.slow_dropped, s.pool.stats.acquired,
            s.pool.timeouts, s.pool.connect_failures, s.pool.leaks, s.pool.acquire_wait.count,
            s.pool.usage.count, c.requests() + c.loads, c.evictions};
    }

    void publish_locked(monitor_snapshot& snap) {
        flushes_.fetch_add(1, std::memory_order_relaxed);
        last_published_ = activity(snap);
        std::apply([&](auto&... s) { (publish_to(s, snap), ...); }, sinks_);
        snap.sink_failures = sink_failures_.load(std::memory_order_relaxed);
    }

    void flush_if_changed() {
        std::lock_guard flk(flush_mu_);
        auto snap = make_snapshot(true);
        const bool news = !snap.slow.empty() || !snap.pool_alerts.empty(); // consumed by the last flush otherwise
        if (!news && last_published_ && *last_published_ == activity(snap)) return;
        publish_locked(snap);
    }

    // Cumulative counters at one instant, for history intervals.
    struct reading {
        std::array<std::uint64_t, interval_histogram::counts_length> latency{};
        std::uint64_t calls = 0, errors = 0, rows = 0, slow = 0, total_ns = 0;
        bool pool_observed = false;
        pool_stats pool{};
        std::size_t peak_in_use = 0; // since the previous reading
        std::uint64_t timeouts = 0, connect_failures = 0;
        std::optional<cache_figures> cache;
    };
    struct history_state {
        history_state(std::size_t length, std::size_t trend_length) : ring(length), trends(trend_length) {}
        std::mutex mu;
        detail::history_ring ring;
        detail::statement_trends trends;
        bool started = false;
        std::chrono::steady_clock::time_point begin{};
        std::chrono::system_clock::time_point wall_begin{};
        reading before, now;
        interval_histogram latency;
    };

    void read_counters(reading& r) {
        r.latency.fill(0);
        r.calls = r.errors = r.rows = r.slow = r.total_ns = 0;
        for (const statement_stats* st : registry_.all()) {
            const std::uint64_t n = st->calls();
            if (n == 0) continue;
            r.calls += n;
            r.errors += st->errors.load(std::memory_order_relaxed);
            r.rows += st->rows.load(std::memory_order_relaxed);
            r.slow += st->slow.load(std::memory_order_relaxed);
            r.total_ns += st->total_ns();
            interval_histogram::accumulate(st->latency, r.latency);
        }
        std::lock_guard lk(mu_);
        r.pool_observed = pool_observed_;
        r.pool = last_pool_;
        r.peak_in_use = peak_in_use_;
        peak_in_use_ = last_pool_.in_use;
        r.timeouts = std::max<std::uint64_t>(pool_.timeouts(), last_pool_.timed_out);
        r.connect_failures = std::max<std::uint64_t>(pool_.connect_failures(), last_pool_.connect_failures);
        r.cache = cache_;
    }

    void history_loop() {
        std::unique_lock lk(stop_mu_);
        auto next = std::chrono::steady_clock::now() + opts_.history_interval;
        while (!stop_) {
            if (stop_cv_.wait_until(lk, next, [this] { return stop_; })) break;
            lk.unlock();
            try { tick_history(); } catch (...) {}
            {
                std::lock_guard hl(history_->mu);
                next = history_->begin + opts_.history_interval; // woken early: the same interval's end again
            }
            lk.lock();
        }
    }

    void push_loop() {
        std::unique_lock lk(stop_mu_);
        while (!stop_) {
            if (stop_cv_.wait_for(lk, opts_.push_interval, [this] { return stop_; })) break;
            lk.unlock();
            try { flush(); } catch (...) {}
            lk.lock();
        }
    }

    monitor_options opts_;
    statement_registry registry_;
    mutable rolling_window window_;
    mutable apply_record applier_{&window_};
    mutable detail::record_buffers buffers_;
    mutable slow_query_log slow_; // take() on a const snapshot path is guarded by `consume`
    pool_metrics pool_;

    mutable std::mutex mu_; // pool samples, alerts, cache figures, db_system_
    bool pool_observed_ = false;
    pool_stats last_pool_{};
    std::optional<std::chrono::steady_clock::time_point> warn_since_, crit_since_;
    utilization_level level_ = utilization_level::normal;
    std::array<std::uint64_t, 2> alerts_{};
    mutable std::vector<pool_alert> pending_alerts_;
    std::optional<cache_figures> cache_;
    std::optional<std::vector<default_partition_rows>> default_partitions_;
    std::string db_system_; // learned by observe_db_system() when options.db_system is empty
    std::vector<std::function<std::optional<health_finding>()>> health_sources_;
    std::size_t peak_in_use_ = 0; // highest in_use sampled since the last history reading

    std::unique_ptr<history_state> history_;
    std::thread ticker_;

    std::tuple<Sinks...> sinks_;
    std::mutex flush_mu_;
    std::atomic<std::uint64_t> sink_failures_{0};
    std::atomic<std::uint64_t> flushes_{0};
    std::optional<std::array<std::uint64_t, 13>> last_published_; // activity() of the last publish, under flush_mu_

    std::mutex stop_mu_;
    std::condition_variable stop_cv_;
    bool stop_ = false;
    std::thread pusher_;
};

} // namespace cistern
