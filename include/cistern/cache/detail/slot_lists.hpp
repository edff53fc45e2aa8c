#pragma once
/// \file
/// detail::slot_lists<N>: N intrusive doubly linked lists over 32-bit slot indices, in one
/// array of links (8 bytes per slot). The eviction policies build their queues from it.

#include <cistern/cache/detail/grow.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace cistern::detail {

/// N circular lists with sentinels at indices 0..N-1; slot s lives at index N + s.
/// A slot is in at most one list at a time. Front = oldest, back = newest.
template <std::uint32_t N>
class slot_lists {
public:
    static constexpr std::uint32_t none = 0xffffffffu;

    slot_lists() { clear(); }

    /// Empties every list (keeps the memory).
    void clear() {
        links_.assign(N, link{});
        for (std::uint32_t l = 0; l < N; ++l) links_[l] = link{l, l};
        sizes_.fill(0);
    }
    /// Makes room for `slot`.
    void ensure(std::uint32_t slot) {
        const std::size_t need = std::size_t{N} + slot + 1;
        grow_to(links_, need, link{none, none});
    }
    void push_back(std::uint32_t list, std::uint32_t slot) noexcept {
        const std::uint32_t i = N + slot, s = list, last = links_[s].prev;
        links_[i] = link{last, s};
        links_[last].next = i;
        links_[s].prev = i;
        ++sizes_[list];
    }
    void push_front(std::uint32_t list, std::uint32_t slot) noexcept {
        const std::uint32_t i = N + slot, s = list, first = links_[s].next;
        links_[i] = link{s, first};
        links_[first].prev = i;
        links_[s].next = i;
        ++sizes_[list];
    }
    void unlink(std::uint32_t list, std::uint32_t slot) noexcept {
        const std::uint32_t i = N + slot;
        links_[links_[i].prev].next = links_[i].next;
        links_[links_[i].next].prev = links_[i].prev;
        links_[i] = link{none, none};
        --sizes_[list];
    }
    void move_to_back(std::uint32_t from, std::uint32_t to, std::uint32_t slot) noexcept {
        // Already the newest of its list: nothing to write (hot entries often are, and
        // not writing keeps their lines shared between the cores that read them).
        if (from == to && links_[N + slot].next == to) return;
        unlink(from, slot);
        push_back(to, slot);
    }
    /// Starts loading the links of `slot` (an access will unlink it). Under the owner's lock.
    void prefetch(std::uint32_t slot) const noexcept {
        if (std::size_t{N} + slot < links_.size()) __builtin_prefetch(&links_[N + slot], 1, 3);
    }
    /// Oldest slot of `list`, or none.
    std::uint32_t front(std::uint32_t list) const noexcept { return to_slot(links_[list].next); }
    /// Newest slot of `list`, or none.
    std::uint32_t back(std::uint32_t list) const noexcept { return to_slot(links_[list].prev); }
    /// The slot after `slot` (towards the back), or none at the end.
    std::uint32_t next(std::uint32_t slot) const noexcept { return to_slot(links_[N + slot].next); }
    /// The slot before `slot` (towards the front), or none at the start.
    std::uint32_t prev(std::uint32_t slot) const noexcept { return to_slot(links_[N + slot].prev); }
    bool empty(std::uint32_t list) const noexcept { return sizes_[list] == 0; }
    std::size_t size(std::uint32_t list) const noexcept { return sizes_[list]; }
    /// True when `slot` is in some list.
    bool linked(std::uint32_t slot) const noexcept {
        return std::size_t{N} + slot < links_.size() && links_[N + slot].next != none;
    }
    std::size_t memory_bytes() const noexcept { return links_.capacity() * sizeof(link); }

private:
    struct link {
        std::uint32_t prev = none, next = none;
    };
    static std::uint32_t to_slot(std::uint32_t i) noexcept { return i < N ? none : i - N; }

    std::vector<link> links_;
    std::array<std::size_t, N> sizes_{};
};

} // namespace cistern::detail
