// expect: cistern::PartitionStrategy: the type needs .using position_type
// A type without position_type/create/maintain/analyze is not a PartitionStrategy; the
// check names the first missing member.
#include <cistern/row_set.hpp>
#include <cistern/strategy/concepts.hpp>

#include <string_view>

struct some_connection {
    void execute(std::string_view);
    cistern::row_set query(std::string_view);
};
struct not_a_partition_strategy {};

static_assert(cistern::strategy::detail::check_partition_strategy<not_a_partition_strategy, some_connection>());
