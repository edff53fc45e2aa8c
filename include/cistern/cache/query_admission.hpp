#pragma once
/// \file
/// `cistern::query_admission`: opt-in automatic admission for cistern::query_cache — only
/// the statements cistern::inspect::caching_advice currently recommends are cached, the
/// advice re-evaluated from a monitor every interval (or when evaluate() is called), with
/// hysteresis so that a statement does not flap in and out (see docs/cache.md,
/// "Automatic admission").

#include <cistern/detail/text_table.hpp>
#include <cistern/error.hpp>
#include <cistern/inspect/caching_advice.hpp>
#include <cistern/inspect/table_write_rates.hpp>
#include <cistern/monitor/fingerprint.hpp>
#include <cistern/monitor/query_summary.hpp>
#include <cistern/monitor/snapshot.hpp>
#include <cistern/monitor/statement_registry.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <concepts>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace cistern {

/// The numbers of a query_admission. Validated at construction: a bad value throws
/// config_error naming the field.
struct query_admission_options {
    /// The advice's thresholds (caching_advice_options). Its `window` is ignored: each
    /// evaluation sets it to the time since the previous one.
    inspect::caching_advice_options advice{};
    /// A statement is admitted after it was recommended in this many consecutive
    /// evaluations (>= 1).
    std::size_t admit_after = 2;
    /// An admitted statement is dropped (its results removed) after it was not recommended
    /// in this many consecutive evaluations (>= 1).
    std::size_t drop_after = 2;
    /// Zero (the default): evaluate() runs when the application calls it. Positive: a
    /// thread owned by the query_admission calls it every interval.
    std::chrono::milliseconds interval{0};
    /// Statement fingerprints tracked at most (>= 1); further ones are never admitted.
    std::size_t max_fingerprints = 1024;
    /// Distinct statement texts remembered at most (>= 1); further texts are never
    /// admitted (they pass through uncached).
    std::size_t max_texts = 4096;
    /// The tables' write rates over an evaluation window, given the window's statements and
    /// its length in seconds. Empty (the default): table_write_rates::seen_by_monitor() of
    /// the window (the writes the monitor saw).
    std::function<std::optional<inspect::table_write_rates>(const monitor_snapshot& window, double seconds)> write_rates;
    /// Admitted statements' results get the advice's TTL when their call names none
    /// (together with the query cache's default TTL and TTL source: the smallest wins).
    bool advised_ttl = true;

    /// Throws config_error when a field is out of range.
    void validate() const {
        auto a = advice;
        a.window = std::chrono::duration<double>(1.0);
        a.validate();
        if (admit_after == 0 || admit_after > 1000)
            throw config_error("query_admission_options.admit_after", std::to_string(admit_after), "must be in [1, 1000]");
        if (drop_after == 0 || drop_after > 1000)
            throw config_error("query_admission_options.drop_after", std::to_string(drop_after), "must be in [1, 1000]");
        if (interval.count() < 0)
            throw config_error("query_admission_options.interval", std::to_string(interval.count()) + " ms", "must be >= 0");
        if (max_fingerprints == 0) throw config_error("query_admission_options.max_fingerprints", "0", "must be > 0");
        if (max_texts == 0 || max_texts > (std::size_t(1) << 24))
            throw config_error("query_admission_options.max_texts", std::to_string(max_texts), "must be in [1, 16777216]");
    }
};

/// One tracked statement fingerprint's state after the last evaluation.
struct admission_decision {
    std::string fingerprint; ///< the statement's fingerprint (as the monitor names it)
    bool admitted = false;   ///< its results are cached now
    std::size_t recommended = 0;     ///< consecutive evaluations that recommended it (up to now)
    std::size_t not_recommended = 0; ///< consecutive evaluations that did not recommend it
    /// The last evaluation's reason (caching_reason::too_few_calls with reason_text "no calls
    /// in the window" when it was not called at all).
    inspect::caching_reason reason = inspect::caching_reason::too_few_calls;
    std::string reason_text;                  ///< the reason with its numbers
    std::chrono::nanoseconds ttl{};           ///< the advised TTL (when admitted)
    std::uint64_t served = 0;                 ///< calls answered from the cache while admitted
    std::uint64_t passed = 0;                 ///< calls run uncached (not admitted)
};

/// What one evaluation did.
struct admission_evaluation {
    /// The advice over the window (ranked rows, reasons, notes).
    inspect::check_result<inspect::caching_advice_row> advice;
    std::vector<std::string> admitted; ///< fingerprints admitted by this evaluation
    std::vector<std::string> dropped;  ///< fingerprints dropped by this evaluation
    double window_seconds = 0.0;       ///< the window's length
};

/// Counters of a query_admission.
struct admission_stats {
    std::uint64_t evaluations = 0;     ///< evaluations made
    std::uint64_t failed_evaluations = 0; ///< evaluations of the thread that threw (the decisions stay)
    std::size_t admitted = 0;          ///< fingerprints admitted now
    std::size_t tracked = 0;           ///< fingerprints tracked
    std::size_t texts = 0;             ///< statement texts remembered
    std::uint64_t served = 0;          ///< calls of admitted statements answered without the database
    std::uint64_t passed = 0;          ///< calls of statements not admitted, run uncached
};

namespace detail {

template <class S> concept qa_monitor_like = requires(S& s) { { s.snapshot() } -> std::convertible_to<monitor_snapshot>; };
template <class S> concept qa_callable = requires(S& s) { { s() } -> std::convertible_to<monitor_snapshot>; };

/// True for a snapshot source of query_admission; otherwise a static_assert says what it needs.
template <class S>
consteval bool check_snapshot_source() {
    static_assert(qa_monitor_like<S> || qa_callable<S>,
                  "cistern::query_admission: the source needs `monitor_snapshot snapshot()` (a cistern::monitor) "
                  "or must be callable as `monitor_snapshot()`");
    return true;
}

/// One statement fingerprint's admission state. The decision and the counters are atomics
/// read and written on the query path; the rest is the evaluation's, under its mutex.
struct admission_cell {
    static constexpr std::size_t stripes = 8;
    struct alignas(64) counter {
        std::atomic<std::uint64_t> n{0};
    };
    admission_cell(std::string fp, std::string t, bool never_admit) : fingerprint(std::move(fp)), tag(std::move(t)), never(never_admit) {}

    const std::string fingerprint;
    const std::string tag; ///< carried by its cached results, dropped when it is dropped
    const bool never;      ///< the cell of untracked statements
    std::atomic<bool> admitted{false};
    std::atomic<std::int64_t> ttl_ns{0};
    std::array<counter, stripes> served{}; ///< striped: threads answering the same hot statement do not share a line
    std::atomic<std::uint64_t> passed{0};  ///< calls that went to the database anyway

    // evaluation state (query_admission::eval_mu_)
    std::size_t yes = 0, no = 0;
    std::uint64_t served_seen = 0;
    double mean_ns = -1.0, mean_rows = 0.0; ///< last measured per database call
    inspect::caching_reason reason = inspect::caching_reason::too_few_calls;
    std::string reason_text = "not evaluated yet";

    std::uint64_t served_total() const noexcept {
        std::uint64_t n = 0;
        for (const auto& c : served) n += c.n.load(std::memory_order_relaxed);
        return n;
    }
};

/// The calling thread's stripe (assigned round-robin at its first use).
inline std::size_t admission_stripe() noexcept {
    static std::atomic<unsigned> next{0};
    thread_local const unsigned mine = next.fetch_add(1, std::memory_order_relaxed);
    return mine % admission_cell::stripes;
}

/// One statement text's entry: its fingerprint's cell and whether the text is known to be
/// a read (so that running it uncached needs no analysis).
struct admission_entry {
    std::uint64_t hash = 0;
    std::string text;
    admission_cell* cell = nullptr;
    bool remembers = true; ///< false for the shared entry of texts past max_texts
    std::atomic<bool> read{false};

    /// The statement's results are to be cached now.
    bool admitted() const noexcept { return cell->admitted.load(std::memory_order_acquire); }
    /// The advised TTL of its results (0: none).
    std::chrono::nanoseconds ttl() const noexcept { return std::chrono::nanoseconds(cell->ttl_ns.load(std::memory_order_relaxed)); }
    /// The tag its cached results carry.
    const std::string& tag() const noexcept { return cell->tag; }
    /// Counts one call answered without the database.
    void count_served() noexcept { cell->served[admission_stripe()].n.fetch_add(1, std::memory_order_relaxed); }
    /// Counts one call run uncached.
    void count_passed() noexcept { cell->passed.fetch_add(1, std::memory_order_relaxed); }
    /// The text is known to be a read (checked once by the query cache).
    bool known_read() const noexcept { return read.load(std::memory_order_acquire); }
    void mark_read() noexcept {
        if (remembers) read.store(true, std::memory_order_release);
    }
};

} // namespace detail

/// Decides which statements a query_cache caches: those that caching_advice() recommended
/// in `admit_after` consecutive evaluations, until it did not in `drop_after` consecutive
/// ones (then their cached results are removed).
///
/// Evaluation (evaluate(), or a thread every options.interval): a snapshot of the source
/// (a cistern::monitor recording the statements that reach the database, e.g. through
/// monitored_factory) less the previous one gives each fingerprint's calls, time and rows
/// in the window; to the calls, the admission adds those its query caches answered from
/// the cache (which the monitor never sees), timed at the statement's measured mean, so
/// that caching a statement does not make it look idle. Write rates come from
/// options.write_rates (default: the writes the monitor saw in the window). The first
/// window starts at construction.
///
/// Query path (query_cache::query): a lookup of the statement text in a fixed table of
/// atomic pointers (one hash, one probe, one comparison of the text; no lock, no
/// allocation) gives its fingerprint's decision, an atomic flag. The first sight of a text
/// fingerprints it under a mutex. An admitted statement's hit adds one relaxed increment
/// to a counter striped by thread.
///
/// Thread safety: every member function may be called from any thread. Attach it to a
/// query cache with query_cache::set_admission() (either may be destroyed first, not while
/// the other runs a call). Its source must outlive it.
class query_admission {
public:
    /// Evaluates from `source`: a cistern::monitor (anything with `snapshot()`), or a
    /// callable returning a monitor_snapshot; held by reference. Takes the first
    /// snapshot now: the first window starts here, at `start` on the steady clock (a test
    /// may pass its own times, to evaluate() too). Throws config_error for bad options;
    /// starts the thread when options.interval is positive.
    template <class Source>
    explicit query_admission(Source& source, query_admission_options options = {},
                             std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now())
        : opts_((options.validate(), std::move(options))), texts_table_(opts_.max_texts) {
        static_assert(detail::check_snapshot_source<Source>());
        if constexpr (detail::qa_monitor_like<Source>) source_ = [&source] { return monitor_snapshot(source.snapshot()); };
        else source_ = [&source] { return monitor_snapshot(source()); };
        other_ = std::make_unique<detail::admission_cell>("(other)", "*admitted:other", true);
        overflow_.cell = other_.get();
        overflow_.remembers = false;
        {
            std::lock_guard lock(eval_mu_);
            rebase(source_());
            last_ = start;
        }
        if (opts_.interval.count() > 0) thread_ = std::thread([this] { run(); });
    }
    query_admission(const query_admission&) = delete;
    query_admission& operator=(const query_admission&) = delete;
    /// Stops the thread; detaches the query caches still attached (they cache every call
    /// from then on, as without admission).
    ~query_admission() {
        {
            std::lock_guard lock(stop_mu_);
            stop_ = true;
        }
        stop_cv_.notify_all();
        if (thread_.joinable()) thread_.join();
        {
            std::lock_guard l(listeners_mu_);
            for (auto& [id, l] : listeners_) l.gone();
            listeners_.clear();
        }
    }

    /// The options it was constructed with.
    const query_admission_options& options() const noexcept { return opts_; }

    /// Runs the advice over the window since the previous evaluation (or construction),
    /// ending at `now`, applies the hysteresis, and removes the cached results of the
    /// statements it drops (through the attached query caches). Throws config_error when
    /// `now` is not after the previous evaluation; errors of the source and of the write
    /// rates as they are (nothing changes then).
    admission_evaluation evaluate(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) {
        std::lock_guard lock(eval_mu_);
        const double window = std::chrono::duration<double>(now - last_).count();
        if (!(window > 0.0))
            throw config_error("query_admission::evaluate", std::to_string(window) + " s",
                               "the evaluation must end after the previous one");
        const monitor_snapshot snap = source_();
        std::vector<detail::admission_cell*> cells = all_cells();
        monitor_snapshot delta;
        std::vector<std::uint64_t> served_now(cells.size());
        std::unordered_map<std::string_view, std::size_t> cell_index;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            served_now[i] = cells[i]->served_total();
            cell_index.emplace(cells[i]->fingerprint, i);
        }
        std::vector<bool> in_snapshot(cells.size(), false);
        for (const auto& st : snap.statements) {
            statement_summary d = st;
            const auto b = baseline_.find(st.fingerprint);
            const counts before = b == baseline_.end() ? counts{} : b->second;
            d.calls = st.calls > before.calls ? st.calls - before.calls : 0;
            d.errors = st.errors > before.errors ? st.errors - before.errors : 0;
            d.rows = st.rows > before.rows ? st.rows - before.rows : 0;
            d.total = st.total > before.total ? st.total - before.total : std::chrono::nanoseconds{};
            d.latency = {};
            d.failed = {};
            if (const auto it = cell_index.find(st.fingerprint); it != cell_index.end()) {
                in_snapshot[it->second] = true;
                add_served(d, *cells[it->second], served_now[it->second]);
            }
            if (d.calls > 0) delta.statements.push_back(std::move(d));
        }
        for (std::size_t i = 0; i < cells.size(); ++i) { // answered from the cache only, unseen by the monitor
            if (in_snapshot[i] || cells[i]->never) continue;
            statement_summary d;
            d.fingerprint = cells[i]->fingerprint;
            d.summary = summarize_query(d.fingerprint);
            add_served(d, *cells[i], served_now[i]);
            if (d.calls > 0) delta.statements.push_back(std::move(d));
        }
        for (const auto& st : delta.statements) delta.calls += st.calls;

        std::optional<inspect::table_write_rates> rates =
            opts_.write_rates ? opts_.write_rates(delta, window) : inspect::table_write_rates::seen_by_monitor(delta, window);
        inspect::caching_advice_options o = opts_.advice;
        o.window = std::chrono::duration<double>(window);
        admission_evaluation out;
        out.window_seconds = window;
        out.advice = inspect::caching_advice(delta, rates, o);

        // from here on nothing throws but std::bad_alloc
        std::vector<bool> seen(cells.size(), false);
        for (const auto& row : out.advice.rows) {
            detail::admission_cell* c = nullptr;
            if (const auto it = cell_index.find(row.fingerprint); it != cell_index.end()) {
                c = cells[it->second];
                seen[it->second] = true;
            } else if (row.recommend) {
                c = cell_for(row.fingerprint); // recommended before its first call through a cache
            }
            if (c && !c->never) step(*c, row.recommend, row.reason, row.reason_text, row.ttl, out);
        }
        for (std::size_t i = 0; i < cells.size(); ++i)
            if (!seen[i] && !cells[i]->never)
                step(*cells[i], false, inspect::caching_reason::too_few_calls, "no calls in the window", {}, out);
        for (std::size_t i = 0; i < cells.size(); ++i) cells[i]->served_seen = served_now[i];
        rebase(snap);
        last_ = now;
        ++evaluations_;
        if (!out.dropped.empty()) {
            std::lock_guard ll(listeners_mu_);
            for (const auto& fp : out.dropped) {
                const detail::admission_cell* c = cell_for(fp);
                for (auto& [id, l] : listeners_) l.drop(c->tag);
            }
        }
        last_advice_ = out.advice;
        return out;
    }

    /// The decision of every tracked fingerprint, in the order first seen.
    std::vector<admission_decision> decisions() const {
        std::lock_guard lock(eval_mu_);
        std::vector<admission_decision> out;
        for (const detail::admission_cell* c : all_cells()) {
            if (c->never) continue;
            admission_decision d;
            d.fingerprint = c->fingerprint;
            d.admitted = c->admitted.load(std::memory_order_relaxed);
            d.recommended = c->yes;
            d.not_recommended = c->no;
            d.reason = c->reason;
            d.reason_text = c->reason_text;
            d.ttl = std::chrono::nanoseconds(c->ttl_ns.load(std::memory_order_relaxed));
            d.served = c->served_total();
            d.passed = c->passed.load(std::memory_order_relaxed);
            out.push_back(std::move(d));
        }
        return out;
    }
    /// The decision of the fingerprint of `sql` (nothing when it is not tracked).
    std::optional<admission_decision> decision_of(std::string_view sql) const {
        const std::string fp = fingerprint(sql).text;
        for (auto& d : decisions())
            if (d.fingerprint == fp) return d;
        return std::nullopt;
    }
    /// The advice of the last evaluation (empty before the first).
    inspect::check_result<inspect::caching_advice_row> last_advice() const {
        std::lock_guard lock(eval_mu_);
        return last_advice_;
    }
    /// Counters, summed now.
    admission_stats stats() const {
        std::lock_guard lock(eval_mu_);
        admission_stats s;
        s.evaluations = evaluations_;
        s.failed_evaluations = failed_.load(std::memory_order_relaxed);
        for (const detail::admission_cell* c : all_cells()) {
            s.served += c->served_total();
            s.passed += c->passed.load(std::memory_order_relaxed);
            if (c->never) continue;
            ++s.tracked;
            if (c->admitted.load(std::memory_order_relaxed)) ++s.admitted;
        }
        std::lock_guard l(mu_);
        s.texts = texts_;
        return s;
    }

    /// The entry of a statement text (for query_cache; never null, stable for the
    /// admission's life). Lock-free for a text seen before; the first sight fingerprints
    /// it (may throw std::bad_alloc).
    detail::admission_entry& lookup(std::string_view sql) { return lookup(sql, detail::text_hash(sql)); }
    /// lookup() with the text's hash `h` known: it must be detail::text_hash(sql) (the
    /// query cache hashes the text once for its own key and this lookup).
    detail::admission_entry& lookup(std::string_view sql, std::uint64_t h) {
        if (detail::admission_entry* e = texts_table_.find(
                sql, h, [](const char* x, const char* y, std::size_t n) noexcept { return detail::same_text(x, y, n); }))
            return *e;
        return insert(sql, h);
    }

    /// Registers `drop(tag)`, called (under the admission's listener mutex) with the tag of
    /// a statement's results when it is dropped, and `gone()`, called when the admission is
    /// destroyed first; returns an id for detach(). For query_cache.
    std::size_t attach(std::function<void(const std::string& tag)> drop, std::function<void()> gone) {
        std::lock_guard l(listeners_mu_);
        listeners_.emplace(++next_listener_, listener{std::move(drop), std::move(gone)});
        return next_listener_;
    }
    /// Unregisters a listener; when it returns, the listener is not running and will not run.
    void detach(std::size_t id) noexcept {
        std::lock_guard l(listeners_mu_);
        listeners_.erase(id);
    }

private:
    struct counts {
        std::uint64_t calls = 0, errors = 0, rows = 0;
        std::chrono::nanoseconds total{};
    };

    /// Adds a cell's calls answered from the cache since the last evaluation to `d`, timed
    /// at the statement's mean per database call; remembers the mean measured now.
    static void add_served(statement_summary& d, detail::admission_cell& c, std::uint64_t served_now) {
        if (d.calls > 0) {
            c.mean_ns = static_cast<double>(d.total.count()) / static_cast<double>(d.calls);
            c.mean_rows = static_cast<double>(d.rows) / static_cast<double>(d.calls);
        }
        const std::uint64_t served = served_now > c.served_seen ? served_now - c.served_seen : 0;
        if (served == 0 || c.mean_ns < 0.0) return; // never measured: nothing to weigh it by
        d.calls += served;
        d.total += std::chrono::nanoseconds(static_cast<std::int64_t>(c.mean_ns * static_cast<double>(served)));
        d.rows += static_cast<std::uint64_t>(c.mean_rows * static_cast<double>(served));
    }

    /// One evaluation's verdict on a cell, through the hysteresis.
    void step(detail::admission_cell& c, bool recommend, inspect::caching_reason why, const std::string& text,
              std::chrono::nanoseconds ttl, admission_evaluation& out) {
        c.reason = why;
        c.reason_text = text;
        const bool admitted = c.admitted.load(std::memory_order_relaxed);
        if (recommend) {
            c.no = 0;
            c.yes = std::min(c.yes + 1, opts_.admit_after);
            if (admitted || c.yes >= opts_.admit_after) c.ttl_ns.store(opts_.advised_ttl ? ttl.count() : 0, std::memory_order_relaxed);
            if (!admitted && c.yes >= opts_.admit_after) {
                c.admitted.store(true, std::memory_order_release);
                out.admitted.push_back(c.fingerprint);
            }
        } else {
            c.yes = 0;
            c.no = std::min(c.no + 1, opts_.drop_after);
            if (admitted && c.no >= opts_.drop_after) {
                c.admitted.store(false, std::memory_order_release);
                out.dropped.push_back(c.fingerprint);
            }
        }
    }

    void rebase(const monitor_snapshot& snap) {
        baseline_.clear();
        for (const auto& st : snap.statements) baseline_[st.fingerprint] = counts{st.calls, st.errors, st.rows, st.total};
    }

    std::vector<detail::admission_cell*> all_cells() const {
        std::lock_guard l(mu_);
        std::vector<detail::admission_cell*> v;
        v.reserve(cells_.size() + 1);
        for (const auto& c : cells_) v.push_back(c.get());
        v.push_back(other_.get());
        return v;
    }

    /// The cell of fingerprint `fp`, created if there is room (else the never-admitted one).
    detail::admission_cell* cell_for(const std::string& fp) {
        std::lock_guard l(mu_);
        return cell_locked(fp);
    }
    detail::admission_cell* cell_locked(const std::string& fp) {
        if (const auto it = by_fp_.find(fp); it != by_fp_.end()) return it->second;
        if (cells_.size() >= opts_.max_fingerprints) return other_.get();
        cells_.push_back(std::make_unique<detail::admission_cell>(fp, "*admitted:" + std::to_string(cells_.size()), false));
        by_fp_.emplace(fp, cells_.back().get());
        return cells_.back().get();
    }

    detail::admission_entry& insert(std::string_view sql, std::uint64_t h) {
        std::string fp = fingerprint(sql).text;
        std::lock_guard l(mu_);
        detail::admission_entry* e = texts_table_.insert(sql, h, [&]() -> std::unique_ptr<detail::admission_entry> {
            if (texts_ >= opts_.max_texts) return nullptr;
            auto made = std::make_unique<detail::admission_entry>();
            made->hash = h;
            made->text = std::string(sql);
            made->cell = cell_locked(fp);
            ++texts_;
            return made;
        });
        return e ? *e : overflow_; // inserted now, or by another thread meanwhile
    }

    void run() {
        std::unique_lock lk(stop_mu_);
        while (!stop_) {
            if (stop_cv_.wait_for(lk, opts_.interval, [this] { return stop_; })) break;
            lk.unlock();
            try {
                evaluate();
            } catch (...) {
                failed_.fetch_add(1, std::memory_order_relaxed);
            }
            lk.lock();
        }
    }

    query_admission_options opts_;
    detail::text_table<detail::admission_entry> texts_table_;
    std::function<monitor_snapshot()> source_;

    // the text table (lock-free reads) and the cells (mu_)
    mutable std::mutex mu_;
    std::size_t texts_ = 0;
    std::vector<std::unique_ptr<detail::admission_cell>> cells_;
    std::unordered_map<std::string, detail::admission_cell*> by_fp_;
    std::unique_ptr<detail::admission_cell> other_;
    detail::admission_entry overflow_;

    // evaluation
    mutable std::mutex eval_mu_;
    std::map<std::string, counts> baseline_;
    std::chrono::steady_clock::time_point last_{};
    std::uint64_t evaluations_ = 0;
    std::atomic<std::uint64_t> failed_{0};
    inspect::check_result<inspect::caching_advice_row> last_advice_;

    std::mutex listeners_mu_;
    struct listener {
        std::function<void(const std::string&)> drop;
        std::function<void()> gone;
    };
    std::map<std::size_t, listener> listeners_;
    std::size_t next_listener_ = 0;

    std::mutex stop_mu_;
    std::condition_variable stop_cv_;
    bool stop_ = false;
    std::thread thread_;
};

} // namespace cistern
