#pragma once
/// \file
/// detail::entry_store: key/value storage of one cache shard, addressed by 32-bit slot,
/// in fixed chunks so that entries never move; freed slots are reused.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace cistern::detail {

/// Holds `Node`s in chunks of 1024. The store does not know the live nodes' contents: the
/// owner destroys each live node (destroy()) before the store goes away. It keeps one bit
/// per slot telling whether a node is constructed there (live()).
///
/// Chunks are never freed before the store is, and their directory is read through
/// atomics, so peek() may be called without the owner's lock: it finds a slot's node
/// (possibly being written by the owner: the caller validates what it reads). With
/// keep_retired(true), directories the store grows out of are kept until it is destroyed.
template <class Node>
class entry_store {
public:
    static constexpr std::uint32_t chunk_bits = 10, chunk_size = 1u << chunk_bits;

    entry_store() = default;
    entry_store(const entry_store&) = delete;
    entry_store& operator=(const entry_store&) = delete;
    ~entry_store() {
        for (std::size_t i = 0; i < nchunks_; ++i) delete chunks_[i].load(std::memory_order_relaxed);
    }

    /// Constructs a node in a free slot and returns the slot.
    template <class... Args>
    std::uint32_t create(Args&&... args) {
        std::uint32_t slot;
        if (!free_.empty()) {
            slot = free_.back();
            free_.pop_back();
        } else {
            if (next_ == nchunks_ * chunk_size) add_chunk();
            slot = next_++;
        }
        try {
            ::new (static_cast<void*>(ptr(slot))) Node(std::forward<Args>(args)...);
        } catch (...) {
            free_.push_back(slot);
            throw;
        }
        chunk_of(slot).live[(slot & (chunk_size - 1)) / 64] |= bit(slot);
        return slot;
    }
    /// Destroys the node in `slot` and frees the slot.
    void destroy(std::uint32_t slot) {
        retire(slot);
        reclaim(slot);
    }
    /// Takes `slot` out of the live slots but keeps its node constructed and the slot
    /// taken (a reader without the lock may still be reading it); reclaim() ends both.
    void retire(std::uint32_t slot) noexcept { chunk_of(slot).live[(slot & (chunk_size - 1)) / 64] &= ~bit(slot); }
    /// Destroys the node of a retired slot and frees the slot.
    void reclaim(std::uint32_t slot) {
        ptr(slot)->~Node();
        free_.push_back(slot);
    }
    Node& operator[](std::uint32_t slot) noexcept { return *ptr(slot); }
    const Node& operator[](std::uint32_t slot) const noexcept { return *ptr(slot); }
    /// True when a node is constructed in `slot` (any slot number; under the owner's lock).
    bool live(std::uint32_t slot) const noexcept {
        return slot < next_ && (chunk_of(slot).live[(slot & (chunk_size - 1)) / 64] & bit(slot)) != 0;
    }
    /// Without the owner's lock: where the node of `slot` is or would be, or nullptr when
    /// its chunk is not (yet) visible. The memory stays valid while the store lives; its
    /// contents may be in the middle of a write.
    const Node* peek(std::uint32_t slot) const noexcept {
        const std::size_t i = slot >> chunk_bits;
        if (i >= shared_cap_.load(std::memory_order_acquire)) return nullptr;
        const chunk* c = shared_chunks_.load(std::memory_order_acquire)[i].load(std::memory_order_acquire);
        if (c == nullptr) return nullptr;
        return std::launder(reinterpret_cast<const Node*>(c->bytes)) + (slot & (chunk_size - 1));
    }
    /// Forgets every slot (the nodes must have been destroyed by the caller).
    void reset_slots() noexcept {
        free_.clear();
        next_ = 0;
    }
    /// Keeps the directories the store grows out of until it is destroyed (for peek()).
    void keep_retired(bool keep) noexcept { keep_retired_ = keep; }
    /// Makes room in the directory for `n` slots without growing it later.
    void reserve(std::size_t n) {
        const std::size_t need = (n + chunk_size - 1) / chunk_size;
        if (need > cap_) grow_directory(need);
    }
    std::size_t memory_bytes() const noexcept {
        std::size_t dirs = 0;
        for (const auto& d : directories_) dirs += d.capacity * sizeof(std::atomic<chunk*>);
        return nchunks_ * sizeof(chunk) + free_.capacity() * sizeof(std::uint32_t) + dirs;
    }

private:
    struct chunk {
        alignas(Node) std::byte bytes[sizeof(Node) * chunk_size];
        std::uint64_t live[chunk_size / 64];
    };
    struct directory {
        std::unique_ptr<std::atomic<chunk*>[]> chunks;
        std::size_t capacity;
    };
    static std::uint64_t bit(std::uint32_t slot) noexcept { return std::uint64_t{1} << (slot & 63); }
    chunk& chunk_of(std::uint32_t slot) const noexcept { return *chunks_[slot >> chunk_bits].load(std::memory_order_relaxed); }
    Node* ptr(std::uint32_t slot) const noexcept {
        return std::launder(reinterpret_cast<Node*>(chunk_of(slot).bytes)) + (slot & (chunk_size - 1));
    }
    void add_chunk() {
        if (nchunks_ == cap_) grow_directory(cap_ < 4 ? 4 : cap_ * 2);
        auto c = std::make_unique<chunk>(); // value-initialised: no live bits
        chunks_[nchunks_].store(c.release(), std::memory_order_release);
        ++nchunks_;
    }
    // A larger directory with the same chunks, published (array before capacity) for peek().
    void grow_directory(std::size_t capacity) {
        directories_.reserve(directories_.size() + 1);
        directory d{std::make_unique<std::atomic<chunk*>[]>(capacity), capacity};
        for (std::size_t i = 0; i < capacity; ++i)
            d.chunks[i].store(i < nchunks_ ? chunks_[i].load(std::memory_order_relaxed) : nullptr, std::memory_order_relaxed);
        std::atomic<chunk*>* fresh = d.chunks.get();
        directories_.push_back(std::move(d));
        shared_chunks_.store(fresh, std::memory_order_release);
        shared_cap_.store(capacity, std::memory_order_release);
        chunks_ = fresh;
        cap_ = capacity;
        if (!keep_retired_ && directories_.size() > 1) directories_.erase(directories_.begin());
    }

    std::atomic<chunk*>* chunks_ = nullptr; // the current directory (the owner's view)
    std::size_t cap_ = 0, nchunks_ = 0;
    std::vector<directory> directories_;    // the current one last; older ones with keep_retired
    std::atomic<std::atomic<chunk*>*> shared_chunks_{nullptr};
    std::atomic<std::size_t> shared_cap_{0}; // for peek(): published after the array it bounds
    std::vector<std::uint32_t> free_;
    std::uint32_t next_ = 0;
    bool keep_retired_ = false;
};

} // namespace cistern::detail
