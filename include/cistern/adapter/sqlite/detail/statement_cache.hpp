#pragma once
/// \file
/// detail: a bounded LRU of prepared SQLiteCpp statements, keyed by SQL text.
/// Evicted statements are finalized (their destructor runs sqlite3_finalize).

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <cstddef>
#include <list>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace cistern::sqlite::detail {

struct string_hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

class statement_cache {
public:
    explicit statement_cache(std::size_t capacity) : capacity_(capacity) {}

    /// The cached statement for `sql`, prepared on a miss. With capacity 0, `scratch`
    /// receives a fresh statement that the caller owns until its next call.
    SQLite::Statement& get(SQLite::Database& db, std::string_view sql) {
        if (capacity_ == 0) {
            scratch_ = std::make_unique<SQLite::Statement>(db, std::string(sql));
            return *scratch_;
        }
        if (auto it = index_.find(sql); it != index_.end()) {
            order_.splice(order_.begin(), order_, it->second);
            ++hits_;
            return *it->second->stmt;
        }
        ++misses_;
        auto stmt = std::make_unique<SQLite::Statement>(db, std::string(sql));
        if (order_.size() >= capacity_) {
            index_.erase(std::string_view(order_.back().sql));
            order_.pop_back(); // finalizes
            ++evictions_;
        }
        order_.push_front(entry{std::string(sql), std::move(stmt)});
        index_.emplace(std::string_view(order_.front().sql), order_.begin());
        return *order_.front().stmt;
    }

    /// Resets every cached statement (releases read locks / open cursors).
    void reset_all() noexcept {
        for (auto& e : order_) {
            try { e.stmt->reset(); } catch (...) {}
        }
    }
    void clear() noexcept { index_.clear(); order_.clear(); scratch_.reset(); }

    std::size_t size() const noexcept { return order_.size(); }
    std::size_t capacity() const noexcept { return capacity_; }
    std::size_t hits() const noexcept { return hits_; }
    std::size_t misses() const noexcept { return misses_; }
    std::size_t evictions() const noexcept { return evictions_; }

private:
    struct entry {
        std::string sql;
        std::unique_ptr<SQLite::Statement> stmt;
    };
    std::size_t capacity_;
    std::list<entry> order_;
    std::unordered_map<std::string_view, std::list<entry>::iterator, string_hash, std::equal_to<>> index_;
    std::unique_ptr<SQLite::Statement> scratch_;
    std::size_t hits_ = 0, misses_ = 0, evictions_ = 0;
};

} // namespace cistern::sqlite::detail
