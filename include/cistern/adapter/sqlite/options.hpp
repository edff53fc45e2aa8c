#pragma once
/// \file
/// Options of the SQLite adapter.

#include <chrono>
#include <cstddef>
#include <string>

#include <cistern/error.hpp>

#include <algorithm>
#include <array>
#include <cctype>

namespace cistern::sqlite {

/// How a SQLite connection is opened. Defaults suit a file shared by several pooled
/// connections: WAL journal (readers don't block the writer) and a busy timeout.
struct options {
    /// Journal mode for file databases ("WAL", "DELETE", "TRUNCATE", "PERSIST", "MEMORY",
    /// "OFF"); empty keeps SQLite's default. Ignored for in-memory databases.
    std::string journal_mode = "WAL";
    /// How long a statement waits for a lock held by another connection before it
    /// fails with SQLITE_BUSY.
    std::chrono::milliseconds busy_timeout{5000};
    /// Prepared statements kept per connection (least recently used are finalized).
    /// 0 disables the cache.
    std::size_t statement_cache_size = 64;
    /// Open read-only (the file must exist).
    bool read_only = false;
    /// Create the file if it does not exist (ignored when read_only).
    bool create = true;
    /// PRAGMA foreign_keys = ON on every connection.
    bool foreign_keys = true;
};

/// Throws config_error for an option SQLite would reject or misread.
inline void validate(const options& o) {
    static constexpr std::array<const char*, 6> modes{"WAL", "DELETE", "TRUNCATE", "PERSIST", "MEMORY", "OFF"};
    if (!o.journal_mode.empty()) {
        std::string up = o.journal_mode;
        std::transform(up.begin(), up.end(), up.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
        if (std::find_if(modes.begin(), modes.end(), [&](const char* m) { return up == m; }) == modes.end())
            throw config_error("sqlite::options::journal_mode", o.journal_mode,
                               "expected WAL, DELETE, TRUNCATE, PERSIST, MEMORY or OFF");
    }
    if (o.busy_timeout.count() < 0)
        throw config_error("sqlite::options::busy_timeout", std::to_string(o.busy_timeout.count()) + "ms",
                           "must not be negative");
}

} // namespace cistern::sqlite
