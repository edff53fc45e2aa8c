#pragma once
/// \file
/// `cistern::inspect::postgres_connections`: client connections against max_connections.

#include <cistern/inspect/check_result.hpp>
#include <cistern/inspect/detail/bounded.hpp>
#include <cistern/inspect/options.hpp>
#include <cistern/value.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cistern::inspect {

/// Connection usage of the server.
struct connection_usage {
    std::int64_t used = 0;            ///< client backends (all databases)
    std::int64_t max_connections = 0; ///< the server setting
    std::int64_t reserved = 0;        ///< superuser_reserved_connections (plus reserved_connections on 16+)
    /// used over the connections ordinary roles may open.
    double ratio() const noexcept {
        const auto avail = max_connections - reserved;
        return avail <= 0 ? 1.0 : static_cast<double>(used) / static_cast<double>(avail);
    }
    /// Table column names: used, max_connections, reserved, ratio.
    static std::vector<std::string> columns() { return {"used", "max_connections", "reserved", "ratio"}; }
    /// This row's cells in columns() order.
    std::vector<value> cells() const { return {used, max_connections, reserved, ratio()}; }
};

/// One row: client backends against max_connections minus the reserved slots; a finding at
/// options::connections_warning / _critical of the ordinary slots.
template <class C>
check_result<connection_usage> postgres_connections(C& c, const options& o = {}) {
    check_result<connection_usage> r;
    r.state = detail::postgres_bounded(c, o.statement_timeout, r.notes, "connections", [&] {
        auto rs = c.query(std::string_view(
            "SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int8,"
            " current_setting('max_connections')::int8,"
            " current_setting('superuser_reserved_connections')::int8 +"
            " coalesce((SELECT setting::int8 FROM pg_settings WHERE name = 'reserved_connections'), 0)"));
        connection_usage u;
        u.used = rs[0].template get<std::int64_t>(0);
        u.max_connections = rs[0].template get<std::int64_t>(1);
        u.reserved = rs[0].template get<std::int64_t>(2);
        r.rows.push_back(u);
    });
    if (r.rows.empty()) return r;
    const auto& u = r.rows.front();
    const double q = u.ratio();
    if (q >= o.connections_warning) {
        r.add(q >= o.connections_critical ? health_status::unhealthy : health_status::degraded, "connections",
              std::to_string(u.used) + " of " + std::to_string(u.max_connections - u.reserved) +
                  " ordinary connection slots in use (" + detail::percent_text(q) + ")",
              "put a pooler in front (cistern::pool with max_size per process, or PgBouncer), close idle sessions, "
              "or raise max_connections (needs a restart)");
    }
    return r;
}

} // namespace cistern::inspect
