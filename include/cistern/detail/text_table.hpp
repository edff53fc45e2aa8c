#pragma once
/// \file
/// `cistern::detail::text_table<Entry>`: an insert-only open-addressing table from
/// statement text to entries, read without a lock (the monitor's statement registry and
/// the query admission's decisions).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace cistern::detail {

/// Entries (`Entry` has `std::uint64_t hash` and `std::string text`) are owned by the
/// table and live as long as it. find() is lock-free; insert() must be called with the
/// owner's mutex held (one writer at a time). Room for `max_texts` entries at most half
/// full, so a probe ends at an empty slot.
template <class Entry>
class text_table {
public:
    explicit text_table(std::size_t max_texts) {
        std::size_t cap = 16;
        while (cap < max_texts * 2) cap <<= 1;
        mask_ = cap - 1;
        slots_ = std::make_unique<std::atomic<Entry*>[]>(cap);
    }
    text_table(const text_table&) = delete;
    text_table& operator=(const text_table&) = delete;
    ~text_table() {
        for (std::size_t i = 0; i <= mask_; ++i) delete slots_[i].load(std::memory_order_relaxed);
    }

    /// The entry of `text` (hash `h`), or null. `same(a, b, n)` compares n bytes.
    template <class Same>
    Entry* find(std::string_view text, std::uint64_t h, Same same) const noexcept {
        for (std::size_t i = h & mask_, probes = 0; probes <= mask_; i = (i + 1) & mask_, ++probes) {
            Entry* e = slots_[i].load(std::memory_order_acquire);
            if (!e) break;
            if (e->hash == h && e->text.size() == text.size() && same(e->text.data(), text.data(), text.size())) return e;
        }
        return nullptr;
    }

    /// With the owner's mutex held: the entry of `text` if one was inserted meanwhile, else
    /// the one `make()` returns (a std::unique_ptr<Entry>, stored; null: not stored).
    template <class Make>
    Entry* insert(std::string_view text, std::uint64_t h, Make&& make) {
        std::size_t i = h & mask_;
        for (std::size_t probes = 0; probes <= mask_; i = (i + 1) & mask_, ++probes) {
            Entry* e = slots_[i].load(std::memory_order_acquire);
            if (!e) break;
            if (e->hash == h && e->text == text) return e;
        }
        std::unique_ptr<Entry> e = make();
        if (e) slots_[i].store(e.get(), std::memory_order_release);
        return e.release();
    }

private:
    std::size_t mask_ = 0;
    std::unique_ptr<std::atomic<Entry*>[]> slots_;
};

} // namespace cistern::detail
