#pragma once
/// \file
/// `cistern::lease`: RAII ownership of one pooled connection.

#include <cassert>
#include <cstdint>
#include <utility>

namespace cistern {

/// Exclusive use of one connection of `Pool`, returned to the pool when the lease is
/// destroyed or release()d. Move-only. A lease must not outlive its pool.
///
/// If the holder finds the connection unusable (a fatal error mid-statement), it calls
/// invalidate(): the pool then closes the connection on return instead of reusing it.
template <class Pool>
class lease {
public:
    using connection_type = typename Pool::connection_type;

    lease() noexcept = default;
    lease(lease&& o) noexcept
        : pool_(std::exchange(o.pool_, nullptr)), conn_(o.conn_), slot_(o.slot_), invalid_(o.invalid_) {}
    lease& operator=(lease&& o) noexcept {
        if (this != &o) {
            release();
            pool_ = std::exchange(o.pool_, nullptr);
            conn_ = o.conn_;
            slot_ = o.slot_;
            invalid_ = o.invalid_;
        }
        return *this;
    }
    lease(const lease&) = delete;
    lease& operator=(const lease&) = delete;
    ~lease() { release(); }

    /// The connection. Precondition: the lease holds one (`bool(*this)`).
    connection_type& operator*() const noexcept { assert(pool_); return *conn_; }
    connection_type* operator->() const noexcept { assert(pool_); return conn_; }
    connection_type& get() const noexcept { assert(pool_); return *conn_; }
    /// True while the lease holds a connection.
    explicit operator bool() const noexcept { return pool_ != nullptr; }

    /// Marks the connection broken: it is closed, not reused, when the lease ends.
    void invalidate() noexcept { invalid_ = true; }
    bool invalidated() const noexcept { return invalid_; }

    /// Returns the connection to the pool now (idempotent).
    void release() noexcept {
        if (auto* p = std::exchange(pool_, nullptr)) p->give_back(slot_, invalid_);
    }

private:
    friend Pool;
    lease(Pool* p, connection_type* c, std::uint32_t slot) noexcept : pool_(p), conn_(c), slot_(slot) {}

    Pool* pool_ = nullptr;
    connection_type* conn_ = nullptr;
    std::uint32_t slot_ = 0;
    bool invalid_ = false;
};

} // namespace cistern
