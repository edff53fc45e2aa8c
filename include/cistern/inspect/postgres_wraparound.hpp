#pragma once
/// \file
/// `cistern::inspect::postgres_wraparound`: transaction-ID age of every database.

#include <cistern/inspect/check_result.hpp>
#include <cistern/inspect/detail/bounded.hpp>
#include <cistern/inspect/options.hpp>
#include <cistern/value.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace cistern::inspect {

/// One database's oldest unfrozen transaction ID age.
struct xid_age {
    /// The database name (datname).
    std::string database;
    std::int64_t age = 0;            ///< age(datfrozenxid)
    std::int64_t remaining = 0;      ///< XIDs left before PostgreSQL stops accepting writes
    /// Table column names: database, xid_age, remaining.
    static std::vector<std::string> columns() { return {"database", "xid_age", "remaining"}; }
    /// This row's cells in columns() order.
    std::vector<value> cells() const { return {database, age, remaining}; }
};

/// Every database that allows connections, oldest first. PostgreSQL refuses new XIDs when
/// the age reaches 2^31 minus 3 million (the wraparound guard); findings at
/// options::xid_age_warning / _critical.
template <class C>
check_result<xid_age> postgres_wraparound(C& c, const options& o = {}) {
    check_result<xid_age> r;
    r.state = detail::postgres_bounded(c, o.statement_timeout, r.notes, "wraparound", [&] {
        for (auto row : c.query(std::string_view(
                 "SELECT datname::text, age(datfrozenxid)::int8 FROM pg_database WHERE datallowconn ORDER BY 2 DESC"))) {
            xid_age a;
            a.database = row.template get<std::string>(0);
            a.age = row.template get<std::int64_t>(1);
            a.remaining = (std::int64_t{1} << 31) - 3'000'000 - a.age;
            r.rows.push_back(std::move(a));
        }
    });
    for (auto& a : r.rows)
        if (a.age >= o.xid_age_warning)
            r.add(a.age >= o.xid_age_critical ? health_status::unhealthy : health_status::degraded, "xid_wraparound",
                  "database " + a.database + " has transaction-ID age " + std::to_string(a.age) + "; " +
                      std::to_string(a.remaining) + " left before PostgreSQL stops accepting writes",
                  "run VACUUM (FREEZE) on its oldest tables (pg_class.relfrozenxid), look for long transactions and "
                  "abandoned replication slots or prepared transactions that hold back the horizon");
    return r;
}

} // namespace cistern::inspect
