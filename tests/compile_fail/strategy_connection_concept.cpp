// expect: cistern::strategy: the connection needs .query
// A strategy needs a connection that can query (execute alone is not enough).
#include <cistern/strategy/concepts.hpp>

#include <string_view>

struct execute_only {
    void execute(std::string_view);
};

static_assert(cistern::strategy::detail::check_strategy_connection<execute_only>());
