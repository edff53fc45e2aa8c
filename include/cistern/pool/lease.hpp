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
    /// The pooled connection type (Pool::connection_type).
    using connection_type = typename Pool::connection_type;

    /// An empty lease that holds no connection (`bool(*this) == false`).
    lease() noexcept = default;
    /// Takes over `o`'s connection (and its invalidated() mark); `o` becomes empty.
    lease(lease&& o) noexcept
        : pool_(std::exchange(o.pool_, nullptr)), conn_(o.conn_), slot_(o.slot_), invalid_(o.invalid_) {}
    /// Returns the connection this lease holds (if any) to its pool, then takes over `o`'s;
    /// `o` becomes empty. Self-assignment does nothing.
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
    /// Returns the connection to the pool, as release() does.
    ~lease() { release(); }

    /// The connection. Precondition: the lease holds one (`bool(*this)`).
    connection_type& operator*() const noexcept { assert(pool_); return *conn_; }
    /// Member access to the connection. Precondition: the lease holds one.
    connection_type* operator->() const noexcept { assert(pool_); return conn_; }
    /// The connection, as operator*(). Precondition: the lease holds one.
    connection_type& get() const noexcept { assert(pool_); return *conn_; }
    /// True while the lease holds a connection.
    explicit operator bool() const noexcept { return pool_ != nullptr; }

    /// Marks the connection broken: it is closed, not reused, when the lease ends.
    void invalidate() noexcept { invalid_ = true; }
    /// True after invalidate(): the connection will be closed, not reused, when the lease ends.
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
