#pragma once
/// \file
/// `cistern::result_tier`: a shared second tier behind a query_cache (for example
/// redis::query_tier), so that several application instances share results and see each
/// other's invalidations. Part of cistern::core: the interface only, no client library.

#include <cistern/row_set.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cistern {

/// What result_tier::fetch() found under a key, handed back to result_tier::store()
/// after the database load when it found nothing usable.
struct tier_ticket {
    /// The rows, on a hit of a current value (tags unchanged since it was stored).
    std::shared_ptr<const row_set> rows{};
    /// The in-memory copy must not live longer than this (the shared value's remaining
    /// time to live; shorter while the tier cannot hear other instances' invalidations).
    std::chrono::nanoseconds local_ttl_cap = std::chrono::nanoseconds::max();
    /// True when the tier answered, so that a value loaded now may be written to it.
    bool may_store = false;
    /// The versions the key's tags had when fetch() read them (the tier's own state).
    std::vector<std::int64_t> versions{};
};

/// A shared tier behind query_cache, keyed by the text of a query key (statement and
/// parameters) and invalidated by tag (the tables a result read).
///
/// Contract (every member may be called from any thread; none throws for a failure of
/// the shared store, which is a miss or a deferred invalidation):
///  - `fetch(key, tags)` reads the value stored under `key` together with the versions of
///    `tags`; a value stored before one of the tags was invalidated is not returned.
///  - `store(key, rows, ticket, ttl)` writes `rows` with the versions `ticket` read (so an
///    invalidation that happened during the load makes the stored value stale at once);
///    it does nothing unless `ticket.may_store`.
///  - `invalidate(tags)` bumps each tag's version and tells every other instance, whose
///    listeners' `on_tag` then run; it does not call this instance's listeners.
///  - `attach(l)` registers callbacks for invalidations from other instances (`on_tag`)
///    and for "messages may have been missed" (`on_clear`); they run on the tier's thread,
///    one at a time, and must not call back into the tier. `detach(id)` returns once the
///    listener is not running and will not run again.
class result_tier {
public:
    /// Callbacks of an in-memory cache (see attach()).
    struct listener {
        std::function<void(const std::string& tag)> on_tag; ///< another instance invalidated `tag`
        std::function<void()> on_clear;                     ///< invalidations may have been missed: drop all
    };

    virtual ~result_tier() = default;
    /// The value under `key` if current, with what store() needs after a load.
    virtual tier_ticket fetch(std::string_view key, std::span<const std::string> tags) = 0;
    /// Writes `rows` under `key` for `ttl`, stamped with the tag versions `ticket` read.
    /// (none: the tier's default time to live).
    virtual void store(std::string_view key, const row_set& rows, const tier_ticket& ticket,
                       std::optional<std::chrono::nanoseconds> ttl) = 0;
    /// Invalidates `tags` in the shared store and on every other instance.
    virtual void invalidate(std::span<const std::string> tags) = 0;
    /// Registers `l`; returns an id for detach().
    virtual std::size_t attach(listener l) = 0;
    /// Unregisters a listener (see the class contract).
    virtual void detach(std::size_t id) noexcept = 0;
};

} // namespace cistern
