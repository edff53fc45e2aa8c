#pragma once
// For the admission benchmarks: a snapshot source that shows one statement as hot and slow
// (100 more calls of 5 ms at every snapshot), so that one evaluation of a query_admission
// with admit_after = 1 admits it.

#include <cistern/monitor/fingerprint.hpp>
#include <cistern/monitor/query_summary.hpp>
#include <cistern/monitor/snapshot.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace cistern_bench {

struct hot_statement {
    std::string sql;
    std::uint64_t calls = 0;
    cistern::monitor_snapshot operator()() {
        calls += 100;
        cistern::monitor_snapshot s;
        cistern::statement_summary st;
        st.fingerprint = cistern::fingerprint(sql).text;
        st.summary = cistern::summarize_query(st.fingerprint);
        st.calls = calls;
        st.total = std::chrono::milliseconds(5) * static_cast<std::int64_t>(calls);
        st.rows = calls;
        s.statements.push_back(st);
        return s;
    }
};

} // namespace cistern_bench
