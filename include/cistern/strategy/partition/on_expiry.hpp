#pragma once
/// \file
/// `cistern::strategy::partition::on_expiry`: what retention does with an expired partition.

namespace cistern::strategy::partition {

/// What retention does with an expired partition.
enum class on_expiry {
    drop,         ///< detach, then DROP TABLE
    keep_detached ///< detach only: the rows stay in a plain table for archiving
};

} // namespace cistern::strategy::partition
