#pragma once
/// \file
/// detail::entry_store: key/value storage of one cache shard, addressed by 32-bit slot,
/// in fixed chunks so that entries never move; freed slots are reused.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace cistern::detail {

/// Holds `Node`s in chunks of 1024. The store does not know which slots are live: the
/// owner destroys each live node (destroy()) before the store goes away.
template <class Node>
class entry_store {
public:
    static constexpr std::uint32_t chunk_bits = 10, chunk_size = 1u << chunk_bits;

    entry_store() = default;
    entry_store(const entry_store&) = delete;
    entry_store& operator=(const entry_store&) = delete;

    /// Constructs a node in a free slot and returns the slot.
    template <class... Args>
    std::uint32_t create(Args&&... args) {
        std::uint32_t slot;
        if (!free_.empty()) {
            slot = free_.back();
            free_.pop_back();
        } else {
            if (next_ == chunks_.size() * chunk_size) chunks_.push_back(std::make_unique<chunk>());
            slot = next_++;
        }
        try {
            ::new (static_cast<void*>(ptr(slot))) Node(std::forward<Args>(args)...);
        } catch (...) {
            free_.push_back(slot);
            throw;
        }
        return slot;
    }
    /// Destroys the node in `slot` and frees the slot.
    void destroy(std::uint32_t slot) {
        ptr(slot)->~Node();
        free_.push_back(slot);
    }
    Node& operator[](std::uint32_t slot) noexcept { return *ptr(slot); }
    const Node& operator[](std::uint32_t slot) const noexcept { return *ptr(slot); }
    /// Forgets every slot (the nodes must have been destroyed by the caller).
    void reset_slots() noexcept {
        free_.clear();
        next_ = 0;
    }
    std::size_t memory_bytes() const noexcept {
        return chunks_.size() * sizeof(chunk) + free_.capacity() * sizeof(std::uint32_t);
    }

private:
    struct chunk {
        alignas(Node) std::byte bytes[sizeof(Node) * chunk_size];
    };
    Node* ptr(std::uint32_t slot) const noexcept {
        return std::launder(reinterpret_cast<Node*>(chunks_[slot >> chunk_bits]->bytes) + (slot & (chunk_size - 1)));
    }

    std::vector<std::unique_ptr<chunk>> chunks_;
    std::vector<std::uint32_t> free_;
    std::uint32_t next_ = 0;
};

} // namespace cistern::detail
