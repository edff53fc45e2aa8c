#pragma once
/// \file
/// Forward declarations of cistern's main templates.

namespace cistern {

class error;
class config_error;
class connect_error;
class pool_timeout;
class query_error;
class pool_closed;

struct pool_options;
struct pool_stats;
template <class Factory, class... Policies> class pool;
template <class Pool> class lease;

} // namespace cistern
