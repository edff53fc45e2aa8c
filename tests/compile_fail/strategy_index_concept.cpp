// expect: cistern::IndexStrategy: the type needs .index::advice advise
// A type whose advise() returns the wrong type is not an IndexStrategy.
#include <cistern/row_set.hpp>
#include <cistern/strategy/concepts.hpp>

#include <string>
#include <string_view>

struct some_connection {
    void execute(std::string_view);
    cistern::row_set query(std::string_view);
};
struct wrong_advisor {
    std::string advise(some_connection&) const;
};

static_assert(cistern::strategy::detail::check_index_strategy<wrong_advisor, some_connection>());
