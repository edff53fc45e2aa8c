#pragma once
// Test support for the query admission tests: a monitor snapshot holding one statement.

#include <cistern/monitor/fingerprint.hpp>
#include <cistern/monitor/query_summary.hpp>
#include <cistern/monitor/snapshot.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace cistern::test {

/// A snapshot in which `sql` was called `calls` times of `mean` each, returning a row each time.
inline monitor_snapshot statement_snapshot(const std::string& sql, std::uint64_t calls, std::chrono::nanoseconds mean) {
    monitor_snapshot s;
    statement_summary st;
    st.fingerprint = fingerprint(sql).text;
    st.summary = summarize_query(st.fingerprint);
    st.calls = calls;
    st.total = mean * static_cast<std::int64_t>(calls);
    st.rows = calls;
    s.statements.push_back(st);
    return s;
}

} // namespace cistern::test
