#pragma once
/// \file
/// `cistern::strategy::partition::column_def`: a column of a table a strategy creates.

#include <string>

namespace cistern::strategy::partition {

/// One column: its name (any text; the strategy quotes it by the database's rules) and its
/// type with constraints, e.g. "bigint NOT NULL" (trusted SQL, written as given).
struct column_def {
    /// The column's name (quoted by the strategy).
    std::string name;
    /// Its type and constraints, written into the DDL as given.
    std::string type;
};

} // namespace cistern::strategy::partition
