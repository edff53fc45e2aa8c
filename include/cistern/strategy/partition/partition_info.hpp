#pragma once
/// \file
/// `cistern::strategy::partition::partition_info`: one partition as analyze() reports it.

#include <cstdint>
#include <optional>
#include <string>

namespace cistern::strategy::partition {

/// One partition (PostgreSQL partition or SQLite period table).
struct partition_info {
    std::string name;          ///< unquoted table name
    std::string lower;         ///< inclusive lower bound as text ("" for a default partition)
    std::string upper;         ///< exclusive upper bound as text ("" for a default partition)
    std::int64_t rows = 0;     ///< exact row count
    std::optional<std::int64_t> bytes; ///< on-disk size when the database can tell
    bool is_default = false;   ///< PostgreSQL DEFAULT partition
    bool detached = false;     ///< PostgreSQL: detached by retention, kept as a plain table
};

} // namespace cistern::strategy::partition
