#pragma once
/// \file
/// detail::shared_text, an immutable text shared by the keys that name it, and
/// detail::text_interner, which hands out one shared_text per distinct text (the query
/// cache's keys: every cached result of a statement points at one copy of its text).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace cistern::detail {

/// An immutable text with its detail::text_hash, in one reference-counted block: copies
/// share the block (an atomic increment), the last one frees it. A moved-from shared_text
/// is empty (no block: an empty text, hash 0); only assignment and destruction use it.
class shared_text {
public:
    shared_text() noexcept = default;
    /// A new block holding a copy of `text`, whose hash `h` must be detail::text_hash(text).
    shared_text(std::string_view text, std::uint64_t h) {
        void* mem = ::operator new(sizeof(block) + text.size());
        b_ = ::new (mem) block{1, h, text.size()};
        if (!text.empty()) std::memcpy(chars(b_), text.data(), text.size());
    }
    shared_text(const shared_text& o) noexcept : b_(o.b_) {
        if (b_) b_->refs.fetch_add(1, std::memory_order_relaxed);
    }
    shared_text(shared_text&& o) noexcept : b_(std::exchange(o.b_, nullptr)) {}
    shared_text& operator=(shared_text o) noexcept {
        std::swap(b_, o.b_);
        return *this;
    }
    ~shared_text() {
        if (b_ && b_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            b_->~block();
            ::operator delete(b_);
        }
    }

    /// The text.
    std::string_view view() const noexcept { return b_ ? std::string_view(chars(b_), b_->size) : std::string_view(); }
    /// Its detail::text_hash.
    std::uint64_t hash() const noexcept { return b_ ? b_->hash : 0; }
    /// The shared_texts sharing this block (0 for an empty one).
    std::size_t use_count() const noexcept { return b_ ? b_->refs.load(std::memory_order_relaxed) : 0; }
    /// The bytes the block takes.
    std::size_t heap_bytes() const noexcept { return b_ ? sizeof(block) + b_->size : 0; }

private:
    struct block {
        std::atomic<std::size_t> refs;
        std::uint64_t hash;
        std::size_t size;
    };
    static char* chars(block* b) noexcept { return reinterpret_cast<char*>(b + 1); }
    static const char* chars(const block* b) noexcept { return reinterpret_cast<const char*>(b + 1); }

    block* b_ = nullptr;
};

/// One shared_text per distinct text, for at most `capacity` texts: intern() returns the
/// text's block if it holds one, else makes it. At capacity it first lets go of the texts
/// only it still holds, then, if that frees nothing, of all of them (the keys keep theirs:
/// a text interned again gets a new block). Thread-safe (one mutex; intern() is for the
/// miss path, never a hit's).
class text_interner {
public:
    explicit text_interner(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}
    text_interner(const text_interner&) = delete;
    text_interner& operator=(const text_interner&) = delete;

    /// The shared block of `text`, whose hash `h` must be detail::text_hash(text).
    shared_text intern(std::string_view text, std::uint64_t h) {
        std::lock_guard lock(mu_);
        for (auto [it, end] = texts_.equal_range(h); it != end; ++it)
            if (it->second.view() == text) return it->second;
        if (texts_.size() >= capacity_) prune();
        shared_text t(text, h);
        texts_.emplace(h, t);
        return t;
    }
    /// Texts held now.
    std::size_t size() const {
        std::lock_guard lock(mu_);
        return texts_.size();
    }

private:
    void prune() {
        std::erase_if(texts_, [](const auto& e) { return e.second.use_count() == 1; });
        if (texts_.size() >= capacity_) texts_.clear();
    }

    const std::size_t capacity_;
    mutable std::mutex mu_;
    std::unordered_multimap<std::uint64_t, shared_text> texts_; // by text_hash: the caller's, not hashed again
};

} // namespace cistern::detail
