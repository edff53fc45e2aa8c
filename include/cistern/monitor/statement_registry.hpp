#pragma once
/// \file
/// Maps statement text to its fingerprint's counters without a lock on the hot path.

#include <atomic>
#include <bit>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <cistern/detail/text_table.hpp>
#include <cistern/monitor/fingerprint.hpp>
#include <cistern/monitor/statement_stats.hpp>

namespace cistern {

namespace detail {
/// A fast 64-bit hash of raw statement text: two independent lanes of 8 bytes per step
/// (so the multiplies overlap), then a final mix.
inline std::uint64_t text_hash(std::string_view s) noexcept {
    constexpr std::uint64_t k1 = 0xFF51AFD7ED558CCDull, k2 = 0xC4CEB9FE1A85EC53ull;
    std::uint64_t a = 0x9E3779B97F4A7C15ull ^ s.size(), b = 0x2545F4914F6CDD1Dull;
    const char* p = s.data();
    std::size_t n = s.size();
    std::uint64_t w0, w1;
    for (; n >= 16; p += 16, n -= 16) {
        std::memcpy(&w0, p, 8);
        std::memcpy(&w1, p + 8, 8);
        a = (a ^ w0) * k1;
        b = (b ^ w1) * k2;
        a ^= a >> 32;
        b ^= b >> 29;
    }
    if (n >= 8) {
        std::memcpy(&w0, p, 8);
        a = (a ^ w0) * k1;
        a ^= a >> 32;
        p += 8;
        n -= 8;
    }
    // The last n < 8 bytes as a little-endian word (high bytes zero). A text of 8 bytes or
    // more reads them as the top of the 8 bytes ending the text (one load, no call).
    w1 = 0;
    if (s.size() >= 8) {
        if (n > 0) {
            std::memcpy(&w1, p + n - 8, 8);
            if constexpr (std::endian::native == std::endian::little) w1 >>= 8 * (8 - n);
            else w1 <<= 8 * (8 - n);
        }
    } else {
        std::memcpy(&w1, p, n);
    }
    b = (b ^ w1) * k2;
    std::uint64_t h = (a ^ ((b << 31) | (b >> 33))) * k1;
    h ^= h >> 29;
    return h;
}

/// Equality of two texts of the same length, 16 bytes at a time with SSE2 (else 8), the
/// last block overlapping the ones before (inlined: the texts are short, and a hit compares
/// them whole).
[[gnu::always_inline]] inline bool same_text(const char* x, const char* y, std::size_t n) noexcept {
#if defined(__SSE2__)
    if (n >= 16) { // 16 bytes at a time, the last 16 overlapping the ones before
        const auto differ = [](const char* p, const char* q) noexcept {
            const __m128i u = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
            const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
            return _mm_movemask_epi8(_mm_cmpeq_epi8(u, v)) != 0xffff;
        };
        const char* const x_last = x + n - 16;
        for (; x < x_last; x += 16, y += 16)
            if (differ(x, y)) return false;
        return !differ(x_last, y + (x_last - x));
    }
#endif
    std::uint64_t a, b, diff = 0;
    if (n >= 8) {
        const char* const x_last = x + n - 8;
        for (; x < x_last; x += 8, y += 8) {
            std::memcpy(&a, x, 8);
            std::memcpy(&b, y, 8);
            diff |= a ^ b;
        }
        std::memcpy(&a, x_last, 8);
        std::memcpy(&b, y + (x_last - x), 8);
        return (diff | (a ^ b)) == 0;
    }
    for (; n > 0; ++x, ++y, --n) diff |= static_cast<std::uint64_t>(static_cast<unsigned char>(*x) ^ static_cast<unsigned char>(*y));
    return diff == 0;
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
    /// A registry for at most `max_fingerprints` fingerprints and `max_texts` cached texts;
    /// allocates its text table once. May throw std::bad_alloc.
    explicit statement_registry(std::size_t max_fingerprints = 200, std::size_t max_texts = 4096)
        : max_fingerprints_(max_fingerprints), max_texts_(max_texts), texts_table_(max_texts) {
        other_ = std::make_unique<statement_stats>("(other)", sql::detail::fnv1a("(other)"), 0,
                                                   static_cast<std::uint32_t>(max_fingerprints));
    }
    statement_registry(const statement_registry&) = delete;
    statement_registry& operator=(const statement_registry&) = delete;

    /// The counters for `sql`. Never returns null.
    statement_stats& find(std::string_view sql) { return *find_text(sql).stats; }

    /// A statement's counters, and the registry's own copy of its text (null when the
    /// text table is full and the text is not kept); the copy lives as long as the registry.
    struct found {
        /// The counters of the statement's fingerprint (never null).
        statement_stats* stats;
        /// The registry's copy of the text, or null when the text table is full.
        const char* text;
    };
    /// The counters for `sql` and the registry's copy of its text; creates them on first
    /// sight (under a mutex, may throw std::bad_alloc). Thread-safe; lock-free for a text seen
    /// before.
    found find_text(std::string_view sql) {
        const auto h = detail::text_hash(sql);
        if (const text_entry* e = texts_table_.find(sql, h, same_bytes{})) return {e->stats, e->text.data()};
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
    /// The fingerprint capacity given at construction.
    std::size_t max_fingerprints() const noexcept { return max_fingerprints_; }

private:
    struct same_bytes {
        bool operator()(const char* x, const char* y, std::size_t n) const noexcept { return detail::same_text(x, y, n); }
    };
    struct text_entry {
        std::uint64_t hash;
        std::string text;
        statement_stats* stats;
    };

    found insert(std::string_view sql, std::uint64_t h) {
        auto fp = fingerprint(sql);
        std::lock_guard lk(mu_);
        statement_stats* stats = nullptr;
        const text_entry* e = texts_table_.insert(sql, h, [&]() -> std::unique_ptr<text_entry> {
            stats = stats_locked(fp);
            if (texts_ >= max_texts_) return nullptr;
            ++texts_;
            return std::make_unique<text_entry>(text_entry{h, std::string(sql), stats});
        });
        if (e) return {e->stats, e->text.data()}; // inserted now, or by another thread meanwhile
        uncached_.fetch_add(1, std::memory_order_relaxed);
        return {stats, nullptr};
    }

    statement_stats* stats_locked(statement_fingerprint& fp) {
        statement_stats* stats = nullptr;
        if (auto it = by_fp_.find(fp.text); it != by_fp_.end()) {
            stats = it->second;
        } else if (owned_.size() < max_fingerprints_) {
            owned_.push_back(std::make_unique<statement_stats>(fp.text, fp.hash, fp.parameters,
                                                              static_cast<std::uint32_t>(owned_.size())));
            stats = owned_.back().get();
            by_fp_.emplace(std::move(fp.text), stats);
        } else {
            stats = other_.get();
        }
        return stats;
    }

    std::size_t max_fingerprints_;
    std::size_t max_texts_;
    detail::text_table<text_entry> texts_table_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, statement_stats*> by_fp_;
    std::vector<std::unique_ptr<statement_stats>> owned_;
    std::unique_ptr<statement_stats> other_;
    std::size_t texts_ = 0;
    std::atomic<std::uint64_t> uncached_{0};
};

} // namespace cistern
