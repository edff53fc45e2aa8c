#pragma once
/// \file
/// `cistern::default_partition_rows`: rows a database inspection counted in one default
/// partition, as the monitor holds and exports them.

#include <cstdint>
#include <string>

namespace cistern {

/// Rows stored in a partitioned table's default partition. Rows there block creating the
/// partition their range belongs to (PostgreSQL refuses it while they are there) and are
/// never dropped by retention: they should be moved out (docs/partitioning.md).
struct default_partition_rows {
    std::string parent;    ///< the partitioned table, schema-qualified ("public.events")
    std::string partition; ///< the default partition, schema-qualified
    std::int64_t rows = 0; ///< rows counted in it (FROM ONLY)
    /// Field-wise equality.
    friend bool operator==(const default_partition_rows&, const default_partition_rows&) = default;
};

} // namespace cistern
