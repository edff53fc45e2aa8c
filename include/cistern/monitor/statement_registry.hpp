#pragma once
/// \file
/// Maps statement text to its fingerprint's counters without a lock on the hot path.

#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <cistern/monitor/fingerprint.hpp>
#include <cistern/monitor/statement_stats.hpp>

namespace cistern {

namespace detail {
/// A fast 64-bit hash of raw statement text (8 bytes per step, then a final mix).
inline std::uint64_t text_hash(std::string_view s) noexcept {
    std::uint64_t h = 0x9E3779B97F4A7C15ull ^ s.size();
    const char* p = s.data();
    std::size_t n = s.size();
    while (n >= 8) {
        std::uint64_t w;
        std::memcpy(&w, p, 8);
        h = (h ^ w) * 0xFF51AFD7ED558CCDull;
        h ^= h >> 32;
        p += 8;
        n -= 8;
    }
    std::uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 29;
    return h;
}
} // namespace detail

/// Finds the statement_stats of a statement text.
///
/// Hot path (a text seen before): one hash of the text, a probe of a fixed open-addressed
/// table of atomic pointers (acquire loads) and one comparison of the text: no lock, no
/// allocation. First sight of a text: fingerprint it and insert under a mutex.
/// Capacities are fixed: at most `max_fingerprints` fingerprints (further shapes are
/// counted under the fingerprint "(other)") and `max_texts` cached texts (beyond that a
/// new text is fingerprinted under the mutex on every call, counted in uncached()).
/// Entries live until the registry is destroyed.
class statement_registry {
public:
    explicit statement_registry(std::size_t max_fingerprints = 200, std::size_t max_texts = 4096)
        : max_fingerprints_(max_fingerprints), max_texts_(max_texts) {
        std::size_t cap = 16;
        while (cap < max_texts * 2) cap <<= 1;
        mask_ = cap - 1;
        slots_ = std::make_unique<std::atomic<text_entry*>[]>(cap);
        other_ = std::make_unique<statement_stats>("(other)", detail::fp_hash("(other)"), 0);
    }
    statement_registry(const statement_registry&) = delete;
    statement_registry& operator=(const statement_registry&) = delete;
    ~statement_registry() {
        for (std::size_t i = 0; i <= mask_; ++i) delete slots_[i].load(std::memory_order_relaxed);
    }

    /// The counters for `sql`. Never returns null.
    statement_stats& find(std::string_view sql) {
        const auto h = detail::text_hash(sql);
        for (std::size_t i = h & mask_, probes = 0; probes <= mask_; i = (i + 1) & mask_, ++probes) {
            text_entry* e = slots_[i].load(std::memory_order_acquire);
            if (!e) break;
            if (e->hash == h && e->text == sql) return *e->stats;
        }
        return insert(sql, h);
    }

    /// Every fingerprint's counters (stable pointers), "(other)" last if used.
    std::vector<const statement_stats*> all() const {
        std::lock_guard lk(mu_);
        std::vector<const statement_stats*> v;
        v.reserve(by_fp_.size() + 1);
        for (auto& s : owned_) v.push_back(s.get());
        if (other_->calls()) v.push_back(other_.get());
        return v;
    }
    /// Calls that found no cached text because the text table was full.
    std::uint64_t uncached() const noexcept { return uncached_.load(std::memory_order_relaxed); }
    std::size_t max_fingerprints() const noexcept { return max_fingerprints_; }

private:
    struct text_entry {
        std::uint64_t hash;
        std::string text;
        statement_stats* stats;
    };

    statement_stats& insert(std::string_view sql, std::uint64_t h) {
        auto fp = fingerprint(sql);
        std::lock_guard lk(mu_);
        // another thread may have inserted meanwhile
        std::size_t i = h & mask_;
        for (std::size_t probes = 0; probes <= mask_; i = (i + 1) & mask_, ++probes) {
            text_entry* e = slots_[i].load(std::memory_order_acquire);
            if (!e) break;
            if (e->hash == h && e->text == sql) return *e->stats;
        }
        statement_stats* stats = nullptr;
        if (auto it = by_fp_.find(fp.text); it != by_fp_.end()) {
            stats = it->second;
        } else if (owned_.size() < max_fingerprints_) {
            owned_.push_back(std::make_unique<statement_stats>(fp.text, fp.hash, fp.parameters));
            stats = owned_.back().get();
            by_fp_.emplace(std::move(fp.text), stats);
        } else {
            stats = other_.get();
        }
        if (texts_ < max_texts_) {
            ++texts_;
            slots_[i].store(new text_entry{h, std::string(sql), stats}, std::memory_order_release);
        } else {
            uncached_.fetch_add(1, std::memory_order_relaxed);
        }
        return *stats;
    }

    std::size_t max_fingerprints_;
    std::size_t max_texts_;
    std::size_t mask_ = 0;
    std::unique_ptr<std::atomic<text_entry*>[]> slots_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, statement_stats*> by_fp_;
    std::vector<std::unique_ptr<statement_stats>> owned_;
    std::unique_ptr<statement_stats> other_;
    std::size_t texts_ = 0;
    std::atomic<std::uint64_t> uncached_{0};
};

} // namespace cistern
